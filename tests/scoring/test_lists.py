"""rank_victims' women-and-girls scope and the girls among victims, on plain tables.

Catalogue and config as in tests/scoring/conftest.py (women are sex ``F``; a 3-year window).
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from scoring.lists import VictimList, rank_victims
from scoring.perpetrators import ages_at, score_perpetrators_coded
from scoring.prepared import Prepared

AS_OF = date(2026, 6, 30)


def victims_of(plain_force) -> None:
    """Five victims of S, each assaulted once: a woman, a girl of 17, a man, a boy of 15 and
    someone whose sex is not recorded (no date of birth for the adults)."""
    plain_force.person("Woman", "F")
    plain_force.person("Girl", "F", date_of_birth="2009-01-01")
    plain_force.person("Man", "M")
    plain_force.person("Boy", "M", date_of_birth="2011-01-01")
    plain_force.person("Unknown", "U")
    for number, victim in enumerate(("Woman", "Girl", "Man", "Boy", "Unknown"), start=1):
        plain_force.incident(f"I{number}", f"2026-0{number}-10", "abh", "S", (victim,))


def test_the_victim_lists_hold_women_and_girls_by_default_and_everyone_when_asked(plain_force) -> None:
    victims_of(plain_force)
    context = plain_force.context(AS_OF)
    for which in VictimList:
        assert set(rank_victims(context, which)["person_id"]) == {"Woman", "Girl"}
        assert set(rank_victims(context, which, all_victims=True)["person_id"]) == {
            "Woman", "Girl", "Man", "Boy", "Unknown"}


def test_the_under_18_filter_keeps_girls_or_with_all_victims_every_child(plain_force) -> None:
    victims_of(plain_force)
    context = plain_force.context(AS_OF)
    girls = rank_victims(context, under_18=True)
    assert girls[["person_id", "age", "under_18", "rank"]].values.tolist() == [["Girl", 17.0, True, 1]]
    children = rank_victims(context, all_victims=True, under_18=True)
    assert set(children["person_id"]) == {"Girl", "Boy"}


def test_a_victim_without_a_date_of_birth_has_no_age_and_is_not_under_18(plain_force) -> None:
    victims_of(plain_force)
    everyone = rank_victims(plain_force.context(AS_OF), all_victims=True).set_index("person_id")
    assert np.isnan(everyone.at["Woman", "age"]) and not everyone.at["Woman", "under_18"]
    assert everyone.loc["Unknown", ["female", "sex_recorded"]].tolist() == [False, False]


def test_a_girl_counts_as_under_18_when_she_was_at_any_incident_and_her_age_is_the_latest(plain_force) -> None:
    plain_force.person("V", "F", date_of_birth="2008-03-01")
    plain_force.incident("I1", "2026-02-28", "abh", "S", ("V",))  # the day before her 18th birthday
    plain_force.incident("I2", "2026-03-01", "abh", "S", ("V",))  # her 18th birthday
    row = rank_victims(plain_force.context(AS_OF), under_18=True).iloc[0]
    assert (row["person_id"], row["age"], row["under_18"]) == ("V", 18.0, True)


def test_on_her_18th_birthday_a_woman_is_no_longer_a_girl(plain_force) -> None:
    plain_force.person("V", "F", date_of_birth="2008-03-01")
    plain_force.incident("I1", "2026-03-01T08:00", "abh", "S", ("V",))
    assert rank_victims(plain_force.context(AS_OF), under_18=True).empty
    prepared = Prepared(plain_force.context(AS_OF))
    victim = prepared.index.codes(pd.Series(["V"], dtype="string"))
    assert ages_at(prepared.context, prepared.index, victim, np.array([0])).tolist() == [18.0]


def test_the_offender_list_counts_girls_and_victims_of_unknown_sex_apart(plain_force) -> None:
    victims_of(plain_force)
    context = plain_force.context(AS_OF)
    prepared = Prepared(context)
    row = prepared.decode(score_perpetrators_coded(context, prepared)).set_index("person_id").loc["S"]
    assert (row["victims"], row["female_victims"], row["girl_victims"], row["sex_unknown_victims"]) == (5, 2, 1, 1)


def test_the_women_and_girls_list_counts_women_and_girls_in_its_flags_too(plain_force) -> None:
    """One woman and one man harmed: two victims on the overall list, one woman on the
    different-victims list, so 'multiple victims' is true on the first and not on the second;
    two women: on both, said as women and girls where the list counts them."""
    from scoring.explain import flag_reasons
    from scoring.lists import PerpetratorList, rank_perpetrators

    for person, sex in (("W1", "F"), ("W2", "F"), ("M1", "M")):
        plain_force.person(person, sex)
    plain_force.incident("A1", "2026-03-10", "abh", "MIXED", ("W1",))
    plain_force.incident("A2", "2026-04-10", "abh", "MIXED", ("M1",))
    plain_force.incident("B1", "2026-03-10", "abh", "TWO", ("W1",))
    plain_force.incident("B2", "2026-04-10", "abh", "TWO", ("W2",))
    context = plain_force.context(AS_OF)
    overall = rank_perpetrators(context).set_index("person_id")
    women = rank_perpetrators(context, PerpetratorList.DIFFERENT_VICTIMS).set_index("person_id")
    assert (overall.at["MIXED", "victims"], women.at["MIXED", "victims"]) == (2, 1)
    assert "multiple_victims" in overall.at["MIXED", "all_flags"].split(";")
    assert "multiple_victims" not in women.at["MIXED", "all_flags"].split(";")
    assert "multiple_victims" in women.at["TWO", "all_flags"].split(";")
    said = flag_reasons(context, women.loc["TWO"].to_dict()).set_index("flag")["reason"]
    assert said["multiple_victims"] == "2 different women and girls in the window"
    said = flag_reasons(context, overall.loc["MIXED"].to_dict()).set_index("flag")["reason"]
    assert said["multiple_victims"] == "2 different victims in the window"


def test_a_list_is_put_in_the_order_pandas_sorts_it_in_ties_and_gaps_included() -> None:
    """The ordering keys sorted with NumPy give pandas' stable order: later keys descending
    (a missing value last), the person code ascending; with a missing time, pandas sorts."""
    from scoring.lists import _sorted

    order = ["score", "victims", "last_incident", "person"]
    frame = pd.DataFrame({"score": [50.0, 70.0, 50.0, np.nan, 50.0, 70.0], "victims": [2, 1, 2, 3, 4, 1],
                          "last_incident": pd.to_datetime(["2026-01-02", "2026-03-01", "2026-01-05", "2026-01-01",
                                                           "2025-12-01", "2026-03-01"]),
                          "person": [5, 3, 1, 0, 4, 2], "label": list("abcdef")})
    for rows in (frame, frame.assign(last_incident=frame["last_incident"].where(frame["person"] != 4))):
        expected = rows.sort_values(order, ascending=[False, False, False, True], kind="stable")
        pd.testing.assert_frame_equal(_sorted(rows, order), expected.reset_index(drop=True))
    assert _sorted(frame, order)["label"].tolist() == ["f", "b", "e", "c", "a", "d"]
