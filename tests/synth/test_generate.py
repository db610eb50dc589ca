"""The synthetic force generator: contract shape, integrity, determinism and calibration."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ingest.contract import (
    DASH_RISKS, MEASURE_TYPES, OUTCOMES, PERPETRATOR_ROLES, REFERRAL_TYPES, RELATIONSHIPS, ROLES,
    SENTENCES, SEXES,
)
from ingest.contract import DATA_TABLES as TABLES  # the generator writes records, not control files
from scoring.catalogue import REQUIRED_KEYS
from synth import GenerationSummary, generate_force
from synth.vawg import YOUNG_AGE

# The offence keys docs/data-contract.md promises every catalogue holds.
CATALOGUE_KEYS = REQUIRED_KEYS
PERPETRATOR_ARCHETYPES = ["one_off", "repeat_single_victim", "serial_partner", "power_few"]
PEOPLE = 6000
END = date(2026, 10, 31)


def _read(folder: Path, stem: str) -> pd.DataFrame:
    return pd.read_csv(folder / f"{stem}.csv", dtype=str, keep_default_na=False)


class Force:
    """A generated force read back as text, the way an ingest would see it."""

    def __init__(self, folder: Path, summary: GenerationSummary) -> None:
        self.folder = folder
        self.summary = summary
        for stem in ("people", "incidents", "involvements", "measures", "referrals", "custody",
                     "ground_truth_people", "ground_truth_perpetrators"):
            setattr(self, stem, _read(folder, stem))

    def true_person(self, record_ids: pd.Series) -> pd.Series:
        lookup = self.ground_truth_people.set_index("record_id")["true_person_id"]
        return record_ids.map(lookup)


@pytest.fixture(scope="module")
def force(tmp_path_factory: pytest.TempPathFactory) -> Force:
    folder = tmp_path_factory.mktemp("force")
    return Force(folder, generate_force(folder, people=PEOPLE, seed=11))


@pytest.fixture(scope="module")
def flat_force(tmp_path_factory: pytest.TempPathFactory) -> Force:
    folder = tmp_path_factory.mktemp("flat")
    return Force(folder, generate_force(folder, people=PEOPLE, seed=11, fragmentation=False))


def test_files_have_exactly_the_contract_columns(force: Force) -> None:
    for table in TABLES:
        header = (force.folder / f"{table.name}.csv").read_text().splitlines()[0]
        assert header.split(",") == table.column_names


def test_ground_truth_files_have_documented_columns(force: Force) -> None:
    assert list(force.ground_truth_people.columns) == [
        "record_id", "true_person_id", "archetype", "planted_serial"]
    assert list(force.ground_truth_perpetrators.columns) == [
        "true_person_id", "archetype", "planted_serial", "n_victims", "n_incidents",
        "total_harm_days", "first_incident", "last_incident"]


def test_summary_counts_match_files(force: Force) -> None:
    assert force.summary.people == PEOPLE
    assert force.ground_truth_people["true_person_id"].nunique() == PEOPLE
    for stem, count in force.summary.counts.items():
        assert len(getattr(force, stem)) == count
        assert force.summary.paths[stem] == force.folder / f"{stem}.csv"


def test_incidents_per_person_near_target(force: Force) -> None:
    assert 0.5 <= len(force.incidents) / PEOPLE <= 0.75


def test_ids_are_unique_and_required_values_present(force: Force) -> None:
    for table in TABLES:
        frame = getattr(force, table.name)
        if table.key.count(",") == 0:
            assert frame[table.key].is_unique, table.name
        else:
            assert not frame.duplicated(table.key.split(",")).any(), table.name
        for column in table.columns:
            if column.required and not column.may_be_empty:
                assert (frame[column.name] != "").all(), (table.name, column.name)


def test_codes_are_in_the_contract(force: Force) -> None:
    def within(values: pd.Series, allowed) -> bool:
        return set(values[values != ""]) <= set(allowed)

    assert within(force.people["sex"], SEXES)
    assert set(force.incidents["offence"]) <= CATALOGUE_KEYS
    assert set(force.incidents["domestic_abuse"]) == {"true", "false"}
    assert within(force.incidents["dash_risk"], DASH_RISKS)
    assert within(force.incidents["outcome"], OUTCOMES)
    assert set(force.involvements["role"]) == set(ROLES)
    assert within(force.involvements["relationship"], RELATIONSHIPS)
    assert set(force.measures["type"]) <= set(MEASURE_TYPES)
    assert set(force.referrals["type"]) <= set(REFERRAL_TYPES)
    assert within(force.incidents["sentence"], SENTENCES)
    assert within(force.incidents["weapon"], ("true", "false"))
    assert within(force.incidents["victim_pregnant"], ("true",))


def test_sentences_follow_convictions_and_custody_spells(force: Force) -> None:
    incidents = force.incidents
    sentenced = incidents[incidents["sentence"] != ""]
    assert len(sentenced) and (sentenced["outcome"] == "convicted").all()
    months = incidents["sentence_months"]
    assert set(incidents.loc[months != "", "sentence"]) <= {"custody", "suspended"}
    assert (pd.to_numeric(months[months != ""]) > 0).all()
    # a spell follows a custodial sentence of a grave conviction, so there are as many spells at most
    assert (sentenced["sentence"] == "custody").sum() <= len(force.custody)
    weapon = incidents[incidents["weapon"] == "true"]
    assert len(weapon) and set(weapon["offence"]) <= {"murder", "attempted_murder", "gbh_s18", "gbh_s20", "abh",
                                                      "threats_to_kill", "common_assault"}


def test_references_resolve(force: Force) -> None:
    records = set(force.people["record_id"])
    incidents = set(force.incidents["incident_id"])
    assert set(force.involvements["incident_id"]) == incidents  # and every incident has people
    assert set(force.involvements["record_id"]) <= records
    assert set(force.measures["subject_record_id"]) <= records
    assert set(force.measures["protected_record_id"]) - {""} <= records
    breaches = force.measures["breach_incident_ids"].str.split(";").explode()
    assert set(breaches[breaches.notna() & (breaches != "")]) <= incidents
    assert set(force.referrals["record_id"]) <= records
    assert set(force.custody["record_id"]) <= records
    assert set(force.ground_truth_people["record_id"]) == records


def test_custody_follows_grave_convictions_and_releases_are_due_half_way(force: Force) -> None:
    custody = force.custody
    assert len(custody) > 0
    start = pd.to_datetime(custody["start_date"], format="%Y-%m-%d")
    expected = pd.to_datetime(custody["expected_release_date"], format="%Y-%m-%d")
    released = pd.to_datetime(custody["released_date"].replace("", None), format="%Y-%m-%d")
    assert (expected > start).all() and (start <= pd.Timestamp(END)).all()
    assert (released.dropna() <= pd.Timestamp(END)).all()
    assert (released.dropna() == expected[released.notna()]).all()  # released when due
    assert expected[released.isna()].gt(pd.Timestamp(END)).all()  # held only while the release lies ahead
    convicted = force.involvements.merge(force.incidents[force.incidents["outcome"] == "convicted"], on="incident_id")
    convicted = convicted[convicted["role"].isin(PERPETRATOR_ROLES)]
    assert set(force.true_person(custody["record_id"])) <= set(force.true_person(convicted["record_id"]))


def test_every_incident_has_a_victim_and_one_main_suspect(force: Force) -> None:
    inv = force.involvements
    victims = inv[inv["role"] == "victim"].groupby("incident_id").size()
    suspects = inv[inv["role"].isin(PERPETRATOR_ROLES)].groupby("incident_id").size()
    assert len(victims) == len(force.incidents) == len(suspects)
    assert suspects.max() <= 2  # a co-suspect now and then
    assert (suspects == 2).mean() < 0.1


def test_relationship_is_set_on_suspect_rows_only(force: Force) -> None:
    inv = force.involvements
    perpetrator = inv["role"].isin(PERPETRATOR_ROLES)
    assert (inv.loc[perpetrator, "relationship"] != "").all()
    assert (inv.loc[~perpetrator, "relationship"] == "").all()


def test_dates_are_iso_and_inside_the_window(force: Force) -> None:
    occurred = pd.to_datetime(force.incidents["occurred_at"], format="%Y-%m-%dT%H:%M:%S")
    recorded = pd.to_datetime(force.incidents["recorded_at"], format="%Y-%m-%dT%H:%M:%S")
    assert occurred.min() >= pd.Timestamp("2016-10-30")
    assert occurred.max() < pd.Timestamp(END) + pd.Timedelta(days=1)
    delay = recorded - occurred
    assert delay.min() >= pd.Timedelta(0)
    assert delay.max() <= pd.Timedelta(days=30)
    dob = force.people["date_of_birth"]
    pd.to_datetime(dob[dob != ""], format="%Y-%m-%d")
    for column in ("start_date", "end_date"):
        values = force.measures[column]
        pd.to_datetime(values[values != ""], format="%Y-%m-%d")
    pd.to_datetime(force.referrals["date"], format="%Y-%m-%d")


def _ages(force: Force) -> pd.DataFrame:
    """Involvements with a date of birth, with ``age`` at the incident and ``of_parent``: a
    victim of an incident whose suspect is recorded as the victim's parent."""
    inv = force.involvements.merge(force.incidents[["incident_id", "occurred_at", "offence"]])
    inv = inv.merge(force.people[["record_id", "date_of_birth", "sex"]])
    by_parent = set(inv.loc[inv["relationship"] == "parent", "incident_id"])
    inv = inv[inv["date_of_birth"] != ""]
    age = (pd.to_datetime(inv["occurred_at"]) - pd.to_datetime(inv["date_of_birth"])).dt.days / 365.25
    return inv.assign(age=age, of_parent=(inv["role"] == "victim") & inv["incident_id"].isin(by_parent))


def test_ages_between_16_and_80_on_clean_records_but_children_of_a_parent(flat_force: Force) -> None:
    inv = _ages(flat_force)
    assert inv.loc[~inv["of_parent"], "age"].min() >= 16
    assert inv["age"].max() <= 81
    children = inv.loc[inv["of_parent"], "age"]
    assert children.min() >= YOUNG_AGE[0] and (children < 18).any(), "a parent's victims include children"


def test_vawg_offences_and_family_relationships_are_generated(flat_force: Force) -> None:
    offences = set(flat_force.incidents["offence"])
    # Each group is rare in a small force; every group is there.
    assert "intimate_image_abuse" in offences
    assert offences & {"honour_based_abuse", "forced_marriage", "fgm"}
    assert offences & {"rape_child_under_13", "sexual_assault_child_under_13", "sexual_activity_with_child",
                       "indecent_images_children"}
    assert offences & {"breach_shpo", "breach_sro"}
    assert {"parent", "child", "sibling", "other_family"} <= set(flat_force.involvements["relationship"])
    assert "family" not in set(flat_force.involvements["relationship"])  # the older code is never written
    inv = _ages(flat_force)
    victims = inv[inv["role"] == "victim"]
    child_offences = victims[victims["offence"].isin(["rape_child_under_13", "sexual_assault_child_under_13",
                                                      "sexual_activity_with_child"])]
    assert (child_offences["age"] < 16).all()
    under_13 = child_offences["offence"].str.endswith("under_13")
    assert (child_offences.loc[under_13, "age"] < 13).all()
    assert (victims.loc[victims["offence"].isin(["fgm", "honour_based_abuse", "forced_marriage"]), "sex"] == "F").all()


def test_sexual_order_breaches_are_listed_on_an_order_of_the_suspect(flat_force: Force) -> None:
    measures = flat_force.measures
    listed = measures.assign(incident_id=measures["breach_incident_ids"].str.split(";")).explode("incident_id")
    breaches = flat_force.incidents[flat_force.incidents["offence"].isin(["breach_shpo", "breach_sro"])]
    suspects = flat_force.involvements[flat_force.involvements["role"].isin(PERPETRATOR_ROLES)]
    found = breaches.merge(listed, on="incident_id").merge(suspects, on="incident_id")
    assert set(found["incident_id"]) == set(breaches["incident_id"])
    assert (found["type"] == found["offence"].str.removeprefix("breach_")).all()
    assert (found["subject_record_id"] == found["record_id"]).all()


def test_same_seed_gives_identical_files(tmp_path: Path) -> None:
    first = generate_force(tmp_path / "a", people=1500, seed=3)
    second = generate_force(tmp_path / "b", people=1500, seed=3)
    other = generate_force(tmp_path / "c", people=1500, seed=4)
    for stem, path in first.paths.items():
        assert path.read_bytes() == second.paths[stem].read_bytes(), stem
    assert first.paths["incidents"].read_bytes() != other.paths["incidents"].read_bytes()


def test_fragmentation_changes_only_people_records(force: Force, flat_force: Force) -> None:
    assert force.incidents.equals(flat_force.incidents)
    assert len(force.measures) == len(flat_force.measures)


def test_power_few_carry_much_of_the_harm(force: Force) -> None:
    truth = force.ground_truth_perpetrators
    harm = truth["total_harm_days"].astype(float)
    power = truth["archetype"] == "power_few"
    # Under 2% of everyone seen in ten years (their long careers make them 2-3% of any
    # three-year window, tested below), yet about half the harm on the generator's own weights.
    assert 0.012 <= power.mean() <= 0.025
    assert harm[power].sum() / harm.sum() > 0.4


def _perpetrator_harm(force: Force) -> pd.DataFrame:
    """(person, when, harm) per perpetrator incident, harm on harmgraph's shipped catalogue
    (the Crime Harm Index days the back-test measures; the published figures are on that scale)."""
    from scoring.catalogue import load_catalogue

    inv = force.involvements[force.involvements["role"].isin(PERPETRATOR_ROLES)]
    inv = inv.assign(person=force.true_person(inv["record_id"]))[["incident_id", "person"]].drop_duplicates()
    rows = inv.merge(force.incidents[["incident_id", "occurred_at", "offence"]])
    return pd.DataFrame({"person": rows["person"], "when": pd.to_datetime(rows["occurred_at"]),
                         "harm": load_catalogue().harm_days(rows["offence"]).fillna(0.0)})


def _window(harm: pd.DataFrame, end: pd.Timestamp, years: int) -> pd.Series:
    inside = (harm["when"] > end - pd.DateOffset(years=years)) & (harm["when"] <= end)
    return harm[inside].groupby("person")["harm"].sum().sort_values(ascending=False)


def test_harm_concentrated_within_a_three_year_window(force: Force) -> None:
    # About 3% of perpetrators cause about 90% of harm (Barnham et al. 2017): it must hold in
    # the window a list is drawn from, not only over whole careers.
    window = _window(_perpetrator_harm(force), pd.Timestamp("2025-10-31"), 3)
    top = int(np.ceil(0.03 * len(window)))
    assert window.iloc[:top].sum() / window.sum() > 0.75
    arch = force.ground_truth_perpetrators.set_index("true_person_id")["archetype"]
    assert 0.015 <= (window.index.map(arch) == "power_few").mean() <= 0.04


def test_the_worst_stay_the_worst(force: Force) -> None:
    # Intensity persists, so the top 5% by their last three years' harm cause most of the next
    # year's (pooled over three dates; about 70% on this force).
    harm = _perpetrator_harm(force)
    listed = later = 0.0
    for end in pd.to_datetime(["2023-10-31", "2024-10-31", "2025-10-31"]):
        past = _window(harm, end, 3)
        future = _window(harm, end + pd.DateOffset(years=1), 1)
        listed += future.reindex(past.index[: int(np.ceil(0.05 * len(past)))]).fillna(0.0).sum()
        later += future.sum()
    assert listed / later > 0.5


def test_share_of_perpetrators_with_several_victims(force: Force) -> None:
    victims = force.ground_truth_perpetrators["n_victims"].astype(int)
    assert 0.04 <= (victims >= 2).mean() <= 0.20
    assert victims.max() >= 8  # "some against eight or nine"


def test_most_perpetrators_appear_once(force: Force) -> None:
    incidents = force.ground_truth_perpetrators["n_incidents"].astype(int)
    assert (incidents == 1).mean() > 0.6


def test_planted_serial_are_power_few_and_serial_partners(force: Force) -> None:
    truth = force.ground_truth_perpetrators
    planted = truth["planted_serial"] == "true"
    assert set(truth.loc[planted, "archetype"]) == {"power_few", "serial_partner"}
    assert (truth.loc[truth["archetype"] == "serial_partner", "n_victims"].astype(int) >= 2).all()


def test_outcome_15_16_share_among_domestic_crimes(force: Force) -> None:
    incidents = force.incidents
    domestic_crimes = incidents[(incidents["domestic_abuse"] == "true") & (incidents["outcome"] != "")]
    share = domestic_crimes["outcome"].isin(["outcome_15", "outcome_16"]).mean()
    assert 0.6 <= share <= 0.85


def test_dash_risk_mostly_standard(force: Force) -> None:
    risk = force.incidents["dash_risk"]
    shares = risk[risk != ""].value_counts(normalize=True)
    assert shares["standard"] > shares["medium"] > shares["high"] > 0


def test_victims_mostly_female_perpetrators_mostly_male(force: Force) -> None:
    people = force.people.merge(force.ground_truth_people)
    victims = people[people["archetype"] == "victim"]
    perpetrators = people[people["archetype"].isin(PERPETRATOR_ARCHETYPES)]
    assert (victims["sex"] == "F").mean() > 0.7
    assert (perpetrators["sex"] == "M").mean() > 0.75


def test_breaches_follow_their_measure_and_involve_its_subject(force: Force) -> None:
    measures = force.measures[force.measures["breach_incident_ids"] != ""]
    assert len(measures) > 0
    links = measures.assign(incident_id=measures["breach_incident_ids"].str.split(";")).explode("incident_id")
    links = links.merge(force.incidents[["incident_id", "occurred_at"]])
    assert (links["occurred_at"].str[:10] >= links["start_date"]).all()
    inv = force.involvements[force.involvements["role"].isin(PERPETRATOR_ROLES)]
    inv = inv.assign(person=force.true_person(inv["record_id"]))
    links = links.assign(person=force.true_person(links["subject_record_id"]))
    joined = links.merge(inv, on=["incident_id", "person"])
    assert len(joined) == len(links)


def test_few_planted_perpetrators_are_managed(force: Force) -> None:
    managed = force.referrals[force.referrals["type"].isin(["matac", "mappa", "iom", "pdp"])]
    managed_people = set(force.true_person(managed["record_id"]))
    truth = force.ground_truth_perpetrators
    planted = truth[truth["planted_serial"] == "true"]
    assert planted["true_person_id"].isin(managed_people).mean() < 0.3


def test_some_victims_harmed_by_several_offenders(force: Force) -> None:
    inv = force.involvements.assign(person=force.true_person(force.involvements["record_id"]))
    victims = inv[inv["role"] == "victim"][["incident_id", "person"]]
    suspects = inv[inv["role"].isin(PERPETRATOR_ROLES)][["incident_id", "person"]]
    pairs = victims.merge(suspects, on="incident_id", suffixes=("_victim", "_suspect"))
    offenders = pairs.drop_duplicates(["person_victim", "person_suspect"]).groupby("person_victim").size()
    assert (offenders >= 2).sum() > 10


def test_unfragmented_force_has_one_record_per_person(flat_force: Force) -> None:
    truth = flat_force.ground_truth_people
    assert truth["true_person_id"].is_unique
    assert len(flat_force.people) == PEOPLE


def test_fragmented_people_have_varied_records(force: Force) -> None:
    people = force.people.merge(force.ground_truth_people)
    counts = people.groupby("true_person_id").size()
    assert 1.05 <= len(people) / PEOPLE <= 1.4
    assert counts.max() >= 3
    several = people[people["true_person_id"].isin(counts[counts > 1].index)]
    variety = several.groupby("true_person_id").agg(
        names=("forename", lambda s: s.str.lower().nunique()),
        surnames=("surname", lambda s: s.str.lower().nunique()),
        dobs=("date_of_birth", "nunique"),
    )
    differs = (variety["names"] > 1) | (variety["surnames"] > 1) | (variety["dobs"] > 1)
    assert differs.mean() > 0.3
    # Frequent perpetrators are recorded more often, so are fragmented more often.
    power = people[people["archetype"] == "power_few"].groupby("true_person_id").size()
    assert (power > 1).mean() > (counts > 1).mean()


def test_fragmented_involvements_use_several_records_of_one_person(force: Force) -> None:
    inv = force.involvements.assign(person=force.true_person(force.involvements["record_id"]))
    records_used = inv.groupby("person")["record_id"].nunique()
    assert (records_used > 1).sum() > 50


def test_pnc_id_identifies_one_person(force: Force) -> None:
    people = force.people.merge(force.ground_truth_people)
    with_pnc = people[people["pnc_id"] != ""]
    assert (with_pnc.groupby("pnc_id")["true_person_id"].nunique() == 1).all()
    perpetrators = people[people["archetype"].isin(PERPETRATOR_ARCHETYPES)]
    assert 0.3 <= (perpetrators["pnc_id"] != "").mean() <= 0.5
    assert (people.loc[people["archetype"] == "victim", "pnc_id"] != "").mean() < 0.05


def test_ethnicity_missing_on_35_to_50_percent(force: Force) -> None:
    assert 0.35 <= (force.people["ethnicity"] == "").mean() <= 0.5


def test_parquet_has_the_same_tables(tmp_path: Path) -> None:
    summary = generate_force(tmp_path, people=500, seed=5, fmt="parquet")
    for table in TABLES:
        frame = pd.read_parquet(tmp_path / f"{table.name}.parquet")
        assert list(frame.columns) == table.column_names
    assert summary.paths["people"].suffix == ".parquet"


@pytest.mark.parametrize("kwargs", [{"people": 10}, {"fmt": "xlsx"}, {"years": 0}])
def test_rejects_bad_arguments(tmp_path: Path, kwargs: dict) -> None:
    with pytest.raises(ValueError):
        generate_force(tmp_path, **kwargs)


def test_harm_apart_from_frequency_changes_only_how_grave(tmp_path: Path) -> None:
    """harm_follows_frequency=False keeps the perpetrators and their courses of conduct and redraws
    the offences (and what follows from them): how gravely a person offends no longer rises with
    how often."""
    together = Force(tmp_path / "a", generate_force(tmp_path / "a", people=3000, seed=5))
    apart = Force(tmp_path / "b", generate_force(tmp_path / "b", people=3000, seed=5, harm_follows_frequency=False))
    # co-suspects are cast per incident, and breach incidents follow the redrawn offences, so
    # only the perpetrators' own archetypes are the same
    def archetypes(force: Force) -> pd.Series:
        truth = force.ground_truth_perpetrators
        return truth.loc[truth["archetype"] != "co_suspect", "archetype"].value_counts()

    assert archetypes(together).equals(archetypes(apart))
    assert not together.incidents["offence"].equals(apart.incidents["offence"])

    def grave_against_frequency(force: Force) -> float:
        truth = force.ground_truth_perpetrators.astype({"n_incidents": int, "total_harm_days": float})
        several = truth[truth["n_incidents"] >= 2]
        per_incident = several["total_harm_days"] / several["n_incidents"]
        return float(per_incident.corr(several["n_incidents"], method="spearman"))

    assert grave_against_frequency(apart) < grave_against_frequency(together)
