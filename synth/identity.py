"""The true identity of every real person: sex, name, date of birth, home, PNC id, ethnicity.

These are the facts a perfect entity resolution would recover; ``fragment`` then derives the
(possibly several, possibly wrong) records police systems hold. Households link people the way
real data does: many partner-abuse suspects live with the victim, second victims and witnesses
often share the victim's address and surname.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ingest.contract import SEXES
from synth import names
from synth.archetypes import (
    CO_SUSPECT, EX_PARTNER, FAMILY, ONE_OFF, PARTNER, POWER, REPEAT, SERIAL, VICTIM, WITNESS,
)
from synth.cast import ROLE
from synth.util import YEAR

SEX = {name: i for i, name in enumerate(SEXES)}
FORENAMES = np.asarray(names.FEMALE_FORENAMES + names.MALE_FORENAMES, dtype=object)
N_FEMALE = len(names.FEMALE_FORENAMES)
SURNAMES = np.asarray(names.SURNAMES, dtype=object)

# Probability a person has a PNC record (a criminal record), by archetype.
PNC_SHARE = {ONE_OFF: 0.45, REPEAT: 0.6, SERIAL: 0.8, POWER: 0.9, VICTIM: 0.03, WITNESS: 0.01,
             CO_SUSPECT: 0.5}
# (mean, sd, low, high) of age in years at first involvement, by archetype.
AGE = {ONE_OFF: (33, 10, 18, 65), REPEAT: (33, 10, 18, 65), SERIAL: (30, 8, 18, 60),
       POWER: (29, 8, 18, 60), VICTIM: (34, 12, 16, 70), WITNESS: (40, 16, 16, 78),
       CO_SUSPECT: (28, 8, 16, 60)}


@dataclass
class Places:
    """The force's postcode units, each with one street; a home is (unit, house number)."""

    postcode: np.ndarray  # 'NE12 3AB' per unit
    stem: np.ndarray  # street stem index per unit
    suffix: np.ndarray  # street suffix index per unit

    @classmethod
    def make(cls, rng: np.random.Generator, count: int) -> Places:
        area = np.asarray(names.POSTCODE_AREAS)[rng.integers(0, len(names.POSTCODE_AREAS), count)]
        district = rng.integers(1, 50, count).astype(str)
        sector = rng.integers(0, 10, count).astype(str)
        letters = np.asarray(list(names.INWARD_LETTERS))
        unit = np.char.add(letters[rng.integers(0, len(letters), count)],
                              letters[rng.integers(0, len(letters), count)])
        outward = np.char.add(area, district)
        inward = np.char.add(sector, unit)
        postcode = np.char.add(np.char.add(outward, " "), inward)
        return cls(postcode=postcode,
                   stem=rng.integers(0, len(names.STREET_STEMS), count),
                   suffix=rng.integers(0, len(names.STREET_SUFFIXES), count))

    def random_homes(self, rng: np.random.Generator, size: int) -> tuple[np.ndarray, np.ndarray]:
        return rng.integers(0, len(self.postcode), size), rng.integers(1, 181, size)


@dataclass
class Identities:
    """Per true person (index = person id)."""

    arch: np.ndarray
    sex: np.ndarray
    forename: np.ndarray  # index into FORENAMES
    surname: np.ndarray  # index into SURNAMES
    dob: np.ndarray  # float days since epoch
    unit: np.ndarray
    house: np.ndarray
    ethnicity: np.ndarray  # index into names.ETHNICITY_CODES
    pnc: np.ndarray  # object: PNC id or None
    places: Places


def _by_arch(table: dict[int, float], arch: np.ndarray) -> np.ndarray:
    values = np.zeros(max(table) + 1)
    values[list(table)] = list(table.values())
    return values[arch]


def _sexes(rng: np.random.Generator, arch: np.ndarray, victim_rel: np.ndarray) -> np.ndarray:
    """Perpetrators mostly male, victims mostly female (more so for partner abuse)."""
    u = rng.random(len(arch))
    female = np.select(
        [np.isin(arch, (SERIAL, POWER)), np.isin(arch, (ONE_OFF, REPEAT)), arch == CO_SUSPECT,
         (arch == VICTIM) & np.isin(victim_rel, (PARTNER, EX_PARTNER)),
         (arch == VICTIM) & (victim_rel == FAMILY),
         arch == VICTIM],
        [0.03, 0.12, 0.15, 0.90, 0.68, 0.66], default=0.50)
    unknown = np.where(arch == WITNESS, 0.02, 0.005)
    sex = np.where(u < female, SEX["F"], SEX["M"])
    return np.where(rng.random(len(arch)) < unknown, SEX["U"], sex)


def _forenames(rng: np.random.Generator, sex: np.ndarray) -> np.ndarray:
    n_male = len(FORENAMES) - N_FEMALE
    female = rng.integers(0, N_FEMALE, len(sex))
    male = N_FEMALE + rng.integers(0, n_male, len(sex))
    either = rng.integers(0, len(FORENAMES), len(sex))
    return np.select([sex == SEX["F"], sex == SEX["M"]], [female, male], default=either)


def _pnc_ids(rng: np.random.Generator, size: int) -> np.ndarray:
    """Unique PNC-style ids 'YY/NNNNNNNL' (year of first record, serial, check letter)."""
    if size == 0:  # numpy's string functions fail on empty input
        return np.zeros(0, dtype=object)
    serial = rng.choice(9_000_000, size=size, replace=False) + 1_000_000
    year = rng.integers(0, 100, size)
    letters = np.asarray(list("ABCDEFGHJKLMNPQRTUVWXYZ"))
    text = np.char.add(np.char.zfill(year.astype(str), 2), "/")
    text = np.char.add(text, serial.astype(str))
    return np.char.add(text, letters[serial % len(letters)]).astype(object)


def make_identities(rng: np.random.Generator, arch: np.ndarray, involvements: pd.DataFrame,
                    incidents: pd.DataFrame, pairs: pd.DataFrame) -> Identities:
    """True identities for all people, given who is involved where."""
    n = len(arch)
    places = Places.make(rng, max(200, n // 12))
    victim_rel = np.full(n, -1)
    first_pair = pairs.drop_duplicates("victim")
    victim_rel[first_pair["victim"].to_numpy()] = first_pair["rel"].to_numpy()
    sex = _sexes(rng, arch, victim_rel)
    forename = _forenames(rng, sex)
    surname = rng.integers(0, len(SURNAMES), n)
    unit, house = places.random_homes(rng, n)
    _share_households(rng, involvements, incidents, pairs, surname, unit, house)
    dob = _dates_of_birth(rng, arch, involvements, incidents)
    has_pnc = rng.random(n) < _by_arch(PNC_SHARE, arch)
    pnc = np.full(n, None, dtype=object)
    pnc[has_pnc] = _pnc_ids(rng, int(has_pnc.sum()))
    weights = np.asarray(names.ETHNICITY_WEIGHTS)
    ethnicity = rng.choice(len(weights), size=n, p=weights / weights.sum())
    return Identities(arch=arch, sex=sex, forename=forename, surname=surname, dob=dob, unit=unit,
                      house=house, ethnicity=ethnicity, pnc=pnc, places=places)


def _share_households(rng: np.random.Generator, involvements: pd.DataFrame, incidents: pd.DataFrame,
                      pairs: pd.DataFrame, surname: np.ndarray, unit: np.ndarray, house: np.ndarray) -> None:
    """Cohabiting partners, relatives and household witnesses share the victim's home (in place)."""
    # Suspects living with their first partner victim.
    first = pairs[(pairs["order"].to_numpy() == 0) & (pairs["rel"].to_numpy() == PARTNER)]
    live_in = first[rng.random(len(first)) < 0.5]
    perp, victim = live_in["perp"].to_numpy(), live_in["victim"].to_numpy()
    unit[perp], house[perp] = unit[victim], house[victim]
    # Second victims and witnesses: the main victim of the same incident is the anchor.
    main_victim = pairs["victim"].to_numpy()[incidents["pair"].to_numpy()]
    domestic = np.isin(incidents["rel"].to_numpy(), (PARTNER, EX_PARTNER, FAMILY))
    inc = involvements["inc"].to_numpy()
    person = involvements["person"].to_numpy()
    others = (np.isin(involvements["role"].to_numpy(), (ROLE["victim"], ROLE["witness"]))
              & (person != main_victim[inc]))
    rows = np.flatnonzero(others & domestic[inc])
    share = rows[rng.random(len(rows)) < 0.45]
    who, anchor = person[share], main_victim[inc[share]]
    unit[who], house[who] = unit[anchor], house[anchor]
    relative = rng.random(len(share)) < 0.6
    surname[who[relative]] = surname[anchor[relative]]


def _dates_of_birth(rng: np.random.Generator, arch: np.ndarray, involvements: pd.DataFrame,
                    incidents: pd.DataFrame) -> np.ndarray:
    """Date of birth from an archetype-typical age at the person's first involvement.

    The age is capped so that the person is at most 80 at their last involvement.
    """
    n = len(arch)
    when = incidents["time"].to_numpy()[involvements["inc"].to_numpy()]
    person = involvements["person"].to_numpy()
    first, last = np.full(n, np.inf), np.full(n, -np.inf)
    np.minimum.at(first, person, when)
    np.maximum.at(last, person, when)
    seen = np.isfinite(first)
    first, last = np.where(seen, first, 0.0), np.where(seen, last, 0.0)
    age = np.empty(n)
    for code, (mean, sd, low, high) in AGE.items():
        where = np.flatnonzero(arch == code)
        age[where] = np.clip(rng.normal(mean, sd, len(where)), low, high)
    oldest = 79.9 - (last - first) / YEAR
    age = np.maximum(np.minimum(age, oldest), 16.01)
    return np.floor(first - age * YEAR)
