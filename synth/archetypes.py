"""Perpetrator archetypes and their perpetrator-victim pairs.

A *pair* is one perpetrator's course of conduct against one victim: a relationship, a time
window and a number of incidents. Archetypes differ in how many pairs they have, how long and
how dense they are, and (in ``incidents``) how serious. The shares are calibrated to the
HMICFRS figures in DOMAIN.md: most perpetrators appear once and roughly one in ten has harmed
two or more victims.

Harm is calibrated to hold in any window of a year to three years, not only over careers:
published police studies find recorded domestic-abuse harm extremely concentrated (fewer than
one in fifty victim-offender pairs carried about four fifths of it in Bland and Ariel 2015;
about 3% of perpetrators caused about 90% of it in Barnham et al. 2017). The power few are
set so that they make up 2-3% of the perpetrators seen in a three-year window (under 2% of
everyone seen in ten years, because their careers are long), and each perpetrator carries a
persistent *intensity* that drives both how often and how gravely they offend, so the worst
this year are mostly the worst next year and can be picked out from their record.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ingest.contract import RELATIONSHIPS
from synth.util import YEAR, Window, capped_geometric, choose, exclusive_cumsum_in_segment, segment_ids

ARCHETYPES = (
    "one_off", "repeat_single_victim", "serial_partner", "power_few", "victim", "witness",
    "co_suspect",
)
ONE_OFF, REPEAT, SERIAL, POWER, VICTIM, WITNESS, CO_SUSPECT = range(len(ARCHETYPES))
PERPETRATOR_ARCHETYPES = (ONE_OFF, REPEAT, SERIAL, POWER)
# The perpetrators a good ranking must surface.
PLANTED_SERIAL = (SERIAL, POWER)

# Shares of everyone seen over the extract. The power few's long careers make them about one
# and a half times as common among those active in any three-year window (2-3%), which is the
# scale the published concentration figures are measured on.
PERPETRATOR_SHARES = {ONE_OFF: 0.797, REPEAT: 0.12, SERIAL: 0.065, POWER: 0.018}

# The generator's relationship codes (what the suspect is to the victim). Pairs are drawn as
# "family" and each family pair is told apart as parent, child, sibling or other family by
# synth.vawg once the force is drawn, so "family" itself is never written.
RELATIONSHIP_CODES = ("partner", "ex_partner", "family", "acquaintance", "stranger", "unknown",
                      "parent", "child", "sibling", "other_family")
assert set(RELATIONSHIP_CODES) - {"family"} <= set(RELATIONSHIPS), "a generator code the contract lacks"
REL = {name: i for i, name in enumerate(RELATIONSHIP_CODES)}
PARTNER, EX_PARTNER, FAMILY, ACQUAINTANCE, STRANGER, UNKNOWN = (
    REL[k] for k in ("partner", "ex_partner", "family", "acquaintance", "stranger", "unknown")
)
PARENT, CHILD, SIBLING, OTHER_FAMILY = (REL[k] for k in ("parent", "child", "sibling", "other_family"))

PAIR_COLUMNS = (
    "perp", "arch", "order", "rel", "start", "end", "rel_end", "n_inc", "career_start",
    "career_span", "intensity",
)

# Persistent per-person intensity: a gamma frailty with mean 1, drawn once per perpetrator.
# It scales how often they offend (incidents per pair, the power few's yearly rate) and how
# likely each incident is a grave one (``incidents.GRAVE_POWER``), and for the power few how
# fast they take up new victims; a person's yearly harm grows steeply with it and stays with
# them from year to year (a gamma-Poisson rate gives the long-tailed, persistent repeat
# counts seen in repeat-victimisation data). The shape sets the spread (smaller = wider): the
# power few get the widest, so a handful of them carry most of the harm, as the published
# figures above find. One-off perpetrators have a single incident and no course of conduct to
# persist, so theirs stays 1.
INTENSITY_SHAPE = {REPEAT: 2.0, SERIAL: 2.0, POWER: 1.0}
# Power-few incidents a year at intensity 1 (a steady rate per person, not per pair), and how
# intensity raises it: 1.0 = in proportion.
POWER_RATE = 5.0
POWER_RATE_POWER = 1.0
# Intensity beyond this no longer raises the rate (about twenty incidents a year at most).
POWER_INTENSITY_CAP = 4.0
# Power-few new victims a year beyond the first, at intensity 1.
POWER_TURNOVER = 0.35


def make_perpetrators(rng: np.random.Generator, count: int) -> np.ndarray:
    """Archetype code of each of ``count`` perpetrators (person ids 0..count-1).

    Counts per archetype are fixed by the shares (largest remainder), not drawn, so even a
    small force has its power few: only who is which is random.
    """
    codes = np.fromiter(PERPETRATOR_SHARES.keys(), dtype=np.int64)
    exact = np.fromiter(PERPETRATOR_SHARES.values(), dtype=float) * count
    sizes = np.floor(exact).astype(np.int64)
    remainder_order = np.argsort(-(exact - sizes), kind="stable")
    sizes[remainder_order[: count - sizes.sum()]] += 1
    return rng.permutation(np.repeat(codes, sizes))


def make_pairs(rng: np.random.Generator, perp_arch: np.ndarray, window: Window) -> pd.DataFrame:
    """All perpetrator-victim pairs, one archetype at a time (a loop per archetype)."""
    builders = {ONE_OFF: _one_off, REPEAT: _repeat, SERIAL: _serial, POWER: _power}
    intensity = np.ones(len(perp_arch))
    for arch, shape in INTENSITY_SHAPE.items():
        mask = perp_arch == arch
        intensity[mask] = rng.gamma(shape, 1.0 / shape, int(mask.sum()))
    frames = []
    for arch, build in builders.items():
        perps = np.flatnonzero(perp_arch == arch)
        if len(perps):
            frame = build(rng, perps, window, intensity[perps])
            frame["arch"] = arch
            frames.append(frame)
    pairs = pd.concat(frames, ignore_index=True)
    pairs["intensity"] = intensity[pairs["perp"].to_numpy()]
    pairs = pairs.sort_values(["perp", "order"], kind="stable", ignore_index=True)
    return pairs[list(PAIR_COLUMNS)]


def independent_danger(rng: np.random.Generator, pairs: pd.DataFrame) -> np.ndarray:
    """Per pair: a persistent *danger* of its perpetrator drawn apart from their intensity.

    The same gamma frailty (mean 1, each archetype's shape) as the intensity, but a second
    draw: it sets how likely each incident is grave while the intensity keeps setting how
    often they offend, so a person can be rare and grave, or frequent and minor (the
    generator's ``harm_follows_frequency=False`` setting). One-off perpetrators keep 1.
    """
    perps, first = np.unique(pairs["perp"].to_numpy(), return_index=True)
    arch = pairs["arch"].to_numpy()[first]
    danger = np.ones(len(perps))
    for code, shape in INTENSITY_SHAPE.items():
        mask = arch == code
        danger[mask] = rng.gamma(shape, 1.0 / shape, int(mask.sum()))
    return danger[np.searchsorted(perps, pairs["perp"].to_numpy())]


def _frame(perp, order, rel, start, end, rel_end, n_inc, career_start, career_span) -> pd.DataFrame:
    return pd.DataFrame({
        "perp": perp, "order": order, "rel": rel, "start": start, "end": end,
        "rel_end": rel_end, "n_inc": n_inc, "career_start": career_start,
        "career_span": career_span,
    })


def _scaled(rng: np.random.Generator, counts: np.ndarray, intensity: np.ndarray, low: int,
            high: int) -> np.ndarray:
    """``counts`` times ``intensity``, rounded at random (keeps the mean), within [low, high]."""
    scaled = counts * intensity
    whole = np.floor(scaled)
    return np.clip(whole + (rng.random(len(scaled)) < scaled - whole), low, high).astype(np.int64)


def _relationship_end(rng: np.random.Generator, rel: np.ndarray, start: np.ndarray,
                      end: np.ndarray, low: float, high: float) -> np.ndarray:
    """When a partner relationship ends inside the pair window (inf for other relationships).

    Incidents after it are recorded as ex-partner abuse (stalking, harassment, messages).
    """
    cut = start + (end - start) * rng.uniform(low, high, len(rel))
    return np.where(rel == PARTNER, cut, np.inf)


def _one_off(rng: np.random.Generator, perps: np.ndarray, window: Window,
             intensity: np.ndarray) -> pd.DataFrame:
    n = len(perps)
    rel = choose(rng, n, {PARTNER: 0.36, EX_PARTNER: 0.24, FAMILY: 0.16, ACQUAINTANCE: 0.12,
                          STRANGER: 0.10, UNKNOWN: 0.02})
    start = rng.uniform(window.start, window.end, n)
    return _frame(perps, 0, rel, start, start, np.full(n, np.inf), 1, start, 0.0)


def _repeat(rng: np.random.Generator, perps: np.ndarray, window: Window,
            intensity: np.ndarray) -> pd.DataFrame:
    """One victim, several incidents over months to a few years."""
    n = len(perps)
    span = np.minimum(rng.uniform(0.2, 4.0, n) * YEAR, 0.98 * window.length)
    start = window.start + rng.random(n) * (window.length - span)
    end = start + span
    rel = choose(rng, n, {PARTNER: 0.55, EX_PARTNER: 0.20, FAMILY: 0.20, ACQUAINTANCE: 0.05})
    rel_end = _relationship_end(rng, rel, start, end, 0.5, 1.3)
    n_inc = _scaled(rng, capped_geometric(rng, 0.42, n, 2, 20), intensity, 2, 30)
    return _frame(perps, 0, rel, start, end, rel_end, n_inc, start, span)


def _serial(rng: np.random.Generator, perps: np.ndarray, window: Window,
            intensity: np.ndarray) -> pd.DataFrame:
    """A new partner every year or two, with abuse during and after each relationship."""
    k = capped_geometric(rng, 0.45, len(perps), 2, 9)
    owner = segment_ids(k)
    m = len(owner)
    together = rng.uniform(0.8, 2.4, m) * YEAR
    gap = rng.uniform(0.2, 1.0, m) * YEAR
    after = rng.uniform(0.1, 0.6, m) * YEAR
    offset = exclusive_cumsum_in_segment(together + gap, owner)
    last = np.r_[owner[1:] != owner[:-1], True]
    total = np.zeros(len(perps))
    total[owner[last]] = (offset + together + after)[last]
    # Careers longer than the window are compressed so every pair lies inside it.
    scale = np.minimum(1.0, 0.98 * window.length / total)
    career_span = total * scale
    career_start = window.start + rng.random(len(perps)) * (window.length - career_span)
    start = career_start[owner] + offset * scale[owner]
    rel_end = start + together * scale[owner]
    end = np.minimum(rel_end + after * scale[owner], window.end - 1e-3)
    n_inc = _scaled(rng, capped_geometric(rng, 0.45, m, 1, 8), intensity[owner], 1, 12)
    order = np.arange(m) - np.repeat(np.cumsum(k) - k, k)
    return _frame(perps[owner], order, np.full(m, PARTNER), start, end, rel_end, n_inc,
                  career_start[owner], career_span[owner])


def _power(rng: np.random.Generator, perps: np.ndarray, window: Window,
           intensity: np.ndarray) -> pd.DataFrame:
    """Long, dense, escalating courses of conduct, at a steady per-person rate.

    Careers are not squeezed into the extract: they start any time from one career length
    before it to its end, and only the part inside it is recorded (a real force's extract cuts
    careers at both ends). Squeezed in, nearly every one was active in any three-year window
    (8-9% of those ranked instead of 2-3%) and their careers all wound down in the extract's
    last years.
    """
    n = len(perps)
    span = rng.uniform(4.0, 10.0, n) * YEAR
    # Victims over the career: the more intense move on to new partners (and harm the
    # households they join) faster, so their victims add up; the least intense often keep to
    # one victim throughout.
    k = np.minimum(1 + rng.poisson(POWER_TURNOVER * intensity * span / YEAR), 9)
    career_start = rng.uniform(window.start - span, window.end)
    owner = segment_ids(k)
    m = len(owner)
    order = np.arange(m) - np.repeat(np.cumsum(k) - k, k)
    slot = span[owner] / k[owner]
    start = career_start[owner] + order * slot
    end = np.minimum(start + slot * rng.uniform(1.0, 1.6, m), career_start[owner] + span[owner])
    rel = choose(rng, m, {PARTNER: 0.80, FAMILY: 0.10, ACQUAINTANCE: 0.05, STRANGER: 0.05})
    rel_end = _relationship_end(rng, rel, start, end, 0.6, 0.9)
    # A steady yearly rate per person (not per pair), so a year of their record predicts the next.
    rate = POWER_RATE * np.minimum(intensity[owner], POWER_INTENSITY_CAP) ** POWER_RATE_POWER
    seen_start, seen_end = np.maximum(start, window.start), np.minimum(end, window.end - 1e-3)
    seen = seen_end > seen_start
    n_inc = np.maximum(1, rng.poisson(rate * np.maximum(seen_end - seen_start, 0.0) / YEAR))
    # Strangers are attacked once; acquaintances a few times at most.
    n_inc = np.select([rel == STRANGER, rel == ACQUAINTANCE], [1, np.minimum(n_inc, 3)], default=n_inc)
    frame = _frame(perps[owner], order, rel, seen_start, seen_end, rel_end, n_inc, career_start[owner],
                   span[owner])
    return frame[seen].reset_index(drop=True)
