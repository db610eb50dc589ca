"""The MATAC meeting pack: a PDF a chair can print, one page per candidate shown.

Page 1 is the cover (meeting, as-of date, config fingerprint, who exported it and why), page 2
the agenda (new candidates, partner agencies' referrals, deferrals carried forward, subjects and
actions for review, subjects for discharge), then one page per candidate: reason, flags as sentences, RFGV, a timeline, victims
with the safety information the extract holds, measures, referrals, decisions and actions.

Drawn with reportlab (pure Python, from the package index): no browser or system library is
needed, so a scheduled ``harmgraph matac pack`` runs on any server. Each candidate's page is
shrunk to fit one page, so the page count is always candidates + 2.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, replace
from datetime import date, datetime, timezone
from xml.sax.saxutils import escape

import pandas as pd
from reportlab.graphics.shapes import Circle, Drawing, Line, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import cm
from reportlab.platypus import KeepInFrame, PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from graph.decisions import TACTICS
from graph.store import GraphStore
from harmgraph.accounts import Account
from harmgraph.force_scope import agenda_in_scope, visible_people
from scoring.context import ScoringContext
from scoring.explain import Evidence, explain_person
from scoring.lists import PerpetratorList, list_notes, rank_perpetrators, rank_victims
from scoring.matac import Agenda, current_actions, data_as_of, meeting_agenda
from scoring.signals import registry

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 1.4 * cm
FRAME_WIDTH = PAGE_WIDTH - 2 * MARGIN
FRAME_HEIGHT = PAGE_HEIGHT - 2 * MARGIN - 0.6 * cm  # room for the marking in the footer
MARKING = "OFFICIAL-SENSITIVE: police and partner agencies of the MATAC only"
AGENDA_ROWS = 30  # rows per agenda section before "and N more" (the agenda is one page)
TIMELINE_ROWS = 12  # incidents listed per candidate (the newest; the drawing shows them all)
NOT_HELD = "not held in the extract"

_STYLES = getSampleStyleSheet()
BODY = ParagraphStyle("pack-body", parent=_STYLES["BodyText"], fontSize=8.5, leading=10.5)
SMALL = ParagraphStyle("pack-small", parent=BODY, fontSize=7.5, leading=9)
H1 = ParagraphStyle("pack-h1", parent=_STYLES["Heading1"], fontSize=16, leading=19, spaceAfter=4)
H2 = ParagraphStyle("pack-h2", parent=_STYLES["Heading2"], fontSize=11, leading=13, spaceBefore=5, spaceAfter=2)


def _plain_text(value: object) -> str:
    """Text the standard PDF fonts can draw (Latin-1), XML-escaped for a Paragraph.

    >>> _plain_text("<b>Zoë ⚑</b>"), _plain_text(None), _plain_text(float("nan"))
    ('&lt;b&gt;Zoë ?&lt;/b&gt;', '', '')
    """
    if _missing(value):
        return ""
    text = str(value).encode("latin-1", "replace").decode("latin-1")
    return escape(text)


def _missing(value: object) -> bool:
    """Whether a cell is empty (None, NaN, NA, NaT or blank text)."""
    if isinstance(value, str):
        return not value.strip()
    return value is None or bool(pd.isna(value)) if not isinstance(value, (list, tuple)) else False


def _or(value: object, fallback: object) -> object:
    """``value``, or ``fallback`` when the cell is empty (pandas' NA cannot be used with ``or``).

    >>> _or(pd.NA, "abh"), _or("ABH", "abh"), _or(None, "")
    ('abh', 'ABH', '')
    """
    return fallback if _missing(value) else value


def _day(value: object) -> str:
    """A date as YYYY-MM-DD ('' when missing)."""
    if _missing(value):
        return ""
    return f"{pd.Timestamp(value):%Y-%m-%d}"


def _para(text: str, style: ParagraphStyle = BODY) -> Paragraph:
    return Paragraph(text, style)


SHORT_CELL = 14  # characters a cell is drawn as plain text up to; longer ones wrap (as a Paragraph)


def _cell(value: object, bold: bool = False) -> object:
    """A table cell: short text as a plain string (drawn in the table's font, never wrapped, and
    several times cheaper to lay out than a Paragraph, which a pack has thousands of); longer
    text as an escaped Paragraph that wraps.

    >>> _cell("2025-10-06"), type(_cell("a reason long enough to wrap")).__name__, _cell(None)
    ('2025-10-06', 'Paragraph', '')
    """
    text = "" if _missing(value) else str(value).encode("latin-1", "replace").decode("latin-1")
    if len(text) <= SHORT_CELL and "\n" not in text:
        return text
    return _para(f"<b>{escape(text)}</b>" if bold else escape(text), SMALL)


def _table(header: list[str], rows: list[list[object]], widths: list[float] | None = None) -> Table:
    """A small grid: escaped cells that wrap, a grey header row."""
    cells = [[_cell(h, bold=True) for h in header]]
    cells += [[_cell(v) for v in row] for row in rows]
    table = Table(cells, colWidths=widths, repeatRows=1, hAlign="LEFT")
    table.setStyle(TableStyle([
        # the font of the plain-text cells, the same as SMALL's
        ("FONT", (0, 0), (-1, -1), SMALL.fontName, SMALL.fontSize, SMALL.leading),
        ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", SMALL.fontSize, SMALL.leading),
        ("GRID", (0, 0), (-1, -1), 0.3, colors.grey),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 2), ("RIGHTPADDING", (0, 0), (-1, -1), 2),
        ("TOPPADDING", (0, 0), (-1, -1), 1), ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
    ]))
    return table


def _none_or_table(header: list[str], rows: list[list[object]], none: str,
                   widths: list[float] | None = None) -> object:
    return _table(header, rows, widths) if rows else _para(f"<i>{_plain_text(none)}</i>", SMALL)


@dataclass(frozen=True)
class PackRequest:
    """What a pack is of, and who asked for it and why (all printed on the cover).

    ``person_ids``: the rows a page shows (after its filters), in order; when None, the top
    ``top`` of the list.
    """

    top: int
    which: PerpetratorList
    meeting: date
    who: str
    reason: str
    person_ids: tuple[str, ...] | None = None
    # Who the pack is for: a user of some forces gets only their people (harmgraph/force_scope.py).
    viewer: Account | None = None


@dataclass(frozen=True)
class Pack:
    """The PDF and the people in it (the candidates, in page order)."""

    pdf: bytes
    person_ids: list[str]


def _footer(canvas, document) -> None:  # type: ignore[no-untyped-def]
    canvas.saveState()
    canvas.setFont("Helvetica", 7)
    canvas.drawString(MARGIN, MARGIN * 0.5, MARKING)
    canvas.drawRightString(PAGE_WIDTH - MARGIN, MARGIN * 0.5, f"page {document.page}")
    canvas.restoreState()


def _cover(request: PackRequest, context: ScoringContext, candidates: pd.DataFrame, generated: datetime) -> list:
    config = context.config
    scored = data_as_of(context)
    lines = [
        ("Meeting", f"{request.meeting:%Y-%m-%d}"),
        ("List", f"{request.which.value}: the top {request.top} ({len(candidates)} shown)"),
        ("Data as of", f"{context.as_of:%Y-%m-%d}" + (f" (scored on the extract's last incident, {scored:%Y-%m-%d})"
                                                       if scored != context.as_of else "")),
        ("Scoring window", f"{config.lookback_years:g} years"),
        ("Config", f"{config.version}, fingerprint {config.fingerprint()}"),
        ("Offence catalogue", f"fingerprint {context.catalogue.fingerprint}"),
        ("Exported by", request.who),
        ("Exported at", f"{generated:%Y-%m-%d %H:%M} UTC"),
        ("Reason", request.reason),
        # Flags common to most of the list are said once, here, not on each candidate's page.
        *(("Whole list", note) for note in list_notes(candidates)),
    ]
    rows = [[_para(f"<b>{_plain_text(k)}</b>"), _para(_plain_text(v))] for k, v in lines]
    table = Table(rows, colWidths=[4 * cm, FRAME_WIDTH - 4 * cm], hAlign="LEFT")
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LINEBELOW", (0, 0), (-1, -1), 0.2, colors.grey)]))
    return [
        _para(f"<b>{_plain_text(MARKING)}</b>", SMALL), Spacer(1, 0.6 * cm),
        _para(f"MATAC meeting pack: {request.meeting:%d %B %Y}", H1), Spacer(1, 0.4 * cm), table, Spacer(1, 0.6 * cm),
        _para("Scores rank allegations as well as charges and convictions; each candidate's page lists the "
              "outcomes of the incidents behind the score. A score is a reason to discuss a person, not a "
              "finding about them."),
    ]


def _clip(rows: list[list[object]], limit: int) -> list[list[object]]:
    if len(rows) <= limit:
        return rows
    return rows[:limit] + [[f"and {len(rows) - limit} more"] + [""] * (len(rows[0]) - 1)]


def _agenda_page(agenda: Agenda) -> list:
    report = agenda.report
    since = (f"no decision at or before the meeting of {report.since_meeting:%Y-%m-%d}" if report.since_meeting
             else "no earlier meeting recorded")
    new = [[r.rank, r.display_name, r.person_id, f"{r.score:.1f}", r.why] for r in report.new.itertuples()]
    deferred = [[r.display_name, r.person_id, _day(r.deferred_at), r.reason] for r in report.deferred.itertuples()]
    referred = [[r.display_name, r.person_id, "" if pd.isna(r.rank) else r.rank, f"{r.score:.1f}", r.referred,
                 r.referral_reasons] for r in agenda.referred.itertuples()]
    due = [[r.person_id, TACTICS.get(r.tactic, r.tactic), r.owner_agency, r.status, r.why]
           for r in agenda.actions_due.itertuples()]
    reviews = [[r.display_name, r.person_id, _day(r.adopted_meeting), f"{r.score_at_adoption:.1f}",
                f"{r.score_now:.1f}", r.open_actions, _day(r.next_due)] for r in agenda.reviews.itertuples()]
    discharge = [[r.display_name, r.person_id, _day(r.adopted_meeting), f"{r.score_at_adoption:.1f}",
                  f"{r.score_now:.1f}", r.why] for r in agenda.discharge.itertuples()]
    return [
        _para(f"Agenda: meeting of {agenda.meeting:%Y-%m-%d}", H1),
        _para(f"1. New candidates (top {report.top}, {since})", H2),
        _none_or_table(["Rank", "Name", "Person id", "Score", "Why on the agenda"], _clip(new, AGENDA_ROWS),
                       "None."),
        _para("2. Referred by partner agencies", H2),
        _none_or_table(["Name", "Person id", "Rank", "Score", "Referred", "Why"], _clip(referred, AGENDA_ROWS),
                       "None."),
        _para("3. Deferrals carried forward", H2),
        _none_or_table(["Name", "Person id", "Deferred at", "Reason"], _clip(deferred, AGENDA_ROWS), "None."),
        _para("4. Reviews and actions due", H2),
        _none_or_table(["Name", "Person id", "Adopted", "Score then", "Score now", "Open actions", "Next due"],
                       _clip(reviews, AGENDA_ROWS), "No subject in the cohort to review."),
        Spacer(1, 0.15 * cm),
        _none_or_table(["Person id", "Tactic", "Owner", "Status", "Due / review"], _clip(due, AGENDA_ROWS), "None."),
        _para("5. Subjects for discharge", H2),
        _none_or_table(["Name", "Person id", "Adopted", "Score then", "Score now", "Why"],
                       _clip(discharge, AGENDA_ROWS), "None."),
    ]


def _timeline_drawing(incidents: pd.DataFrame, context: ScoringContext) -> Drawing:
    """Every incident up to the as-of date as a dot on one line (filled: inside the window)."""
    width, height = FRAME_WIDTH, 34
    drawing = Drawing(width, height)
    start = min(pd.Timestamp(context.window_start), incidents["occurred_at"].min())
    end = pd.Timestamp(context.as_of_end)
    span = max((end - start).total_seconds(), 1.0)

    def x(at: pd.Timestamp) -> float:
        return 10 + (width - 20) * (at - start).total_seconds() / span

    drawing.add(Line(10, 16, width - 10, 16, strokeColor=colors.grey))
    drawing.add(Line(x(pd.Timestamp(context.window_start)), 8, x(pd.Timestamp(context.window_start)), 24,
                     strokeColor=colors.HexColor("#4c78a8")))
    for year in range(start.year + 1, end.year + 1):
        tick = x(pd.Timestamp(year=year, month=1, day=1))
        drawing.add(Line(tick, 13, tick, 19, strokeColor=colors.grey))
        drawing.add(String(tick - 9, 2, str(year), fontSize=6))
    for row in incidents.itertuples():
        harm = float(row.harm_days) if pd.notna(row.harm_days) else 0.0
        radius = 2 + min(harm, 3650.0) ** 0.5 / 12
        fill = colors.HexColor("#c0392b") if row.in_window else colors.white
        drawing.add(Circle(x(row.occurred_at), 16, radius, fillColor=fill, strokeColor=colors.black, strokeWidth=0.4))
    drawing.add(String(10, 26, f"window from {pd.Timestamp(context.window_start):%Y-%m-%d}", fontSize=6,
                       fillColor=colors.HexColor("#4c78a8")))
    return drawing


def _victims_named(others: object) -> str:
    """The victims among an incident's other parties ("P-1 Ann LEE [victim]; ..."), without the tag.

    >>> _victims_named("P-1 Ann LEE [victim]; P-2 Bo KAY [witness]"), _victims_named(pd.NA)
    ('P-1 Ann LEE', '')
    """
    if _missing(others):
        return ""
    return "; ".join(part.replace(" [victim]", "").strip() for part in str(others).split(";") if "[victim]" in part)


@dataclass(frozen=True)
class VictimFacts:
    """What every candidate page's victim table looks up, read once per pack (built by
    :meth:`of`): the victim roles, each person's name and sex, and the MARAC referrals held."""

    victim_roles: pd.DataFrame
    names: dict[str, object]
    sexes: dict[str, object]
    marac_last: dict[str, object]

    @classmethod
    def of(cls, context: ScoringContext) -> "VictimFacts":
        tables = context.tables
        referrals = tables.referrals
        marac = referrals[(referrals["type"] == "marac") & (referrals["date"] <= pd.Timestamp(context.as_of))]
        persons = tables.persons.drop_duplicates("person_id")
        return cls(victim_roles=tables.roles[tables.roles["role"] == "victim"],
                   names=dict(zip(persons["person_id"], persons["display_name"])),
                   sexes=dict(zip(persons["person_id"], persons["sex"])),
                   marac_last=marac.groupby("person_id")["date"].max().to_dict())


def _victims(evidence: Evidence, facts: VictimFacts, person_id: str) -> list[list[object]]:
    """One row per victim of the person's incidents: the DASH grading and MARAC referral held."""
    own = evidence.incidents[evidence.incidents["role"].isin(("suspect", "offender"))]
    roles = facts.victim_roles[facts.victim_roles["incident_id"].isin(own["incident_id"])
                               & (facts.victim_roles["person_id"] != person_id)]
    if roles.empty:
        return []
    pairs = roles.merge(own[["incident_id", "occurred_at", "dash_risk"]], on="incident_id")
    order = {"standard": 1, "medium": 2, "high": 3}
    rows = []
    for victim, group in pairs.groupby("person_id", sort=False):
        grades = [g for g in group["dash_risk"].dropna().astype(str) if g in order]
        dash = max(grades, key=order.get) if grades else "not graded"
        marac_text = f"referred {_day(facts.marac_last[victim])}" if victim in facts.marac_last else "no referral held"
        rows.append([_or(facts.names.get(victim), ""), victim, _or(facts.sexes.get(victim), ""), len(group),
                     _day(group["occurred_at"].min()), _day(group["occurred_at"].max()), dash, marac_text, NOT_HELD,
                     NOT_HELD])
    return sorted(rows, key=lambda r: r[5], reverse=True)


@dataclass(frozen=True)
class PanelRecords:
    """The panel's own records a candidate's page lists: decisions, action states and partner
    agencies' referrals (ids as they are now)."""

    decisions: pd.DataFrame
    actions: pd.DataFrame
    referrals: pd.DataFrame


def _candidate_page(row: pd.Series, evidence: Evidence, context: ScoringContext, panel: PanelRecords,
                    facts: VictimFacts) -> list:
    person_id = str(row["person_id"])
    name = _or(evidence.person.get("display_name"), person_id)
    perp = evidence.perpetrator or {}
    parts: list = [
        _para(f"{int(row['rank'])}. {_plain_text(name)} <font size=9>({_plain_text(person_id)})</font>", H1),
        _para(f"<b>Score {float(row['score']):.1f}</b> · {int(row['frequency'])} incidents in the window against "
              f"{int(row['victims'])} victims · {float(row['gravity']):,.0f} harm days · last incident "
              f"{_day(row['last_incident'])}"),
        _para(f"<b>Reason:</b> {_plain_text(row['reasons'])}"),
    ]
    flags = evidence.flag_reasons
    parts.append(_para("Flags", H2))
    if flags.empty:
        parts.append(_para("<i>No flags.</i>", SMALL))
    for flag, reason in flags[["flag", "reason"]].itertuples(index=False):
        signal = registry.get(flag)
        label = signal.label if signal is not None else flag.replace("_", " ")
        parts.append(_para(f"&bull; <b>{_plain_text(label)}</b>: {_plain_text(reason)}.", SMALL))
    components = evidence.components
    parts += [_para("RFGV", H2), _table(
        ["Component", "Measure", "Value", "Points", "Weight", "Weighted"],
        [[c.component, c.measure, "" if c.value is None or pd.isna(c.value) else f"{c.value:g}",
          f"{c.points:g} of {c.max_points:g}", f"{c.weight:g}", f"{c.weighted_points:.1f}"]
         for c in components.itertuples()],
        [2.2 * cm, 6.5 * cm, 2 * cm, 2.4 * cm, 1.6 * cm, 2 * cm])]
    incidents = evidence.incidents
    parts.append(_para("Timeline", H2))
    if incidents.empty:
        parts.append(_para("<i>No incidents up to the as-of date.</i>", SMALL))
    else:
        parts.append(_timeline_drawing(incidents, context))
        newest = incidents.sort_values("occurred_at", ascending=False).head(TIMELINE_ROWS)
        rows = [[_day(i.occurred_at), i.incident_id, _or(i.label, i.offence), i.role, _victims_named(i.others),
                 i.outcome, i.dash_risk, f"{i.harm_days:g}" if pd.notna(i.harm_days) else "",
                 "yes" if i.in_window else "no"] for i in newest.itertuples()]
        if len(incidents) > TIMELINE_ROWS:
            rows.append([f"and {len(incidents) - TIMELINE_ROWS} earlier", "", "", "", "", "", "", "", ""])
        parts.append(_table(["Date", "Incident", "Offence", "Role", "Victims", "Outcome", "DASH", "Harm days",
                             "In window"], rows,
                            [1.7 * cm, 1.6 * cm, 3 * cm, 1.4 * cm, 4.6 * cm, 1.9 * cm, 1.3 * cm, 1.2 * cm, 1.2 * cm]))
    parts += [_para("Victims and the safety information held", H2), _none_or_table(
        ["Name", "Person id", "Sex", "Incidents", "First", "Last", "Highest DASH", "MARAC", "IDVA",
         "Children at the incidents"], _victims(evidence, facts, person_id), "No victim recorded.",
        [2.6 * cm, 2.2 * cm, 0.9 * cm, 1.4 * cm, 1.6 * cm, 1.6 * cm, 1.6 * cm, 2 * cm, 1.5 * cm, 2.5 * cm])]
    measures = [[m.type, "restricts" if m.subject_person_id == person_id else "protects", m.measure_id,
                 _day(m.start_date), _day(m.end_date) or "open"] for m in evidence.measures.itertuples()]
    referrals = [[r.type, _day(r.date), r.detail] for r in evidence.referrals.itertuples()]
    partners = panel.referrals[panel.referrals["person_id"] == person_id]
    referrals += [[f"to the MATAC by {p.agency}", _day(p.at), p.reason] for p in partners.itertuples()]
    parts += [_para("Measures", H2), _none_or_table(["Type", "This person", "Measure", "From", "To"], measures,
                                                    "No measure recorded up to the as-of date."),
              _para("Referrals", H2), _none_or_table(["Type", "Date", "Detail"], referrals,
                                                     "No referral recorded up to the as-of date.")]
    mine = panel.decisions[panel.decisions["person_id"] == person_id]
    taken = [[_day(d.meeting_date), d.decision, d.reason, f"{d.score:g}", d.who] for d in mine.itertuples()]
    current = current_actions(panel.actions)
    theirs = current[current["person_id"] == person_id] if len(current) else current
    agreed = [[TACTICS.get(a.tactic, a.tactic), a.owner_agency, _day(a.due_date), a.status, _day(a.review_date),
               a.note] for a in theirs.itertuples()]
    parts += [_para("Panel decisions", H2), _none_or_table(["Meeting", "Decision", "Reason", "Score", "By"], taken,
                                                           "No decision recorded."),
              _para("Actions", H2), _none_or_table(["Tactic", "Owner", "Due", "Status", "Review", "Note"], agreed,
                                                   "No action agreed.")]
    if perp and evidence.victim is not None:
        parts.append(_para(f"<b>Also a victim:</b> {_plain_text(evidence.victim['reasons'])}", SMALL))
    return parts


def _one_page(flowables: list) -> KeepInFrame:
    """Shrink ``flowables`` to fit one page (so each candidate is exactly one page)."""
    return KeepInFrame(FRAME_WIDTH, FRAME_HEIGHT, flowables, mode="shrink")


def build_pack(store: GraphStore, context: ScoringContext, request: PackRequest) -> Pack:
    """Render the pack for the top ``request.top`` of ``request.which`` and log it (ids only)."""
    if not request.reason or not request.reason.strip():
        raise ValueError("a meeting pack needs a reason (it is printed on the cover and logged)")
    whole = rank_perpetrators(context, request.which)
    ranked = visible_people(whole, request.viewer)
    if request.person_ids is None:
        candidates = ranked.head(request.top).reset_index(drop=True)
    else:
        shown = set(ranked["person_id"])
        wanted = [person for person in dict.fromkeys(request.person_ids) if person in shown][:request.top]
        candidates = ranked.set_index("person_id").loc[wanted].reset_index()
    overall = whole if request.which is PerpetratorList.OVERALL else rank_perpetrators(context)
    victims = rank_victims(context)  # once: each page's "also a victim" line reads it
    panel = PanelRecords(store.matac_decisions_now(), store.matac_actions(), store.matac_referrals_now())

    def ranker(day: date) -> pd.DataFrame:  # the agenda's list as of the as-of date is the one just ranked
        return overall if day == context.as_of else rank_perpetrators(replace(context, as_of=day))

    agenda = agenda_in_scope(meeting_agenda(panel.decisions, panel.actions, context, request.meeting, request.top,
                                            ranker=ranker, referrals=panel.referrals),
                             request.viewer, context.tables.persons)
    generated = datetime.now(timezone.utc).replace(tzinfo=None)
    story: list = [_one_page(_cover(request, context, candidates, generated)), PageBreak(),
                   _one_page(_agenda_page(agenda))]
    facts = VictimFacts.of(context)  # once, not per page
    for _, row in candidates.iterrows():
        evidence = explain_person(context, str(row["person_id"]), perpetrators=overall, victims=victims)
        story += [PageBreak(), _one_page(_candidate_page(row, evidence, context, panel, facts))]
    buffer = io.BytesIO()
    document = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN,
                                 bottomMargin=MARGIN + 0.6 * cm, title=f"MATAC meeting pack {request.meeting:%Y-%m-%d}",
                                 author=request.who)
    document.build(story, onFirstPage=_footer, onLaterPages=_footer)
    people = candidates["person_id"].astype(str).tolist()
    store.record_audit(request.who, "export", f"matac:pack:{request.which.value}",
                       f"pdf: meeting {request.meeting:%Y-%m-%d}, top {request.top}, {len(people)} candidates as of "
                       f"{context.as_of:%Y-%m-%d}, config {context.config.version} ({context.config.fingerprint()}); "
                       f"people: {'; '.join(people)}", reason=request.reason.strip())
    return Pack(pdf=buffer.getvalue(), person_ids=people)
