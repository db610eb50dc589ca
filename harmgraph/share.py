"""The pseudonymised ranked list for multi-agency sharing (MATAC partners, MARAC, probation).

Each person becomes a stable pseudonym, ``PS-`` + the first 20 hex digits of
HMAC-SHA256(key, person_id), under a secret key the force alone holds: the same key gives the
same pseudonym on every run (partners can follow a person from one meeting to the next),
another key gives unrelated pseudonyms, and without the key a pseudonym cannot be turned back
into a person. Names, dates of birth, record ids, postcodes and addresses are never written.

What is left could still single out an incident a partner knows of (an exact offence on an
exact day), so the share coarsens it: the last incident to its month, the most serious offence
to its group (violence, sexual, stalking or harassment...), counts of incidents and victims to
bands. Those four are the quasi-identifiers; every combination of them must be held by at
least K_ANONYMITY rows, coarsening months to quarters and years, and withholding the
quasi-identifiers of the few rows that still stand out (k_anonymise). The reasons sentence is
rebuilt from the coarsened values only, so it adds nothing to them; any person's name or id
that still appeared in it would be removed, without touching offence labels or other words.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from core.errors import HarmgraphError
from scoring.catalogue import OffenceCatalogue

KEY_BYTES = 32
PSEUDONYM_HEX = 20
K_ANONYMITY = 5  # every combination of quasi-identifiers is shared by at least this many rows
QUASI_IDENTIFIERS = ["last_incident", "most_serious", "incidents", "victims"]
SHARE_COLUMNS = ["rank", "pseudonym", "score", "recency", "frequency", "gravity", *QUASI_IDENTIFIERS,
                 "flags", "reasons"]
REMOVED = "[removed]"
WITHHELD = "withheld"
# (upper limit, label): small counts are the ones that point to one case.
COUNT_BANDS = ((2, "1-2"), (5, "3-5"), (9, "6-9"), (19, "10-19"))
# The catalogue's flags in the order that names an offence's group (the first flag set wins).
OFFENCE_GROUPS = (("sexual", "sexual offence"), ("violent", "violence"),
                  ("stalking_harassment", "stalking or harassment"),
                  ("coercive_control", "controlling or coercive behaviour"),
                  ("breach", "breach of an order"), ("non_crime", "non-crime domestic incident"))
DATE_LEVELS = ("month", "quarter", "year")


class ShareKeyError(HarmgraphError):
    """The sharing key is missing, unreadable or too short."""


class ShareError(HarmgraphError):
    """The list cannot be shared without singling people out."""


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


def scrub(texts: pd.Series, terms: set[str], keep: Iterable[str] = ()) -> pd.Series:
    """Replace any whole word or phrase of ``texts`` that is in ``terms`` with REMOVED,
    leaving the phrases in ``keep`` (offence labels, the share's own words) whole.

    A surname such as Law must not turn "Family Law Act 1996" into "Family [removed] Act 1996":
    each kept phrase is set aside before names are looked for and put back after.

    >>> scrub(pd.Series(["3 incidents; John Smith seen", "ok"]), {"john smith", "smith"}).tolist()
    ['3 incidents; [removed] seen', 'ok']
    >>> scrub(pd.Series(["breach (Family Law Act 1996); Law seen"]), {"law"}, ["Family Law Act 1996"]).tolist()
    ['breach (Family Law Act 1996); [removed] seen']
    """
    longest = sorted(terms, key=len, reverse=True)
    kept = sorted({phrase for phrase in keep if phrase}, key=len, reverse=True)

    def clean(text: str) -> str:
        lowered = text.lower()
        found = [t for t in longest if t in lowered]
        if not found:
            return text
        parked: list[str] = []

        def park(match: re.Match[str]) -> str:
            parked.append(match.group(0))
            return f"\x00{len(parked) - 1}\x00"

        for phrase in (p for p in kept if p.lower() in lowered):
            text = re.sub(re.escape(phrase), park, text, flags=re.IGNORECASE)
        for term in found:  # only the few terms present are turned into patterns
            text = re.sub(rf"(?<![\w\x00]){re.escape(term)}(?![\w\x00])", REMOVED, text, flags=re.IGNORECASE)
        return re.sub(r"\x00(\d+)\x00", lambda m: parked[int(m.group(1))], text)

    return texts.fillna("").astype(str).map(clean)


def count_band(counts: pd.Series) -> pd.Series:
    """Counts as bands: small counts are what single a case out.

    >>> count_band(pd.Series([1, 2, 3, 7, 12, 40])).tolist()
    ['1-2', '1-2', '3-5', '6-9', '10-19', '20+']
    """
    values = pd.to_numeric(counts, errors="coerce").fillna(0).astype(int)
    labels = pd.Series("20+", index=counts.index, dtype=object)
    for upper, label in reversed(COUNT_BANDS):
        labels[values <= upper] = label
    return labels


def offence_group(offences: pd.Series, catalogue: OffenceCatalogue) -> pd.Series:
    """The group of each offence key (its first catalogue flag in OFFENCE_GROUPS), else 'other offence'."""
    table = catalogue.table
    groups = pd.Series("other offence", index=table.index, dtype=object)
    for flag, label in reversed(OFFENCE_GROUPS):
        groups[table[flag].astype(bool)] = label
    return offences.astype(object).map(groups).fillna("other offence")


def coarse_date(dates: pd.Series, level: str) -> pd.Series:
    """Dates as their month ('2025-03'), quarter ('2025-Q1') or year ('2025').

    >>> days = pd.Series(pd.to_datetime(["2025-03-14", "2025-11-02"]))
    >>> coarse_date(days, "month").tolist(), coarse_date(days, "quarter").tolist(), coarse_date(days, "year").tolist()
    (['2025-03', '2025-11'], ['2025-Q1', '2025-Q4'], ['2025', '2025'])
    """
    when = pd.to_datetime(dates, errors="coerce")
    if level == "month":
        text = when.dt.strftime("%Y-%m")
    elif level == "quarter":
        text = when.dt.year.astype("Int64").astype(str) + "-Q" + when.dt.quarter.astype("Int64").astype(str)
    else:
        text = when.dt.year.astype("Int64").astype(str)
    return text.where(when.notna(), "unknown").astype(object)


def smallest_class(frame: pd.DataFrame, columns: Sequence[str] = QUASI_IDENTIFIERS) -> int:
    """The fewest rows sharing one combination of ``columns`` (the k the frame achieves)."""
    if frame.empty:
        return 0
    return int(frame.groupby(list(columns), dropna=False).size().min())


@dataclass(frozen=True)
class Anonymity:
    """What k_anonymise did: the k reached, the date level used and the rows withheld."""

    k: int
    date_level: str
    withheld: int


def _rows_to_withhold(frame: pd.DataFrame, k: int) -> pd.Series:
    """The rows whose quasi-identifiers must be withheld for ``frame`` to be k-anonymous."""
    sizes = frame.groupby(QUASI_IDENTIFIERS, dropna=False)[QUASI_IDENTIFIERS[0]].transform("size")
    outliers = sizes < k
    # The withheld rows form a class of their own: it too needs k rows, so whole classes, the
    # smallest first, join it until it has them (the classes left keep their k or more).
    classes = frame.groupby(QUASI_IDENTIFIERS, dropna=False).ngroup()[~outliers]
    for members in sorted(classes.groupby(classes).groups.values(), key=len):
        if not outliers.any() or int(outliers.sum()) >= k:
            break
        outliers[members] = True
    return outliers


def k_anonymise(quasi: pd.DataFrame, dates: pd.Series, k: int = K_ANONYMITY) -> tuple[pd.DataFrame, Anonymity]:
    """The quasi-identifiers with dates as coarse as needed and the rows that stand out withheld.

    ``quasi`` holds the other quasi-identifiers (already banded), ``dates`` the last incidents.
    Of month, quarter and year, the level that withholds fewest rows wins (the finer on a tie).
    Raises ShareError when there are fewer than ``k`` rows: no share can then be k-anonymous.
    """
    if len(quasi) < k:
        raise ShareError(f"{len(quasi)} rows cannot be shared {k}-anonymously: share at least {k} (--top)")
    best: tuple[pd.DataFrame, pd.Series, str] | None = None
    for level in DATE_LEVELS:
        frame = quasi.assign(last_incident=coarse_date(dates, level))[QUASI_IDENTIFIERS].astype(object)
        outliers = _rows_to_withhold(frame, k)
        if best is None or int(outliers.sum()) < int(best[1].sum()):
            best = (frame, outliers, level)
    assert best is not None
    frame, outliers, level = best
    frame.loc[outliers, QUASI_IDENTIFIERS] = WITHHELD
    reached = smallest_class(frame)
    if reached < k:  # cannot happen by construction; never share a frame that fails the check
        raise ShareError(f"the share would be only {reached}-anonymous (needs {k})")
    return frame, Anonymity(reached, level, int(outliers.sum()))


def shared_reason(frame: pd.DataFrame) -> pd.Series:
    """The reasons sentence from the coarsened values alone."""
    def sentence(row: pd.Series) -> str:
        if row["incidents"] == WITHHELD:
            return "details withheld (too few people share them to share them safely)."
        return (f"{row['incidents']} incidents against {row['victims']} victims; most serious: "
                f"{row['most_serious']}; last incident {row['last_incident']}.")

    return frame.apply(sentence, axis=1).astype(object)


def pseudonymise(ranked: pd.DataFrame, key: bytes, terms: set[str], catalogue: OffenceCatalogue,
                 k: int = K_ANONYMITY) -> tuple[pd.DataFrame, Anonymity]:
    """The shareable list (SHARE_COLUMNS): pseudonyms, coarsened quasi-identifiers, k-anonymous."""
    out = ranked.reset_index(drop=True)
    quasi = pd.DataFrame({
        "most_serious": offence_group(out["most_serious_offence"], catalogue),
        "incidents": count_band(out["incidents"]),
        "victims": count_band(out["victims"]),
    })
    coarse, anonymity = k_anonymise(quasi, out["last_incident"], k)
    shared = pd.DataFrame({"rank": out["rank"], "pseudonym": out["person_id"].astype(str).map(lambda pid: pseudonym(key, pid))})
    for column in ("score", "recency", "frequency", "gravity"):
        shared[column] = out[column]
    for column in QUASI_IDENTIFIERS:
        shared[column] = coarse[column]
    shared["flags"] = out["flags"]
    keep = [*catalogue.table["label"].astype(str), *(label for _flag, label in OFFENCE_GROUPS)]
    shared["reasons"] = scrub(shared_reason(coarse), terms, keep)
    return shared[SHARE_COLUMNS], anonymity
