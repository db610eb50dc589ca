"""Fairness report: who is in the top of the list, against who is among all perpetrators.

Ethnicity, age and area are **never** scoring inputs. They are read here only to ask whether
the list, which scores recorded behaviour, over- or under-selects any group compared with the
pool it selects from (everyone ranked as of the date). Each share carries a 95% Wilson
interval, because a top 50 is a small sample and a gap can be chance.

A difference is a prompt to look, not proof of bias: the pool itself reflects who is reported,
recorded and policed, which this report cannot see.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from scoring.lists import PerpetratorList, rank_perpetrators
from scoring.context import ScoringContext

Z_95 = 1.959963984540054
NOT_RECORDED = "not recorded"
# 2011/2021 census ethnicity codes (as on the PNC / 18+1) grouped by their letter.
ETHNIC_GROUPS = {"A": "Asian", "B": "Black", "M": "Mixed", "O": "Other", "W": "White"}
AGE_EDGES = (0, 18, 25, 35, 45, 55, 200)
AGE_LABELS = ("under 18", "18-24", "25-34", "35-44", "45-54", "55 and over")

CAVEATS: tuple[str, ...] = (
    "Ethnicity, age and area are not used to score anyone; they are shown only to check the list.",
    "The comparison is with everyone ranked (all suspects and offenders in the window), not with "
    "the population: that pool already reflects who is reported, recorded and policed.",
    "Shares are among people whose value is recorded. Ethnicity is often missing (35-50% in "
    "police data), and if it is missing more for some groups the shares are skewed.",
    "Intervals are 95% Wilson intervals. When the top-k and all-ranked intervals overlap, the gap "
    "may well be chance; with a small top k most gaps are.",
    "Postcode district can stand in for ethnicity or deprivation; an area that is over-represented "
    "deserves a look at how incidents there are recorded, not only at the people named.",
    "A representation ratio above 1 means the group is more common in the top k than in the pool. "
    "It does not by itself show unfairness: the score follows recorded harm, and recorded harm "
    "may differ between groups for reasons both real and of recording.",
)


def wilson_interval(successes: np.ndarray | pd.Series, trials: np.ndarray | pd.Series,
                    z: float = Z_95) -> tuple[np.ndarray, np.ndarray]:
    """95% Wilson score interval for a proportion (NaN where there are no trials).

    Better than the normal approximation for small counts and shares near 0 or 1.

    >>> low, high = wilson_interval(np.array([5]), np.array([10]))
    >>> round(float(low[0]), 3), round(float(high[0]), 3)
    (0.237, 0.763)
    """
    k = np.asarray(successes, dtype="float64")
    n = np.asarray(trials, dtype="float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        p = k / n
        centre = (p + z * z / (2 * n)) / (1 + z * z / n)
        half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return np.clip(centre - half, 0, 1), np.clip(centre + half, 0, 1)


def postcode_district(postcodes: pd.Series) -> pd.Series:
    """The outward code (district) of a UK postcode, e.g. 'NE1' from 'NE1 4ST' or 'TS230LN'.

    >>> postcode_district(pd.Series(["NE1 4ST", "TS230LN", None, "x"])).tolist()
    ['NE1', 'TS23', 'not recorded', 'not recorded']
    """
    compact = postcodes.astype("string").str.replace(r"\s+", "", regex=True).str.upper()
    valid = compact.str.fullmatch(r"[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}").fillna(False).astype(bool)
    return compact.str[:-3].where(valid, NOT_RECORDED).astype(object)


def ethnic_group(codes: pd.Series) -> pd.Series:
    """Broad group from an ethnicity code ('W1' -> 'White'); blanks and unknowns 'not recorded'.

    Broad groups, not the 18 codes, so each group has enough people for an interval to mean
    something.

    >>> ethnic_group(pd.Series(["W1", "a2", None, "NS"])).tolist()
    ['White', 'Asian', 'not recorded', 'not recorded']
    """
    letter = codes.astype("string").str.strip().str.upper().str[:1]
    groups = letter.map(ETHNIC_GROUPS).astype(object)
    return groups.where(pd.notna(groups), NOT_RECORDED)


def age_band(dates_of_birth: pd.Series, as_of: date) -> pd.Series:
    """Age band on ``as_of`` (whole years); unknown or impossible dates 'not recorded'.

    >>> age_band(pd.Series(pd.to_datetime(["2000-07-01", "1960-01-01", None])), date(2025, 6, 30)).tolist()
    ['18-24', '55 and over', 'not recorded']
    """
    born = pd.to_datetime(dates_of_birth)
    on = pd.Timestamp(as_of)
    before_birthday = (born.dt.month > on.month) | ((born.dt.month == on.month) & (born.dt.day > on.day))
    years = on.year - born.dt.year - before_birthday.astype("Int64")
    bands = pd.cut(years.astype("float64"), bins=list(AGE_EDGES), labels=list(AGE_LABELS), right=False)
    return bands.astype(object).where(bands.notna(), NOT_RECORDED)


def representation(groups: pd.Series, in_top: pd.Series) -> pd.DataFrame:
    """Per group: count and share (with 95% Wilson interval) in the top k and among everyone.

    Shares are among people whose value is recorded; the 'not recorded' row shows how many
    that leaves out (its shares are of everyone). ``ratio`` = top share / overall share.

    >>> out = representation(pd.Series(["a", "a", "b", "b"]), pd.Series([True, True, False, False]))
    >>> out[["group", "top_count", "top_share", "all_share", "ratio"]].to_dict("records")
    [{'group': 'a', 'top_count': 2, 'top_share': 1.0, 'all_share': 0.5, 'ratio': 2.0}, \
{'group': 'b', 'top_count': 0, 'top_share': 0.0, 'all_share': 0.5, 'ratio': 0.0}]
    """
    frame = pd.DataFrame({"group": groups.to_numpy(), "top": in_top.to_numpy(dtype=bool)})
    counts = frame.groupby("group")["top"].agg(top_count="sum", all_count="size")
    recorded = counts.drop(index=NOT_RECORDED, errors="ignore")
    top_n, all_n = int(recorded["top_count"].sum()), int(recorded["all_count"].sum())
    out = recorded.sort_values(["all_count", "top_count"], ascending=False).reset_index()
    out["top_n"], out["all_n"] = top_n, all_n
    if NOT_RECORDED in counts.index:
        missing = counts.loc[NOT_RECORDED]
        out = pd.concat([out, pd.DataFrame([{
            "group": NOT_RECORDED, "top_count": missing["top_count"], "all_count": missing["all_count"],
            "top_n": int(frame["top"].sum()), "all_n": len(frame)}])], ignore_index=True)
    out[["top_count", "all_count"]] = out[["top_count", "all_count"]].astype("int64")
    for side in ("top", "all"):
        with np.errstate(divide="ignore", invalid="ignore"):
            out[f"{side}_share"] = out[f"{side}_count"] / out[f"{side}_n"]
        out[f"{side}_low"], out[f"{side}_high"] = wilson_interval(out[f"{side}_count"], out[f"{side}_n"])
    with np.errstate(divide="ignore", invalid="ignore"):
        out["ratio"] = (out["top_share"] / out["all_share"]).replace([np.inf, -np.inf], np.nan)
    out["overlap"] = (out["top_low"] <= out["all_high"]) & (out["all_low"] <= out["top_high"])
    return out[["group", "top_count", "top_n", "top_share", "top_low", "top_high", "all_count", "all_n",
                "all_share", "all_low", "all_high", "ratio", "overlap"]]


OTHER_DISTRICTS = "other districts"


def area_groups(districts: pd.Series, keep: int) -> pd.Series:
    """Name the ``keep`` largest districts of the whole pool; lump every other district together.

    The groups are fixed from the sizes of the districts among **everyone ranked**, never from
    who is in the top k: choosing them by the top k (keeping every district with someone in
    it) would leave 'other districts' with no one in the top and every district shown with a
    ratio above 1, by construction. Ties in size are broken by district name, so the groups
    are the same whatever the top k; 'not recorded' stays its own group.

    >>> area_groups(pd.Series(["b", "b", "a", "a", "c", "not recorded"]), 2).tolist()
    ['b', 'b', 'a', 'a', 'other districts', 'not recorded']
    >>> area_groups(pd.Series(["c", "a", "b"]), 1).tolist()
    ['other districts', 'a', 'other districts']
    """
    recorded = districts[districts != NOT_RECORDED]
    sizes = recorded.value_counts().rename_axis("district").reset_index(name="size")
    largest = sizes.sort_values(["size", "district"], ascending=[False, True], kind="stable").head(keep)
    shown = districts.isin(set(largest["district"])) | (districts == NOT_RECORDED)
    return districts.where(shown, OTHER_DISTRICTS)


def fairness_report(context: ScoringContext, top_k: int = 50,
                    max_areas: int | None = None) -> dict[str, pd.DataFrame]:
    """Ethnicity, age band and postcode district: top ``top_k`` of the overall list vs everyone ranked.

    Returns {"ethnicity": ..., "age": ..., "area": ...}, each from :func:`representation`.
    Areas are the ``max_areas`` largest districts among everyone ranked (default: the
    config's ``fairness.areas``) and 'other districts' for the rest (:func:`area_groups`),
    chosen without looking at the top k.

    >>> from scoring.signals.example import example_context
    >>> report = fairness_report(example_context(), top_k=1)
    >>> {name: frame[["group", "top_count", "all_count"]].values.tolist() for name, frame in report.items()}
    {'ethnicity': [['not recorded', 1, 3]], 'age': [['not recorded', 1, 3]], 'area': [['not recorded', 1, 3]]}
    """
    keep = context.config.fairness.areas if max_areas is None else max_areas
    ranked = rank_perpetrators(context, PerpetratorList.OVERALL)[["rank", "person_id"]]
    people = ranked.merge(context.tables.persons[["person_id", "ethnicity", "date_of_birth", "postcode"]],
                          on="person_id", how="left")
    in_top = people["rank"] <= top_k
    return {
        "ethnicity": representation(ethnic_group(people["ethnicity"]), in_top),
        "age": representation(age_band(people["date_of_birth"], context.as_of), in_top),
        "area": representation(area_groups(postcode_district(people["postcode"]), keep), in_top),
    }
