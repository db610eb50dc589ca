"""Spells in custody after convictions for grave offences (the optional ``custody`` file).

A conviction for an offence of ``MIN_HARM_DAYS`` or more leads to immediate custody with
probability ``CUSTODY_SHARE``. The sentence is the offence's harm weight (days of custody at the
guideline starting point) stretched by a log-normal factor, at least ``MIN_MONTHS``; the spell
starts at sentencing, weeks after the offence, and release is due half way through the sentence
(automatic release of a standard determinate sentence). A release due after the end of the
extract is written as expected, not as released, so a force shows men still held and due out.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ingest.contract import OUTCOMES
from synth import offences as off

MIN_HARM_DAYS = 180.0  # ABH and graver
CUSTODY_SHARE = 0.6
MIN_MONTHS = 3.0
DAYS_A_MONTH = 30.4375


def custody_spells(rng: np.random.Generator, incidents: pd.DataFrame, perpetrator: np.ndarray,
                   end: float) -> pd.DataFrame:
    """One row per spell: ``incident`` (the conviction's row), ``person``, ``start``,
    ``months`` (the sentence), ``expected`` (release due) and ``released`` (NaN while held),
    times in float days; ``perpetrator`` is the person of each incident row."""
    offence = incidents["offence"].to_numpy()
    harm = off.HARM_BY_CODE[offence]
    convicted = incidents["outcome"].to_numpy() == OUTCOMES.index("convicted")
    chosen = np.flatnonzero(convicted & (harm >= MIN_HARM_DAYS))
    chosen = chosen[rng.random(len(chosen)) < CUSTODY_SHARE]
    months = np.maximum(MIN_MONTHS, harm[chosen] / DAYS_A_MONTH * rng.lognormal(0.0, 0.4, len(chosen))).round()
    start = incidents["time"].to_numpy()[chosen] + rng.uniform(14.0, 120.0, len(chosen))
    expected = start + months * DAYS_A_MONTH / 2
    spells = pd.DataFrame({"incident": chosen, "person": perpetrator[chosen], "start": start, "months": months,
                           "expected": expected, "released": np.where(expected < end, expected, np.nan)})
    return spells[spells["start"] < end].reset_index(drop=True)


# Other sentences for a conviction without immediate custody, and how often each is passed.
OTHER_SENTENCES = {"suspended": 0.35, "community": 0.4, "fine": 0.15, "discharge": 0.1}
RECORDED_SHARE = 0.8  # the rest of the convictions are written without a sentence


def sentences(rng: np.random.Generator, incidents: pd.DataFrame, spells: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Per incident: the sentence code (None: not a conviction, or not recorded) and its months
    (NaN unless custody or suspended). A spell's conviction is ``custody`` for its months; other
    convictions draw from :data:`OTHER_SENTENCES`, a suspended sentence of 6 to 24 months."""
    rows = len(incidents)
    code = np.full(rows, None, dtype=object)
    months = np.full(rows, np.nan)
    convicted = np.flatnonzero(incidents["outcome"].to_numpy() == OUTCOMES.index("convicted"))
    kinds = np.asarray(list(OTHER_SENTENCES), dtype=object)
    code[convicted] = kinds[rng.choice(len(kinds), len(convicted), p=list(OTHER_SENTENCES.values()))]
    suspended = convicted[code[convicted] == "suspended"]
    months[suspended] = rng.integers(6, 25, len(suspended))
    held = spells["incident"].to_numpy(dtype=np.int64)
    code[held], months[held] = "custody", spells["months"].to_numpy()
    unrecorded = convicted[rng.random(len(convicted)) >= RECORDED_SHARE]
    code[unrecorded], months[unrecorded] = None, np.nan
    return code, months
