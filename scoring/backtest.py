"""Back-testing: does the list, drawn up as of a past date, name the people who go on to harm?

The method, in order:

1. **Truncate** every table to what was recorded on or before the as-of date D
   (:func:`truncate_tables`) and rank from the truncated tables only. Ranking therefore
   cannot see the future, whatever the scoring code does inside.
2. **Measure** each ranked person's harm on (D, D + horizon] from the full tables
   (:func:`future_outcomes`), with the same harm computation the score uses
   (:func:`scoring.window.with_harm`): Crime Harm Index days of each later incident in which
   they are a suspect or offender. An incident with several perpetrators has its harm split
   equally between them, so per-person harm adds up to the force's total.
3. **Compare** the top 1%, 2%, 5% and top k of three orderings: the RFGV list, a
   frequency-only baseline (most incidents first) and random selection (its expected value,
   so no random numbers are drawn), plus any extra weightings or whole configs supplied
   (learned weights, learned bands).

Known limits are written up in docs/model-card.md (identities and outcomes are as held
today, not as they were on D).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import date

import numpy as np
import pandas as pd

from scoring.config import ScoringConfig, Weights
from scoring.lists import PerpetratorList, rank_perpetrators
from scoring.context import ScoringContext
from core.tables import ScoringTables
from scoring.window import as_of_end, with_harm
from core.arrow_isin import isin

TOP_SHARES: tuple[float, ...] = (0.01, 0.02, 0.05)
METHODS_BASELINE = ("frequency", "random")
METRICS = ("harm_share", "precision_again", "recall_again", "precision_new_victim", "recall_new_victim")


def truncate_tables(tables: ScoringTables, as_of: date) -> ScoringTables:
    """The tables as they stood at the end of ``as_of``: nothing dated later survives.

    Incidents after the day go, with their roles and breaches; measures starting and
    referrals dated later go; custody spells starting later go, and a release after the day is
    not yet known (the spell runs on); persons keep only people who appear in what is left.

    >>> from core.tables import normalise_tables
    >>> t = normalise_tables(
    ...     incidents=pd.DataFrame({"incident_id": ["a", "b"], "occurred_at": ["2024-01-01", "2025-01-01"]}),
    ...     roles=pd.DataFrame({"incident_id": ["a", "b"], "person_id": ["p", "q"], "role": "suspect"}),
    ...     persons=pd.DataFrame({"person_id": ["p", "q"]}), measures=pd.DataFrame(),
    ...     breaches=pd.DataFrame(), referrals=pd.DataFrame())
    >>> cut = truncate_tables(t, date(2024, 6, 30))
    >>> cut.incidents["incident_id"].tolist(), cut.persons["person_id"].tolist()
    (['a'], ['p'])
    """
    end = as_of_end(as_of)
    incidents = tables.incidents[tables.incidents["occurred_at"] <= end]
    kept = set(incidents["incident_id"])
    roles = tables.roles[isin(tables.roles["incident_id"], kept)]
    measures = tables.measures[tables.measures["start_date"] <= end]
    referrals = tables.referrals[tables.referrals["date"] <= end]
    breaches = tables.breaches[isin(tables.breaches["incident_id"], kept)
                               & isin(tables.breaches["measure_id"], set(measures["measure_id"]))]
    people = (set(roles["person_id"]) | set(measures["subject_person_id"].dropna())
              | set(measures["protected_person_id"].dropna()) | set(referrals["person_id"].dropna()))
    persons = tables.persons[isin(tables.persons["person_id"], people)]
    custody = tables.custody[tables.custody["start_date"] <= end].copy()
    custody.loc[custody["released_date"] > end, "released_date"] = pd.NaT
    return ScoringTables(*(frame.reset_index(drop=True) for frame in
                           (incidents, roles, persons, measures, breaches, referrals)),
                         kept_apart=tables.kept_apart, custody=custody.reset_index(drop=True))


def context_as_of(context: ScoringContext, as_of: date) -> ScoringContext:
    """A context for ``as_of`` holding only the truncated tables (what ranking may see).

    >>> from scoring.signals.example import example_context
    >>> past = context_as_of(example_context(), date(2026, 3, 2))
    >>> past.as_of, past.tables.incidents["incident_id"].tolist()
    (datetime.date(2026, 3, 2), ['I-1', 'I-2', 'I-4'])
    """
    return replace(context, tables=truncate_tables(context.tables, as_of), as_of=as_of)


def rank_as_of(context: ScoringContext, as_of: date, weights: Weights | ScoringConfig | None = None) -> pd.DataFrame:
    """The overall list as it would have been drawn up on ``as_of``.

    ``weights`` optionally scores with other weights, or with a whole other config (e.g.
    learned bands and weights); either way only the truncated tables are seen.

    >>> from scoring.config import Weights
    >>> from scoring.signals.example import example_context
    >>> rank_as_of(example_context(), date(2026, 3, 2))[["person_id", "score"]].values.tolist()
    [['P-1', 50.29], ['P-4', 43.66]]
    >>> recency_only = Weights(recency=1, frequency=0, gravity=0, victims=0)
    >>> rank_as_of(example_context(), date(2026, 3, 2), recency_only)["person_id"].tolist()
    ['P-4', 'P-1']
    """
    past = context_as_of(context, as_of)
    if isinstance(weights, ScoringConfig):
        past = replace(past, config=weights)
    elif weights is not None:
        past = replace(past, config=past.config.model_copy(update={"weights": weights}))
    return rank_perpetrators(past, PerpetratorList.OVERALL)


def _perpetrators(context: ScoringContext) -> pd.DataFrame:
    """(incident, person) pairs for every suspect or offender role held."""
    roles = context.tables.roles
    return roles.loc[roles["role"].isin(context.config.perpetrator_roles),
                     ["incident_id", "person_id"]].drop_duplicates()


def _victim_pairs(perps: pd.DataFrame, roles: pd.DataFrame) -> pd.DataFrame:
    """Distinct (perpetrator, victim) pairs of the given perpetrator rows; nobody harms themself."""
    victims = roles.loc[roles["role"] == "victim", ["incident_id", "person_id"]].drop_duplicates()
    pairs = perps[["incident_id", "person_id"]].merge(victims.rename(columns={"person_id": "victim_id"}),
                                                      on="incident_id")
    return pairs.loc[pairs["person_id"] != pairs["victim_id"], ["person_id", "victim_id"]].drop_duplicates()


def future_outcomes(context: ScoringContext, as_of: date, horizon_days: int) -> pd.DataFrame:
    """Per person who offended on (as_of, as_of + horizon]: what they went on to do.

    Columns: person_id, future_harm (CHI days, split between co-perpetrators),
    future_incidents, harmed_again (a later incident with harm above zero), new_victim (harm
    above zero to someone they had no recorded incident with on or before ``as_of``).

    >>> from scoring.signals.example import example_context
    >>> future_outcomes(example_context(), date(2026, 3, 2), 120).values.tolist()
    [['P-1', 365.0, 1, True, False], ['P-4', 10.5, 1, True, False], ['P-6', 3.5, 1, True, True]]
    """
    start = as_of_end(as_of)
    end = start + pd.Timedelta(days=horizon_days)
    incidents = context.tables.incidents
    occurred = incidents["occurred_at"]
    future = with_harm(incidents[(occurred > start) & (occurred <= end)], context.config, context.catalogue)
    perps = _perpetrators(context)
    later = perps.merge(future[["incident_id", "harm_days"]], on="incident_id")
    later["share"] = later["harm_days"] / later.groupby("incident_id")["person_id"].transform("size")
    harmful = later[later["harm_days"] > 0]
    known = _victim_pairs(perps[isin(perps["incident_id"], set(incidents.loc[occurred <= start, "incident_id"]))],
                          context.tables.roles)
    fresh = _victim_pairs(harmful, context.tables.roles).merge(known, how="left", indicator=True)
    grouped = later.groupby("person_id")
    out = pd.DataFrame({"future_harm": grouped["share"].sum(), "future_incidents": grouped.size()})
    out["harmed_again"] = out.index.isin(set(harmful["person_id"]))
    out["new_victim"] = out.index.isin(set(fresh.loc[fresh["_merge"] == "left_only", "person_id"]))
    return out.reset_index(names="person_id")


def cut_sizes(n_ranked: int, top_k: int, shares: Sequence[float] = TOP_SHARES) -> dict[str, int]:
    """How many people each cut takes: top p% rounds up (at least one), top k at most everyone.

    >>> cut_sizes(150, 10)
    {'top 1%': 2, 'top 2%': 3, 'top 5%': 8, 'top 10': 10}
    """
    sizes = {f"top {share * 100:g}%": max(1, int(np.ceil(round(share * n_ranked, 9)))) for share in shares}
    sizes[f"top {top_k}"] = min(top_k, n_ranked)
    return sizes


def frequency_order(ranked: pd.DataFrame) -> pd.Series:
    """Person ids by incidents in the window only (most first, ties by person id): the baseline.

    >>> frequency_order(pd.DataFrame({"person_id": ["a", "b", "c"], "frequency": [1, 3, 1]})).tolist()
    ['b', 'a', 'c']
    """
    ordered = ranked.sort_values(["frequency", "person_id"], ascending=[False, True], kind="stable")
    return ordered["person_id"].reset_index(drop=True)


def hindsight_order(ranked: pd.DataFrame, outcomes: pd.DataFrame) -> pd.Series:
    """The ranked people ordered by the harm they actually went on to cause: the ceiling.

    >>> ranked = pd.DataFrame({"person_id": ["a", "b", "c"]})
    >>> hindsight_order(ranked, pd.DataFrame({"person_id": ["c"], "future_harm": [5.0]})).tolist()
    ['c', 'a', 'b']
    """
    harm = ranked["person_id"].map(outcomes.set_index("person_id")["future_harm"]).fillna(0.0)
    frame = pd.DataFrame({"person_id": ranked["person_id"], "harm": harm})
    ordered = frame.sort_values(["harm", "person_id"], ascending=[False, True], kind="stable")
    return ordered["person_id"].reset_index(drop=True)


def _metrics(order: pd.Series, outcomes: pd.DataFrame, total_harm: float, k: int) -> dict[str, float]:
    """Harm share, precision and recall of the first ``k`` of ``order``."""
    frame = pd.DataFrame({"person_id": order}).merge(outcomes, on="person_id", how="left")
    frame = frame.fillna({"future_harm": 0.0, "harmed_again": False, "new_victim": False})
    top = frame.iloc[:k]
    again, new = frame["harmed_again"].astype(bool), frame["new_victim"].astype(bool)
    return {
        "harm_share": float(top["future_harm"].sum() / total_harm) if total_harm else float("nan"),
        "precision_again": float(again.iloc[:k].mean()),
        "recall_again": float(again.iloc[:k].sum() / again.sum()) if again.any() else float("nan"),
        "precision_new_victim": float(new.iloc[:k].mean()),
        "recall_new_victim": float(new.iloc[:k].sum() / new.sum()) if new.any() else float("nan"),
    }


def _random_metrics(order: pd.Series, outcomes: pd.DataFrame, total_harm: float, k: int) -> dict[str, float]:
    """Expected metrics of ``k`` people drawn at random from the ranked: linear in k/N."""
    everyone = _metrics(order, outcomes, total_harm, len(order))
    fraction = k / len(order)
    return {
        "harm_share": everyone["harm_share"] * fraction,
        "precision_again": everyone["precision_again"],
        "recall_again": fraction if not np.isnan(everyone["recall_again"]) else float("nan"),
        "precision_new_victim": everyone["precision_new_victim"],
        "recall_new_victim": fraction if not np.isnan(everyone["recall_new_victim"]) else float("nan"),
    }


def backtest_once(context: ScoringContext, as_of: date, horizon_days: int = 365, top_k: int = 50,
                  extra_weights: Mapping[str, Weights | ScoringConfig] | None = None) -> pd.DataFrame:
    """One as-of date: one row per (method, cut) with harm share, precision, recall and lifts.

    Methods: ``rfgv`` (the list), ``frequency``, ``random`` (expected value) and one per entry
    of ``extra_weights`` (other weights, or a whole config such as learned bands and weights). ``lift_vs_frequency`` and ``lift_vs_random`` divide harm share by
    the baseline's. ``ranked_harm_share`` is the share of all future harm caused by anyone on
    the list at all; ``best_possible_share`` what the same number of people would take with
    perfect hindsight (the ceiling for any ordering of the list).

    >>> from scoring.signals.example import example_context
    >>> results = backtest_once(example_context(), date(2026, 3, 2), horizon_days=120, top_k=1)
    >>> top = results[results["cut"] == "top 1"].set_index("method")
    >>> top["harm_share"].round(3).to_dict(), round(float(top.loc["rfgv", "lift_vs_random"]), 2)
    ({'rfgv': 0.963, 'frequency': 0.963, 'random': 0.495}, 1.94)
    """
    ranked = rank_as_of(context, as_of)
    outcomes = future_outcomes(context, as_of, horizon_days)
    total_harm = float(outcomes["future_harm"].sum())
    orders: dict[str, pd.Series] = {"rfgv": ranked["person_id"], "frequency": frequency_order(ranked)}
    for name, weights in (extra_weights or {}).items():
        orders[name] = rank_as_of(context, as_of, weights)["person_id"]
    rows = []
    for cut, k in cut_sizes(len(ranked), top_k).items() if len(ranked) else []:
        for name, order in orders.items():
            rows.append({"method": name, "cut": cut, "k": k, **_metrics(order, outcomes, total_harm, k)})
        rows.append({"method": "random", "cut": cut, "k": k,
                     **_random_metrics(orders["rfgv"], outcomes, total_harm, k)})
    frame = pd.DataFrame(rows, columns=["method", "cut", "k", *METRICS])
    baseline = frame[frame["method"].isin(METHODS_BASELINE)].pivot(index="cut", columns="method",
                                                                   values="harm_share")
    with np.errstate(divide="ignore", invalid="ignore"):
        for name in METHODS_BASELINE:
            lift = frame["harm_share"] / frame["cut"].map(baseline[name]) if len(frame) else frame["harm_share"]
            frame[f"lift_vs_{name}"] = lift.replace([np.inf, -np.inf], np.nan)
    ranked_harm = _metrics(ranked["person_id"], outcomes, total_harm, len(ranked))["harm_share"] if len(ranked) else 0.0
    hindsight = hindsight_order(ranked, outcomes)
    frame["best_possible_share"] = [_metrics(hindsight, outcomes, total_harm, k)["harm_share"] for k in frame["k"]]
    latest = context.tables.incidents["occurred_at"].max()
    frame.insert(0, "as_of", as_of.isoformat())
    frame.insert(1, "horizon_days", horizon_days)
    frame.insert(2, "ranked", len(ranked))
    return frame.assign(ranked_harm_share=ranked_harm, future_harm_total=total_harm,
                        horizon_complete=bool(pd.notna(latest) and latest >= as_of_end(as_of)
                                              + pd.Timedelta(days=horizon_days) - pd.Timedelta(days=1)))


def default_backtest_as_of(data_end: date, horizon_days: int) -> date:
    """The latest as-of date whose whole horizon is held by data ending on ``data_end``: the
    default (latest) back-test date, one horizon before the edge of what may be known.

    >>> default_backtest_as_of(date(2026, 6, 30), 365)
    datetime.date(2025, 6, 30)
    """
    return (pd.Timestamp(data_end) - pd.Timedelta(days=horizon_days)).date()


def rolling_dates(latest: date, every_months: int, times: int) -> list[date]:
    """``times`` as-of dates, ``every_months`` apart, ending with ``latest`` (oldest first).

    >>> rolling_dates(date(2025, 6, 30), 6, 3)
    [datetime.date(2024, 6, 30), datetime.date(2024, 12, 30), datetime.date(2025, 6, 30)]
    """
    stamps = [pd.Timestamp(latest) - pd.DateOffset(months=every_months * i) for i in range(times)]
    return sorted(stamp.date() for stamp in stamps)


def backtest(context: ScoringContext, as_ofs: Sequence[date], horizon_days: int = 365, top_k: int = 50,
             weights_for: Callable[[date], Mapping[str, Weights]] | None = None,
             progress: Callable[[str], None] | None = None,
             config_for: Callable[[date], Mapping[str, ScoringConfig]] | None = None) -> pd.DataFrame:
    """Back-test at each date in ``as_ofs`` and stack the results (oldest first).

    ``weights_for(as_of)`` may give extra weightings to test beside the defaults (e.g. weights
    learned only from windows that ended by ``as_of``); ``config_for(as_of)`` whole configs
    (e.g. learned bands with weights refitted on them). Both map a method name to its setting.

    >>> from scoring.signals.example import example_context
    >>> results = backtest(example_context(), [date(2026, 3, 2), date(2026, 1, 1)], 120, top_k=1)
    >>> results[["as_of", "ranked", "horizon_complete"]].drop_duplicates().values.tolist()
    [['2026-01-01', 1, True], ['2026-03-02', 2, False]]
    """
    frames = []
    for as_of in sorted(as_ofs):
        if progress:
            progress(f"back-testing as of {as_of}")
        extra: dict[str, Weights | ScoringConfig] = {**(weights_for(as_of) if weights_for else {}),
                                                     **(config_for(as_of) if config_for else {})}
        frames.append(backtest_once(context, as_of, horizon_days, top_k, extra or None))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def summary_table(results: pd.DataFrame) -> pd.DataFrame:
    """One row per (as-of, cut): harm share of each method side by side, the list's lifts,
    precision and recall, and the hindsight ceiling (for printing and charts).

    >>> rows = pd.DataFrame({"as_of": "2025-01-01", "cut": "top 1%", "k": 1,
    ...     "method": ["rfgv", "frequency", "random"], "harm_share": [0.5, 0.25, 0.1],
    ...     "lift_vs_frequency": [2.0, 1.0, 0.4], "lift_vs_random": [5.0, 2.5, 1.0],
    ...     "precision_again": 1.0, "recall_again": 0.5, "precision_new_victim": 0.0,
    ...     "recall_new_victim": 0.0, "best_possible_share": 0.9})
    >>> summary_table(rows)[["share_rfgv", "share_frequency", "lift_vs_random"]].to_dict("records")
    [{'share_rfgv': 0.5, 'share_frequency': 0.25, 'lift_vs_random': 5.0}]
    """
    if results.empty:
        return pd.DataFrame()
    keys = ["as_of", "cut", "k"]
    order = pd.MultiIndex.from_frame(results[keys].drop_duplicates())
    shares = results.set_index([*keys, "method"])["harm_share"].unstack("method").reindex(order)
    methods = ["rfgv", *[m for m in shares.columns if m not in ("rfgv", "frequency", "random")],
               "frequency", "random"]
    wide = shares[methods].add_prefix("share_")
    listed = results[results["method"] == "rfgv"].set_index(keys)
    columns = ["best_possible_share", "lift_vs_frequency", "lift_vs_random", "precision_again",
               "recall_again", "precision_new_victim", "recall_new_victim"]
    return wide.join(listed[columns]).reset_index().rename_axis(columns=None)
