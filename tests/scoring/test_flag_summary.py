"""Flags as a short, true summary: risk markers over all history, one flag for one fact, and a
flag common to most of the list said once above it (the list's notes), on plain tables.

Plain forces (tests/scoring/conftest.py) hold no referrals or measures, so nobody is managed
and nobody has a protective measure in force.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pandas as pd

from harmgraph.ui.filters import filter_candidates
from scoring.catalogue import OffenceCatalogue
from scoring.explain import flag_reasons
from scoring.lists import PerpetratorList, list_notes, rank_perpetrators
from scoring.signals.settings import SignalConfig

AS_OF = date(2026, 6, 30)


def _with_sexual_rape(context):  # type: ignore[no-untyped-def]
    table = context.catalogue.table.copy()
    table.loc["rape", "sexual"] = True
    return replace(context, catalogue=OffenceCatalogue(table=table, fingerprint="plain+sexual"))


def _flags(ranked: pd.DataFrame, person: str, column: str = "flags") -> list[str]:
    return ranked.set_index("person_id").loc[person, column].split(";")


def test_risk_markers_read_all_history_and_name_the_latest_as_recorded(plain_force) -> None:
    plain_force.incident("OLD", "2019-05-01", "strangulation", "S", ("V1",), outcome="convicted")
    plain_force.incident("NEW", "2026-05-01", "abh", "S", ("V1",))
    plain_force.incident("R1", "2026-04-01", "rape", "R", ("V2",), outcome="outcome_16")
    plain_force.incident("T1", "2025-01-01", "threats_to_kill", "T", ("V3",))
    plain_force.incident("T2", "2026-02-01", "stalking", "T", ("V3",), outcome="charged")
    plain_force.incident("N1", "2026-06-01", "abh", "N", ("V4",))
    context = _with_sexual_rape(plain_force.context(AS_OF))
    ranked = rank_perpetrators(context)
    markers = {"strangulation", "sexual_violence", "stalking", "threats_to_kill"}
    assert markers & set(_flags(ranked, "S")) == {"strangulation"}  # seven years ago, outside the window
    assert markers & set(_flags(ranked, "R")) == {"sexual_violence"}  # the catalogue's sexual offences
    assert markers & set(_flags(ranked, "T")) == {"stalking", "threats_to_kill"}
    assert not markers & set(_flags(ranked, "N"))
    reasons = flag_reasons(context, ranked.set_index("person_id").loc["S"].to_dict() | {"person_id": "S"})
    said = reasons.set_index("flag")["reason"]
    assert said["strangulation"] == ("non-fatal strangulation or suffocation: 1 incident up to 2026-06-30 as "
                                     "suspect or offender; latest strangulation on 2019-05-01 (convicted)")
    assert "latest rape on 2026-04-01 (outcome 16)" in flag_reasons(
        context, ranked.set_index("person_id").loc["R"].to_dict())["reason"].str.cat()


def test_weapon_and_pregnancy_markers_say_what_was_recorded_and_where(plain_force) -> None:
    plain_force.incident("W1", "2020-03-01", "abh", "W", ("V1",), weapon=True, outcome="convicted")
    plain_force.incident("W2", "2026-05-02", "common_assault", "W", ("V1",), weapon=True)
    plain_force.incident("W3", "2026-06-01", "abh", "W", ("V1",), weapon=False, victim_pregnant=False)
    plain_force.incident("P1", "2026-04-10", "abh", "P", ("V2",), victim_pregnant=True, outcome="charged")
    plain_force.incident("N1", "2026-06-01", "abh", "N", ("V3",), weapon=False)  # recorded: no weapon
    plain_force.incident("B1", "2026-06-01", "abh", "B", ("V4",))  # not recorded at all
    plain_force.incident("X1", "2026-07-05", "abh", "B", ("V4",), weapon=True)  # after the as-of date
    context = plain_force.context(AS_OF)
    ranked = rank_perpetrators(context)
    markers = {"weapon", "pregnancy"}
    assert markers & set(_flags(ranked, "W", "all_flags")) == {"weapon"}
    assert markers & set(_flags(ranked, "P", "all_flags")) == {"pregnancy"}
    for nobody in ("N", "B"):
        assert not markers & set(_flags(ranked, nobody, "all_flags"))
    said = flag_reasons(context, ranked.set_index("person_id").loc["W"].to_dict()).set_index("flag")["reason"]
    # W1 (2020) and W2 carry a weapon; W3 says no weapon: two incidents, the latest W2
    assert said["weapon"] == ("weapon recorded: 2 incidents up to 2026-06-30 as suspect or offender; latest "
                              "common assault on 2026-05-02 (outcome not recorded)")
    said = flag_reasons(context, ranked.set_index("person_id").loc["P"].to_dict()).set_index("flag")["reason"]
    assert said["pregnancy"] == ("victim recorded as pregnant: 1 incident up to 2026-06-30 as suspect or offender; "
                                 "latest abh on 2026-04-10 (charged)")


def test_which_offences_make_a_marker_is_a_setting(plain_force) -> None:
    plain_force.incident("A1", "2026-05-01", "abh", "S", ("V",))
    context = plain_force.context(AS_OF)
    settings = SignalConfig(risk_markers={"strangulation": ("abh",)})
    ranked = rank_perpetrators(replace(context, config=context.config.model_copy(update={"signals": settings})))
    assert "strangulation" in _flags(ranked, "S")
    assert "strangulation" not in _flags(rank_perpetrators(context), "S")


def test_nobody_managing_them_is_one_flag(plain_force) -> None:
    plain_force.incident("A1", "2026-05-01", "abh", "S", ("V",))
    ranked = rank_perpetrators(plain_force.context(AS_OF))
    flags = _flags(ranked, "S")
    assert "not_managed" in flags
    assert not {"unmanaged", "not_on_briefing", "unrecognised", "high_rank_no_measure"} & set(flags)


def _many(plain_force, people: int, strangled: set[int]) -> None:  # type: ignore[no-untyped-def]
    """``people`` perpetrators, person P<n> with n assaults 20 days apart, the last 5 days before
    the as-of date (so P<people> ranks first); those in ``strangled`` also strangled their victim
    once, 500 days before (an incident with no harm in the plain catalogue, between others)."""
    for n in range(1, people + 1):
        for k in range(n):
            when = pd.Timestamp(AS_OF) - pd.Timedelta(days=5 + 20 * k)
            plain_force.incident(f"I{n}-{k}", f"{when:%Y-%m-%d}", "abh", f"P{n:02d}", (f"V{n}",))
        if n in strangled:
            when = pd.Timestamp(AS_OF) - pd.Timedelta(days=500)
            plain_force.incident(f"S{n}", f"{when:%Y-%m-%d}", "strangulation", f"P{n:02d}", (f"V{n}",))


def test_a_flag_on_most_of_the_list_is_said_once_above_it(plain_force) -> None:
    _many(plain_force, 24, strangled={24, 23, 10})
    ranked = rank_perpetrators(plain_force.context(AS_OF), PerpetratorList.OVERALL)
    assert len(ranked) == 24
    notes = list_notes(ranked)
    # nobody is managed and nobody has a measure: both said once, neither on any row
    assert [note.split(",")[0].split(" are ")[1] for note in notes] == ['"not managed"', '"no protective measure"']
    assert notes[0].startswith('24 of the top 24 are "not managed", so it is said here once, not on their rows: ')
    assert not ranked["flags"].str.contains("not_managed|no_protective_measure").any()
    assert ranked["all_flags"].str.contains("not_managed").all()
    # a flag on few rows stays on them
    assert ranked.set_index("person_id").loc["P24", "flags"].split(";") == ["strangulation"]
    assert (ranked["flags"] != "").sum() == 3
    # the notes travel with the rows a page or an export takes, and filters still find the noted flag
    assert list_notes(ranked.head(5)) == notes
    found = filter_candidates(ranked, pd.Series(dtype="string"), flags=("not_managed",))
    assert len(found) == 24 and list_notes(found) == notes


def test_a_note_names_the_few_top_rows_without_the_flag(plain_force) -> None:
    _many(plain_force, 22, strangled=set(range(1, 23)) - {22, 15})
    ranked = rank_perpetrators(plain_force.context(AS_OF))
    strangled = [note for note in list_notes(ranked) if '"strangulation"' in note]
    assert strangled == ['20 of the top 22 are "strangulation" (all but ranks 1 and 8), so it is said here once, not '
                         'on their rows: a non-fatal strangulation or suffocation as suspect or offender at any time up '
                         'to the as-of date (not only in the window).']
    assert not ranked["flags"].str.contains("strangulation").any()


def test_a_short_list_keeps_every_flag_on_its_rows(plain_force) -> None:
    _many(plain_force, 5, strangled={5})
    ranked = rank_perpetrators(plain_force.context(AS_OF))
    assert list_notes(ranked) == []
    assert ranked["flags"].str.contains("not_managed").all()
    settings = SignalConfig(notes={"min_rows": 5, "share": 0.5})
    context = plain_force.context(AS_OF)
    noted = rank_perpetrators(replace(context, config=context.config.model_copy(update={"signals": settings})))
    assert len(list_notes(noted)) == 2 and not noted["flags"].str.contains("not_managed").any()


def test_a_flag_common_in_the_top_20_only_is_said_once_for_them_and_stays_below(plain_force) -> None:
    _many(plain_force, 40, strangled=set(range(23, 41)) | {5})
    ranked = rank_perpetrators(plain_force.context(AS_OF)).set_index("person_id")
    assert ranked.loc["P21", "rank"] == 20 and ranked.loc["P22", "rank"] == 19
    strangled = [note for note in list_notes(ranked) if '"strangulation"' in note]
    assert strangled == [note for note in strangled if note.startswith(
        '18 of the top 20 are "strangulation" (all but ranks 19 and 20), so it is said here once, not on their rows')]
    assert len(strangled) == 1
    assert "strangulation" not in ranked.loc["P40", "flags"].split(";")
    assert "strangulation" in ranked.loc["P40", "all_flags"].split(";")
    assert "strangulation" in ranked.loc["P05", "flags"].split(";")  # rank 36: below the top 20, on its row
