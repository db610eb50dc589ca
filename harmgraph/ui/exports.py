"""Exports of a ranked list (CSV, XLSX, printable HTML), each written to the access log."""

from __future__ import annotations

import pandas as pd

from harmgraph.ui.chrome import View, audit
from harmgraph.ui.format import csv_bytes, html_pack, xlsx_bytes

KINDS = ("csv", "xlsx", "html")


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
    elif kind == "xlsx":
        payload = xlsx_bytes(contract, prov, sheet=str(prov.get("list", "list")).replace(":", " "))
    else:
        payload = html_pack(contract, prov, title, view.user)
    audit(view, "export", str(prov["list"]),
          f"{kind}: {len(contract)} rows as of {prov['as_of']} config {prov['config_version']} "
          f"({prov['config_fingerprint']})", reason=reason)
    return payload
