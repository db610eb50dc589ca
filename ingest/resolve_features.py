"""Normalise person records into the columns the resolution model compares.

Police systems record the same man as 'SMITH, John', 'john smith' and 'Jon Smyth'; this module
turns each record into plain comparable values (lower-case letters only, a phonetic code, an
ISO date and its day/month swap, postcode sector and district, a tidied address line), so that
the SQL comparisons stay simple and identical on every splink backend.

String work runs as Arrow compute kernels over whole columns; the only per-value Python
(name folding, soundex) runs once per *distinct* name, which is small next to the number of
records.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from core.arrow_codes import arrow_text

INPUT_COLUMNS = ["record_id", "source_system", "forename", "surname", "date_of_birth", "sex",
                 "postcode", "address", "pnc_id"]
"""Columns ``resolve_records`` reads (only ``record_id`` is required; the rest may be absent)."""

FEATURE_COLUMNS = [
    "record_id", "forename_n", "surname_n", "forename_sdx", "surname_sdx", "forename_initial",
    "dob", "dob_swapped", "dob_year", "dob_month_day", "sex", "postcode", "postcode_sector",
    "postcode_district", "address_n", "pnc",
]
"""Columns of the table splink sees; blocking rules and comparisons may use any of them."""

_TITLES = {"mr", "mrs", "miss", "ms", "mx", "dr", "sir", "rev", "prof"}
_UK_POSTCODE = r"^[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}$"
_STREET_WORDS = {
    "street": "st", "road": "rd", "avenue": "ave", "lane": "ln", "drive": "dr", "close": "cl",
    "crescent": "cres", "court": "ct", "place": "pl", "terrace": "ter", "gardens": "gdns",
    "grove": "gr", "square": "sq", "circuit": "cct", "parade": "pde", "highway": "hwy",
    "mount": "mt", "north": "n", "south": "s", "east": "e", "west": "w", "apartment": "flat",
}
_SOUNDEX_CODES = {
    **dict.fromkeys("bfpv", "1"), **dict.fromkeys("cgjkqsxz", "2"), **dict.fromkeys("dt", "3"),
    "l": "4", **dict.fromkeys("mn", "5"), "r": "6",
}


def soundex(name: str) -> str | None:
    """American Soundex of a normalised (lower-case letters only) name.

    >>> soundex("smith"), soundex("smyth"), soundex("jon"), soundex("john")
    ('s530', 's530', 'j500', 'j500')
    >>> soundex("") is None
    True
    """
    if not name:
        return None
    code = [name[0]]
    last = _SOUNDEX_CODES.get(name[0], "")
    for char in name[1:]:
        digit = _SOUNDEX_CODES.get(char, "")
        if digit and digit != last:
            code.append(digit)
        if char not in "hw":  # h and w do not separate equal codes; vowels do
            last = digit
    return ("".join(code) + "000")[:4]


def _fold(text: str) -> str:
    """Lower-case ASCII letters and single spaces only ("O'Brien-Smith" -> 'obrien smith')."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    ascii_text = re.sub(r"['`]", "", ascii_text.lower())
    return re.sub(r"[^a-z]+", " ", ascii_text).strip()


def normalise_forename(raw: str) -> str | None:
    """First given name, folded, titles dropped.

    >>> normalise_forename("Mr John-Paul"), normalise_forename("  Zoë "), normalise_forename("Dr")
    ('john', 'zoe', None)
    """
    tokens = [token for token in _fold(raw).split() if token not in _TITLES]
    return tokens[0] if tokens else None


def normalise_surname(raw: str) -> str | None:
    """Surname as one run of letters.

    >>> normalise_surname("O'Brien-Smith"), normalise_surname(" smyth ")
    ('obriensmith', 'smyth')
    """
    folded = _fold(raw).replace(" ", "")
    return folded or None


def each_distinct(values: pd.Series, change: Callable[[str], str | None]) -> tuple[np.ndarray, list[str | None]]:
    """Each value's code (-1: missing) and ``change`` applied once per distinct value, in code
    order: names repeat a lot, so a Python function runs far fewer times than there are records.

    >>> each_distinct(pd.Series(["ann", None, "ann", "bo"]), str.title)
    (array([ 0, -1,  0,  1]), ['Ann', 'Bo'])
    """
    codes, distinct = pd.factorize(values)
    return codes, [change(str(value)) for value in distinct]


def _map_distinct(values: pd.Series, function: Callable[[str], str | None]) -> pd.Series:
    """:func:`each_distinct` spread over the rows with an Arrow take, so no Python string per
    record is made."""
    codes, changed = each_distinct(values, function)
    taken = pc.take(pa.array(changed, type=pa.string()), pa.array(codes, mask=codes < 0))
    return _series(taken, values.index)


def _series(array: pa.Array | pa.ChunkedArray, index: pd.Index) -> pd.Series:
    """An Arrow string array back as a pandas 'str' column, '' as missing."""
    series = pd.Series(array.to_pandas(), index=index).astype("str")
    return series.mask(series == "")


def normalise_addresses(values: pd.Series) -> pd.Series:
    """First address lines folded to ASCII lower case, punctuation gone, street words short.

    >>> normalise_addresses(pd.Series(["12, High Street", "12 high st.", None])).tolist()
    ['12 high st', '12 high st', nan]
    """
    # Households share an address line: fold each distinct line once (about one in five
    # records at a 1M-incident force) and spread the results with an Arrow take.
    codes, distinct = pd.factorize(values)
    array = pc.utf8_normalize(pa.array(np.asarray(distinct, dtype=object), type=pa.string()), "NFKD")
    array = pc.replace_substring_regex(array, r"[^\x00-\x7f]", "")
    array = pc.replace_substring_regex(pc.utf8_lower(array), r"[^a-z0-9]+", " ")
    folded = pc.take(pc.utf8_trim_whitespace(_shorten_street_words(array)),
                     pa.array(codes, mask=codes < 0))
    return _series(folded, values.index)


def _shorten_street_words(lines: pa.Array) -> pa.Array:
    """Street words in their short form, in lines of words [a-z0-9] with single spaces.

    A street word is a whole word there, so each word is looked up once in the table (no
    short form is itself a street word): one pass instead of a regular expression per word.

    >>> _shorten_street_words(pa.array(["12 high street", " north road ", "streetly"])).to_pylist()
    ['12 high st', ' n rd ', 'streetly']
    """
    words = pc.split_pattern(lines, " ")
    flat = pc.list_flatten(words)
    found = pc.index_in(flat, value_set=pa.array(list(_STREET_WORDS), pa.string()))
    short = pc.take(pa.array(list(_STREET_WORDS.values()), pa.string()), found)
    renamed = pc.if_else(pc.is_null(found), flat, short)
    return pc.binary_join(pa.ListArray.from_arrays(words.offsets, renamed), " ")


def _clean(values: pd.Series) -> pd.Series:
    """Strings, stripped, with '' and missing as missing."""
    text = values.astype("str").str.strip()
    return text.mask(text == "")


def split_comma_names(forename: pd.Series, surname: pd.Series) -> tuple[pd.Series, pd.Series]:
    """'SMITH, John' typed into the surname box (forename empty) becomes ('John', 'SMITH')."""
    comma = surname.str.contains(",", regex=False).fillna(False)
    has_comma = (forename.isna() & comma).astype(bool)
    if not has_comma.any():
        return forename, surname
    parts = surname[has_comma].str.split(",", n=1, expand=True)
    forename, surname = forename.copy(), surname.copy()
    surname[has_comma] = parts[0]
    forename[has_comma] = parts[1]
    return forename, surname


def _dates(values: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """ISO date (invalid -> missing), its day/month swap (only when that is another valid
    date), and the year as a nullable integer.

    Worked out once per distinct date (people share birthdays: a few records per date at a
    large force) and spread over the records.

    >>> [part.tolist() for part in _dates(pd.Series(["1985-12-03", None, "1985-12-03", "x"], dtype="str"))]
    [['1985-12-03', nan, '1985-12-03', nan], ['1985-03-12', nan, '1985-03-12', nan], [1985, <NA>, 1985, <NA>]]
    """
    return per_distinct(values, _distinct_dates)  # type: ignore[return-value]


def per_distinct(values: pd.Series,
                 work: Callable[[pd.Series], tuple[pd.Series, ...]]) -> tuple[pd.Series, ...]:
    """``work`` (columns worked out row by row from one column) done once per distinct value of
    ``values`` and spread over every row: dates of birth and postcodes repeat a lot.

    >>> [part.tolist() for part in per_distinct(pd.Series(["a", None, "a"]), lambda v: (v.str.upper(),))]
    [['A', nan, 'A']]
    """
    codes, distinct = pd.factorize(values)
    # The last row stands for a missing value: every row without a value takes it.
    once = work(pd.concat([pd.Series(distinct, dtype=values.dtype),
                           pd.Series([None], dtype=values.dtype)], ignore_index=True))
    rows = np.where(codes < 0, len(distinct), codes)
    return tuple(part.take(rows).set_axis(values.index) for part in once)


def _distinct_dates(values: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """:func:`_dates` row by row."""
    text = values.str.slice(0, 10)
    parsed = pd.to_datetime(text, format="%Y-%m-%d", errors="coerce")
    valid = pd.Series(parsed.notna().to_numpy(), index=values.index)
    year = parsed.dt.year.astype("Int64")
    month = parsed.dt.month.astype("Int64")
    day = parsed.dt.day.astype("Int64")
    # A swap is only informative when the day could have been a month and differs from it.
    swappable = (valid & (day <= 12) & (day != month)).fillna(False).astype(bool)
    swapped = (year.astype("str") + "-" + day.astype("str").str.zfill(2) + "-"
               + month.astype("str").str.zfill(2)).where(swappable)
    return text.where(valid), swapped, year


def compact_postcodes(values: pd.Series) -> pd.Series:
    """Postcodes upper-case without spaces, by Arrow (pandas' regex replace makes a Python
    string per value: 2.3 s at two million records), once per distinct postcode (2M people
    share 0.3M) and spread over the rows.

    >>> compact_postcodes(pd.Series(["ne1 4st", " SW1A 1AA", None, "ne1 4st"])).tolist()
    ['NE14ST', 'SW1A1AA', nan, 'NE14ST']
    """
    encoded = pc.dictionary_encode(arrow_text(values.astype("str")))
    compact = pc.replace_substring_regex(pc.utf8_upper(encoded.dictionary), r"\s+", "")
    return pd.Series(compact.take(encoded.indices).to_pandas(), index=values.index).astype("str")


def _postcodes(values: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Postcode upper-case without spaces; sector and district only for UK-shaped codes
    (elsewhere, e.g. a 4-digit Australian code, only the exact value is compared)."""
    return per_distinct(values, _distinct_postcodes)  # type: ignore[return-value]


def _distinct_postcodes(values: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """:func:`_postcodes` row by row."""
    text = compact_postcodes(values)
    text = text.mask(text == "")
    uk = text.str.match(_UK_POSTCODE).fillna(False).astype(bool)
    return text, text.str.slice(0, -2).where(uk), text.str.slice(0, -3).where(uk)


def _column(records: pd.DataFrame, name: str) -> pd.Series:
    """A column as clean strings, or all-missing when the extract lacks it."""
    if name not in records:
        return pd.Series(None, index=records.index, dtype="str")
    return _clean(records[name])


def prepare_features(records: pd.DataFrame) -> pd.DataFrame:
    """The table splink compares: one row per record, ``FEATURE_COLUMNS``.

    >>> row = prepare_features(pd.DataFrame({"record_id": ["R1"], "forename": [None],
    ...     "surname": ["SMITH, John"], "date_of_birth": ["1985-12-03"], "sex": ["m"],
    ...     "postcode": ["ne12 3ab"], "address": ["1 Low Road"], "pnc_id": [""]})).iloc[0]
    >>> row["forename_n"], row["surname_n"], row["dob_swapped"], row["postcode_sector"]
    ('john', 'smith', '1985-03-12', 'NE123')
    >>> row["sex"], row["address_n"], pd.isna(row["pnc"])
    ('M', '1 low rd', True)
    """
    records = records.reset_index(drop=True)
    forename, surname = split_comma_names(_column(records, "forename"),
                                          _column(records, "surname"))
    forename_n = _map_distinct(forename, normalise_forename)
    surname_n = _map_distinct(surname, normalise_surname)
    dob, dob_swapped, dob_year = _dates(_column(records, "date_of_birth"))
    postcode, sector, district = _postcodes(_column(records, "postcode"))
    sex = _column(records, "sex").str.upper().str.slice(0, 1)
    pnc = _column(records, "pnc_id").str.upper().str.replace(r"\s+", "", regex=True)
    features = pd.DataFrame({
        "record_id": records["record_id"].astype("str"),
        "forename_n": forename_n,
        "surname_n": surname_n,
        "forename_sdx": _map_distinct(forename_n, soundex),
        "surname_sdx": _map_distinct(surname_n, soundex),
        "forename_initial": forename_n.str.slice(0, 1),
        "dob": dob,
        "dob_swapped": dob_swapped,
        "dob_year": dob_year,
        "dob_month_day": dob.str.slice(5, 10),  # blocks a record whose year is mistyped
        "sex": sex.where(sex.isin(["F", "M", "X"])),  # 'U' (unknown) carries no evidence
        "postcode": postcode,
        "postcode_sector": sector,
        "postcode_district": district,
        "address_n": normalise_addresses(_column(records, "address")),
        "pnc": pnc.mask(pnc == ""),
    })
    return features[FEATURE_COLUMNS]


def features_to_arrow(features: pd.DataFrame) -> pa.Table:
    """The feature table with an explicit schema (strings, and an integer year), so that an
    all-missing column still has a type the SQL backends can compare."""
    schema = pa.schema([(name, pa.int64() if name == "dob_year" else pa.string())
                        for name in FEATURE_COLUMNS])
    return pa.Table.from_pandas(features[FEATURE_COLUMNS], schema=schema, preserve_index=False)
