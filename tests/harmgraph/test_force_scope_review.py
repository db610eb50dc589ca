"""The identity review queue in a regional store: a user of one force sees, links and unlinks
only their forces' people (an item shows two records' names and dates of birth)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from typer.testing import CliRunner

from graph.embedded import EmbeddedStore
from harmgraph.cli import app
from tests.conftest import CLI_PASSWORD, make_duplicate_victim_force

runner = CliRunner()


def _cli(store: Path, *args: str, user: str = "analyst", new_password: bool = False):  # type: ignore[no-untyped-def]
    env = {"HARMGRAPH_USER": user, "HARMGRAPH_PASSWORD": CLI_PASSWORD}
    if new_password:
        env["HARMGRAPH_NEW_PASSWORD"] = CLI_PASSWORD
    return runner.invoke(app, [*args, "--store", str(store)], env=env)


def _items(store: Path, user: str) -> list[dict[str, str]]:
    result = _cli(store, "review", "--format", "csv", user=user)
    assert result.exit_code == 0, result.output
    return list(csv.DictReader(io.StringIO(result.stdout)))


@pytest.fixture(scope="module")
def region(tmp_path_factory, two_forces, cli_users) -> Path:  # type: ignore[no-untyped-def]
    """NTH as in the regional pair; STH holds Steven Price, who abused Cheryl Wells (V1) and then
    'Cheril Wellls' (V2, no date of birth, another postcode): a duplicate-victim item of STH only."""
    south = make_duplicate_victim_force()
    folder = tmp_path_factory.mktemp("review_region")
    store = cli_users(folder / "region.duckdb")
    for code, force in (("NTH", two_forces["NTH"]), ("STH", south)):
        loaded = runner.invoke(app, ["ingest", str(force.write(folder / code)), "--store", str(store),
                                     "--force", code], catch_exceptions=False)
        assert loaded.exit_code == 0, loaded.output
    for name, code in (("north", "NTH"), ("south", "STH")):
        added = _cli(store, "users", "add", name, "--role", "analyst", "--force", code, user="admin",
                     new_password=True)
        assert added.exit_code == 0, added.output
    return store


def test_a_one_force_user_sees_only_items_about_their_forces_people(region: Path) -> None:
    everyone = _items(region, "analyst")
    victims = [row for row in everyone if row["kind"] == "duplicate_victim"]
    assert [(row["record_l"][:6], row["record_r"][:6]) for row in victims] == [("STH:V1", "STH:V2")]
    assert [row["item_id"] for row in _items(region, "south")] == [row["item_id"] for row in everyone
                                                                    if row["record_l"].startswith("STH:")
                                                                    and row["record_r"].startswith("STH:")]
    north = _items(region, "north")
    assert not any("Wells" in row["record_l"] or "Wellls" in row["record_r"] for row in north)
    # Mark Hale (R1) is one man both forces hold: his STH record may show to the north.
    assert all(record.startswith(("NTH:", "STH:R1:")) for row in north for record in (row["record_l"], row["record_r"]))


def test_a_decision_or_override_on_another_forces_records_is_refused_and_logged(region: Path) -> None:
    item = next(row["item_id"] for row in _items(region, "analyst") if row["kind"] == "duplicate_victim")
    decided = _cli(region, "review", "--decide", item, "--same", "--reason", "same woman", user="north")
    assert decided.exit_code == 1
    said = " ".join((decided.output + str(decided.exception or "")).split())
    assert "record STH:V1, STH:V2 belongs to no person of force NTH" in said
    unlinked = _cli(region, "unlink", "STH:V1", "NTH:R3", "--reason", "two women", user="north")
    assert unlinked.exit_code == 1
    assert "record STH:V1 belongs to no person of force NTH" in " ".join(
        (unlinked.output + str(unlinked.exception or "")).split())
    with EmbeddedStore(region) as store:
        log = store.audit_log()
        overrides = store.overrides()
    refused = log[(log["who"] == "north (analyst)") & (log["action"] == "refused")]
    assert {"STH:V1/STH:V2", "STH:V1"} <= set(refused["subject"])
    assert overrides.empty, "nothing was stored"
