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
from scoring.context import ScoringContext
from scoring.prepared import Prepared, prepared_for
from core.tables import normalise_tables
from scoring.window import as_of_end, window_start, with_harm


def _text(values: list[object]) -> pd.Series:
    return pd.Series(values, dtype="string")


def test_join_within_matches_groupby_join() -> None:
    rng = np.random.default_rng(2)
    keys = _text(list(rng.choice(["x", "y", None, "w"], 300))).rename("person_id")
    text = pd.Series(rng.choice(["1 charged", "2 nfa", "3 other outcome"], 300)).astype("str").rename("text")
    pd.testing.assert_series_equal(join_within(text, keys, ", "), text.groupby(keys).agg(", ".join))
    empty = text.iloc[:0]
    pd.testing.assert_series_equal(join_within(empty, keys.iloc[:0], "; "), empty.groupby(keys.iloc[:0]).agg("; ".join))


# Plain pandas on the id strings: what the coded rows must equal.
def _window(context: ScoringContext) -> pd.DataFrame:
    incidents = context.tables.incidents
    occurred = incidents["occurred_at"]
    inside = (occurred >= context.window_start) & (occurred <= context.as_of_end)
    return with_harm(incidents[inside], context.config, context.catalogue)


def _history(context: ScoringContext) -> pd.DataFrame:
    incidents, catalogue = context.tables.incidents, context.catalogue
    frame = incidents[incidents["occurred_at"] <= context.as_of_end].reset_index(drop=True)
    return frame.assign(harm_days=catalogue.harm_days(frame["offence"]).fillna(0.0),
                        label=frame["offence"].map(catalogue.table["label"]).fillna(frame["offence"]),
                        non_crime=catalogue.flag(frame["offence"], "non_crime"),
                        breach=catalogue.flag(frame["offence"], "breach")
                        | frame["incident_id"].isin(context.tables.breaches["incident_id"]))


def _perpetrators_in(frame: pd.DataFrame, context: ScoringContext) -> pd.DataFrame:
    roles = context.tables.roles
    pairs = roles.loc[roles["role"].isin(context.config.perpetrator_roles), ["incident_id", "person_id"]]
    return pairs.drop_duplicates().merge(frame[["incident_id"]], on="incident_id")


def _links_in(frame: pd.DataFrame, context: ScoringContext) -> pd.DataFrame:
    """Perpetrator, victim and the relationship: the perpetrator's record of it, else the victim's."""
    roles = context.tables.roles
    perpetrators = roles[roles["role"].isin(context.config.perpetrator_roles)]
    victims = roles[roles["role"] == "victim"]
    pairs = perpetrators[["incident_id", "person_id"]].drop_duplicates().merge(
        victims[["incident_id", "person_id"]].drop_duplicates().rename(columns={"person_id": "victim_id"}))
    pairs = pairs[pairs["person_id"] != pairs["victim_id"]]
    own = perpetrators.dropna(subset=["relationship"]).drop_duplicates(["incident_id", "person_id"])
    theirs = victims.dropna(subset=["relationship"]).drop_duplicates(["incident_id", "person_id"])
    pairs = pairs.merge(own[["incident_id", "person_id", "relationship"]], how="left").merge(
        theirs[["incident_id", "person_id", "relationship"]].rename(
            columns={"person_id": "victim_id", "relationship": "theirs"}), how="left")
    pairs["relationship"] = pairs["relationship"].fillna(pairs["theirs"])
    return pairs.drop(columns="theirs").merge(frame[["incident_id"]], on="incident_id")


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


def test_prepared_equals_plain_pandas() -> None:
    context = _context()
    prepared = Prepared(context)
    window, full = _window(context), _history(context)
    pairs, links = ["incident_id", "person_id"], ["incident_id", "person_id", "victim_id", "relationship"]
    for coded, plain in ((prepared.window_perpetrators, _perpetrators_in(window, context)),
                         (prepared.history_perpetrators, _perpetrators_in(full, context)),
                         (prepared.window_links, _links_in(window, context)),
                         (prepared.history_links, _links_in(full, context))):
        columns = links if "victim" in coded else pairs
        pd.testing.assert_frame_equal(_decoded_pairs(prepared, coded).sort_values(columns).reset_index(drop=True),
                                      _plain(plain, columns).sort_values(columns).reset_index(drop=True))
    # Incident harm and flags are the window's and the history's.
    in_window = np.flatnonzero(prepared.in_window)
    np.testing.assert_array_equal(prepared.weighted_harm[in_window], window["weighted_harm"].to_numpy())
    annotated = prepared.index.incidents.loc[prepared.in_history].reset_index(drop=True)
    pd.testing.assert_frame_equal(annotated[full.columns], full)
    # Each person's history oldest first, ties by incident id.
    by_time = _decoded_pairs(prepared, prepared.history_by_time).merge(full[["incident_id", "occurred_at"]])
    pd.testing.assert_frame_equal(by_time, by_time.sort_values(["person_id", "occurred_at", "incident_id"]))


def test_index_is_kept_with_the_tables_and_codes_any_person_id() -> None:
    context = _context()
    first, again = Prepared(context).index, Prepared(context).index
    assert first is again
    roles = context.tables.roles
    # A missing id is left out; an id the persons table lacks ("P0") still gets a code in id order.
    for person_id in (roles["person_id"].where(roles.index != 0), roles["person_id"].where(roles.index != 1, "P0")):
        tables = normalise_tables(incidents=context.tables.incidents, roles=roles.assign(person_id=person_id),
                                  persons=context.tables.persons, measures=pd.DataFrame(), breaches=pd.DataFrame(),
                                  referrals=pd.DataFrame())
        changed = ScoringContext(tables=tables, config=context.config, catalogue=context.catalogue,
                                 as_of=context.as_of)
        prepared = Prepared(changed)
        assert list(prepared.index.people) == sorted(set(person_id.dropna()) | {"P1", "P2", "P3"})
        pd.testing.assert_frame_equal(_decoded_pairs(prepared, prepared.history_perpetrators),
                                      _plain(_perpetrators_in(_history(changed), changed), ["incident_id", "person_id"]))
        pd.testing.assert_frame_equal(
            _decoded_pairs(prepared, prepared.history_links).sort_values(["incident_id", "person_id", "victim_id"],
                                                                          ignore_index=True),
            _plain(_links_in(_history(changed), changed), ["incident_id", "person_id", "victim_id", "relationship"])
            .sort_values(["incident_id", "person_id", "victim_id"], ignore_index=True))


def test_prepared_belongs_to_one_context() -> None:
    context = _context()
    prepared = Prepared(context)
    assert prepared_for(context, prepared) is prepared
    with pytest.raises(ValueError, match="different scoring context"):
        prepared_for(_context(), prepared)


def test_a_kept_index_never_leaks_into_another_as_of_date_or_config() -> None:
    """Re-ranking the same loaded tables gives what ranking fresh copies of them gives."""
    from dataclasses import replace

    from scoring.lists import PerpetratorList, VictimList, rank_perpetrators, rank_victims

    kept = _context()
    rank_perpetrators(kept)  # fills the tables' kept index
    offenders_only = kept.config.model_copy(update={"perpetrator_roles": ("offender",), "lookback_years": 10})
    for changes in ({"as_of": date(2027, 6, 1)}, {"as_of": date(2020, 6, 1)}, {"config": offenders_only}):
        again = replace(kept, **changes)
        fresh = replace(_context(), **changes)
        assert fresh.tables is not kept.tables
        for which in PerpetratorList:
            pd.testing.assert_frame_equal(rank_perpetrators(again, which), rank_perpetrators(fresh, which))
        for which in VictimList:
            pd.testing.assert_frame_equal(rank_victims(again, which), rank_victims(fresh, which))
    assert len(kept.tables.derived) >= 2  # one index per set of perpetrator roles


def test_normalised_tables_come_in_key_order_however_rows_arrive() -> None:
    """A store that sorts already skips pandas' sort; any other order (or a missing key) is sorted."""
    roles = pd.DataFrame({"incident_id": ["I1", "I1", "I2", "I2", "I10"], "person_id": ["P2", "P1", "P1", "P1", "P3"],
                          "role": ["victim", "suspect", "victim", "offender", "suspect"], "relationship": None})
    plain = roles.astype("string").sort_values(["incident_id", "person_id", "role"], kind="stable")
    expected = plain.reset_index(drop=True)
    empty = {name: pd.DataFrame() for name in ("incidents", "persons", "measures", "breaches", "referrals")}
    for arriving in (roles, plain, plain.iloc[::-1], roles.assign(person_id=roles["person_id"].where(roles.index != 4))):
        got = normalise_tables(roles=arriving, **empty).roles
        want = arriving.astype("string").sort_values(["incident_id", "person_id", "role"], kind="stable")
        pd.testing.assert_frame_equal(got, _with_weak_identity(want.reset_index(drop=True)))
    pd.testing.assert_frame_equal(normalise_tables(roles=plain, **empty).roles, _with_weak_identity(expected))


def _with_weak_identity(roles: pd.DataFrame) -> pd.DataFrame:
    """``roles`` with the optional column a store that leaves it out gets (missing: not weak)."""
    return roles.assign(weak_identity=pd.Series([pd.NA] * len(roles), dtype="boolean"))
