"""Fairness report: shares with Wilson intervals, and ethnicity never moves the ranking."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import numpy as np
import pandas as pd
import pytest

from scoring.fairness import (CAVEATS, NOT_RECORDED, age_band, fairness_report, postcode_district,
                              representation, wilson_interval)
from scoring.config import FairnessSettings
from scoring.lists import rank_perpetrators
from scoring.context import ScoringContext
from core.tables import normalise_tables

AS_OF = date(2025, 6, 30)


@pytest.fixture
def context(config, catalogue) -> ScoringContext:
    """Suspect S{n} harms n+1 women (n = 0..5), so S5 ranks first and S0 last.

    Ethnicity: S5, S4 'W1'; S3 'A1'; S2 'B1'; S1, S0 not recorded. Ages on the as-of date:
    S5 40, S4 30, S3 30, S2 20, S1 60, S0 unknown. Postcodes NE1 for S5-S3, SR3 for the rest.
    """
    incidents, roles = [], []
    for n in range(6):
        for v in range(n + 1):
            incident = f"I{n}{v}"
            incidents.append({"incident_id": incident, "occurred_at": pd.Timestamp(2025, 1 + v, 1),
                              "offence": "abh"})
            roles += [{"incident_id": incident, "person_id": f"S{n}", "role": "suspect", "relationship": "partner"},
                      {"incident_id": incident, "person_id": f"V{n}{v}", "role": "victim"}]
    born = {"S5": "1985-01-01", "S4": "1995-01-01", "S3": "1995-01-01", "S2": "2005-01-01", "S1": "1965-01-01"}
    ethnicity = {"S5": "W1", "S4": "W1", "S3": "A1", "S2": "B1"}
    people = sorted({r["person_id"] for r in roles})
    persons = pd.DataFrame({
        "person_id": people, "sex": ["F" if p.startswith("V") else "M" for p in people],
        "date_of_birth": [pd.Timestamp(born[p]) if p in born else pd.NaT for p in people],
        "ethnicity": [ethnicity.get(p) for p in people],
        "postcode": [("NE1 4ST" if p in ("S5", "S4", "S3") else "SR3 7PE") if p.startswith("S") else None
                     for p in people],
    })
    tables = normalise_tables(incidents=pd.DataFrame(incidents), roles=pd.DataFrame(roles), persons=persons,
                              measures=pd.DataFrame(), breaches=pd.DataFrame(), referrals=pd.DataFrame())
    return ScoringContext(tables=tables, config=config, catalogue=catalogue, as_of=AS_OF)


def test_wilson_interval_matches_the_formula_by_hand() -> None:
    low, high = wilson_interval(np.array([0, 5, 10]), np.array([10, 10, 10]))
    # 0 of 10: (0, z^2/(n+z^2)) = (0, 3.8415/13.8415); 5 of 10 is symmetric about 0.5.
    assert low.tolist()[0] == 0.0 and high[0] == pytest.approx(0.27753, abs=1e-5)
    assert (low[1], high[1]) == pytest.approx((0.23659, 0.76341), abs=1e-5)
    assert (low[2], high[2]) == pytest.approx((1 - 0.27753, 1.0), abs=1e-5)
    nan_low, _ = wilson_interval(np.array([0]), np.array([0]))
    assert np.isnan(nan_low[0])


def test_ranking_does_not_change_when_ethnicity_is_scrambled(context) -> None:
    persons = context.tables.persons
    codes = ["W1", "A1", "B2", "M1", "O9", None]
    scrambled = persons.assign(ethnicity=pd.Series(np.resize(codes, len(persons))[::-1], dtype="string"))
    other = replace(context, tables=replace(context.tables, persons=scrambled))
    pd.testing.assert_frame_equal(rank_perpetrators(context), rank_perpetrators(other))


def test_ethnicity_shares_are_among_recorded_people(context) -> None:
    report = fairness_report(context, top_k=2).copy()
    ethnicity = report["ethnicity"].set_index("group")
    # Top 2 = S5, S4, both White; of the four ranked people with ethnicity recorded, two are White.
    assert ethnicity.loc["White", ["top_count", "top_n", "all_count", "all_n"]].tolist() == [2, 2, 2, 4]
    assert ethnicity.loc["White", "top_share"] == 1.0 and ethnicity.loc["White", "all_share"] == 0.5
    assert ethnicity.loc["White", "ratio"] == 2.0
    assert ethnicity.loc["Asian", "top_count"] == 0 and ethnicity.loc["Asian", "all_share"] == 0.25
    # The 'not recorded' row is a share of everyone: 2 of 6 ranked, 0 of the top 2.
    assert ethnicity.loc[NOT_RECORDED, ["top_count", "top_n", "all_count", "all_n"]].tolist() == [0, 2, 2, 6]
    low, high = wilson_interval(np.array([2]), np.array([2]))
    assert ethnicity.loc["White", "top_low"] == pytest.approx(low[0])
    assert bool(ethnicity.loc["White", "overlap"])  # two people: the gap may well be chance


def test_age_bands_and_districts(context) -> None:
    report = fairness_report(context, top_k=3)
    age = report["age"].set_index("group")
    assert age.loc["25-34", ["top_count", "all_count"]].tolist() == [2, 2]
    assert age.loc["35-44", ["top_count", "all_count"]].tolist() == [1, 1]
    assert age.loc[NOT_RECORDED, "all_count"] == 1
    area = report["area"].set_index("group")
    assert area.loc["NE1", ["top_count", "all_count"]].tolist() == [3, 3]
    assert area.loc["SR3", ["top_count", "all_count"]].tolist() == [0, 3]


def test_representation_of_an_empty_top_is_zero_not_an_error() -> None:
    out = representation(pd.Series(["a", "b"]), pd.Series([False, False]))
    assert out["top_count"].tolist() == [0, 0] and out["top_share"].isna().all()


def test_helpers_read_messy_values() -> None:
    assert postcode_district(pd.Series(["ne1 4st", "DH1 3LE"])).tolist() == ["NE1", "DH1"]
    assert age_band(pd.Series([pd.Timestamp("2008-07-01")]), AS_OF).tolist() == ["under 18"]


def test_the_caveats_say_ethnicity_is_not_a_scoring_input() -> None:
    assert any("not used to score" in caveat for caveat in CAVEATS)


@pytest.fixture
def areas_context(config, catalogue) -> ScoringContext:
    """Eleven suspects, S{n} harming n+1 women (S10 ranks first); districts of the whole pool:
    NE1 4, SR3 3, DH1 2, TS1 1, TS2 1. The top two live in the two smallest districts."""
    district_of = {10: "TS1 1AA", 9: "TS2 1AA", 8: "NE1 4ST", 7: "SR3 7PE", 6: "DH1 3LE", 5: "NE1 4ST",
                   4: "SR3 7PE", 3: "NE1 4ST", 2: "DH1 3LE", 1: "SR3 7PE", 0: "NE1 4ST"}
    incidents, roles = [], []
    for n in range(11):
        for v in range(n + 1):
            incident = f"I{n}-{v}"
            incidents.append({"incident_id": incident, "occurred_at": pd.Timestamp(2025, 1, 1 + v),
                              "offence": "abh"})
            roles += [{"incident_id": incident, "person_id": f"S{n}", "role": "suspect", "relationship": "partner"},
                      {"incident_id": incident, "person_id": f"V{n}-{v}", "role": "victim"}]
    people = sorted({r["person_id"] for r in roles})
    persons = pd.DataFrame({
        "person_id": people, "sex": ["F" if p.startswith("V") else "M" for p in people],
        "date_of_birth": pd.NaT, "ethnicity": None,
        "postcode": [district_of[int(p[1:])] if p.startswith("S") else None for p in people],
    })
    tables = normalise_tables(incidents=pd.DataFrame(incidents), roles=pd.DataFrame(roles), persons=persons,
                              measures=pd.DataFrame(), breaches=pd.DataFrame(), referrals=pd.DataFrame())
    return ScoringContext(tables=tables, config=config, catalogue=catalogue, as_of=AS_OF)


def test_area_groups_are_the_largest_districts_of_the_pool_whoever_is_in_the_top(areas_context) -> None:
    small = fairness_report(areas_context, top_k=2, max_areas=2)
    large = fairness_report(areas_context, top_k=6, max_areas=2)
    for area in (small["area"], large["area"]):
        counts = area.set_index("group")["all_count"]
        assert counts.to_dict() == {"NE1": 4, "other districts": 4, "SR3": 3}
    # The top two live in TS1 and TS2: lumped with DH1, not shown because they are in the top
    other = small["area"].set_index("group").loc["other districts"]
    assert (other["top_count"], other["top_share"], other["all_share"]) == (2, 1.0, 4 / 11)
    assert small["area"].set_index("group").loc["NE1", "ratio"] == 0.0
    # top 6 = S10..S5: TS1, TS2, NE1, SR3, DH1, NE1
    assert large["area"].set_index("group")["top_count"].to_dict() == {"NE1": 2, "other districts": 3, "SR3": 1}
    for area in (small["area"], large["area"]):
        assert area["top_share"].sum() == pytest.approx(1.0) and area["all_share"].sum() == pytest.approx(1.0)


def test_the_number_of_areas_comes_from_the_config(areas_context) -> None:
    assert areas_context.config.fairness.areas == 10
    every = fairness_report(areas_context, top_k=3)["area"]
    assert set(every["group"]) == {"NE1", "SR3", "DH1", "TS1", "TS2"}
    fewer = replace(areas_context, config=areas_context.config.model_copy(update={"fairness": FairnessSettings(areas=1)}))
    assert set(fairness_report(fewer, top_k=3)["area"]["group"]) == {"NE1", "other districts"}
