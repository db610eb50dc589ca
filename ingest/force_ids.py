"""Qualify an extract's ids with its force (``ingest --force CODE``) as soon as it is read.

Every id that names a record of the extract, or refers to one, becomes ``CODE:ID`` before
anything else looks at it: validation, duplicate and reference checks, withdrawals and the
store then all work on qualified ids, so two forces' ``R1`` stay two records in a regional
store. The PNC id is national, not the force's own: it stays as written, and is what lets
resolution find the same man across forces.
"""

from __future__ import annotations

import pandas as pd

from core.forces import SEPARATOR, force_code
from ingest.contract import TABLES, ColumnKind, Table
from ingest.read import RawTable


def force_scoped_columns(table: Table) -> list[str]:
    """The columns of ``table`` that hold a force's own ids: the id columns of its key and
    every id column that refers to another table (the PNC id is neither).

    >>> from ingest.contract import MEASURES
    >>> force_scoped_columns(MEASURES)
    ['measure_id', 'subject_record_id', 'protected_record_id', 'breach_incident_ids']
    """
    key = table.key.split(",")
    return [c.name for c in table.columns
            if c.kind in (ColumnKind.ID, ColumnKind.ID_LIST) and (c.name in key or c.references)]


FORCE_SCOPED: dict[str, list[str]] = {t.name: force_scoped_columns(t) for t in TABLES}


def qualify(values: pd.Series, prefix: str) -> pd.Series:
    """``values`` (stripped text, '' for blank) with ``prefix`` before each non-blank one.

    >>> qualify(pd.Series(["R1", ""]), "NBR:").tolist()
    ['NBR:R1', '']
    """
    text = values if isinstance(values.dtype, pd.StringDtype) else values.astype("string")
    return text.where(text.eq(""), prefix + text)


def qualify_list(values: pd.Series, prefix: str) -> pd.Series:
    """';'-separated ids with ``prefix`` before each one (spaces and empty entries dropped).

    >>> qualify_list(pd.Series(["I1; I2;", ""]), "NBR:").tolist()
    ['NBR:I1;NBR:I2', '']
    """
    return values.astype(str).map(
        lambda cell: ";".join(prefix + piece.strip() for piece in cell.split(";") if piece.strip()))


def qualify_extract(raws: dict[str, RawTable], force: str) -> None:
    """Write every force-scoped id of the read files (in place) as ``FORCE:ID``."""
    prefix = force_code(force) + SEPARATOR
    for name, raw in raws.items():
        for column in FORCE_SCOPED[name]:
            kind = raw.table.column(column).kind
            raw.frame[column] = (qualify_list if kind is ColumnKind.ID_LIST else qualify)(raw.frame[column], prefix)
