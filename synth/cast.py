"""Who is involved in each incident: victims, suspects, co-suspects and witnesses.

People are integer ids (true persons) allocated in blocks: perpetrators first, then victims,
extra victims, co-suspects, and finally witnesses, who fill the rest of the requested
population. Some victims are harmed by several different perpetrators over the years: a share
of pairs reuses the victim of an earlier pair of another perpetrator.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ingest.contract import ROLES
from synth.archetypes import ACQUAINTANCE, EX_PARTNER, FAMILY, PARTNER, STRANGER, UNKNOWN
from synth.incidents import NONE, OUT

ROLE = {name: i for i, name in enumerate(ROLES)}
VICTIM_REUSE_SHARE = 0.05
# Chance an incident also harms a second person (a child, a relative, a new partner).
EXTRA_VICTIM = {PARTNER: 0.03, EX_PARTNER: 0.03, FAMILY: 0.08, ACQUAINTANCE: 0.04, STRANGER: 0.04,
                UNKNOWN: 0.03}
# How the chance of a second victim grows with the perpetrator's intensity, its cap, and how
# many people (children, relatives, a new partner) a household has who can be harmed.
EXTRA_VICTIM_POWER = 1.0
EXTRA_VICTIM_CAP = 0.2
HOUSEHOLD_MAX = 3
# Chance of a second suspect (a friend or relative of the main suspect).
CO_SUSPECT = {PARTNER: 0.01, EX_PARTNER: 0.015, FAMILY: 0.04, ACQUAINTANCE: 0.06, STRANGER: 0.08,
              UNKNOWN: 0.03}
# Share of witnesses recorded at a second incident (neighbours, relatives).
WITNESS_REPEAT_SHARE = 0.08


def _lookup(table: dict[int, float], codes: np.ndarray) -> np.ndarray:
    values = np.zeros(max(table) + 1)
    values[list(table)] = list(table.values())
    return values[codes]


def assign_victims(rng: np.random.Generator, pairs: pd.DataFrame, killed_pairs: np.ndarray,
                   first_id: int) -> np.ndarray:
    """Victim person id for each pair; ids are allocated from ``first_id`` upwards."""
    n = len(pairs)
    by_time = np.argsort(pairs["start"].to_numpy(), kind="stable")
    perp = pairs["perp"].to_numpy()[by_time]
    killed = np.isin(by_time, killed_pairs)
    reuse = (rng.random(n) < VICTIM_REUSE_SHARE) & ~killed
    sources = np.flatnonzero(~reuse & ~killed)  # positions (time order) a victim can come from
    positions = np.flatnonzero(reuse)
    available = np.searchsorted(sources, positions)  # sources strictly earlier in time
    pick = sources[np.minimum((rng.random(len(positions)) * available).astype(np.int64),
                              np.maximum(available - 1, 0))]
    valid = (available > 0) & (perp[pick] != perp[positions])
    reuse[positions[~valid]] = False
    victim = np.full(n, -1, dtype=np.int64)
    fresh = np.flatnonzero(~reuse)
    victim[fresh] = first_id + np.arange(len(fresh))
    victim[positions[valid]] = victim[pick[valid]]
    result = np.empty(n, dtype=np.int64)
    result[by_time] = victim
    return result


def core_involvements(rng: np.random.Generator, incidents: pd.DataFrame, pairs: pd.DataFrame) -> pd.DataFrame:
    """The main victim and the suspect of every incident (person level)."""
    n = len(incidents)
    pair = incidents["pair"].to_numpy()
    inc = np.arange(n)
    charged = np.isin(incidents["outcome"].to_numpy(), [OUT["charged"], OUT["convicted"], OUT["caution"]])
    suspect_role = np.where(charged & (rng.random(n) < 0.75), ROLE["offender"], ROLE["suspect"])
    victims = pd.DataFrame({"inc": inc, "person": pairs["victim"].to_numpy()[pair],
                            "role": ROLE["victim"], "rel": NONE})
    suspects = pd.DataFrame({"inc": inc, "person": incidents["perp"].to_numpy(), "role": suspect_role,
                             "rel": incidents["rel"].to_numpy()})
    return pd.concat([victims, suspects], ignore_index=True)


def extra_involvements(rng: np.random.Generator, incidents: pd.DataFrame,
                       first_id: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Second victims and co-suspects; returns (victims, co-suspects).

    Second victims belong to the pair's household (children, relatives, a new partner): each
    pair has up to three such people and the same ones are harmed again at later incidents.
    The chance grows with the perpetrator's intensity, so the households of the most intense
    perpetrators have the most people harmed in them. Co-suspects are each a new person.
    """
    n = len(incidents)
    rel = incidents["rel"].to_numpy()
    not_breach = incidents["breach_of"].to_numpy() == NONE
    intensity = np.ones(n)
    if "intensity" in incidents:
        intensity = np.nan_to_num(incidents["intensity"].to_numpy(dtype=float), nan=1.0)
    chance = np.minimum(_lookup(EXTRA_VICTIM, rel) * intensity ** EXTRA_VICTIM_POWER, EXTRA_VICTIM_CAP)
    extra = np.flatnonzero(not_breach & (rng.random(n) < chance))
    co = np.flatnonzero(not_breach & (rng.random(n) < _lookup(CO_SUSPECT, rel)))
    pair = incidents["pair"].to_numpy()[extra]
    household = rng.integers(0, HOUSEHOLD_MAX, len(extra))  # which household member
    member = pd.factorize(pd.Series(pair * HOUSEHOLD_MAX + household))[0]
    n_extra = int(member.max()) + 1 if len(member) else 0
    victims = pd.DataFrame({"inc": extra, "person": first_id + member,
                            "role": ROLE["victim"], "rel": NONE})
    charged = np.isin(incidents["outcome"].to_numpy()[co], [OUT["charged"], OUT["convicted"]])
    co_rel = np.select([rel[co] == FAMILY, rel[co] == STRANGER], [FAMILY, STRANGER], default=ACQUAINTANCE)
    co_suspects = pd.DataFrame({
        "inc": co, "person": first_id + n_extra + np.arange(len(co)),
        "role": np.where(charged & (rng.random(len(co)) < 0.75), ROLE["offender"], ROLE["suspect"]),
        "rel": co_rel,
    })
    return victims, co_suspects


def witness_involvements(rng: np.random.Generator, n_incidents: int, count: int,
                         first_id: int) -> pd.DataFrame:
    """``count`` witnesses spread over the incidents; a few are recorded twice."""
    people = np.arange(count)
    again = people[rng.random(count) < WITNESS_REPEAT_SHARE]
    person = np.concatenate([people, again])
    inc = rng.integers(0, n_incidents, len(person)) if n_incidents else np.zeros(0, dtype=np.int64)
    frame = pd.DataFrame({"inc": inc, "person": first_id + person, "role": ROLE["witness"], "rel": NONE})
    return frame.drop_duplicates(["inc", "person"], ignore_index=True)
