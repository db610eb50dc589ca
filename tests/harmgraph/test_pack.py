"""`harmgraph matac pack`: the meeting pack as a PDF, read back with pypdf.

The force (shipped config and catalogue): S1 assaults two partners (abh 2025-01-10, DASH high,
and abh 2025-02-20, DASH medium); the first victim was referred to MARAC on 2025-01-15 and is
protected by a DVPO; S3 assaults one woman (2025-02-25), S2 another (2025-12-01). As of
2025-12-01 the overall list is S1, S2, S3 (tests/scoring/test_matac.py works the scores).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader
from typer.testing import CliRunner

from graph.embedded import EmbeddedStore
from harmgraph.cli import app
from harmgraph.context import build_context
from harmgraph.matac import record_action, record_decision, record_referral
from scoring.catalogue import load_catalogue
from scoring.config import load_config

runner = CliRunner()


@pytest.fixture
def store(tmp_path: Path, force_factory, load, cli_users) -> str:  # type: ignore[no-untyped-def]
    force = force_factory()
    force.person("S1", "Suspect", "One", "M")
    force.person("S2", "Suspect", "Two", "M")
    force.person("S3", "Suspect", "Three", "M")
    force.person("V1", "<Zoë>", "Victim", "F")
    for victim in ("V2", "V3", "V4"):
        force.person(victim, "Victim", victim, "F")
    force.incident("I1", "2025-01-10", "abh", "S1", ("V1",), dash_risk="high", outcome="charged")
    force.incident("I2", "2025-02-20", "abh", "S1", ("V2",), dash_risk="medium")
    force.incident("I4", "2025-02-25", "common_assault", "S3", ("V3",))
    force.incident("I3", "2025-12-01", "common_assault", "S2", ("V4",))
    force.measures.append({"measure_id": "M1", "type": "dvpo", "subject_record_id": "S1",
                           "protected_record_id": "V1", "start_date": "2025-01-11", "end_date": "2025-02-07"})
    force.referrals.append({"referral_id": "F1", "record_id": "V1", "type": "marac", "date": "2025-01-15"})
    path = tmp_path / "pack.duckdb"
    with EmbeddedStore(path) as opened:
        load(force, opened)
    return str(cli_users(path))


def _ids(store: str) -> dict[str, str]:
    with EmbeddedStore(store) as opened:
        clusters = opened.clusters()
    return dict(zip(clusters["record_id"], clusters["person_id"]))


def _pack(store: str, out: Path, *extra: str) -> list[str]:
    """Run the command; each page's text with its lines joined (table cells wrap)."""
    result = runner.invoke(app, ["matac", "pack", "-o", str(out), "--reason", "panel of 5 January",
                                 "--meeting", "2026-01-05", "--store", store, *extra], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return [" ".join(page.extract_text().split()) for page in PdfReader(out).pages]


def test_the_pack_has_a_cover_an_agenda_and_one_page_per_candidate_shown(store, tmp_path) -> None:
    ids = _ids(store)
    pages = _pack(store, tmp_path / "two.pdf", "--top", "2")
    assert len(pages) == 2 + 2
    cover, agenda, first, second = pages
    assert "MATAC meeting pack" in cover and "panel of 5 January" in cover and "analyst (analyst)" in cover  # the signed-in user
    assert load_config().fingerprint() in cover and "2025-12-01" in cover and "2026-01-05" in cover
    assert "Agenda: meeting of 2026-01-05" in agenda
    assert ids["S1"] in agenda and ids["S2"] in agenda and ids["S3"] not in agenda
    assert f"1. Suspect ONE ({ids['S1']})" in first and f"2. Suspect TWO ({ids['S2']})" in second
    assert not any(ids["S3"] in page for page in pages[2:])
    assert "Reason:" in first and load_catalogue().table.loc["abh", "label"] in first
    for heading in ("Flags", "RFGV", "Timeline", "Victims and the safety information held", "Measures",
                    "Referrals", "Panel decisions", "Actions"):
        assert heading in first
    # the victims, their highest DASH grading and MARAC referral; what the extract cannot say, said so
    assert "<Zoë> VICTIM" in first and ids["V1"] in first and ids["V2"] in first
    assert "high" in first and "no referral held" in first
    assert "referred 2025-01-15" in first
    assert "not held in the extract" in first and "dvpo" in first
    assert len(_pack(store, tmp_path / "three.pdf", "--top", "3")) == 3 + 2
    with EmbeddedStore(store) as opened:
        log = opened.audit_log()
    packs = log[log["action"] == "export"]
    assert packs["subject"].tolist() == ["matac:pack:overall"] * 2
    assert packs["reason"].tolist() == ["panel of 5 January"] * 2
    assert f"people: {ids['S1']}; {ids['S2']}" in packs["detail"].iloc[0]


def test_the_pack_carries_decisions_actions_and_the_agenda_of_the_next_meeting(store, tmp_path) -> None:
    ids = _ids(store)
    with EmbeddedStore(store) as opened:
        context = build_context(opened)
        record_decision(opened, context, ids["S1"], "adopt", "two partners assaulted", date(2025, 12, 8), "chair")
        record_decision(opened, context, ids["S3"], "defer", "await the MARAC minutes", date(2025, 12, 8), "chair")
        record_action(opened, ids["S1"], date(2025, 12, 8), "dapo_dvpn", "Police", date(2025, 12, 20), "chair",
                      date(2026, 1, 5))
        record_referral(opened, ids["S2"], "Probation", "licence breach reported", "analyst")
    pages = _pack(store, tmp_path / "next.pdf", "--top", "3", "--list", "different-victims")
    assert len(pages) == 3 + 2
    agenda = pages[1]
    assert "Deferrals carried forward" in agenda and "await the MARAC minutes" in agenda
    assert "Referred by partner agencies" in agenda and "licence breach reported" in agenda
    assert "referred by Probation on 20" in agenda.replace("\n", " ")
    assert "DAPO / DVPN application" in agenda and "due 2025-12-20; review 2026-01-05" in agenda
    s1_page = next(page for page in pages[2:] if f"Suspect ONE ({ids['S1']})" in page)
    assert "two partners assaulted" in s1_page and "DAPO / DVPN application" in s1_page and "Police" in s1_page
    assert "not managed" not in s1_page  # the adoption counts as management
    s2_page = next(page for page in pages[2:] if f"Suspect TWO ({ids['S2']})" in page)
    assert "to the MATAC by Probation" in s2_page and "licence breach reported" in s2_page


def test_a_pack_without_a_reason_is_refused(store, tmp_path) -> None:
    result = runner.invoke(app, ["matac", "pack", "-o", str(tmp_path / "x.pdf"), "--store", store])
    assert result.exit_code == 2 and "--reason" in result.output
    assert not (tmp_path / "x.pdf").exists()
