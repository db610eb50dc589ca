"""The SQL that builds the scoring tables (:mod:`core.tables`) from a store's base tables, in
DuckDB's dialect and in Spark SQL's: the embedded store runs the one on its own tables, and
:mod:`graph.parquet_scoring` runs either on Parquet copies of them. One text for both, so the
tables (and the lists ranked from them) cannot drift apart between engines.

The two dialects differ in one place: Spark SQL has no ``string_agg(... ORDER BY ...)``, so a
person's record ids are collected, sorted and joined there (same order: both compare bytes).

>>> "string_agg" in scoring_queries("duckdb")["persons"]
True
>>> "array_join(array_sort(collect_list(rp.record_id)), ';')" in scoring_queries("spark")["persons"]
True
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

import pandas as pd
import pyarrow as pa

from core.tables import SORT_KEYS, ScoringTables, normalise_tables

Dialect = Literal["duckdb", "spark"]

# The store tables the scoring tables are computed from (and all a Parquet copy needs).
BASE_TABLES = ("incidents", "involvements", "record_person", "person_records", "persons", "measures",
               "measure_breaches", "referrals", "custody", "identity_overrides")

# Each record's person, and whether the record carries neither a date of birth nor a PNC id
# (if it is one of a person's records, it was joined on name and address alone: see
# ScoringTables.roles' weak_identity); an analyst's must-link confirms a record, whatever it
# lacks. Worked out once per record for both uses below (the flag written out twice, as a NOT IN
# each time, took a third longer at 2.9M roles).
_RECORD_WEAK = (
    "WITH confirmed AS (SELECT record_id_l AS record_id FROM identity_overrides WHERE kind = 'must_link' "
    "UNION SELECT record_id_r FROM identity_overrides WHERE kind = 'must_link'), "
    "held AS (SELECT rp.record_id, rp.person_id, "
    "(r.date_of_birth IS NULL AND r.pnc_id IS NULL AND c.record_id IS NULL) AS weak "
    "FROM record_person rp LEFT JOIN person_records r ON r.record_id = rp.record_id "
    "LEFT JOIN confirmed c ON c.record_id = rp.record_id), "
    "firm AS (SELECT person_id, bool_or(NOT weak) AS has_firm FROM held GROUP BY person_id) ")

_ARROW_TEXT = {pa.string(): pd.StringDtype("pyarrow"), pa.large_string(): pd.StringDtype("pyarrow")}


def _record_ids(dialect: Dialect) -> str:
    """A person's record ids, sorted and ';'-joined."""
    if dialect == "spark":
        return "array_join(array_sort(collect_list(rp.record_id)), ';')"
    return "string_agg(rp.record_id, ';' ORDER BY rp.record_id)"


def scoring_queries(dialect: Dialect) -> dict[str, str]:
    """Each scoring table's query, by table name, without its ORDER BY (see :func:`ordered`)."""
    return {
        "incidents": (
            "SELECT incident_id, occurred_at, offence, domestic_abuse, dash_risk, outcome, "
            "postcode, sentence, sentence_months, weapon, victim_pregnant FROM incidents"),
        "roles": (
            _RECORD_WEAK
            + "SELECT v.incident_id, h.person_id, v.role, min(v.relationship) AS relationship, "
            "bool_and(h.weak) AND coalesce(any_value(f.has_firm), false) AS weak_identity "
            "FROM involvements v JOIN held h ON h.record_id = v.record_id "
            "LEFT JOIN firm f ON f.person_id = h.person_id "
            "GROUP BY v.incident_id, h.person_id, v.role"),
        "persons": (
            # Most persons hold one record: only the others' ids are sorted and joined (an
            # ordered aggregate over every person took a third longer at a 1M-incident force).
            "WITH per AS (SELECT person_id, count(*) AS n, min(record_id) AS only_id "
            "FROM record_person GROUP BY person_id), "
            f"several AS (SELECT rp.person_id, {_record_ids(dialect)} AS ids FROM record_person rp "
            "JOIN per ON per.person_id = rp.person_id WHERE per.n > 1 GROUP BY rp.person_id) "
            "SELECT p.person_id, p.display_name, coalesce(s.ids, per.only_id) AS record_ids, p.sex, "
            "p.date_of_birth, p.postcode, p.ethnicity FROM persons p "
            "JOIN per ON per.person_id = p.person_id "
            "LEFT JOIN several s ON s.person_id = p.person_id"),
        "measures": (
            "SELECT m.measure_id, m.type, s.person_id AS subject_person_id, "
            "p.person_id AS protected_person_id, m.start_date, m.end_date FROM measures m "
            "JOIN record_person s ON s.record_id = m.subject_record_id "
            "LEFT JOIN record_person p ON p.record_id = m.protected_record_id"),
        "breaches": "SELECT DISTINCT measure_id, incident_id FROM measure_breaches",
        "referrals": (
            "SELECT r.referral_id, rp.person_id, r.type, r.date, r.detail FROM referrals r "
            "JOIN record_person rp ON rp.record_id = r.record_id"),
        "custody": (
            "SELECT c.custody_id, rp.person_id, c.start_date, c.expected_release_date, c.released_date "
            "FROM custody c JOIN record_person rp ON rp.record_id = c.record_id"),
        "kept_apart": (
            "SELECT DISTINCT least(a.person_id, b.person_id) AS person_id_l, "
            "greatest(a.person_id, b.person_id) AS person_id_r FROM identity_overrides o "
            "JOIN record_person a ON a.record_id = o.record_id_l "
            "JOIN record_person b ON b.record_id = o.record_id_r "
            "WHERE o.kind = 'cannot_link' AND a.person_id <> b.person_id"),
    }


def scoring_tables_by(dialect: Dialect, fetch: Callable[[str], pa.Table]) -> ScoringTables:
    """The scoring tables, each of :func:`scoring_queries` in ``dialect`` run in its order by
    ``fetch`` (an engine's ``sql -> Arrow table``) and read as :func:`arrow_to_frame` reads it."""
    return normalise_tables(**{name: arrow_to_frame(fetch(ordered(sql, name)))
                               for name, sql in scoring_queries(dialect).items()})


def ordered(sql: str, table: str) -> str:
    """``sql`` with the ORDER BY its scoring table keeps (the keys are ids, never missing, so
    the engines' different defaults for where NULLs sort do not matter).

    >>> ordered("SELECT measure_id, incident_id FROM measure_breaches", "breaches")
    'SELECT measure_id, incident_id FROM measure_breaches ORDER BY measure_id, incident_id'
    """
    return f"{sql} ORDER BY {', '.join(SORT_KEYS[table])}"


def arrow_to_frame(table: pa.Table) -> pd.DataFrame:
    """A scoring table's Arrow result as the frame :func:`core.tables.normalise_tables` takes:
    one chunk per column, text as Arrow-backed large strings (no Python object per value), and
    time stamps without a time zone (Spark hands them over in UTC).

    >>> frame = arrow_to_frame(pa.table({"person_id": ["P1"], "at": pa.array([0], pa.timestamp("us", "UTC"))}))
    >>> str(frame["person_id"].dtype), str(frame["at"].dtype)
    ('string', 'datetime64[us]')
    """
    # One chunk per column (an engine hands over many, and every later string operation pays for
    # each), text as large strings, as pandas makes them (mixing the two costs a cast each time).
    table = table.combine_chunks()
    table = table.cast(pa.schema([_plain(field) for field in table.schema]))
    return table.to_pandas(types_mapper=_ARROW_TEXT.get, date_as_object=False)


def _plain(field: pa.Field) -> pa.Field:
    if pa.types.is_string(field.type):
        return field.with_type(pa.large_string())
    if pa.types.is_timestamp(field.type) and field.type.tz is not None:
        return field.with_type(pa.timestamp(field.type.unit))
    return field
