"""`harmgraph matac record / history / cohort` through the real CLI on a real embedded store.

The force (the shipped bands read the classic way, ``scoring.config.classic_banded``, written to
a config file every scoring command is given; the shipped catalogue): S1 assaults two partners (abh 2025-01-10 and
2025-02-20), S3 one (common assault 2025-02-25), S2 appears on 2025-12-01 (common assault).
As of 2025-03-01 S1 scores 60.0 (rank 1), S3 37.78 (rank 2); as of 2025-12-01 S1 46.67 (rank
1), S2 37.78 (rank 2), S3 24.44 (rank 3). Hand-worked in tests/scoring/test_matac.py.
"""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from graph.decisions import InvalidDecision
from graph.embedded import EmbeddedStore
from harmgraph.cli import app
from harmgraph.accounts import add_user
from core.errors import PersonNotFound

PASSWORD = "a long chair passphrase"

runner = CliRunner()
# The commands that score take the classic config (set once per session by classic_config).
SCORING = {("matac", "record"), ("matac", "cohort"), ("matac", "agenda"), ("matac", "outcomes"),
           ("matac", "export"), ("rank",)}
CLASSIC_CONFIG: list[str] = []


@pytest.fixture(scope="session", autouse=True)
def classic_config(tmp_path_factory: pytest.TempPathFactory) -> None:
    import yaml

    from scoring.config import classic_banded, load_config

    path = tmp_path_factory.mktemp("config") / "classic.yaml"
    path.write_text(yaml.safe_dump(classic_banded(load_config()).model_dump(mode="json")), encoding="utf-8")
    CLASSIC_CONFIG[:] = ["--config", str(path)]


def _args(args: tuple[str, ...]) -> list[str]:
    """``args`` with the classic config added for a scoring command."""
    scoring = tuple(args[:2]) in SCORING or tuple(args[:1]) in SCORING
    return [*args, *CLASSIC_CONFIG] if scoring else list(args)


def _run(*args: str) -> str:
    result = runner.invoke(app, _args(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


def _csv(text: str) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)


@pytest.fixture
def store(tmp_path: Path, force_factory, load) -> str:  # type: ignore[no-untyped-def]
    force = force_factory()
    for suspect in ("S1", "S2", "S3"):
        force.person(suspect, "Suspect", suspect, "M")
    for victim in ("V1", "V2", "V3", "V4"):
        force.person(victim, "Victim", victim, "F")
    force.incident("I1", "2025-01-10", "abh", "S1", ("V1",))
    force.incident("I2", "2025-02-20", "abh", "S1", ("V2",))
    force.incident("I4", "2025-02-25", "common_assault", "S3", ("V3",))
    force.incident("I3", "2025-12-01", "common_assault", "S2", ("V4",))
    path = tmp_path / "matac.duckdb"
    with EmbeddedStore(path) as opened:
        load(force, opened)
        add_user(opened, "chair", "matac_chair", PASSWORD, by="tests")
        add_user(opened, "ann", "analyst", PASSWORD, by="tests")
    return str(path)


@pytest.fixture(autouse=True)
def signed_in_as_ann(monkeypatch: pytest.MonkeyPatch) -> None:
    """The analyst ann reads the history and the cohort; ``--chair chair`` records decisions."""
    monkeypatch.setenv("HARMGRAPH_USER", "ann")
    monkeypatch.setenv("HARMGRAPH_PASSWORD", PASSWORD)


@pytest.fixture
def person(store: str) -> dict[str, str]:
    with EmbeddedStore(store) as opened:
        clusters = opened.clusters()
    return dict(zip(clusters["record_id"], clusters["person_id"]))


def _record(store: str, person_id: str, decision: str, meeting: str, reason: str = "panel view") -> None:
    _run("matac", "record", person_id, "--decision", decision, "--reason", reason,
         "--meeting", meeting, "--store", store, "--chair", "chair")


def _history(store: str, *person_id: str) -> pd.DataFrame:
    return _csv(_run("matac", "history", *person_id, "--store", store, "--format", "csv"))


def test_recording_twice_appends_and_leaves_the_first_decision_unchanged(store, person) -> None:
    _record(store, person["S1"], "defer", "2025-03-01", "await the MARAC minutes")
    first = _history(store)
    _record(store, person["S1"], "adopt", "2025-04-01", "second partner assaulted")
    both = _history(store, person["S1"])
    assert len(first) == 1 and len(both) == 2
    pd.testing.assert_frame_equal(both.iloc[[0]], first)
    assert both["decision"].tolist() == ["defer", "adopt"]
    row = first.iloc[0]
    assert (row["score"], row["rank"], row["as_of"]) == ("60.0", "1", "2025-03-01")  # classic: 13.5 of 22.5
    assert row["reason"] == "await the MARAC minutes" and row["who"] == "chair (matac_chair)" and row["at"].endswith("UTC")
    assert row["config_version"] and row["config_fingerprint"]


def test_each_decision_writes_one_audit_row(store, person) -> None:
    _record(store, person["S1"], "adopt", "2025-03-01", "two partners in six weeks")
    with EmbeddedStore(store) as opened:
        log = opened.audit_log()
    decided = log[log["action"] == "matac_decision"]
    assert decided["subject"].tolist() == [person["S1"]]
    assert "adopt at the 2025-03-01 meeting" in decided.iloc[0]["detail"]
    assert "two partners in six weeks" in decided.iloc[0]["detail"]


def test_a_meeting_after_the_latest_incident_scores_as_of_the_latest_incident(store, person) -> None:
    _record(store, person["S1"], "adopt", "2026-01-15")
    row = _history(store).iloc[0]
    assert (row["meeting_date"], row["as_of"], row["score"]) == ("2026-01-15", "2025-12-01", "46.67")


def test_an_unknown_person_or_an_empty_reason_is_refused_with_a_sentence(store) -> None:
    result = runner.invoke(app, ["matac", "record", "P-nobody", "--decision", "adopt", "--reason", "x",
                                 "--meeting", "2025-03-01", "--store", store, "--chair", "chair"])
    assert isinstance(result.exception, PersonNotFound) and "no person with id 'P-nobody'" in str(result.exception)
    result = runner.invoke(app, ["matac", "record", "P-nobody", "--decision", "adopt", "--reason", " ",
                                 "--meeting", "2025-03-01", "--store", store, "--chair", "chair"])
    assert isinstance(result.exception, InvalidDecision) and "needs a reason" in str(result.exception)
    assert _history(store).empty


def test_cohort_shows_the_score_change_and_who_is_new_since_the_last_meeting(store, person) -> None:
    _record(store, person["S1"], "adopt", "2025-03-01")
    cohort = _csv(_run("matac", "cohort", "--as-of", "2025-12-01", "--top", "3", "--store", store,
                       "--format", "csv"))
    adopted = cohort[cohort["section"] == "cohort"].iloc[0]
    assert adopted["person_id"] == person["S1"]
    assert (adopted["score_at_adoption"], adopted["score_now"], adopted["change"]) == ("60.0", "46.67", "-13.33")
    assert adopted["status"] == "in cohort"
    new = cohort[cohort["section"] == "new"]
    assert new["person_id"].tolist() == [person["S2"], person["S3"]]
    assert new["why"].tolist() == ["new to the top 3", "on the list at the last meeting, no decision yet"]


def test_cohort_table_names_the_last_meeting(store, person) -> None:
    _record(store, person["S1"], "adopt", "2025-03-01")
    result = runner.invoke(app, _args(("matac", "cohort", "--store", store)), catch_exceptions=False)
    assert result.exit_code == 0
    assert "last meeting 2025-03-01" in result.stderr and "Adopted cohort" in result.stdout


@pytest.mark.parametrize(("user", "password", "refusal"), [
    ("ann", PASSWORD, "ann (analyst) may not record a MATAC decision"),
    ("chair", "not the password", "wrong name or password"),
    ("nobody", PASSWORD, "wrong name or password"),
])
def test_only_a_signed_in_chair_records_a_decision(store, person, monkeypatch, user, password, refusal) -> None:
    monkeypatch.setenv("HARMGRAPH_PASSWORD", password)
    result = runner.invoke(app, ["matac", "record", person["S1"], "--decision", "adopt", "--reason", "x",
                                 "--meeting", "2025-03-01", "--store", store, "--chair", user])
    assert result.exit_code == 1 and refusal in result.output
    monkeypatch.setenv("HARMGRAPH_PASSWORD", PASSWORD)  # ann's, to read the history
    assert _history(store).empty


def _agenda(store: str, meeting: str, *extra: str) -> pd.DataFrame:
    return _csv(_run("matac", "agenda", "--meeting", meeting, "--store", store, "--format", "csv", *extra))


def test_a_meeting_after_the_extract_counts_adoptees_are_not_new_and_deferrals_carry_forward(store, person) -> None:
    # the last incident is 2025-12-01; the panel meets a week later
    _record(store, person["S1"], "adopt", "2025-12-08", "two partners assaulted")
    _record(store, person["S3"], "defer", "2025-12-08", "await the MARAC minutes")
    cohort = _csv(_run("matac", "cohort", "--top", "3", "--store", store, "--format", "csv"))
    adopted = cohort[cohort["section"] == "cohort"]
    assert adopted["person_id"].tolist() == [person["S1"]] and adopted["status"].tolist() == ["in cohort"]
    assert cohort[cohort["section"] == "new"]["person_id"].tolist() == [person["S2"]]
    agenda = _agenda(store, "2026-01-05", "--top", "3")
    deferred = agenda[agenda["section"] == "deferred"]
    assert deferred["person_id"].tolist() == [person["S3"]]
    assert deferred["reason"].tolist() == ["await the MARAC minutes"]
    assert agenda[agenda["section"] == "new"]["person_id"].tolist() == [person["S2"]]


def test_moving_the_as_of_date_past_the_extract_does_not_make_risk_fall(store, person) -> None:
    _record(store, person["S1"], "adopt", "2025-12-08")
    at_extract = _csv(_run("matac", "cohort", "--store", store, "--format", "csv"))
    later = _csv(_run("matac", "cohort", "--as-of", "2026-09-01", "--store", store, "--format", "csv"))
    for frame in (at_extract, later):
        row = frame[frame["section"] == "cohort"].iloc[0]
        assert (row["score_at_adoption"], row["score_now"], row["change"]) == ("46.67", "46.67", "0.0")


def test_adoption_clears_the_not_managed_flag(store, person) -> None:
    def flags() -> dict[str, str]:
        ranked = _csv(_run("rank", "--store", store, "--format", "csv", "--reason", "test"))
        return dict(zip(ranked["person_id"], ranked["flags"]))

    before = flags()
    assert "not_managed" in before[person["S1"]].split(";") and "not_managed" in before[person["S2"]].split(";")
    _record(store, person["S1"], "adopt", "2025-12-08")
    after = flags()
    assert "not_managed" not in after[person["S1"]].split(";")
    assert "not_managed" in after[person["S2"]].split(";")


def test_the_chairs_path_from_list_to_decision_to_action_to_the_next_agenda(store, person) -> None:
    listed = _csv(_run("rank", "--store", store, "--format", "csv", "--top", "3", "--reason", "test"))
    first = listed.iloc[0]["person_id"]
    assert first == person["S1"]
    _run("matac", "meeting", "--date", "2025-12-08", "--agency", "Police", "--agency", "Probation",
         "--agency", "IDVA service", "--chair", "chair", "--store", store)
    _record(store, first, "adopt", "2025-12-08", "two partners assaulted in six weeks")
    _run("matac", "action", first, "--tactic", "dapo_dvpn", "--owner", "Police", "--meeting", "2025-12-08",
         "--due", "2025-12-20", "--review", "2026-01-05", "--chair", "chair", "--store", store)
    agenda = _agenda(store, "2026-01-05")
    due = agenda[agenda["section"] == "actions_due"]
    assert due["person_id"].tolist() == [first] and due["tactic"].tolist() == ["dapo_dvpn"]
    assert due["why"].tolist() == ["due 2025-12-20; review 2026-01-05"]
    assert first not in set(agenda[agenda["section"] == "discharge"]["person_id"])
    reviews = agenda[agenda["section"] == "reviews"]  # adopted at the meeting before: reviewed at this one
    assert reviews["person_id"].tolist() == [first] and reviews["open_actions"].astype(float).tolist() == [1.0]
    action_id = due["action_id"].iloc[0]
    _run("matac", "update-action", action_id, "--status", "done", "--note", "DAPO granted", "--chair", "chair",
         "--store", store)
    agenda = _agenda(store, "2026-01-05")
    assert agenda[agenda["section"] == "actions_due"].empty
    discharge = agenda[agenda["section"] == "discharge"]
    assert discharge["person_id"].tolist() == [first] and discharge["why"].tolist() == ["every agreed action is closed"]
    _record(store, first, "discharge", "2026-01-05", "DAPO in force, no further incidents")
    cohort = _csv(_run("matac", "cohort", "--store", store, "--format", "csv"))
    assert cohort[cohort["section"] == "cohort"]["status"].tolist() == ["discharged at the 2026-01-05 meeting"]
    with EmbeddedStore(store) as opened:
        meetings, actions, log = opened.matac_meetings(), opened.matac_actions(), opened.audit_log()
    assert meetings["agencies"].tolist() == ["Police; Probation; IDVA service"]
    assert actions["status"].tolist() == ["open", "done"] and actions["action_id"].nunique() == 1
    assert {"matac_meeting", "matac_decision", "matac_action"} <= set(log["action"])


def test_an_action_with_an_unknown_tactic_or_no_owner_is_refused(store, person) -> None:
    result = runner.invoke(app, ["matac", "action", person["S1"], "--tactic", "curfew", "--owner", "Police",
                                 "--meeting", "2025-12-08", "--chair", "chair", "--store", store])
    assert isinstance(result.exception, InvalidDecision) and "tactic must be one of" in str(result.exception)
    result = runner.invoke(app, ["matac", "action", person["S1"], "--tactic", "iom", "--owner", " ",
                                 "--meeting", "2025-12-08", "--chair", "chair", "--store", store])
    assert isinstance(result.exception, InvalidDecision) and "owner agency" in str(result.exception)


def test_the_decision_export_is_excel_safe_filtered_stamped_and_logged(store, person, tmp_path) -> None:
    _record(store, person["S1"], "adopt", "2025-03-01", "=HYPERLINK(\"http://x\")")
    _record(store, person["S3"], "defer", "2025-12-08", "await minutes")
    target = tmp_path / "decisions.csv"
    _run("matac", "export", "decisions", "-o", str(target), "--decision", "adopt", "--reason", "panel audit",
         "--store", store)
    raw = target.read_bytes()
    assert raw.startswith("\ufeff".encode())
    rows = pd.read_csv(target, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert rows["person_id"].tolist() == [person["S1"]]
    assert rows["reason"].tolist() == ["'=HYPERLINK(\"http://x\")"]
    assert rows["exported_by"].iloc[0] and "decision adopt" in rows["filters"].iloc[0]
    with EmbeddedStore(store) as opened:
        log = opened.audit_log()
    exported = log[log["action"] == "export"]
    assert exported["subject"].tolist() == ["matac:decisions"] and exported["reason"].tolist() == ["panel audit"]
    assert "1 rows" in exported["detail"].iloc[0]


def test_outcomes_are_labelled_not_causal(store, person) -> None:
    _record(store, person["S1"], "adopt", "2025-03-01")
    result = runner.invoke(app, _args(("matac", "outcomes", "--store", store, "--format", "csv")),
                           catch_exceptions=False)
    assert result.exit_code == 0 and "Not causal" in result.stderr
    rows = _csv(result.stdout)
    assert rows["group"].tolist() == ["adopted", "comparison"]
    assert rows["person_id"].tolist() == [person["S1"], person["S3"]]


def test_a_partner_referral_goes_on_the_agenda_with_score_and_rank_until_the_panel_decides(store, person) -> None:
    said = runner.invoke(app, ["matac", "refer", person["S3"], "--agency", "Probation", "--reason",
                               "licence breach reported", "--store", store], catch_exceptions=False)
    assert f"recorded the referral of {person['S3']} by Probation" in said.output
    agenda = _agenda(store, "2026-01-05", "--top", "1")
    referred = agenda[agenda["section"] == "referred"]
    # below the top 1 (S3 ranks 3 as of 2025-12-01), still on the agenda with its score and rank
    assert referred["person_id"].tolist() == [person["S3"]]
    assert referred[["rank", "score", "on_list"]].values.tolist() == [["3", "24.44", "ranked 3, below the top 1"]]
    assert referred["referred"].iloc[0].startswith("referred by Probation on 20")
    assert referred["referral_reasons"].tolist() == ["licence breach reported"]
    with EmbeddedStore(store) as opened:
        log = opened.audit_log()
    logged = log[log["action"] == "matac_referral"]
    assert logged["subject"].tolist() == [person["S3"]] and logged["who"].tolist() == ["ann (analyst)"]
    _record(store, person["S3"], "defer", "2026-01-05", "await the probation report")
    assert _agenda(store, "2026-01-05", "--top", "1").query("section == 'referred'").empty


def test_a_referral_for_a_later_meeting_waits_for_it_and_a_detective_may_not_refer(store, person) -> None:
    _run("matac", "refer", person["S2"], "--agency", "Children's services", "--reason", "children at the address",
         "--meeting", "2026-02-02", "--store", store)
    assert _agenda(store, "2026-01-05").query("section == 'referred'").empty
    assert _agenda(store, "2026-02-02").query("section == 'referred'")["person_id"].tolist() == [person["S2"]]
    with EmbeddedStore(store) as opened:
        add_user(opened, "dee", "detective", PASSWORD, by="tests")
    refused = runner.invoke(app, ["matac", "refer", person["S2"], "--agency", "Police", "--reason", "x",
                                  "--store", store], env={"HARMGRAPH_USER": "dee", "HARMGRAPH_PASSWORD": PASSWORD})
    assert refused.exit_code != 0 and "dee (detective) may not record a partner agency's referral" in refused.output
