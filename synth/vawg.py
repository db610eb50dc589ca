"""Violence against women and girls beyond partner abuse, added to a drawn force.

Family pairs are told apart as parent, child, sibling or other family; children abused by a
parent are given ages under 18; and incidents are relabelled with the offences that only
fit such pairs or their subjects: honour-based abuse and forced marriage against young women
by relatives, FGM and child sexual offences against girls and children, intimate image abuse
after separation, breaches of sexual harm prevention and sexual risk orders.

Every step runs on its own random stream (``vawg``) after the rest of the force is drawn and
only relabels what is there (a pair's relationship, an incident's offence, a young victim's
date of birth), so every other stage draws exactly what it drew before.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from synth import offences as off
from synth.archetypes import CHILD, EX_PARTNER, FAMILY, OTHER_FAMILY, PARENT, SIBLING
from synth.identity import SEX, Identities
from synth.incidents import NONE, OUT
from synth.util import YEAR, choose

# What a relative who abuses is to the victim. Child-to-parent abuse (adult sons and daughters)
# is the most common family abuse recorded by police, then abuse by a parent.
FAMILY_KINDS = {CHILD: 0.35, PARENT: 0.30, SIBLING: 0.20, OTHER_FAMILY: 0.15}
# Share of parent pairs whose victim is a child at the first incident, and their ages then.
YOUNG_SHARE = 0.6
YOUNG_AGE = (4.0, 17.5)
# The oldest a parent can be at the birth is not limited; the youngest is this.
PARENT_MIN_AGE = 16.0
# Per incident, the chance it is recorded as each VAWG offence where the offence fits.
CHILD_SEXUAL_SHARE = 0.12  # of incidents by a relative against a child under 16
IMAGES_SHARE = 0.05        # of incidents by a parent against a child under 18
FGM_SHARE = 0.08           # of incidents by a parent or other relative against a girl under 16
HONOUR_SHARE = 0.12        # of incidents by a relative against a woman of 16 to 30
FORCED_MARRIAGE_SHARE = 0.05
INTIMATE_IMAGE_SHARE = 0.12  # of messages and harassment of an ex-partner
SEXUAL_ORDER_BREACH_SHARE = 0.6  # of sexual harm prevention and sexual risk orders breached once

_CODE = off.OFFENCE_INDEX
_HONOUR_FROM = [_CODE[k] for k in ("controlling_coercive", "harassment", "threats_to_kill", "common_assault",
                                   "da_non_crime")]
_ORDER_BREACH = {"shpo": "breach_shpo", "sro": "breach_sro"}
_SEXUAL = ("rape", "sexual_assault", "rape_child_under_13", "sexual_assault_child_under_13",
           "sexual_activity_with_child", "indecent_images_children")
# Share of sexual offences followed by an order: a charge, caution or conviction by a sexual harm
# prevention order, an allegation that went no further by a sexual risk order.
SHPO_SHARE = 0.5
SRO_SHARE = 0.08


def family_kinds(rng: np.random.Generator, pairs: pd.DataFrame) -> np.ndarray:
    """Per pair, its relationship with each family pair told apart as parent, child, sibling or
    other family (a pair's suspect is the same relative at every incident)."""
    kind = pairs["rel"].to_numpy().copy()
    family = np.flatnonzero(kind == FAMILY)
    kind[family] = choose(rng, len(family), FAMILY_KINDS)
    return kind


def written_relationships(involvements: pd.DataFrame, incidents: pd.DataFrame, kinds: np.ndarray) -> np.ndarray:
    """The relationship code of each involvement as written: "family" becomes the pair's kind for
    its suspect and other family for a co-suspect (a relative of the suspect)."""
    rel = involvements["rel"].to_numpy().copy()
    inc = involvements["inc"].to_numpy()
    pair = incidents["pair"].to_numpy()[inc]
    own = involvements["person"].to_numpy() == incidents["perp"].to_numpy()[inc]
    family = rel == FAMILY
    rel[family & own] = kinds[pair[family & own]]
    rel[family & ~own] = OTHER_FAMILY
    return rel


def young_victims(rng: np.random.Generator, ident: Identities, pairs: pd.DataFrame, incidents: pd.DataFrame,
                  kinds: np.ndarray) -> None:
    """Make most victims of a parent children at the pair's first incident (dates of birth, in
    place); only victims of that one pair, and only where the parent is old enough."""
    victim = pairs["victim"].to_numpy()
    once = np.bincount(victim, minlength=len(ident.dob))[victim] == 1
    first = pd.Series(incidents["time"].to_numpy()).groupby(incidents["pair"].to_numpy()).min()
    start = np.full(len(pairs), np.nan)
    start[first.index.to_numpy()] = first.to_numpy()
    chosen = np.flatnonzero((kinds == PARENT) & once & ~np.isnan(start) & (rng.random(len(pairs)) < YOUNG_SHARE))
    age = rng.uniform(*YOUNG_AGE, len(chosen))
    born = np.floor(start[chosen] - age * YEAR)
    parent_born = ident.dob[pairs["perp"].to_numpy()[chosen]]
    fits = born >= parent_born + PARENT_MIN_AGE * YEAR
    ident.dob[victim[chosen[fits]]] = born[fits]


def relabel_offences(rng: np.random.Generator, incidents: pd.DataFrame, pairs: pd.DataFrame,
                     kinds: np.ndarray, ident: Identities) -> None:
    """Record the VAWG offences where they fit the pair and the victim's age (``offence``, in place)."""
    offence = incidents["offence"].to_numpy().copy()
    pair = incidents["pair"].to_numpy()
    victim = pairs["victim"].to_numpy()[pair]
    age = (incidents["time"].to_numpy() - ident.dob[victim]) / YEAR
    girl_or_woman = ident.sex[victim] == SEX["F"]
    kind = kinds[pair]
    relative = np.isin(kind, (PARENT, SIBLING, OTHER_FAMILY))
    open_offence = (incidents["breach_of"].to_numpy() == NONE) & ~np.isin(
        offence, [_CODE["murder"], _CODE["attempted_murder"]])
    u = rng.random(len(offence))
    under_13 = age < 13
    child = relative & (age < 16) & open_offence
    # A sexual offence against a child is recorded as the child offence of that age.
    offence[child & under_13 & (offence == _CODE["rape"])] = _CODE["rape_child_under_13"]
    offence[child & (offence == _CODE["sexual_assault"])] = np.where(
        under_13, _CODE["sexual_assault_child_under_13"], _CODE["sexual_activity_with_child"])[
        child & (offence == _CODE["sexual_assault"])]
    child_sexual = child & (u < CHILD_SEXUAL_SHARE)
    offence[child_sexual] = np.where(under_13 & (u < CHILD_SEXUAL_SHARE / 5), _CODE["rape_child_under_13"],
                                     np.where(under_13, _CODE["sexual_assault_child_under_13"],
                                              _CODE["sexual_activity_with_child"]))[child_sexual]
    v = rng.random(len(offence))
    offence[(kind == PARENT) & (age < 18) & open_offence & ~child_sexual & (v < IMAGES_SHARE)] = \
        _CODE["indecent_images_children"]
    fgm = np.isin(kind, (PARENT, OTHER_FAMILY)) & girl_or_woman & (age < 16) & open_offence & ~child_sexual
    offence[fgm & (v >= IMAGES_SHARE) & (v < IMAGES_SHARE + FGM_SHARE)] = _CODE["fgm"]
    honour = relative & girl_or_woman & (age >= 16) & (age < 30) & np.isin(offence, _HONOUR_FROM)
    offence[honour & (u < HONOUR_SHARE)] = _CODE["honour_based_abuse"]
    offence[honour & (u >= HONOUR_SHARE) & (u < HONOUR_SHARE + FORCED_MARRIAGE_SHARE)] = _CODE["forced_marriage"]
    images = ((incidents["rel"].to_numpy() == EX_PARTNER) & open_offence
              & np.isin(offence, [_CODE["malicious_communications"], _CODE["harassment"]]))
    offence[images & (v < INTIMATE_IMAGE_SHARE)] = _CODE["intimate_image_abuse"]
    incidents["offence"] = offence


def sexual_orders(rng: np.random.Generator, incidents: pd.DataFrame, pairs: pd.DataFrame,
                  measures: pd.DataFrame, end: float) -> pd.DataFrame:
    """``measures`` with a sexual harm prevention order after some sexual offences that led to a
    charge, caution or conviction, and a sexual risk order after some that did not (appended, so
    the measures drawn before keep their places)."""
    sexual = np.isin(incidents["offence"].to_numpy(), [_CODE[k] for k in _SEXUAL])
    charged = np.isin(incidents["outcome"].to_numpy(), [OUT["charged"], OUT["convicted"], OUT["caution"]])
    u = rng.random(len(incidents))
    kind = np.where(charged, "shpo", "sro")
    chosen = np.flatnonzero(sexual & (u < np.where(charged, SHPO_SHARE, SRO_SHARE)))
    kind = kind[chosen]
    start = incidents["time"].to_numpy()[chosen] + rng.uniform(30, 300, len(chosen))
    length = np.where(kind == "shpo", rng.uniform(5, 10, len(chosen)), rng.uniform(2, 5, len(chosen))) * YEAR
    pair = incidents["pair"].to_numpy()[chosen]
    added = pd.DataFrame({"pair": pair, "type": kind.astype(object), "start": start, "end": start + length,
                          "subject": pairs["perp"].to_numpy()[pair], "protected": pairs["victim"].to_numpy()[pair]})
    added = added[added["start"] < end]
    return pd.concat([measures, added[measures.columns]], ignore_index=True)


def sexual_order_breaches(rng: np.random.Generator, incidents: pd.DataFrame, measures: pd.DataFrame) -> None:
    """Record the first later incident of the subject of some sexual harm prevention and sexual
    risk orders, while the order runs, as its breach (``offence`` and ``breach_of``, in place)."""
    orders = measures[measures["type"].isin(list(_ORDER_BREACH))]
    orders = orders[rng.random(len(orders)) < SEXUAL_ORDER_BREACH_SHARE]
    if orders.empty:
        return
    candidates = pd.DataFrame({"row": np.arange(len(incidents)), "perp": incidents["perp"].to_numpy(),
                               "time": incidents["time"].to_numpy()})
    candidates = candidates[(incidents["breach_of"].to_numpy() == NONE)
                            & ~np.isin(incidents["offence"].to_numpy(), [_CODE["murder"], _CODE["attempted_murder"]])]
    joined = orders.assign(measure=orders.index.to_numpy()).merge(candidates, left_on="subject", right_on="perp")
    running = (joined["time"] > joined["start"]) & ~(joined["time"] > joined["end"])  # a NaN end never stops
    joined = joined[running].sort_values(["measure", "time"], kind="stable")
    first = joined.drop_duplicates("measure").drop_duplicates("row")
    rows = first["row"].to_numpy()
    offence = incidents["offence"].to_numpy().copy()
    offence[rows] = [_CODE[_ORDER_BREACH[t]] for t in first["type"]]
    breach_of = incidents["breach_of"].to_numpy().copy()
    breach_of[rows] = first["measure"].to_numpy()
    incidents["offence"] = offence
    incidents["breach_of"] = breach_of
