"""How well the offender list separates people and how much its flags say, on generated forces.

    .venv/bin/python bench/list_quality.py                 # the demo force and two it was not tuned on
    .venv/bin/python bench/list_quality.py --backtest      # also the back-test of three scorings
    .venv/bin/python -m bench list-quality --people 5000   # smaller, quicker

Each force is generated (``synth.generate.generate_force``) and loaded as ``harmgraph demo``
loads it (entity resolution included), then ranked as of its latest incident. Printed per force:

* **distinct scores in the top 100** (target at least 90): people a panel compares should not
  tie by accident;
* **share of the top 100 carrying each flag** (target: none above 50%): a flag on nearly
  everyone tells a chair nothing; such a fact belongs in the list's notes, said once;
* **flags a row in the top 20** (target at most 4 on average).

With ``--backtest``, for the demo force and the force whose harm does not follow frequency:
the share of next-year harm carried by the top 2% under the graded scoring (the default), the
classic banded RFGV matrix and frequency alone, at three as-of dates six months apart.

The forces: the demo (20,000 people, seed 7: the one the weights were chosen on), seed 11
with the same settings, and seed 23 with ``harm_follows_frequency=False`` (how gravely a
person offends drawn apart from how often).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from graph.embedded import EmbeddedStore  # noqa: E402
from harmgraph.context import build_context  # noqa: E402
from scoring.backtest import backtest_once, default_backtest_as_of, rolling_dates  # noqa: E402
from scoring.config import classic_banded  # noqa: E402
from scoring.context import ScoringContext  # noqa: E402
from scoring.lists import PerpetratorList, list_notes, rank_perpetrators  # noqa: E402


@dataclass(frozen=True)
class ForceSetting:
    name: str
    seed: int
    harm_follows_frequency: bool = True


FORCES = (ForceSetting("demo (seed 7; tuned on)", 7), ForceSetting("seed 11", 11),
          ForceSetting("seed 23, harm apart from frequency", 23, harm_follows_frequency=False))


def load_force(setting: ForceSetting, people: int, folder: Path) -> ScoringContext:
    """Generate and load one force; its context as of the latest incident."""
    from bench.loading import load_folder
    from synth.generate import generate_force

    force, store_path = folder / f"force-{setting.seed}", folder / f"store-{setting.seed}.duckdb"
    generate_force(force, people=people, seed=setting.seed, harm_follows_frequency=setting.harm_follows_frequency)
    load_folder(force, store_path)
    with EmbeddedStore(store_path) as store:
        return build_context(store)


def flag_shares(ranked: pd.DataFrame, top: int = 100) -> pd.Series:
    """Share of the first ``top`` rows carrying each flag (largest first)."""
    head = ranked.head(top)
    flags = head["flags"].fillna("").str.split(";").explode()
    flags = flags[flags != ""]
    return (flags.value_counts() / len(head)).round(3)


def list_figures(context: ScoringContext) -> dict[str, object]:
    """The list-quality figures of one force."""
    started = time.perf_counter()
    ranked = rank_perpetrators(context, PerpetratorList.OVERALL)
    seconds = time.perf_counter() - started
    shares = flag_shares(ranked)
    top20 = ranked.head(20)["flags"].fillna("")
    per_row = top20.map(lambda text: len([f for f in text.split(";") if f]))
    return {
        "ranked": len(ranked), "rank_seconds": round(seconds, 2),
        "distinct_scores_top100": int(ranked.head(100)["score"].nunique()),
        "top_score": float(ranked["score"].iloc[0]) if len(ranked) else float("nan"),
        "score_100th": float(ranked["score"].iloc[min(99, len(ranked) - 1)]) if len(ranked) else float("nan"),
        "most_common_flag_share": float(shares.iloc[0]) if len(shares) else 0.0,
        "flags_per_row_top20": round(float(per_row.mean()), 2),
        "shares": shares,
        "notes": list_notes(ranked),
    }


def backtest_figures(context: ScoringContext) -> pd.DataFrame:
    """Top 2% share of next-year harm: graded (default), classic banded, frequency only."""
    last = default_backtest_as_of(context.as_of, 365)
    rows = []
    for as_of in rolling_dates(last, 6, 3):
        results = backtest_once(context, as_of, 365, 50, {"rfgv_banded": classic_banded(context.config)})
        top = results[results["cut"] == "top 2%"].set_index("method")["harm_share"]
        rows.append({"as_of": as_of.isoformat(), "graded (default)": top["rfgv"],
                     "banded (classic)": top["rfgv_banded"], "frequency only": top["frequency"],
                     "random": top["random"]})
    frame = pd.DataFrame(rows)
    return pd.concat([frame, frame.drop(columns="as_of").mean().to_frame().T.assign(as_of="mean")],
                     ignore_index=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=20_000)
    parser.add_argument("--backtest", action="store_true", help="Also back-test three scorings.")
    parser.add_argument("--keep", type=Path, help="Keep the forces and stores in this folder.")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="list_quality_") as scratch:
        folder = args.keep or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        for setting in FORCES:
            started = time.perf_counter()
            context = load_force(setting, args.people, folder)
            figures = list_figures(context)
            print(f"\n== {setting.name}: {args.people:,} people, as of {context.as_of}, {figures['ranked']:,} ranked "
                  f"(generated and loaded in {time.perf_counter() - started:.0f} s; ranked in "
                  f"{figures['rank_seconds']} s)")
            print(f"distinct scores in the top 100: {figures['distinct_scores_top100']} (target >= 90); "
                  f"scores {figures['top_score']:.2f} (1st) to {figures['score_100th']:.2f} (100th)")
            print(f"most common flag on the top 100: {figures['most_common_flag_share']:.0%} of rows (target <= 50%)")
            print(f"flags a row in the top 20: {figures['flags_per_row_top20']} (target <= 4)")
            print("share of the top 100 carrying each flag:")
            for flag, share in figures["shares"].items():
                print(f"  {flag:<28} {share:.0%}")
            for note in figures["notes"]:
                print(f"list note: {note}")
            if args.backtest and setting.seed in (7, 23):
                print("top 2% share of next-year harm:")
                print(backtest_figures(context).round(3).to_string(index=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
