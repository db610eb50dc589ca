"""``harmgraph graph export-import-files`` through the real CLI: an admin's whole-store copy, logged."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from core.errors import StoreError
from graph.embedded import EmbeddedStore
from graph.import_files import COMMAND_FILE, NODE_FILES
from harmgraph.cli import app

runner = CliRunner()


def test_an_admin_writes_the_import_files_and_gets_the_command(tmp_path: Path, force_factory, cli_users) -> None:
    force = force_factory()
    force.person("S1", "Sam", "Stone", "M")
    force.person("V1", "Vee", "Vale", "F")
    force.incident("I1", "2026-01-05", "abh", "S1", ("V1",))
    store = str(cli_users(tmp_path / "store.duckdb"))
    assert runner.invoke(app, ["ingest", str(force.write(tmp_path / "force")), "--store", store],
                         env={"HARMGRAPH_USER": "loader"}).exit_code == 0
    out = tmp_path / "import"
    refused = runner.invoke(app, ["graph", "export-import-files", str(out), "--store", store])
    assert refused.exit_code != 0 and "may not copy the whole store" in refused.output
    assert not out.exists()
    result = runner.invoke(app, ["graph", "export-import-files", str(out), "--store", store, "--database", "vawg",
                                 "--reason", "first load of the force"], env={"HARMGRAPH_USER": "admin"})
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("neo4j-admin database import full vawg")
    assert f"--nodes={out / 'nodes_PersonRecord.csv'}" in result.stdout
    assert (out / COMMAND_FILE).exists()
    assert all((out / spec.name).exists() for spec in NODE_FILES)
    assert (out / "nodes_PersonRecord.csv").read_text(encoding="utf-8").count("\n") == 3  # header + 2 records
    with EmbeddedStore(store) as opened:
        entry = opened.audit_log().iloc[-1]
    assert (entry["who"].startswith("admin"), entry["action"], entry["subject"], entry["detail"]) == (
        True, "export_import_files", str(out), "first load of the force")
    again = runner.invoke(app, ["graph", "export-import-files", str(out), "--store", store],
                          env={"HARMGRAPH_USER": "admin"})
    assert isinstance(again.exception, StoreError) and "already holds CSV files" in str(again.exception)
    with EmbeddedStore(store) as opened:
        assert opened.audit_log().iloc[-1]["action"] == "export_import_files"  # refused before signing in
