"""Records withdrawn upstream (retention, error correction) leave the store with the load.

Ingest otherwise only inserts or updates. An extract says what has gone in one of two ways
(docs/data-contract.md):

- ``complete`` lists tables the extract carries in full: a stored record of such a table that
  the file no longer holds, in any row (a quarantined row still counts as present), is withdrawn;
- ``withdrawn`` lists ``table, id`` pairs withdrawn by name.

A table is only judged complete from a file every line of which could be read: a damaged file
must never delete what it failed to show. An id both withdrawn and carried is a contradiction
that stops the load, and so does a declaration that would remove more than MOST_OF_A_TABLE of
a stored table (a partial file sent as a full one) unless the load allows it. The store removes each withdrawn record with its links (involvements,
breaches, measures, referrals and custody spells of a withdrawn person record) in the load's transaction, and
the identities are re-resolved without the withdrawn person records.
"""

from __future__ import annotations

import pandas as pd

from core.errors import IngestError
from core.forces import SEPARATOR
from graph.store import GraphStore

MOST_OF_A_TABLE = 0.5  # a larger share withdrawn at once needs the load's explicit consent

# Contract table -> (stored table, key). An involvement goes with its incident or record.
WITHDRAWABLE: dict[str, tuple[str, str]] = {
    "people": ("person_records", "record_id"),
    "incidents": ("incidents", "incident_id"),
    "measures": ("measures", "measure_id"),
    "referrals": ("referrals", "referral_id"),
    "custody": ("custody", "custody_id"),
}


def carried_ids(frames: dict[str, pd.DataFrame]) -> dict[str, set[str]]:
    """Every id each withdrawable file carries, quarantined rows included (raw stripped text)."""
    return {name: set(frames[name][key].astype(str)) - {""}
            for name, (_stored, key) in WITHDRAWABLE.items() if name in frames and key in frames[name]}


def _declared(frame: pd.DataFrame | None, column: str) -> pd.Series:
    if frame is None or frame.empty or column not in frame:
        return pd.Series(dtype=object)
    return frame[column].astype(str)


def withdrawals(complete: pd.DataFrame | None, withdrawn: pd.DataFrame | None, carried: dict[str, set[str]],
                damaged: set[str], store: GraphStore, allow_most: bool = False,
                force: str | None = None) -> dict[str, list[str]]:
    """The stored ids this extract withdraws, by contract table (only tables with any).

    ``complete`` and ``withdrawn`` are the checked rows of those files (or None), ``carried``
    the ids each file holds, ``damaged`` the files with unreadable lines; ``allow_most`` lets
    a load withdraw more than MOST_OF_A_TABLE of a stored table. With ``force`` (a regional
    store) a table declared complete is compared with that force's stored records only: one
    force's full file says nothing about another force's records.
    """
    gone: dict[str, set[str]] = {}
    for name in sorted(set(_declared(complete, "table"))):
        if name not in carried:
            raise IngestError("complete", f"declares {name} complete but the extract has no {name} file")
        if name in damaged:
            raise IngestError(name, "is declared complete but has unreadable lines: nothing is withdrawn "
                                    "from a damaged file (fix the file or drop it from complete)")
        stored_table, key = WITHDRAWABLE[name]
        stored = set(store.export_table(stored_table)[key].dropna().astype(str))
        if force:
            stored = {i for i in stored if i.startswith(force + SEPARATOR)}
        gone[name] = stored - carried[name]
        if not allow_most and stored and len(gone[name]) > MOST_OF_A_TABLE * len(stored):
            raise IngestError(name, f"is declared complete but would withdraw {len(gone[name])} of the "
                                    f"{len(stored)} stored records; if that is right, load with "
                                    "--allow-withdrawing-most (nothing was changed)")
    if withdrawn is not None and len(withdrawn):
        for name, ids in withdrawn.groupby(withdrawn["table"].astype(str))["id"]:
            listed = set(ids.astype(str))
            both = sorted(listed & carried.get(str(name), set()))
            if both:
                raise IngestError("withdrawn", f"withdraws {name} {', '.join(both[:5])} that the extract "
                                               "also carries: one of the two is wrong")
            stored_table, key = WITHDRAWABLE[str(name)]
            stored = set(store.export_table(stored_table)[key].dropna().astype(str))
            gone.setdefault(str(name), set()).update(listed & stored)
    return {name: sorted(ids) for name, ids in gone.items() if ids}
