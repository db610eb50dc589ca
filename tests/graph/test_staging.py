"""What readers, administrators and the chair write while a staged load runs survives the swap."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from graph.decisions import MatacAction, MatacDecision, MatacMeeting
from graph.embedded import EmbeddedStore
from graph.staging import staged_store
from graph.store import READER_WRITTEN_TABLES, TABLE_COLUMNS

LOAD_WRITES = {"person_records", "incidents", "involvements", "measures", "measure_breaches", "referrals", "custody",
               "record_person", "persons", "identity_links", "identity_overrides", "loads", "quarantine",
               "load_warnings", "person_lineage", "identity_review"}


def test_every_table_a_load_does_not_write_is_carried_over() -> None:
    assert set(READER_WRITTEN_TABLES) == set(TABLE_COLUMNS) - LOAD_WRITES


def test_writes_made_during_a_staged_load_survive_the_swap(tmp_path: Path) -> None:
    store = tmp_path / "force.duckdb"
    EmbeddedStore(store).close()
    at = datetime(2026, 11, 2, 10)
    with staged_store(store):
        with EmbeddedStore(store) as live:  # the chair at work while the load runs
            live.put_user("chair", "chair", None, True, at)
            live.record_audit("chair", "view_profile", "P-1")
            live.add_matac_meeting(MatacMeeting(date(2026, 11, 2), "Police; Probation", "", "chair", at))
            live.add_matac_decision(MatacDecision("P-1", date(2026, 11, 2), "adopt", "two new victims", "chair",
                                                  at, 62.5, 3, date(2026, 10, 31), "v1", "abc"))
            live.add_matac_action(MatacAction("A-1", "P-1", date(2026, 11, 2), "drive", "Police",
                                              date(2026, 12, 1), "open", date(2026, 12, 1), "", "chair", at))
    with EmbeddedStore(store) as swapped:
        assert swapped.user("chair") is not None
        assert "view_profile" in set(swapped.audit_log()["action"])
        assert len(swapped.matac_meetings()) == 1
        assert len(swapped.matac_actions()) == 1
        assert len(swapped.export_table("matac_decisions")) == 1
