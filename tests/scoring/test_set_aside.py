"""Incidents resting on a name-and-address-only record are not counted when they would add a
victim (``scoring.index._set_aside``), and the row says so (``scoring.signals.identity``).

Kwame KIRK's firm record harms Anne; a record of his name at his address, with no date of
birth or PNC id (``weak_identity``), is the only link to Dee: possibly his son. A weak record
against Anne, whom he is known to have harmed, is kept.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from scoring.explain import explain_person, flag_reasons
from scoring.lists import rank_perpetrators
from scoring.prepared import Prepared

AS_OF = date(2026, 1, 31)


def _force(plain_force, *, weak_against: str, only_weak: bool = False):  # type: ignore[no-untyped-def]
    force = plain_force
    force.person("K", "M", display_name="Kwame KIRK", date_of_birth="1971-07-25")
    force.person("A", "F", display_name="Anne JONES")
    force.person("D", "F", display_name="Dee WHITE")
    force.incident("I-1", "2025-03-01", "abh", suspect="K", victims=("A",))
    force.incident("I-2", "2025-06-01", "abh", suspect="K", victims=("A",))
    force.incident("I-3", "2025-09-01", "abh", suspect="K", victims=(weak_against,))
    for role in force.roles:
        if role["person_id"] == "K":
            role["weak_identity"] = only_weak or role["incident_id"] == "I-3"
    return force.context(AS_OF)


def _row(context) -> pd.Series:  # type: ignore[no-untyped-def]
    return rank_perpetrators(context).set_index("person_id").loc["K"]


def test_a_weak_record_that_adds_a_victim_is_not_counted_and_the_row_says_so(plain_force) -> None:
    context = _force(plain_force, weak_against="D")
    index = Prepared(context).index
    aside = index.set_aside
    assert list(index.ids(aside["person"].to_numpy())) == ["K"]
    assert index.incidents["incident_id"].take(aside["row"].to_numpy()).tolist() == ["I-3"]
    row = _row(context)
    assert (row["incidents"], row["victims"], row["set_aside"]) == (2, 1, 1)
    assert "identity_to_check" in row["flags"]
    reason = flag_reasons(context, row.to_dict()).set_index("flag")["reason"]["identity_to_check"]
    assert reason.startswith("1 incident not counted: recorded against a record of his name and address")
    assert reason.endswith("on 2025-09-01 against Dee WHITE")
    shown = explain_person(context, "K").incidents.set_index("incident_id")
    assert shown["set_aside"].tolist() == [False, False, True]  # shown, marked, not counted
    assert shown["in_window"].tolist() == [True, True, False]


def test_a_weak_record_against_a_woman_he_is_known_to_harm_is_counted(plain_force) -> None:
    context = _force(plain_force, weak_against="A")
    assert Prepared(context).index.set_aside.empty
    row = _row(context)
    assert (row["incidents"], row["victims"], row["set_aside"]) == (3, 1, 0)
    assert "identity_to_check" not in row["flags"]


def test_nothing_is_set_aside_for_a_man_with_no_firm_record(plain_force) -> None:
    context = _force(plain_force, weak_against="D", only_weak=True)
    assert Prepared(context).index.set_aside.empty
    assert (_row(context)["incidents"], _row(context)["victims"]) == (3, 2)
