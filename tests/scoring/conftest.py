"""Plain forces for unit tests of the scoring functions: pandas tables built in memory.

No CSV, no store, no shipped settings: the catalogue and config below are written out here so
a test reads as a specification of the rules.

Catalogue (harm days): abh 10, common_assault 1, rape 2000, breach_nmo 10, da_non_crime 0
(a non-crime incident).

Config: a 3-year window; suspects and offenders are perpetrators; women are sex ``F``;
acquitted halves the harm, DASH medium x1.25 and high x1.5; recency <=28 days 5 points,
<=90 4, <=180 3, <=365 2, <=100000 1; frequency >=1 incident 1, 2 -> 2, 3 -> 3, 5 -> 4,
8 -> 5; gravity >=0.5 harm days 1, 10 -> 2, 50 -> 3, 365 -> 4, 1460 -> 5; victims >=1 1,
2 -> 3, 3 -> 4, 4 -> 5, read as steps (``points.style: banded``, the classic matrix; graded
points have their own tests in test_graded.py); weights R 1, F 1, G 1, V 1.5, so the best
total is 5 + 5 + 5 + 7.5 = 22.5 points = a score of 100.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pandas as pd
import pytest

from core.tables import ScoringTables, normalise_tables
from scoring.catalogue import FLAG_COLUMNS, OffenceCatalogue
from scoring.config import CLASSIC_WEIGHTS, CountBand, PointSettings, RecencyBand, ScoringConfig
from scoring.context import ScoringContext

HARM_DAYS = {"abh": 10.0, "common_assault": 1.0, "rape": 2000.0, "breach_nmo": 10.0, "da_non_crime": 0.0}


def plain_catalogue() -> OffenceCatalogue:
    table = pd.DataFrame({"offence": list(HARM_DAYS), "label": [k.replace("_", " ") for k in HARM_DAYS],
                          "harm_days": list(HARM_DAYS.values())}).set_index("offence")
    for flag in FLAG_COLUMNS:
        table[flag] = False
    table.loc["breach_nmo", "breach"] = True
    table.loc["da_non_crime", "non_crime"] = True
    return OffenceCatalogue(table=table, fingerprint="plain")


def plain_config() -> ScoringConfig:
    def counts(*bands: tuple[float, float]) -> list[CountBand]:
        return [CountBand(at_least=a, points=p) for a, p in bands]

    return ScoringConfig(
        version="plain", lookback_years=3, perpetrator_roles=("suspect", "offender"), female_sex_codes=("F",),
        outcome_multipliers={"acquitted": 0.5}, dash_multipliers={"standard": 1.0, "medium": 1.25, "high": 1.5},
        recency=[RecencyBand(max_days=d, points=p) for d, p in ((28, 5), (90, 4), (180, 3), (365, 2), (100000, 1))],
        frequency=counts((1, 1), (2, 2), (3, 3), (5, 4), (8, 5)),
        gravity=counts((0.5, 1), (10, 2), (50, 3), (365, 4), (1460, 5)),
        victims=counts((1, 1), (2, 3), (3, 4), (4, 5)),
        points=PointSettings(style="banded"), weights=CLASSIC_WEIGHTS,
    )


@dataclass
class PlainForce:
    """A force built row by row in a test, held as plain tables."""

    incidents: list[dict[str, object]] = field(default_factory=list)
    roles: list[dict[str, object]] = field(default_factory=list)
    persons: list[dict[str, object]] = field(default_factory=list)
    kept_apart: list[dict[str, object]] = field(default_factory=list)

    def person(self, person_id: str, sex: str | None = None, **details: object) -> str:
        """A person; ``details``: display_name ('Forename SURNAME'), date_of_birth, postcode."""
        self.persons.append({"person_id": person_id, "sex": sex, **details})
        return person_id

    def incident(self, incident_id: str, occurred_at: str, offence: str = "abh", suspect: str | None = None,
                 victims: tuple[str, ...] = (), relationship: str | None = "partner", role: str = "suspect",
                 **extra: object) -> str:
        """An incident with one perpetrator (``role``, recording ``relationship`` to the victims)."""
        self.incidents.append({"incident_id": incident_id, "occurred_at": pd.Timestamp(occurred_at), "offence": offence,
                               **extra})
        if suspect:
            self.roles.append({"incident_id": incident_id, "person_id": suspect, "role": role,
                               "relationship": relationship})
        for victim in victims:
            self.roles.append({"incident_id": incident_id, "person_id": victim, "role": "victim"})
        return incident_id

    def tables(self) -> ScoringTables:
        persons = list(self.persons)  # anyone only named in a role is a person too (sex not recorded)
        known = {p["person_id"] for p in persons}
        for role in self.roles:
            if role["person_id"] not in known:
                known.add(role["person_id"])
                persons.append({"person_id": role["person_id"]})
        return normalise_tables(incidents=pd.DataFrame(self.incidents), roles=pd.DataFrame(self.roles),
                                persons=pd.DataFrame(persons), measures=pd.DataFrame(),
                                breaches=pd.DataFrame(), referrals=pd.DataFrame(),
                                kept_apart=pd.DataFrame(self.kept_apart, columns=["person_id_l", "person_id_r"]))

    def context(self, as_of: date, **config_changes: object) -> ScoringContext:
        config = plain_config()
        if config_changes:
            config = config.model_copy(update=config_changes)
        return ScoringContext(tables=self.tables(), config=config, catalogue=plain_catalogue(), as_of=as_of)


@pytest.fixture
def plain_force() -> PlainForce:
    """An empty :class:`PlainForce` to fill in."""
    return PlainForce()
