"""Protective measures imposed after an incident, and the incidents that breach them.

For a share of pairs (more for frequent and serious perpetrators) the first incident that
would justify action (high DASH risk, a charge, an open investigation, a serious offence)
triggers a measure whose type follows from that incident: bail after a charge, RUI or bail
while investigated, DVPN+DVPO (or the newer DAPN+DAPO) after a high-risk call, an SPO or NMO
after stalking or harassment, a restraining order or SHPO after conviction. Some measures are
then breached: breach incidents are new incidents of the same pair inside the measure's life.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from synth import offences as off
from synth.archetypes import EX_PARTNER, ONE_OFF, PARTNER, POWER, REPEAT, SERIAL
from synth.incidents import DASH, OUT
from synth.util import YEAR, Window, capped_geometric, segment_ids

MEASURE_PROBABILITY = {ONE_OFF: 0.03, REPEAT: 0.12, SERIAL: 0.10, POWER: 0.30}
BREACH_PROBABILITY = {ONE_OFF: 0.12, REPEAT: 0.30, SERIAL: 0.40, POWER: 0.55}
# Domestic abuse protection notices/orders replaced DVPN/DVPO in pilot areas from late 2024.
DAPO_FROM = float((date(2024, 11, 27) - date(1970, 1, 1)).days)

# A police notice is followed by an application to court for the matching order.
FOLLOW_UP = {"dvpn": "dvpo", "dapn": "dapo"}

# type: (start offset after trigger (low, high) days, duration (low, high) days or None when
# open-ended, share open-ended when a duration is given)
_TIMING: dict[str, tuple[tuple[float, float], tuple[float, float] | None, float]] = {
    "pre_charge_bail": ((0, 1), (28, 120), 0.0),
    "rui": ((0, 2), None, 1.0),
    "voluntary_attendance": ((1, 30), None, 1.0),
    "nmo": ((7, 60), (182, 365), 0.0),
    "dvpn": ((0, 0.5), (2, 2), 0.0),
    "dvpo": ((1, 2.5), (14, 28), 0.0),
    "dapn": ((0, 0.5), (2, 2), 0.0),
    "dapo": ((1, 2.5), (182, 730), 0.5),
    "restraining_order": ((30, 240), (YEAR, 5 * YEAR), 0.2),
    "spo": ((14, 120), (2 * YEAR, 5 * YEAR), 0.0),
    "shpo": ((60, 300), (5 * YEAR, 10 * YEAR), 0.3),
    "sro": ((30, 120), (2 * YEAR, 5 * YEAR), 0.0),
    "cbo": ((30, 200), (2 * YEAR, 3 * YEAR), 0.0),
}

# What breaching each type is recorded as; types absent here are not breached (no conditions,
# or no catalogue key for the breach).
_BREACH_OFFENCE = {
    "nmo": "breach_nmo", "dvpn": "breach_dvpo", "dvpo": "breach_dvpo",
    "restraining_order": "breach_restraining_order", "spo": "breach_spo",
    "pre_charge_bail": "breach_bail", "dapn": None, "dapo": None,
}


def _by_arch(table: dict[int, float], arch: np.ndarray) -> np.ndarray:
    lookup = np.zeros(max(table) + 1)
    lookup[list(table)] = list(table.values())
    return lookup[arch]


def choose_triggers(rng: np.random.Generator, incidents: pd.DataFrame, n_pairs: int,
                    pair_arch: np.ndarray) -> pd.DataFrame:
    """The incident that triggers a measure, for the pairs that get one."""
    chosen = rng.random(n_pairs) < _by_arch(MEASURE_PROBABILITY, pair_arch)
    rows = incidents[chosen[incidents["pair"].to_numpy()]]
    if rows.empty:
        return rows.reset_index(drop=True)
    qualifying = (
        (rows["dash"].to_numpy() == DASH["high"])
        | np.isin(rows["outcome"].to_numpy(), [OUT["charged"], OUT["convicted"], OUT["under_investigation"]])
        | off.SERIOUS_MASK[rows["offence"].to_numpy()]
    )
    key = rows["time"].to_numpy() + np.where(qualifying, 0.0, 1e7)
    order = np.lexsort((key, rows["pair"].to_numpy()))
    rows = rows.iloc[order]
    first = np.r_[True, rows["pair"].to_numpy()[1:] != rows["pair"].to_numpy()[:-1]]
    return rows[first].reset_index(drop=True)


def _measure_kind(rng: np.random.Generator, trig: pd.DataFrame) -> np.ndarray:
    """Measure type that follows from each trigger (a notice implies its order, see FOLLOW_UP)."""
    n = len(trig)
    outcome = trig["outcome"].to_numpy()
    offence = trig["offence"].to_numpy()
    sexual = np.isin(offence, [off.OFFENCE_INDEX["rape"], off.OFFENCE_INDEX["sexual_assault"]])
    conduct = np.isin(offence, [off.OFFENCE_INDEX[k]
                                for k in ("stalking", "harassment", "malicious_communications")])
    u = rng.random(n)
    new_regime = trig["time"].to_numpy() >= DAPO_FROM
    return np.select(
        [
            (outcome == OUT["convicted"]) & sexual,
            (outcome == OUT["convicted"]) & ~trig["domestic"].to_numpy() & (u < 0.3),
            outcome == OUT["convicted"],
            outcome == OUT["charged"],
            (outcome == OUT["under_investigation"]) & (u < 0.55),
            outcome == OUT["under_investigation"],
            (trig["dash"].to_numpy() == DASH["high"]) & new_regime & (u < 0.5),
            trig["dash"].to_numpy() == DASH["high"],
            conduct & (u < 0.4),
            conduct,
            sexual & (outcome == OUT["nfa"]) & (u < 0.3),
            u < 0.55,
            u < 0.75,
        ],
        ["shpo", "cbo", "restraining_order", "pre_charge_bail", "rui", "pre_charge_bail",
         "dapn", "dvpn", "spo", "nmo", "sro", "nmo", "voluntary_attendance"],
        default="rui",
    )


def make_measures(rng: np.random.Generator, incidents: pd.DataFrame, pairs: pd.DataFrame,
                  window: Window) -> pd.DataFrame:
    """One row per measure: pair, type, start, end (NaN = open-ended), subject, protected."""
    trig = choose_triggers(rng, incidents, len(pairs), pairs["arch"].to_numpy())
    kind = _measure_kind(rng, trig).astype(object)
    first = pd.DataFrame({"pair": trig["pair"].to_numpy(), "time": trig["time"].to_numpy(),
                          "type": kind, "step": 0})
    follow_up = first[first["type"].isin(list(FOLLOW_UP))].copy()
    follow_up["type"] = follow_up["type"].map(FOLLOW_UP)
    follow_up["step"] = 1
    measures = pd.concat([first, follow_up], ignore_index=True)
    start = np.empty(len(measures))
    end = np.empty(len(measures))
    for mtype, (offset, duration, open_share) in _TIMING.items():
        where = np.flatnonzero(measures["type"].to_numpy() == mtype)
        if len(where) == 0:
            continue
        start[where] = measures["time"].to_numpy()[where] + rng.uniform(*offset, len(where))
        if duration is None:
            end[where] = np.nan
        else:
            length = rng.uniform(*duration, len(where))
            end[where] = np.where(rng.random(len(where)) < open_share, np.nan, start[where] + length)
    measures["start"] = start
    measures["end"] = end
    measures = measures[measures["start"] < window.end].copy()
    measures["subject"] = pairs["perp"].to_numpy()[measures["pair"].to_numpy()]
    measures["protected"] = pairs["victim"].to_numpy()[measures["pair"].to_numpy()]
    measures = measures.sort_values(["start", "pair", "step"], kind="stable", ignore_index=True)
    return measures.drop(columns=["time", "step"])


def make_breaches(rng: np.random.Generator, measures: pd.DataFrame, pairs: pd.DataFrame,
                  killers: np.ndarray, window: Window) -> pd.DataFrame:
    """Breach incidents (same columns as base incidents), each pointing at its measure.

    Perpetrators who killed commit no breaches: their career ended with the killing.
    """
    pair = measures["pair"].to_numpy()
    breachable = measures["type"].isin(list(_BREACH_OFFENCE)).to_numpy()
    arch = pairs["arch"].to_numpy()[pair]
    alive = ~np.isin(pairs["perp"].to_numpy()[pair], killers)
    start = measures["start"].to_numpy()
    stop = np.minimum(np.nan_to_num(measures["end"].to_numpy(), nan=np.inf),
                      np.minimum(start + 2 * YEAR, window.end - 1e-3))
    chance = _by_arch(BREACH_PROBABILITY, arch)
    breached = breachable & alive & (stop > start) & (rng.random(len(pair)) < chance)
    rows = np.flatnonzero(breached)
    count = capped_geometric(rng, 0.55, len(rows), 1, 4)
    owner = rows[segment_ids(count)]
    time = start[owner] + rng.random(len(owner)) * (stop[owner] - start[owner])
    offence = _breach_offences(rng, measures["type"].to_numpy()[owner])
    bpair = pair[owner]
    rel = pairs["rel"].to_numpy()[bpair]
    career_start = pairs["career_start"].to_numpy()[bpair]
    span = np.maximum(pairs["career_span"].to_numpy()[bpair], 1.0)
    return pd.DataFrame({
        "pair": bpair, "perp": pairs["perp"].to_numpy()[bpair], "arch": arch[owner],
        "time": time, "rel": np.where(rel == PARTNER, EX_PARTNER, rel),
        "position": np.clip((time - career_start) / span, 0.0, 1.0),
        "breach_of": owner, "offence": offence,
    })


def _breach_offences(rng: np.random.Generator, types: np.ndarray) -> np.ndarray:
    """The breach key for the measure type, or a course-of-conduct offence instead."""
    codes = off.draw(rng, "course_of_conduct", len(types))
    as_breach = rng.random(len(types)) < 0.8
    for mtype, key in _BREACH_OFFENCE.items():
        if key is not None:
            codes = np.where(as_breach & (types == mtype), off.OFFENCE_INDEX[key], codes)
    return codes


def breach_lists(measure_count: int, breach_of: np.ndarray, incident_ids: np.ndarray) -> np.ndarray:
    """';'-joined breach incident ids per measure (None when never breached), vectorised."""
    result = np.full(measure_count, None, dtype=object)
    if len(breach_of) == 0:
        return result
    order = np.lexsort((incident_ids, breach_of))
    owner, ids = breach_of[order], incident_ids[order].astype(object)
    starts = np.r_[True, owner[1:] != owner[:-1]]
    # Prefix ';' to every id but the first of its measure, then sum strings per measure.
    pieces = np.where(starts, ids, np.char.add(";", ids.astype(str))).astype(object)
    joined = pd.Series(pieces).groupby(owner).sum()
    result[joined.index.to_numpy()] = joined.to_numpy()
    return result
