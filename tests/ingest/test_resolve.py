"""Person resolution counts a man once however he was recorded, keeps different people apart,
honours analyst overrides, keeps ids stable and explains every merge."""

from __future__ import annotations

import re

import pandas as pd
import pytest
import sqlglot
import yaml
from pydantic import ValidationError

from ingest.resolve import (
    LINK_COLUMNS,
    Resolution,
    ResolutionConfig,
    ResolutionInputError,
    build_settings,
    explain_person,
    person_id_for,
    resolve_records,
)
from ingest.resolve_model import agreement_levels
from synth.person_records import synthetic_records

# A force-like background (enough records for EM to train) plus hand-made cases, prefixed T-.
CASES = [
    # One serial perpetrator, recorded three ways.
    ("T-P1", "Jon", "Smyth", "1985-03-12", "M", "NE12 3AB", "14 Low Road", None),
    ("T-P2", None, "SMITH, John", "1985-12-03", "M", "NE123AB", "14 Low Rd", None),
    ("T-P3", "John", "Smith", None, "M", "NE12 3AB", "14 Low Road", None),
    # His victim, recorded twice, living with him.
    ("T-V1", "Sarah", "Jones", "1990-05-06", "F", "NE12 3AB", "14 Low Road", None),
    ("T-V2", "SARAH", "JONES", "1990-05-06", "F", "NE12 3AB", None, None),
    # Names swapped and day/month swapped.
    ("T-S1", "Kieran", "Walsh", "1979-04-09", "M", "LS6 2AB", "3 Otley Road", None),
    ("T-S2", "Walsh", "Kieran", "1979-09-04", "M", "LS6 2AB", "3 Otley Road", None),
    # Names swapped, the surname mistyped, moved: only the names' sounds and the date of birth agree.
    ("T-W1", "Mark", "Toundchon", "1972-04-24", "M", "CO20 3XZ", "5 Mill Lane", None),
    ("T-W2", "Toundchon", "Mrak", "1972-04-24", "M", "GU8 3EP", "9 Hill Road", None),
    # Two different men with a common name, born the same year, living apart.
    ("T-C1", "John", "Smith", "1970-02-14", "M", "M1 1AA", "1 Oxford Road", None),
    ("T-C2", "John", "Smith", "1970-08-30", "M", "B15 2TT", "22 Bristol Road", None),
    # Father and son of the same name at the same address.
    ("T-F1", "Dennis", "Harper", "1950-06-01", "M", "SR1 1AA", "7 Dock Street", None),
    ("T-F2", "Dennis", "Harper", "1978-03-22", "M", "SR1 1AA", "7 Dock Street", None),
    # Same PNC id, nothing else alike: PNC is decisive.
    ("T-N1", "Lee", "Ward", "1980-01-01", "M", "HU1 1AA", None, "80/123456X"),
    ("T-N2", "Leon", "Warden", None, None, None, None, "80/123456X"),
]
COLUMNS = ["record_id", "forename", "surname", "date_of_birth", "sex", "postcode", "address",
           "pnc_id"]

# Smaller u sample than the default, to keep the suite fast; everything else is default.
FAST = ResolutionConfig(max_pairs_for_u=300_000)


def cases() -> pd.DataFrame:
    return pd.DataFrame(CASES, columns=COLUMNS)


def force_records() -> pd.DataFrame:
    background, _ = synthetic_records(3_000, seed=5)
    return pd.concat([background[COLUMNS], cases()], ignore_index=True)


@pytest.fixture(scope="module")
def records() -> pd.DataFrame:
    return force_records()


@pytest.fixture(scope="module")
def resolution(records: pd.DataFrame) -> Resolution:
    return resolve_records(records, FAST)


def person_of(resolution: Resolution, record_id: str) -> str:
    clusters = resolution.clusters
    return clusters.loc[clusters["record_id"] == record_id, "person_id"].item()


def same_person(resolution: Resolution, *record_ids: str) -> bool:
    return len({person_of(resolution, record_id) for record_id in record_ids}) == 1


def pair(left: str, right: str) -> pd.DataFrame:
    return pd.DataFrame({"record_id_l": [left], "record_id_r": [right]})


# --- the cases named in the issue -------------------------------------------------------------

def test_model_was_trained_by_em_on_the_force(resolution: Resolution) -> None:
    assert resolution.stats["fitted"] == "em"
    assert resolution.stats["term_frequencies"] is True


def test_serial_perpetrator_recorded_three_ways_is_one_person(resolution: Resolution) -> None:
    assert same_person(resolution, "T-P1", "T-P2", "T-P3")


def test_victim_recorded_twice_is_one_victim_and_not_her_abuser(resolution: Resolution) -> None:
    assert same_person(resolution, "T-V1", "T-V2")
    assert not same_person(resolution, "T-V1", "T-P1")


def test_swapped_names_and_day_month_swapped_dob_link(resolution: Resolution) -> None:
    assert same_person(resolution, "T-S1", "T-S2")
    link = resolution.links.query("record_id_l == 'T-S1' and record_id_r == 'T-S2'")
    reasons = link["reasons"].item()
    assert "swapped" in reasons and "dob day/month swapped" in reasons


def test_swapped_and_mistyped_names_with_one_date_of_birth_link_though_he_moved(
        resolution: Resolution) -> None:
    """No rule pairs them on a name alone (each name is the other's, one mistyped); the rule
    comparing a forename's sound with a surname's on one date of birth does, either way round."""
    assert same_person(resolution, "T-W1", "T-W2")
    link = resolution.links.query("record_id_l == 'T-W1' and record_id_r == 'T-W2'")
    assert "swapped" in link["reasons"].item()


def test_common_name_and_dob_year_do_not_link_when_postcode_and_dob_disagree(
        resolution: Resolution) -> None:
    assert not same_person(resolution, "T-C1", "T-C2")
    assert not same_person(resolution, "T-C1", "T-P3")


def test_father_and_son_of_one_name_at_one_address_stay_apart(resolution: Resolution) -> None:
    assert not same_person(resolution, "T-F1", "T-F2")


def test_equal_pnc_ids_are_decisive(resolution: Resolution) -> None:
    assert same_person(resolution, "T-N1", "T-N2")
    link = resolution.links.query("record_id_l == 'T-N1' and record_id_r == 'T-N2'")
    assert link["method"].item() == "pnc"
    assert link["reasons"].item().startswith("same PNC id (decisive)")


def test_clusters_cover_every_record_exactly_once(records: pd.DataFrame,
                                                  resolution: Resolution) -> None:
    clusters = resolution.clusters
    assert list(clusters.columns) == ["record_id", "person_id"]
    assert clusters["record_id"].is_unique
    assert set(clusters["record_id"]) == set(records["record_id"])
    assert clusters["person_id"].notna().all()


def test_persons_described_from_the_codes_as_from_the_clusters(records: pd.DataFrame,
                                                              resolution: Resolution) -> None:
    """A whole resolution hands each record's person code to the description of persons; it
    gives what joining the records to their clusters gives, and records in another order
    are joined as before."""
    from ingest.identity import describe_persons

    given = records.assign(ethnicity=None, sex=records["sex"].fillna("U"))
    joined = describe_persons(given, resolution.clusters)
    assert resolution.person_codes is not None and resolution.person_codes.given_for(given["record_id"])
    pd.testing.assert_frame_equal(describe_persons(given, resolution.clusters, resolution.person_codes), joined)
    shuffled = given.sample(frac=1.0, random_state=1)
    assert not resolution.person_codes.given_for(shuffled["record_id"])
    pd.testing.assert_frame_equal(describe_persons(shuffled, resolution.clusters, resolution.person_codes),
                                  joined)
    assert joined["person_id"].is_monotonic_increasing
    assert joined["n_records"].sum() == len(given)


def test_every_link_says_why_in_plain_words(resolution: Resolution) -> None:
    links = resolution.links
    assert list(links.columns) == LINK_COLUMNS
    assert len(links) > 0
    assert links["reasons"].str.len().gt(0).all()
    splink_links = links[links["method"] == "splink"]
    assert (splink_links["match_probability"] >= FAST.match_threshold).all()
    # e.g. "surname exact (+8.1); dob day/month swapped (+5.2); lives elsewhere (-2.0)"
    term = r"[a-z][^;()]* \([+-]\d+\.\d\)"
    assert splink_links["reasons"].str.fullmatch(rf"{term}(; {term})*").all()


def test_explain_person_lists_the_merged_records_and_their_weights(
        resolution: Resolution) -> None:
    explanation = explain_person(resolution, person_of(resolution, "T-P1"))
    merged = set(explanation["record_id_l"]) | set(explanation["record_id_r"])
    assert {"T-P1", "T-P2", "T-P3"} <= merged
    assert (explanation["status"] == "merged").all()
    assert explanation["match_weight"].is_monotonic_decreasing


def test_results_are_deterministic_for_a_fixed_seed(records: pd.DataFrame,
                                                    resolution: Resolution) -> None:
    again = resolve_records(records, FAST)
    pd.testing.assert_frame_equal(again.clusters, resolution.clusters)
    pd.testing.assert_frame_equal(again.links, resolution.links)


# --- analyst overrides -----------------------------------------------------------------------

def small_force() -> pd.DataFrame:
    """Too few records to train on: resolution falls back to fixed priors."""
    return pd.DataFrame([
        ("A1", "Mark", "Doyle", "1982-11-05", "M", "CF10 1AA", "9 Bute Street", None),
        ("A2", "Mark", "Doyle", "1982-11-05", "M", "CF10 1AA", "9 Bute St", None),
        ("A3", "Marc", "Doyle", "1982-05-11", "M", "CF10 1AA", None, None),
        ("B1", "Paula", "Hart", "1975-01-20", "F", "CF5 2XY", "4 Kings Road", None),
        ("B2", "Polly", "Hart", None, "F", None, None, None),
    ], columns=COLUMNS)


def test_small_inputs_use_fixed_priors_and_still_link() -> None:
    resolution = resolve_records(small_force(), ResolutionConfig())
    assert resolution.stats["fitted"] == "priors"
    assert same_person(resolution, "A1", "A2", "A3")
    assert not same_person(resolution, "A1", "B1")


def test_must_link_merges_and_survives_re_resolve() -> None:
    records = small_force()
    first = resolve_records(records, ResolutionConfig(), must_link=pair("B2", "B1"))
    assert same_person(first, "B1", "B2")
    link = first.links.query("record_id_l == 'B1' and record_id_r == 'B2'")
    assert link["method"].item() == "must_link"
    assert link["reasons"].item().startswith("analyst must-link")
    second = resolve_records(records, ResolutionConfig(), must_link=pair("B1", "B2"),
                             previous=first.clusters)
    pd.testing.assert_frame_equal(second.clusters, first.clusters)


def test_cannot_link_splits_by_cutting_the_weakest_links_and_survives_re_resolve() -> None:
    records = small_force()
    first = resolve_records(records, ResolutionConfig(), cannot_link=pair("A1", "A3"))
    assert not same_person(first, "A1", "A3")
    assert same_person(first, "A1", "A2")  # only the links to A3 were cut
    assert set(first.cut_links["cut_for"]) == {"A1/A3"}
    assert first.cut_links["reasons"].str.startswith("cut to keep A1/A3 apart").all()
    explained = explain_person(first, person_of(first, "A3"))
    assert (explained["status"] == "cut").any()
    second = resolve_records(records, ResolutionConfig(), cannot_link=pair("A3", "A1"),
                             previous=first.clusters)
    pd.testing.assert_frame_equal(second.clusters, first.clusters)


def test_cannot_link_wins_over_must_link_and_pnc() -> None:
    records = small_force().assign(pnc_id=["99/1X", None, "99/1X", None, None])
    notes: list[str] = []
    resolution = resolve_records(records, ResolutionConfig(), must_link=pair("A1", "A3"),
                                 cannot_link=pair("A1", "A3"), progress=notes.append)
    assert not same_person(resolution, "A1", "A3")
    assert any("cannot-link wins" in note for note in notes)


def test_person_ids_are_stable_where_the_cluster_did_not_change() -> None:
    records = small_force()
    previous = pd.DataFrame({"record_id": ["A1", "A2", "A3", "B1", "B2"],
                             "person_id": ["P-kept-a", "P-kept-a", "P-kept-a", "P-old-b",
                                           "P-old-b"]})
    resolution = resolve_records(records, ResolutionConfig(), previous=previous)
    assert person_of(resolution, "A1") == "P-kept-a"  # same record set as before
    # {B1, B2} was one person; now B1 and B2 are apart: the id stays with the part holding
    # its earliest record (B1), B2 gets a new id whose lineage says where it came from.
    assert person_of(resolution, "B1") == "P-old-b"
    assert person_of(resolution, "B2") == person_id_for(["B2"])
    events = resolution.lineage.set_index("event")
    assert events.loc["split", ["person_id", "other_id"]].tolist() == ["P-old-b", person_id_for(["B2"])]
    assert events.loc["issued", "other_id"] == "P-old-b"


def test_two_clusters_never_share_a_person_id() -> None:
    records = small_force()
    # A stale previous id that equals the id B1 would derive: the unchanged A-cluster keeps
    # it, so B1 must get another.
    stolen = person_id_for(["B1"])
    previous = pd.DataFrame({"record_id": ["A1", "A2", "A3"], "person_id": [stolen] * 3})
    resolution = resolve_records(records, ResolutionConfig(), previous=previous)
    ids = resolution.clusters.drop_duplicates("person_id")
    assert person_of(resolution, "A1") == stolen
    assert person_of(resolution, "B1") != stolen
    assert ids["person_id"].is_unique
    assert resolution.clusters.groupby("person_id")["record_id"].nunique().sum() == 5


def test_person_id_is_derived_from_the_smallest_record_id() -> None:
    assert person_id_for(["R2", "R1"]) == person_id_for(["R1"])
    assert re.fullmatch(r"P-[0-9a-f]{10}", person_id_for(["R1"]))


# --- awkward inputs --------------------------------------------------------------------------

@pytest.mark.parametrize("size", [0, 1, 2])
def test_tiny_inputs_resolve_without_crashing(size: int) -> None:
    records = small_force().head(size)
    resolution = resolve_records(records, ResolutionConfig())
    assert len(resolution.clusters) == size
    assert list(resolution.links.columns) == LINK_COLUMNS


def test_records_with_nothing_but_an_id_resolve_alone() -> None:
    records = pd.DataFrame({"record_id": ["X1", "X2", "X3"]})
    resolution = resolve_records(records, ResolutionConfig())
    assert resolution.clusters["person_id"].nunique() == 3


def test_a_force_without_dates_of_birth_trains_and_keeps_every_comparison() -> None:
    records, _ = synthetic_records(1_200, seed=3)
    notes: list[str] = []
    resolution = resolve_records(records.assign(date_of_birth=None), FAST,
                                 progress=notes.append)
    assert resolution.stats["fitted"] == "em"
    assert any(note.startswith("EM on dob skipped") for note in notes)
    names = [comparison["output_column_name"] for comparison in resolution.model["comparisons"]]
    assert names == ["forename", "surname", "dob", "sex", "location", "pnc"]


def test_duplicated_record_ids_are_refused() -> None:
    records = small_force().assign(record_id=["A1", "A1", "A3", "B1", "B2"])
    with pytest.raises(ResolutionInputError, match="A1"):
        resolve_records(records, ResolutionConfig())


# --- settings as data, backend-neutral --------------------------------------------------------

def test_settings_object_is_backend_neutral() -> None:
    settings = build_settings(ResolutionConfig())
    duckdb_dict = settings.create_settings_dict("duckdb")
    spark_dict = settings.create_settings_dict("spark")
    settings.get_settings("spark")  # a full splink Settings for Spark builds
    assert len(spark_dict["comparisons"]) == len(duckdb_dict["comparisons"])
    duckdb_only = ("jaro_winkler_similarity", "try_strptime", "strptime", "epoch(", "list_",
                   "regexp_extract", '"')
    for comparison in spark_dict["comparisons"]:
        for level in comparison["comparison_levels"]:
            condition = level["sql_condition"]
            assert not any(token in condition.lower() for token in duckdb_only), condition
            if condition != "ELSE":
                sqlglot.parse_one(condition, read="spark")
    for rule in spark_dict["blocking_rules_to_generate_predictions"]:
        assert rule["sql_dialect"] == "spark"
        assert '"' not in rule["blocking_rule"]
        sqlglot.parse_one(rule["blocking_rule"], read="spark")


def test_config_round_trips_through_yaml_and_rejects_unknown_columns() -> None:
    config = ResolutionConfig(match_threshold=0.97, blocking_rules=[["surname_n", "dob"]])
    text = yaml.safe_dump(config.summary())
    assert ResolutionConfig.model_validate(yaml.safe_load(text)) == config
    with pytest.raises(ValidationError, match="unknown column"):
        ResolutionConfig(blocking_rules=[["surname", "dob"]])
    with pytest.raises(ValidationError):
        ResolutionConfig(match_threshold=1.5)


def test_training_never_turns_an_agreement_into_evidence_against(resolution: Resolution) -> None:
    # The generator moves people to random postcodes, never within a district, so EM would
    # weigh "same postcode district" against a match; an agreement may weigh nothing at worst.
    agreements = agreement_levels(FAST)
    trained = {(comparison["output_column_name"], level["label_for_charts"]): level
               for comparison in resolution.model["comparisons"]
               for level in comparison["comparison_levels"] if not level.get("is_null_level")}
    assert agreements and agreements <= set(trained)
    for key in agreements:
        assert trained[key]["m_probability"] >= trained[key]["u_probability"], key
    # The differences keep what EM learned: a different forename still weighs against.
    differs = trained["forename", "forename differs"]
    assert differs["m_probability"] < differs["u_probability"]


def test_each_linked_pair_is_one_row_with_its_strongest_method_and_the_decisive_reason_first() -> None:
    """The link table's rules, pair by pair: a pair splink accepted and a PNC id forces keeps
    splink's score and says the PNC id first (its own PNC term not twice); a must-link and a
    PNC id on one pair say both; a pair with no scored terms says so."""
    from ingest.resolve import _edges

    def scored(rows: list[tuple]) -> pd.DataFrame:
        return pd.DataFrame(rows, columns=["record_id_l", "record_id_r", "match_weight", "match_probability",
                                           "reasons"])

    def pairs(rows: list[tuple]) -> pd.DataFrame:
        return pd.DataFrame(rows, columns=["record_id_l", "record_id_r"], dtype="str")

    accepted = scored([("A", "B", 20.0, 0.99, "same PNC id (+23.2); dob exact (+13.3)"),
                       ("C", "D", 9.0, 0.95, "forename exact (+8.5)")])
    forced = scored([("A", "B", 99.0, 1.0, "ignored: splink's own row wins"),
                     ("E", "F", 30.0, 1.0, "same PNC id (+23.2)"),
                     ("G", "H", 5.0, 0.9, None)])
    edges = _edges(accepted, forced, pairs([("A", "B"), ("E", "F"), ("G", "H")]), pairs([("G", "H")]))
    assert edges.values.tolist() == [
        ["A", "B", 20.0, 0.99, "pnc", "same PNC id (decisive); dob exact (+13.3)"],
        ["C", "D", 9.0, 0.95, "splink", "forename exact (+8.5)"],
        ["E", "F", 30.0, 1.0, "pnc", "same PNC id (decisive); no other evidence"],
        ["G", "H", 5.0, 0.9, "must_link", "analyst must-link; same PNC id (decisive); not scored"],
    ]
