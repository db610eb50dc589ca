"""Hard negatives in the whole force: different men whom resolution could take for one.

``synth.person_records`` plants them in a bare list of person records; here they are planted
among the people of a generated force, so a benchmark can see what a false merge does to the
lists (one man's victims on another's row). For a share of the repeat, serial and
power-and-control perpetrators, another man of the force (a one-off perpetrator, co-suspect,
witness or another repeat perpetrator) becomes

* a **namesake**: the same forename and surname, at the same home half the time;
* a **brother**: the same surname and home, a third of them twins (one date of birth);
* a **father or son**: the same forename, surname and home, born 20-32 years apart.

The planted man's records often lack a date of birth (see :func:`sparse_dates_of_birth`),
and half of them lose their PNC id, which is what makes them hard. Who is who does not
change: the ground truth keeps them apart.
"""

from __future__ import annotations

import numpy as np

from synth.archetypes import CO_SUSPECT, ONE_OFF, POWER, REPEAT, SERIAL, WITNESS
from synth.identity import SEX, Identities
from synth.util import YEAR

NAMESAKE, BROTHER, FATHER_OR_SON = range(3)
KIND_SHARES = (0.4, 0.3, 0.3)


def plant_hard_negatives(rng: np.random.Generator, ident: Identities, share: float = 0.5) -> np.ndarray:
    """Change ``ident`` in place (see the module docstring); returns per person whether he
    was made a hard negative of another man."""
    male = ident.sex == SEX["M"]
    perpetrators = np.flatnonzero(male & np.isin(ident.arch, (REPEAT, SERIAL, POWER)))
    chosen = perpetrators[rng.random(len(perpetrators)) < share]
    pool = np.setdiff1d(np.flatnonzero(male & np.isin(ident.arch, (ONE_OFF, CO_SUSPECT, WITNESS, REPEAT))), chosen)
    count = min(len(chosen), len(pool))
    chosen, planted = chosen[:count], rng.choice(pool, size=count, replace=False)
    kind = rng.choice(3, size=count, p=KIND_SHARES)
    same_home = (kind != NAMESAKE) | (rng.random(count) < 0.5)
    same_forename = kind != BROTHER
    ident.surname[planted] = ident.surname[chosen]
    ident.forename[planted] = np.where(same_forename, ident.forename[chosen], ident.forename[planted])
    ident.unit[planted] = np.where(same_home, ident.unit[chosen], ident.unit[planted])
    ident.house[planted] = np.where(same_home, ident.house[chosen], ident.house[planted])
    twins = (kind == BROTHER) & (rng.random(count) < 1 / 3)
    brother_gap = rng.integers(1, 7, count) * np.where(rng.random(count) < 0.5, -1, 1)
    generation = rng.integers(20, 33, count) * np.where(rng.random(count) < 0.5, -1, 1)
    dob = ident.dob[chosen]
    ident.dob[planted] = np.select(
        [twins, kind == BROTHER, kind == FATHER_OR_SON],
        [dob, dob + brother_gap * YEAR + rng.integers(-120, 120, count), dob + generation * YEAR],
        default=ident.dob[planted])
    ident.pnc[planted] = np.where(rng.random(count) < 0.5, None, ident.pnc[planted])
    made = np.zeros(len(ident.arch), dtype=bool)
    made[planted] = True
    return made


def sparse_dates_of_birth(rng: np.random.Generator, dates: np.ndarray, owner: np.ndarray,
                          sparse: np.ndarray, share: float = 0.6) -> np.ndarray:
    """``dates`` (per record) with ``share`` of the records of ``sparse`` people blanked."""
    blank = sparse[owner] & (rng.random(len(owner)) < share)
    return np.where(blank, None, dates)
