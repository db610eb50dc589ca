"""One-click MATAC decisions: the buttons the candidate list's detail pane and the agenda share.

A decision is dated by the meeting it was taken at, never by the day it was typed in: the
open meeting is the latest one recorded (the one being held), and when none is recorded the
chair is asked for its date once per session. Only a role that may record decisions
(harmgraph/access.py) is shown the buttons; every decision goes to the access log
(harmgraph.matac.record_decision).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import pandas as pd
import streamlit as st

from core.errors import HarmgraphError
from harmgraph.matac import record_decision
from harmgraph.ui import data
from harmgraph.ui.chrome import View
from scoring.context import ScoringContext

BUTTON_WORDS = {"adopt": "Adopt", "defer": "Defer", "decline": "Decline", "discharge": "Discharge"}
# Asked once per session when no meeting is recorded yet (a plain key, not a widget's, so it
# survives moving between pages).
ASKED_MEETING = "decision_meeting"
# The sentence of the last one-click decision, shown after the rerun that redraws the page.
DECIDED_NOTE = "decided_note"


def latest_meeting(meetings: pd.DataFrame, decisions: pd.DataFrame) -> date | None:
    """The open meeting: the latest recorded (in the meetings or on a decision), or None.

    >>> meetings = pd.DataFrame({"meeting_date": pd.to_datetime(["2025-10-06"])})
    >>> decisions = pd.DataFrame({"meeting_date": pd.to_datetime(["2025-09-01"])})
    >>> latest_meeting(meetings, decisions), latest_meeting(meetings.iloc[:0], decisions.iloc[:0])
    (datetime.date(2025, 10, 6), None)
    """
    dates = pd.concat([pd.to_datetime(meetings["meeting_date"]), pd.to_datetime(decisions["meeting_date"])])
    return None if dates.dropna().empty else dates.max().date()


def decision_context(view: View) -> ScoringContext:
    """The context a decision's score is taken with: the whole extract, the view's window and config
    (record_decision takes the score as of the meeting)."""
    latest = data.default_as_of(view.settings, view.version)
    return data.context(data.view_key(view.settings, view.version, latest, view.lookback_years))


def panel_records(view: View) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Decisions and partner referrals (ids as they are now), meetings and action states, read
    fresh (they change as the chair records)."""
    with view.settings.open_store() as store:
        return store.matac_decisions_now(), store.matac_meetings(), store.matac_actions(), store.matac_referrals_now()


def open_meeting(meetings: pd.DataFrame, decisions: pd.DataFrame, ask_in=None) -> date | None:  # type: ignore[no-untyped-def]
    """The meeting one-click decisions are dated by: the latest recorded, else the date the chair
    gave once this session; with ``ask_in`` (a container) and neither, ask for it there."""
    recorded = latest_meeting(meetings, decisions)
    if recorded is not None:
        return recorded
    if st.session_state.get(ASKED_MEETING) is None and ask_in is not None:
        asked = ask_in.date_input("Meeting these decisions are for", value=None, key="decision_meeting_asked",
                                  format="YYYY-MM-DD", help="No meeting is recorded yet; asked once per session.")
        if asked is not None:
            st.session_state[ASKED_MEETING] = asked
    return st.session_state.get(ASKED_MEETING)


def show_decided_note(where=st) -> None:  # type: ignore[no-untyped-def]
    """The sentence of the decision just recorded (once), or nothing."""
    note = st.session_state.pop(DECIDED_NOTE, None)
    if note:
        where.success(note)


def decision_buttons(view: View, person_id: str, meeting: date, choices: Sequence[str], key: str,
                     reason: str, columns: Sequence | None = None) -> None:  # type: ignore[type-arg]
    """One button per decision in ``choices``; a click records it for ``person_id`` at ``meeting``
    with ``reason``, logs it and redraws the page (so flags, cohort and agenda take it in)."""
    if not view.can("record_matac_decision"):
        return
    slots = list(columns) if columns is not None else st.columns(len(choices))
    for slot, choice in zip(slots, choices):
        if slot.button(BUTTON_WORDS[choice], key=f"{key}_{choice}", width="stretch",
                       type="primary" if choice == "adopt" else "secondary",
                       help=f"{BUTTON_WORDS[choice]} at the meeting of {meeting:%Y-%m-%d}"):
            try:
                with view.settings.open_store() as store:
                    recorded = record_decision(store, decision_context(view), person_id, choice, reason, meeting,
                                               view.user)
            except HarmgraphError as exc:
                st.error(str(exc))
                return
            rank = recorded.rank if recorded.rank is not None else "not ranked"
            st.session_state[DECIDED_NOTE] = (
                f"Recorded {recorded.decision} for {recorded.person_id} at the {recorded.meeting_date:%Y-%m-%d} "
                f"meeting: score {recorded.score:g}, rank {rank} as of {recorded.as_of:%Y-%m-%d}.")
            st.rerun()


def clear_after_decision(*keys: str) -> None:
    """Empty the text inputs ``keys`` after a one-click decision (before they are drawn), so a
    reason typed for one decision is not recorded again for the next."""
    if st.session_state.get(DECIDED_NOTE):
        for key in keys:
            st.session_state[key] = ""
