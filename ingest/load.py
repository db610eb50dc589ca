"""One ingest run: read -> validate -> check references -> resolve people -> write atomically.

Nothing is written until every file has been checked, and then the whole load goes to the
store in one transaction, so an interrupted run leaves the store exactly as it was.
"""

from __future__ import annotations

import hashlib
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pandas.core.arrays.string_arrow import ArrowStringArray
from pyarrow import feather

from graph import batch as cols
from graph.batch import Identity, LoadBatch, LoadSummary
from graph.store import GraphStore
from ingest.force_ids import qualify_extract
from ingest.identity import resolve_by_pnc
from ingest.increment import Increment
from ingest.person_ids import stamp_lineage
from ingest.parse import parse_table
from ingest.read import ROW, RawTable, read_folder
from ingest.validate import Rules, validate_table
from ingest.withdraw import carried_ids, withdrawals
from core.arrow_codes import ascending
from core.arrow_isin import isin
from core.errors import IngestError
from core.forces import force_code

# (records, previous clusters, overrides, person-id lineage, trained=the kept model's JSON or
# None, increment=what changed since the stored identity or None) -> the new identity
Resolver = Callable[..., Identity]
Progress = Callable[[str], None]


def pnc_resolver(records: pd.DataFrame, previous: pd.DataFrame, overrides: pd.DataFrame,
                 lineage: pd.DataFrame | None = None, trained: str | None = None,
                 increment: Increment | None = None) -> Identity:
    """The resolver used when no probabilistic one is configured: cheap enough to resolve
    everything every time (no model, no increment: ``trained`` and ``increment`` unused)."""
    return resolve_by_pnc(records, previous, lineage)


@dataclass
class CheckedTable:
    """A table after validation: rows to load, and the problems found."""

    raw: RawTable
    typed: pd.DataFrame
    quarantine: list[pd.DataFrame] = field(default_factory=list)
    warnings: list[pd.DataFrame] = field(default_factory=list)
    duplicates_merged: int = 0
    rows_read: int = 0

    def reject(self, mask: pd.Series, column: str, reason: str | pd.Series) -> None:
        """Move the rows in ``mask`` to quarantine with ``reason``."""
        if not mask.any():
            return
        bad = self.typed[mask]
        values = bad[column].astype("string") if column in bad else pd.Series(pd.NA, index=bad.index)
        self.quarantine.append(pd.DataFrame({
            "file": self.raw.file, "row": bad[ROW].to_numpy(), "column": column,
            "reason": reason[mask].to_numpy() if isinstance(reason, pd.Series) else reason,
            "value": values.to_numpy(),
        }))
        self.typed = self.typed[~mask]

    def warn(self, mask: pd.Series, column: str, reason: str, values: pd.Series) -> None:
        if mask.any():
            self.warnings.append(pd.DataFrame({
                "file": self.raw.file, "row": self.typed.loc[mask, ROW].to_numpy(),
                "column": column, "reason": reason, "value": values[mask].astype("string").to_numpy(),
            }))

    def issues(self, which: str) -> pd.DataFrame:
        frames = [f for f in getattr(self, which) if not f.empty]
        if not frames:
            return pd.DataFrame(columns=cols.ISSUE_COLUMNS)
        return pd.concat(frames, ignore_index=True)[cols.ISSUE_COLUMNS]


def _problems_to_issues(checked: CheckedTable, problems: pd.DataFrame) -> pd.DataFrame:
    rows = checked.typed.loc[problems["position"].to_numpy(), ROW].to_numpy()
    return pd.DataFrame({"file": checked.raw.file, "row": rows, "column": problems["column"].to_numpy(),
                         "reason": problems["reason"].to_numpy(), "value": problems["value"].to_numpy()})


def _check_rules(raw: RawTable, rules: Rules) -> CheckedTable:
    typed, parse_problems = parse_table(raw.table, raw.frame)
    unreadable = raw.unreadable_rows
    checked = CheckedTable(raw=raw, typed=typed,
                           rows_read=len(raw.frame) + (unreadable["row"].nunique() if len(unreadable) else 0))
    if not unreadable.empty:
        if "column" not in unreadable:
            unreadable = unreadable.assign(column=None)
        checked.quarantine.append(unreadable.assign(file=raw.file))
    if checked.rows_read == 0:  # a file-level warning: a header alone is easy to miss
        blank = f" (and {raw.blank_lines} blank line(s))" if raw.blank_lines else ""
        checked.warnings.append(pd.DataFrame({
            "file": [raw.file], "row": [1], "column": [None], "value": [None],
            "reason": [f"has a header and no rows{blank}: nothing was loaded from this file"]}))
    row_errors, field_warnings = validate_table(raw.table, typed, parse_problems, rules)
    checked.warnings.append(_problems_to_issues(checked, field_warnings))
    if not row_errors.empty:
        checked.quarantine.append(_problems_to_issues(checked, row_errors))
        checked.typed = typed.drop(index=row_errors["position"].unique())
    return checked


def _check_duplicates(checked: CheckedTable) -> None:
    """Identical repeats merge silently (counted); a repeated key with other content is quarantined."""
    table = checked.raw.table
    keys = table.key.split(",")
    content = table.column_names
    # The common case: every key once, nothing to compare (Arrow's unique answers that
    # cheaply for a one-column text key; pandas marks the repeats otherwise).
    repeated = None if _all_distinct(checked.typed, keys) else checked.typed.duplicated(subset=keys, keep="first")
    if repeated is None or not repeated.any():
        checked.duplicates_merged = 0
        return
    # A repeat merges only when it equals the row that first carried its key: a row repeating
    # a conflicting duplicate conflicts too (it is quarantined, not counted as merged).
    # Content is compared as the file gave it (stripped cells), not as typed: validation
    # blanks an unreadable optional value, which must not make a changed repeat look the same.
    raw = checked.raw.frame
    cells = raw.loc[checked.typed.index, [c for c in content if c in raw]]
    group = cells.groupby(list(cells.columns), dropna=False, sort=False).ngroup()
    first_group = group.groupby([checked.typed[k] for k in keys], sort=False).transform("first")
    exact = repeated & group.eq(first_group)
    checked.duplicates_merged = int(exact.sum())
    checked.typed = checked.typed[~exact]
    conflicting = checked.typed.duplicated(subset=keys, keep="first")
    if conflicting.any():
        first_rows = checked.typed.drop_duplicates(subset=keys).set_index(keys)[ROW]
        key_index = pd.MultiIndex.from_frame(checked.typed[keys]) if len(keys) > 1 else checked.typed[keys[0]]
        first = pd.Series(first_rows.reindex(key_index).to_numpy(), index=checked.typed.index)
        reason = f"duplicate {table.key} with different content (first at row " + first.astype(str) + ")"
        checked.reject(conflicting, keys[0], reason)


def _all_distinct(frame: pd.DataFrame, keys: list[str]) -> bool:
    """True when a key of Arrow text columns holds no value twice (missing counts as a
    value): for one column, ids only rising or Arrow's unique; DuckDB's DISTINCT (on every
    core) for several. Much cheaper than pandas marking every row's repeats (0.8 s for the
    2.5M roles of a 1M-incident force; DuckDB 0.3 s).

    >>> frame = pd.DataFrame({"id": ["a", "b", "b"]}, dtype=pd.StringDtype("pyarrow"))
    >>> _all_distinct(frame, ["id"]), _all_distinct(frame.iloc[:2], ["id"]), _all_distinct(frame.iloc[::-1][1:], ["id"])
    (False, True, True)
    """
    if not all(isinstance(frame[key].array, ArrowStringArray) for key in keys):
        return False
    if len(keys) == 1:
        values = pa.array(frame[keys[0]].array)
        # (ids in order, as extracts keyed by id often come, are distinct if they only rise)
        return ascending(values, strictly=True) or len(pc.unique(values)) == len(frame)
    key_table = pa.Table.from_pandas(frame[keys], preserve_index=False)
    listed = ", ".join(f'"{key}"' for key in keys)
    with duckdb.connect() as con:
        con.register("key_table", key_table)
        distinct = con.execute(f"SELECT count(*) FROM (SELECT DISTINCT {listed} FROM key_table)").fetchall()[0][0]
    return distinct == len(frame)


def _check_reference(checked: CheckedTable, column: str, loaded: pd.Series, target: str) -> None:
    """``loaded``: whether each value of the column is loaded, on the rows the table had when
    it was worked out (an earlier check may have quarantined some since)."""
    values = checked.typed[column]
    dangling = values.notna() & ~loaded.reindex(values.index).to_numpy(dtype=bool)
    reason = f"refers to {target} that is not loaded (absent from its file or quarantined)"
    if checked.raw.table.column(column).required:
        checked.reject(dangling, column, reason)
    else:
        checked.warn(dangling, column, reason + "; value blanked", values)
        if dangling.any():  # an assignment through an all-False mask still copies the column
            checked.typed.loc[dangling, column] = pd.NA


def _loaded_references(store: GraphStore, table: str, new_ids: pd.Series,
                       referenced: list[pd.Series]) -> tuple[list[pd.Series], pd.Series]:
    """For each referencing column, whether each of its values is loaded (a new id, or one the
    store already holds), on that column's index; and the stored ids they refer to.

    Every column is looked up in one pass: a look-up builds a hash set of the new ids, and
    building it once per referencing column cost more than the look-ups themselves.
    """
    every = pd.concat(referenced, ignore_index=True)
    is_new = np.asarray(isin(every, new_ids), dtype=bool)
    wanted = every[~is_new & every.notna().to_numpy()].drop_duplicates()
    stored = wanted[store.existing_ids(table, wanted).to_numpy()] if len(wanted) else wanted
    loaded = is_new | np.asarray(isin(every, stored), dtype=bool) if len(stored) else is_new
    ends = np.cumsum([len(column) for column in referenced])
    return ([pd.Series(part, index=column.index) for part, column in
             zip(np.split(loaded, ends[:-1]), referenced)], stored)


def _breaches(measures: CheckedTable, known_incidents: pd.Series) -> pd.DataFrame:
    frame = measures.typed[["measure_id", "breach_incident_ids", ROW]].dropna(subset=["breach_incident_ids"])
    exploded = frame.assign(incident_id=frame["breach_incident_ids"].str.split(";")).explode("incident_id")
    exploded["incident_id"] = exploded["incident_id"].str.strip()
    exploded = exploded[exploded["incident_id"].ne("") & exploded["incident_id"].notna()]
    dangling = ~isin(exploded["incident_id"], known_incidents)
    if dangling.any():
        measures.warnings.append(pd.DataFrame({
            "file": measures.raw.file, "row": exploded.loc[dangling, ROW].to_numpy(),
            "column": "breach_incident_ids",
            "reason": "breach incident is not loaded (absent from incidents file or quarantined); id ignored",
            "value": exploded.loc[dangling, "incident_id"].to_numpy(),
        }))
    return exploded.loc[~dangling, cols.BREACH_COLUMNS].drop_duplicates().reset_index(drop=True)


def _breach_references(checked: dict[str, CheckedTable]) -> pd.Series:
    if "measures" not in checked:
        return pd.Series(dtype="string")
    return checked["measures"].typed["breach_incident_ids"].str.split(";").explode().str.strip()


def _check_references(checked: dict[str, CheckedTable], store: GraphStore) -> pd.Series:
    """Quarantine or blank dangling references; returns every incident id that is loaded."""
    people_refs = [(t, c) for t, c in (
        ("involvements", "record_id"), ("measures", "subject_record_id"),
        ("measures", "protected_record_id"), ("referrals", "record_id"), ("custody", "record_id"))
        if t in checked]
    loaded_records, _ = _loaded_references(store, "person_records", checked["people"].typed["record_id"],
                                           [checked[t].typed[c] for t, c in people_refs])
    new_incidents = checked["incidents"].typed["incident_id"]
    (loaded_incidents, _), stored_incidents = _loaded_references(
        store, "incidents", new_incidents, [checked["involvements"].typed["incident_id"], _breach_references(checked)])
    _check_reference(checked["involvements"], "incident_id", loaded_incidents, "an incident")
    for (table, column), loaded in zip(people_refs, loaded_records):
        _check_reference(checked[table], column, loaded, "a person record")
    return pd.concat([new_incidents, stored_incidents], ignore_index=True)


def _content_hash(raws: dict[str, RawTable], force: str | None = None) -> str:
    digest = hashlib.sha256()
    if force:  # the same files loaded for another force are another force's records
        digest.update(f"force:{force};".encode())
    for name in sorted(raws):
        digest.update(f"{name}:{raws[name].digest};".encode())
    return digest.hexdigest()


def _frame(checked: dict[str, CheckedTable], name: str, columns: list[str]) -> pd.DataFrame:
    if name not in checked:
        return pd.DataFrame(columns=columns)
    return checked[name].typed[columns].reset_index(drop=True)


def _summarise(checked: dict[str, CheckedTable]) -> dict[str, dict[str, int]]:
    """Counts per file; stops the load (IngestError) when a row read is not accounted for."""
    summary = {}
    for name, table in checked.items():
        quarantine = table.issues("quarantine")
        counts = {
            "read": table.rows_read,
            "loaded": len(table.typed),
            "quarantined": int(quarantine["row"].nunique()) if len(quarantine) else 0,
            "warnings": len(table.issues("warnings")),
            "duplicates_merged": table.duplicates_merged,
        }
        accounted = counts["loaded"] + counts["duplicates_merged"] + counts["quarantined"]
        if accounted != counts["read"]:
            raise IngestError(table.raw.file, (
                f"{counts['read']} rows were read but {counts['loaded']} loaded + "
                f"{counts['duplicates_merged']} merged + {counts['quarantined']} quarantined = {accounted}; "
                "the load was stopped so that no row is lost"))
        if table.raw.lines is not None:  # CSV: every physical line is the header, a row or blank
            counts["lines"] = table.raw.lines
            counts["blank_lines"] = table.raw.blank_lines
        summary[table.raw.file] = counts
    return summary


def _canonical_records(frame: pd.DataFrame) -> pd.DataFrame:
    """Person records as comparable text (stores and parsers give dates different dtypes)."""
    canonical = frame[cols.RECORD_COLUMNS].copy()
    canonical["date_of_birth"] = pd.to_datetime(canonical["date_of_birth"]).dt.strftime("%Y-%m-%d")
    return canonical.astype("string").fillna("")


def _changed_records(store: GraphStore, records: pd.DataFrame) -> pd.Series | None:
    """Ids of this load's person records that are new or differ from the stored ones; None
    when some stored record has no person (the stored identity is not whole: resolve all).

    Only this load's records are read back (reading every record of a 1M-incident force took
    seconds): a daily load of new incidents about known people changes none, and the stored
    identity stands as it is, exactly what a re-run would give (resolution is deterministic in
    records, overrides, config and the model kept with the store, and overrides re-resolve
    when they are made)."""
    counts = store.counts(("record_person", "person_records"))
    if counts["record_person"] != counts["person_records"]:
        return None
    if counts["person_records"] == 0:  # a first load: every record is new, nothing to compare
        return pd.Series(records["record_id"].to_numpy(), dtype="str")
    stored = store.person_records(records["record_id"])
    theirs = _canonical_records(stored)
    ours = _canonical_records(records)
    same = ours.merge(theirs.drop_duplicates(), how="left", indicator=True)["_merge"] == "both"
    return pd.Series(ours.loc[~same.to_numpy(), "record_id"].to_numpy(), dtype="str")


def resolve_stored(store: GraphStore, records: pd.DataFrame, resolver: Resolver, cause: str,
                   retrain: bool = False, changed: pd.Series | None = None,
                   changed_are: str = "new or changed records") -> Identity:
    """Resolve ``records`` (every person record) against the stored identity: person ids
    carry over (``ingest.person_ids``) and the lineage events are stamped with ``cause``
    (the load, or the analyst's override). The model kept with the store is offered to the
    resolver (it trains anyway when the records have changed too much), unless ``retrain``.
    ``changed`` (the ids of the records new or changed since the stored identity) lets the
    resolver work out only what they can reach, carrying the rest of the identity forward
    (``changed_are``: what they are, for the progress line)."""
    trained = None if retrain else store.resolution_model()
    previous = store.clusters()
    increment = None
    if changed is not None and trained:
        increment = Increment(changed=changed, links=store.export_table("identity_links"),
                              review=store.review_items(), persons=store.export_table("persons"),
                              said=changed_are)
    identity = resolver(records, previous, store.overrides(), store.person_lineage(), trained=trained,
                        increment=increment)
    identity.lineage = stamp_lineage(identity.lineage, cause)
    return identity


def _typed(checked: dict[str, CheckedTable], name: str) -> pd.DataFrame | None:
    return checked[name].typed if name in checked else None


def _identity(store: GraphStore, records: pd.DataFrame, resolver: Resolver,
              load_id: str, withdrawn_records: list[str] | None = None) -> Identity | None:
    """The new identity for this load, or None when the stored one stands unchanged."""
    changed = None if withdrawn_records else _changed_records(store, records)
    if changed is not None and changed.empty:
        return None
    stored = store.person_records()
    if withdrawn_records:  # resolved without them: they leave the store with this load
        stored = stored[~isin(stored["record_id"], pd.Series(withdrawn_records))]
    # The load's records replace their stored versions. When the changed ones are known, the
    # rest of the load's records are stored as they are: only the changed ones are looked
    # for, and the stored records are copied only when one of them is there (filtering two
    # million stored records took seconds).
    every_one = changed is None or len(changed) == len(records)  # (changed: some of the load's distinct ids)
    given = records if every_one else records[isin(records["record_id"], changed)]
    if len(stored):  # (a first load has none: hashing its two million ids for nothing took 0.3 s)
        replaced = isin(stored["record_id"], given["record_id"])
        if replaced.any():
            stored = stored[~replaced]
    every_record = pd.concat([stored, given], ignore_index=True) if len(stored) else given.reset_index(drop=True)
    del stored  # a copy of every record of the force less held while it is resolved
    return resolve_stored(store, every_record, resolver, f"load {load_id}", changed=changed)


def ingest_folder(folder: Path, store: GraphStore, offence_keys: frozenset[str],
                  resolver: Resolver = pnc_resolver, now: datetime | None = None,
                  progress: Progress | None = None, allow_withdrawing_most: bool = False,
                  force: str | None = None) -> LoadSummary:
    """Load one extract folder into ``store``; returns the per-file summary.

    ``force`` (a force code) qualifies every id of the extract as ``FORCE:ID`` as soon as it
    is read (ingest/force_ids.py), so several forces load into one regional store.

    ``allow_withdrawing_most`` lets a ``complete`` declaration remove more than half of a
    stored table (ingest/withdraw.py)."""
    tell = progress or (lambda stage: None)
    started = datetime.now()
    tell("reading files")
    raws = read_folder(Path(folder))
    if force:
        force = force_code(force)
        qualify_extract(raws, force)
    content_hash = _content_hash(raws, force)
    summary = LoadSummary(load_id=f"L-{started:%Y%m%d%H%M%S}-{uuid.uuid4().hex[:6]}",
                          content_hash=content_hash, source=str(folder), started_at=started, force=force)
    earlier = store.has_completed_load(content_hash)
    if earlier:
        summary.already_loaded, summary.load_id = True, earlier
        return summary
    rules = Rules(now=now or started, offence_keys=offence_keys)
    # Every carried id is only needed against a complete or withdrawn declaration; built for
    # every load it was millions of Python strings (seconds at a 1M-incident force).
    declares = "complete" in raws or "withdrawn" in raws
    carried = carried_ids({name: raw.frame for name, raw in raws.items()}) if declares else {}
    damaged = {name for name, raw in raws.items() if len(raw.unreadable_rows)}
    checked: dict[str, CheckedTable] = {}
    for name, raw in raws.items():
        tell(f"validating {raw.file}")
        checked[name] = _check_rules(raw, rules)
        _check_duplicates(checked[name])
        # The file's text cells are parsed now; letting them go before resolution starts
        # lowers a large load's peak memory by about the size of the extract.
        raw.frame = raw.frame.iloc[:0]
    tell("checking references")
    known_incidents = _check_references(checked, store)
    breaches = (_breaches(checked["measures"], known_incidents) if "measures" in checked
                else pd.DataFrame(columns=cols.BREACH_COLUMNS))
    records = _frame(checked, "people", cols.RECORD_COLUMNS)
    summary.per_file = _summarise(checked)  # before resolving: a miscount stops the load at once
    summary.withdrawn = withdrawals(_typed(checked, "complete"), _typed(checked, "withdrawn"), carried, damaged,
                                    store, allow_withdrawing_most, force)
    del carried  # (when a file is declared complete) a Python set per id: not needed now
    tables = {name: _frame(checked, name, columns) for name, columns in _LOADED_TABLES.items()}
    quarantine = pd.concat([t.issues("quarantine") for t in checked.values()], ignore_index=True)
    warnings = pd.concat([t.issues("warnings") for t in checked.values()], ignore_index=True)
    checked.clear()
    with _set_aside(tables) as kept:
        tell("resolving people")
        identity = _identity(store, records, resolver, summary.load_id, summary.withdrawn.get("people", []))
        tables = kept()
    summary.people = identity.how if identity is not None else \
        "no new or changed person records: every person as stored"
    batch = LoadBatch(summary=summary, records=records, breaches=breaches, quarantine=quarantine,
                      warnings=warnings, identity=identity, **tables)
    tell("writing to the store")
    store.apply_load(batch)
    return summary


# The validated tables a load writes besides the person records, with their columns.
_LOADED_TABLES = {"incidents": cols.INCIDENT_COLUMNS, "involvements": cols.INVOLVEMENT_COLUMNS,
                  "measures": cols.MEASURE_COLUMNS, "referrals": cols.REFERRAL_COLUMNS,
                  "custody": cols.CUSTODY_COLUMNS}


@contextmanager
def _set_aside(tables: dict[str, pd.DataFrame]) -> Iterator[Callable[[], dict[str, pd.DataFrame]]]:
    """Hold ``tables`` on disk while the body runs; the body calls the yielded function to
    have them back.

    Resolution is the load's memory peak (splink's engine on top of the parsed extract); the
    validated incidents and roles are not needed until the write, so they wait in Arrow files
    (written and read back exactly, types included) instead of in memory.
    """
    with tempfile.TemporaryDirectory(prefix="harmgraph-load-") as folder:
        paths = {}
        for name in list(tables):
            paths[name] = Path(folder) / f"{name}.arrow"
            feather.write_feather(pa.Table.from_pandas(tables.pop(name), preserve_index=False),
                                  paths[name], compression="uncompressed")
        yield lambda: {name: feather.read_table(path, memory_map=False).to_pandas()
                       for name, path in paths.items()}

