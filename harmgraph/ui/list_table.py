"""Ranked lists as readable HTML tables: every word of the reason and flags on screen, no
horizontal scrolling at 1,366 x 768, rank and name pinned on narrower screens.

A grid widget cuts long text off at the cell's edge (the issue that asked for this module saw
"⚑ unrecognised (high rank, nobo..."), so the lists a panel reads are drawn as a plain table
whose cells wrap. Every value is escaped; the table carries ``data-`` attributes the browser
tests read.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence

import pandas as pd

from harmgraph.ui.format import full_flags, short_flags
from scoring.config import RFGV, ScoringConfig

# One colour per RFGV component (recency, frequency, gravity, victims), light to dark.
RFGV_COLOURS = ("#90caf9", "#42a5f5", "#1e88e5", "#0d47a1")

STYLE = """<style>
.hg-list { width: 100%; overflow-x: auto; }
.hg-list table { width: 100%; table-layout: fixed; border-collapse: separate; border-spacing: 0;
  font-size: 13px; line-height: 1.35; color: #1b1b1b; }
.hg-list th { text-align: left; font-weight: 600; background: #f0f2f6; padding: 5px 6px;
  border-bottom: 1px solid #c8c8c8; }
.hg-list td { padding: 5px 6px; vertical-align: top; border-bottom: 1px solid #e3e3e3;
  overflow-wrap: anywhere; white-space: normal; }
.hg-list .pin { position: sticky; background: #fff; z-index: 1; }
.hg-list th.pin { background: #f0f2f6; }
.hg-list .rank { left: 0; text-align: right; font-variant-numeric: tabular-nums; }
.hg-list .name { left: 38px; }
.hg-list .name b { font-size: 13.5px; }
.hg-list .muted { color: #5a5a5a; font-size: 11.5px; }
.hg-list .score .muted { white-space: pre-wrap; }
.hg-list .score b { font-size: 14px; font-variant-numeric: tabular-nums; }
.hg-list .bar { display: flex; height: 7px; width: 100%; background: #eceff1; border-radius: 2px;
  margin: 3px 0 2px; overflow: hidden; }
.hg-list .bar span { display: block; height: 100%; }
.hg-list .referred { display: inline-block; background: #e8f5e9; border: 1px solid #a5d6a7; border-radius: 3px;
  padding: 0 4px; margin-top: 2px; font-size: 11.5px; }
.hg-list .chip { display: inline-block; background: #fff3e0; border: 1px solid #ffcc80;
  border-radius: 3px; padding: 0 4px; margin: 0 3px 3px 0; font-size: 12px; white-space: normal; }
</style>"""


def day(value: object) -> str:
    """A date as YYYY-MM-DD, blank when missing (never '00:00:00', never 'NaT').

    >>> day(pd.Timestamp("2026-10-26 14:21:55")), day(None), day(pd.NaT)
    ('2026-10-26', '', '')
    """
    return "" if value is None or pd.isna(value) else f"{pd.Timestamp(value):%Y-%m-%d}"


def text(value: object) -> str:
    """A cell's text, blank when missing (never 'None' or 'nan').

    >>> text("NE1"), text(None), text(float("nan")), text(pd.NA)
    ('NE1', '', '', '')
    """
    return "" if value is None or pd.isna(value) else str(value)


def rfgv_text(row: pd.Series | dict, config: ScoringConfig) -> str:
    """The four RFGV points in one short line, e.g. 'R 5  F 4  G 5  V 3'.

    >>> from scoring.config import load_config
    >>> rfgv_text({"recency_points": 5.0, "frequency_points": 4.0, "gravity_points": 5.0,
    ...            "victims_points": 3.0}, load_config())
    'R 5  F 4  G 5  V 3'
    """
    return "  ".join(f"{c[0].upper()} {round(float(row[f'{c}_points']), 1):g}" for c in RFGV)


def rfgv_bar(row: pd.Series | dict, config: ScoringConfig) -> str:
    """One stacked bar of the four RFGV points (each segment its share of the maximum), then
    the points as text; the tooltip names each component."""
    total = sum(config.max_points(c) for c in RFGV) or 1.0
    segments = "".join(
        f"<span style='width:{100.0 * float(row[f'{c}_points']) / total:.1f}%;background:{colour}'></span>"
        for c, colour in zip(RFGV, RFGV_COLOURS))
    tip = "; ".join(f"{c} {round(float(row[f'{c}_points']), 1):g} points (top band {config.max_points(c):g})"
                    for c in RFGV)
    # a no-break space holds each letter to its points; the line may wrap between components
    points = "  ".join(f"{c[0].upper()}&nbsp;{round(float(row[f'{c}_points']), 1):g}" for c in RFGV)
    return (f"<div class='bar' title='{html.escape(tip)}'>{segments}</div>"
            f"<span class='muted' title='{html.escape(tip)}'>{points}</span>")


def chips(flags: object) -> str:
    """Flags as short chips; each chip's tooltip is the full label."""
    return "".join(f"<span class='chip' title='{html.escape(full)}'>{html.escape(short)}</span>"
                   for short, full in zip(short_flags(flags), full_flags(flags)))


def _count(number: int, noun: str) -> str:
    """'1 offender', '2 offenders'."""
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _person_cells(row: pd.Series, more: str = "") -> str:
    """The row's opening tag, the pinned rank cell and the pinned name cell (name, id, ``more``)."""
    return (f"<tr data-person='{html.escape(str(row['person_id']))}'>"
            f"<td class='pin rank'>{int(row['rank'])}</td>"
            f"<td class='pin name'><b>{html.escape(text(row['display_name']))}</b><br>"
            f"<span class='muted'>{html.escape(str(row['person_id']))}</span>{more}</td>")


def _table(headers: Sequence[tuple[str, str, str]], rows: Iterable[str], testid: str) -> str:
    """A table with fixed column widths: ``headers`` is (title, css class, width) per column."""
    cols = "".join(f"<col style='width:{width}'>" for _, _, width in headers)
    head = "".join(f"<th class='{cls}' scope='col'>{html.escape(title)}</th>" for title, cls, _ in headers)
    return (f"{STYLE}<div class='hg-list' data-testid='{testid}'><table><colgroup>{cols}</colgroup>"
            f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>")


CANDIDATE_HEADERS = (("#", "pin rank", "38px"), ("Name", "pin name", "150px"), ("Score (RFGV)", "score", "132px"),
                     ("Reason", "reason", "auto"), ("Flags", "flags", "190px"),
                     ("Last incident, district", "last", "92px"))


def _order_line(row: pd.Series) -> str:
    """What puts the row above the next (``order_reason``), as a muted second line."""
    reason = text(row.get("order_reason"))
    return f"<br><span class='muted' data-order>Order: {html.escape(reason)}</span>" if reason else ""


def candidate_table(frame: pd.DataFrame, config: ScoringConfig) -> str:
    """The candidate list as HTML: rank and name pinned, the RFGV points as one small bar, the
    reason and short flags wrapped in full, the last incident's day and the district.

    ``frame`` holds the list's columns plus ``district`` (blank when not known) and, when a
    partner agency referred the person to the MATAC, ``referred`` (shown under the name).

    >>> from scoring.config import load_config
    >>> row = {"rank": 1, "person_id": "P-1", "display_name": "Omar <WATTS>", "score": 62.5,
    ...        "recency_points": 5.0, "frequency_points": 4.0, "gravity_points": 5.0, "victims_points": 3.0,
    ...        "reasons": "3 incidents", "flags": "not_managed", "last_incident": pd.Timestamp("2026-10-26 14:21"),
    ...        "district": None, "victims": 3, "frequency": 3}
    >>> out = candidate_table(pd.DataFrame([row]), load_config())
    >>> "Omar &lt;WATTS&gt;" in out, "00:00:00" in out, "None" in out, "not managed" in out
    (True, False, False, True)
    """
    rows = []
    for _, row in frame.iterrows():
        referred = text(row.get("referred"))
        note = f"<br><span class='referred' data-referred>{html.escape(referred)}</span>" if referred else ""
        rows.append(
            _person_cells(row, f"<br><span class='muted'>{_count(int(row['victims']), 'victim')} · "
                                 f"{_count(int(row['frequency']), 'incident')}</span>{note}") +
            f"<td class='score'><b>{float(row['score']):.2f}</b>{rfgv_bar(row, config)}</td>"
            f"<td class='reason'>{html.escape(text(row['reasons']))}{_order_line(row)}</td>"
            f"<td class='flags'>{chips(row['flags'])}</td>"
            f"<td class='last'>{day(row['last_incident'])}<br>"
            f"<span class='muted'>{html.escape(text(row.get('district')))}</span></td></tr>")
    return _table(CANDIDATE_HEADERS, rows, "candidate-list")


VICTIM_HEADERS = (("#", "pin rank", "38px"), ("Name", "pin name", "150px"), ("Offences, offenders", "counts", "92px"),
                  ("Offenders (with their rank)", "offenders", "170px"), ("Reason", "reason", "auto"),
                  ("Flags", "flags", "170px"), ("Last incident", "last", "88px"))


def victim_table(frame: pd.DataFrame) -> str:
    """The repeat-victim list as HTML, read the same way as :func:`candidate_table`."""
    rows = []
    for _, row in frame.iterrows():
        rows.append(
            _person_cells(row) +
            f"<td class='counts'>{_count(int(row['offences']), 'offence')}<br>{_count(int(row['offenders']), 'offender')}</td>"
            f"<td class='offenders'>{html.escape(text(row['offender_ranks']))}</td>"
            f"<td class='reason'>{html.escape(text(row['reasons']))}</td>"
            f"<td class='flags'>{chips(row['flags'])}</td>"
            f"<td class='last'>{day(row['last_incident'])}</td></tr>")
    return _table(VICTIM_HEADERS, rows, "victim-list")


def grid_view(frame: pd.DataFrame, config: ScoringConfig) -> pd.DataFrame:
    """``frame`` with the display columns a grid shows: the RFGV points as one text, the last
    incident as a day, the district and flags as text (blank, never 'None').

    >>> from scoring.config import load_config
    >>> row = {"recency_points": 5.0, "frequency_points": 4.0, "gravity_points": 5.0, "victims_points": 3.0,
    ...        "flags": "not_managed", "last_incident": pd.Timestamp("2026-10-26 14:21"), "district": None}
    >>> grid_view(pd.DataFrame([row]), load_config())[["rfgv", "last_day", "district_text", "flag_text"]].iloc[0].tolist()
    ['R 5  F 4  G 5  V 3', datetime.date(2026, 10, 26), '', 'not managed']
    """
    out = frame.copy()
    out["rfgv"] = [rfgv_text(row, config) for _, row in frame.iterrows()]
    out["last_day"] = pd.to_datetime(frame["last_incident"]).dt.date
    out["district_text"] = frame["district"].map(text) if "district" in frame else ""
    out["flag_text"] = frame["flags"].map(lambda f: " · ".join(short_flags(f)))
    return out
