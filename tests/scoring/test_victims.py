"""score_victims_coded and offenders_of: what each victim suffered, and from whom, on plain tables.

Catalogue and config as in tests/scoring/conftest.py (abh 10 harm days, common assault 1,
rape 2000; acquitted x0.5, DASH high x1.5; a 3-year window).
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from scoring.context import ScoringContext
from scoring.prepared import Prepared
from scoring.victims import offenders_of, score_victims_coded

AS_OF = date(2026, 6, 30)


def scored(context: ScoringContext) -> pd.DataFrame:
    """The victims' rows indexed by person id."""
    prepared = Prepared(context)
    return prepared.decode(score_victims_coded(context, prepared)).set_index("person_id")


def test_one_assault_gives_its_victim_one_incident_one_offence_and_its_harm(plain_force) -> None:
    plain_force.incident("I1", "2026-06-20", "abh", "S", ("V",), dash_risk="high")
    row = scored(plain_force.context(AS_OF)).loc["V"]
    assert (row["incidents"], row["offences"], row["harm"], row["days_since_last"]) == (1, 1, 15.0, 10)
    assert (row["offenders"], row["partner_offenders"], row["high_dash"]) == (1, 1, True)
    assert (row["most_serious_offence"], row["most_serious_at"]) == ("abh", pd.Timestamp("2026-06-20"))


def test_a_non_crime_incident_is_an_incident_but_no_offence(plain_force) -> None:
    plain_force.incident("I1", "2026-06-01", "da_non_crime", "S", ("V",))
    plain_force.incident("I2", "2026-06-02", "common_assault", "S", ("V",))
    row = scored(plain_force.context(AS_OF)).loc["V"]
    assert (row["incidents"], row["offences"], row["harm"]) == (2, 1, 1.0)


def test_harm_suffered_adds_every_incident_after_multipliers(plain_force) -> None:
    plain_force.incident("I1", "2026-01-01", "abh", "S", ("V",), outcome="acquitted")
    plain_force.incident("I2", "2026-02-01", "rape", "T", ("V",))
    assert scored(plain_force.context(AS_OF)).loc["V", "harm"] == 5.0 + 2000.0


def test_offenders_count_distinct_people_not_incidents(plain_force) -> None:
    plain_force.incident("I1", "2026-01-01", "abh", "S", ("V",))
    plain_force.incident("I2", "2026-02-01", "abh", "S", ("V",))
    plain_force.incident("I3", "2026-03-01", "abh", "T", ("V",), relationship="stranger")
    row = scored(plain_force.context(AS_OF)).loc["V"]
    assert (row["incidents"], row["offenders"]) == (3, 2)


def test_partner_offenders_are_those_recorded_as_partner_or_ex_partner(plain_force) -> None:
    plain_force.incident("I1", "2026-01-01", "abh", "Ex", ("V",), relationship="ex_partner")
    plain_force.incident("I2", "2026-02-01", "abh", "Now", ("V",), relationship="partner")
    plain_force.incident("I3", "2026-03-01", "abh", "Brother", ("V",), relationship="sibling")
    row = scored(plain_force.context(AS_OF)).loc["V"]
    assert (row["offenders"], row["partner_offenders"]) == (3, 2)


def test_family_offenders_are_those_recorded_as_a_relative(plain_force) -> None:
    plain_force.incident("I1", "2026-01-01", "abh", "Father", ("V",), relationship="parent")
    plain_force.incident("I2", "2026-02-01", "abh", "Brother", ("V",), relationship="sibling")
    plain_force.incident("I3", "2026-03-01", "abh", "Brother", ("V",), relationship="sibling")
    plain_force.incident("I4", "2026-04-01", "abh", "Ex", ("V",), relationship="ex_partner")
    plain_force.incident("I5", "2026-05-01", "abh", "Friend", ("V",), relationship="acquaintance")
    row = scored(plain_force.context(AS_OF)).loc["V"]
    assert (row["offenders"], row["partner_offenders"], row["family_offenders"]) == (4, 1, 2)


def test_an_offender_once_recorded_as_partner_is_a_partner_offender(plain_force) -> None:
    plain_force.incident("I1", "2026-01-01", "abh", "S", ("V",), relationship="acquaintance")
    plain_force.incident("I2", "2026-02-01", "abh", "S", ("V",), relationship="partner")
    assert scored(plain_force.context(AS_OF)).loc["V", "partner_offenders"] == 1


def test_a_victim_harmed_by_nobody_recorded_still_counts_her_incidents(plain_force) -> None:
    plain_force.incident("I1", "2026-06-01", "abh", victims=("V",))
    row = scored(plain_force.context(AS_OF)).loc["V"]
    assert (row["incidents"], row["offenders"], row["partner_offenders"]) == (1, 0, 0)


def test_only_victims_in_the_window_are_listed(plain_force) -> None:
    plain_force.incident("Old", "2023-06-29", "abh", "S", ("Before",))
    plain_force.incident("Next", "2026-07-01", "abh", "S", ("After",))
    plain_force.incident("Now", "2026-06-30T12:00", "abh", "S", ("Inside",))
    assert list(scored(plain_force.context(AS_OF)).index) == ["Inside"]


def test_offenders_of_lists_each_offender_with_the_incidents_they_share(plain_force) -> None:
    plain_force.incident("I1", "2026-01-01", "abh", "S", ("V", "W"))
    plain_force.incident("I2", "2026-02-01", "abh", "S", ("V",))
    plain_force.incident("I3", "2026-03-01", "abh", "T", ("V",))
    plain_force.incident("Old", "2020-01-01", "abh", "U", ("V",))  # outside the window
    offenders = offenders_of(plain_force.context(AS_OF), "V")
    assert offenders.to_dict("records") == [{"offender_id": "S", "shared_incidents": 2},
                                            {"offender_id": "T", "shared_incidents": 1}]


def test_offenders_of_someone_unknown_is_empty(plain_force) -> None:
    plain_force.incident("I1", "2026-01-01", "abh", "S", ("V",))
    offenders = offenders_of(plain_force.context(AS_OF), "Nobody")
    assert offenders.empty and list(offenders.columns) == ["offender_id", "shared_incidents"]
