"""score_perpetrators_coded: the RFGV measures and points of each perpetrator, on plain tables.

The catalogue, bands and weights are those of tests/scoring/conftest.py (abh 10 harm days,
common assault 1, rape 2000; a score of 100 is 22.5 weighted points).
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from scoring.config import RelationshipGroups, Weights
from scoring.context import ScoringContext
from scoring.perpetrators import score_perpetrators_coded
from scoring.prepared import Prepared

AS_OF = date(2026, 6, 30)


def scored(context: ScoringContext) -> pd.DataFrame:
    """The perpetrators' scores indexed by person id."""
    prepared = Prepared(context)
    return prepared.decode(score_perpetrators_coded(context, prepared)).set_index("person_id")


def days_before(days: int, as_of: date = AS_OF) -> str:
    return (pd.Timestamp(as_of) - pd.Timedelta(days=days)).strftime("%Y-%m-%d")


# The whole row --------------------------------------------------------------------------------

def test_one_recent_assault_on_one_woman_scores_each_component_by_its_band(plain_force) -> None:
    plain_force.person("V", "F")
    plain_force.incident("I1", days_before(10), "abh", "S", ("V",))
    row = scored(plain_force.context(AS_OF)).loc["S"]
    assert (row["incidents"], row["crimes"], row["harm"], row["days_since_last"]) == (1, 1, 10.0, 10)
    assert (row["victims"], row["female_victims"], row["partner_victims"]) == (1, 1, 1)
    assert (row["recency_points"], row["frequency_points"], row["gravity_points"], row["victims_points"]) == (5, 1, 2, 1)
    assert row["score"] == round(100 * (5 + 1 + 2 + 1.5 * 1) / 22.5, 2) == 42.22


def test_the_highest_band_of_every_component_scores_100(plain_force) -> None:
    for n, victim in enumerate(["V1", "V2", "V3", "V4", "V1", "V2", "V3", "V4"]):
        plain_force.incident(f"I{n}", days_before(n + 1), "rape", "S", (victim,))
    row = scored(plain_force.context(AS_OF)).loc["S"]
    assert (row["recency_points"], row["frequency_points"], row["gravity_points"], row["victims_points"]) == (5, 5, 5, 5)
    assert row["score"] == 100.0


def test_the_score_follows_the_configured_weights(plain_force) -> None:
    plain_force.incident("I1", days_before(10), "abh", "S", ("V",))
    context = plain_force.context(AS_OF, weights=Weights(recency=0, frequency=0, gravity=0, victims=1))
    assert scored(context).loc["S", "score"] == round(100 * 1 / 5, 1)  # 1 victim point of 5


def test_only_suspects_and_offenders_are_scored(plain_force) -> None:
    plain_force.incident("I1", days_before(10), "abh", "S", ("V",))
    plain_force.incident("I2", days_before(10), "abh", "O", ("V",), role="offender")
    plain_force.incident("I3", days_before(10), "abh", "W", ("V",), role="witness")
    assert list(scored(plain_force.context(AS_OF)).index) == ["O", "S"]


def test_the_configured_perpetrator_roles_decide_who_is_scored(plain_force) -> None:
    plain_force.incident("I1", days_before(10), "abh", "S", ("V",))
    plain_force.incident("I2", days_before(10), "abh", "O", ("V",), role="offender")
    assert list(scored(plain_force.context(AS_OF, perpetrator_roles=("offender",))).index) == ["O"]


# Recency --------------------------------------------------------------------------------------

@pytest.mark.parametrize(("days", "points"), [(0, 5), (28, 5), (29, 4), (90, 4), (91, 3), (180, 3),
                                              (181, 2), (365, 2), (366, 1)])
def test_recency_points_fall_as_the_last_incident_ages(plain_force, days: int, points: int) -> None:
    plain_force.incident("I1", days_before(days), "abh", "S", ("V",))
    row = scored(plain_force.context(AS_OF)).loc["S"]
    assert (row["days_since_last"], row["recency_points"]) == (days, points)


def test_recency_counts_from_the_last_incident_not_the_first(plain_force) -> None:
    plain_force.incident("I1", days_before(400), "abh", "S", ("V",))
    plain_force.incident("I2", days_before(20), "abh", "S", ("V",))
    row = scored(plain_force.context(AS_OF)).loc["S"]
    assert (row["days_since_last"], row["recency_points"]) == (20, 5)
    assert (row["first_incident"], row["last_incident"]) == (pd.Timestamp(days_before(400)), pd.Timestamp(days_before(20)))


def test_days_since_last_counts_calendar_days_whatever_the_time(plain_force) -> None:
    plain_force.incident("I1", "2026-06-29T23:59:00", "abh", "S", ("V",))
    assert scored(plain_force.context(AS_OF)).loc["S", "days_since_last"] == 1


# Frequency ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("incidents", "points"), [(1, 1), (2, 2), (3, 3), (4, 3), (5, 4), (7, 4), (8, 5), (12, 5)])
def test_frequency_points_rise_with_incidents_in_the_window(plain_force, incidents: int, points: int) -> None:
    for n in range(incidents):
        plain_force.incident(f"I{n:02d}", days_before(n + 1), "common_assault", "S", ("V",))
    row = scored(plain_force.context(AS_OF)).loc["S"]
    assert (row["incidents"], row["frequency_points"]) == (incidents, points)


def test_a_non_crime_incident_counts_for_frequency_but_is_no_crime_and_no_harm(plain_force) -> None:
    plain_force.incident("I1", days_before(5), "da_non_crime", "S", ("V",))
    plain_force.incident("I2", days_before(6), "da_non_crime", "S", ("V",))
    row = scored(plain_force.context(AS_OF)).loc["S"]
    assert (row["incidents"], row["crimes"], row["harm"]) == (2, 0, 0.0)
    assert (row["frequency_points"], row["gravity_points"]) == (2, 0)


# Gravity --------------------------------------------------------------------------------------

@pytest.mark.parametrize(("offences", "harm", "points"), [
    (["da_non_crime"], 0.0, 0), (["common_assault"], 1.0, 1), (["abh"], 10.0, 2),
    (["abh"] * 5, 50.0, 3), (["rape"], 2000.0, 5),
])
def test_gravity_points_rise_with_harm_days_in_the_window(plain_force, offences: list[str], harm: float,
                                                          points: int) -> None:
    for n, offence in enumerate(offences):
        plain_force.incident(f"I{n}", days_before(n + 1), offence, "S", ("V",))
    row = scored(plain_force.context(AS_OF)).loc["S"]
    assert (row["harm"], row["gravity_points"]) == (harm, points)


def test_an_acquittal_halves_the_harm_and_a_high_dash_risk_adds_half(plain_force) -> None:
    plain_force.incident("I1", days_before(5), "abh", "A", ("V",), outcome="acquitted")
    plain_force.incident("I2", days_before(5), "abh", "H", ("V",), dash_risk="high")
    plain_force.incident("I3", days_before(5), "abh", "B", ("V",), outcome="acquitted", dash_risk="medium")
    harm = scored(plain_force.context(AS_OF))["harm"]
    assert harm.to_dict() == {"A": 5.0, "B": 6.2, "H": 15.0}  # 10 x 0.5 x 1.25 = 6.25, one decimal


def test_high_dash_is_flagged(plain_force) -> None:
    plain_force.incident("I1", days_before(5), "abh", "H", ("V",), dash_risk="high")
    plain_force.incident("I2", days_before(5), "abh", "M", ("V",), dash_risk="medium")
    assert scored(plain_force.context(AS_OF))["high_dash"].to_dict() == {"H": True, "M": False}


def test_the_most_serious_offence_is_the_gravest_then_the_latest(plain_force) -> None:
    plain_force.incident("I1", days_before(100), "abh", "S", ("V",))
    plain_force.incident("I2", days_before(50), "rape", "S", ("V",))
    plain_force.incident("I3", days_before(10), "common_assault", "S", ("V",))
    plain_force.incident("J1", days_before(100), "abh", "T", ("V",))
    plain_force.incident("J2", days_before(10), "abh", "T", ("V",))
    rows = scored(plain_force.context(AS_OF))
    assert rows.loc["S", ["most_serious_offence", "most_serious_incident"]].tolist() == ["rape", "I2"]
    assert rows.loc["T", "most_serious_incident"] == "J2"


def test_outcomes_are_counted_in_a_fixed_order(plain_force) -> None:
    plain_force.incident("I1", days_before(30), "abh", "S", ("V",), outcome="nfa")
    plain_force.incident("I2", days_before(20), "abh", "S", ("V",), outcome="convicted")
    plain_force.incident("I3", days_before(10), "abh", "S", ("V",), outcome="nfa")
    plain_force.incident("I4", days_before(5), "abh", "S", ("V",))
    assert scored(plain_force.context(AS_OF)).loc["S", "outcomes"] == (
        "1 convicted, 2 no further action, 1 outcome not recorded")


# Victims --------------------------------------------------------------------------------------

def test_second_victim_is_worth_two_points(plain_force) -> None:
    plain_force.incident("I1", days_before(10), "abh", "One", ("V1",))
    plain_force.incident("I2", days_before(10), "abh", "Two", ("V1",))
    plain_force.incident("I3", days_before(10), "abh", "Two", ("V2",))
    points = scored(plain_force.context(AS_OF))["victims_points"]
    assert (points["One"], points["Two"]) == (1, 3)


@pytest.mark.parametrize(("victims", "points"), [(3, 4), (4, 5), (6, 5)])
def test_more_victims_score_up_to_the_top_band(plain_force, victims: int, points: int) -> None:
    plain_force.incident("I1", days_before(10), "abh", "S", tuple(f"V{n}" for n in range(victims)))
    row = scored(plain_force.context(AS_OF)).loc["S"]
    assert (row["victims"], row["victims_points"]) == (victims, points)


def test_the_same_victim_harmed_twice_is_one_victim(plain_force) -> None:
    plain_force.incident("I1", days_before(20), "abh", "S", ("V",))
    plain_force.incident("I2", days_before(10), "abh", "S", ("V",))
    assert scored(plain_force.context(AS_OF)).loc["S", ["incidents", "victims"]].tolist() == [2, 1]


def test_an_incident_without_a_victim_counts_but_adds_no_victim(plain_force) -> None:
    plain_force.incident("I1", days_before(10), "abh", "S")
    row = scored(plain_force.context(AS_OF)).loc["S"]
    assert (row["incidents"], row["victims"], row["female_victims"], row["partner_victims"]) == (1, 0, 0, 0)
    assert row["victims_points"] == 0


def test_nobody_is_their_own_victim(plain_force) -> None:
    plain_force.incident("I1", days_before(10), "abh", "S", ("S", "V"))
    assert scored(plain_force.context(AS_OF)).loc["S", "victims"] == 1


def test_female_victims_count_only_those_recorded_as_women(plain_force) -> None:
    plain_force.person("W1", "F")
    plain_force.person("W2", "F")
    plain_force.person("M1", "M")
    plain_force.incident("I1", days_before(10), "abh", "S", ("W1", "W2", "M1", "Unrecorded"))
    row = scored(plain_force.context(AS_OF)).loc["S"]
    assert (row["victims"], row["female_victims"]) == (4, 2)


def test_the_configured_sex_codes_decide_who_is_a_woman(plain_force) -> None:
    plain_force.person("W1", "F")
    plain_force.person("W2", "2")
    plain_force.incident("I1", days_before(10), "abh", "S", ("W1", "W2"))
    assert scored(plain_force.context(AS_OF, female_sex_codes=("F", "2"))).loc["S", "female_victims"] == 2


@pytest.mark.parametrize(("relationship", "partner"), [("partner", 1), ("ex_partner", 1), ("other_family", 0),
                                                       ("acquaintance", 0), ("stranger", 0), (None, 0)])
def test_partner_victims_are_partners_and_ex_partners(plain_force, relationship: str | None, partner: int) -> None:
    plain_force.incident("I1", days_before(10), "abh", "S", ("V",), relationship=relationship)
    assert scored(plain_force.context(AS_OF)).loc["S", "partner_victims"] == partner


@pytest.mark.parametrize(("relationship", "family"), [("parent", 1), ("child", 1), ("sibling", 1), ("other_family", 1),
                                                      ("partner", 0), ("acquaintance", 0), (None, 0)])
def test_family_victims_are_parents_children_siblings_and_other_relatives(plain_force, relationship: str | None,
                                                                          family: int) -> None:
    plain_force.incident("I1", days_before(10), "abh", "S", ("V",), relationship=relationship)
    assert scored(plain_force.context(AS_OF)).loc["S", "family_victims"] == family


def test_the_partner_and_family_relationships_come_from_the_config(plain_force) -> None:
    plain_force.incident("I1", days_before(20), "abh", "S", ("Ex",), relationship="ex_partner")
    plain_force.incident("I2", days_before(10), "abh", "S", ("Son",), relationship="child")
    groups = RelationshipGroups(intimate_partner=("partner",), family=("ex_partner", "parent"))
    row = scored(plain_force.context(AS_OF, relationships=groups)).loc["S"]
    assert (row["victims"], row["partner_victims"], row["family_victims"]) == (2, 0, 1)


def test_a_relationship_cannot_be_both_partner_and_family() -> None:
    with pytest.raises(ValueError, match="both intimate partner and family"):
        RelationshipGroups(intimate_partner=("partner", "ex_partner"), family=("ex_partner",))


def test_a_partner_harmed_twice_and_a_stranger_are_one_partner_victim(plain_force) -> None:
    plain_force.incident("I1", days_before(20), "abh", "S", ("P",), relationship="partner")
    plain_force.incident("I2", days_before(10), "abh", "S", ("P",), relationship="ex_partner")
    plain_force.incident("I3", days_before(5), "abh", "S", ("X",), relationship="stranger")
    assert scored(plain_force.context(AS_OF)).loc["S", ["victims", "partner_victims"]].tolist() == [2, 1]


def test_a_partner_recorded_only_on_the_victims_role_counts(plain_force) -> None:
    plain_force.incident("I1", days_before(10), "abh", "S", relationship=None)
    plain_force.roles.append({"incident_id": "I1", "person_id": "V", "role": "victim", "relationship": "partner"})
    assert scored(plain_force.context(AS_OF)).loc["S", "partner_victims"] == 1


# The window -----------------------------------------------------------------------------------

def test_incidents_before_the_window_or_after_the_as_of_day_are_not_scored(plain_force) -> None:
    plain_force.incident("Old", "2023-06-29", "rape", "S", ("V1",))      # a day before the window
    plain_force.incident("First", "2023-06-30", "abh", "S", ("V2",))     # the window's first day
    plain_force.incident("Late", "2026-06-30T23:59:59", "abh", "S", ("V3",))  # the as-of day's last minute
    plain_force.incident("Next", "2026-07-01", "rape", "S", ("V4",))     # the day after
    plain_force.incident("OnlyOld", "2020-01-01", "rape", "T", ("V1",))
    rows = scored(plain_force.context(AS_OF))
    assert list(rows.index) == ["S"]
    assert rows.loc["S", ["incidents", "harm", "victims", "days_since_last"]].tolist() == [2, 20.0, 2, 0]
    assert rows.loc["S", "first_incident"] == pd.Timestamp("2023-06-30")


def test_a_longer_look_back_brings_older_incidents_in(plain_force) -> None:
    plain_force.incident("Old", "2022-01-01", "abh", "S", ("V",))
    assert scored(plain_force.context(AS_OF)).empty
    assert scored(plain_force.context(AS_OF, lookback_years=5)).loc["S", "incidents"] == 1


# What one ranking keeps for the next ------------------------------------------------------------

def test_a_ranking_after_another_on_the_same_tables_scores_as_a_fresh_one(plain_force) -> None:
    # The evidence of a date is kept for changed weights: changed weights must read their own
    # points, and another date, window or multiplier must not read the kept evidence.
    from dataclasses import replace

    plain_force.person("V1", "F")
    plain_force.person("V2", "F")
    plain_force.incident("I1", days_before(10), "abh", "S", ("V1",))
    plain_force.incident("I2", days_before(200), "abh", "S", ("V2",), dash_risk="high")
    plain_force.incident("I3", days_before(500), "common_assault", "S", ("V1",))
    shared = plain_force.context(AS_OF)  # its tables keep what each ranking worked out

    def on_shared(as_of: date, **changes: object) -> pd.DataFrame:
        return scored(replace(shared, as_of=as_of, config=shared.config.model_copy(update=changes)))

    first = on_shared(AS_OF)
    changes: list[tuple[date, dict[str, object]]] = [
        (AS_OF, {"weights": Weights(recency=0, frequency=0, gravity=0, victims=1)}),
        (date(2026, 6, 1), {}),
        (AS_OF, {"lookback_years": 1}),
        (AS_OF, {"dash_multipliers": {"high": 3.0}}),
        (AS_OF, {}),
    ]
    for as_of, change in changes:
        pd.testing.assert_frame_equal(on_shared(as_of, **change), scored(plain_force.context(as_of, **change)))
    assert on_shared(AS_OF).equals(first)
    earlier = on_shared(date(2026, 6, 1)).loc["S"]
    assert (earlier["incidents"], earlier["days_since_last"]) == (2, 171)  # I1 comes after that date
    assert on_shared(AS_OF, lookback_years=1).loc["S", "incidents"] == 2
