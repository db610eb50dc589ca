"""Signals beyond RFGV on hand-built forces: each must fire where it should and not elsewhere."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from pydantic import ValidationError

from graph.embedded import EmbeddedStore
from ingest.load import ingest_folder
from scoring.catalogue import OffenceCatalogue, load_catalogue
from scoring.lists import rank_perpetrators
from scoring.perpetrators import ScoringContext
from scoring.signals import (SignalConfig, dvds_history, dvds_summary, escalation, measure_status,
                             potential_pdp, unrecognised)

AS_OF = date(2026, 6, 30)
TEST_WEIGHTS = {
    "murder": 5475, "attempted_murder": 3650, "gbh_s18": 1460, "gbh_s20": 365, "abh": 10,
    "common_assault": 5, "strangulation": 180, "rape": 1825, "sexual_assault": 20, "stalking": 20,
    "harassment": 7, "controlling_coercive": 20, "threats_to_kill": 20, "criminal_damage": 3,
    "malicious_communications": 7, "breach_nmo": 10, "breach_restraining_order": 10,
    "breach_dvpo": 3, "breach_spo": 10, "breach_bail": 1, "da_non_crime": 0,
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


@pytest.fixture
def build(tmp_path: Path, round_catalogue, config):
    """Ingest a Force; return (context, {record id: person id})."""

    def _build(force, as_of: date = AS_OF):
        folder = force.write(tmp_path / "force")
        with EmbeddedStore(tmp_path / "store.duckdb") as store:
            ingest_folder(folder, store, round_catalogue.keys)
            tables = store.scoring_tables()
        context = ScoringContext(tables, config, round_catalogue, as_of)
        ids = {name.split()[-1]: pid for pid, name in zip(tables.persons["person_id"], tables.persons["display_name"])}
        return context, ids

    return _build


def _people(force, *names: str, sex: str = "M") -> None:
    for name in names:
        force.person(name, "Person", name, sex)


def _row(frame: pd.DataFrame, person_id: str) -> pd.Series:
    rows = frame[frame["person_id"] == person_id]
    assert len(rows) == 1, f"expected one row for {person_id}"
    return rows.iloc[0]


# --- potential PDP -------------------------------------------------------------------------

def pdp_force(force_factory):
    force = force_factory()
    _people(force, "S1", "S2", "S3", "S4", "S5")
    _people(force, *(f"V{i}" for i in range(1, 11)), sex="F")
    # S1: charged against two different partners; the first charge is long before the window
    force.incident("A1", "2019-02-01", "abh", "S1", ("V1",), outcome="charged")
    force.incident("A2", "2025-05-01", "common_assault", "S1", ("V2",), relationship="ex_partner", outcome="charged")
    force.incident("A3", "2025-06-01", "harassment", "S1", ("V10",), relationship="stranger", outcome="charged")
    # S2: the same, but one of them ended in an ABH conviction (MAPPA-eligible)
    force.incident("B1", "2024-01-01", "common_assault", "S2", ("V3",), outcome="charged")
    force.incident("B2", "2025-01-01", "abh", "S2", ("V4",), outcome="convicted")
    # S3: two partners, but managed under MAPPA since March
    force.incident("C1", "2024-01-01", "common_assault", "S3", ("V5",), outcome="charged")
    force.incident("C2", "2025-01-01", "common_assault", "S3", ("V6",), outcome="charged")
    force.referrals.append({"referral_id": "R1", "record_id": "S3", "type": "mappa", "date": "2026-03-01"})
    # S4: two charges against the same partner
    force.incident("D1", "2024-01-01", "common_assault", "S4", ("V7",), outcome="charged")
    force.incident("D2", "2025-01-01", "abh", "S4", ("V7",), outcome="charged")
    # S5: two partners, but both cases closed as outcome 16 (allegations only)
    force.incident("E1", "2024-01-01", "common_assault", "S5", ("V8",), outcome="outcome_16")
    force.incident("E2", "2025-01-01", "common_assault", "S5", ("V9",), outcome="outcome_16")
    force.referrals.append({"referral_id": "R2", "record_id": "S5", "type": "mappa", "date": "2026-08-01"})
    return force


def test_pdp_fires_for_charges_against_two_different_partners(build, force_factory) -> None:
    context, ids = build(pdp_force(force_factory))
    result = potential_pdp(context)
    assert list(result.columns[:3]) == ["person_id", "pdp", "reason"]
    row = _row(result, ids["S1"])
    assert bool(row["pdp"]) and (row["occasions"], row["partners"]) == (2, 2)  # the stranger charge is not DA
    assert row["reason"].startswith("Potential PDP: charged with domestic abuse on 2 occasion(s) against 2 "
                                    "different partner(s) or ex-partner(s) in all history up to 2026-06-30")


def test_pdp_does_not_fire_after_a_mappa_eligible_conviction(build, force_factory) -> None:
    context, ids = build(pdp_force(force_factory))
    row = _row(potential_pdp(context), ids["S2"])
    assert not row["pdp"] and "convicted of a MAPPA-eligible offence (abh on 2025-01-01)" in row["reason"]


def test_pdp_does_not_fire_when_managed_under_mappa(build, force_factory) -> None:
    context, ids = build(pdp_force(force_factory))
    row = _row(potential_pdp(context), ids["S3"])
    assert not row["pdp"] and "managed under MAPPA (referral 2026-03-01)" in row["reason"]
    # the referral after the as-of date does not count, and an older referral lapses
    settings = SignalConfig(pdp={"mappa_current_days": 30})
    assert bool(_row(potential_pdp(context, settings), ids["S3"])["pdp"])


def test_pdp_does_not_fire_for_two_charges_against_the_same_partner(build, force_factory) -> None:
    context, ids = build(pdp_force(force_factory))
    row = _row(potential_pdp(context), ids["S4"])
    assert not row["pdp"] and (row["occasions"], row["partners"]) == (2, 1)
    assert "needs 2 against 2" in row["reason"]


def test_pdp_counts_allegations_only_when_configured(build, force_factory) -> None:
    context, ids = build(pdp_force(force_factory))
    assert not _row(potential_pdp(context), ids["S5"])["pdp"]
    loose = _row(potential_pdp(context, SignalConfig(pdp={"count_allegations": True})), ids["S5"])
    assert bool(loose["pdp"]) and loose["reason"].startswith("Potential PDP: reported as a suspect in")


def test_pdp_ignores_charges_after_the_as_of_date(build, force_factory) -> None:
    context, ids = build(pdp_force(force_factory), as_of=date(2025, 1, 31))
    assert not _row(potential_pdp(context), ids["S1"])["pdp"]  # A2 is later


def test_signal_config_is_strict_and_frozen() -> None:
    with pytest.raises(ValidationError):
        SignalConfig(pdp={"min_partner": 3})
    settings = SignalConfig()
    with pytest.raises(ValidationError):
        settings.pdp.min_partners = 3  # type: ignore[misc]
    assert settings.escalation.last_incidents == 5 and settings.unrecognised.top == 100


# --- escalation ----------------------------------------------------------------------------

def escalation_force(force_factory):
    force = force_factory()
    _people(force, "E1", "E2", "E3", "E4", "E5", "E6", "E7")
    _people(force, *(f"W{i}" for i in range(1, 12)), sex="F")
    # E1: 5 -> 10 -> 180 -> 365 harm days, gaps 181, 62, 19 days
    force.incident("A1", "2025-01-01", "common_assault", "E1", ("W1",))
    force.incident("A2", "2025-07-01", "abh", "E1", ("W1",))
    force.incident("A3", "2025-09-01", "strangulation", "E1", ("W1",))
    force.incident("A4", "2025-09-20", "gbh_s20", "E1", ("W1",))
    # E2: steady common assaults every 100 days against one partner
    for i, when in enumerate(("2025-01-01", "2025-04-11", "2025-07-20", "2025-10-28")):
        force.incident(f"B{i}", when, "common_assault", "E2", ("W2",))
    # E3: new partner five months after the last incident against the previous one
    force.incident("C1", "2025-01-01", "common_assault", "E3", ("W3",))
    force.incident("C2", "2025-06-01", "common_assault", "E3", ("W4",), relationship="ex_partner")
    # E4: new partner four years after the previous one
    force.incident("D1", "2021-01-01", "common_assault", "E4", ("W5",))
    force.incident("D2", "2025-01-01", "common_assault", "E4", ("W6",))
    # E5: harassment, then a breach of an NMO against the same woman
    force.incident("F1", "2025-01-01", "harassment", "E5", ("W7",))
    force.incident("F2", "2025-06-01", "breach_nmo", "E5", ("W7",))
    # E6: a recorded breach (no victim on the incident) of a measure protecting W8, after earlier abuse
    force.incident("G1", "2024-06-01", "common_assault", "E6", ("W8",))
    force.incident("G2", "2025-06-01", "criminal_damage", "E6")
    force.measures.append({"measure_id": "M1", "type": "nmo", "subject_record_id": "E6",
                           "protected_record_id": "W8", "start_date": "2024-07-01",
                           "end_date": "2025-07-01", "breach_incident_ids": "G2"})
    # E7: a first breach against a woman he had not otherwise harmed
    force.incident("H1", "2024-01-01", "common_assault", "E7", ("W9",), relationship="acquaintance")
    force.incident("H2", "2025-06-01", "breach_nmo", "E7", ("W10",), relationship="acquaintance")
    return force


def test_rising_gravity_and_shortening_intervals(build, force_factory) -> None:
    context, ids = build(escalation_force(force_factory))
    result = escalation(context)
    assert list(result.columns) == ["person_id", "escalating", "gravity_rising", "intervals_shortening",
                                    "new_partner_soon", "breach_course_of_conduct", "reason"]
    row = _row(result, ids["E1"])
    assert row["escalating"] and row["gravity_rising"] and row["intervals_shortening"]
    assert not row["new_partner_soon"] and not row["breach_course_of_conduct"]
    assert "gravity rising over the last 4 incidents (harm 5.0 to 365.0 days" in row["reason"]
    assert "intervals shortening (median gap 181 days, then 19 days)" in row["reason"]


def test_steady_pattern_is_not_escalation(build, force_factory) -> None:
    context, ids = build(escalation_force(force_factory))
    row = _row(escalation(context), ids["E2"])
    assert not row["escalating"]
    assert row["reason"] == "No sign of escalation over the last 4 incident(s)"


def test_only_the_last_k_incidents_count(build, force_factory) -> None:
    context, ids = build(escalation_force(force_factory))
    # the last two of E1's incidents alone are too few for a trend
    row = _row(escalation(context, SignalConfig(escalation={"last_incidents": 2})), ids["E1"])
    assert not row["gravity_rising"] and not row["intervals_shortening"]


def test_new_partner_soon_after_the_previous_one(build, force_factory) -> None:
    context, ids = build(escalation_force(force_factory))
    result = escalation(context)
    soon = _row(result, ids["E3"])
    assert soon["new_partner_soon"] and soon["escalating"]
    assert f"new partner {ids['W4']} victimised 5 month(s) after the last incident against previous " \
           f"partner {ids['W3']}" in soon["reason"]
    assert not _row(result, ids["E4"])["new_partner_soon"]
    shorter = SignalConfig(escalation={"new_partner_months": 3})
    assert not _row(escalation(context, shorter), ids["E3"])["new_partner_soon"]


def test_breach_after_earlier_abuse_is_a_course_of_conduct(build, force_factory) -> None:
    context, ids = build(escalation_force(force_factory))
    result = escalation(context)
    offence = _row(result, ids["E5"])
    assert offence["breach_course_of_conduct"] and offence["escalating"]
    assert "possible stalking, harassment or coercive control course of conduct" in offence["reason"]
    recorded = _row(result, ids["E6"])  # the breach is known only from the measures table
    assert recorded["breach_course_of_conduct"] and f"against {ids['W8']}" in recorded["reason"]
    assert not _row(result, ids["E7"])["breach_course_of_conduct"]


# --- measures ------------------------------------------------------------------------------

def measures_force(force_factory):
    force = force_factory()
    _people(force, "M1", "M2", "M3", "M4", "M5")
    _people(force, "P1", "P2", sex="F")
    force.incident("I1", "2026-01-01", "abh", "M1", ("P1",))
    force.incident("I2", "2026-03-01", "breach_nmo", "M1", ("P1",), outcome="nfa")
    force.incident("I3", "2026-04-01", "breach_nmo", "M1", ("P1",), outcome="charged")
    force.incident("I4", "2026-07-15", "breach_nmo", "M1", ("P1",))  # after the as-of date
    measure = lambda mid, kind, subject, start, end="", protected="", breaches="": force.measures.append(  # noqa: E731
        {"measure_id": mid, "type": kind, "subject_record_id": subject, "protected_record_id": protected,
         "start_date": start, "end_date": end, "breach_incident_ids": breaches})
    measure("N1", "nmo", "M1", "2026-01-15", "2026-12-01", "P1", "I2;I3")
    measure("N0", "dvpo", "M1", "2025-01-01", "2025-01-29", "P1")  # expired
    measure("B1", "pre_charge_bail", "M2", "2026-06-01", "2026-07-05")
    measure("B2", "pre_charge_bail", "M3", "2026-06-01", "2026-09-01")
    measure("U1", "rui", "M4", "2026-05-01")
    measure("U2", "rui", "M5", "2026-05-01")
    measure("D1", "dvpo", "M5", "2026-06-20", "2026-07-18", "P2")
    return force


def test_active_measures_and_uncharged_breaches(build, force_factory) -> None:
    context, ids = build(measures_force(force_factory))
    result = measure_status(context)
    assert list(result.columns) == ["person_id", "active_measures", "breaches_not_charged", "bail_lapsing",
                                    "rui_without_conditions", "reason"]
    row = _row(result, ids["M1"])
    assert row["active_measures"] == f"nmo protecting {ids['P1']} until 2026-12-01"
    assert row["breaches_not_charged"] == 1  # I2 (nfa); I3 was charged; I4 is in the future
    assert not row["bail_lapsing"] and not row["rui_without_conditions"]
    assert row["reason"] == f"Active: nmo protecting {ids['P1']} until 2026-12-01; 1 breach(es) not charged"


def test_pre_charge_bail_about_to_lapse(build, force_factory) -> None:
    context, ids = build(measures_force(force_factory))
    result = measure_status(context)
    lapsing = _row(result, ids["M2"])
    assert lapsing["bail_lapsing"] and "pre-charge bail lapses on 2026-07-05" in lapsing["reason"]
    assert not _row(result, ids["M3"])["bail_lapsing"]
    assert not _row(measure_status(context, SignalConfig(measures={"bail_lapsing_days": 3})), ids["M2"])["bail_lapsing"]


def test_released_under_investigation_without_conditions(build, force_factory) -> None:
    context, ids = build(measures_force(force_factory))
    result = measure_status(context)
    bare = _row(result, ids["M4"])
    assert bare["rui_without_conditions"] and bare["active_measures"] == "rui (no end date)"
    assert "released under investigation with no protective conditions" in bare["reason"]
    assert not _row(result, ids["M5"])["rui_without_conditions"]  # a DVPO is in force


# --- unrecognised --------------------------------------------------------------------------

def test_unrecognised_top_offenders(build, force_factory) -> None:
    force = force_factory()
    _people(force, "U1", "U2", "U3")
    _people(force, "X1", "X2", "X3", "X4", sex="F")
    for i, victim in enumerate(("X1", "X2", "X3")):
        force.incident(f"A{i}", f"2026-0{i + 3}-01", "abh", "U1", (victim,))
    force.incident("B1", "2026-05-01", "abh", "U2", ("X4",))
    force.incident("C1", "2024-01-01", "common_assault", "U3", ("X4",))
    force.referrals.append({"referral_id": "R1", "record_id": "U2", "type": "daily_briefing", "date": "2026-06-01"})
    force.referrals.append({"referral_id": "R2", "record_id": "U3", "type": "iom", "date": "2026-01-01"})
    context, ids = build(force)
    ranked = rank_perpetrators(context)
    result = unrecognised(context, ranked)
    assert list(result.columns) == ["person_id", "unrecognised", "reason"]
    top = _row(result, ids["U1"])
    assert top["unrecognised"] and top["reason"].startswith("Unrecognised: rank 1 in the top 100")
    briefed = _row(result, ids["U2"])
    assert not briefed["unrecognised"] and briefed["reason"].endswith("on the daily briefing")
    assert not _row(result, ids["U3"])["unrecognised"]
    only_top = unrecognised(context, ranked.iloc[::-1], SignalConfig(unrecognised={"top": 1}))
    assert only_top["unrecognised"].sum() == 1


def test_unrecognised_outside_the_top_is_not_flagged(build, force_factory) -> None:
    force = force_factory()
    _people(force, "U1", "U2")
    _people(force, "X1", sex="F")
    force.incident("A1", "2026-06-01", "gbh_s18", "U1", ("X1",))
    force.incident("B1", "2024-01-01", "common_assault", "U2", ("X1",))
    context, ids = build(force)
    result = unrecognised(context, rank_perpetrators(context), SignalConfig(unrecognised={"top": 1}))
    row = _row(result, ids["U2"])
    assert not row["unrecognised"] and row["reason"] == "rank 2, outside the top 1"


# --- DVDS ----------------------------------------------------------------------------------

def test_dvds_history_and_summary(build, force_factory) -> None:
    force = force_factory()
    _people(force, "D1", "D2")
    _people(force, "Y1", "Y2", "Y3", sex="F")
    force.incident("K1", "2021-03-01", "abh", "D1", ("Y1",), outcome="convicted")
    force.incident("K2", "2023-05-01", "harassment", "D1", ("Y2",), relationship="ex_partner", outcome="charged")
    force.incident("K3", "2025-02-01", "common_assault", "D1", ("Y2",), relationship="ex_partner",
                   outcome="outcome_16", domestic_abuse="true")
    force.incident("K4", "2025-03-01", "criminal_damage", "D1", ("Y3",), relationship="stranger")
    force.incident("K5", "2026-08-01", "abh", "D1", ("Y3",))  # after the as-of date
    context, ids = build(force)
    found = dvds_history(context, ids["D1"])
    assert found["incident_id"].tolist() == ["K1", "K2", "K3"]
    assert found["victim_name"].tolist() == ["Person Y1", "Person Y2", "Person Y2"]
    assert found["label"].tolist() == ["abh", "harassment", "common assault"]
    assert found["relationship"].tolist() == ["partner", "ex_partner", "ex_partner"]
    assert found["outcome"].tolist() == ["convicted", "charged", "outcome_16"]
    assert dvds_summary(context, ids["D1"]) == (
        "3 incidents against 2 partners or ex-partners between 2021 and 2025; "
        "1 conviction, 1 further charge or caution")
    assert dvds_summary(context, ids["D2"]).startswith("No recorded incidents against partners")
    assert dvds_history(context, ids["D2"]).empty


def test_signals_cope_with_a_tiny_force_without_measures_or_referrals(build, force_factory) -> None:
    force = force_factory()
    _people(force, "T1")
    force.incident("Z1", "2026-01-01", "criminal_damage", "T1")  # no victim recorded
    context, ids = build(force)
    assert not potential_pdp(context)["pdp"].any()
    assert not escalation(context)["escalating"].any()
    status = _row(measure_status(context), ids["T1"])
    assert status["reason"] == "No active measures" and status["breaches_not_charged"] == 0
    assert bool(unrecognised(context, rank_perpetrators(context))["unrecognised"].all())
    nobody = ScoringContext(context.tables, context.config, context.catalogue, date(2020, 1, 1))
    for frame in (potential_pdp(nobody), escalation(nobody), unrecognised(nobody, rank_perpetrators(nobody))):
        assert frame.empty
    assert measure_status(nobody).empty
