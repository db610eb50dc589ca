"""Hand-computed RFGV scores on small forces, with a test catalogue of round weights.

The shipped bands read the classic way (``scoring.config.classic_banded``: steps, weights
R1 F1 G1 V1.5; graded points have their own tests in test_graded.py): recency <=28d 5, <=90 4, <=180 3, <=365 2, else 1; frequency 1/2/3/5/8 ->
1..5; gravity >=0.5/10/50/365/1460 -> 1..5; victims 1/2/3/4 -> 1/3/4/5; weights R1 F1 G1
V1.5, so the best possible total is 5+5+5+7.5 = 22.5 points = 100.
"""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from graph.embedded import EmbeddedStore
from ingest.load import ingest_folder
from scoring.catalogue import OffenceCatalogue, load_catalogue
from scoring.lists import PerpetratorList, VictimList, rank_perpetrators, rank_victims
from scoring.config import classic_banded
from scoring.context import ScoringContext
from scoring.victims import offenders_of

AS_OF = date(2026, 6, 30)
TEST_WEIGHTS = {
    "murder": 5475, "attempted_murder": 3650, "gbh_s18": 1460, "gbh_s20": 365, "abh": 10,
    "common_assault": 5, "strangulation": 180, "rape": 1825, "sexual_assault": 20, "stalking": 20,
    "harassment": 7, "controlling_coercive": 20, "threats_to_kill": 20, "criminal_damage": 3,
    "malicious_communications": 7, "breach_nmo": 10, "breach_restraining_order": 10,
    "breach_dvpo": 3, "breach_spo": 10, "breach_bail": 1, "da_non_crime": 0,
    "honour_based_abuse": 20, "forced_marriage": 20, "fgm": 1460, "rape_child_under_13": 2920,
    "sexual_assault_child_under_13": 180, "sexual_activity_with_child": 20, "indecent_images_children": 20,
    "intimate_image_abuse": 7, "breach_shpo": 10, "breach_sro": 10,
}


@pytest.fixture(scope="module")
def round_catalogue(tmp_path_factory: pytest.TempPathFactory) -> OffenceCatalogue:
    path = tmp_path_factory.mktemp("catalogue") / "catalogue.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["offence", "label", "harm_days", "violent", "sexual", "stalking_harassment",
                         "coercive_control", "breach", "non_crime", "source"])
        for key, days in TEST_WEIGHTS.items():
            writer.writerow([key, key.replace("_", " "), days, "false", "false", "false", "false",
                             str(key.startswith("breach")).lower(), str(key == "da_non_crime").lower(),
                             "test weight"])
    return load_catalogue(path)


def serial_force(force_factory):
    """S1 serial partner abuser, S2 one grave allegation, S3 repeat non-crime, S5 old history."""
    force = force_factory()
    for suspect in ("S1", "S2", "S3", "S4", "S5"):
        force.person(suspect, "Suspect", suspect, "M")
    for victim, sex in (("V1", "F"), ("V2", "F"), ("V3", "F"), ("V4", "F"), ("V5", "F"),
                        ("V6", "F"), ("V7", "M")):
        force.person(victim, "Victim", victim, sex)
    force.incident("A0", "2023-01-01", "abh", "S1", ("V1",))  # before the 3-year window
    force.incident("A1", "2024-01-15", "common_assault", "S1", ("V1",))
    force.incident("A2", "2025-03-01", "abh", "S1", ("V2",))
    force.incident("A3", "2026-06-18T23:10:00", "harassment", "S1", ("V3",), dash_risk="high")
    force.incident("A4", "2026-07-15", "rape", "S1", ("V3",))  # after the as-of date
    force.incident("B1", "2026-01-10", "rape", "S2", ("V4",), outcome="acquitted", relationship="acquaintance")
    for week in range(8):
        force.incident(f"C{week}", f"2026-05-{1 + 7 * week:02d}" if week < 5 else f"2026-06-{7 * week - 34:02d}",
                       "da_non_crime", "S3", ("V7",))
    force.incident("D1", "2022-01-01", "gbh_s18", "S4", ("V1",))  # only before the window
    force.incident("E1", "2024-02-01", "da_non_crime", "S5", ("V5",))
    force.incident("E2", "2024-03-01", "da_non_crime", "S5", ("V6",))
    return force


@pytest.fixture
def serial_context(tmp_path: Path, force_factory, round_catalogue, config):
    config = classic_banded(config)

    def build(as_of: date = AS_OF, **changes: object) -> ScoringContext:
        effective = config.model_copy(update=changes) if changes else config
        return ScoringContext(tables=tables, config=effective, catalogue=round_catalogue, as_of=as_of)

    folder = serial_force(force_factory).write(tmp_path / "force")
    with EmbeddedStore(tmp_path / "store.duckdb") as store:
        ingest_folder(folder, store, round_catalogue.keys)
        tables = store.scoring_tables()
    return build


def _by_surname(ranked: pd.DataFrame) -> pd.DataFrame:
    return ranked.assign(who=ranked["display_name"].str.split().str[-1]).set_index("who")


def test_serial_partner_abuser_scores_by_hand(serial_context) -> None:
    row = _by_surname(rank_perpetrators(serial_context())).loc["S1"]
    # 3 incidents in window (A0 too old, A4 in the future); harm 5 + 10 + 7*1.5 = 25.5
    assert (row["frequency"], row["gravity"], row["victims"], row["recency"]) == (3, 25.5, 3, 12)
    assert (row["recency_points"], row["frequency_points"], row["gravity_points"], row["victims_points"]) == (5, 3, 2, 4)
    assert row["score"] == round(100 * (5 + 3 + 2 + 4 * 1.5) / 22.5, 2) == 71.11
    assert row["last_incident"] == pd.Timestamp("2026-06-18 23:10:00")


def test_acquittal_halves_the_harm_of_a_grave_allegation(serial_context) -> None:
    row = _by_surname(rank_perpetrators(serial_context())).loc["S2"]
    assert row["gravity"] == 912.5  # rape 1825 days x 0.5 for acquittal
    assert (row["recency"], row["recency_points"], row["gravity_points"]) == (171, 3, 4)
    assert row["score"] == round(100 * (3 + 1 + 4 + 1.5) / 22.5, 2) == 42.22
    assert "1 acquitted" in row["reasons"]


def test_non_crime_incidents_count_for_frequency_but_carry_no_gravity(serial_context) -> None:
    row = _by_surname(rank_perpetrators(serial_context())).loc["S3"]
    assert (row["frequency"], row["gravity"], row["gravity_points"]) == (8, 0.0, 0)
    assert row["score"] == round(100 * (5 + 5 + 0 + 1.5) / 22.5, 2) == 51.11


def test_old_history_scores_low_and_history_outside_the_window_not_at_all(serial_context) -> None:
    ranked = _by_surname(rank_perpetrators(serial_context()))
    assert ranked.loc["S5", "score"] == round(100 * (1 + 2 + 0 + 3 * 1.5) / 22.5, 2) == 33.33
    assert "S4" not in ranked.index


def test_the_reason_sentence_reads_like_the_evidence(serial_context) -> None:
    reason = _by_surname(rank_perpetrators(serial_context())).loc["S1", "reasons"]
    assert reason.startswith("3 incidents against 3 victims (3 women or girls) over 2 years 5 months; ")
    assert "most serious: abh on 2025-03-01" in reason
    assert "last incident 12 days before the as-of date" in reason


def test_future_incidents_are_never_counted(serial_context) -> None:
    later = _by_surname(rank_perpetrators(serial_context(as_of=date(2026, 7, 31)))).loc["S1"]
    assert later["frequency"] == 4 and later["gravity"] >= 1825


def test_a_longer_window_brings_old_incidents_back(serial_context) -> None:
    ranked = _by_surname(rank_perpetrators(serial_context(lookback_years=5)))
    assert ranked.loc["S1", "frequency"] == 4
    assert "S4" in ranked.index


def test_the_two_offender_lists_differ(serial_context) -> None:
    overall = rank_perpetrators(serial_context(), PerpetratorList.OVERALL)
    different = rank_perpetrators(serial_context(), PerpetratorList.DIFFERENT_VICTIMS)
    surnames = lambda frame: frame["display_name"].str.split().str[-1].tolist()  # noqa: E731
    assert surnames(overall) == ["S1", "S3", "S2", "S5"]
    # ranked by distinct female victims first: S5 harmed two women, S2 one; S3's victim is male
    assert surnames(different) == ["S1", "S5", "S2"]
    assert different["victims"].tolist() == [3, 2, 1]
    assert overall["rank"].tolist() == [1, 2, 3, 4]


def victim_force(force_factory):
    """W1 harmed by three different offenders once each; W2 harmed five times by one."""
    force = force_factory()
    for person, sex in (("W1", "F"), ("W2", "F"), ("O1", "M"), ("O2", "M"), ("O3", "M"), ("O4", "M")):
        force.person(person, "Person", person, sex)
    force.incident("X1", "2025-01-01", "abh", "O1", ("W1",))
    force.incident("X2", "2025-06-01", "stalking", "O2", ("W1",), relationship="ex_partner")
    force.incident("X3", "2026-01-01", "harassment", "O3", ("W1",), relationship="stranger")
    for month in range(1, 6):
        force.incident(f"Y{month}", f"2026-0{month}-15", "common_assault", "O4", ("W2",))
    force.incident("Y9", "2026-06-01", "da_non_crime", "O4", ("W2",))
    return force


def test_the_two_victim_lists_differ(tmp_path: Path, force_factory, round_catalogue, config) -> None:
    folder = victim_force(force_factory).write(tmp_path / "force")
    with EmbeddedStore(tmp_path / "store.duckdb") as store:
        ingest_folder(folder, store, round_catalogue.keys)
        context = ScoringContext(store.scoring_tables(), config, round_catalogue, AS_OF)
    by_offences = rank_victims(context, VictimList.MOST_OFFENCES)
    by_offenders = rank_victims(context, VictimList.MOST_OFFENDERS)
    assert by_offences["display_name"].tolist() == ["Person W2", "Person W1"]
    assert by_offences[["offences", "offenders"]].values.tolist() == [[5, 1], [3, 3]]
    assert by_offenders["display_name"].tolist() == ["Person W1", "Person W2"]
    w1 = by_offenders.iloc[0]
    assert w1["reasons"].startswith("3 incidents (3 recorded offences) by 3 different offenders (2 partner or ex-partner)")
    # each victim's offenders are named with their own overall rank: the link inspectors missed
    assert "rank" in w1["reasons"] and "Person O2" in w1["reasons"]
    w2 = by_offences.iloc[0]
    assert w2["score"] == 25.0  # five common assaults of 5 days; the non-crime incident adds 0
    # One victim's offenders, with the distinct incidents each shares with her.
    shared = offenders_of(context, w2["person_id"])
    assert shared["shared_incidents"].tolist() == [6]  # five assaults and the non-crime incident
    assert offenders_of(context, by_offenders.iloc[0]["person_id"])["shared_incidents"].tolist() == [1, 1, 1]
    assert offenders_of(context, "P-nobody").empty


def test_flags_follow_referrals_and_measures_as_of_the_date(tmp_path: Path, force_factory,
                                                            round_catalogue, config) -> None:
    force = serial_force(force_factory)
    force.referrals.append({"referral_id": "F1", "record_id": "S1", "type": "matac", "date": "2026-02-01"})
    force.referrals.append({"referral_id": "F2", "record_id": "S2", "type": "mappa", "date": "2026-08-01"})
    force.measures.append({"measure_id": "M1", "type": "nmo", "subject_record_id": "S3",
                           "protected_record_id": "V7", "start_date": "2026-05-20",
                           "end_date": "2026-11-20", "breach_incident_ids": "C7"})
    folder = force.write(tmp_path / "force")
    with EmbeddedStore(tmp_path / "store.duckdb") as store:
        ingest_folder(folder, store, round_catalogue.keys)
        context = ScoringContext(store.scoring_tables(), config, round_catalogue, AS_OF)
    flags = _by_surname(rank_perpetrators(context))["flags"].str.split(";")
    assert "not_managed" not in flags["S1"]  # MATAC referral five months before
    assert "not_managed" in flags["S2"]  # the MAPPA referral is after the as-of date
    assert "no_protective_measure" not in flags["S3"] and "breach" in flags["S3"]
    assert "no_protective_measure" in flags["S1"] and "multiple_victims" in flags["S1"]
    assert "dash_high" in flags["S1"]
