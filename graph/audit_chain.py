"""The access log's hash chain, computed here once for every store.

Each entry carries ``seq`` (1, 2, 3...), ``prev_hash`` (the hash of the entry before it, or
``GENESIS`` for the first) and ``hash = sha256(prev_hash + canonical(entry))``, where the
canonical form is a fixed-order JSON list of the sequence number and the content columns.
Changing, deleting, inserting or reordering any entry breaks every hash after it, and
``verify`` names the first entry that no longer fits.

The stores only read the chain head and append the rows ``chain`` returns, inside one
transaction; nothing here touches a database.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

GENESIS = "0" * 64
# What an entry says (who did what, to what, when, why) and how it is chained.
CONTENT_COLUMNS = ["at", "who", "action", "subject", "detail", "reason"]
CHAIN_COLUMNS = ["seq", "prev_hash", "hash"]
AUDIT_COLUMNS = CONTENT_COLUMNS + CHAIN_COLUMNS


@dataclass(frozen=True)
class ChainHead:
    """The last entry of a chain: its sequence number and hash (0 and GENESIS when empty)."""

    seq: int = 0
    hash: str = GENESIS


@dataclass(frozen=True)
class ChainReport:
    """The result of verifying a chain: intact, or the first entry that does not fit."""

    entries: int
    ok: bool
    head: ChainHead
    broken_seq: int | None = None
    broken_position: int | None = None
    problem: str = ""


def _text(value: object) -> str | None:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return str(value)


def _stamp(value: object) -> str | None:
    if value is None or pd.isna(value):
        return None
    return pd.Timestamp(value).strftime("%Y-%m-%dT%H:%M:%S.%f")


def canonical(seq: int, entry: Mapping[str, object]) -> str:
    """The exact text hashed for one entry: a JSON list in a fixed column order.

    >>> canonical(1, {"at": "2025-01-02 03:04:05", "who": "ana", "action": "export",
    ...               "subject": "persons", "detail": None, "reason": "MATAC"})
    '[1,"2025-01-02T03:04:05.000000","ana","export","persons",null,"MATAC"]'
    """
    values = [int(seq), _stamp(entry.get("at"))]
    values += [_text(entry.get(column)) for column in CONTENT_COLUMNS[1:]]
    return json.dumps(values, ensure_ascii=False, separators=(",", ":"))


def entry_hash(prev_hash: str, seq: int, entry: Mapping[str, object]) -> str:
    """sha256(prev_hash + canonical entry), hex.

    >>> len(entry_hash(GENESIS, 1, {"at": "2025-01-02", "who": "ana"}))
    64
    """
    return hashlib.sha256((prev_hash + canonical(seq, entry)).encode("utf-8")).hexdigest()


def chain(entries: pd.DataFrame, head: ChainHead = ChainHead()) -> pd.DataFrame:
    """``entries`` (content columns, in order) chained on after ``head``: AUDIT_COLUMNS.

    >>> rows = pd.DataFrame([{"at": "2025-01-02", "who": "ana", "action": "a", "subject": "s"}])
    >>> chained = chain(rows)
    >>> int(chained.at[0, "seq"]), chained.at[0, "prev_hash"] == GENESIS
    (1, True)
    >>> verify(chained).ok
    True
    """
    out = entries.reindex(columns=CONTENT_COLUMNS).reset_index(drop=True).copy()
    out["at"] = pd.to_datetime(out["at"])
    seqs, prevs, hashes = [], [], []
    seq, prev = head.seq, head.hash
    for entry in out.to_dict("records"):
        seq += 1
        current = entry_hash(prev, seq, entry)
        seqs.append(seq)
        prevs.append(prev)
        hashes.append(current)
        prev = current
    out["seq"] = pd.Series(seqs, dtype="int64")
    out["prev_hash"] = pd.Series(prevs, dtype=object)
    out["hash"] = pd.Series(hashes, dtype=object)
    return out[AUDIT_COLUMNS]


def head_text(head: ChainHead) -> str:
    """The head as one token, ``SEQ:HASH``, to record outside the store (``audit --head``).

    >>> head_text(ChainHead(3, "ab" * 32))[:8]
    '3:ababab'
    """
    return f"{head.seq}:{head.hash}"


def parse_head(text: str) -> ChainHead:
    """A head recorded with ``head_text`` (a ValueError says what is wrong with it).

    >>> parse_head(" 3:" + "AB" * 32).seq
    3
    >>> parse_head("3:xyz")
    Traceback (most recent call last):
    ...
    ValueError: a recorded head is SEQ:HASH (a number, a colon, 64 hex digits), not '3:xyz'
    """
    seq, _, digest = text.strip().partition(":")
    digest = digest.strip().lower()
    if not seq.strip().isdigit() or len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
        raise ValueError(f"a recorded head is SEQ:HASH (a number, a colon, 64 hex digits), not {text.strip()!r}")
    return ChainHead(int(seq), digest)


def may_chain_unchained(had_chain_columns: bool, chain_recorded: bool) -> bool:
    """Whether a store may chain the entries of its log when it opens: only a log written
    before the chain existed (its table had no chain columns and the store never recorded a
    chain). Anywhere else an entry without a chain is tampering, never a reason to re-chain:
    deleting entries and blanking the chain columns must not come back as an intact log.

    >>> may_chain_unchained(had_chain_columns=False, chain_recorded=False)
    True
    >>> may_chain_unchained(had_chain_columns=True, chain_recorded=False)
    False
    >>> may_chain_unchained(had_chain_columns=False, chain_recorded=True)
    False
    """
    return not had_chain_columns and not chain_recorded


def _against_recorded(report: ChainReport, log: pd.DataFrame, recorded: ChainHead) -> ChainReport:
    """``report`` of an intact chain, failed when it does not hold the head recorded outside."""
    if recorded.seq == 0:
        return report
    seqs = pd.to_numeric(log["seq"], errors="coerce")
    found = log.loc[seqs == recorded.seq, "hash"]
    if found.empty:
        problem = (f"the log ends at entry {report.head.seq}, but entry {recorded.seq} was recorded outside "
                   "the store (entries were removed and the chain rebuilt)")
    elif str(found.iloc[0]) != recorded.hash:
        problem = (f"entry {recorded.seq} does not have the hash recorded outside the store (the log was "
                   "rewritten up to there)")
    else:
        return report
    return ChainReport(entries=report.entries, ok=False, head=report.head, broken_seq=recorded.seq,
                       broken_position=None, problem=problem)


def verify(log: pd.DataFrame, recorded: ChainHead | None = None) -> ChainReport:
    """Walk the chain in ``seq`` order and name the first entry that does not fit.

    An entry fails when its sequence number is not the next one (an entry was deleted or
    inserted), its ``prev_hash`` is not the previous entry's hash, or its ``hash`` does not
    match its content (it was edited); an entry without a chain was written outside it, or
    the chain was erased. ``recorded`` is a head kept outside the store (``head_text``): the
    chain must still hold that entry with that hash, which catches a log rebuilt from scratch.
    """
    report = _walk(log)
    return _against_recorded(report, log, recorded) if report.ok and recorded is not None else report


def _walk(log: pd.DataFrame) -> ChainReport:
    if log.empty:
        return ChainReport(entries=0, ok=True, head=ChainHead())
    ordered = log.assign(_order=pd.to_numeric(log["seq"], errors="coerce")).sort_values(
        "_order", kind="stable", na_position="first").reset_index(drop=True)
    seq, prev = 0, GENESIS
    for position, entry in enumerate(ordered.to_dict("records")):
        stored_seq = entry.get("_order")
        problem = ""
        if stored_seq is None or pd.isna(stored_seq):
            erased = bool(ordered["seq"].isna().all())
            problem = ("no entry has a chain: the chain was erased, or the log written outside harmgraph"
                       if erased else "it has no sequence number (written outside the chain, or its chain was erased)")
        elif int(stored_seq) != seq + 1:
            problem = f"its sequence number {int(stored_seq)} should be {seq + 1} (an entry is missing or was added)"
        elif entry.get("prev_hash") != prev:
            problem = "its prev_hash is not the hash of the entry before it"
        elif entry.get("hash") != entry_hash(prev, int(stored_seq), entry):
            problem = "its hash does not match its content (the entry was changed)"
        if problem:
            broken = None if stored_seq is None or pd.isna(stored_seq) else int(stored_seq)
            return ChainReport(entries=len(ordered), ok=False, head=ChainHead(seq, prev),
                               broken_seq=broken, broken_position=position + 1, problem=problem)
        seq, prev = int(stored_seq), str(entry["hash"])
    return ChainReport(entries=len(ordered), ok=True, head=ChainHead(seq, prev))

