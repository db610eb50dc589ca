"""The fast paths behind a ranking give exactly what plain pandas gives.

rank_perpetrators shares its intermediates (scoring.prepared, on the integer codes of
scoring.index) and replaces string-keyed merges and per-group joins with lookups; every one
must return the very same frame.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from scoring.grouped_text import join_within
from scoring.perpetrators import ScoringContext
from scoring.prepared import Prepared, prepared_for
from scoring.signals._history import history, link_history, perpetrator_history
from scoring.tables import normalise_tables
from scoring.window import incidents_in_window, lookup_join, perpetrator_incidents, victim_links


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


def _decoded_pairs(prepared: Prepared, pairs: pd.DataFrame) -> pd.DataFrame:
    """Coded (person, row[, victim, relationship]) rows with their ids put back."""
    index = prepared.index
    out = pd.DataFrame({"incident_id": index.incidents["incident_id"].take(pairs["row"].to_numpy()).array,
                        "person_id": index.ids(pairs["person"].to_numpy())})
    if "victim" in pairs:
        out["victim_id"] = index.ids(pairs["victim"].to_numpy())
        out["relationship"] = pairs["relationship"].array
    return out


def _plain(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    return frame[columns].dropna(subset=["person_id"]).reset_index(drop=True)


def test_prepared_equals_standalone_functions() -> None:
    context = _context()
    prepared = Prepared(context)
    tables, config = context.tables, context.config
    window = incidents_in_window(tables.incidents, context.as_of, config, context.catalogue)
    pairs, links = ["incident_id", "person_id"], ["incident_id", "person_id", "victim_id", "relationship"]
    pd.testing.assert_frame_equal(_decoded_pairs(prepared, prepared.window_perpetrators),
                                  _plain(perpetrator_incidents(window, tables.roles, config), pairs))
    pd.testing.assert_frame_equal(_decoded_pairs(prepared, prepared.history_perpetrators),
                                  _plain(perpetrator_history(context), pairs))
    pd.testing.assert_frame_equal(_decoded_pairs(prepared, prepared.window_links),
                                  _plain(victim_links(window, tables.roles, config), links))
    pd.testing.assert_frame_equal(_decoded_pairs(prepared, prepared.history_links),
                                  _plain(link_history(context), links))
    # Incident harm and flags are the window's and the history's.
    in_window = np.flatnonzero(prepared.in_window)
    np.testing.assert_array_equal(prepared.weighted_harm[in_window], window["weighted_harm"].to_numpy())
    full = history(context)
    annotated = prepared.index.incidents.loc[prepared.in_history].reset_index(drop=True)
    pd.testing.assert_frame_equal(annotated[full.columns.drop("weighted_harm")], full.drop(columns="weighted_harm"))
    # Each person's history oldest first, ties by incident id.
    by_time = _decoded_pairs(prepared, prepared.history_by_time).merge(full[["incident_id", "occurred_at"]])
    pd.testing.assert_frame_equal(by_time, by_time.sort_values(["person_id", "occurred_at", "incident_id"]))


def test_index_is_kept_with_the_tables_and_skips_unknown_people() -> None:
    context = _context()
    first, again = Prepared(context).index, Prepared(context).index
    assert first is again
    roles = context.tables.roles
    gappy = normalise_tables(incidents=context.tables.incidents, roles=roles.assign(
        person_id=roles["person_id"].where(roles.index != 0)), persons=context.tables.persons,
        measures=pd.DataFrame(), breaches=pd.DataFrame(), referrals=pd.DataFrame())
    gappy_context = ScoringContext(tables=gappy, config=context.config, catalogue=context.catalogue,
                                   as_of=context.as_of)
    prepared = Prepared(gappy_context)
    pd.testing.assert_frame_equal(_decoded_pairs(prepared, prepared.history_perpetrators),
                                  _plain(perpetrator_history(gappy_context), ["incident_id", "person_id"]))


def test_prepared_belongs_to_one_context() -> None:
    context = _context()
    prepared = Prepared(context)
    assert prepared_for(context, prepared) is prepared
    with pytest.raises(ValueError, match="different scoring context"):
        prepared_for(_context(), prepared)
