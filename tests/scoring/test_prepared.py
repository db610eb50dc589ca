"""The fast paths behind a ranking give exactly what plain pandas gives.

rank_perpetrators shares its intermediates (scoring.prepared) and replaces string-keyed merges,
sorts and per-group joins with Arrow lookups; every one must return the very same frame.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from scoring.arrow_sort import sort_rows
from scoring.grouped_text import join_within
from scoring.perpetrators import ScoringContext
from scoring.prepared import Prepared, prepared_for
from scoring.signals._history import history, link_history, perpetrator_history
from scoring.tables import normalise_tables
from scoring.window import (_victim_pairs, incidents_in_window, lookup_join, perpetrator_incidents, perpetrator_pairs,
                            victim_links, victim_pairs)


def _text(values: list[object]) -> pd.Series:
    return pd.Series(values, dtype="string")


def test_lookup_join_matches_merge() -> None:
    left = pd.DataFrame({"k": _text(["b", "a", "z", "b"]), "x": [1, 2, 3, 4]}, index=[9, 8, 7, 6])
    right = pd.DataFrame({"k": _text(["a", "b", "c"]), "y": _text(["A", "B", None]), "f": [0.5, 1.5, 2.5]})
    pd.testing.assert_frame_equal(lookup_join(left, right, "k"), left.merge(right, on="k"))
    pd.testing.assert_frame_equal(lookup_join(left, right, "k", how="left"), left.merge(right, on="k", how="left"))
    found = left[left["k"] != "z"]
    pd.testing.assert_frame_equal(lookup_join(found, right, "k", how="left"), found.merge(right, on="k", how="left"))
    repeated = pd.concat([right, right], ignore_index=True)  # not unique: pandas merges
    pd.testing.assert_frame_equal(lookup_join(left, repeated, "k"), left.merge(repeated, on="k"))


def test_sort_rows_matches_sort_values() -> None:
    rng = np.random.default_rng(1)
    frame = pd.DataFrame({"p": _text(list(rng.choice(["b", "a", "É", "c"], 200))),
                          "h": rng.choice([0.0, 1.5, 3.0], 200),
                          "t": pd.to_datetime(rng.integers(0, 5, 200), unit="D"),
                          "i": _text([f"I{n:03d}" for n in rng.permutation(200)])})
    for by, ascending in ((["p", "t", "i"], [True] * 3), (["p", "h", "t", "i"], [True, False, False, True]),
                          (["p", "h"], [True, False])):  # the last one has ties: both sorts are stable
        pd.testing.assert_frame_equal(sort_rows(frame, by, ascending),
                                      frame.sort_values(by, ascending=ascending, kind="stable"))
    gappy = frame.assign(p=frame["p"].where(frame.index % 7 != 0))
    pd.testing.assert_frame_equal(sort_rows(gappy, ["p", "i"]), gappy.sort_values(["p", "i"], kind="stable"))


def test_join_within_matches_groupby_join() -> None:
    rng = np.random.default_rng(2)
    keys = _text(list(rng.choice(["x", "y", None, "w"], 300))).rename("person_id")
    text = pd.Series(rng.choice(["1 charged", "2 nfa", "3 other outcome"], 300)).astype("str").rename("text")
    pd.testing.assert_series_equal(join_within(text, keys, ", "), text.groupby(keys).agg(", ".join))
    empty = text.iloc[:0]
    pd.testing.assert_series_equal(join_within(empty, keys.iloc[:0], "; "), empty.groupby(keys.iloc[:0]).agg("; ".join))


def _context() -> ScoringContext:
    from scoring.catalogue import load_catalogue
    from scoring.config import load_config

    incidents = pd.DataFrame({
        "incident_id": ["I1", "I2", "I3", "I4"], "occurred_at": ["2020-01-01", "2025-01-01", "2026-01-01", "2027-01-01"],
        "offence": ["abh", "rape", "da_non_crime", "abh"], "domestic_abuse": [True, None, False, True],
        "dash_risk": ["high", None, "low", "high"], "outcome": ["charged", "nfa", None, "convicted"],
        "postcode": None})
    roles = pd.DataFrame({
        "incident_id": ["I1", "I1", "I2", "I2", "I2", "I3", "I3", "I4", "I4", "I9"],
        "person_id": ["P1", "P2", "P1", "P1", "P3", "P1", "P1", "P1", "P2", "P1"],
        "role": ["suspect", "victim", "suspect", "offender", "victim", "suspect", "victim", "suspect", "victim",
                 "suspect"],
        "relationship": [None, "partner", "ex_partner", None, None, None, None, None, "partner", None]})
    persons = pd.DataFrame({"person_id": ["P1", "P2", "P3"], "display_name": ["A", "B", "C"],
                            "record_ids": ["R1", "R2", "R3"], "sex": ["M", "F", "F"]})
    empty = {name: pd.DataFrame() for name in ("measures", "breaches", "referrals")}
    tables = normalise_tables(incidents=incidents, roles=roles, persons=persons, **empty)
    return ScoringContext(tables=tables, config=load_config(), catalogue=load_catalogue(), as_of=date(2026, 6, 1))


def test_prepared_equals_standalone_functions() -> None:
    context = _context()
    prepared = Prepared(context)
    tables, config = context.tables, context.config
    window = incidents_in_window(tables.incidents, context.as_of, config, context.catalogue)
    pd.testing.assert_frame_equal(prepared.window, window)
    pd.testing.assert_frame_equal(prepared.history, history(context))
    pd.testing.assert_frame_equal(prepared.window_perpetrators, perpetrator_incidents(window, tables.roles, config))
    pd.testing.assert_frame_equal(prepared.history_perpetrators, perpetrator_history(context))
    pd.testing.assert_frame_equal(prepared.window_links, victim_links(window, tables.roles, config))
    pd.testing.assert_frame_equal(prepared.history_links, link_history(context))
    # The coded pair tables equal the ones built on the strings themselves.
    roles = tables.roles
    with_gap = roles.assign(person_id=roles["person_id"].where(roles.index != 0))  # a missing id: no codes
    for frame in (roles, with_gap):
        pd.testing.assert_frame_equal(perpetrator_pairs(frame, config),
                                      frame.loc[frame["role"].isin(config.perpetrator_roles),
                                                ["incident_id", "person_id"]].drop_duplicates())
    pd.testing.assert_frame_equal(victim_pairs(roles, config), _victim_pairs(roles, config))
    # The small force takes the fast paths, so the comparisons above test them.
    assert prepared.coded_roles is not None and prepared._perpetrator_positions is not None
    assert prepared._rows_of(prepared.history, prepared._history_mask) is not None


def test_prepared_belongs_to_one_context() -> None:
    context = _context()
    prepared = Prepared(context)
    assert prepared_for(context, prepared) is prepared
    with pytest.raises(ValueError, match="different scoring context"):
        prepared_for(_context(), prepared)
