"""Force-qualified ids: which force holds a record in a regional store.

Several forces' extracts load into one regional store with every id written ``CODE:ID``
(``ingest --force CODE``), so two forces' ``R1`` never collide. The force holding a record is
the part of its id before the first ``:``; an id loaded without a force has none.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from core.distinct import sorted_distinct
from core.errors import HarmgraphError

SEPARATOR = ":"
_FORCE_CODE = re.compile(r"[A-Za-z0-9]{2,8}")


def force_code(code: str) -> str:
    """A force code checked (2-8 letters or digits) and written upper-case.

    >>> force_code("nbr")
    'NBR'
    >>> force_code("N:1")
    Traceback (most recent call last):
    ...
    core.errors.HarmgraphError: force code 'N:1' must be 2 to 8 letters or digits (e.g. NBR)
    """
    if not _FORCE_CODE.fullmatch(code or ""):
        raise HarmgraphError(f"force code {code!r} must be 2 to 8 letters or digits (e.g. NBR)")
    return code.upper()


def force_of(record_id: str) -> str | None:
    """The force holding a record, from its qualified id; None for an unqualified id.

    >>> force_of("NBR:R1"), force_of("R1")
    ('NBR', None)
    """
    head, separator, _rest = record_id.partition(SEPARATOR)
    return head if separator and head else None


def forces_of(record_ids: pd.Series) -> pd.Series:
    """For each ';'-joined list of record ids, the forces holding them: sorted, ';'-joined,
    empty when none is qualified.

    Worked out as one bit per force code, so a re-rank of a large regional store stays cheap:
    only the distinct combinations of forces are ever joined as text.

    >>> forces_of(pd.Series(["NBR:R1;CLE:R1;NBR:R7", "R2", ""])).tolist()
    ['CLE;NBR', '', '']
    """
    text = pa.array(record_ids.fillna("").astype(str), type=pa.string())
    none = pd.Series("", index=record_ids.index, dtype=object, name="forces")
    if not pc.any(pc.match_substring(text, SEPARATOR)).as_py():
        return none  # a store loaded without --force
    ids = pc.split_pattern(text, ";")
    flat, owner = pc.list_flatten(ids), pc.list_parent_indices(ids).to_numpy()
    qualified = pc.find_substring(flat, SEPARATOR).to_numpy() > 0
    heads = pc.list_element(pc.split_pattern(flat.filter(pa.array(qualified)), SEPARATOR, max_splits=1), 0)
    codes, names = pd.factorize(heads.to_pandas(), sort=True)
    owner = owner[qualified]
    if len(names) > 62:  # more forces than bits: join each person's codes one by one
        joined = pd.Series(names[codes], index=owner).groupby(level=0).agg(lambda found: ";".join(sorted(set(found))))
        return pd.Series(joined.reindex(range(len(text)), fill_value="").to_numpy(), index=record_ids.index,
                         dtype=object, name="forces")
    bits = np.zeros(len(text), dtype=np.int64)
    np.bitwise_or.at(bits, owner, np.left_shift(1, codes.astype(np.int64)))
    combos = {int(b): ";".join(str(n) for i, n in enumerate(names) if int(b) >> i & 1) for b in sorted_distinct(bits)}
    return pd.Series(pd.Series(bits).map(combos).to_numpy(), index=record_ids.index, dtype=object, name="forces")


def holds_force(forces: pd.Series, code: str) -> pd.Series:
    """Which rows' ``forces`` (as :func:`forces_of` writes them) include ``code``.

    >>> holds_force(pd.Series(["CLE;NBR", "CLE", ""]), "nbr").tolist()
    [True, False, False]
    """
    wanted = f";{force_code(code)};"
    return (";" + forces.fillna("").astype(str) + ";").str.contains(wanted, regex=False)
