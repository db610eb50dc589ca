"""The contract's rules as pandera schemas, and the split of bad rows from bad values.

A rule broken in a *required* column quarantines the row. A rule broken in an *optional*
column blanks that value and logs a field-level warning; the row still loads, because
dropping a person would orphan their incidents (see docs/data-contract.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import pandas as pd
import core.quiet_pyspark  # noqa: F401  (before pandera, which imports pyspark when installed)
import pandera.pandas as pa

from ingest.contract import Column, ColumnKind, Table
from ingest.parse import PROBLEM_COLUMNS
from ingest.resolve_features import compact_postcodes

EARLIEST = pd.Timestamp("1900-01-01")
POSTCODE_PATTERN = r"^[A-Z]{1,2}[0-9][A-Z0-9]?([0-9][A-Z]{2})?$"

_DTYPES = {
    ColumnKind.ID: "string", ColumnKind.TEXT: "string", ColumnKind.CODE: "string",
    ColumnKind.ID_LIST: "string", ColumnKind.BOOL: "boolean",
    ColumnKind.DATE: "datetime64[us]", ColumnKind.TIMESTAMP: "datetime64[us]",
    ColumnKind.NUMBER: "Float64",
}


@dataclass(frozen=True)
class Rules:
    """What validation needs beyond the contract: today's date and the offence keys."""

    now: datetime
    offence_keys: frozenset[str]


def _code_check(column: Column, rules: Rules) -> pa.Check:
    if column.name == "offence":
        return pa.Check.isin(sorted(rules.offence_keys),
                             error="is not a key of the offence catalogue")
    return pa.Check.isin(list(column.codes), error=f"is not one of {', '.join(column.codes)}")


def _date_checks(column: Column, rules: Rules) -> list[pa.Check]:
    latest = pd.Timestamp(rules.now) + timedelta(days=1)
    checks = [pa.Check.ge(EARLIEST, error="is before 1900")]
    if column.name in ("date_of_birth", "occurred_at", "recorded_at", "date", "start_date", "released_date"):
        checks.append(pa.Check.le(latest, error="is in the future"))
    return checks


def _checks_for(column: Column, rules: Rules) -> list[pa.Check]:
    if column.kind is ColumnKind.CODE:
        return [_code_check(column, rules)]
    if column.kind in (ColumnKind.DATE, ColumnKind.TIMESTAMP):
        return _date_checks(column, rules)
    if column.name == "postcode":
        return [pa.Check.str_matches(POSTCODE_PATTERN, error="is not a UK postcode")]
    if column.kind is ColumnKind.NUMBER:
        return [pa.Check.ge(0, error="is negative")]
    return []


def schema_for(table: Table, rules: Rules) -> pa.DataFrameSchema:
    """The pandera schema of one contract table."""
    return pa.DataFrameSchema(
        {
            column.name: pa.Column(
                _DTYPES[column.kind],
                checks=_checks_for(column, rules),
                nullable=not column.required or column.may_be_empty,
            )
            for column in table.columns
        },
        strict=False,
    )


def _failures(schema: pa.DataFrameSchema, frame: pd.DataFrame) -> pd.DataFrame:
    try:
        schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
        cases = cases[cases["index"].notna() & cases["column"].notna()]
        reasons = cases["check"].where(cases["check"] != "not_nullable", "missing required value")
        return pd.DataFrame({
            "position": cases["index"].astype("int64").to_numpy(),
            "column": cases["column"].to_numpy(),
            "reason": reasons.to_numpy(),
            "value": cases["failure_case"].astype("string").to_numpy(),
        })
    return pd.DataFrame(columns=PROBLEM_COLUMNS)


def validate_table(table: Table, typed: pd.DataFrame, parse_problems: pd.DataFrame,
                   rules: Rules) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return (problems that quarantine a row, problems that only blank a value).

    Postcodes are compared upper-case without spaces; the typed frame is changed in place to
    blank every optional value that broke a rule.
    """
    if "postcode" in typed:
        typed["postcode"] = compact_postcodes(typed["postcode"])
    found = pd.concat([parse_problems, _failures(schema_for(table, rules), typed)], ignore_index=True)
    # An unreadable required date is reported once ("not a valid date"), not again as missing.
    found = found.drop_duplicates(subset=["position", "column"], keep="first")
    required = {c.name for c in table.columns if c.required}
    is_row_error = found["column"].isin(required)
    field_warnings = found[~is_row_error]
    for column, positions in field_warnings.groupby("column")["position"]:
        typed.loc[positions.to_numpy(), column] = pd.NA
    return found[is_row_error].reset_index(drop=True), field_warnings.reset_index(drop=True)
