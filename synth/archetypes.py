"""Perpetrator archetypes and their perpetrator-victim pairs.

A *pair* is one perpetrator's course of conduct against one victim: a relationship, a time
window and a number of incidents. Archetypes differ in how many pairs they have, how long and
how dense they are, and (in ``incidents``) how serious. The shares are calibrated to the
HMICFRS figures in DOMAIN.md: most perpetrators appear once, a power few (~3.5%) carry most of
the harm, and roughly one in ten has harmed two or more victims.
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

PERPETRATOR_SHARES = {ONE_OFF: 0.78, REPEAT: 0.12, SERIAL: 0.065, POWER: 0.035}

REL = {name: i for i, name in enumerate(RELATIONSHIPS)}
PARTNER, EX_PARTNER, FAMILY, ACQUAINTANCE, STRANGER, UNKNOWN = (
    REL[k] for k in ("partner", "ex_partner", "family", "acquaintance", "stranger", "unknown")
)

PAIR_COLUMNS = (
    "perp", "arch", "order", "rel", "start", "end", "rel_end", "n_inc", "career_start",
    "career_span",
)


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
    frames = []
    for arch, build in builders.items():
        perps = np.flatnonzero(perp_arch == arch)
        if len(perps):
            frame = build(rng, perps, window)
            frame["arch"] = arch
            frames.append(frame)
    pairs = pd.concat(frames, ignore_index=True)
    pairs = pairs.sort_values(["perp", "order"], kind="stable", ignore_index=True)
    return pairs[list(PAIR_COLUMNS)]


def _frame(perp, order, rel, start, end, rel_end, n_inc, career_start, career_span) -> pd.DataFrame:
    return pd.DataFrame({
        "perp": perp, "order": order, "rel": rel, "start": start, "end": end,
        "rel_end": rel_end, "n_inc": n_inc, "career_start": career_start,
        "career_span": career_span,
    })


def _relationship_end(rng: np.random.Generator, rel: np.ndarray, start: np.ndarray,
                      end: np.ndarray, low: float, high: float) -> np.ndarray:
    """When a partner relationship ends inside the pair window (inf for other relationships).

    Incidents after it are recorded as ex-partner abuse (stalking, harassment, messages).
    """
    cut = start + (end - start) * rng.uniform(low, high, len(rel))
    return np.where(rel == PARTNER, cut, np.inf)


def _one_off(rng: np.random.Generator, perps: np.ndarray, window: Window) -> pd.DataFrame:
    n = len(perps)
    rel = choose(rng, n, {PARTNER: 0.36, EX_PARTNER: 0.24, FAMILY: 0.16, ACQUAINTANCE: 0.12,
                          STRANGER: 0.10, UNKNOWN: 0.02})
    start = rng.uniform(window.start, window.end, n)
    return _frame(perps, 0, rel, start, start, np.full(n, np.inf), 1, start, 0.0)


def _repeat(rng: np.random.Generator, perps: np.ndarray, window: Window) -> pd.DataFrame:
    """One victim, several incidents over months to a few years."""
    n = len(perps)
    span = np.minimum(rng.uniform(0.2, 4.0, n) * YEAR, 0.98 * window.length)
    start = window.start + rng.random(n) * (window.length - span)
    end = start + span
    rel = choose(rng, n, {PARTNER: 0.55, EX_PARTNER: 0.20, FAMILY: 0.20, ACQUAINTANCE: 0.05})
    rel_end = _relationship_end(rng, rel, start, end, 0.5, 1.3)
    n_inc = capped_geometric(rng, 0.42, n, 2, 20)
    return _frame(perps, 0, rel, start, end, rel_end, n_inc, start, span)


def _serial(rng: np.random.Generator, perps: np.ndarray, window: Window) -> pd.DataFrame:
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
    n_inc = capped_geometric(rng, 0.45, m, 1, 8)
    order = np.arange(m) - np.repeat(np.cumsum(k) - k, k)
    return _frame(perps[owner], order, np.full(m, PARTNER), start, end, rel_end, n_inc,
                  career_start[owner], career_span[owner])


def _power(rng: np.random.Generator, perps: np.ndarray, window: Window) -> pd.DataFrame:
    """Long, dense, escalating courses of conduct; a quarter against a single victim."""
    n = len(perps)
    k = np.where(rng.random(n) < 0.25, 1, capped_geometric(rng, 0.35, n, 2, 9))
    span = np.minimum(rng.uniform(4.0, 10.0, n) * YEAR, 0.98 * window.length)
    career_start = window.start + rng.random(n) * (window.length - span)
    owner = segment_ids(k)
    m = len(owner)
    order = np.arange(m) - np.repeat(np.cumsum(k) - k, k)
    slot = span[owner] / k[owner]
    start = career_start[owner] + order * slot
    end = np.minimum(start + slot * rng.uniform(1.0, 1.6, m), career_start[owner] + span[owner])
    rel = choose(rng, m, {PARTNER: 0.80, FAMILY: 0.10, ACQUAINTANCE: 0.05, STRANGER: 0.05})
    rel_end = _relationship_end(rng, rel, start, end, 0.6, 0.9)
    single = k[owner] == 1
    n_inc = np.where(single, capped_geometric(rng, 0.07, m, 10, 80),
                     capped_geometric(rng, 0.2, m, 2, 30))
    # Strangers are attacked once; acquaintances a few times at most.
    n_inc = np.select([rel == STRANGER, rel == ACQUAINTANCE], [1, np.minimum(n_inc, 3)], default=n_inc)
    return _frame(perps[owner], order, rel, start, end, rel_end, n_inc, career_start[owner],
                  span[owner])
