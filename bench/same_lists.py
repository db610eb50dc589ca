"""Are the ranked lists still the same? Save every list of a store once, compare later.

    .venv/bin/python bench/same_lists.py save STORE FOLDER      # on the code to compare against
    .venv/bin/python bench/same_lists.py compare STORE FOLDER   # after a change: exit 1 on a difference

A speed change must not change a list. This ranks, in one process and in this order (so the
later rankings reuse what the first one kept with the tables, as a re-rank does): both offender
lists, the serial-history list and both repeat-victim lists at the latest incident's date, the
same 30 days earlier, and the overall list with changed weights; every column, every row, the
list notes. ``compare`` says which list and column differ, with the first differing row.
Nothing here is a test: the store is a generated force (``bench/scale.py --keep``).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def ranked_lists(store_path: Path) -> Iterator[tuple[str, pd.DataFrame]]:
    """(name, list) for every list compared, ranked in a fixed order from one loaded store."""
    from graph.embedded import EmbeddedStore
    from harmgraph.context import build_context
    from scoring.lists import PerpetratorList, VictimList, rank_perpetrators, rank_victims

    with EmbeddedStore(store_path) as store:
        latest = build_context(store)
    earlier = replace(latest, as_of=latest.as_of - timedelta(days=30))
    weights = latest.config.weights.model_copy(update={"victims": 3.0})
    reweighted = replace(latest, config=latest.config.model_copy(update={"weights": weights}))
    rankings: list[tuple[str, Callable[[], pd.DataFrame]]] = []
    for label, context in (("latest", latest), ("earlier", earlier)):
        rankings += [(f"{label}-{which.value}", lambda c=context, w=which: rank_perpetrators(c, w))
                     for which in PerpetratorList]
        rankings += [(f"{label}-victims-{which.value}", lambda c=context, w=which: rank_victims(c, w))
                     for which in VictimList]
    rankings.append(("earlier-victims-all-under-18",
                     lambda: rank_victims(earlier, VictimList.MOST_OFFENCES, all_victims=True, under_18=True)))
    rankings.append(("reweighted-overall", lambda: rank_perpetrators(reweighted, PerpetratorList.OVERALL)))
    for name, rank in rankings:
        yield name, rank()


def _with_notes(frame: pd.DataFrame) -> pd.DataFrame:
    """The list's notes (kept in ``attrs``, which parquet does not hold) as a one-column frame."""
    return pd.DataFrame({"note": [*frame.attrs.get("notes", []), *frame.attrs.get("note_heads", [])]})


def save(store_path: Path, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in ranked_lists(store_path):
        frame.to_pickle(folder / f"{name}.pkl")
        _with_notes(frame).to_pickle(folder / f"{name}.notes.pkl")
        print(f"saved {name}: {len(frame)} rows, {len(frame.columns)} columns")


def differences(expected: pd.DataFrame, found: pd.DataFrame) -> list[str]:
    """What differs between two lists, column by column (empty when they are the same)."""
    if list(expected.columns) != list(found.columns):
        return [f"columns differ: {list(expected.columns)} != {list(found.columns)}"]
    if len(expected) != len(found):
        return [f"{len(expected)} rows expected, {len(found)} found"]
    out = []
    for column in expected.columns:
        left, right = expected[column], found[column]
        if left.dtype != right.dtype:
            out.append(f"{column}: dtype {left.dtype} != {right.dtype}")
            continue
        same = (left == right) | (left.isna() & right.isna())
        same = same.fillna(False).to_numpy(dtype=bool)
        if not same.all():
            at = int((~same).argmax())
            out.append(f"{column}: {int((~same).sum())} rows differ, first row {at}: "
                       f"{left.iloc[at]!r} != {right.iloc[at]!r}")
    return out


def compare(store_path: Path, folder: Path) -> int:
    failed = 0
    for name, frame in ranked_lists(store_path):
        found = differences(pd.read_pickle(folder / f"{name}.pkl"), frame)
        found += [f"notes: {line}" for line in differences(pd.read_pickle(folder / f"{name}.notes.pkl"),
                                                            _with_notes(frame))]
        print(f"{name}: " + ("same" if not found else "DIFFERENT"))
        for line in found:
            print(f"    {line}")
        failed += bool(found)
    print("all lists the same" if not failed else f"{failed} lists differ")
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=["save", "compare"])
    parser.add_argument("store", type=Path)
    parser.add_argument("folder", type=Path)
    known = parser.parse_args(argv)
    if known.action == "save":
        save(known.store, known.folder)
        return 0
    return compare(known.store, known.folder)


if __name__ == "__main__":
    raise SystemExit(main())
