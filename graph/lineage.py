"""Reading the person-id lineage: where an old id went, and the story of one id.

The lineage (``graph.batch.LINEAGE_COLUMNS``) is append-only. An id that was *merged* into
another redirects to it (and on, if the survivor was later merged too); an id that was *split*
keeps its id for the part holding its anchor record, so it redirects nowhere: the parts that
left it are named by its ``split`` events. Everything keyed on a person id (MATAC decisions,
pseudonyms, the audit log, exports) asks ``current_ids`` for the id to use now.

>>> lineage = pd.DataFrame({"seq": [1, 2, 3, 4], "event": ["issued", "issued", "merged", "split"],
...     "person_id": ["P-a", "P-b", "P-b", "P-a"], "other_id": [None, None, "P-a", "P-c"]})
>>> redirects(lineage)
{'P-b': 'P-a'}
>>> current_ids(pd.Series(["P-b", "P-a", "P-x"]), lineage).tolist()
['P-a', 'P-a', 'P-x']
>>> where_now(lineage, "P-b")
('merged', ['P-a'])
>>> where_now(lineage, "P-a")
('split', ['P-c'])
"""

from __future__ import annotations

import pandas as pd


def redirects(lineage: pd.DataFrame) -> dict[str, str]:
    """Every merged id -> the id that holds its records now (chains followed to the end)."""
    if lineage is None or lineage.empty:
        return {}
    merged = lineage[lineage["event"] == "merged"].sort_values("seq")
    step = dict(zip(merged["person_id"].astype(str), merged["other_id"].astype(str)))
    final: dict[str, str] = {}
    for start in step:
        seen = {start}
        target = step[start]
        while target in step and target not in seen:  # a cycle cannot happen; guard anyway
            seen.add(target)
            target = step[target]
        final[start] = target
    return final


def current_ids(person_ids: pd.Series, lineage: pd.DataFrame) -> pd.Series:
    """``person_ids`` with every merged id replaced by the id its records carry now."""
    moves = redirects(lineage)
    if not moves:
        return person_ids
    return person_ids.map(lambda pid: moves.get(pid, pid) if isinstance(pid, str) else pid)


def current_id(person_id: str, lineage: pd.DataFrame) -> str:
    """One id as it is now (itself unless it was merged into another)."""
    return redirects(lineage).get(person_id, person_id)


def where_now(lineage: pd.DataFrame, person_id: str) -> tuple[str, list[str]]:
    """('merged', [survivor]) / ('split', [new parts]) / ('retired', []) / ('current', []) /
    ('unknown', []): what became of ``person_id``, for ``explain OLD_ID``."""
    if lineage is None or lineage.empty:
        return "unknown", []
    mine = lineage[lineage["person_id"] == person_id].sort_values("seq")
    if mine.empty:
        return "unknown", []
    moves = redirects(lineage)
    if person_id in moves:
        return "merged", [moves[person_id]]
    if (mine["event"] == "retired").any():
        return "retired", []
    split = mine.loc[mine["event"] == "split", "other_id"].dropna().astype(str).tolist()
    if split:
        return "split", [current_id(part, lineage) for part in dict.fromkeys(split)]
    return "current", []


def history(lineage: pd.DataFrame, person_id: str) -> pd.DataFrame:
    """Every event about ``person_id`` and the ids it came from or went to, oldest first
    (one step out in each direction, repeated until nothing new is reached)."""
    if lineage is None or lineage.empty:
        return lineage
    related = {person_id}
    while True:
        touching = lineage[lineage["person_id"].isin(related) | lineage["other_id"].isin(related)]
        found = set(touching["person_id"].dropna()) | set(touching["other_id"].dropna())
        if found <= related:
            break
        related |= found
    rows = lineage[lineage["person_id"].isin(related)
                   & ~((lineage["event"] == "issued") & ~lineage["person_id"].isin(related))]
    return rows.sort_values("seq").reset_index(drop=True)


def ids_of_person(lineage: pd.DataFrame, person_id: str) -> set[str]:
    """Every id under which what is now ``person_id``'s was recorded: its current id, each id
    merged into it, and the id any part of it was split from (for an audit trail or an export
    about one person that must follow redirects).

    >>> lineage = pd.DataFrame({"seq": [1, 2, 3, 4], "event": ["issued", "issued", "merged", "split"],
    ...     "person_id": ["P-a", "P-b", "P-b", "P-a"], "other_id": [None, None, "P-a", "P-c"]})
    >>> sorted(ids_of_person(lineage, "P-b")), sorted(ids_of_person(lineage, "P-c"))
    (['P-a', 'P-b'], ['P-a', 'P-b', 'P-c'])
    """
    now = current_id(person_id, lineage)
    if lineage is None or lineage.empty:
        return {now}
    moves = redirects(lineage)
    found = {now, *(old for old, new in moves.items() if new == now)}
    split = lineage[(lineage["event"] == "split") & lineage["other_id"].isin(found)]
    for parent in split["person_id"].dropna().astype(str):
        found |= ids_of_person(lineage, parent) if parent not in found else set()
    return found
