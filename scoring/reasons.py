"""Plain-English sentences a MATAC chair can read out: why each person is on a list."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from scoring.catalogue import OffenceCatalogue


def plural(count: pd.Series, singular: str, plural_form: str | None = None) -> pd.Series:
    """'1 incident', '3 incidents' for each count.

    >>> plural(pd.Series([1, 3]), "incident").tolist()
    ['1 incident', '3 incidents']
    """
    many = plural_form or singular + "s"
    words = np.where(count.to_numpy() == 1, singular, many)
    return count.astype("int64").astype(str) + " " + pd.Series(words, index=count.index)


def _per_value(values: pd.Series, phrase: Callable[[pd.Series], pd.Series]) -> np.ndarray:
    """``phrase(values)`` worked out once per distinct value (spans repeat a lot)."""
    distinct, which = np.unique(values.to_numpy(), return_inverse=True)
    return np.asarray(phrase(pd.Series(distinct)).to_numpy(dtype=object))[which.reshape(-1)]


def once_per_distinct(facts: pd.DataFrame, sentence: Callable[[pd.DataFrame], pd.Series]) -> np.ndarray:
    """``sentence(facts)`` as an object array, worked out once per distinct row of ``facts``
    (integer columns). Most people share a handful of sentences ("charged on 0 occasions..."),
    and building a sentence for each of 150,000 rows costs far more than looking it up.

    >>> once_per_distinct(pd.DataFrame({"n": [2, 1, 2]}), lambda f: "n=" + f["n"].astype(str)).tolist()
    ['n=2', 'n=1', 'n=2']
    """
    distinct, which = np.unique(facts.to_numpy(dtype=np.int64), axis=0, return_inverse=True)
    texts = sentence(pd.DataFrame(distinct, columns=facts.columns))
    return np.asarray(pd.Series(texts).to_numpy(dtype=object))[which.reshape(-1)]


def _months_phrase(months: pd.Series) -> pd.Series:
    """'over 14 months' / 'over 2 years 3 months' for one month or more."""
    years, rest = months // 12, months % 12
    long_form = plural(years, "year") + np.where(rest > 0, " " + plural(rest, "month"), "")
    return pd.Series(np.where(months >= 24, "over " + long_form, "over " + plural(months, "month")))


def span_phrase(first: pd.Series, last: pd.Series) -> pd.Series:
    """'on 2026-03-02' for one day, else 'over 14 months' / 'over 2 years 3 months'.

    >>> first = pd.to_datetime(pd.Series(["2025-01-10", "2024-01-01", "2021-01-01"]))
    >>> last = pd.to_datetime(pd.Series(["2025-01-10", "2025-03-01", "2023-04-15"]))
    >>> span_phrase(first, last).tolist()
    ['on 2025-01-10', 'over 14 months', 'over 2 years 3 months']
    """
    months = ((last.dt.year - first.dt.year) * 12 + (last.dt.month - first.dt.month)
              - (last.dt.day < first.dt.day).astype(int)).clip(lower=0)
    within = _per_value((last - first).dt.days + 1, lambda days: "within " + plural(days, "day"))
    text = np.where(months >= 1, _per_value(months, _months_phrase), within)
    same_day = first.dt.normalize() == last.dt.normalize()
    return pd.Series(np.where(same_day, "on " + first.dt.strftime("%Y-%m-%d"), text), index=first.index)


def day(values: pd.Series) -> pd.Series:
    """Dates as 'YYYY-MM-DD' text ('' when missing)."""
    return values.dt.strftime("%Y-%m-%d").fillna("")


def recency_phrase(days: pd.Series) -> pd.Series:
    """'last incident 12 days before the as-of date' (or 'on the as-of date')."""
    return pd.Series(np.where(days == 0, "last incident on the as-of date",
                              "last incident " + plural(days, "day") + " before the as-of date"),
                     index=days.index)


def most_serious_phrase(offences: pd.Series, when: pd.Series, catalogue: OffenceCatalogue) -> pd.Series:
    """'most serious: Assault occasioning ABH (s47) on 2026-03-02'."""
    labels = offences.map(catalogue.table["label"]).fillna(offences)
    return "most serious: " + labels + " on " + when.dt.strftime("%Y-%m-%d")


def perpetrator_reasons(scored: pd.DataFrame, catalogue: OffenceCatalogue) -> pd.Series:
    """The sentence behind each perpetrator's score."""
    victims = plural(scored["victims"], "victim")
    women = np.where(scored["victims"] > 0,
                     " (" + plural(scored["female_victims"], "woman or girl", "women or girls") + ")", "")
    victims = np.where(scored["victims"] > 0, "against " + victims + women, "with no victim recorded")
    return (plural(scored["incidents"], "incident") + " " + victims + " "
            + span_phrase(scored["first_incident"], scored["last_incident"]) + "; "
            + most_serious_phrase(scored["most_serious_offence"], scored["most_serious_at"], catalogue)
            + "; " + recency_phrase(scored["days_since_last"])
            + "; outcomes: " + scored["outcomes"].fillna("none recorded") + ".")


def victim_reasons(scored: pd.DataFrame, catalogue: OffenceCatalogue) -> pd.Series:
    """The sentence behind each repeat victim's place on the list."""
    offenders = plural(scored["offenders"], "different offender")
    partners = np.where(scored["partner_offenders"] > 0,
                        " (" + scored["partner_offenders"].astype(str) + " partner or ex-partner)", "")
    named = np.where(scored["offender_ranks"].fillna("") != "",
                     "; offenders: " + scored["offender_ranks"].fillna(""), "")
    return (plural(scored["incidents"], "incident") + " (" + plural(scored["offences"], "recorded offence")
            + ") by " + offenders + partners + " "
            + span_phrase(scored["first_incident"], scored["last_incident"]) + "; "
            + most_serious_phrase(scored["most_serious_offence"], scored["most_serious_at"], catalogue)
            + "; " + recency_phrase(scored["days_since_last"]) + named + ".")
