"""The plain tables scoring reads. Every store hands over exactly these, person-level.

Columns (dtypes are normalised by :func:`normalise_tables` so both stores match exactly):

- ``incidents``: incident_id, occurred_at (datetime64), offence, domestic_abuse (boolean,
  may be NA), dash_risk, outcome, postcode, sentence, sentence_months (Float64), weapon and
  victim_pregnant (boolean; NA: not recorded)
- ``roles``: incident_id, person_id, role, relationship, weak_identity (one row per incident,
  person, role; ``weak_identity``: every record of the person in that role has neither a date of
  birth nor a PNC id while another of the person's records has one, so the role is the
  person's on name and address alone; missing means no)
- ``persons``: person_id, display_name, record_ids (';'-joined, sorted), sex, date_of_birth,
  postcode, ethnicity (never used for scoring)
- ``measures``: measure_id, type, subject_person_id, protected_person_id, start_date, end_date
- ``breaches``: measure_id, incident_id
- ``referrals``: referral_id, person_id, type, date, detail
- ``custody``: custody_id, person_id, start_date, expected_release_date, released_date: spells
  in custody (released_date NaT while held); optional (empty by default)
- ``kept_apart``: person_id_l, person_id_r: persons an analyst said are two people (their
  records' cannot-links), so scoring never counts them as one; optional (empty by default)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

COLUMNS: dict[str, dict[str, str]] = {
    "incidents": {
        "incident_id": "string", "occurred_at": "datetime64[us]", "offence": "string",
        "domestic_abuse": "boolean", "dash_risk": "string", "outcome": "string",
        "postcode": "string", "sentence": "string", "sentence_months": "Float64",
        "weapon": "boolean", "victim_pregnant": "boolean",
    },
    "roles": {"incident_id": "string", "person_id": "string", "role": "string",
              "relationship": "string", "weak_identity": "boolean"},
    "persons": {
        "person_id": "string", "display_name": "string", "record_ids": "string",
        "sex": "string", "date_of_birth": "datetime64[us]", "postcode": "string",
        "ethnicity": "string",
    },
    "measures": {
        "measure_id": "string", "type": "string", "subject_person_id": "string",
        "protected_person_id": "string", "start_date": "datetime64[us]",
        "end_date": "datetime64[us]",
    },
    "breaches": {"measure_id": "string", "incident_id": "string"},
    "referrals": {"referral_id": "string", "person_id": "string", "type": "string",
                  "date": "datetime64[us]", "detail": "string"},
    "kept_apart": {"person_id_l": "string", "person_id_r": "string"},
    "custody": {"custody_id": "string", "person_id": "string", "start_date": "datetime64[us]",
                "expected_release_date": "datetime64[us]", "released_date": "datetime64[us]"},
}
# Tables a store may leave out (they start empty).
OPTIONAL = ("kept_apart", "custody")

SORT_KEYS = {
    "incidents": ["incident_id"],
    "roles": ["incident_id", "person_id", "role"],
    "persons": ["person_id"],
    "measures": ["measure_id"],
    "breaches": ["measure_id", "incident_id"],
    "referrals": ["referral_id"],
    "kept_apart": ["person_id_l", "person_id_r"],
    "custody": ["custody_id"],
}


@dataclass(frozen=True)
class ScoringTables:
    """Person-level tables for scoring; build with :func:`normalise_tables`."""

    incidents: pd.DataFrame
    roles: pd.DataFrame
    persons: pd.DataFrame
    measures: pd.DataFrame
    breaches: pd.DataFrame
    referrals: pd.DataFrame
    kept_apart: pd.DataFrame = field(default_factory=lambda: _empty("kept_apart"))
    custody: pd.DataFrame = field(default_factory=lambda: _empty("custody"))

    @cached_property
    def derived(self) -> dict[tuple[Any, ...], Any]:
        """What scoring derives from these tables alone, kept while they are loaded
        (see :mod:`scoring.index`). The tables are never changed, so nothing here goes stale."""
        return {}


def _empty(name: str) -> pd.DataFrame:
    return pd.DataFrame({column: pd.Series(dtype=dtype) for column, dtype in COLUMNS[name].items()})


def _normalise(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    spec = COLUMNS[name]
    out = pd.DataFrame(index=range(len(frame)))
    for column, dtype in spec.items():
        values = frame[column].reset_index(drop=True) if column in frame else pd.Series([None] * len(frame))
        if dtype.startswith("datetime"):
            values = pd.to_datetime(values).astype(dtype)
        else:
            values = values.astype(dtype)
        out[column] = values
    if _in_order(out, SORT_KEYS[name]):  # a store that sorted already (sorting again costs seconds at 1M)
        return out
    return out.sort_values(SORT_KEYS[name], kind="stable").reset_index(drop=True)


def _in_order(frame: pd.DataFrame, keys: list[str]) -> bool:
    """Whether the rows already come in the order ``sort_values(keys)`` gives, for text keys
    without missing values (anything else says False, and the caller sorts)."""
    columns = [frame[key] for key in keys]
    if len(frame) < 2:
        return True
    if any(not isinstance(c.dtype, pd.StringDtype) or c.dtype.storage != "pyarrow" or c.hasnans for c in columns):
        return False
    decided = pa.array(np.zeros(len(frame) - 1, dtype=bool))  # strictly before on an earlier key
    for column in columns:
        values = column.array._pa_array.combine_chunks()
        earlier, later = values[:-1], values[1:]
        if pc.any(pc.and_(pc.invert(decided), pc.greater(earlier, later))).as_py():
            return False
        decided = pc.or_(decided, pc.less(earlier, later))
    return True


def normalise_tables(**frames: pd.DataFrame) -> ScoringTables:
    """Give each table exactly the documented columns, dtypes and row order."""
    missing = set(COLUMNS) - set(frames) - set(OPTIONAL)
    if missing:
        raise ValueError(f"missing scoring tables: {sorted(missing)}")
    return ScoringTables(**{name: _normalise(name, frames[name] if name in frames else _empty(name))
                            for name in COLUMNS})
