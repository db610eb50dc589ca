"""Person records as source systems hold them: one or several per real person.

A real person recorded many times is more likely to have been recorded inconsistently, so the
chance of extra records rises with the number of involvements. Record 0 of each person is the
canonical one; extra records carry the errors real extracts hold: nicknames, typos,
swapped forename/surname, a wrong digit or swapped day/month in the date of birth, a missing
date of birth, a changed address, another source system. Typos are precomputed per vocabulary
word (a loop over a few hundred names) so that applying them is plain array indexing.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ingest.contract import SEXES
from synth import names
from synth.identity import FORENAMES, SURNAMES, Identities
from synth.util import choose, days_to_date_strings, make_ids, rank_in_segment, segment_ids

SOURCES = np.asarray(["niche", "athena", "pnc"], dtype=object)
NICHE, ATHENA, PNC = range(3)
N_TYPOS = 4


@dataclass
class Records:
    """People records in person-major order (records of person p are contiguous)."""

    owner: np.ndarray  # true person of each record
    first: np.ndarray  # per person: index of their first record
    count: np.ndarray  # per person: number of records
    record_id: np.ndarray  # id string per record (person-major order)
    table: pd.DataFrame  # people.csv rows sorted by record_id


def _typos(word: str, rng: np.random.Generator) -> list[str]:
    """``N_TYPOS`` misspellings of ``word`` of the kinds officers make."""
    swaps = {"a": "e", "e": "a", "i": "y", "y": "i", "o": "u", "u": "o", "c": "k", "k": "c",
             "s": "z", "z": "s", "m": "n", "n": "m", "t": "tt", "l": "ll"}
    found: list[str] = []
    for _ in range(40):
        if len(found) == N_TYPOS:
            break
        pos = int(rng.integers(1, max(2, len(word))))
        kind = int(rng.integers(0, 4))
        if kind == 0 and len(word) > 3:  # a dropped letter
            candidate = word[:pos] + word[pos + 1:]
        elif kind == 1:  # a doubled letter
            candidate = word[:pos] + word[pos - 1] + word[pos:]
        elif kind == 2 and pos < len(word) - 1:  # two letters transposed
            candidate = word[:pos] + word[pos + 1] + word[pos] + word[pos + 2:]
        else:  # a similar-sounding letter
            letter = word[pos - 1].lower()
            candidate = word[:pos - 1] + swaps.get(letter, letter) + word[pos:] if pos > 1 else word
        if candidate != word and candidate not in found and candidate:
            found.append(candidate)
    while len(found) < N_TYPOS:
        found.append(word + word[-1])
    return found


def _typo_table(words: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    return np.asarray([_typos(str(w), rng) for w in words], dtype=object)


def _nickname_table() -> tuple[np.ndarray, np.ndarray]:
    """(variants per forename, whether the forename has a nickname)."""
    table = np.empty((len(FORENAMES), 3), dtype=object)
    has = np.zeros(len(FORENAMES), dtype=bool)
    for i, name in enumerate(FORENAMES):
        options = names.NICKNAMES.get(name, (name,))
        has[i] = name in names.NICKNAMES
        table[i] = [options[j % len(options)] for j in range(3)]
    return table, has


def record_counts(rng: np.random.Generator, involvement_counts: np.ndarray,
                  fragmentation: bool) -> np.ndarray:
    """How many records each person has: more for people recorded many times."""
    n = len(involvement_counts)
    if not fragmentation:
        return np.ones(n, dtype=np.int64)
    p = np.clip(0.09 + 0.10 * (involvement_counts - 1), 0.0, 0.85)
    extra = choose(rng, n, {1: 0.6, 2: 0.28, 3: 0.12})
    count = 1 + np.where(rng.random(n) < p, extra, 0)
    # Someone seen once rarely has more than one other record (from another system).
    return np.minimum(count, np.maximum(2, involvement_counts))


def make_records(rng: np.random.Generator, ident: Identities, involvement_counts: np.ndarray,
                 fragmentation: bool) -> Records:
    """All person records, with variants on every record but each person's first."""
    count = record_counts(rng, involvement_counts, fragmentation)
    owner = segment_ids(count)
    first = np.cumsum(count) - count
    extra = np.arange(len(owner)) != first[owner]
    source = _sources(rng, ident, owner, extra)
    forename, surname = _names(rng, ident, owner, extra, source)
    frame = pd.DataFrame({
        "source_system": SOURCES[source],
        "forename": forename,
        "surname": surname,
        "date_of_birth": _dates_of_birth(rng, ident, owner, extra),
        "sex": _sexes(rng, ident, owner, extra),
    })
    frame["postcode"], frame["address"] = _addresses(rng, ident, owner, extra)
    pnc = ident.pnc[owner]
    keep_pnc = (source == PNC) | (rng.random(len(owner)) < 0.7)
    frame["pnc_id"] = np.where(keep_pnc, pnc, None)
    frame["ethnicity"] = _ethnicities(rng, ident, owner, extra)
    position = rng.permutation(len(owner))  # shuffled so ids do not group a person's records
    record_id = make_ids("R", len(owner))[position]
    frame.insert(0, "record_id", record_id)
    table = frame.iloc[np.argsort(position)].reset_index(drop=True)
    return Records(owner=owner, first=first, count=count, record_id=record_id, table=table)


def _sources(rng: np.random.Generator, ident: Identities, owner: np.ndarray, extra: np.ndarray) -> np.ndarray:
    """Canonical records come from Niche or Athena; extra ones also from the PNC."""
    base = np.where(rng.random(len(owner)) < 0.65, NICHE, ATHENA)
    has_pnc = ident.pnc[owner] != None  # noqa: E711 - elementwise comparison on object array
    from_pnc = extra & has_pnc & (rng.random(len(owner)) < 0.35)
    return np.where(from_pnc, PNC, base)


def _names(rng: np.random.Generator, ident: Identities, owner: np.ndarray, extra: np.ndarray,
           source: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Forename and surname per record, with variants on extra records."""
    n = len(owner)
    fore_idx, sur_idx = ident.forename[owner], ident.surname[owner]
    forename, surname = FORENAMES[fore_idx], SURNAMES[sur_idx]
    nick, has_nick = _nickname_table()
    fore_typos, sur_typos = _typo_table(FORENAMES, rng), _typo_table(SURNAMES, rng)
    u = rng.random(n)
    pick3, pick_typo = rng.integers(0, 3, n), rng.integers(0, N_TYPOS, n)
    forename = np.where(extra & has_nick[fore_idx] & (u < 0.25), nick[fore_idx, pick3], forename)
    forename = np.where(extra & (u >= 0.25) & (u < 0.37), fore_typos[fore_idx, pick_typo], forename)
    v = rng.random(n)
    surname = np.where(extra & (v < 0.12), sur_typos[sur_idx, pick_typo], surname)
    # A woman's later record under a different (married or maiden) surname.
    renamed = extra & (v >= 0.12) & (v < 0.15) & (ident.sex[owner] == SEXES.index("F"))
    surname = np.where(renamed, SURNAMES[rng.integers(0, len(SURNAMES), n)], surname)
    swapped = extra & (rng.random(n) < 0.06)
    forename, surname = np.where(swapped, surname, forename), np.where(swapped, forename, surname)
    forename = np.where(extra & (rng.random(n) < 0.02), None, forename)
    return _casing(rng, forename, surname, source)


def _casing(rng: np.random.Generator, forename: np.ndarray, surname: np.ndarray,
            source: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """PNC holds names in capitals; other systems vary ("any case")."""
    fore = pd.Series(forename, dtype="str")
    sur = pd.Series(surname, dtype="str")
    u = rng.random(len(source))
    pnc = source == PNC
    upper_sur = pnc | (u < 0.10)
    lower = ~pnc & (u > 0.97)
    fore = fore.where(~pnc, fore.str.upper()).where(~lower, fore.str.lower())
    sur = sur.where(~upper_sur, sur.str.upper()).where(~lower, sur.str.lower())
    return fore.to_numpy(dtype=object, na_value=None), sur.to_numpy(dtype=object, na_value=None)


def _dates_of_birth(rng: np.random.Generator, ident: Identities, owner: np.ndarray,
                    extra: np.ndarray) -> np.ndarray:
    """ISO date of birth per record: a wrong digit, day/month swapped, or missing on some."""
    n = len(owner)
    day = np.floor(ident.dob[owner]).astype(np.int64).astype("datetime64[D]")
    year = day.astype("datetime64[Y]").astype(np.int64) + 1970
    month = day.astype("datetime64[M]").astype(np.int64) % 12 + 1
    dom = (day - day.astype("datetime64[M]")).astype(np.int64) + 1
    u = rng.random(n)
    digit = extra & (u < 0.10)
    swap = extra & (u >= 0.10) & (u < 0.16) & (dom <= 12) & (dom != month)
    missing = np.where(extra, (u >= 0.16) & (u < 0.31), u < 0.03)
    # One digit wrong: the last digit of the year, or the last digit of the day.
    in_year = rng.random(n) < 0.5
    new_digit = (year % 10 + rng.integers(1, 10, n)) % 10
    year = np.where(digit & in_year, year - year % 10 + new_digit, year)
    day_digit = (dom % 10 + rng.integers(1, 10, n)) % 10
    new_dom = dom - dom % 10 + day_digit
    new_dom = np.where((new_dom < 1) | (new_dom > 28), np.where(dom < 28, dom + 1, dom - 1), new_dom)
    dom = np.where(digit & ~in_year, new_dom, dom)
    month, dom = np.where(swap, dom, month), np.where(swap, month, dom)
    days = _to_days(year, month, dom)
    text = days_to_date_strings(days).astype(object)
    return np.where(missing, None, text)


def _to_days(year: np.ndarray, month: np.ndarray, dom: np.ndarray) -> np.ndarray:
    months = (year - 1970) * 12 + (month - 1)
    start = months.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
    return (start + dom - 1).astype(float)


def _sexes(rng: np.random.Generator, ident: Identities, owner: np.ndarray, extra: np.ndarray) -> np.ndarray:
    sex = np.asarray(SEXES, dtype=object)[ident.sex[owner]]
    u = rng.random(len(owner))
    sex = np.where(extra & (u < 0.03), "U", sex)
    return np.where(u > 0.985, None, sex)


def _addresses(rng: np.random.Generator, ident: Identities, owner: np.ndarray,
               extra: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Postcode and first address line per record; extra records may show an older home."""
    n = len(owner)
    places = ident.places
    unit, house = ident.unit[owner], ident.house[owner]
    moved = extra & (rng.random(n) < 0.35)
    other_unit, other_house = places.random_homes(rng, n)
    unit, house = np.where(moved, other_unit, unit), np.where(moved, other_house, house)
    suffixes = np.asarray(names.STREET_SUFFIXES, dtype=object)
    abbreviated = np.asarray([names.SUFFIX_ABBREVIATIONS.get(s, s) for s in suffixes], dtype=object)
    suffix_idx = places.suffix[unit]
    suffix = np.where(rng.random(n) < 0.3, abbreviated[suffix_idx], suffixes[suffix_idx])
    street = pd.Series(np.asarray(names.STREET_STEMS, dtype=object)[places.stem[unit]], dtype="str")
    address = pd.Series(house.astype(str), dtype="str") + " " + street + " " + pd.Series(suffix, dtype="str")
    postcode = pd.Series(places.postcode[unit], dtype="str")
    v = rng.random(n)
    postcode = postcode.where(~(v < 0.10), postcode.str.replace(" ", "", regex=False))
    postcode = postcode.where(~((v >= 0.10) & (v < 0.14)), postcode.str.lower())
    w = rng.random(n)
    no_postcode = np.where(extra, w < 0.08, w < 0.03)
    no_address = np.where(extra, (w >= 0.08) & (w < 0.18), (w >= 0.03) & (w < 0.08))
    return (np.where(no_postcode, None, postcode.to_numpy(dtype=object)),
            np.where(no_address, None, address.to_numpy(dtype=object)))


def _ethnicities(rng: np.random.Generator, ident: Identities, owner: np.ndarray,
                 extra: np.ndarray) -> np.ndarray:
    """Self-defined code, missing on about 42% of records, occasionally different."""
    codes = np.asarray(names.ETHNICITY_CODES, dtype=object)
    code = ident.ethnicity[owner]
    other = rng.integers(0, len(codes), len(owner))
    code = np.where(extra & (rng.random(len(owner)) < 0.08), other, code)
    return np.where(rng.random(len(owner)) < 0.42, None, codes[code])


def pick_records(rng: np.random.Generator, records: Records, person: np.ndarray, spread: bool) -> np.ndarray:
    """Record index (person-major) used for each reference to ``person``.

    With ``spread`` (involvements), a person's references cycle through all their records in
    random order, so every record is used when there are enough references; otherwise one of
    the person's records is picked at random.
    """
    count = records.count[person]
    if not spread:
        return records.first[person] + (rng.random(len(person)) * count).astype(np.int64)
    order = np.lexsort((rng.random(len(person)), person))
    rank = rank_in_segment(person[order])
    chosen = np.empty(len(person), dtype=np.int64)
    chosen[order] = records.first[person[order]] + rank % count[order]
    return chosen
