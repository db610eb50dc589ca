"""Incidents: when they happen, what offence they are, and how police recorded them.

Incidents are built from the pairs (``archetypes``): each pair expands to its incidents, spread
over the pair's window. Power-few incidents bunch towards the end of the window (shortening
intervals) and their offences escalate with their position in the career; a few careers end
in murder or attempted murder. Grave offences follow the perpetrator's persistent intensity
rather than falling uniformly on every incident of a mix. Recording attributes (domestic-abuse flag, DASH risk, outcome,
recorded date) follow DOMAIN.md: about three quarters of domestic cases close as outcome 15
or 16, DASH is mostly standard.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ingest.contract import DASH_RISKS, OUTCOMES
from synth import offences as off
from synth.archetypes import (
    ACQUAINTANCE, EX_PARTNER, FAMILY, ONE_OFF, PARTNER, POWER, REPEAT, SERIAL, STRANGER, UNKNOWN,
)
from synth.util import Window, segment_ids

OUT = {name: i for i, name in enumerate(OUTCOMES)}
DASH = {name: i for i, name in enumerate(DASH_RISKS)}
NONE = -1  # code for "not recorded" in integer-coded columns

# Share of power-few careers that end in a killing or an attempt (extremely rare overall).
MURDER_SHARE = 0.012
ATTEMPT_SHARE = 0.02

# How strongly a perpetrator's intensity (``archetypes.INTENSITY_SHAPE``) raises the chance an
# incident is grave, and the cap. With the rate also rising with intensity, a person's yearly
# harm grows faster than either, so the gravest records belong to the same few year after year.
GRAVE_POWER = 1.5
GRAVE_CAP = 0.6
# Grave offences by people seen only once are rarer than the ordinary mixes imply: most
# recorded harm comes from a small number of people with a course of conduct behind it
# (under 2% of victim-offender pairs carry about four fifths of it, Bland and Ariel 2015).
GRAVE_SCALE = {ONE_OFF: 0.5, REPEAT: 1.0, SERIAL: 1.0, POWER: 1.0}
_GRAVE_SCALE = np.array([GRAVE_SCALE.get(code, 1.0) for code in range(POWER + 1)])

# Outcome mixes by situation (probabilities in OUTCOMES order, normalised on use).
_OUTCOME_MIXES = {
    "domestic": {"outcome_15": .37, "outcome_16": .42, "charged": .07, "convicted": .045,
                 "nfa": .04, "caution": .015, "acquitted": .01, "under_investigation": .02,
                 "other": .01},
    "serious": {"outcome_15": .31, "outcome_16": .33, "charged": .13, "convicted": .09,
                "nfa": .06, "acquitted": .03, "under_investigation": .03, "other": .02},
    "breach": {"outcome_15": .28, "outcome_16": .22, "charged": .22, "convicted": .15,
               "nfa": .05, "caution": .02, "acquitted": .01, "under_investigation": .02,
               "other": .02},
    "non_domestic": {"outcome_15": .20, "outcome_16": .20, "nfa": .25, "charged": .12,
                     "convicted": .08, "caution": .04, "acquitted": .02,
                     "under_investigation": .04, "other": .05},
    "homicide": {"charged": .30, "convicted": .65, "under_investigation": .05},
}


def base_incidents(rng: np.random.Generator, pairs: pd.DataFrame) -> pd.DataFrame:
    """One row per incident of each pair: pair index, time, relationship, career position."""
    n_inc = pairs["n_inc"].to_numpy()
    pair = segment_ids(n_inc)
    arch = pairs["arch"].to_numpy()[pair]
    start = pairs["start"].to_numpy()[pair]
    end = pairs["end"].to_numpy()[pair]
    u = rng.random(len(pair))
    # Power-few incidents get denser towards the end of each pair: shortening intervals.
    u = np.where(arch == POWER, u ** 0.6, u)
    time = start + u * (end - start)
    order = np.lexsort((time, pair))
    pair, arch, time = pair[order], arch[order], time[order]
    rel = pairs["rel"].to_numpy()[pair]
    rel = np.where((rel == PARTNER) & (time > pairs["rel_end"].to_numpy()[pair]), EX_PARTNER, rel)
    career_start = pairs["career_start"].to_numpy()[pair]
    span = np.maximum(pairs["career_span"].to_numpy()[pair], 1.0)
    position = np.clip((time - career_start) / span, 0.0, 1.0)
    return pd.DataFrame({"pair": pair, "perp": pairs["perp"].to_numpy()[pair], "arch": arch,
                         "time": time, "rel": rel, "position": position, "breach_of": NONE,
                         "intensity": pairs["intensity"].to_numpy()[pair]})


def _danger(incidents: pd.DataFrame, rows: int) -> np.ndarray:
    """What makes an incident likely to be grave: the perpetrator's ``danger`` when drawn apart
    (``archetypes.independent_danger``), else their intensity (1 when neither is held)."""
    for column in ("danger", "intensity"):
        if column in incidents:
            return incidents[column].to_numpy()
    return np.ones(rows)


def draw_offences(rng: np.random.Generator, incidents: pd.DataFrame) -> np.ndarray:
    """Offence code per incident from the mix that fits its archetype and relationship."""
    arch = incidents["arch"].to_numpy()
    rel = incidents["rel"].to_numpy()
    position = incidents["position"].to_numpy()
    escalated = rng.random(len(arch)) < 0.1 + 0.65 * position
    mix = np.select(
        [(arch == POWER) & escalated, arch == POWER, rel == EX_PARTNER,
         np.isin(rel, (ACQUAINTANCE, STRANGER))],
        ["power_late", "power_early", "separated", "stranger"],
        default="domestic",
    )
    # Grave offences (rape, GBH with intent, strangulation, attempted murder) are not drawn
    # uniformly: each mix's grave share is scaled by the perpetrator's intensity, so they
    # cluster in the people who commit them again (partner rape and strangulation are
    # typically repeated within one relationship, and predict later serious harm).
    intensity = _danger(incidents, len(arch))
    codes = np.empty(len(arch), dtype=np.int64)
    for name in off.MIXES:
        where = np.flatnonzero(mix == name)
        if len(where) == 0:
            continue
        grave_share = off.grave_share(name)
        scale = _GRAVE_SCALE[arch[where]] * intensity[where] ** GRAVE_POWER
        p_grave = np.minimum(grave_share * scale, GRAVE_CAP)
        grave = rng.random(len(where)) < p_grave
        codes[where[grave]] = off.draw(rng, name, int(grave.sum()), grave=True)
        codes[where[~grave]] = off.draw(rng, name, int((~grave).sum()), grave=False)
    return codes


def plant_killings(rng: np.random.Generator, incidents: pd.DataFrame, offence: np.ndarray) -> np.ndarray:
    """Make the last incident of a few power-few careers a murder or attempted murder.

    Returns the pair index of every pair that ended in murder (no later contact is possible).
    """
    perp = incidents["perp"].to_numpy()
    time = incidents["time"].to_numpy()
    is_power = incidents["arch"].to_numpy() == POWER
    rows = np.flatnonzero(is_power)
    if len(rows) == 0:
        return np.zeros(0, dtype=np.int64)
    # Last incident of each power-few perpetrator: sort by (perp, time), take run ends.
    order = rows[np.lexsort((time[rows], perp[rows]))]
    last = order[np.r_[perp[order][1:] != perp[order][:-1], True]]
    # The most intense (those with the gravest records) are the likeliest to kill; the mean
    # intensity is 1, so the overall shares stay as set.
    intensity = _danger(incidents, len(incidents))[last]
    u = rng.random(len(last)) / intensity
    murdered = u < MURDER_SHARE
    offence[last[murdered]] = off.OFFENCE_INDEX["murder"]
    attempted = (u >= MURDER_SHARE) & (u < MURDER_SHARE + ATTEMPT_SHARE)
    offence[last[attempted]] = off.OFFENCE_INDEX["attempted_murder"]
    return incidents["pair"].to_numpy()[last[murdered]]


def domestic_flag(rng: np.random.Generator, rel: np.ndarray, offence: np.ndarray) -> np.ndarray:
    """Whether police flagged the incident as domestic abuse."""
    p = np.select([np.isin(rel, (PARTNER, EX_PARTNER, FAMILY)), rel == ACQUAINTANCE,
                   rel == STRANGER, rel == UNKNOWN], [1.0, 0.25, 0.02, 0.5], default=0.0)
    flag = rng.random(len(rel)) < p
    return flag | (offence == off.OFFENCE_INDEX["da_non_crime"])


def dash_risk(rng: np.random.Generator, arch: np.ndarray, position: np.ndarray,
              offence: np.ndarray, domestic: np.ndarray) -> np.ndarray:
    """DASH risk code for domestic incidents (mostly standard); NONE when not assessed."""
    high = np.select([arch == POWER, arch == SERIAL, arch == REPEAT], [0.08 + 0.2 * position, 0.07, 0.05],
                     default=0.03)
    medium = np.select([arch == POWER, arch == SERIAL, arch == REPEAT], [0.33, 0.28, 0.24],
                       default=0.18)
    serious = off.SERIOUS_MASK[offence]
    high = np.where(serious, high + 0.15, high)
    medium = np.where(serious, medium + 0.10, medium)
    u = rng.random(len(arch))
    risk = np.where(u < high, DASH["high"], np.where(u < high + medium, DASH["medium"], DASH["standard"]))
    assessed = domestic & (rng.random(len(arch)) >= 0.07)
    return np.where(assessed, risk, NONE)


def outcomes(rng: np.random.Generator, offence: np.ndarray, domestic: np.ndarray,
             breach: np.ndarray, time: np.ndarray, window: Window) -> np.ndarray:
    """Outcome code per incident; NONE for non-crime incidents (nothing to close)."""
    homicide = np.isin(offence, [off.OFFENCE_INDEX["murder"], off.OFFENCE_INDEX["attempted_murder"]])
    mix = np.select([homicide, breach, ~domestic, off.SERIOUS_MASK[offence]],
                    ["homicide", "breach", "non_domestic", "serious"], default="domestic")
    result = np.empty(len(offence), dtype=np.int64)
    for name, probs in _OUTCOME_MIXES.items():
        where = np.flatnonzero(mix == name)
        if len(where):
            codes = np.array([OUT[k] for k in probs])
            p = np.fromiter(probs.values(), dtype=float)
            result[where] = codes[rng.choice(len(codes), size=len(where), p=p / p.sum())]
    # Recent cases are mostly still open when the extract is taken.
    recent = (time > window.end - 120) & (rng.random(len(time)) < 0.6)
    result = np.where(recent, OUT["under_investigation"], result)
    return np.where(offence == off.OFFENCE_INDEX["da_non_crime"], NONE, result)


def recorded_times(rng: np.random.Generator, time: np.ndarray, window: Window) -> np.ndarray:
    """Recording time 0-30 days after the incident, mostly within two days."""
    late = rng.random(len(time)) < 0.15
    delay = np.where(late, rng.uniform(0.0, 30.0, len(time)), rng.exponential(0.5, len(time)))
    recorded = time + np.minimum(delay, 30.0)
    return np.minimum(recorded, window.end - 1.0 / 86400)


def time_of_day(rng: np.random.Generator, time: np.ndarray) -> np.ndarray:
    """Keep the day, redraw the time of day: domestic incidents peak in the evening."""
    weights = np.array([4, 3, 2, 1.5, 1, 1, 1, 1.5, 2, 2.5, 3, 3, 3.5, 3.5, 3.5, 4, 4.5, 5,
                        6, 6.5, 7, 7, 6.5, 5.5])
    hour = rng.choice(24, size=len(time), p=weights / weights.sum())
    seconds = hour * 3600 + rng.integers(0, 3600, len(time))
    return np.floor(time) + seconds / 86400.0


def add_recording(rng: np.random.Generator, incidents: pd.DataFrame, window: Window) -> pd.DataFrame:
    """Domestic flag, DASH risk, outcome and recorded time for each incident (in place)."""
    offence = incidents["offence"].to_numpy()
    breach = incidents["breach_of"].to_numpy() != NONE
    domestic = domestic_flag(rng, incidents["rel"].to_numpy(), offence)
    incidents["domestic"] = domestic
    incidents["dash"] = dash_risk(rng, incidents["arch"].to_numpy(), incidents["position"].to_numpy(),
                                  offence, domestic)
    incidents["outcome"] = outcomes(rng, offence, domestic, breach, incidents["time"].to_numpy(), window)
    incidents["recorded"] = recorded_times(rng, incidents["time"].to_numpy(), window)
    return incidents
