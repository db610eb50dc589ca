"""A tiny force in memory, as of 2026-06-30, for the signals' docstring examples.

- ``P-1`` (Adam) assaulted his partner ``P-2`` in January 2025 and was charged; in September
  he assaulted (ABH) a new partner, ``P-3``, then 17, and was charged again; in May 2026 he strangled
  her (high DASH risk) and is on pre-charge bail until 2026-07-05.
- ``P-4`` (Dan) harassed his ex-partner ``P-5``, then breached the non-molestation order
  protecting her (no further action on either); he is on the daily briefing.
- ``P-6`` (Finn) assaulted ``P-2`` this June and was released under investigation.

>>> context = example_context()
>>> context.as_of, len(context.tables.incidents)
(datetime.date(2026, 6, 30), 6)
"""

from __future__ import annotations

from datetime import date
from functools import cache

import pandas as pd

from core.tables import normalise_tables
from scoring.catalogue import load_catalogue
from scoring.config import load_config
from scoring.context import ScoringContext
from scoring.prepared import Prepared

AS_OF = date(2026, 6, 30)

_PERSONS = [("P-1", "Adam", "M"), ("P-2", "Beth", "F"), ("P-3", "Cara", "F"), ("P-4", "Dan", "M"),
            ("P-5", "Eve", "F"), ("P-6", "Finn", "M")]
# Dates of birth where recorded: Cara was 17 when Adam first assaulted her.
_BORN = {"P-2": "1990-05-04", "P-3": "2008-03-01"}
# incident, when, offence, outcome, DASH risk, suspect, victim, relationship
_INCIDENTS = [
    ("I-1", "2025-01-10", "common_assault", "charged", "standard", "P-1", "P-2", "partner"),
    ("I-2", "2025-09-01", "abh", "charged", "medium", "P-1", "P-3", "partner"),
    ("I-3", "2026-05-20", "strangulation", "under_investigation", "high", "P-1", "P-3", "partner"),
    ("I-4", "2026-03-01", "harassment", "nfa", "medium", "P-4", "P-5", "ex_partner"),
    ("I-5", "2026-06-01", "breach_nmo", "nfa", "medium", "P-4", "P-5", "ex_partner"),
    ("I-6", "2026-06-10", "common_assault", "under_investigation", "standard", "P-6", "P-2", "acquaintance"),
]
# measure, type, subject, protected, start, end
_MEASURES = [
    ("M-1", "nmo", "P-4", "P-5", "2026-04-01", "2026-12-31"),
    ("M-2", "pre_charge_bail", "P-1", None, "2026-05-21", "2026-07-05"),
    ("M-3", "rui", "P-6", None, "2026-06-11", None),
]


@cache
def example_context() -> ScoringContext:
    """The example force with the shipped config and catalogue, as of 2026-06-30."""
    persons = pd.DataFrame({"person_id": [p for p, _, _ in _PERSONS],
                            "display_name": [f"{name} Example" for _, name, _ in _PERSONS],
                            "record_ids": [f"R{p[2:]}" for p, _, _ in _PERSONS],
                            "sex": [sex for _, _, sex in _PERSONS],
                            "date_of_birth": [_BORN.get(p) for p, _, _ in _PERSONS]})
    incidents = pd.DataFrame([{"incident_id": i, "occurred_at": when, "offence": offence, "outcome": outcome,
                               "dash_risk": dash, "domestic_abuse": relationship != "acquaintance"}
                              for i, when, offence, outcome, dash, _, _, relationship in _INCIDENTS])
    roles = pd.DataFrame([row for i, *_, suspect, victim, relationship in _INCIDENTS
                          for row in ({"incident_id": i, "person_id": suspect, "role": "suspect",
                                       "relationship": relationship},
                                      {"incident_id": i, "person_id": victim, "role": "victim",
                                       "relationship": relationship})])
    measures = pd.DataFrame([{"measure_id": m, "type": kind, "subject_person_id": subject,
                              "protected_person_id": protected, "start_date": start, "end_date": end}
                             for m, kind, subject, protected, start, end in _MEASURES])
    tables = normalise_tables(
        incidents=incidents, roles=roles, persons=persons, measures=measures,
        breaches=pd.DataFrame({"measure_id": ["M-1"], "incident_id": ["I-5"]}),
        referrals=pd.DataFrame({"referral_id": ["F-1"], "person_id": ["P-4"], "type": ["daily_briefing"],
                                "date": ["2026-06-15"], "detail": [""]}))
    return ScoringContext(tables, load_config(), load_catalogue(), AS_OF)


def example_prepared() -> Prepared:
    """Fresh coded intermediates of :func:`example_context`."""
    return Prepared(example_context())
