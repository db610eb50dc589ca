"""A MATAC decision as the stores keep it: one immutable row, never edited in place.

The panel's history is evidence (who adopted whom, when, on what score), so the store API
offers only ``add_matac_decision`` and ``matac_decisions``: a change of mind is a new row, and
the latest row for a person is their current decision.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass, field
from datetime import date, datetime

import pandas as pd

from core.errors import HarmgraphError

# discharge: an adopted subject leaves the cohort (the reason says why: risk reduced, moved away...).
DECISIONS = ("adopt", "decline", "defer", "discharge")

# The stored columns, in order (also TABLE_COLUMNS["matac_decisions"]).
MATAC_DECISION_COLUMNS = [
    "decision_id", "person_id", "meeting_date", "decision", "reason", "who", "at", "score",
    "rank", "as_of", "config_version", "config_fingerprint",
]


class InvalidDecision(HarmgraphError):
    """A MATAC decision that cannot be stored (unknown decision, no reason, no person)."""


def check_decision(person_id: str, decision: str, reason: str) -> None:
    """Refuse a decision the panel could not defend: unknown kind, no reason, no person.

    >>> check_decision("P-1", "adjourn", "x")
    Traceback (most recent call last):
    ...
    graph.decisions.InvalidDecision: decision must be one of adopt, decline, defer, discharge, got 'adjourn'
    """
    if decision not in DECISIONS:
        raise InvalidDecision(f"decision must be one of {', '.join(DECISIONS)}, got {decision!r}")
    if not reason or not reason.strip():
        raise InvalidDecision("a MATAC decision needs a reason (it is read out to the panel)")
    if not person_id or not person_id.strip():
        raise InvalidDecision("a MATAC decision needs a person id")


def _new_decision_id() -> str:
    return f"MD-{uuid.uuid4().hex[:16]}"


@dataclass(frozen=True)
class MatacDecision:
    """One panel decision about one person, with the RFGV score and rank it was taken on.

    ``at`` is UTC without a zone (both stores keep naive timestamps); ``rank`` is None when
    the person had no incident in the window on ``as_of``.

    >>> d = MatacDecision("P-1", date(2026, 1, 5), "adopt", "two new victims", "chair",
    ...                   datetime(2026, 1, 5, 10), 62.5, 3, date(2026, 1, 5), "v1", "abc")
    >>> d.as_row()["decision"], d.decision_id.startswith("MD-")
    ('adopt', True)
    >>> MatacDecision("P-1", date(2026, 1, 5), "adopt", "  ", "chair", datetime(2026, 1, 5),
    ...               0.0, None, date(2026, 1, 5), "v1", "abc")
    Traceback (most recent call last):
    ...
    graph.decisions.InvalidDecision: a MATAC decision needs a reason (it is read out to the panel)
    """

    person_id: str
    meeting_date: date
    decision: str
    reason: str
    who: str
    at: datetime
    score: float
    rank: int | None
    as_of: date
    config_version: str
    config_fingerprint: str
    decision_id: str = field(default_factory=_new_decision_id)

    def __post_init__(self) -> None:
        check_decision(self.person_id, self.decision, self.reason)

    def as_row(self) -> dict[str, object]:
        """The decision as one stored row (MATAC_DECISION_COLUMNS)."""
        return asdict(self)

    def as_frame(self) -> pd.DataFrame:
        """The decision as a one-row frame in stored column order, with stored dtypes."""
        frame = pd.DataFrame([self.as_row()], columns=MATAC_DECISION_COLUMNS)
        return frame.astype({"meeting_date": "datetime64[us]", "as_of": "datetime64[us]",
                             "at": "datetime64[us]", "score": "float64", "rank": "Int64"})


# --- meetings and actions (append-only like decisions) ----------------------------------------
MATAC_MEETING_COLUMNS = ["meeting_id", "meeting_date", "agencies", "note", "who", "at"]
# One row per change: an action's latest row (by ``at``) is its current state.
MATAC_ACTION_COLUMNS = [
    "entry_id", "action_id", "person_id", "meeting_date", "tactic", "owner_agency", "due_date",
    "status", "review_date", "note", "who", "at",
]
# The tactics a MATAC agrees, with the words a pack prints.
TACTICS: dict[str, str] = {
    "drive": "Drive (intensive case management)",
    "dapo_dvpn": "DAPO / DVPN application",
    "stalking_protection_order": "stalking protection order",
    "clares_law_right_to_know": "Clare's Law right-to-know disclosure",
    "marac_referral": "MARAC referral for the victim",
    "iom": "Integrated Offender Management",
    "bail_conditions": "bail conditions",
    "enforcement": "enforcement (arrest, warrants, outstanding offences)",
}
ACTION_STATUSES = ("open", "in_progress", "done", "cancelled")


def _new_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:16]}"


def agencies_text(agencies: list[str] | tuple[str, ...] | str) -> str:
    """The agencies present as one '; '-joined cell, trimmed, empty entries dropped.

    >>> agencies_text(["Police", " Probation ", "", "IDVA service"])
    'Police; Probation; IDVA service'
    >>> agencies_text("Police;Children's services")
    "Police; Children's services"
    """
    items = agencies.split(";") if isinstance(agencies, str) else list(agencies)
    return "; ".join(a.strip() for a in items if a and a.strip())


@dataclass(frozen=True)
class MatacMeeting:
    """One panel meeting: its date and the agencies present.

    >>> MatacMeeting(date(2026, 1, 5), "Police; Probation", "", "chair", datetime(2026, 1, 5)).meeting_id[:3]
    'MM-'
    >>> MatacMeeting(date(2026, 1, 5), " ", "", "chair", datetime(2026, 1, 5))
    Traceback (most recent call last):
    ...
    graph.decisions.InvalidDecision: a MATAC meeting needs the agencies present
    """

    meeting_date: date
    agencies: str
    note: str
    who: str
    at: datetime
    meeting_id: str = field(default_factory=lambda: _new_id("MM"))

    def __post_init__(self) -> None:
        if not agencies_text(self.agencies):
            raise InvalidDecision("a MATAC meeting needs the agencies present")

    def as_frame(self) -> pd.DataFrame:
        """The meeting as a one-row frame in stored column order, with stored dtypes."""
        frame = pd.DataFrame([asdict(self)], columns=MATAC_MEETING_COLUMNS)
        return frame.astype({"meeting_date": "datetime64[us]", "at": "datetime64[us]"})


def check_action(person_id: str, tactic: str, owner_agency: str, status: str) -> None:
    """Refuse an action nobody owns or the panel has no word for.

    >>> check_action("P-1", "curfew", "Police", "open")
    Traceback (most recent call last):
    ...
    graph.decisions.InvalidDecision: tactic must be one of drive, dapo_dvpn, stalking_protection_order, clares_law_right_to_know, marac_referral, iom, bail_conditions, enforcement, got 'curfew'
    >>> check_action("P-1", "drive", " ", "open")
    Traceback (most recent call last):
    ...
    graph.decisions.InvalidDecision: a MATAC action needs an owner agency
    """
    if not person_id or not person_id.strip():
        raise InvalidDecision("a MATAC action needs a person id")
    if tactic not in TACTICS:
        raise InvalidDecision(f"tactic must be one of {', '.join(TACTICS)}, got {tactic!r}")
    if not owner_agency or not owner_agency.strip():
        raise InvalidDecision("a MATAC action needs an owner agency")
    if status not in ACTION_STATUSES:
        raise InvalidDecision(f"status must be one of {', '.join(ACTION_STATUSES)}, got {status!r}")


@dataclass(frozen=True)
class MatacAction:
    """One state of one action agreed for a subject: tactic, owner agency, due and review dates.

    A change of status is a new row with the same ``action_id``.

    >>> a = MatacAction("A-1", "P-1", date(2026, 1, 5), "drive", "Police", date(2026, 2, 2), "open",
    ...                 date(2026, 2, 2), "", "chair", datetime(2026, 1, 5, 10))
    >>> a.as_frame()[["action_id", "tactic", "status"]].values.tolist()
    [['A-1', 'drive', 'open']]
    """

    action_id: str
    person_id: str
    meeting_date: date
    tactic: str
    owner_agency: str
    due_date: date | None
    status: str
    review_date: date | None
    note: str
    who: str
    at: datetime
    entry_id: str = field(default_factory=lambda: _new_id("AE"))

    def __post_init__(self) -> None:
        check_action(self.person_id, self.tactic, self.owner_agency, self.status)

    def as_frame(self) -> pd.DataFrame:
        """The action state as a one-row frame in stored column order, with stored dtypes."""
        frame = pd.DataFrame([asdict(self)], columns=MATAC_ACTION_COLUMNS)
        return frame.astype({"meeting_date": "datetime64[us]", "due_date": "datetime64[us]",
                             "review_date": "datetime64[us]", "at": "datetime64[us]"})


def new_action_id() -> str:
    """A fresh action id (``A-`` and 16 hex digits)."""
    return _new_id("A")


# --- partner-agency referrals of a person to the panel (append-only like decisions) -------------
MATAC_REFERRAL_COLUMNS = ["referral_id", "person_id", "agency", "reason", "meeting_date", "who", "at"]


@dataclass(frozen=True)
class MatacReferral:
    """A partner agency's referral of one person to the MATAC for consideration (probation,
    health, an IDVA service, children's services, housing...). ``meeting_date`` is the meeting
    it is for (None: the next one); ``at`` is when it was recorded (UTC, no zone).

    >>> MatacReferral("P-1", "Probation", "breached licence twice", None, "analyst",
    ...               datetime(2026, 1, 5, 10)).referral_id[:3]
    'MR-'
    >>> MatacReferral("P-1", " ", "x", None, "analyst", datetime(2026, 1, 5))
    Traceback (most recent call last):
    ...
    graph.decisions.InvalidDecision: a MATAC referral needs the referring agency
    """

    person_id: str
    agency: str
    reason: str
    meeting_date: date | None
    who: str
    at: datetime
    referral_id: str = field(default_factory=lambda: _new_id("MR"))

    def __post_init__(self) -> None:
        if not self.person_id or not self.person_id.strip():
            raise InvalidDecision("a MATAC referral needs a person id")
        if not self.agency or not self.agency.strip():
            raise InvalidDecision("a MATAC referral needs the referring agency")
        if not self.reason or not self.reason.strip():
            raise InvalidDecision("a MATAC referral needs a reason (it is read out to the panel)")

    def as_frame(self) -> pd.DataFrame:
        """The referral as a one-row frame in stored column order, with stored dtypes."""
        frame = pd.DataFrame([asdict(self)], columns=MATAC_REFERRAL_COLUMNS)
        return frame.astype({"meeting_date": "datetime64[us]", "at": "datetime64[us]"})
