"""Exports of a ranked list (CSV, XLSX) and the meeting pack (PDF), each written to the access log."""

from __future__ import annotations

from datetime import date

import pandas as pd

from harmgraph.ui.chrome import View, audit
from harmgraph.ui.format import csv_bytes, xlsx_bytes
from scoring.lists import list_notes

KINDS = ("csv", "xlsx")


def build_export(kind: str, frame: pd.DataFrame, columns: list[str], prov: dict[str, object], title: str,
                 view: View, reason: str = "") -> bytes | str:
    """The export of ``frame[columns]`` in ``kind``; records who exported what, and why, in the access log.

    Runs when the download button is clicked (deferred), so only real exports are logged.
    Refused (PermissionError) for a role that may not export.
    """
    if not view.can("export"):
        raise PermissionError(f"the {view.role} role may not export lists")
    if kind not in KINDS:
        raise ValueError(f"unknown export kind {kind!r}; expected one of {KINDS}")
    contract = frame[columns]
    if kind == "csv":
        payload: bytes | str = csv_bytes(contract)
    else:
        notes = {f"note {n}": note for n, note in enumerate(list_notes(frame), start=1)}
        payload = xlsx_bytes(contract, {**prov, **notes}, sheet=str(prov.get("list", "list")).replace(":", " "))
    audit(view, "export", str(prov["list"]),
          f"{kind}: {len(contract)} rows as of {prov['as_of']} config {prov['config_version']} "
          f"({prov['config_fingerprint']})", reason=reason)
    return payload


def meeting_pack(view: View, which: str, person_ids: list[str], meeting: date, reason: str) -> bytes:
    """The meeting pack (PDF) of exactly the candidates a page shows, in its order; logged by
    harmgraph.pack. Refused (PermissionError) for a role that may not export."""
    from harmgraph.pack import PackRequest, build_pack
    from harmgraph.ui import data
    from scoring.lists import PerpetratorList

    if not view.can("export"):
        raise PermissionError(f"the {view.role} role may not export a meeting pack")
    request = PackRequest(top=len(person_ids), which=PerpetratorList(which), meeting=meeting, who=view.user,
                          reason=reason, person_ids=tuple(person_ids), viewer=view.account)
    with view.settings.open_store() as store:
        return build_pack(store, data.context(view.key), request).pdf
