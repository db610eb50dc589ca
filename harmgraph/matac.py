"""Recording a MATAC decision: the glue the CLI and the app share (store + scoring).

A decision is stored with the RFGV score and rank the panel saw, so the cohort view can later
show how the person's risk moved after adoption.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timezone

from graph.decisions import MatacDecision, check_decision
from graph.store import GraphStore
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
