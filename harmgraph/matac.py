"""Recording MATAC meetings, decisions and actions: the glue the CLI and the app share.

A decision is stored with the RFGV score and rank the panel saw, so the cohort view can later
show how the person's risk moved after adoption.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timezone

import pandas as pd

from graph.decisions import (InvalidDecision, MatacAction, MatacDecision, MatacMeeting, MatacReferral, agencies_text,
                             check_decision, new_action_id)
from graph.store import GraphStore
from harmgraph.accounts import Account
from harmgraph.force_scope import rows_in_scope
from harmgraph.context import latest_incident_date
from core.errors import PersonNotFound
from scoring.lists import PerpetratorList, rank_perpetrators
from scoring.matac import score_snapshot, snapshot_as_of
from scoring.context import ScoringContext


def _utc_now() -> datetime:
    """Now in UTC, without a zone (both stores keep naive timestamps)."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def record_decision(store: GraphStore, context: ScoringContext, person_id: str, decision: str,
                    reason: str, meeting: date, who: str) -> MatacDecision:
    """Score the person as of the meeting, append the decision and one audit row; return it.

    The score is taken as of the meeting date, or as of the latest incident held when the
    meeting is later (``scoring.matac.snapshot_as_of``), with ``context``'s config.
    """
    check_decision(person_id, decision, reason)
    person_id = store.current_person_id(person_id)  # an id merged since the list was printed
    if person_id not in set(context.tables.persons["person_id"]):
        raise PersonNotFound(person_id)
    latest = latest_incident_date(context.tables) or meeting
    as_of = snapshot_as_of(meeting, latest)
    ranked = rank_perpetrators(replace(context, as_of=as_of), PerpetratorList.OVERALL)
    score, rank = score_snapshot(ranked, person_id)
    recorded = MatacDecision(
        person_id=person_id, meeting_date=meeting, decision=decision, reason=reason.strip(),
        who=who, at=_utc_now(), score=score, rank=rank, as_of=as_of,
        config_version=context.config.version, config_fingerprint=context.config.fingerprint())
    store.add_matac_decision(recorded)
    store.record_audit(who, "matac_decision", person_id,
                       f"{decision} at the {meeting:%Y-%m-%d} meeting; score {score:g}, rank "
                       f"{rank if rank is not None else '-'} as of {as_of:%Y-%m-%d}; "
                       f"{recorded.decision_id}; reason: {recorded.reason}")
    return recorded


def _known_person(store: GraphStore, person_id: str) -> str:
    """``person_id`` as it is now (merged ids redirect); PersonNotFound when the store has no such person."""
    person_id = store.current_person_id(person_id.strip())
    if person_id not in set(store.scoring_tables().persons["person_id"]):
        raise PersonNotFound(person_id)
    return person_id


def record_meeting(store: GraphStore, meeting: date, agencies: list[str] | str, who: str,
                   note: str = "") -> MatacMeeting:
    """Store one panel meeting (its date and the agencies present) and log it."""
    recorded = MatacMeeting(meeting_date=meeting, agencies=agencies_text(agencies), note=note.strip(),
                            who=who, at=_utc_now())
    store.add_matac_meeting(recorded)
    store.record_audit(who, "matac_meeting", recorded.meeting_id,
                       f"meeting of {meeting:%Y-%m-%d}; agencies: {recorded.agencies}")
    return recorded


def record_action(store: GraphStore, person_id: str, meeting: date, tactic: str, owner_agency: str,
                  due: date | None, who: str, review: date | None = None, note: str = "",
                  status: str = "open", action_id: str | None = None) -> MatacAction:
    """Store an action agreed for a subject (or, with ``action_id``, a new state of one) and log it."""
    # a new action needs a person held; a new state of an action keeps the person it was agreed for
    person_id = _known_person(store, person_id) if action_id is None else store.current_person_id(person_id.strip())
    recorded = MatacAction(action_id=action_id or new_action_id(), person_id=person_id, meeting_date=meeting,
                           tactic=tactic, owner_agency=owner_agency.strip(), due_date=due, status=status,
                           review_date=review, note=note.strip(), who=who, at=_utc_now())
    store.add_matac_action(recorded)
    store.record_audit(who, "matac_action", person_id,
                       f"{recorded.action_id} {tactic} owned by {recorded.owner_agency}, {status}"
                       + (f", due {due:%Y-%m-%d}" if due else "") + (f", review {review:%Y-%m-%d}" if review else ""))
    return recorded


def update_action(store: GraphStore, action_id: str, status: str, who: str, review: date | None = None,
                  note: str = "") -> MatacAction:
    """Append a new state of an existing action (status, review date, note); the rest carries over."""
    from scoring.matac import current_actions

    current = current_actions(store.matac_actions())
    found = current[current["action_id"] == action_id]
    if found.empty:
        raise InvalidDecision(f"no MATAC action {action_id!r}")
    row = found.iloc[0]
    due = None if pd.isna(row["due_date"]) else pd.Timestamp(row["due_date"]).date()
    kept_review = None if pd.isna(row["review_date"]) else pd.Timestamp(row["review_date"]).date()
    return record_action(store, str(row["person_id"]), pd.Timestamp(row["meeting_date"]).date(), str(row["tactic"]),
                         str(row["owner_agency"]), due, who, review or kept_review, note or str(row["note"] or ""),
                         status, action_id)


def record_referral(store: GraphStore, person_id: str, agency: str, reason: str, who: str,
                    meeting: date | None = None) -> MatacReferral:
    """Store a partner agency's referral of a person to the panel (for ``meeting``, else the
    next) and log it; the id given is followed to the person it is now."""
    person_id = _known_person(store, person_id)
    recorded = MatacReferral(person_id=person_id, agency=agency.strip(), reason=reason.strip(), meeting_date=meeting,
                             who=who, at=_utc_now())
    store.add_matac_referral(recorded)
    store.record_audit(who, "matac_referral", person_id,
                       f"{recorded.referral_id} referred by {recorded.agency}"
                       + (f" for the {meeting:%Y-%m-%d} meeting" if meeting else "") + f"; reason: {recorded.reason}")
    return recorded


EXPORTS = ("cohort", "decisions", "actions")


def panel_export(store: GraphStore, context: ScoringContext, what: str, who: str, reason: str,
                 decision: str | None = None, since: date | None = None, until: date | None = None,
                 viewer: Account | None = None) -> str:
    """Excel-safe CSV of the cohort, the decision history or the actions, filtered by decision
    kind and meeting dates, and to the people ``viewer`` may see (harmgraph/force_scope.py);
    every row carries the exporter, the time and the filters, and the export is written to the
    access log with the reason given.
    """
    from harmgraph.export import to_csv
    from scoring.matac import cohort_report, current_actions

    if what not in EXPORTS:
        raise InvalidDecision(f"export must be one of {', '.join(EXPORTS)}, got {what!r}")
    if not reason or not reason.strip():
        raise InvalidDecision("an export needs a reason (it is written to the access log)")
    decisions = store.matac_decisions_now()
    if what == "cohort":
        frame = cohort_report(decisions, context).cohort
        meetings = pd.to_datetime(frame["adopted_meeting"])
    elif what == "decisions":
        frame = decisions.drop(columns=["decided_person_id"])
        if decision:
            frame = frame[frame["decision"] == decision]
        meetings = pd.to_datetime(frame["meeting_date"])
    else:
        frame = current_actions(store.matac_actions())
        meetings = pd.to_datetime(frame["meeting_date"]) if len(frame) else pd.Series(dtype="datetime64[us]")
    frame = rows_in_scope(frame, viewer, context.tables.persons)
    meetings = meetings.loc[frame.index]
    keep = pd.Series(True, index=frame.index)
    if since is not None:
        keep &= meetings >= pd.Timestamp(since)
    if until is not None:
        keep &= meetings <= pd.Timestamp(until)
    frame = frame[keep.to_numpy()].reset_index(drop=True)
    filters = "; ".join(part for part in (
        f"as of {context.as_of:%Y-%m-%d}", f"decision {decision}" if decision else "",
        f"meetings from {since:%Y-%m-%d}" if since else "", f"meetings to {until:%Y-%m-%d}" if until else "",
        f"config {context.config.version} ({context.config.fingerprint()})") if part)
    stamped = frame.assign(exported_by=who, exported_at=f"{_utc_now():%Y-%m-%d %H:%M} UTC", filters=filters)
    store.record_audit(who, "export", f"matac:{what}", f"csv: {len(frame)} rows; {filters}", reason=reason.strip())
    return to_csv(stamped)
