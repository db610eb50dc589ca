"""Synthetic fragmented person records with known truth, for resolution tests and benchmarks.

A population of people (skewed name frequencies like a real force: many Smiths, a long tail),
households (partners at one address, often sharing a surname; fathers and sons with the same
name), and for some people several records with the errors police systems really hold:
typos, initials, swapped names, 'SMITH, John' in one box, day/month-swapped or mistyped dates
of birth, missing fields, moves of address, a married surname, PNC ids on some records.

Generation is vectorised over records with numpy; Python loops run only over the small
name vocabularies (to make typo variants).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

_COMMON_MALE = ("john david michael paul andrew mark james robert peter richard stephen "
                "christopher thomas daniel anthony matthew william steven ian gary lee kevin "
                "simon jason darren wayne craig dean ryan adam liam jamie scott shaun carl "
                "martin alan brian colin neil graham keith philip jonathan nicholas").split()
_COMMON_FEMALE = ("sarah emma claire lisa nicola karen michelle rachel laura helen amanda "
                  "louise susan julie joanne gemma kelly rebecca victoria jennifer samantha "
                  "elizabeth jessica hannah charlotte amy natalie stacey donna tracey "
                  "catherine jane mary anne deborah zoe leanne kirsty jade chloe").split()
_COMMON_SURNAMES = ("smith jones williams taylor brown davies evans wilson thomas johnson "
                    "roberts robinson thompson wright walker white edwards hughes green hall "
                    "lewis harris clarke patel jackson wood turner martin cooper hill ward "
                    "morris moore clark lee king baker harrison morgan allen james scott "
                    "phillips watson davis parker price bennett young griffiths mitchell kelly "
                    "cook carter richardson bailey collins bell shaw murphy miller cox "
                    "richards khan marshall anderson simpson ellis adams singh begum wilkinson "
                    "foster chapman powell webb rogers gray mason ali hunt hussain campbell "
                    "matthews owen palmer holmes mills barnes knight lloyd butler russell "
                    "barker fisher stevens jenkins murray dixon harvey").split()
_ONSETS = np.array("b br c ch d dr f fl g gr h j k l m n p pr r s sh sl st t th tr v w wh y"
                   .split())
_NUCLEI = np.array("a e i o u ai ea ee oo ou y ie".split())
_CODAS = np.array(["", "n", "r", "l", "s", "th", "ck", "ll", "rd", "nd", "ng", "m", "t", "rt",
                   "wood", "ton", "ley", "son", "field", "well", "by", "ham", "er", "man",
                   "worth", "ford", "ridge", "cott", "ell", "in"])
_STREET_TYPES = np.array(["Street", "Road", "Avenue", "Lane", "Close", "Drive", "Court",
                          "Terrace", "Gardens", "Way", "Crescent", "Place"])
_AREAS = np.array("AB AL B BA BB BD BH BL BN BR BS CA CB CF CH CM CO CR CT CV CW DA DD DE DH "
                  "DL DN DT DY E EC EH EN EX FK FY G GL GU HA HD HG HP HR HU HX IG IP KA KT "
                  "KY L LA LD LE LL LN LS LU M ME MK ML N NE NG NN NP NR NW OL OX PE PL PO PR "
                  "RG RH RM S SA SE SG SK SL SM SN SO SP SR SS ST SW SY TA TF TN TQ TR TS TW "
                  "UB W WA WD WF WN WR WS WV YO".split())
_UNIT_LETTERS = np.array(list("ABDEFGHJLNPQRSTUWXYZ"))


def _syllable_names(rng: np.random.Generator, count: int, two_syllables: float) -> np.ndarray:
    """Pronounceable invented names, distinct, for the long tail of the vocabulary."""
    size = count * 3
    first = (rng.choice(_ONSETS, size) + rng.choice(_NUCLEI, size) + rng.choice(_CODAS, size))
    second = rng.choice(_ONSETS, size) + rng.choice(_NUCLEI, size) + rng.choice(_CODAS, size)
    names = np.where(rng.random(size) < two_syllables, first + second, first)
    names = pd.unique(names[np.char.str_len(names.astype(str)) >= 3])
    return np.asarray(names[:count], dtype=object)


def _vocabulary(rng: np.random.Generator, common: list[str], tail: int,
                offset: float, exponent: float) -> tuple[np.ndarray, np.ndarray]:
    """Names and their frequencies: the common list first, then invented ones, Zipf-like."""
    invented = [name for name in _syllable_names(rng, tail + len(common), 0.5)
                if name not in set(common)][:tail]
    names = np.array(list(common) + invented, dtype=object)
    weights = 1.0 / (np.arange(len(names)) + offset) ** exponent
    return names, weights / weights.sum()


def _typo(name: str, rng: np.random.Generator) -> str:
    """One keying error: a letter dropped, changed, doubled or two letters transposed."""
    if len(name) < 2:
        return name
    position = int(rng.integers(0, len(name) - 1))
    kind = int(rng.integers(0, 4))
    if kind == 0:
        return name[:position] + name[position + 1:]
    if kind == 1:
        letter = "abcdefghijklmnopqrstuvwxyz"[int(rng.integers(0, 26))]
        return name[:position] + letter + name[position + 1:]
    if kind == 2:
        return name[:position] + name[position] + name[position:]
    return name[:position] + name[position + 1] + name[position] + name[position + 2:]


def _typo_table(names: np.ndarray, rng: np.random.Generator, variants: int = 3) -> np.ndarray:
    """``variants`` typo forms of every vocabulary name (rows follow ``names``)."""
    return np.array([[_typo(name, rng) for _ in range(variants)] for name in names], dtype=object)


def _postcodes(rng: np.random.Generator, size: int) -> np.ndarray:
    """UK-shaped postcodes (no space), clustered in a few hundred busy districts."""
    area = rng.choice(_AREAS, size, p=_zipf(len(_AREAS), 5.0, 0.8))
    district = rng.integers(1, 30, size).astype(str)
    sector = rng.integers(0, 10, size).astype(str)
    unit = rng.choice(_UNIT_LETTERS, size) + rng.choice(_UNIT_LETTERS, size)
    return (area.astype(object) + district + sector + unit).astype(object)


def _zipf(count: int, offset: float, exponent: float) -> np.ndarray:
    weights = 1.0 / (np.arange(count) + offset) ** exponent
    return weights / weights.sum()


def _addresses(rng: np.random.Generator, size: int, streets: np.ndarray) -> np.ndarray:
    number = rng.integers(1, 250, size).astype(str)
    street = rng.choice(streets, size)
    return (number.astype(object) + " " + street).astype(object)


def _dates(days: np.ndarray) -> np.ndarray:
    """Days since 1970-01-01 as ISO strings."""
    return np.datetime_as_string(days.astype("datetime64[D]"), unit="D").astype(object)


def _people(rng: np.random.Generator, n_people: int, hard_negatives: bool = False
            ) -> dict[str, np.ndarray]:
    """The true population: one row per real person (see ``synthetic_records`` for the hard
    negatives)."""
    male_names, male_p = _vocabulary(rng, _COMMON_MALE, 2_500, 3.0, 1.3)
    female_names, female_p = _vocabulary(rng, _COMMON_FEMALE, 2_500, 3.0, 1.3)
    surnames, surname_p = _vocabulary(rng, _COMMON_SURNAMES, 60_000, 10.0, 1.0)
    street_stems = _syllable_names(rng, 8_000, 0.6)
    streets = np.char.capitalize(street_stems.astype(str)).astype(object) + " " \
        + rng.choice(_STREET_TYPES, len(street_stems))

    sex = np.where(rng.random(n_people) < 0.5, "M", "F").astype(object)
    male = sex == "M"
    forename_index = np.where(male, rng.choice(len(male_names), n_people, p=male_p),
                              rng.choice(len(female_names), n_people, p=female_p))
    forename = np.where(male, male_names[np.minimum(forename_index, len(male_names) - 1)],
                        female_names[np.minimum(forename_index, len(female_names) - 1)])
    surname_index = rng.choice(len(surnames), n_people, p=surname_p)
    born = rng.integers(np.datetime64("1945-01-01").astype(int),
                        np.datetime64("2007-12-31").astype(int), n_people)
    postcode = _postcodes(rng, n_people)
    address = _addresses(rng, n_people, streets)

    # Households: a partner lives with the person before them; half share the surname.
    partner = rng.random(n_people) < 0.3
    partner[0] = False
    source = np.flatnonzero(partner) - 1
    postcode[partner] = postcode[source]
    address[partner] = address[source]
    same_name = partner.copy()
    same_name[partner] = rng.random(partner.sum()) < 0.5
    surname_index[same_name] = surname_index[np.flatnonzero(same_name) - 1]
    # Fathers and sons: same forename and surname, same address, a generation apart.
    junior = (rng.random(n_people) < 0.01) & ~partner
    junior[0] = False
    parent = np.flatnonzero(junior) - 1
    for column in (postcode, address):
        column[junior] = column[parent]
    surname_index[junior] = surname_index[parent]
    forename[junior] = forename[parent]
    sex[junior] = sex[parent]
    born[junior] = born[parent] + rng.integers(20 * 365, 35 * 365, junior.sum())

    sparse_dob = np.zeros(n_people, dtype=bool)
    if hard_negatives:
        sparse_dob = _hard_negatives(rng, n_people, sex, forename, surname_index, born, postcode,
                                     address, partner | junior, male_names, junior)

    has_pnc = rng.random(n_people) < 0.35
    pnc = np.where(has_pnc, np.char.add(np.char.add(
        rng.integers(80, 99, n_people).astype(str), "/"),
        rng.integers(100_000, 999_999, n_people).astype(str)).astype(object) + "X", None)
    return {"sex": sex, "forename": forename.astype(object),
            "surname": surnames[surname_index].astype(object), "born": born,
            "postcode": postcode, "address": address, "pnc": pnc, "sparse_dob": sparse_dob,
            "surnames": surnames, "surname_p": surname_p, "streets": streets}


def _hard_negatives(rng: np.random.Generator, n_people: int, sex: np.ndarray,
                    forename: np.ndarray, surname_index: np.ndarray, born: np.ndarray,
                    postcode: np.ndarray, address: np.ndarray, taken: np.ndarray,
                    male_names: np.ndarray, junior: np.ndarray) -> np.ndarray:
    """Different people who look alike, changed in place; returns who is often recorded
    without a date of birth.

    * namesakes (4%): another person's forename and surname (so common names repeat even
      more), half of them in the same postcode, a different date of birth;
    * brothers (2%): the man before them's surname and home, another forename, born 1-8
      years apart; a third of them twins (same date of birth);
    * fathers and sons of one name (the 1% made above) are kept; both, and the namesakes,
      are often recorded with no date of birth.
    """
    index = np.arange(n_people)
    free = ~taken
    free[0] = False
    namesake = free & (rng.random(n_people) < 0.04)
    source = rng.integers(0, n_people, n_people)
    source = np.where(source == index, (source + 1) % n_people, source)
    rows, of = index[namesake], source[namesake]
    forename[rows], surname_index[rows], sex[rows] = forename[of], surname_index[of], sex[of]
    close = rng.random(len(rows)) < 0.5
    postcode[rows[close]] = postcode[of[close]]
    brother = free & ~namesake & (rng.random(n_people) < 0.02) & (np.roll(sex, 1) == "M")
    rows = index[brother]
    elder = rows - 1
    postcode[rows], address[rows], surname_index[rows] = postcode[elder], address[elder], surname_index[elder]
    sex[rows] = "M"
    other = male_names[rng.integers(0, min(len(male_names), 200), len(rows))]
    forename[rows] = np.where(other == forename[elder], male_names[(rng.integers(0, 50, len(rows)) + 1)], other)
    gap = rng.integers(365, 8 * 365, len(rows)) * np.where(rng.random(len(rows)) < 0.5, -1, 1)
    twins = rng.random(len(rows)) < 1 / 3
    born[rows] = born[elder] + np.where(twins, 0, gap)
    sparse = namesake | junior
    sparse[np.flatnonzero(junior) - 1] = True  # the fathers too
    return sparse


def _corrupt_names(rng: np.random.Generator, forename: np.ndarray, surname: np.ndarray,
                   is_copy: np.ndarray, female: np.ndarray, surnames: np.ndarray,
                   surname_p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Typos, initials, married names and swapped fields on the copies."""
    n = len(forename)
    vocab = pd.unique(np.concatenate([forename, surname]))
    table = _typo_table(np.asarray(vocab), rng)
    row = pd.Index(vocab).get_indexer

    def typo(values: np.ndarray, mask: np.ndarray) -> np.ndarray:
        picked = table[row(values[mask]), rng.integers(0, table.shape[1], mask.sum())]
        out = values.copy()
        out[mask] = picked
        return out

    draw = rng.random((n, 6))
    forename = typo(forename, is_copy & (draw[:, 0] < 0.10))
    surname = typo(surname, is_copy & (draw[:, 1] < 0.10))
    initial = is_copy & (draw[:, 2] < 0.03)
    forename = np.where(initial, pd.Series(forename).str.slice(0, 1).to_numpy(dtype=object),
                        forename)
    married = is_copy & female & (draw[:, 3] < 0.04)
    surname = np.where(married, surnames[rng.choice(len(surnames), n, p=surname_p)], surname)
    swapped = is_copy & (draw[:, 4] < 0.02)
    forename, surname = np.where(swapped, surname, forename), np.where(swapped, forename, surname)
    forename = np.where(draw[:, 5] < 0.02, None, forename)
    return forename, surname


def _second_typo(rng: np.random.Generator, forename: np.ndarray, surname: np.ndarray,
                 mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One more keying error in the forename or the surname of the records in ``mask``."""
    forename, surname = forename.copy(), surname.copy()
    which = rng.random(len(mask)) < 0.5
    for values, chosen in ((forename, mask & which), (surname, mask & ~which)):
        rows = np.flatnonzero(chosen & pd.notna(values))
        values[rows] = [_typo(str(values[row]), rng) for row in rows]
    return forename, surname


def _corrupt_dates(rng: np.random.Generator, born: np.ndarray, is_copy: np.ndarray
                   ) -> np.ndarray:
    """ISO dates of birth with day/month swaps, one-digit slips and gaps."""
    as_date = born.astype("datetime64[D]")
    year = as_date.astype("datetime64[Y]").astype(np.int64) + 1970
    month = as_date.astype("datetime64[M]").astype(np.int64) % 12 + 1
    day = (as_date - as_date.astype("datetime64[M]")).astype(np.int64) + 1
    draw = rng.random((len(born), 3))
    swap = is_copy & (draw[:, 0] < 0.04) & (day <= 12)
    month, day = np.where(swap, day, month), np.where(swap, month, day)
    slip = is_copy & (draw[:, 1] < 0.05)
    digit = rng.integers(0, 10, len(born))
    year = np.where(slip & (draw[:, 2] < 0.5), year // 10 * 10 + digit, year)
    # A slip in the tens digit of the day keeps it a valid day (1x <-> 2x).
    day = np.where(slip & (draw[:, 2] >= 0.5) & (day >= 10) & (day <= 28),
                   np.where(day >= 20, day - 10, day + 10), day)
    text = (pd.Series(year).astype(str) + "-" + pd.Series(month).astype(str).str.zfill(2)
            + "-" + pd.Series(day).astype(str).str.zfill(2)).to_numpy(dtype=object)
    missing = rng.random(len(born)) < np.where(is_copy, 0.10, 0.04)
    return np.where(missing, None, text)


def synthetic_records(n_records: int, seed: int = 0, duplicate_share: float = 0.35,
                      hard_negatives: bool = False) -> tuple[pd.DataFrame, np.ndarray]:
    """``n_records`` person records and the true person index of each.

    About ``duplicate_share`` of people have extra records (two on average).
    ``hard_negatives`` adds different people who look alike (namesakes, some recorded
    without a date of birth; brothers and twins at one address; fathers and sons of one
    name often without a date of birth) and women recorded several times with more typos
    (a victim split into records): see ``_hard_negatives``.

    >>> records, truth = synthetic_records(500, seed=1)
    >>> len(records), len(truth), records["record_id"].is_unique
    (500, 500, True)
    """
    rng = np.random.default_rng(seed)
    mean_records = 1.0 + duplicate_share * 2.0
    n_people = max(1, int(np.ceil(n_records / mean_records * 1.02)))
    people = _people(rng, n_people, hard_negatives)
    extra = np.where(rng.random(n_people) < duplicate_share, rng.geometric(0.5, n_people), 0)
    person = np.repeat(np.arange(n_people), 1 + extra)[:n_records]
    n = len(person)
    first_of_person = np.r_[True, person[1:] != person[:-1]]
    is_copy = ~first_of_person

    sex = people["sex"][person]
    forename, surname = _corrupt_names(rng, people["forename"][person],
                                       people["surname"][person], is_copy, sex == "F",
                                       people["surnames"], people["surname_p"])
    dob = _corrupt_dates(rng, people["born"][person], is_copy)
    if hard_negatives:
        # Victims split into records: a woman's later records carry a second typo more often.
        forename, surname = _second_typo(rng, forename, surname,
                                         is_copy & (sex == "F") & (rng.random(n) < 0.15))
        dob = np.where(people["sparse_dob"][person] & (rng.random(n) < 0.4), None, dob)

    moved = is_copy & (rng.random(n) < 0.30)
    postcode = np.where(moved, _postcodes(rng, n), people["postcode"][person])
    address = np.where(moved, _addresses(rng, n, people["streets"]), people["address"][person])
    postcode = np.where(rng.random(n) < 0.08, None, postcode)
    address = np.where(rng.random(n) < 0.12, None, address)
    sex = np.where(rng.random(n) < 0.05, "U", sex)
    pnc = np.where(rng.random(n) < 0.6, people["pnc"][person], None)

    # How systems display names: capitalised, upper-case, or 'SMITH, John' in one box.
    style = rng.random(n)
    fore = pd.Series(forename, dtype=object).str.capitalize()
    sur = pd.Series(surname, dtype=object)
    sur = sur.str.upper().where(style < 0.5, sur.str.capitalize())
    one_box = (style > 0.95) & fore.notna().to_numpy() & sur.notna().to_numpy()
    sur = sur.where(~one_box, sur + ", " + fore)
    fore = fore.where(~one_box, None)
    fore_text = fore.to_numpy(dtype=object)
    sur_text = sur.to_numpy(dtype=object)

    order = rng.permutation(n)  # records arrive in no particular order
    records = pd.DataFrame({
        "record_id": np.char.add("R", np.arange(n).astype(str)).astype(object),
        "source_system": rng.choice(np.array(["niche", "athena", "pnc"], dtype=object), n),
        "forename": fore_text[order], "surname": sur_text[order],
        "date_of_birth": dob[order], "sex": sex[order], "postcode": postcode[order],
        "address": address[order], "pnc_id": pnc[order],
    }).astype("str")  # Arrow-backed strings: a few hundred MB at 2M records, not GBs
    return records, person[order]


def pairwise_accuracy(truth: np.ndarray, predicted: np.ndarray) -> dict[str, float]:
    """Pairwise precision, recall and F1 of a clustering against the true entities.

    A pair of records counts when both are in one predicted cluster (predicted pair) or one
    true entity (true pair); counts come from group sizes, so millions of records are cheap.

    >>> scores = pairwise_accuracy(np.array([1, 1, 2, 2]), np.array(["a", "a", "a", "b"]))
    >>> scores["precision"], scores["recall"], scores["f1"], scores["correct_pairs"]
    (0.333333, 0.5, 0.4, 1)
    """
    frame = pd.DataFrame({"truth": truth, "predicted": predicted})

    def pairs(sizes: pd.Series) -> int:
        values = sizes.to_numpy(dtype=np.int64)
        return int((values * (values - 1) // 2).sum())

    true_pairs = pairs(frame.groupby("truth").size())
    predicted_pairs = pairs(frame.groupby("predicted").size())
    correct = pairs(frame.groupby(["truth", "predicted"]).size())
    precision = correct / predicted_pairs if predicted_pairs else 1.0
    recall = correct / true_pairs if true_pairs else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 6), "recall": round(recall, 6), "f1": round(f1, 6),
            "true_pairs": true_pairs, "predicted_pairs": predicted_pairs,
            "correct_pairs": correct}
