"""The identity review queue an analyst works through, for the CLI and the app alike.

Three sources: the items the last resolution stored (pairs near the match threshold, links cut
by a rule, records left alone: ``ingest.resolve``), and victims held as two persons who are
probably or possibly one woman behind a claim about a perpetrator's partners
(``duplicate_victim``, judged by :mod:`scoring.victim_identity` from the current persons, so
they leave the queue as soon as a decision links them or keeps them apart), and records with no
date of birth or PNC id whose incidents scoring sets aside (``weak_record``: possibly another man
of the same name at the address). A decision is a
must-link (same person) or cannot-link (different people) of the pair's records: it is logged
in the access log, stored as an override and the records are re-resolved, which logs the ids
it merged or split in the lineage.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

from core.distinct import sorted_distinct
from core.errors import HarmgraphError
from graph.batch import REVIEW_COLUMNS
from graph.store import GraphStore
from harmgraph.accounts import Account
from harmgraph.context import build_context
from harmgraph.force_scope import check_records as check_scope, pairs_in_scope
from ingest.resolve import review_item_id
from scoring.context import ScoringContext
from scoring.prepared import Prepared
from scoring.victim_identity import PROBABLE

DUPLICATE_VICTIM = "duplicate_victim"
WEAK_RECORD = "weak_record"
KINDS = ("near_threshold", "dob_conflict", "pnc_conflict", "forename_conflict", "ambiguous_record",
         DUPLICATE_VICTIM, WEAK_RECORD)
SHOWN_COLUMNS = ["item_id", "kind", "record_l", "person_l", "record_r", "person_r", "match_weight",
                 "evidence_for", "evidence_against", "note"]


def duplicate_victim_items(context: ScoringContext) -> pd.DataFrame:
    """Victim pairs probably or possibly one person who share a perpetrator recorded as the
    partner or ex-partner of both, i.e. pairs a "new partner", "two partners at the same time"
    or PDP's "different partners" claim could rest on (REVIEW_COLUMNS). Each names the first
    record of either person; ``note`` says how scoring treats the pair meanwhile."""
    prepared = Prepared(context)
    index = prepared.index
    pairs = prepared.victims_as.pairs
    partners = context.config.signals.escalation.partner_relationships
    links = index.links[index.links["relationship"].isin(list(partners)).to_numpy(dtype=bool)]
    size = len(index.people) + 1
    held = sorted_distinct(links["person"].to_numpy(np.int64) * size + links["victim"].to_numpy(np.int64))
    shared = links[["person", "victim"]].drop_duplicates().rename(columns={"victim": "victim_l"})
    behind = pairs.merge(shared, on="victim_l")
    behind = behind[np.isin(behind["person"].to_numpy(np.int64) * size + behind["victim_r"].to_numpy(np.int64),
                            held)]
    behind = behind.drop_duplicates(["victim_l", "victim_r"])
    if behind.empty:
        return pd.DataFrame({column: pd.Series(dtype=object) for column in REVIEW_COLUMNS})
    first_record = pd.Series(prepared.persons_at("record_ids", np.arange(len(index.people))),
                             dtype="string").str.split(";").str[0].to_numpy(dtype=object)
    first_l = first_record[behind["victim_l"].to_numpy()]
    first_r = first_record[behind["victim_r"].to_numpy()]
    # The record ids in order, as the stored items keep them (the item id reads them so).
    left, right = np.where(first_l <= first_r, first_l, first_r), np.where(first_l <= first_r, first_r, first_l)
    offender = np.asarray(index.ids(behind["person"].to_numpy()), dtype=object)
    meanwhile = np.where(behind["likeness"] == PROBABLE, "counted as one victim meanwhile",
                         "counted apart meanwhile; claims resting on them say they are uncertain")
    items = pd.DataFrame({
        "kind": DUPLICATE_VICTIM, "record_id_l": left, "record_id_r": right,
        "match_weight": np.nan, "match_probability": np.nan,
        "evidence_for": behind["evidence_for"].to_numpy(), "evidence_against": behind["evidence_against"].to_numpy(),
        "note": (behind["likeness"].to_numpy(dtype=object) + " duplicate victim of " + offender
                 + " (recorded as partner of both): " + meanwhile)})
    items["item_id"] = [review_item_id(DUPLICATE_VICTIM, a, b) for a, b in zip(left, right)]
    return items[REVIEW_COLUMNS].reset_index(drop=True)


def weak_record_items(store: GraphStore, context: ScoringContext) -> pd.DataFrame:
    """Records with no date of birth or PNC id whose incidents scoring does not count for their
    person because they would add a victim his firm records do not have
    (:func:`scoring.index.build_index`'s ``set_aside``): each paired with the person's first
    record that has a date of birth or PNC id (REVIEW_COLUMNS). *Same* confirms the record
    (must-link: its incidents count); *different* parts it from him (cannot-link)."""
    index = Prepared(context).index
    aside = index.set_aside
    empty = pd.DataFrame({column: pd.Series(dtype=object) for column in REVIEW_COLUMNS})
    if aside.empty:
        return empty
    held = pd.DataFrame({"person_id": np.asarray(index.ids(aside["person"].to_numpy()), dtype=object),
                         "incident_id": index.incidents["incident_id"].to_numpy(dtype=object)[aside["row"].to_numpy()]})
    records = store.person_records()
    clusters = store.clusters()[["record_id", "person_id"]]
    undated = records["date_of_birth"].isna() & records["pnc_id"].isna()
    involvements = store.export_table("involvements")
    involvements = involvements[involvements["role"].isin(list(context.config.perpetrator_roles))]
    weak = (involvements.merge(clusters, on="record_id").merge(held, on=["person_id", "incident_id"])
            .merge(records.loc[undated, ["record_id"]], on="record_id"))
    firm = (records.loc[~undated, ["record_id"]].merge(clusters, on="record_id")
            .sort_values("record_id").drop_duplicates("person_id").rename(columns={"record_id": "firm_record"}))
    found = weak.merge(firm, on="person_id")
    if found.empty:
        return empty
    grouped = found.groupby(["record_id", "firm_record", "person_id"], sort=True)["incident_id"].agg(
        lambda ids: ", ".join(sorted(set(ids)))).reset_index()
    left = np.minimum(grouped["record_id"].to_numpy(dtype=object), grouped["firm_record"].to_numpy(dtype=object))
    right = np.maximum(grouped["record_id"].to_numpy(dtype=object), grouped["firm_record"].to_numpy(dtype=object))
    items = pd.DataFrame({
        "kind": WEAK_RECORD, "record_id_l": left, "record_id_r": right, "match_weight": np.nan,
        "match_probability": np.nan,
        "evidence_for": "joined to " + grouped["person_id"] + "'s record " + grouped["firm_record"]
                        + " on name and address",
        "evidence_against": "no date of birth or PNC id on " + grouped["record_id"]
                            + "; its incidents name a victim none of his other incidents does",
        "note": (np.where(grouped["incident_id"].str.contains(","), "incidents ", "incident ")
                 + grouped["incident_id"] + " not counted for " + grouped["person_id"]
                 + " meanwhile; same: they count; different: the record is parted from him")})
    items["item_id"] = [review_item_id(WEAK_RECORD, a, b) for a, b in zip(left, right)]
    return items[REVIEW_COLUMNS].reset_index(drop=True)


def review_items(store: GraphStore, context: ScoringContext | None = None) -> pd.DataFrame:
    """The stored queue and the duplicate victims (REVIEW_COLUMNS), stored items first.
    ``context``: the scoring context of this store when the caller holds it."""
    stored = store.review_items()
    if context is None:
        try:
            context = build_context(store)
        except HarmgraphError:  # no incidents yet: no victims to compare
            return stored
    judged = [frame for frame in (duplicate_victim_items(context), weak_record_items(store, context)) if len(frame)]
    return pd.concat([stored, *judged], ignore_index=True) if judged else stored


def review_rows(store: GraphStore, kind: str | None = None,
                context: ScoringContext | None = None, account: Account | None = None) -> pd.DataFrame:
    """The review queue with each side's person id and what its record says (name, date of
    birth, postcode), for a person to judge; for a user of some forces only, the items whose
    two persons both hold a record of those forces (harmgraph/force_scope.py)."""
    items = review_items(store, context)
    if kind:
        items = items[items["kind"] == kind]
    if items.empty:
        return items.assign(person_l=pd.Series(dtype=object), person_r=pd.Series(dtype=object),
                            record_l=pd.Series(dtype=object), record_r=pd.Series(dtype=object))
    records = store.person_records().set_index("record_id")
    clusters = store.clusters()
    person = clusters.set_index("record_id")["person_id"]
    dob = pd.to_datetime(records["date_of_birth"], errors="coerce").dt.strftime("%Y-%m-%d")
    said = (records["forename"].fillna("").astype(str) + " " + records["surname"].fillna("").astype(str)
            + " | " + dob.fillna("no DOB") + " | " + records["postcode"].fillna("no postcode").astype(str))
    out = items.assign(
        person_l=person.reindex(items["record_id_l"]).to_numpy(),
        person_r=person.reindex(items["record_id_r"]).to_numpy(),
        record_l=items["record_id_l"] + ": " + said.reindex(items["record_id_l"]).fillna("?").to_numpy(),
        record_r=items["record_id_r"] + ": " + said.reindex(items["record_id_r"]).fillna("?").to_numpy())
    return pairs_in_scope(out, account, clusters).reset_index(drop=True)


def check_records(store: GraphStore, *record_ids: str) -> None:
    """Both records exist and differ, else a clear error."""
    known = store.existing_ids("person_records", pd.Series(list(record_ids), dtype="string"))
    missing = [r for r, found in zip(record_ids, known) if not found]
    if missing:
        raise HarmgraphError(f"no person record with id {', '.join(repr(m) for m in missing)} in {store.location}")
    if record_ids[0] == record_ids[1]:
        raise HarmgraphError("a record cannot be linked to or unlinked from itself")


def resolve_stored_records(store: GraphStore, user: str, tell: Callable[..., None],
                           config_path: Path | None = None, cause: str = "re-resolve",
                           retrain: bool = False, about: tuple[str, ...] = ()) -> int:
    """Re-resolve the stored records with the overrides; returns the number of persons.

    Person ids carry over; the ids this re-resolution merged, split or issued are logged in
    the lineage with ``cause`` and summed up in the access log. The model kept with the store
    is used again unless ``retrain`` (or the records or settings have changed too much).
    ``about``: the records an override names; only what they reach is resolved again
    (``ingest.resolve_increment``: the same identity as resolving every record)."""
    from ingest.identity import make_splink_resolver
    from ingest.load import resolve_stored
    from ingest.resolve_config import load_resolution_config

    # The same settings option (or $HARMGRAPH_RESOLUTION_CONFIG) as ingest, so an override
    # re-resolves exactly as the last load did.
    resolver = make_splink_resolver(load_resolution_config(config_path), progress=tell)
    identity = resolve_stored(store, store.person_records(), resolver, cause, retrain=retrain,
                              changed=pd.Series(about, dtype="str") if about and not retrain else None,
                              changed_are="records the link or unlink names")
    store.replace_identity(identity)
    changes = identity.lineage["event"].value_counts()
    if len(changes):
        store.record_audit(user, "identity_change", "persons",
                           ", ".join(f"{n} {event}" for event, n in sorted(changes.items())) + f" ({cause})")
    return len(identity.persons)


def override(store: GraphStore, kind: str, record_a: str, record_b: str, user: str, reason: str,
             tell: Callable[..., None], config_path: Path | None = None,
             account: Account | None = None) -> int:
    """Store a must-link or cannot-link (logged) and re-resolve; returns the number of persons.
    A user of some forces only may link or unlink records of their forces' persons."""
    check_records(store, record_a, record_b)
    check_scope(store, account, store.clusters(), (record_a, record_b), kind)
    return _store_override(store, kind, record_a, record_b, user, reason, tell, config_path)


def _store_override(store: GraphStore, kind: str, record_a: str, record_b: str, user: str, reason: str,
                    tell: Callable[..., None], config_path: Path | None) -> int:
    """:func:`override` once the records are checked (they exist and are in the user's scope)."""
    store.add_override(kind, record_a, record_b, user, reason, datetime.now())
    store.record_audit(user, "override", f"{record_a}/{record_b}", f"{kind}: {reason}")
    return resolve_stored_records(store, user, tell, config_path,
                                  cause=f"{kind} {record_a}/{record_b} by {user}: {reason}",
                                  about=(record_a, record_b))


def decide(store: GraphStore, item_id: str, same: bool, user: str, reason: str, tell: Callable[..., None],
           config_path: Path | None = None, context: ScoringContext | None = None,
           account: Account | None = None) -> tuple[str, int]:
    """Decide one review item: the pair is one person (must-link) or two (cannot-link).
    Logged in the access log (the decision) and the lineage (what re-resolving changed).
    Returns (the override kind, persons after re-resolving)."""
    items = review_items(store, context)
    found = items[items["item_id"] == item_id]
    if found.empty:
        raise HarmgraphError(f"no review item {item_id!r} in {store.location} (list the queue again)")
    row = found.iloc[0]
    check_records(store, row["record_id_l"], row["record_id_r"])
    # Checked before the decision is logged: a refused decision is logged as refused, not made.
    check_scope(store, account, store.clusters(), (row["record_id_l"], row["record_id_r"]), f"review {item_id}")
    store.record_audit(user, "review_decision", item_id, f"{'same' if same else 'different'} person",
                       reason=reason)
    kind = "must_link" if same else "cannot_link"
    persons = _store_override(store, kind, row["record_id_l"], row["record_id_r"], user,
                              f"review {item_id}: {reason}".strip(": "), tell, config_path)
    return kind, persons
