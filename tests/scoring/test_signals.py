"""Signals beyond RFGV on hand-built forces: each must fire where it should and not elsewhere."""

from __future__ import annotations

import csv
from dataclasses import replace
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from pydantic import ValidationError

from graph.embedded import EmbeddedStore
from ingest.load import ingest_folder
from scoring.catalogue import OffenceCatalogue, load_catalogue
from scoring.explain import explain_person
from scoring.lists import PERPETRATOR_COLUMNS, rank_perpetrators
from scoring.context import ScoringContext
from scoring.prepared import Prepared
from scoring.signals.dvds import dvds_history, dvds_summary
from scoring.signals.escalating import escalation
from scoring.signals.measures import measure_status
from scoring.signals.pdp import potential_pdp
from scoring.signals.recognition import unrecognised
from scoring.signals.settings import SignalConfig

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


def _everyone(signal, context: ScoringContext, settings: SignalConfig | None = None) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    """``signal`` (potential_pdp, escalation or measure_status) for everyone, by person id."""
    prepared = Prepared(context)
    return prepared.decode(signal(prepared, settings=settings))


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
    result = _everyone(potential_pdp, context)
    assert list(result.columns[:3]) == ["person_id", "pdp", "reason"]
    row = _row(result, ids["S1"])
    assert bool(row["pdp"]) and (row["occasions"], row["partners"]) == (2, 2)  # the stranger charge is not DA
    assert row["reason"].startswith("Potential PDP: domestic abuse with an outcome of charge, conviction or "
                                    "caution on 2 occasion(s) (2 charges) against 2 different partner(s) or "
                                    "ex-partner(s) in all history up to 2026-06-30")


def test_a_violent_conviction_without_a_sentence_is_not_read_as_mappa_eligibility(build, force_factory) -> None:
    context, ids = build(pdp_force(force_factory))
    row = _row(_everyone(potential_pdp, context), ids["S2"])
    # ABH brings MAPPA (category 2) only with 12 months' custody, and this extract records no sentence
    assert bool(row["pdp"])
    assert row["reason"].endswith("; convicted of abh on 2025-01-01, which brings MAPPA only with 12 months' "
                                  "custody or more, and the sentence is not recorded: check it")


NEEDS = "a sentence that does not bring MAPPA (it needs 12 months' custody or more)"


@pytest.mark.parametrize(("sentence", "months", "eligible", "said"), [
    ("custody", "18", True, "sentenced: custody for 18 months"),
    ("custody", "12", True, "sentenced: custody for 12 months"),
    ("custody", "11.5", False, "sentenced: custody for 11.5 months, " + NEEDS),
    ("community", "", False, "sentenced: community, " + NEEDS),
    ("suspended", "18", False, "sentenced: suspended for 18 months, " + NEEDS),
    ("custody", "", False, "sentenced: custody, which brings MAPPA only with 12 months' custody or more, "
                           "and its length is not recorded: check it"),
])
def test_a_recorded_sentence_decides_whether_a_violent_conviction_brings_mappa(
        build, force_factory, sentence: str, months: str, eligible: bool, said: str) -> None:
    force = pdp_force(force_factory)
    abh = next(i for i in force.incidents if i["incident_id"] == "B2")
    abh.update(sentence=sentence, sentence_months=months)
    context, ids = build(force)
    row = _row(_everyone(potential_pdp, context), ids["S2"])
    assert bool(row["pdp"]) is not eligible
    if eligible:
        assert row["reason"].endswith(f"but convicted of a MAPPA-eligible offence (abh on 2025-01-01, {said})")
    else:
        assert row["reason"].endswith(f"; convicted of abh on 2025-01-01, {said}")
    # A force that counts suspended sentences as custody says so in its config.
    counted = SignalConfig(pdp={"mappa_custody_sentences": ["custody", "suspended"]})
    if sentence == "suspended":
        assert not _row(_everyone(potential_pdp, context, counted), ids["S2"])["pdp"]


@pytest.mark.parametrize("offence", ["rape", "sexual_activity_with_child"])
def test_a_conviction_for_a_vawg_offence_against_a_child_is_mappa_eligible(build, force_factory, offence: str) -> None:
    force = force_factory()
    for record, sex in (("S", "M"), ("V1", "F"), ("V2", "F"), ("D", "F")):
        force.person(record, "Test", record, sex)
    force.incident("A1", "2024-01-01", "common_assault", "S", ("V1",), outcome="charged")
    force.incident("A2", "2025-01-01", "common_assault", "S", ("V2",), outcome="charged")
    force.incident("A3", "2025-03-01", offence, "S", ("D",), relationship="parent", outcome="convicted")
    context, ids = build(force)
    row = _row(_everyone(potential_pdp, context), ids["S"])
    label = offence.replace("_", " ")  # the test catalogue labels each key so
    assert not row["pdp"] and f"convicted of a MAPPA-eligible offence ({label} on 2025-03-01)" in row["reason"]


def test_pdp_does_not_fire_when_managed_under_mappa(build, force_factory) -> None:
    context, ids = build(pdp_force(force_factory))
    row = _row(_everyone(potential_pdp, context), ids["S3"])
    assert not row["pdp"] and "managed under MAPPA (referral 2026-03-01)" in row["reason"]
    # the referral after the as-of date does not count, and an older referral lapses
    settings = SignalConfig(pdp={"mappa_current_days": 30})
    assert bool(_row(_everyone(potential_pdp, context, settings), ids["S3"])["pdp"])


def test_pdp_does_not_fire_for_two_charges_against_the_same_partner(build, force_factory) -> None:
    context, ids = build(pdp_force(force_factory))
    row = _row(_everyone(potential_pdp, context), ids["S4"])
    assert not row["pdp"] and (row["occasions"], row["partners"]) == (2, 1)
    assert "needs 2 against 2" in row["reason"]


def test_pdp_counts_allegations_only_when_configured(build, force_factory) -> None:
    context, ids = build(pdp_force(force_factory))
    assert not _row(_everyone(potential_pdp, context), ids["S5"])["pdp"]
    loose = _row(_everyone(potential_pdp, context, SignalConfig(pdp={"count_allegations": True})), ids["S5"])
    assert bool(loose["pdp"]) and loose["reason"].startswith("Potential PDP: reported as a suspect in")


def test_pdp_ignores_charges_after_the_as_of_date(build, force_factory) -> None:
    context, ids = build(pdp_force(force_factory), as_of=date(2025, 1, 31))
    assert not _row(_everyone(potential_pdp, context), ids["S1"])["pdp"]  # A2 is later


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
    result = _everyone(escalation, context)
    assert list(result.columns) == ["person_id", "escalating", "gravity_rising", "intervals_shortening",
                                    "new_partner_soon", "breach_course_of_conduct", "reason"]
    row = _row(result, ids["E1"])
    assert row["escalating"] and row["gravity_rising"] and row["intervals_shortening"]
    assert not row["new_partner_soon"] and not row["breach_course_of_conduct"]
    assert "gravity rising over the last 4 incidents (harm 5.0 to 365.0 days" in row["reason"]
    assert "intervals shortening (median gap 181 days, then 19 days)" in row["reason"]


def test_steady_pattern_is_not_escalation(build, force_factory) -> None:
    context, ids = build(escalation_force(force_factory))
    row = _row(_everyone(escalation, context), ids["E2"])
    assert not row["escalating"]
    assert row["reason"] == "No sign of escalation over the last 4 incident(s)"


def test_only_the_last_k_incidents_count(build, force_factory) -> None:
    context, ids = build(escalation_force(force_factory))
    # the last two of E1's incidents alone are too few for a trend
    row = _row(_everyone(escalation, context, SignalConfig(escalation={"last_incidents": 2})), ids["E1"])
    assert not row["gravity_rising"] and not row["intervals_shortening"]


def test_new_partner_soon_after_the_previous_one(build, force_factory) -> None:
    context, ids = build(escalation_force(force_factory))
    result = _everyone(escalation, context)
    soon = _row(result, ids["E3"])
    assert soon["new_partner_soon"] and soon["escalating"]
    assert "new partner Person W4 victimised 5 month(s) after the last incident against previous " \
           "partner Person W3" in soon["reason"]
    assert not _row(result, ids["E4"])["new_partner_soon"]
    shorter = SignalConfig(escalation={"new_partner_months": 3})
    assert not _row(_everyone(escalation, context, shorter), ids["E3"])["new_partner_soon"]


def partner_force(force_factory):
    force = force_factory()
    _people(force, "Q1", "Q2", "O1", "O2")
    _people(force, *(f"K{i}" for i in range(1, 10)), sex="F")
    # Q1: K1 in January and February, new partner K2 nine months after the last of those
    force.incident("Q1a", "2025-01-01", "common_assault", "Q1", ("K1",))
    force.incident("Q1b", "2025-02-01", "common_assault", "Q1", ("K1",))
    force.incident("Q1c", "2025-11-01", "common_assault", "Q1", ("K2",))
    # Q2: new partner K4 thirteen months after the last incident against K3
    force.incident("Q2a", "2024-01-01", "common_assault", "Q2", ("K3",))
    force.incident("Q2b", "2025-02-01", "common_assault", "Q2", ("K4",))
    # O1: K5 abused from January to August; K6 first abused in March, during it
    force.incident("O1a", "2025-01-01", "common_assault", "O1", ("K5",))
    force.incident("O1b", "2025-03-01", "common_assault", "O1", ("K6",))
    force.incident("O1c", "2025-05-01", "common_assault", "O1", ("K6",))
    force.incident("O1d", "2025-08-01", "common_assault", "O1", ("K5",), relationship="ex_partner")
    # O2: K7 January to December; K8 in February and March; K9 in June, while K7's abuse goes on
    force.incident("O2a", "2024-01-01", "common_assault", "O2", ("K7",))
    force.incident("O2b", "2024-02-01", "common_assault", "O2", ("K8",))
    force.incident("O2c", "2024-03-01", "common_assault", "O2", ("K8",))
    force.incident("O2d", "2024-06-01", "common_assault", "O2", ("K9",))
    force.incident("O2e", "2024-12-01", "common_assault", "O2", ("K7",))
    return force


def test_new_partner_within_n_months_of_the_previous_partners_last_incident(build, force_factory) -> None:
    context, ids = build(partner_force(force_factory))
    row = _row(_everyone(escalation, context), ids["Q1"])
    assert row["new_partner_soon"] and row["escalating"]
    assert ("new partner Person K2 victimised 9 month(s) after the last incident against previous "
            "partner Person K1") in row["reason"]


def test_new_partner_beyond_n_months_is_not_soon(build, force_factory) -> None:
    context, ids = build(partner_force(force_factory))
    assert not _row(_everyone(escalation, context), ids["Q2"])["new_partner_soon"]  # 13 months > 12
    longer = SignalConfig(escalation={"new_partner_months": 14})
    assert _row(_everyone(escalation, context, longer), ids["Q2"])["new_partner_soon"]


def test_two_partners_abused_at_the_same_time_is_said_so_not_months_after(build, force_factory) -> None:
    context, ids = build(partner_force(force_factory))
    result = _everyone(escalation, context)
    row = _row(result, ids["O1"])
    assert row["new_partner_soon"] and row["escalating"]
    assert ("abused two partners at the same time: first incident against Person K6 on 2025-03-01, "
            "while incidents against Person K5 ran from 2025-01-01 to 2025-08-01") in row["reason"]
    assert "month(s) after" not in row["reason"] and "new partner" not in row["reason"]
    # K9 started during K7's abuse, not three months after K8's: the comparison is with every
    # earlier partner, not only the one whose abuse began last
    nested = _row(result, ids["O2"])
    assert ("first incident against Person K9 on 2024-06-01, while incidents against Person K7 "
            f"ran from 2024-01-01 to 2024-12-01") in nested["reason"]
    assert "month(s) after" not in nested["reason"]
    sequential_only = SignalConfig(escalation={"count_overlapping_partners": False})
    strict = _everyone(escalation, context, sequential_only)
    assert not _row(strict, ids["O1"])["new_partner_soon"]
    assert _row(strict, ids["Q1"])["new_partner_soon"]


def gravity_force(force_factory):
    force = force_factory()
    _people(force, "G1", "G2")
    _people(force, "H1", "H2", sex="F")
    # G1: four common assaults 100 days apart and one GBH s18 (1,460 harm days) as the fourth
    offences = ("common_assault", "common_assault", "common_assault", "gbh_s18", "common_assault")
    for i, (when, offence) in enumerate(zip(("2025-01-01", "2025-04-11", "2025-07-20", "2025-10-28",
                                             "2026-02-05"), offences)):
        force.incident(f"GA{i}", when, offence, "G1", ("H1",))
    # G2: 5 -> 10 -> 20 harm days a year apart; pairwise slopes 5.0, 10.0 and 7.5 a year
    for i, (when, offence) in enumerate(zip(("2023-07-01", "2024-06-30", "2025-06-30"),
                                            ("common_assault", "abh", "sexual_assault"))):
        force.incident(f"GB{i}", when, offence, "G2", ("H2",))
    return force


def test_one_extreme_incident_in_a_flat_series_is_not_rising_gravity(build, force_factory) -> None:
    context, ids = build(gravity_force(force_factory))
    row = _row(_everyone(escalation, context), ids["G1"])
    # Theil-Sen: of the ten pairwise slopes, six are 0, three rise to the GBH and one falls
    # from it, so the median is 0 (a least-squares line would rise)
    assert not row["gravity_rising"] and not row["escalating"]
    assert row["reason"] == "No sign of escalation over the last 5 incident(s)"


def test_gravity_slope_must_exceed_the_threshold(build, force_factory) -> None:
    context, ids = build(gravity_force(force_factory))
    row = _row(_everyone(escalation, context), ids["G2"])
    assert row["gravity_rising"] and "trend +7.5 harm days a year" in row["reason"]
    assert _row(_everyone(escalation, context, SignalConfig(escalation={"min_gravity_slope_per_year": 7})),
                ids["G2"])["gravity_rising"]
    assert not _row(_everyone(escalation, context, SignalConfig(escalation={"min_gravity_slope_per_year": 8})),
                    ids["G2"])["gravity_rising"]


def trend_force(force_factory):
    force = force_factory()
    _people(force, "T1", "T2", "T3")
    _people(force, "Y1", "Y2", "Y3", sex="F")
    # T1: harm 10 -> 1 -> 20 -> 20 -> 10 a day apart: ends where it began
    for i, offence in enumerate(("abh", "breach_bail", "sexual_assault", "sexual_assault", "abh")):
        force.incident(f"TA{i}", f"2025-01-0{i + 1}", offence, "T1", ("Y1",))
    # T2: harm 7 -> 10 -> 10 -> 20 on four days, then 1 three months later: ends lower
    for i, (when, offence) in enumerate(zip(("2025-02-01", "2025-02-02", "2025-02-03", "2025-02-04", "2025-05-12"),
                                            ("harassment", "abh", "abh", "sexual_assault", "breach_bail"))):
        force.incident(f"TB{i}", when, offence, "T2", ("Y2",))
    # T3: harm 3 -> 5 -> 10 -> 20 a month apart: rising
    for i, offence in enumerate(("criminal_damage", "common_assault", "abh", "sexual_assault")):
        force.incident(f"TC{i}", f"2025-0{i + 1}-15", offence, "T3", ("Y3",))
    return force


def _theil_sen_per_year(harm: list[float], days: list[float]) -> float:
    """The median pairwise slope alone, as a check that a series is one a trend would misread."""
    slopes = [(harm[j] - harm[i]) / (days[j] - days[i]) * 365.25
              for i in range(len(harm)) for j in range(i + 1, len(harm)) if days[j] > days[i]]
    return float(pd.Series(slopes).median())


def test_gravity_is_rising_only_when_the_harm_rises(build, force_factory) -> None:
    context, ids = build(trend_force(force_factory))
    result = _everyone(escalation, context)
    # flat (10 to 10) and falling (7 to 1) series whose pairwise-slope trend alone is positive
    assert _theil_sen_per_year([10, 1, 20, 20, 10], [0, 1, 2, 3, 4]) > 0
    assert _theil_sen_per_year([7, 10, 10, 20, 1], [0, 1, 2, 3, 100]) > 0
    for name in ("T1", "T2"):
        row = _row(result, ids[name])
        assert not row["gravity_rising"], name
        assert "gravity rising" not in row["reason"], name
    rising = _row(result, ids["T3"])
    assert rising["gravity_rising"]
    assert "gravity rising over the last 4 incidents (harm 3.0 to 20.0 days" in rising["reason"]


def test_pdp_names_each_outcome_as_recorded(build, force_factory) -> None:
    force = force_factory()
    _people(force, "C1")
    _people(force, "L1", "L2", "L3", sex="F")
    force.incident("K1", "2024-01-01", "common_assault", "C1", ("L1",), outcome="caution")
    force.incident("K2", "2025-01-01", "common_assault", "C1", ("L2",), outcome="charged")
    force.incident("K3", "2025-03-01", "harassment", "C1", ("L3",), outcome="convicted")
    context, ids = build(force)
    row = _row(_everyone(potential_pdp, context), ids["C1"])
    assert bool(row["pdp"]) and row["occasions"] == 3
    assert "on 3 occasion(s) (1 charge, 1 caution, 1 conviction) against 3 different partner(s)" in row["reason"]
    assert "charged with" not in row["reason"]


def test_breaches_of_bail_or_a_dvpn_are_not_counted_as_uncharged(build, force_factory) -> None:
    force = force_factory()
    _people(force, "B1", "B2")
    _people(force, "Z1", "Z2", sex="F")
    measure = lambda mid, kind, subject, start, end="", protected="", breaches="": force.measures.append(  # noqa: E731
        {"measure_id": mid, "type": kind, "subject_record_id": subject, "protected_record_id": protected,
         "start_date": start, "end_date": end, "breach_incident_ids": breaches})
    # B1: broke his bail conditions (a breach_bail record) and a DVPN (recorded on a criminal
    # damage incident), neither charged: neither is an offence in itself
    force.incident("Q1", "2026-01-01", "abh", "B1", ("Z1",))
    force.incident("Q2", "2026-01-10", "breach_bail", "B1", ("Z1",), outcome="nfa")
    force.incident("Q3", "2026-02-10", "criminal_damage", "B1", ("Z1",), outcome="nfa")
    measure("BB", "pre_charge_bail", "B1", "2026-01-02", "2026-03-01", breaches="Q2")
    measure("DN", "dvpn", "B1", "2026-02-01", "2026-02-03", "Z1", "Q3")
    # B2: breached a non-molestation order (an offence), no further action
    force.incident("Q4", "2026-01-01", "abh", "B2", ("Z2",))
    force.incident("Q5", "2026-02-01", "criminal_damage", "B2", ("Z2",), outcome="nfa")
    measure("NM", "nmo", "B2", "2026-01-05", "2026-12-01", "Z2", "Q5")
    context, ids = build(force)
    status = _everyone(measure_status, context)
    bail = _row(status, ids["B1"])
    assert (bail["breaches_not_charged"], bail["breaches_not_offences"]) == (0, 2)
    assert ("breaches that are not offences (no charge possible): 1 of a DVPN, 1 of pre-charge bail"
            in bail["reason"])
    order = _row(status, ids["B2"])
    assert (order["breaches_not_charged"], order["breaches_not_offences"]) == (1, 0)
    ranked = rank_perpetrators(context)
    assert "breach_not_charged" not in _flags(ranked, ids["B1"])
    assert "breach_not_charged" in _flags(ranked, ids["B2"])
    said = explain_person(context, ids["B1"]).flag_reasons.set_index("flag")["reason"]
    assert said["breach"] == "2 breach(es) in the window: 1 of a DVPN, 1 of pre-charge bail"


def test_breach_after_earlier_abuse_is_a_course_of_conduct(build, force_factory) -> None:
    context, ids = build(escalation_force(force_factory))
    result = _everyone(escalation, context)
    offence = _row(result, ids["E5"])
    assert offence["breach_course_of_conduct"] and offence["escalating"]
    assert "possible stalking, harassment or coercive control course of conduct" in offence["reason"]
    recorded = _row(result, ids["E6"])  # the breach is known only from the measures table
    assert recorded["breach_course_of_conduct"] and "against Person W8" in recorded["reason"]
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
    result = _everyone(measure_status, context)
    assert list(result.columns) == ["person_id", "active_measures", "breaches_not_charged", "breaches_not_offences",
                                    "bail_lapsing", "bail_lapses_on", "rui_without_conditions", "reason"]
    row = _row(result, ids["M1"])
    assert row["active_measures"] == "nmo protecting Person P1 until 2026-12-01"
    assert row["breaches_not_charged"] == 1  # I2 (nfa); I3 was charged; I4 is in the future
    assert not row["bail_lapsing"] and not row["rui_without_conditions"]
    assert row["reason"] == "Active: nmo protecting Person P1 until 2026-12-01; 1 breach(es) not charged"


def test_pre_charge_bail_about_to_lapse(build, force_factory) -> None:
    context, ids = build(measures_force(force_factory))
    result = _everyone(measure_status, context)
    lapsing = _row(result, ids["M2"])
    assert lapsing["bail_lapsing"] and "pre-charge bail lapses on 2026-07-05" in lapsing["reason"]
    assert lapsing["bail_lapses_on"] == pd.Timestamp(2026, 7, 5)
    assert not _row(result, ids["M3"])["bail_lapsing"] and pd.isna(_row(result, ids["M3"])["bail_lapses_on"])
    shorter = SignalConfig(measures={"bail_lapsing_days": 3})
    assert not _row(_everyone(measure_status, context, shorter), ids["M2"])["bail_lapsing"]


def test_released_under_investigation_without_conditions(build, force_factory) -> None:
    context, ids = build(measures_force(force_factory))
    result = _everyone(measure_status, context)
    bare = _row(result, ids["M4"])
    assert bare["rui_without_conditions"] and bare["active_measures"] == "rui (no end date)"
    assert "released under investigation with no protective conditions" in bare["reason"]
    assert not _row(result, ids["M5"])["rui_without_conditions"]  # a DVPO is in force


def gaps_force(force_factory):
    force = force_factory()
    _people(force, "G1", "G2", "G3", "G4", "G5", "G6", "G7")
    _people(force, *(f"R{i}" for i in range(1, 10)), sex="F")
    measure = lambda mid, kind, subject, start, end="", protected="", breaches="": force.measures.append(  # noqa: E731
        {"measure_id": mid, "type": kind, "subject_record_id": subject, "protected_record_id": protected,
         "start_date": start, "end_date": end, "breach_incident_ids": breaches})
    # G4 ranks first: two GBHs against two women this month, released under investigation only
    force.incident("J1", "2026-06-10", "gbh_s18", "G4", ("R4",))
    force.incident("J2", "2026-06-20", "gbh_s18", "G4", ("R9",))
    measure("U1", "rui", "G4", "2026-06-21")
    # G1: an NMO in force, breached in March (no further action) and in April (charged)
    force.incident("J3", "2026-01-01", "abh", "G1", ("R1",))
    force.incident("J4", "2026-03-01", "breach_nmo", "G1", ("R1",), outcome="nfa")
    force.incident("J5", "2026-04-01", "breach_nmo", "G1", ("R1",), outcome="charged")
    measure("N1", "nmo", "G1", "2026-01-15", "2026-12-01", "R1", "J4;J5")
    # G2: on pre-charge bail that lapses five days after the as-of date
    force.incident("J6", "2026-05-01", "abh", "G2", ("R2",))
    measure("B1", "pre_charge_bail", "G2", "2026-05-02", "2026-07-05")
    # G3: on pre-charge bail until September
    force.incident("J7", "2026-05-01", "abh", "G3", ("R3",))
    measure("B2", "pre_charge_bail", "G3", "2026-05-02", "2026-09-01")
    # G5: released under investigation, but a DVPO protects the victim
    force.incident("J8", "2026-05-01", "abh", "G5", ("R5",))
    measure("U2", "rui", "G5", "2026-05-02")
    measure("D1", "dvpo", "G5", "2026-06-20", "2026-07-18", "R5")
    # G6 ranks last: one common assault two years ago, nothing in force
    force.incident("J9", "2024-06-01", "common_assault", "G6", ("R6",))
    # G7: a breach of bail that was charged, and no measure in force now
    force.incident("J10", "2026-02-01", "abh", "G7", ("R7",))
    force.incident("J11", "2026-02-10", "breach_bail", "G7", ("R7",), outcome="charged")
    measure("B3", "pre_charge_bail", "G7", "2026-02-02", "2026-03-01", breaches="J11")
    return force


def _flags(ranked: pd.DataFrame, person_id: str) -> list[str]:
    return _row(ranked, person_id)["flags"].split(";")


def test_measure_gap_flags_on_the_list(build, force_factory) -> None:
    context, ids = build(gaps_force(force_factory))
    ranked = rank_perpetrators(context)
    assert list(ranked.columns[:len(PERPETRATOR_COLUMNS)]) == PERPETRATOR_COLUMNS  # the CSV columns come first
    assert ranked["person_id"].iloc[0] == ids["G4"] and ranked["person_id"].iloc[-1] == ids["G6"]
    flagged = {name: {f for f in ("breach_not_charged", "bail_lapsing", "rui_no_conditions")
                      if f in _flags(ranked, ids[name])} for name in ("G1", "G2", "G3", "G4", "G5", "G6", "G7")}
    assert flagged == {"G1": {"breach_not_charged"}, "G2": {"bail_lapsing"}, "G3": set(),
                       "G4": {"rui_no_conditions"}, "G5": set(), "G6": set(), "G7": set()}
    g1 = _row(ranked, ids["G1"])
    assert g1["breaches_not_charged"] == 1 and "breach" in g1["flags"].split(";")
    assert _row(ranked, ids["G2"])["bail_lapses_on"] == pd.Timestamp(2026, 7, 5)
    # one flag for nobody managing them, one for no measure in force; by group, in the registry's order
    assert _flags(ranked, ids["G4"]) == ["not_managed", "no_protective_measure", "rui_no_conditions", "escalating",
                                         "multiple_victims"]
    # a shorter lapsing window, and a breach counted as charged once NFA counts as a charge
    settings = SignalConfig(measures={"bail_lapsing_days": 3, "charge_outcomes": ("charged", "nfa")})
    strict = rank_perpetrators(replace(context, config=context.config.model_copy(update={"signals": settings})))
    assert "bail_lapsing" not in _flags(strict, ids["G2"]) and "breach_not_charged" not in _flags(strict, ids["G1"])


def test_no_protective_measure_is_one_flag_at_any_rank(build, force_factory) -> None:
    """No measure in force is one fact, so one flag (there was a second for the top 100)."""
    context, ids = build(gaps_force(force_factory))
    ranked = rank_perpetrators(context)
    unprotected = {"G4", "G6", "G7"}  # RUI only, nothing, bail that ended in March
    for name in ("G1", "G2", "G3", "G4", "G5", "G6", "G7"):
        flags = _flags(ranked, ids[name])
        assert ("no_protective_measure" in flags) == (name in unprotected), name
    assert not ranked["all_flags"].str.contains("high_rank").any()
    top_one = SignalConfig(unrecognised={"top": 1})
    narrow = rank_perpetrators(replace(context, config=context.config.model_copy(update={"signals": top_one})))
    for name in ("G4", "G6", "G7"):  # the rank does not change the fact
        assert "no_protective_measure" in _flags(narrow, ids[name])


def test_explain_gives_the_reason_for_each_flag(build, force_factory) -> None:
    context, ids = build(gaps_force(force_factory))
    reasons = {name: explain_person(context, ids[name]).flag_reasons.set_index("flag")["reason"]
               for name in ("G1", "G2", "G4")}
    assert reasons["G1"]["breach_not_charged"].startswith("1 breach(es) up to 2026-06-30")
    assert ("with no outcome of charged, convicted or caution; breaches of pre-charge bail, a DVPN, a DVPO, a "
            "DAPN or bail conditions are not offences and are not counted") in reasons["G1"]["breach_not_charged"]
    assert reasons["G2"]["bail_lapsing"] == "pre-charge bail lapses on 2026-07-05, within 14 days of 2026-06-30"
    assert reasons["G4"]["rui_no_conditions"] == ("released under investigation on 2026-06-30 with no protective "
                                                  "order or pre-charge bail in force")
    assert reasons["G4"]["no_protective_measure"] == "no protective order or pre-charge bail in force on 2026-06-30"
    g4 = explain_person(context, ids["G4"])
    assert g4.flag_reasons["flag"].tolist() == g4.perpetrator["flags"].split(";")
    assert g4.flag_reasons["reason"].notna().all()


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
    found = unrecognised(context, ranked)
    assert list(found.columns) == ["in_top", "managed", "briefed", "unrecognised"]
    result = ranked[["rank", "person_id", "flags"]].join(found)
    top = _row(result, ids["U1"])
    assert top["unrecognised"] and top["rank"] == 1 and top["in_top"]
    # on the list, the one flag for nobody managing them, with its sentence in explain
    reason = explain_person(context, ids["U1"]).flag_reasons.set_index("flag")["reason"]["not_managed"]
    assert reason.startswith("no MATAC, MAPPA, IOM or PDP referral in the 365 days up to 2026-06-30")
    assert reason.endswith("and not on the daily briefing in the 90 days up to 2026-06-30")
    briefed = _row(result, ids["U2"])  # recognised: in the top, on the daily briefing, not managed
    assert not briefed["unrecognised"] and briefed["in_top"] and briefed["briefed"] and not briefed["managed"]
    managed = _row(result, ids["U3"])
    assert not managed["unrecognised"] and managed["managed"]
    for row in result.itertuples():  # the list's flag: neither managed nor briefed, at any rank
        assert ("not_managed" in row.flags.split(";")) == (not row.managed and not row.briefed)
    only_top = unrecognised(context, ranked.iloc[::-1], SignalConfig(unrecognised={"top": 1}))
    assert only_top["unrecognised"].sum() == 1


def test_unrecognised_outside_the_top_is_not_flagged(build, force_factory) -> None:
    force = force_factory()
    _people(force, "U1", "U2")
    _people(force, "X1", sex="F")
    force.incident("A1", "2026-06-01", "gbh_s18", "U1", ("X1",))
    force.incident("B1", "2024-01-01", "common_assault", "U2", ("X1",))
    context, ids = build(force)
    top_one = SignalConfig(unrecognised={"top": 1})
    ranked = rank_perpetrators(context)
    result = ranked[["rank", "person_id"]].join(unrecognised(context, ranked, top_one))
    row = _row(result, ids["U2"])  # nobody manages or briefs on U2: only the rank keeps the flag off
    assert not row["unrecognised"] and row["rank"] == 2 and not row["in_top"]
    assert not row["managed"] and not row["briefed"]
    narrow = rank_perpetrators(replace(context, config=context.config.model_copy(update={"signals": top_one})))
    assert "not_managed" in _flags(narrow, ids["U1"]) and "not_managed" in _flags(narrow, ids["U2"])


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
    assert not _everyone(potential_pdp, context)["pdp"].any()
    assert not _everyone(escalation, context)["escalating"].any()
    status = _row(_everyone(measure_status, context), ids["T1"])
    assert status["reason"] == "No active measures" and status["breaches_not_charged"] == 0
    assert bool(unrecognised(context, rank_perpetrators(context))["unrecognised"].all())
    nobody = ScoringContext(context.tables, context.config, context.catalogue, date(2020, 1, 1))
    for frame in (_everyone(potential_pdp, nobody), _everyone(escalation, nobody),
                  unrecognised(nobody, rank_perpetrators(nobody))):
        assert frame.empty
    assert _everyone(measure_status, nobody).empty


def test_a_re_rank_keeps_whole_record_answers_only_for_people_with_nothing_after_its_as_of() -> None:
    """Escalation and the risk markers read each person's record up to the as-of date: the same
    tables re-ranked earlier (or with other weights) reuse what was found for people with
    nothing after that date and work the rest out afresh, exactly as fresh tables would."""
    from scoring.signals.example import example_context

    example = example_context()
    kept = replace(example, tables=replace(example.tables))  # its own kept answers
    latest = rank_perpetrators(kept).set_index("person_id")
    assert latest.loc["P-1", "strangulation_count"] == 1 and latest.loc["P-1", "escalating"]
    weights = kept.config.weights.model_copy(update={"victims": 3.0})
    for again in (replace(kept, as_of=date(2026, 3, 1)), replace(kept, as_of=date(2025, 10, 1)),
                  replace(kept, config=kept.config.model_copy(update={"weights": weights}))):
        fresh = replace(again, tables=replace(example.tables))
        pd.testing.assert_frame_equal(rank_perpetrators(again), rank_perpetrators(fresh))
    before_strangling = rank_perpetrators(replace(kept, as_of=date(2026, 3, 1))).set_index("person_id")
    assert before_strangling.loc["P-1", "strangulation_count"] == 0  # I-3 came later: not the kept answer
    assert "gravity rising" not in str(before_strangling.loc["P-1", "escalation_reason"])
