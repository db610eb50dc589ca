"""MATAC meetings: the next agenda, the panel's decisions and actions (append-only), the cohort,
outcomes, exports and the meeting pack."""

from __future__ import annotations

from datetime import date
from functools import partial

import pandas as pd
import streamlit as st

from graph.decisions import ACTION_STATUSES, DECISIONS, MATAC_DECISION_COLUMNS, TACTICS
from core.errors import HarmgraphError
from harmgraph.matac import (EXPORTS, panel_export, record_action, record_decision, record_meeting, record_referral,
                              update_action)
from harmgraph.ui import data
from harmgraph.ui.chrome import View, current_view, need_incidents
from harmgraph.ui.decide import (clear_after_decision, decision_buttons, decision_context, latest_meeting,
                                 panel_records, show_decided_note)
from harmgraph.force_scope import agenda_in_scope, check_person, rows_in_scope, visible_people
from harmgraph.ui.exports import meeting_pack
from harmgraph.ui.format import md, show_table
from harmgraph.ui.list_table import day, text
from scoring.matac import current_actions, meeting_agenda, outcome_comparison

DECISION_LABELS = {"adopt": "Adopt", "decline": "Decline", "defer": "Defer", "discharge": "Discharge"}
# The date inputs that default to the latest meeting (set in session state before they are drawn).
MEETING_KEYS = ("matac_meeting", "action_meeting")
STATUS_LABELS = {"open": "Open", "in_progress": "In progress", "done": "Done", "cancelled": "Cancelled"}


def cached_ranker(view: View):  # type: ignore[no-untyped-def]
    """The overall list as of a day, from the app's cache (the page asks for a few days on every run)."""
    return lambda day: data.perpetrators(data.view_key(view.settings, view.version, day, view.lookback_years),
                                         "overall")


def _run_recorded(view: View, write, success: str, person_id: str | None = None) -> None:  # type: ignore[no-untyped-def]
    """Run one store write, ``write(store)``, about ``person_id`` (one of the user's forces'
    people, else refused and logged); show its sentence, or the refusal."""
    try:
        with view.settings.open_store() as store:
            if person_id is not None:
                check_person(store, view.account, data.tables(view.settings, view.version).persons,
                             store.current_person_id(person_id.strip()), "matac")
            recorded = write(store)
    except HarmgraphError as exc:
        st.error(str(exc))
        return
    st.success(success.format(r=recorded))


def meeting_form(view: View) -> None:
    """The chair's record of a meeting: date and the agencies present."""
    with st.form("matac_meeting_form", clear_on_submit=False):
        when = st.date_input("Meeting date", value=date.today(), key="meeting_date", format="YYYY-MM-DD")
        agencies = st.text_input("Agencies present (separated by ;)", key="meeting_agencies",
                                 placeholder="Police; Probation; IDVA service; Children's services")
        note = st.text_input("Note", key="meeting_note")
        submitted = st.form_submit_button("Record meeting", key="meeting_submit")
    if submitted:
        _run_recorded(view, lambda store: record_meeting(store, when, agencies, view.user, note),
                      "Recorded the meeting of {r.meeting_date:%Y-%m-%d} ({r.agencies}).")
        # the decision and action forms below take this meeting from now on
        for key in MEETING_KEYS:
            st.session_state[key] = when


def decision_form(view: View) -> None:
    """The chair's decision: person, decision, meeting, reason; stored with the score it was taken on.

    The meeting defaults to the latest recorded meeting; a meeting after the extract's last
    incident counts from that incident (the cohort and the agenda take it in at once).
    """
    with st.form("matac_form", clear_on_submit=False):
        person_id = st.text_input("Person id", value=st.session_state.get("person_id", ""),
                                  key="matac_person", placeholder="e.g. P-1a2b3c4d5e")
        decision = st.radio("Decision", DECISIONS, format_func=DECISION_LABELS.get, horizontal=True,
                            key="matac_decision")
        meeting = st.date_input("Meeting date", key="matac_meeting", format="YYYY-MM-DD")
        reason = st.text_area("Reason (read out to the panel; required)", key="matac_reason")
        submitted = st.form_submit_button("Record decision", type="primary", key="matac_submit")
    if not submitted:
        return
    context = decision_context(view)

    _run_recorded(view, lambda store: record_decision(store, context, person_id.strip(), str(decision), reason,
                                                      meeting, view.user),
                  "Recorded {r.decision} for {r.person_id} at the {r.meeting_date:%Y-%m-%d} meeting: "
                  "score {r.score:g}, rank {r.rank} as of {r.as_of:%Y-%m-%d}.", person_id)


def referral_form(view: View) -> None:
    """A partner agency's referral of a person to the panel; it goes on the agenda of the meeting
    it is for (or the next) until the panel decides on the person."""
    with st.form("matac_referral_form", clear_on_submit=False):
        person_id = st.text_input("Person id", value=st.session_state.get("person_id", ""), key="referral_person")
        agency = st.text_input("Referring agency", key="referral_agency",
                               placeholder="e.g. Probation, Health, IDVA service, Children's services, Housing")
        reason = st.text_area("Why the agency refers them (read out to the panel; required)", key="referral_reason")
        meeting = st.date_input("For the meeting of (optional; else the next)", value=None, key="referral_meeting",
                                format="YYYY-MM-DD")
        submitted = st.form_submit_button("Record referral", key="referral_submit")
    if submitted:
        _run_recorded(view, lambda store: record_referral(store, person_id, agency, reason, view.user, meeting),
                      "Recorded the referral of {r.person_id} by {r.agency}; it is on the agenda until the panel "
                      "decides.", person_id)


def action_form(view: View) -> None:
    """The chair's record of an action agreed for a subject."""
    with st.form("matac_action_form", clear_on_submit=False):
        person_id = st.text_input("Person id", value=st.session_state.get("person_id", ""), key="action_person")
        tactic = st.selectbox("Tactic", list(TACTICS), format_func=TACTICS.get, key="action_tactic")
        owner = st.text_input("Owner agency", key="action_owner", placeholder="e.g. Police")
        left, middle, right = st.columns(3)
        meeting = left.date_input("Agreed at the meeting of", key="action_meeting", format="YYYY-MM-DD")
        due = middle.date_input("Due", value=None, key="action_due", format="YYYY-MM-DD")
        review = right.date_input("Review", value=None, key="action_review", format="YYYY-MM-DD")
        note = st.text_input("Note", key="action_note")
        submitted = st.form_submit_button("Record action", key="action_submit")
    if submitted:
        _run_recorded(view, lambda store: record_action(store, person_id, meeting, str(tactic), owner, due,
                                                        view.user, review, note),
                      "Recorded action {r.action_id} for {r.person_id}, owned by {r.owner_agency}.", person_id)


def action_update_form(view: View, actions: pd.DataFrame) -> None:
    """The chair's change of an action's status (a new row; the earlier state is kept)."""
    current = current_actions(actions)
    if current.empty:
        return
    labels = {row.action_id: f"{row.action_id}: {TACTICS.get(row.tactic, row.tactic)} for {row.person_id} "
                             f"({STATUS_LABELS.get(row.status, row.status)})"
              for row in current.itertuples(index=False)}
    with st.form("matac_action_update_form", clear_on_submit=False):
        action_id = st.selectbox("Action", list(labels), format_func=labels.get, key="update_action")
        status = st.radio("Status", ACTION_STATUSES, format_func=STATUS_LABELS.get, horizontal=True,
                          key="update_status")
        review = st.date_input("New review date", value=None, key="update_review", format="YYYY-MM-DD")
        note = st.text_input("Note", key="update_note")
        submitted = st.form_submit_button("Update action", key="update_submit")
    if submitted:
        _run_recorded(view, lambda store: update_action(store, str(action_id), str(status), view.user, review, note),
                      "Action {r.action_id} is now {r.status}.")


# Decisions on a person not yet in the cohort; an adopted subject can only be discharged.
UNDECIDED = ("adopt", "defer", "decline")
AGENDA_ITEMS = 30  # item rows drawn with buttons per agenda section; the rest are decided with the form


def _who(row) -> str:  # type: ignore[no-untyped-def]
    return f"{text(row.display_name) or row.person_id} ({row.person_id})"


def new_line(row) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    """A new candidate on the agenda: (who, what the agenda says of them), as plain text."""
    return f"{row.rank}. {_who(row)}", f"score {float(row.score):.2f}; {row.why}"


def referred_line(row) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    """A referred person on the agenda: who referred them and why, their score and place on the list."""
    return _who(row), (f"{row.referred}: {text(row.referral_reasons)}; score {float(row.score):.2f}, "
                       f"{row.on_list}")


def deferred_line(row) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    return _who(row), f"deferred at the {day(row.deferred_at)} meeting: {text(row.reason)}"


def review_line(row) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    due = f", next due {day(row.next_due)}" if day(row.next_due) else ""
    return _who(row), (f"adopted at the {day(row.adopted_meeting)} meeting; score {float(row.score_at_adoption):.1f} "
                       f"then, {float(row.score_now):.1f} now; {row.open_actions} open "
                       f"action{'' if row.open_actions == 1 else 's'}{due}")


def discharge_line(row) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    return _who(row), (f"adopted at the {day(row.adopted_meeting)} meeting; score {float(row.score_at_adoption):.1f} "
                       f"then, {float(row.score_now):.1f} now; {row.why}")


def agenda_section(view: View, title: str, frame: pd.DataFrame, section: str, choices: tuple[str, ...],
                   line, meeting: date, reason: str) -> None:  # type: ignore[no-untyped-def]
    """One agenda section: for the chair a line per item with its decision buttons (dated by
    the agenda's meeting); for everyone else the table."""
    st.markdown(f"**{title}**")
    if not view.can("record_matac_decision") or frame.empty:
        show_table(frame, key=f"agenda_{section}")
        return
    for row in frame.head(AGENDA_ITEMS).itertuples(index=False):
        who, what = line(row)
        columns = st.columns([6.5] + [1.2] * len(choices), vertical_alignment="center")
        columns[0].markdown(f"**{md(who)}** · {md(what)}")
        # The item's line is the reason when the chair types none.
        decision_buttons(view, str(row.person_id), meeting, choices, f"agenda_{section}_{row.person_id}",
                         reason or f"from the agenda of {meeting:%Y-%m-%d}: {who}, {what}", columns[1:])
    if len(frame) > AGENDA_ITEMS:
        st.caption(f"and {len(frame) - AGENDA_ITEMS} more: decide them with the decision form above.")


def exports(view: View, context, top: int, meeting: date) -> None:  # type: ignore[no-untyped-def]
    """The meeting pack (PDF) and the cohort, decision and action CSVs (Excel-safe, stamped with
    exporter and filters); every download is logged."""
    if not view.can("export"):
        st.caption(f"The {view.role} role may not export panel records.")
        return
    reason = st.text_input("Reason for the export (recorded in the access log)", key="panel_export_reason").strip()
    ranked = visible_people(data.perpetrators(view.key, "overall"), view.account)
    candidates = ranked["person_id"].head(top).astype(str).tolist()
    st.download_button(f"Meeting pack (PDF): cover, agenda and the top {len(candidates)}",
                       partial(meeting_pack, view, "overall", candidates, meeting, reason),
                       file_name=f"matac-pack_{meeting:%Y-%m-%d}_as-of-{view.as_of}.pdf", mime="application/pdf",
                       on_click="ignore", disabled=not reason, key="panel_pack", icon=":material/print:")
    columns = st.columns(len(EXPORTS))
    for column, what in zip(columns, EXPORTS):
        def build(what: str = what) -> bytes:
            with view.settings.open_store() as store:
                return ("\ufeff" + panel_export(store, context, what, view.user, reason,
                                                 viewer=view.account)).encode("utf-8")
        column.download_button(f"{what.capitalize()} (CSV)", build, file_name=f"matac-{what}_as-of-{view.as_of}.csv",
                               mime="text/csv", on_click="ignore", disabled=not reason, key=f"panel_export_{what}",
                               icon=":material/download:")


view = current_view()
st.title("MATAC meetings")
if need_incidents(view):
    decisions, meetings, actions, referrals = panel_records(view)
    for meeting_key in MEETING_KEYS:
        st.session_state.setdefault(meeting_key, latest_meeting(meetings, decisions) or date.today())
    if view.can("record_matac_decision"):
        clear_after_decision("agenda_reason")
        show_decided_note()
        with st.expander("Record a meeting", expanded=meetings.empty):
            meeting_form(view)
        with st.expander("Record a decision (or take it from the agenda below in one click)", expanded=False):
            decision_form(view)
        with st.expander("Record an action", expanded=False):
            action_form(view)
        with st.expander("Update an action", expanded=False):
            action_update_form(view, rows_in_scope(actions, view.account, data.tables(view.settings, view.version).persons))
    else:
        st.info(f"Only the MATAC chair records decisions; as {view.role} you see the agenda, the history and "
                "the cohort read-only" + (", and may record a partner agency's referral." if view.can("refer_to_matac")
                                          else "."))
    if view.can("refer_to_matac"):
        with st.expander("Record a partner agency's referral", expanded=False):
            referral_form(view)
    decisions, meetings, actions, referrals = panel_records(view)  # what was just recorded shows below

    context = data.context(view.key)
    config = context.config
    left, right = st.columns(2)
    top = int(left.number_input("Top N reviewed", min_value=1, max_value=5000, value=config.matac.top,
                                key="matac_top", help="Config matac.top; 'new since last meeting' looks this far."))
    # The agenda is of the open meeting (the latest recorded) until the chair picks another day.
    next_meeting = right.date_input("Next meeting", value=latest_meeting(meetings, decisions) or
                                    max(date.today(), view.as_of), key="matac_next", format="YYYY-MM-DD",
                                    help="The meeting the agenda is for: decisions taken from it are dated by it, "
                                         "and actions due or for review by this day are listed.")
    persons = data.tables(view.settings, view.version).persons
    # The panel's record is worked out whole; a user of some forces is shown their people only.
    agenda = agenda_in_scope(meeting_agenda(decisions, actions, context, next_meeting, top, ranker=cached_ranker(view),
                                            referrals=referrals), view.account, persons)
    report = agenda.report

    st.subheader(f"Agenda for {next_meeting:%Y-%m-%d}")
    if view.can("record_matac_decision"):
        agenda_reason = st.text_input(
            "Reason for the next decision taken below (optional; else the item's line is recorded as the reason)",
            key="agenda_reason").strip()
    else:
        agenda_reason = ""
    since = report.since_meeting
    agenda_section(view, f"New candidates (top {top} with no decision"
                   + (f" at or before the meeting of {since:%Y-%m-%d})" if since else "; no earlier meeting)"),
                   report.new, "new", UNDECIDED, new_line, next_meeting, agenda_reason)
    agenda_section(view, f"Referred by partner agencies ({len(agenda.referred)})", agenda.referred, "referred",
                   UNDECIDED, referred_line, next_meeting, agenda_reason)
    agenda_section(view, f"Deferrals carried forward ({len(report.deferred)})", report.deferred, "deferred",
                   UNDECIDED, deferred_line, next_meeting, agenda_reason)
    agenda_section(view, f"Subjects for review ({len(agenda.reviews)}: in the cohort, adopted before this meeting)",
                   agenda.reviews, "reviews", ("discharge",), review_line, next_meeting, agenda_reason)
    st.markdown(f"**Actions due or for review** ({len(agenda.actions_due)})")
    show_table(agenda.actions_due, key="agenda_actions_due")
    agenda_section(view, f"Subjects for discharge ({len(agenda.discharge)})", agenda.discharge, "discharge",
                   ("discharge",), discharge_line, next_meeting, agenda_reason)

    st.subheader("Adopted cohort")
    st.caption(f"Score at adoption against the score as of {report.scored_as_of:%Y-%m-%d}; a fall in risk is a "
               "negative change (the outcome measure forces use)."
               + (f" The as-of date {view.as_of:%Y-%m-%d} is after the extract's last incident, so the cohort is "
                  "scored on that incident's day: days without data do not lower anyone's risk."
                  if report.scored_as_of != view.as_of else ""))
    show_table(report.cohort, key="cohort")

    st.subheader("Outcomes (not causal)")
    outcomes = outcome_comparison(decisions, context, ranker=cached_ranker(view))
    st.caption(f"Mean harm days in the {outcomes.months} months before and after each adoption, beside the "
               "three people nearest in score that day who were never adopted. " + outcomes.note)
    show_table(outcomes.summary, key="outcomes")

    st.subheader("Decision history")
    st.caption("Append-only: a change of mind is a new row; the latest row per person is the current decision.")
    show_table(rows_in_scope(decisions, view.account, persons)[MATAC_DECISION_COLUMNS].iloc[::-1], key="history")
    st.subheader("Actions")
    show_table(rows_in_scope(current_actions(actions), view.account, persons), key="actions")
    st.subheader("Meetings")
    show_table(meetings, key="meetings")

    st.subheader("Export panel records")
    exports(view, context, top, next_meeting)
