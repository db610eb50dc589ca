"""harmgraph retention --dry-run: records with nothing recent, by id only, nothing deleted."""

from __future__ import annotations

import io
from datetime import date

import pandas as pd
import pytest
from typer.testing import CliRunner

from graph.embedded import EmbeddedStore
from harmgraph.cli import app
from core.errors import ConfigError
from harmgraph.retention import RetentionConfig, load_retention_config, past_review

runner = CliRunner()


@pytest.fixture
def archive(tmp_path, force_factory, load):  # type: ignore[no-untyped-def]
    """Old and recent activity: incidents, a measure still in force, a referral, an idle record."""
    path = tmp_path / "s.duckdb"
    force = force_factory()
    force.person("OLD", "Oliver", "Oldham", "M")          # one incident in 2012
    force.person("OLDV", "Olive", "Oldham", "F")          # his victim
    force.person("NEW", "Nina", "Newton", "F")            # victim in 2024
    force.person("NEWS", "Ned", "Newton", "M")
    force.person("MEAS", "Mo", "Measure", "M")            # 2010 incident, order with no end date
    force.person("REF", "Rita", "Referral", "F")          # 2010 victim, MARAC referral in 2023
    force.person("IDLE", "Ida", "Idle", "F")              # nothing at all
    force.incident("I1", "2012-05-01", "abh", "OLD", ("OLDV",))
    force.incident("I2", "2024-02-01", "common_assault", "NEWS", ("NEW",))
    force.incident("I3", "2010-03-01", "harassment", "MEAS", ("REF",))
    force.measures.append({"measure_id": "M1", "type": "dvpo", "subject_record_id": "MEAS",
                           "start_date": "2010-03-02"})
    force.referrals.append({"referral_id": "F1", "record_id": "REF", "type": "marac", "date": "2023-01-10"})
    with EmbeddedStore(path) as store:
        load(force, store)
    return path


def test_records_past_review_are_listed_by_id_and_kind(archive) -> None:
    with EmbeddedStore(archive) as store:
        due = past_review(store.export_table("person_records"), store.export_table("incidents"),
                          store.export_table("involvements"), store.export_table("measures"),
                          store.export_table("referrals"), store.clusters(), date(2025, 6, 30),
                          RetentionConfig())
    assert set(due["record_id"]) == {"OLD", "OLDV", "IDLE"}
    idle = due.set_index("record_id").loc["IDLE"]
    assert pd.isna(idle["last_activity"]) and idle["last_activity_kind"] == "none recorded"
    assert due.set_index("record_id").at["OLD", "last_activity_kind"] == "incident"
    assert due["whole_person_past_review"].all()
    assert "forename" not in due.columns and "surname" not in due.columns


def test_a_longer_period_and_an_earlier_date_list_fewer(archive) -> None:
    with EmbeddedStore(archive) as store:
        args = [store.export_table(t) for t in ("person_records", "incidents", "involvements", "measures",
                                                "referrals")] + [store.clusters()]
    longer = past_review(*args, date(2025, 6, 30), RetentionConfig(retention_review_years=15))
    assert set(longer["record_id"]) == {"IDLE"}
    earlier = past_review(*args, date(2016, 1, 1), RetentionConfig())
    assert set(earlier["record_id"]) == {"IDLE"}  # the 2012 incident is within six years of 2016


def test_dry_run_from_the_cli_names_no_one_and_deletes_nothing(archive, tmp_path, cli_users) -> None:
    config = tmp_path / "retention.yaml"
    config.write_text("retention_review_years: 6\n")
    cli_users(archive)
    with EmbeddedStore(archive) as store:
        before = store.counts()
    result = runner.invoke(app, ["retention", "--dry-run", "--store", str(archive), "--as-of", "2025-06-30",
                                 "--config", str(config), "--format", "csv"], env={"HARMGRAPH_USER": "admin"})
    assert result.exit_code == 0, result.output
    assert "3 of 7 person records past review" in result.output
    frame = pd.read_csv(io.StringIO(result.stdout[result.stdout.index("record_id"):]))
    assert set(frame["record_id"]) == {"OLD", "OLDV", "IDLE"}
    for name in ("Oliver", "Oldham", "Ida", "Idle"):
        assert name not in result.stdout
    with EmbeddedStore(archive) as store:
        after = store.counts()
        last = store.audit_log().iloc[-1]
    assert {k: v for k, v in after.items() if k != "audit_log"} == {k: v for k, v in before.items() if k != "audit_log"}
    assert last["action"] == "retention_review" and "3 of 7" in last["detail"]


def test_without_dry_run_nothing_happens(archive) -> None:
    result = runner.invoke(app, ["retention", "--store", str(archive)])
    assert result.exit_code == 2 and "--dry-run" in result.output


def test_the_review_period_is_validated(tmp_path) -> None:
    assert load_retention_config(None).retention_review_years == 6
    bad = tmp_path / "bad.yaml"
    bad.write_text("retention_review_years: -1\n")
    with pytest.raises(ConfigError, match="retention_review_years"):
        load_retention_config(bad)
    typo = tmp_path / "typo.yaml"
    typo.write_text("retention_years: 6\n")
    with pytest.raises(ConfigError, match="retention_years"):
        load_retention_config(typo)


def test_time_in_custody_is_activity_until_release(tmp_path, force_factory, load) -> None:  # type: ignore[no-untyped-def]
    force = force_factory()
    for record, sex in (("HELD", "M"), ("FREE", "M"), ("STILL", "M"), ("V", "F")):
        force.person(record, record.title(), "Example", sex)
    for record in ("HELD", "FREE", "STILL"):
        force.incident(f"I-{record}", "2008-01-01", "gbh_s18", record, ("V",), outcome="convicted")
    force.custody.append({"custody_id": "C1", "record_id": "HELD", "start_date": "2008-06-01",
                          "released_date": "2021-06-01"})
    force.custody.append({"custody_id": "C2", "record_id": "STILL", "start_date": "2008-06-01"})
    with EmbeddedStore(tmp_path / "c.duckdb") as store:
        load(force, store)
        args = [store.export_table(t) for t in ("person_records", "incidents", "involvements", "measures",
                                                "referrals")] + [store.clusters(), date(2025, 6, 30), RetentionConfig()]
        with_custody = past_review(*args, custody=store.export_table("custody"))
    assert set(past_review(*args)["record_id"]) == {"HELD", "FREE", "STILL", "V"}
    assert set(with_custody["record_id"]) == {"FREE", "V"}  # released in 2021; still held
