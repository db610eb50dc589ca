"""The pseudonymised ranked list for multi-agency sharing (MATAC partners, MARAC, probation).

Each person becomes a stable pseudonym, ``PS-`` + the first 20 hex digits of
HMAC-SHA256(key, person_id), under a secret key the force alone holds: the same key gives the
same pseudonym on every run (partners can follow a person from one meeting to the next),
another key gives unrelated pseudonyms, and without the key a pseudonym cannot be turned back
into a person. Names, dates of birth, record ids, postcodes and addresses are never written;
the reasons text is built from counts, dates of incidents and offence labels, and any
person's name or id that still appeared in it would be removed.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
from pathlib import Path

import pandas as pd

from core.errors import HarmgraphError

KEY_BYTES = 32
PSEUDONYM_HEX = 20
SHARE_COLUMNS = ["rank", "pseudonym", "score", "recency", "frequency", "gravity", "victims",
                 "last_incident", "flags", "reasons"]
REMOVED = "[removed]"


class ShareKeyError(HarmgraphError):
    """The sharing key is missing, unreadable or too short."""


def new_key(path: Path) -> None:
    """Write a new random key (32 bytes, hex) readable only by its owner; never overwrites."""
    if path.exists():
        raise ShareKeyError(f"{path} exists already; a key is never overwritten (pseudonyms would change)")
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write(secrets.token_hex(KEY_BYTES) + "\n")


def read_key(path: Path) -> bytes:
    """The key in ``path`` (hex text, at least 32 bytes)."""
    try:
        text = path.read_text(encoding="ascii").strip()
        key = bytes.fromhex(text)
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise ShareKeyError(f"cannot read the sharing key {path}: {exc.__class__.__name__}") from exc
    if len(key) < KEY_BYTES:
        raise ShareKeyError(f"the sharing key {path} is shorter than {KEY_BYTES} bytes")
    return key


def key_fingerprint(key: bytes) -> str:
    """A short public fingerprint of the key, for the access log (not the key itself)."""
    return hashlib.sha256(b"harmgraph-share-key:" + key).hexdigest()[:12]


def pseudonym(key: bytes, person_id: str) -> str:
    """The stable pseudonym of one person under ``key``.

    >>> pseudonym(bytes(32), "P-1") == pseudonym(bytes(32), "P-1") != pseudonym(bytes(31) + b"x", "P-1")
    True
    >>> pseudonym(bytes(32), "P-1").startswith("PS-")
    True
    """
    digest = hmac.new(key, person_id.encode("utf-8"), hashlib.sha256).hexdigest()
    return "PS-" + digest[:PSEUDONYM_HEX]


def identifying_terms(persons: pd.DataFrame, records: pd.DataFrame) -> set[str]:
    """Every name, person id and record id held, lower-cased (what must never be shared)."""
    terms: set[str] = set()
    for frame, columns in ((persons, ("person_id", "display_name")),
                           (records, ("record_id", "forename", "surname", "pnc_id"))):
        for column in columns:
            if column in frame:
                terms.update(str(v).strip().lower() for v in frame[column].dropna() if str(v).strip())
    return {term for term in terms if len(term) >= 3}


def scrub(texts: pd.Series, terms: set[str]) -> pd.Series:
    """Replace any whole word or phrase of ``texts`` that is in ``terms`` with REMOVED.

    >>> scrub(pd.Series(["3 incidents; John Smith seen", "ok"]), {"john smith", "smith"}).tolist()
    ['3 incidents; [removed] seen', 'ok']
    """
    longest = sorted(terms, key=len, reverse=True)

    def clean(text: str) -> str:
        lowered = text.lower()
        found = [t for t in longest if t in lowered]
        for term in found:  # only the few terms present are turned into patterns
            text = re.sub(rf"(?<!\w){re.escape(term)}(?!\w)", REMOVED, text, flags=re.IGNORECASE)
        return text

    return texts.fillna("").astype(str).map(clean)


def pseudonymise(ranked: pd.DataFrame, key: bytes, terms: set[str]) -> pd.DataFrame:
    """The shareable list: SHARE_COLUMNS only, person ids replaced by pseudonyms, reasons scrubbed."""
    out = ranked.copy()
    out["pseudonym"] = out["person_id"].astype(str).map(lambda pid: pseudonym(key, pid))
    out["reasons"] = scrub(out["reasons"], terms)
    return out[SHARE_COLUMNS].reset_index(drop=True)
