"""The serial-history list: whole records the window hides, on plain in-memory forces."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from scoring.lists import PerpetratorList, rank_perpetrators

AS_OF = date(2026, 6, 30)  # the 3-year window starts on 2023-06-30


def _serial_force(plain_force):  # type: ignore[no-untyped-def]
    force = plain_force
    # S1: four women in 2020-2021, then one incident against one of them inside the window
    for i, when in enumerate(("2020-01-10", "2020-06-10", "2021-01-10", "2021-06-10")):
        force.incident(f"A{i}", when, "abh", "S1", (f"V{i}",), outcome="convicted")
    force.incident("A9", "2026-05-01", "common_assault", "S1", ("V0",), outcome="charged")
    # S2: four women inside the window: the overall list shows him already
    for i in range(4):
        force.incident(f"B{i}", f"2025-0{i + 1}-01", "abh", "S2", (f"W{i}",))
    # S3: two victims ever, nothing since 2021, never charged
    force.incident("C1", "2020-03-01", "abh", "S3", ("X1",), outcome="nfa")
    force.incident("C2", "2021-03-01", "abh", "S3", ("X2",), outcome="nfa")
    # S4: charged against two partners in 2020-2021, nothing in the window: a potential PDP
    force.incident("D1", "2020-03-01", "abh", "S4", ("Y1",), outcome="charged", domestic_abuse=True)
    force.incident("D2", "2021-03-01", "abh", "S4", ("Y2",), outcome="charged", domestic_abuse=True)
    for person in ("V0", "V1", "V2", "V3", "W0", "W1", "W2", "W3", "X1", "X2", "Y1", "Y2"):
        force.person(person, "F")
    return force.context(AS_OF)


def test_serial_history_shows_whole_records_quiet_in_the_window(plain_force) -> None:  # type: ignore[no-untyped-def]
    context = _serial_force(plain_force)
    serial = rank_perpetrators(context, PerpetratorList.SERIAL_HISTORY)
    assert serial["person_id"].tolist() == ["S1", "S4"]  # by victims over the whole record
    first = serial.iloc[0]
    assert (first["victims"], first["frequency"], first["window_incidents"], first["window_victims"]) == (4, 5, 1, 1)
    assert first["reasons"].startswith("Whole record: 5 incidents against 4 victims (4 women or girls) over 6 years")
    assert first["reasons"].endswith("outcomes: 4 convicted, 1 charged. In the window: 1 incident against 1 victim.")
    assert first["score"] == rank_perpetrators(context).set_index("person_id").loc["S1", "score"]
    # out of the window entirely, yet tested for PDP over the whole record
    pdp = serial.iloc[1]
    assert pdp["score"] == 0.0 and "pdp" in pdp["flags"].split(";")
    assert pdp["reasons"].endswith("No incident in the window.")
    assert "S4" not in set(rank_perpetrators(context)["person_id"])


def test_serial_history_threshold_comes_from_the_config(plain_force) -> None:  # type: ignore[no-untyped-def]
    context = _serial_force(plain_force)
    wider = context.config.model_copy(update={"serial_history": context.config.serial_history.model_copy(
        update={"min_victims": 2})})
    serial = rank_perpetrators(replace(context, config=wider), PerpetratorList.SERIAL_HISTORY)
    assert set(serial["person_id"]) == {"S1", "S3", "S4"}  # S3: two victims, none in the window
