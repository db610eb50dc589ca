"""The backtest and fairness commands through the real CLI on a small loaded store."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from graph.embedded import EmbeddedStore
from harmgraph.cli import app

runner = CliRunner()


def _run(*args: str) -> str:
    result = runner.invoke(app, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


def evidence_force(force_factory):  # type: ignore[no-untyped-def]
    """S1 harms three women before mid-2025 and rapes a fourth after; S2 once before, never again."""
    force = force_factory()
    force.person("S1", "John", "Smith", "M", date_of_birth="1985-03-12", postcode="NE1 4ST", ethnicity="W1")
    force.person("S2", "Dave", "Green", "M", date_of_birth="1999-05-01", postcode="SR3 7PE", ethnicity="A1")
    for n in range(1, 5):
        force.person(f"V{n}", "Victim", f"V{n}", "F")
    force.incident("I1", "2024-08-01", "abh", "S1", ("V1",))
    force.incident("I2", "2025-01-05", "abh", "S1", ("V2",))
    force.incident("I3", "2025-06-01", "common_assault", "S1", ("V3",))
    force.incident("I4", "2025-02-01", "harassment", "S2", ("V1",), relationship="ex_partner")
    force.incident("I5", "2025-11-01", "rape", "S1", ("V4",))
    return force


def test_backtest_prints_the_table_and_writes_csv(tmp_path: Path, force_factory, load, cli_users) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "cli.duckdb"
    with EmbeddedStore(path) as store:
        load(evidence_force(force_factory), store)
    cli_users(path)
    csv_path = tmp_path / "results.csv"
    text = _run("backtest", "--store", str(path), "--as-of", "2025-06-30", "--horizon", "180", "--top-k", "1",
                "--every-months", "3", "--times", "2", "-o", str(csv_path))
    assert "Back-test" in text and "hindsight" in text
    results = pd.read_csv(csv_path)
    assert set(results["as_of"]) == {"2025-03-30", "2025-06-30"}
    assert set(results["method"]) == {"rfgv", "rfgv_banded", "frequency", "random"}
    last = results[(results["as_of"] == "2025-06-30") & (results["method"] == "rfgv") & (results["cut"] == "top 1")]
    assert last["harm_share"].tolist() == [1.0]  # the rape on 2025-11-01 was S1's, ranked first
    with EmbeddedStore(path) as store:
        assert "backtest" in set(store.audit_log()["action"])


def test_backtest_with_learned_weights_shows_both(tmp_path: Path, force_factory, load, cli_users) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "cli.duckdb"
    with EmbeddedStore(path) as store:
        load(evidence_force(force_factory), store)
    cli_users(path)
    text = _run("backtest", "--store", str(path), "--as-of", "2025-06-30", "--horizon", "90", "--learned")
    assert "Weights: default beside learned" in text and "learned" in text
    # Bands: the default beside those learned (two people is too few to learn any: defaults kept).
    assert "Bands: default beside learned" in text and "<=28d:5" in text and "no split" in text
    assert "Back-test: learned beside the default" in text and "+bands" in text


def test_fairness_prints_groups_with_caveats(tmp_path: Path, force_factory, load, cli_users) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "cli.duckdb"
    with EmbeddedStore(path) as store:
        load(evidence_force(force_factory), store)
    cli_users(path)
    csv_path = tmp_path / "fairness.csv"
    text = _run("fairness", "--store", str(path), "--top", "1", "--as-of", "2025-06-30", "-o", str(csv_path))
    assert "not used to score" in text and "Wilson" in text
    report = pd.read_csv(csv_path)
    assert set(report["attribute"]) == {"ethnicity", "age", "area"}
    white = report[(report["attribute"] == "ethnicity") & (report["group"] == "White")].iloc[0]
    assert (white["top_count"], white["all_count"]) == (1, 1)
