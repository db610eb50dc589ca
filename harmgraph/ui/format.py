"""Formatting for the app: flag chips, score bars, postcode districts, provenance and exports.

Every export carries what a reader needs to reproduce the list (as-of date, config version and
fingerprint, catalogue fingerprint, store version) and has spreadsheet formulas neutralised.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator, Mapping

import pandas as pd
import streamlit as st

from harmgraph.export import neutralise_formulas, to_csv
from harmgraph.terminal import clean
from scoring.config import RFGV, ScoringConfig
from scoring.signals import registry


class _Labels(Mapping[str, str]):
    """Flag name -> label as shown to people, read from the signal registry on every use (so a
    signal registered later shows its label too)."""

    def __getitem__(self, name: str) -> str:
        signal = registry.get(name)
        if signal is None:
            raise KeyError(name)
        return signal.label

    def __iter__(self) -> Iterator[str]:
        return iter([signal.name for signal in registry.signals()])

    def __len__(self) -> int:
        return len(registry.signals())


def perpetrator_flags() -> list[str]:
    """The flags of the offender lists, in flag order, as registered now."""
    return [signal.name for signal in registry.signals("perpetrators")]


def victim_only_flags() -> list[str]:
    """The flags only the repeat-victim lists carry, in flag order, as registered now."""
    return [signal.name for signal in registry.signals("victims") if signal.perpetrators is None]


FLAG_LABELS: Mapping[str, str] = _Labels()
# The registry's lists when the app started (the candidates page's filter offers these).
PERPETRATOR_FLAGS: list[str] = perpetrator_flags()
VICTIM_ONLY_FLAGS: tuple[str, ...] = tuple(victim_only_flags())


def flag_names(flags: object) -> list[str]:
    """The flag names in a ';'-joined flags cell.

    >>> flag_names("not_managed;dash_high"), flag_names(None)
    (['not_managed', 'dash_high'], [])
    """
    if not isinstance(flags, str) or not flags:
        return []
    return [f for f in flags.split(";") if f]


# What starts markdown anywhere in a line (emphasis, code, links and images, autolinks, HTML
# entities), Streamlit's own ":red[...]" / ":material/icon:" directives and emoji codes (':'),
# and LaTeX ('$'); and what starts a block only at the start of a line (lists, headings).
_MARKDOWN_INLINE = re.compile(r"([\\`*_{}\[\]<>~:$&])")
_MARKDOWN_LEADING = re.compile(r"^(\s*)([-+=#>]|\d+(?=[.)]))")


def md(value: object) -> str:
    """``value`` as literal text inside Streamlit markdown (titles, captions, messages, button
    labels): markdown characters escaped, control characters shown as escapes, one line.

    >>> print(md("[/] **Jo** :red[x] $y$ (P-1a)"))
    \\[/\\] \\*\\*Jo\\*\\* \\:red\\[x\\] \\$y\\$ (P-1a)
    >>> print(md("# 1. Anne\\x1b[31m".encode().decode("unicode_escape")))
    \\# 1. Anne\\\\x1b\\[31m
    >>> print(md("1. first"))
    1\\. first
    """
    text = _MARKDOWN_INLINE.sub(r"\\\1", clean("" if value is None else str(value)).replace("\n", " "))
    return _MARKDOWN_LEADING.sub(lambda m: m.group(1) + ("\\" + m.group(2) if not m.group(2).isdigit()
                                                         else m.group(2) + "\\"), text, count=1)


def flag_chips(flags: object) -> str:
    """Flags as short chips of text for a table cell (each signal's short label).

    >>> flag_chips("not_managed;breach")
    '⚑ not managed · ⚑ breach of an order or bail'
    >>> list(PERPETRATOR_FLAGS)[:3], list(VICTIM_ONLY_FLAGS)
    (['not_managed', 'pdp', 'custody_release'], ['offender_unmanaged', 'not_referred_to_marac', 'multiple_offenders'])
    """
    return " · ".join(f"⚑ {label}" for label in short_flags(flags))


def short_flags(flags: object) -> list[str]:
    """The short label of each flag in a ';'-joined flags cell (unknown names made readable).

    >>> short_flags("not_managed;rui_no_conditions;made_up_flag"), short_flags(None)
    (['not managed', 'RUI, no conditions', 'made up flag'], [])
    """
    return [s.short_label if (s := registry.get(f)) is not None else f.replace("_", " ") for f in flag_names(flags)]


def full_flags(flags: object) -> list[str]:
    """The full label of each flag in a ';'-joined flags cell (tooltips, detail panes).

    >>> full_flags("not_managed;breach")
    ['not managed', 'breach of an order or bail']
    """
    return [FLAG_LABELS.get(f, f.replace("_", " ")) for f in flag_names(flags)]


def postcode_district(postcode: pd.Series) -> pd.Series:
    """The outward code (district, e.g. 'NE1') of each postcode; spaces and case ignored.

    >>> postcode_district(pd.Series(["NE14ST", "ne1 4st", "SR3 7PE", None])).tolist()
    ['NE1', 'NE1', 'SR3', <NA>]
    """
    compact = postcode.astype("string").str.upper().str.replace(r"\s+", "", regex=True)
    return compact.where(compact.str.len() > 3).str[:-3]


def in_area(district: pd.Series, area: str) -> pd.Series:
    """Whether each district is in ``area``: a district ('NE1') exactly, or an area ('NE').

    >>> in_area(pd.Series(["NE1", "NE10", "SR3", None]), "NE1").tolist()
    [True, False, False, False]
    >>> in_area(pd.Series(["NE1", "NE10", "SR3", None]), "ne").tolist()
    [True, True, False, False]
    """
    wanted = re.sub(r"\s+", "", area).upper()
    if not wanted:
        return pd.Series(True, index=district.index)
    if any(ch.isdigit() for ch in wanted):
        hit = district == wanted
    else:
        hit = district.str.extract(r"^([A-Z]+)", expand=False) == wanted
    return hit.fillna(False).astype(bool)


def header(column: str) -> str:
    """A column name as a header people read.

    >>> header("duplicates_merged"), header("person_id"), header("at")
    ('Duplicates merged', 'Person id', 'At')
    """
    return column.replace("_", " ").strip().capitalize()


def human_headers(columns: object, **configs: object) -> dict[str, object]:
    """Column config giving every column of ``columns`` a readable header; ``configs`` (column ->
    a column config with its own label) replace the plain one for those columns."""
    return {str(c): configs.get(str(c), st.column_config.Column(header(str(c)))) for c in columns}


def blanks_for_missing(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with missing text shown blank rather than as "None" in a table.

    >>> blanks_for_missing(pd.DataFrame({"reason": ["met", None], "score": [1.0, None]}))["reason"].tolist()
    ['met', '']
    """
    text = [c for c in frame.columns if frame[c].dtype == object or pd.api.types.is_string_dtype(frame[c])]
    return frame.assign(**{str(c): frame[c].fillna("") for c in text})


def day_columns(frame: pd.DataFrame) -> list[str]:
    """The timestamp columns of ``frame`` that hold days (every value at midnight): shown as
    YYYY-MM-DD, never with '00:00:00'.

    >>> day_columns(pd.DataFrame({"due_date": pd.to_datetime(["2026-10-17", None]),
    ...                           "at": pd.to_datetime(["2026-10-17 09:30", "2026-10-18 00:00"])}))
    ['due_date']
    """
    days = []
    for column in frame.columns:
        if pd.api.types.is_datetime64_any_dtype(frame[column]):
            held = frame[column].dropna()
            if (held == held.dt.normalize()).all():
                days.append(str(column))
    return days


def show_table(frame: pd.DataFrame, key: str | None = None, **configs: object) -> None:
    """A read-only table with readable headers, blank missing text and days without a time
    (``configs`` as in :func:`human_headers`)."""
    days = {c: st.column_config.DateColumn(header(c), format="YYYY-MM-DD") for c in day_columns(frame)}
    st.dataframe(blanks_for_missing(frame), hide_index=True, width="stretch", key=key,
                 column_config=human_headers(frame.columns, **{**days, **configs}))


def points_columns(config: ScoringConfig) -> dict[str, object]:
    """Column config showing each RFGV component's points as a small bar."""
    return {
        f"{c}_points": st.column_config.ProgressColumn(
            c[0].upper() + " pts", help=f"{c} points (the top band gives {config.max_points(c):g}; graded "
                                        "points keep rising past it)",
            min_value=0.0, max_value=float(config.max_points(c)), format="%.1f")
        for c in RFGV
    }


def provenance_line(prov: dict[str, object]) -> str:
    """One sentence of provenance for a caption or a printed pack."""
    return (f"As of {prov['as_of']}, {prov['lookback_years']:g}-year window; config "
            f"{prov['config_version']} (fingerprint {prov['config_fingerprint']}); catalogue "
            f"{prov['catalogue_fingerprint']}; store {prov['store']} version {prov['store_version']}.")


def export_name(prov: dict[str, object], stem: str, extension: str) -> str:
    """A file name that carries the as-of date and config fingerprint.

    >>> export_name({"as_of": "2025-01-31", "config_fingerprint": "abc123"}, "matac overall", "csv")
    'matac-overall_as-of-2025-01-31_cfg-abc123.csv'
    """
    safe = re.sub(r"[^A-Za-z0-9]+", "-", stem).strip("-")
    return f"{safe}_as-of-{prov['as_of']}_cfg-{prov['config_fingerprint']}.{extension}"


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """Excel-safe CSV (formulas neutralised, dates as YYYY-MM-DD), UTF-8 with a BOM for Excel."""
    return ("\ufeff" + to_csv(frame)).encode("utf-8")


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for column in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[column]):
            out[column] = out[column].dt.strftime("%Y-%m-%d")
    return out.astype(object).where(out.notna(), None)


def xlsx_bytes(frame: pd.DataFrame, prov: dict[str, object], sheet: str = "list") -> bytes:
    """An XLSX workbook: the list (formulas neutralised) and a provenance sheet."""
    from openpyxl import Workbook

    book = Workbook()
    rows = book.active
    rows.title = sheet[:31]
    safe = neutralise_formulas(_plain(frame))
    rows.append([str(c) for c in safe.columns])
    for record in safe.itertuples(index=False):
        rows.append([None if v is None or (isinstance(v, float) and pd.isna(v)) else v for v in record])
    meta = book.create_sheet("provenance")
    meta.append(["key", "value"])
    provenance = neutralise_formulas(pd.DataFrame({"key": list(prov), "value": [str(v) for v in prov.values()]}))
    for key, value in provenance.itertuples(index=False):
        meta.append([key, value])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
