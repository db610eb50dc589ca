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

DECISIONS = ("adopt", "decline", "defer")

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
    graph.decisions.InvalidDecision: decision must be one of adopt, decline, defer, got 'adjourn'
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
