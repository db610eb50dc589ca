"""Incidents not counted for a person because the record naming him may be another man's.

Resolution joins a record with no date of birth and no PNC id to a person on name and address
alone. When such a record is the only thing linking the person to a woman (none of his firmly
identified incidents names her), it may belong to a son, brother or namesake at the address:
nothing in the data can tell. Scoring does not count those incidents for him
(:func:`scoring.index.build_index` sets them aside), and this signal says so on his row, with
the incidents, so an analyst can settle it in the review queue (``harmgraph review``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from scoring.context import ScoringContext
from scoring.reasons import day, text_column
from scoring.signals.base import Evidence, RankingData, Rule, Signal


def _set_aside_words(data: RankingData) -> np.ndarray:
    """Per row of :attr:`scoring.index.ScoringIndex.set_aside`: 'Assault on 2026-03-01 against
    Jane DOE' (None where the incident's only victim is the person himself). The words depend on
    the tables alone, so they are kept with them for every later ranking."""
    context = data.context
    key = ("set_aside_words", context.catalogue.fingerprint, tuple(context.config.perpetrator_roles))
    found = context.tables.derived.get(key)
    if found is not None:
        return found
    prepared = data.prepared
    index = prepared.index
    aside = index.set_aside.assign(at=np.arange(len(index.set_aside)))
    victims = index.victims.rename(columns={"person": "victim"})
    named = aside.merge(victims, on="row", how="left")
    named = named[named["victim"].isna() | (named["victim"] != named["person"])]
    held = named["victim"].notna().to_numpy()
    names = pd.Series("no victim recorded", index=named.index, dtype=object)
    names[held] = prepared.names(named.loc[held, "victim"].to_numpy(np.int64)).to_numpy(dtype=object)
    named = named.assign(victim_name=names.to_numpy())
    per_incident = named.groupby(["at"], sort=False)["victim_name"].agg(" and ".join).reset_index()
    at = per_incident["at"].to_numpy()
    row = aside["row"].to_numpy()[at]
    found = np.full(len(aside), None, dtype=object)
    found[at] = (pd.Series(index.incidents["label"].array.take(row), dtype=object).astype(str).to_numpy()
                 + " on " + day(pd.Series(index.occurred[row])).to_numpy(dtype=object)
                 + " against " + per_incident["victim_name"].to_numpy(dtype=object))
    context.tables.derived[key] = found
    return found


def _set_aside_columns(data: RankingData, rows: pd.DataFrame) -> pd.DataFrame:
    """Per row: ``set_aside`` (incidents up to the as-of date not counted for the person) and
    ``set_aside_detail`` ('Assault on 2026-03-01 against Jane DOE; ...', oldest first)."""
    prepared = data.prepared
    index = prepared.index
    aside = index.set_aside
    keep = prepared.in_history[aside["row"].to_numpy()] & aside["person"].isin(rows["person"]).to_numpy()
    if not keep.any():
        return pd.DataFrame({"set_aside": np.zeros(len(rows), dtype="int64"),
                             "set_aside_detail": [None] * len(rows)}, index=rows.index)
    words = _set_aside_words(data)
    keep &= words != None  # noqa: E711 (element-wise: incidents whose only victim is himself say nothing)
    person, row = aside["person"].to_numpy()[keep], aside["row"].to_numpy()[keep]
    per_incident = pd.DataFrame({"person": person, "row": row, "occurred_at": index.occurred[row],
                                 "text": words[keep]}).sort_values(["person", "occurred_at", "row"])
    grouped = per_incident.groupby("person")
    return pd.DataFrame({
        "set_aside": rows["person"].map(grouped.size()).fillna(0).astype("int64").to_numpy(),
        "set_aside_detail": text_column(rows["person"].map(grouped["text"].agg("; ".join)).to_numpy(dtype=object)),
    }, index=rows.index)


SET_ASIDE = Evidence("set_aside", _set_aside_columns, empty={"set_aside": 0, "set_aside_detail": None},
                     whole_record=True)


def _reason(row: Mapping[str, Any], context: ScoringContext, settings: Any) -> str | None:
    count = int(row.get("set_aside") or 0)
    if not count:
        return None
    times = "1 incident" if count == 1 else f"{count} incidents"
    return (f"{times} not counted: recorded against a record of his name and address with no date of birth "
            f"or PNC id, the only link to the woman named, so possibly another man (a son, brother or "
            f"namesake); settle it in the review queue: {row.get('set_aside_detail')}")


SIGNAL = Signal(
    name="identity_to_check", label="identity to check", group="extent", always_on=True,
    short="identity to check",
    perpetrators=Rule(
        flag=lambda data, rows, settings: rows["set_aside"].to_numpy() > 0,
        reason=_reason, needs=(SET_ASIDE,),
        description="incidents not counted because they rest on a record with no date of birth or PNC id "
                    "(joined on name and address alone) and would add a victim none of his firmly "
                    "identified incidents has: possibly another man of the same name at the address"))
