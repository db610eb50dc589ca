"""Force-qualified ids: which force holds a record in a regional store.

Several forces' extracts load into one regional store with every id written ``CODE:ID``
(``ingest --force CODE``), so two forces' ``R1`` never collide. The force holding a record is
the part of its id before the first ``:``; an id loaded without a force has none.
"""

from __future__ import annotations

import re

import pandas as pd

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

    >>> forces_of(pd.Series(["NBR:R1;CLE:R1;NBR:R7", "R2", ""])).tolist()
    ['CLE;NBR', '', '']
    """
    ids = record_ids.fillna("").astype(str).str.split(";").explode()
    heads = ids.str.extract(r"^([^:;]+):", expand=False).dropna()
    joined = heads.groupby(level=0).agg(lambda codes: ";".join(sorted(set(codes))))
    return joined.reindex(record_ids.index, fill_value="").astype(str).rename("forces")


def holds_force(forces: pd.Series, code: str) -> pd.Series:
    """Which rows' ``forces`` (as :func:`forces_of` writes them) include ``code``.

    >>> holds_force(pd.Series(["CLE;NBR", "CLE", ""]), "nbr").tolist()
    [True, False, False]
    """
    wanted = f";{force_code(code)};"
    return (";" + forces.fillna("").astype(str) + ";").str.contains(wanted, regex=False)
