"""Ingest reads the contract, quarantines what breaks a rule, and loads everything else."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from graph.embedded import EmbeddedStore
from core.errors import IngestError
from ingest.load import ingest_folder


def clean_force(force_factory):
    force = force_factory()
    force.person("R1", "John", "Smith", "M", date_of_birth="1985-03-12", postcode="ne1 4st", pnc_id="85/1234A")
    force.person("R2", "Anne", "Jones", "F", date_of_birth="1990-01-02")
    force.person("R3", "Beth", "Brown", "F")
    force.incident("I1", "2025-01-10T21:30:00", "common_assault", "R1", ("R2",), dash_risk="medium",
                   outcome="outcome_16", domestic_abuse="Y")
    force.incident("I2", "2025-06-01", "abh", "R1", ("R3",), outcome="charged", domestic_abuse="true")
    force.measures.append({"measure_id": "M1", "type": "dvpo", "subject_record_id": "R1",
                           "protected_record_id": "R2", "start_date": "2025-01-11",
                           "end_date": "2025-02-07", "breach_incident_ids": "I2"})
    force.referrals.append({"referral_id": "F1", "record_id": "R2", "type": "marac", "date": "2025-01-20"})
    return force


def test_clean_force_loads_every_row(store: EmbeddedStore, load, force_factory) -> None:
    summary = load(clean_force(force_factory), store)
    counts = store.counts()
    assert counts["person_records"] == 3
    assert counts["incidents"] == 2
    assert counts["involvements"] == 4
    assert counts["measures"] == 1 and counts["measure_breaches"] == 1
    assert counts["referrals"] == 1
    assert counts["quarantine"] == 0
    assert summary.per_file["people.csv"] == {"read": 3, "loaded": 3, "quarantined": 0,
                                               "warnings": 0, "duplicates_merged": 0,
                                               "lines": 4, "blank_lines": 0}


def test_values_are_normalised_on_load(store: EmbeddedStore, load, force_factory) -> None:
    load(clean_force(force_factory), store)
    records = store.person_records().set_index("record_id")
    assert records.at["R1", "postcode"] == "NE14ST"
    tables = store.scoring_tables()
    incidents = tables.incidents.set_index("incident_id")
    assert incidents.at["I1", "domestic_abuse"] == True  # noqa: E712 - pandas boolean scalar
    assert incidents.at["I1", "occurred_at"] == pd.Timestamp("2025-01-10 21:30:00")


def test_the_older_family_code_is_read_as_other_family(store: EmbeddedStore, load, force_factory) -> None:
    force = force_factory()
    for record in ("S1", "S2", "V1", "V2"):
        force.person(record, "Test", record)
    force.incident("I1", "2025-01-10", "abh", "S1", ("V1",), relationship="FAMILY")
    force.incident("I2", "2025-01-11", "abh", "S2", ("V2",), relationship="sibling")
    summary = load(force, store)
    assert summary.quarantined == 0
    roles = store.scoring_tables().roles
    suspects = roles[roles["role"] == "suspect"].set_index("incident_id")["relationship"]
    assert suspects.to_dict() == {"I1": "other_family", "I2": "sibling"}


QUARANTINE_CASES = [
    # (table, row to add, column, reason fragment)
    ("incidents", {"incident_id": "I9", "occurred_at": "", "offence": "abh"}, "occurred_at",
     "missing required value"),
    ("incidents", {"incident_id": "I9", "occurred_at": "2025-02-30", "offence": "abh"}, "occurred_at",
     "not a valid ISO 8601 date"),
    ("incidents", {"incident_id": "I9", "occurred_at": "2025-02-03", "offence": "punching"}, "offence",
     "not a key of the offence catalogue"),
    ("incidents", {"incident_id": "I9", "occurred_at": "2999-02-03", "offence": "abh"}, "occurred_at",
     "in the future"),
    ("incidents", {"incident_id": "I1", "occurred_at": "2024-02-03", "offence": "abh"}, "incident_id",
     "duplicate incident_id with different content (first at row 2)"),
    ("involvements", {"incident_id": "I404", "record_id": "R1", "role": "suspect"}, "incident_id",
     "refers to an incident that is not loaded"),
    ("involvements", {"incident_id": "I1", "record_id": "R404", "role": "victim"}, "record_id",
     "refers to a person record that is not loaded"),
    ("involvements", {"incident_id": "I1", "record_id": "R3", "role": "bystander"}, "role",
     "is not one of victim, suspect, offender, witness"),
    ("people", {"record_id": "", "forename": "No", "surname": "Id"}, "record_id", "missing required value"),
    ("measures", {"measure_id": "M2", "type": "dvpo", "subject_record_id": "R1", "start_date": ""},
     "start_date", "missing required value"),
    ("referrals", {"referral_id": "F2", "record_id": "R1", "type": "tea_party", "date": "2025-01-01"},
     "type", "is not one of"),
]


@pytest.mark.parametrize("table,row,column,reason", QUARANTINE_CASES,
                         ids=[f"{c[0]}-{c[2]}-{c[3][:20]}" for c in QUARANTINE_CASES])
def test_each_rule_quarantines_the_row_with_file_row_column_and_reason(
        store: EmbeddedStore, load, force_factory, table: str, row: dict[str, str], column: str,
        reason: str) -> None:
    force = clean_force(force_factory)
    rows = getattr(force, table)
    rows.append(row)
    expected_row = len(rows) + 1  # header is row 1
    summary = load(force, store)
    quarantine = store.quarantine()
    assert len(quarantine) == 1, quarantine.to_string()
    problem = quarantine.iloc[0]
    assert problem["file"] == f"{table}.csv"
    assert problem["row"] == expected_row
    assert problem["column"] == column
    assert reason in problem["reason"]
    assert summary.per_file[f"{table}.csv"]["quarantined"] == 1
    # nothing else lost: the clean force is still whole
    counts = store.counts()
    assert counts["person_records"] == 3 and counts["incidents"] == 2 and counts["involvements"] == 4


def test_bad_optional_values_are_blanked_with_a_warning_and_the_row_still_loads(
        store: EmbeddedStore, load, force_factory) -> None:
    force = clean_force(force_factory)
    force.person("R4", "Carl", "Dean", "Q", date_of_birth="1985-13-45", postcode="NOT A POSTCODE")
    load(force, store)
    records = store.person_records().set_index("record_id")
    assert "R4" in records.index
    assert pd.isna(records.at["R4", "date_of_birth"]) and pd.isna(records.at["R4", "postcode"])
    assert pd.isna(records.at["R4", "sex"])
    warnings = store.warnings()
    assert set(warnings["column"]) == {"date_of_birth", "postcode", "sex"}
    assert set(warnings["row"]) == {5}
    assert "1985-13-45" in set(warnings["value"])
    assert store.counts()["quarantine"] == 0


@pytest.mark.parametrize(("months", "read"), [("18", 18.0), (" 4.5 ", 4.5), ("twelve", None), ("-3", None),
                                              ("1e3", None), ("inf", None), ("", None)])
def test_a_sentence_length_is_read_as_a_number_or_blanked_with_a_warning(
        store: EmbeddedStore, load, force_factory, months: str, read: float | None) -> None:
    force = clean_force(force_factory)
    force.incident("IS", "2025-03-01", "abh", "R1", ("R2",), outcome="convicted", sentence="Custody",
                   sentence_months=months, weapon="Y", victim_pregnant="maybe")
    load(force, store)
    incidents = store.scoring_tables().incidents.set_index("incident_id")
    assert incidents.at["IS", "sentence"] == "custody" and incidents.at["IS", "weapon"]
    assert pd.isna(incidents.at["IS", "victim_pregnant"])
    stored = incidents.at["IS", "sentence_months"]
    assert (pd.isna(stored) if read is None else stored == read)
    warned = store.warnings()
    expected = {"victim_pregnant"} | ({"sentence_months"} if read is None and months else set())
    assert set(warned["column"]) == expected
    assert store.counts()["quarantine"] == 0


def test_involvement_of_a_quarantined_incident_is_quarantined_too(
        store: EmbeddedStore, load, force_factory) -> None:
    force = clean_force(force_factory)
    force.incident("I3", "not a date", "abh", "R1", ("R2",))
    load(force, store)
    quarantine = store.quarantine()
    assert set(quarantine["file"]) == {"incidents.csv", "involvements.csv"}
    assert store.counts()["involvements"] == 4


def test_exact_duplicate_rows_merge_without_quarantine(store: EmbeddedStore, load, force_factory) -> None:
    force = clean_force(force_factory)
    force.people.append(dict(force.people[0]))
    summary = load(force, store)
    assert summary.per_file["people.csv"]["duplicates_merged"] == 1
    assert store.counts()["person_records"] == 3 and store.counts()["quarantine"] == 0


def test_a_key_of_several_columns_merges_exact_repeats_and_quarantines_changed_ones(
        store: EmbeddedStore, load, force_factory) -> None:
    """The involvements key is (incident, record, role): only a repeat of all three is a duplicate."""
    force = clean_force(force_factory)
    suspect = next(row for row in force.involvements if row["role"] == "suspect")
    force.involvements.append(dict(suspect))  # an exact repeat: merged
    force.involvements.append({**suspect, "relationship": "ex_partner"})  # same key, changed: quarantined
    force.involvements.append({**suspect, "role": "witness", "relationship": ""})  # another role: kept
    summary = load(force, store)
    assert summary.per_file["involvements.csv"]["duplicates_merged"] == 1
    quarantine = store.quarantine()
    assert quarantine["reason"].tolist() == [
        "duplicate incident_id,record_id,role with different content (first at row 2)"]
    assert store.counts()["involvements"] == 5


def test_reloading_the_same_folder_changes_nothing(store: EmbeddedStore, load, force_factory,
                                                   tmp_path: Path, catalogue) -> None:
    force = clean_force(force_factory)
    force.incidents.append({"incident_id": "I9", "occurred_at": "bad", "offence": "abh"})
    first = load(force, store)
    before = store.counts(), store.scoring_tables().roles
    second = ingest_folder(tmp_path / "extract", store, catalogue.keys)
    assert second.already_loaded and second.load_id == first.load_id
    assert store.counts() == before[0]
    pd.testing.assert_frame_equal(store.scoring_tables().roles, before[1])


def test_the_same_rows_in_a_new_extract_upsert_without_duplicates(store: EmbeddedStore, load,
                                                                  force_factory) -> None:
    force = clean_force(force_factory)
    load(force, store, "monday")
    force.incidents[0]["outcome"] = "convicted"  # the RMS updated the outcome since Monday
    load(force, store, "tuesday")
    counts = store.counts()
    assert counts["incidents"] == 2 and counts["involvements"] == 4 and counts["loads"] == 2
    incidents = store.scoring_tables().incidents.set_index("incident_id")
    assert incidents.at["I1", "outcome"] == "convicted"


def test_a_missing_required_column_stops_the_load_and_writes_nothing(
        store: EmbeddedStore, tmp_path: Path, force_factory, catalogue) -> None:
    folder = clean_force(force_factory).write(tmp_path / "extract")
    frame = pd.read_csv(folder / "incidents.csv", dtype=str).drop(columns=["offence"])
    frame.to_csv(folder / "incidents.csv", index=False)
    with pytest.raises(IngestError, match=r"incidents.csv, row 1: required column\(s\) missing: offence"):
        ingest_folder(folder, store, catalogue.keys)
    assert store.counts()["person_records"] == 0 and store.counts()["loads"] == 0


def test_a_missing_required_file_is_named(store: EmbeddedStore, tmp_path: Path, force_factory,
                                          catalogue) -> None:
    folder = clean_force(force_factory).write(tmp_path / "extract")
    (folder / "involvements.csv").unlink()
    with pytest.raises(IngestError, match="involvements.csv: is missing"):
        ingest_folder(folder, store, catalogue.keys)


def test_a_row_with_too_many_fields_is_quarantined_and_the_rest_load(
        store: EmbeddedStore, tmp_path: Path, force_factory, catalogue) -> None:
    folder = clean_force(force_factory).write(tmp_path / "extract")
    with (folder / "people.csv").open("a", encoding="utf-8") as handle:
        handle.write("R9,niche,Too,Many,1980-01-01,M,,,,,EXTRA\n")
        handle.write("R10,,Ok,Row,,F,,,,\n")
    ingest_folder(folder, store, catalogue.keys)
    quarantine = store.quarantine()
    assert quarantine[["file", "row"]].values.tolist() == [["people.csv", 5]]
    assert "has 11 fields" in quarantine.iloc[0]["reason"]
    assert set(store.person_records()["record_id"]) == {"R1", "R2", "R3", "R10"}


def test_parquet_extracts_load_like_csv(tmp_path: Path, force_factory, catalogue) -> None:
    csv_folder = clean_force(force_factory).write(tmp_path / "csv")
    parquet_folder = tmp_path / "parquet"
    parquet_folder.mkdir()
    for path in csv_folder.glob("*.csv"):
        pd.read_csv(path, dtype=str, keep_default_na=False).to_parquet(parquet_folder / f"{path.stem}.parquet")
    with EmbeddedStore(tmp_path / "a.duckdb") as from_csv, EmbeddedStore(tmp_path / "b.duckdb") as from_parquet:
        ingest_folder(csv_folder, from_csv, catalogue.keys)
        ingest_folder(parquet_folder, from_parquet, catalogue.keys)
        for name in ("incidents", "roles", "persons", "measures", "breaches", "referrals"):
            pd.testing.assert_frame_equal(getattr(from_csv.scoring_tables(), name),
                                          getattr(from_parquet.scoring_tables(), name))


def test_a_file_in_another_encoding_is_a_clear_error(store: EmbeddedStore, tmp_path: Path,
                                                      force_factory, catalogue) -> None:
    folder = clean_force(force_factory).write(tmp_path / "extract")
    (folder / "people.csv").write_bytes("record_id,forename,surname\nR1,Zoë,Smith\n".encode("latin-1"))
    with pytest.raises(IngestError, match="people.csv, row 2: is not valid UTF-8"):
        ingest_folder(folder, store, catalogue.keys)


def _counting_resolver(calls: list[int]):
    """The PNC resolver, counting how often ingest asks for a new identity."""
    from ingest.load import pnc_resolver

    def resolve(records, previous, overrides, lineage=None, trained=None, increment=None):  # type: ignore[no-untyped-def]
        calls.append(len(records))
        return pnc_resolver(records, previous, overrides, lineage)

    return resolve


def test_a_daily_load_about_known_people_keeps_their_identity(
        store: EmbeddedStore, force_factory, catalogue, tmp_path: Path) -> None:
    calls: list[int] = []
    ingest_folder(clean_force(force_factory).write(tmp_path / "day1"), store, catalogue.keys,
                  resolver=_counting_resolver(calls))
    before = store.clusters().sort_values("record_id", ignore_index=True)
    day2 = clean_force(force_factory)
    day2.incident("I3", "2025-07-01", "harassment", "R1", ("R2",), domestic_abuse="Y")
    ingest_folder(day2.write(tmp_path / "day2"), store, catalogue.keys, resolver=_counting_resolver(calls))
    assert calls == [3]
    pd.testing.assert_frame_equal(store.clusters().sort_values("record_id", ignore_index=True), before)
    roles = store.scoring_tables().roles
    suspect = before.set_index("record_id").at["R1", "person_id"]
    assert ((roles["incident_id"] == "I3") & (roles["person_id"] == suspect)).any()


def test_a_changed_person_record_is_resolved_again(
        store: EmbeddedStore, force_factory, catalogue, tmp_path: Path) -> None:
    calls: list[int] = []
    ingest_folder(clean_force(force_factory).write(tmp_path / "day1"), store, catalogue.keys,
                  resolver=_counting_resolver(calls))
    day2 = clean_force(force_factory)
    day2.people[2]["surname"] = "Browne"
    ingest_folder(day2.write(tmp_path / "day2"), store, catalogue.keys, resolver=_counting_resolver(calls))
    assert calls == [3, 3]


# --- the fast CSV reader agrees with the careful one ------------------------------------------
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_CELL = st.text(alphabet=st.characters(blacklist_characters=',"\r\n', blacklist_categories=("Cs",)), max_size=6)


@settings(max_examples=200, deadline=None)
@given(rows=st.lists(st.lists(_CELL, min_size=3, max_size=3), max_size=12),
       trailing_newline=st.booleans(), crlf=st.booleans(), bom=st.booleans())
def test_the_fast_csv_reader_gives_what_the_careful_one_gives(rows, trailing_newline, crlf, bom) -> None:
    from ingest.read import _read_clean_csv, _read_csv_text

    end = "\r\n" if crlf else "\n"
    text = end.join([",".join(["a", "b", "c"]), *(",".join(r) for r in rows)]) + (end if trailing_newline else "")
    data = (b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8")
    parsed = _read_csv_text(Path("x.csv"), data.decode("utf-8-sig"))
    careful, unreadable, numbers = parsed.frame, parsed.unreadable, parsed.rows
    fast = _read_clean_csv(data)
    if fast is None:  # declined: only for a header alone, or what the careful reader found irregular
        assert careful.empty or len(unreadable) or numbers != list(range(2, len(careful) + 2))
        return
    assert unreadable.empty and numbers == list(range(2, len(fast) + 2))
    assert fast.to_dict("list") == careful.apply(lambda c: c.str.strip()).to_dict("list")


def test_a_repeat_differing_only_in_an_unreadable_value_is_quarantined_not_merged(
        store: EmbeddedStore, load, force_factory) -> None:
    # Validation blanks the unreadable dash_risk; the repeat must still count as different
    # content (the file says something else), while a true copy of a row merges.
    force = clean_force(force_factory)
    first = next(row for row in force.incidents if row["incident_id"] == "I2")
    force.incidents.append(dict(first, dash_risk="purple"))
    force.incidents.append(dict(next(row for row in force.incidents if row["incident_id"] == "I1")))
    summary = load(force, store)
    quarantine = store.quarantine()
    assert quarantine[["file", "row", "column"]].values.tolist() == [["incidents.csv", 4, "incident_id"]]
    assert "duplicate incident_id with different content (first at row 3)" in quarantine.iloc[0]["reason"]
    assert summary.per_file["incidents.csv"]["duplicates_merged"] == 1
    assert store.counts()["incidents"] == 2
