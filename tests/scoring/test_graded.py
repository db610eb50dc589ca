"""Graded points (the shipped default) and the order reason of each row, on plain tables.

The bands are those of tests/scoring/conftest.py (frequency 1/2/3/5/8 -> 1..5, gravity
0.5/10/50/365/1460 -> 1..5, victims 1/2/3/4 -> 1/3/4/5, recency <=28/90/180/365 days ->
5/4/3/2, then 1 at the window's end); here they are read graded, with the shipped weights
R 1, F 1, G 2, V 1 (a score of 100 is 5 + 5 + 10 + 5 = 25 weighted points).
"""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import date

import pandas as pd
import pytest

from scoring.bands import graded_count_points, graded_recency_points
from scoring.config import CountBand, PointSettings, RecencyBand, Weights
from scoring.lists import PerpetratorList, rank_perpetrators
from scoring.perpetrators import score_perpetrators_coded
from scoring.prepared import Prepared

AS_OF = date(2026, 6, 30)
GRADED = {"points": PointSettings(style="graded", per_doubling=1.0), "weights": Weights()}
FREQUENCY = [CountBand(at_least=a, points=p) for a, p in ((1, 1), (2, 2), (3, 3), (5, 4), (8, 5))]


def days_before(days: int) -> str:
    return (pd.Timestamp(AS_OF) - pd.Timedelta(days=days)).strftime("%Y-%m-%d")


def scored(force, **changes) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    context = force.context(AS_OF, **{**GRADED, **changes})
    prepared = Prepared(context)
    return prepared.decode(score_perpetrators_coded(context, prepared)).set_index("person_id")


# Points --------------------------------------------------------------------------------------

def test_a_value_on_a_band_edge_scores_that_band_and_between_edges_rises_on_a_log_scale() -> None:
    points = graded_count_points(pd.Series([1, 3, 4, 5, 8]), FREQUENCY, 1.0)
    assert points.iloc[[0, 1, 3, 4]].tolist() == [1.0, 3.0, 4.0, 5.0]
    assert points.iloc[2] == pytest.approx(3 + math.log(4 / 3) / math.log(5 / 3))  # 3.56: nearer 5 than 3


def test_past_the_top_band_each_doubling_adds_points_so_the_top_people_differ() -> None:
    points = graded_count_points(pd.Series([8, 16, 64, 13]), FREQUENCY, 1.0).tolist()
    assert points[:3] == [5.0, 6.0, 8.0]
    assert points[3] == pytest.approx(5 + math.log2(13 / 8))
    assert graded_count_points(pd.Series([64]), FREQUENCY, 0.5).tolist() == [6.5]


def test_below_the_first_edge_there_are_no_points() -> None:
    assert graded_count_points(pd.Series([0.0, 0.4]), [CountBand(at_least=0.5, points=1)], 1.0).tolist() == [0.0, 0.0]


def test_recency_falls_from_limit_to_limit_and_stops_at_the_window_end() -> None:
    bands = [RecencyBand(max_days=28, points=5), RecencyBand(max_days=90, points=4),
             RecencyBand(max_days=100000, points=1)]
    points = graded_recency_points(pd.Series([0, 28, 59, 90, 1095, 1096]), bands, 1095).tolist()
    assert points[:2] == [5.0, 5.0] and points[3] == 4.0
    assert points[2] == pytest.approx(4.5)
    assert points[4] == 1.0 and points[5] == 0.0


# Scores --------------------------------------------------------------------------------------

def test_a_serial_abuser_scores_the_graded_points_of_each_measure(plain_force) -> None:
    for victim in ("V1", "V2", "V3"):
        plain_force.person(victim, "F")
    plain_force.incident("I1", days_before(400), "abh", "S", ("V1",))
    plain_force.incident("I2", days_before(200), "abh", "S", ("V2",))
    plain_force.incident("I3", days_before(59), "abh", "S", ("V3",))
    plain_force.incident("I4", days_before(59), "common_assault", "S", ("V3",))
    row = scored(plain_force).loc["S"]
    # 59 days: halfway from 28 (5) to 90 (4); 4 incidents; 31 harm days; 3 victims
    frequency = 3 + math.log(4 / 3) / math.log(5 / 3)
    gravity = 2 + math.log(31 / 10) / math.log(50 / 10)
    assert row["recency_points"] == pytest.approx(4.5)
    assert row["frequency_points"] == pytest.approx(frequency)
    assert row["gravity_points"] == pytest.approx(gravity)
    assert row["victims_points"] == 4.0
    assert row["score"] == round(100 * (4.5 + frequency + 2 * gravity + 4) / 25, 2)


def test_the_people_beyond_the_top_bands_no_longer_tie(plain_force) -> None:
    """Eight and thirty-two recent assaults on four women: banded, both take every top band."""
    for n in range(32):
        victims = (f"V{n % 4}",)
        plain_force.incident(f"A{n}", days_before(1 + n), "rape" if n < 1 else "abh", "BUSY", victims)
        if n < 8:
            plain_force.incident(f"B{n}", days_before(1 + n), "rape" if n < 1 else "abh", "LESS", victims)
    graded = scored(plain_force)
    banded = scored(plain_force, points=PointSettings(style="banded"))
    assert banded.loc["BUSY", "score"] == banded.loc["LESS", "score"] == 100.0
    assert graded.loc["BUSY", "score"] > graded.loc["LESS", "score"] > 100.0
    assert graded.loc["BUSY", "frequency_points"] == 7.0  # 32 incidents: two doublings past 8


def test_fewer_incidents_in_the_window_lower_the_score(plain_force) -> None:
    """As incidents age out of the window an adopted subject's score falls (it did not when capped)."""
    for n in range(20):
        plain_force.incident(f"I{n}", days_before(10 + 60 * n), "abh", "S", ("V",))
    now = scored(plain_force).loc["S", "score"]
    plain_force.incidents = [i for i in plain_force.incidents if i["incident_id"] not in ("I0", "I1")]
    assert scored(plain_force).loc["S", "score"] < now


# Order reasons -------------------------------------------------------------------------------

def test_each_row_says_what_puts_it_above_the_next(plain_force) -> None:
    plain_force.incident("G1", days_before(5), "rape", "GRAVE", ("V1",))
    plain_force.incident("M1", days_before(5), "abh", "MANY", ("V2",))
    plain_force.incident("M2", days_before(5), "abh", "MANY", ("V3",))
    # TWIN_A and TWIN_B: the same evidence, apart from who they are
    for twin in ("TWIN_A", "TWIN_B"):
        plain_force.incident(f"{twin}1", days_before(5), "common_assault", twin, (f"W{twin}",))
    ranked = rank_perpetrators(plain_force.context(AS_OF, **GRADED), PerpetratorList.OVERALL)
    ranked = ranked.set_index("person_id")
    assert list(ranked.index) == ["GRAVE", "MANY", "TWIN_A", "TWIN_B"]
    grave = ranked.loc["GRAVE"]
    assert grave["order_reason"] == (f"above rank 2: higher score ({grave['score']:,.2f} vs "
                                     f"{ranked.loc['MANY', 'score']:,.2f}), mostly gravity: 2,000.0 vs 20.0 harm days")
    assert ranked.loc["TWIN_A", "order_reason"] == (
        "above rank 4: same score, victims, harm and last incident; earlier in person id order "
        "(nothing in the evidence tells them apart)")
    assert ranked.loc["TWIN_B", "order_reason"] == "last on the list"


def test_a_tie_on_score_is_broken_by_victims_then_harm_and_the_reason_says_which(plain_force) -> None:
    """Scores rounded alike; the tie-breaks decide, in the order the README gives."""
    plain_force.incident("A1", days_before(5), "abh", "TWO", ("V1", "V2"))
    plain_force.incident("B1", days_before(5), "abh", "ONE", ("V3",))
    context = plain_force.context(AS_OF, **GRADED)
    weights = Weights(recency=1, frequency=1, gravity=1, victims=0)  # victims weigh nothing: the scores tie
    ranked = rank_perpetrators(replace(context, config=context.config.model_copy(update={"weights": weights})))
    ranked = ranked.set_index("person_id")
    assert ranked.loc["TWO", "score"] == ranked.loc["ONE", "score"]
    assert ranked.loc["TWO", "order_reason"] == "above rank 2: same score; more victims (2 vs 1)"


def test_on_the_different_victims_list_women_and_girls_come_first_in_the_reason(plain_force) -> None:
    for woman in ("W1", "W2"):
        plain_force.person(woman, "F")
    plain_force.person("M1", "M")
    plain_force.incident("A1", days_before(5), "abh", "TWO_WOMEN", ("W1",))
    plain_force.incident("A2", days_before(5), "common_assault", "TWO_WOMEN", ("W2",))
    plain_force.incident("B1", days_before(5), "rape", "ONE_WOMAN", ("W1", "M1"))
    ranked = rank_perpetrators(plain_force.context(AS_OF, **GRADED), PerpetratorList.DIFFERENT_VICTIMS)
    first = ranked.iloc[0]
    assert first["person_id"] == "TWO_WOMEN"
    assert first["order_reason"] == "above rank 2: more women and girls harmed (2 vs 1)"
