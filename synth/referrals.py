"""Management and safeguarding referrals.

MARAC for many high-risk victims (24 of 40 repeat victims were referred); MATAC, MAPPA, IOM
and PDP management for only a minority of perpetrators, because inspectors found 34 of 40
force-named high-risk offenders were not recognised; daily-briefing entries for a few; DVDS
(Clare's Law) applications when a serial perpetrator starts a new relationship; perpetrator
programmes after some convictions.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from synth.archetypes import ONE_OFF, POWER, REPEAT, SERIAL
from synth.cast import ROLE
from synth.incidents import DASH, OUT

MARAC_SHARE = 0.6
MANAGED = {ONE_OFF: 0.003, REPEAT: 0.02, SERIAL: 0.08, POWER: 0.15}
MANAGEMENT_TYPES = ("matac", "mappa", "iom", "pdp")
MANAGEMENT_WEIGHTS = (0.35, 0.20, 0.30, 0.15)
BRIEFING = {ONE_OFF: 0.001, REPEAT: 0.01, SERIAL: 0.03, POWER: 0.06}

_DETAILS = {
    "matac": ("adopted", "adopted; tasked to PPU", "adopted; review in 3 months"),
    "mappa": ("category 1 level 1", "category 2 level 2", "category 3 level 2",
              "category 2 level 1"),
    "iom": ("fixed cohort", "flex cohort", "free cohort"),
    "pdp": ("registered", "registered; review due"),
    "daily_briefing": ("wanted", "outstanding suspect", "high-risk perpetrator"),
    "programme": ("Building Better Relationships", "Drive", "Respect-accredited programme"),
}


def _pick(rng: np.random.Generator, options: tuple[str, ...], size: int) -> np.ndarray:
    return np.asarray(options, dtype=object)[rng.integers(0, len(options), size)]


def _frame(person, rtype, when, detail) -> pd.DataFrame:
    return pd.DataFrame({"person": person, "type": rtype, "date": when, "detail": detail})


def _by_arch(table: dict[int, float], arch: np.ndarray) -> np.ndarray:
    values = np.zeros(max(table) + 1)
    values[list(table)] = list(table.values())
    return values[arch]


def marac(rng: np.random.Generator, incidents: pd.DataFrame, involvements: pd.DataFrame) -> pd.DataFrame:
    """A MARAC referral for most victims of a high-risk incident, soon after the first one."""
    victims = involvements[involvements["role"].to_numpy() == ROLE["victim"]]
    high = incidents["dash"].to_numpy()[victims["inc"].to_numpy()] == DASH["high"]
    rows = victims[high]
    first = (pd.Series(incidents["time"].to_numpy()[rows["inc"].to_numpy()])
             .groupby(rows["person"].to_numpy()).min())
    keep = rng.random(len(first)) < MARAC_SHARE
    when = first.to_numpy()[keep] + rng.uniform(1, 21, keep.sum())
    detail = np.where(rng.random(keep.sum()) < 0.85, "DASH high risk", "professional judgement")
    return _frame(first.index.to_numpy()[keep], "marac", when, detail.astype(object))


def perpetrator_spans(incidents: pd.DataFrame) -> pd.DataFrame:
    """First and last incident time and archetype per perpetrator."""
    grouped = incidents.groupby("perp", sort=True)
    return pd.DataFrame({"first": grouped["time"].min(), "last": grouped["time"].max(),
                         "arch": grouped["arch"].first()})


def management(rng: np.random.Generator, spans: pd.DataFrame, end: float) -> pd.DataFrame:
    """MATAC/MAPPA/IOM/PDP management for a minority of perpetrators."""
    arch = spans["arch"].to_numpy()
    keep = rng.random(len(spans)) < _by_arch(MANAGED, arch)
    people = spans.index.to_numpy()[keep]
    first, last = spans["first"].to_numpy()[keep], spans["last"].to_numpy()[keep]
    when = first + rng.random(len(people)) * (np.maximum(last, first + 30) - first)
    types = np.asarray(MANAGEMENT_TYPES)[rng.choice(len(MANAGEMENT_TYPES), len(people), p=MANAGEMENT_WEIGHTS)]
    detail = np.empty(len(people), dtype=object)
    for rtype in MANAGEMENT_TYPES:
        where = np.flatnonzero(types == rtype)
        detail[where] = _pick(rng, _DETAILS[rtype], len(where))
    frame = _frame(people, types, np.minimum(when, end - 1), detail)
    return frame


def daily_briefing(rng: np.random.Generator, spans: pd.DataFrame, end: float) -> pd.DataFrame:
    """A few perpetrators put on the daily briefing shortly after their latest incident."""
    keep = rng.random(len(spans)) < _by_arch(BRIEFING, spans["arch"].to_numpy())
    when = spans["last"].to_numpy()[keep] + rng.uniform(0, 60, keep.sum())
    frame = _frame(spans.index.to_numpy()[keep], "daily_briefing", when,
                   _pick(rng, _DETAILS["daily_briefing"], keep.sum()))
    return frame[frame["date"] < end]


def dvds(rng: np.random.Generator, pairs: pd.DataFrame, end: float) -> pd.DataFrame:
    """Clare's Law applications about serial perpetrators when a new relationship starts.

    Recorded against the perpetrator (the subject of the disclosure question).
    """
    later = (pairs["order"].to_numpy() >= 1) & np.isin(pairs["arch"].to_numpy(), (SERIAL, POWER))
    u = rng.random(len(pairs))
    ask = later & (u < 0.08)
    know = later & (u >= 0.08) & (u < 0.13)
    frames = []
    for rtype, mask, details in (
        ("dvds_ask", ask, ("right to ask by partner; disclosure made",
                           "right to ask by partner; no disclosure")),
        ("dvds_know", know, ("right to know; disclosure made",)),
    ):
        when = pairs["start"].to_numpy()[mask] + rng.uniform(30, 200, mask.sum())
        frames.append(_frame(pairs["perp"].to_numpy()[mask], rtype, when, _pick(rng, details, mask.sum())))
    frame = pd.concat(frames, ignore_index=True)
    return frame[frame["date"] < end]


def programmes(rng: np.random.Generator, incidents: pd.DataFrame, end: float) -> pd.DataFrame:
    """A perpetrator programme after some convictions."""
    convicted = incidents[incidents["outcome"].to_numpy() == OUT["convicted"]]
    first = convicted.groupby("perp")["time"].min()
    keep = rng.random(len(first)) < 0.15
    when = first.to_numpy()[keep] + rng.uniform(60, 300, keep.sum())
    frame = _frame(first.index.to_numpy()[keep], "programme", when,
                   _pick(rng, _DETAILS["programme"], keep.sum()))
    return frame[frame["date"] < end]


def make_referrals(rng: np.random.Generator, incidents: pd.DataFrame, involvements: pd.DataFrame,
                   pairs: pd.DataFrame, end: float) -> pd.DataFrame:
    """All referrals (person level), sorted by date."""
    spans = perpetrator_spans(incidents)
    frames = [
        marac(rng, incidents, involvements),
        management(rng, spans, end),
        daily_briefing(rng, spans, end),
        dvds(rng, pairs, end),
        programmes(rng, incidents, end),
    ]
    referrals = pd.concat(frames, ignore_index=True)
    referrals = referrals[referrals["date"] < end]
    return referrals.sort_values(["date", "person", "type"], kind="stable", ignore_index=True)
