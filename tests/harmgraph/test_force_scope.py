"""Per-force access in a regional store: a user of one force sees that force's people (and a
person of two forces whole), unless granted the region; through the real CLI and real users."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from graph.embedded import EmbeddedStore
from harmgraph.accounts import Account
from harmgraph.cli import app
from harmgraph.force_scope import OutOfScope, check_forces, visible_people
from tests.conftest import CLI_PASSWORD

runner = CliRunner()
AS_OF = ["--as-of", "2026-04-01"]
def _cli(store: Path, *args: str, user: str = "analyst", new_password: bool = False):  # type: ignore[no-untyped-def]
    env = {"HARMGRAPH_USER": user, "HARMGRAPH_PASSWORD": CLI_PASSWORD}
    if new_password:
        env["HARMGRAPH_NEW_PASSWORD"] = CLI_PASSWORD
    return runner.invoke(app, [*args, "--store", str(store)], env=env)


def _said(result) -> str:  # type: ignore[no-untyped-def]
    """What a failed command told its user: its output, or our error (main() prints it)."""
    return " ".join((result.output + " " + str(result.exception or "")).split())


def _rows(result) -> list[dict[str, str]]:  # type: ignore[no-untyped-def]
    assert result.exit_code == 0, result.output
    return list(csv.DictReader(io.StringIO(result.stdout)))


@pytest.fixture(scope="module")
def region(tmp_path_factory, two_forces, cli_users) -> Path:  # type: ignore[no-untyped-def]
    """North (NTH) and South (STH) in one store; users north (NTH), south (STH), both (NTH and
    STH), added by the admin through the CLI; the session's analyst sees the region."""
    folder = tmp_path_factory.mktemp("region")
    store = cli_users(folder / "region.duckdb")
    for code, force in two_forces.items():
        result = runner.invoke(app, ["ingest", str(force.write(folder / code)), "--store", str(store),
                                     "--force", code], catch_exceptions=False)
        assert result.exit_code == 0, result.output
    for name, scope in (("north", ["--force", "nth"]), ("south", ["--force", "STH"]),
                        ("both", ["--force", "NTH", "--force", "STH"])):
        result = _cli(store, "users", "add", name, "--role", "analyst", *scope, user="admin", new_password=True)
        assert result.exit_code == 0, result.output
    return store


@pytest.fixture(scope="module")
def people(region: Path) -> dict[str, str]:
    """Person id by first record id (NTH:R1 is the man both forces hold)."""
    rows = _rows(_cli(region, "persons", "--format", "csv", "--reason", "test"))
    return {row["record_ids"].split(";")[0]: row["person_id"] for row in rows}


def _ranked(region: Path, *args: str, user: str = "analyst") -> dict[str, dict[str, str]]:
    rows = _rows(_cli(region, "rank", *AS_OF, "--format", "csv", "--reason", "test", *args, user=user))
    return {row["person_id"]: row for row in rows}


def test_users_carry_their_scope_and_a_grant_changes_it(region: Path) -> None:
    listing = _rows(_cli(region, "users", "list", "--format", "csv", user="admin"))
    scope = {row["name"]: row["forces"] for row in listing}
    assert scope["north"] == "NTH" and scope["both"] == "NTH;STH" and scope["analyst"] == "all"
    assert _cli(region, "users", "grant", "north", user="admin").exit_code == 2  # neither --force nor --region
    refused = _cli(region, "users", "grant", "north", "--region", user="analyst")
    assert refused.exit_code == 1 and "may not add, disable and re-enable users" in _said(refused)
    with EmbeddedStore(region) as store:
        log = store.audit_log()
    added = log[(log["action"] == "user_add") & (log["subject"] == "both")]
    assert added["detail"].tolist() == ["role analyst, sees forces NTH, STH"]


def test_a_one_force_user_ranks_that_forces_people_at_their_regional_place(region: Path, people) -> None:  # type: ignore[no-untyped-def]
    everyone = _ranked(region)
    north, south = _ranked(region, user="north"), _ranked(region, user="south")
    man, olly, sid = people["NTH:R1"], people["NTH:R3"], people["STH:R3"]
    assert {man, olly, sid} <= set(everyone)
    assert set(north) == {man, olly} and set(south) == {man, sid}
    # The man both forces hold is shown whole: both forces' records, his regional rank and score.
    assert north[man]["forces"] == south[man]["forces"] == "NTH;STH"
    assert north[man]["record_ids"] == everyone[man]["record_ids"] == "NTH:R1;STH:R1"
    assert north[man]["rank"] == everyone[man]["rank"] and north[man]["frequency"] == everyone[man]["frequency"] == "3"
    assert set(_ranked(region, user="both")) == set(everyone)
    assert set(_ranked(region, "--force", "STH", user="both")) == {man, sid}


def test_victims_and_persons_are_cut_to_the_scope_and_to_force(region: Path) -> None:
    south_victims = _rows(_cli(region, "victims", *AS_OF, "--format", "csv", "--reason", "t", user="south"))
    assert {row["record_ids"] for row in south_victims} == {"STH:R2", "STH:R4"}
    persons = _rows(_cli(region, "persons", "--format", "csv", "--reason", "t", user="north"))
    assert sorted(row["record_ids"] for row in persons) == ["NTH:R1;STH:R1", "NTH:R2", "NTH:R3", "NTH:R4"]
    of_south = _rows(_cli(region, "persons", "--force", "sth", "--format", "csv", "--reason", "t"))
    assert sorted(row["record_ids"] for row in of_south) == ["NTH:R1;STH:R1", "STH:R2", "STH:R3", "STH:R4"]
    assert all("STH" in row["forces"].split(";") for row in of_south)
    with EmbeddedStore(region) as store:
        log = store.audit_log()
    exported = log[(log["who"] == "north (analyst)") & (log["subject"] == "persons")]
    assert exported["detail"].str.contains("4 persons; user sees force NTH").all() and len(exported)


def test_a_force_outside_the_scope_is_refused_and_logged(region: Path) -> None:
    for command in ("rank", "victims", "persons"):
        result = _cli(region, command, "--force", "NTH", "--format", "csv", "--reason", "t", user="south")
        assert result.exit_code == 1, (command, result.output)
        assert "south sees force STH only: force NTH is outside it" in _said(result)
    with EmbeddedStore(region) as store:
        log = store.audit_log()
    refused = log[(log["who"] == "south (analyst)") & (log["action"] == "refused")]
    assert {"perpetrators:overall (force NTH)", "victims:most-offences (force NTH)", "persons (force NTH)"} <= set(
        refused["subject"])


def test_explain_refuses_a_person_with_no_record_of_the_users_force(region: Path, people) -> None:  # type: ignore[no-untyped-def]
    olly, man = people["NTH:R3"], people["NTH:R1"]
    refused = _cli(region, "explain", olly, *AS_OF, user="south")
    assert refused.exit_code == 1 and f"{olly} holds no record of force STH" in _said(refused)
    assert "Olly" not in refused.output and "Stone" not in refused.output
    history = _cli(region, "persons", "--history", olly, "--format", "csv", user="south")
    assert history.exit_code == 1 and "holds no record of force STH" in _said(history)
    shown = _cli(region, "explain", man, *AS_OF, user="south")
    assert shown.exit_code == 0, shown.output
    assert "NTH:I1" in shown.stdout and "STH:I1" in shown.stdout  # both forces' incidents: he is one person
    assert _cli(region, "explain", olly, *AS_OF, user="north").exit_code == 0
    dvds = _cli(region, "dvds", olly, "--reason", "a disclosure request", user="south")
    assert dvds.exit_code == 1 and "holds no record of force STH" in _said(dvds)
    with EmbeddedStore(region) as store:
        log = store.audit_log()
    mine = log[log["who"] == "south (analyst)"]
    assert {("refused", olly, "explain: outside the user's force STH"),
            ("refused", olly, "identity history: outside the user's force STH"),
            ("refused", olly, "dvds: outside the user's force STH")} <= set(
        zip(mine["action"], mine["subject"], mine["detail"]))
    assert ((mine["action"] == "view_person") & (mine["subject"] == olly)).sum() == 0
    assert ((mine["action"] == "view_person") & (mine["subject"] == man)).sum() == 1


def test_a_grant_of_the_region_shows_everyone_and_a_scope_change_is_logged(region: Path, people) -> None:  # type: ignore[no-untyped-def]
    granted = _cli(region, "users", "add", "roamer", "--role", "detective", "--force", "STH", user="admin",
                   new_password=True)
    assert granted.exit_code == 0, granted.output
    olly = people["NTH:R3"]
    assert _cli(region, "explain", olly, *AS_OF, user="roamer").exit_code == 1
    widened = _cli(region, "users", "grant", "roamer", "--region", user="admin")
    assert widened.exit_code == 0 and "roamer now sees every force" in widened.output
    assert _cli(region, "explain", olly, *AS_OF, user="roamer").exit_code == 0
    narrowed = _cli(region, "users", "grant", "roamer", "--force", "nth", user="admin")
    assert narrowed.exit_code == 0 and "roamer now sees force NTH" in narrowed.output
    assert _cli(region, "explain", people["STH:R3"], *AS_OF, user="roamer").exit_code == 1
    with EmbeddedStore(region) as store:
        log = store.audit_log()
    scoped = log[(log["action"] == "user_scope") & (log["subject"] == "roamer")]
    assert scoped["detail"].tolist() == ["sees every force (was force STH)", "sees force NTH (was every force)"]


def test_a_user_of_one_force_sees_no_one_in_a_store_loaded_without_force(store) -> None:  # type: ignore[no-untyped-def]
    frame = pd.DataFrame({"person_id": ["P-1"], "record_ids": ["R1"]})
    assert visible_people(frame, Account("ana", "analyst", ("NTH",))).empty
    assert len(visible_people(frame, Account("bo", "analyst"))) == 1
    with pytest.raises(OutOfScope):
        check_forces(store, Account("ana", "analyst", ("NTH",)), ["STH"], "perpetrators:overall")
    assert store.audit_log()["action"].tolist() == ["refused"]


def test_the_panels_lists_and_pack_hold_the_users_people_and_a_chair_decides_on_them_only(region: Path, people,  # type: ignore[no-untyped-def]
                                                                                           tmp_path: Path) -> None:
    olly, sid = people["NTH:R3"], people["STH:R3"]
    added = _cli(region, "users", "add", "north-chair", "--role", "matac_chair", "--force", "NTH", user="admin",
                 new_password=True)
    assert added.exit_code == 0, added.output

    def decide(person: str, chair: str):  # type: ignore[no-untyped-def]
        return _cli(region, "matac", "record", person, "--decision", "adopt", "--reason", "serial", "--meeting",
                    "2026-03-20", "--chair", chair, user=chair)

    refused = decide(sid, "north-chair")
    assert refused.exit_code == 1 and f"{sid} holds no record of force NTH" in _said(refused)
    assert decide(olly, "north-chair").exit_code == 0 and decide(sid, "matac_chair").exit_code == 0
    assert {row["person_id"] for row in _rows(_cli(region, "matac", "history", "--format", "csv"))} == {olly, sid}
    assert {row["person_id"] for row in _rows(_cli(region, "matac", "history", "--format", "csv",
                                                   user="north"))} == {olly}
    cohort = _rows(_cli(region, "matac", "cohort", *AS_OF, "--format", "csv", user="north"))
    assert {row["person_id"] for row in cohort if row["section"] == "cohort"} == {olly}
    exported = tmp_path / "cohort.csv"
    assert _cli(region, "matac", "export", "cohort", "-o", str(exported), "--reason", "t", *AS_OF,
                user="north").exit_code == 0
    assert [row["person_id"] for row in csv.DictReader(io.StringIO(exported.read_text(encoding="utf-8-sig")))] == [olly]
    pack = _cli(region, "matac", "pack", "-o", str(tmp_path / "pack.pdf"), "--reason", "t", *AS_OF, user="north")
    assert pack.exit_code == 0 and "2 candidates, 4 pages" in _said(pack)
    with EmbeddedStore(region) as store:
        log = store.audit_log()
    packed = log[(log["who"] == "north (analyst)") & (log["subject"] == "matac:pack:overall")]["detail"].iloc[-1]
    assert olly in packed and sid not in packed
    assert (log["action"].eq("refused") & log["subject"].eq(sid) & log["who"].eq("north-chair (matac_chair)")).any()


def test_quarantined_rows_are_read_by_the_users_of_the_force_that_sent_them(tmp_path: Path, region: Path,
                                                                            force_factory) -> None:  # type: ignore[no-untyped-def]
    store = tmp_path / "region.duckdb"
    store.write_bytes(region.read_bytes())  # this test's loads stay out of the module's store
    for code, offence in (("NTH", "north_no_such_offence"), ("STH", "south_no_such_offence")):
        force = force_factory()
        force.person("R9", "Ann", "Lee", "F")
        force.incident("I9", "2025-01-01", offence)
        result = runner.invoke(app, ["ingest", str(force.write(tmp_path / code)), "--store", str(store),
                                     "--force", code])
        assert result.exit_code == 0, result.output

    def quarantined(user: str) -> set[str]:
        return {row["value"] for row in _rows(_cli(store, "quarantine", "--reason", "test", user=user))}

    assert quarantined("north") == {"north_no_such_offence"}
    assert quarantined("south") == {"south_no_such_offence"}
    assert quarantined("both") == quarantined("analyst") == {"north_no_such_offence", "south_no_such_offence"}
    with EmbeddedStore(store) as opened:
        assert set(opened.loads()["force"].dropna()) == {"NTH", "STH"}


def test_fairness_tells_a_one_force_user_its_figures_are_the_whole_stores(region: Path) -> None:
    north = _cli(region, "fairness", *AS_OF, user="north")
    assert north.exit_code == 0, north.output
    assert "not force NTH's alone" in " ".join(north.output.split())
    everyone = _cli(region, "fairness", *AS_OF)
    assert everyone.exit_code == 0 and "whole store" not in everyone.output
