"""Evidence commands: back-test the list against later harm, and the fairness report."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated, Optional

import pandas as pd
import typer
from rich.table import Table

from harmgraph.accounts import Account
from harmgraph.context import build_context
from harmgraph.force_scope import region_wide_note
from scoring.learned import Target
from harmgraph.terminal import styled
from harmgraph.cli_common import (CatalogueOption, ConfigOption, DEFAULT_STORE, StoreOption, console, open_store,
                                  out, sign_in, stage_progress, write_private)

ResultsOutputOption = Annotated[Optional[Path], typer.Option("--output", "-o", help="Also write the results as CSV.")]

SHARE_COLUMNS = ("share_", "best_possible_share", "precision_", "recall_")
# Short headers so the back-test table fits an 80-column terminal.
HEADERS = {
    "as_of": "as of", "share_rfgv": "RFGV", "share_learned": "learned", "share_learned_bands": "+bands",
    "share_frequency": "freq only",
    "share_random": "random", "best_possible_share": "hindsight", "lift_vs_frequency": "x freq",
    "lift_vs_random": "x random", "precision_again": "P again", "recall_again": "R again",
    "precision_new_victim": "P new vic", "recall_new_victim": "R new vic",
}


def _cell(column: str, value: object) -> str:
    """Shares as percentages, lifts with one decimal, the rest as text."""
    if isinstance(value, float):
        if pd.isna(value):
            return ""
        if column.startswith(SHARE_COLUMNS):
            return f"{value:.0%}"
        return f"{value:.1f}" if column.startswith("lift") else f"{value:g}"
    return str(value)


def _table(frame: pd.DataFrame, title: str, caption: str = "") -> Table:
    table = Table(title=title, caption=caption)
    for column in frame.columns:
        table.add_column(HEADERS.get(column, column.replace("_", " ")), overflow="fold",
                         no_wrap=column in ("as_of", "cut"))
    for row in frame.itertuples(index=False):
        table.add_row(*(_cell(c, v) for c, v in zip(frame.columns, row)))
    return table


def _say_region_wide(account: Account) -> None:
    """Tell a user of some forces that the figures are the whole store's (force_scope)."""
    if (note := region_wide_note(account)) is not None:
        console.print(styled(("note:", "yellow"), f" {note}"))


def register(app: typer.Typer) -> None:
    """Add the backtest and fairness commands to the CLI."""

    @app.command()
    def backtest(
        store: StoreOption = DEFAULT_STORE,
        as_of: Annotated[Optional[datetime], typer.Option(
            "--as-of", formats=["%Y-%m-%d"],
            help="Latest as-of date to rank on (default: latest incident minus the horizon).")] = None,
        horizon: Annotated[int, typer.Option("--horizon", min=1, help="Days of later harm to measure.")] = 365,
        every_months: Annotated[int, typer.Option("--every-months", min=1,
                                                  help="Months between rolling as-of dates.")] = 6,
        times: Annotated[int, typer.Option("--times", min=1,
                                           help="How many as-of dates (the latest and earlier ones).")] = 1,
        top_k: Annotated[int, typer.Option("--top-k", min=1, help="Also measure the top k.")] = 50,
        learned: Annotated[bool, typer.Option(
            "--learned", help="Also test weights, and bands with weights, learned from earlier windows.")] = False,
        learn_target: Annotated[Target, typer.Option("--learn-target",
                                                     help="harm: Poisson on later harm; again: logistic on harming again.")] = Target.HARM,
        config: ConfigOption = None,
        catalogue: CatalogueOption = None,
        output: ResultsOutputOption = None,
    ) -> None:
        """Rank as of past dates using only data up to each, then measure the harm that followed."""
        from harmgraph.export import to_csv
        from scoring.learned import run_backtest

        with open_store(store) as graph_store:
            who = sign_in(graph_store, "view_list")
            # As of the latest incident: the default back-test date is one horizon before it.
            context = build_context(graph_store, None, config, catalogue)
            graph_store.record_audit(who.label, "backtest", "perpetrators:overall",
                                     f"horizon {horizon} days, {times} date(s), learned {learned}")
        with stage_progress(stages=times + int(learned)) as tell:
            run = run_backtest(context, horizon, every_months, times, top_k, learned, learn_target,
                               last_as_of=as_of.date() if as_of else None, progress=tell)
        results, summary = run.results, run.summary
        incomplete = results.loc[~results["horizon_complete"], "as_of"].unique() if len(results) else []
        caption = (f"Share of all Crime Harm Index days on (as-of, as-of + {horizon} days] caused by the "
                   f"top of each ordering; hindsight = best possible; x = lift of RFGV; P/R = precision/"
                   f"recall of the list. Config {context.config.version} ({context.config.fingerprint()}); "
                   "random = expected value.")
        if len(summary):
            summary = summary.assign(cut=summary["cut"] + " (" + summary["k"].astype(str) + ")")
        people = ["as_of", "cut", "precision_again", "recall_again", "precision_new_victim", "recall_new_victim"]
        learned_shares = ["share_learned", "share_learned_bands"]
        out.print(_table(summary.drop(columns=[*people[2:], *learned_shares, "k"], errors="ignore"),
                         "Back-test: share of later harm caused by the top of the list", caption))
        if learned:
            # Their own table, so the main one still fits an 80-column terminal.
            out.print(_table(summary.reindex(columns=["as_of", "cut", "share_rfgv", *learned_shares,
                                                      "share_frequency", "best_possible_share"]),
                             "Back-test: learned beside the default (share of later harm)",
                             "learned = learned weights on the default bands; +bands = learned bands with "
                             "weights refitted on them; both fitted only on windows that ended by each as-of date."))
        out.print(_table(summary.reindex(columns=people), "Back-test: did the people listed harm again?",
                         "P = precision (share of those listed who did), R = recall (share of all who did "
                         "that the list named); new vic = harmed someone they had not harmed before."))
        if len(incomplete):
            console.print(styled(("note:", "yellow"), f" data ends {context.as_of}; the horizon after {', '.join(incomplete)} "
                          "is not fully observed, so its later harm is understated."))
        _say_region_wide(who)
        if learned:
            weights = run.weights.assign(trained_on=run.weights["trained_on"].str.split(", ").map(
                lambda ds: f"{len(ds)} dates {ds[0]}..{ds[-1]}" if ds != [""] else ""))
            out.print(_table(weights, "Weights: default beside learned"))
            out.print(_table(run.bands, "Bands: default beside learned",
                             "recency <=days:points (first match); others >=value:points (highest match). "
                             "Edges from a regression tree per component on the same earlier windows; "
                             "refitted weights (R F G V) are fitted on the points the learned bands give."))
        if output is not None:
            write_private(output, to_csv(results))
            console.print(f"wrote {output}")

    @app.command()
    def fairness(
        store: StoreOption = DEFAULT_STORE,
        top: Annotated[int, typer.Option("--top", min=1, help="Size of the top of the list compared.")] = 50,
        as_of: Annotated[Optional[datetime], typer.Option(
            "--as-of", formats=["%Y-%m-%d"], help="Rank as of this date (default: latest incident).")] = None,
        config: ConfigOption = None,
        catalogue: CatalogueOption = None,
        output: ResultsOutputOption = None,
    ) -> None:
        """Compare the top of the list with everyone ranked by ethnicity, age band and area."""
        from harmgraph.export import to_csv
        from scoring.fairness import CAVEATS, fairness_report

        with open_store(store) as graph_store:
            who = sign_in(graph_store, "view_list")
            context = build_context(graph_store, as_of.date() if as_of else None, config, catalogue)
            graph_store.record_audit(who.label, "fairness", "perpetrators:overall",
                                     f"top {top} as of {context.as_of}")
        report = fairness_report(context, top)
        shown = ["group", "top_count", "top_share", "top_low", "top_high", "all_count", "all_share",
                 "all_low", "all_high", "ratio"]
        for name, frame in report.items():
            renamed = frame[shown].rename(columns={"top_low": "share_top_low", "top_high": "share_top_high",
                                                   "all_low": "share_all_low", "all_high": "share_all_high",
                                                   "top_share": "share_top", "all_share": "share_all",
                                                   "ratio": "lift_ratio"})
            out.print(_table(renamed, f"{name}: top {top} vs all {int(frame['all_count'].sum())} ranked, "
                                      f"as of {context.as_of}",
                             "shares among recorded values; 95% Wilson intervals; 'not recorded' row: share of everyone"))
        _say_region_wide(who)
        out.rule("Read these figures with care")
        for caveat in CAVEATS:
            out.print(f"- {caveat}")
        if output is not None:
            combined = pd.concat([f.assign(attribute=n) for n, f in report.items()], ignore_index=True)
            write_private(output, to_csv(combined))
            console.print(f"wrote {output}")
