"""Risk markers: offences in a person's record that the risk-assessment literature treats as
warnings of serious harm (non-fatal strangulation, sexual violence, stalking, threats to kill),
and two facts an incident may record: a weapon used or shown, and a victim known to be pregnant
(the optional incident fields ``weapon`` and ``victim_pregnant``; blank reads as not recorded).

Each is one flag: the person was a suspect or offender in such an incident at any time up to
the as-of date (not only in the scoring window: a strangulation four years ago is still a
warning). The reason names how many, the latest and its outcome as recorded. Which offences
count is in the config (``signals.risk_markers``); sexual violence defaults to every offence
the catalogue marks ``sexual``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from core.distinct import sorted_distinct
from scoring.context import ScoringContext
from scoring.index import sorted_places
from scoring.prepared import Prepared
from scoring.reasons import day
from scoring.signals.base import Evidence, RankingData, Rule, Signal, history_of
from scoring.signals.settings import RiskMarkerSettings

MARKERS = ("strangulation", "sexual_violence", "stalking", "threats_to_kill", "weapon", "pregnancy")
# The markers an incident field sets (true on the incident), not an offence.
FIELD_MARKERS = {"weapon": "weapon", "pregnancy": "victim_pregnant"}


def marker_offences(prepared: Prepared, settings: RiskMarkerSettings) -> dict[str, tuple[str, ...]]:
    """The offence keys behind each marker (sexual violence: the catalogue's ``sexual`` offences
    unless the settings list them).

    >>> from scoring.signals.example import example_prepared
    >>> marker_offences(example_prepared(), RiskMarkerSettings())["strangulation"]
    ('strangulation',)
    """
    table = prepared.context.catalogue.table
    sexual = tuple(settings.sexual_violence) or tuple(table.index[table["sexual"].astype(bool)])
    return {"strangulation": tuple(settings.strangulation), "sexual_violence": sexual,
            "stalking": tuple(settings.stalking), "threats_to_kill": tuple(settings.threats_to_kill)}


def marker_incidents(prepared: Prepared, settings: RiskMarkerSettings) -> dict[str, np.ndarray]:
    """Per marker, a bool per incident row: the incident carries it.

    >>> from scoring.signals.example import example_prepared
    >>> found = marker_incidents(example_prepared(), RiskMarkerSettings())
    >>> found["strangulation"].tolist(), bool(found["weapon"].any())  # I-3; no weapon recorded
    ([False, False, True, False, False, False], False)
    """
    index = prepared.index
    found = {marker: index.one_of("offence", offences)
             for marker, offences in marker_offences(prepared, settings).items()}
    for marker, field in FIELD_MARKERS.items():
        found[marker] = index.incidents[field].fillna(False).to_numpy(dtype=bool)
    return found


def _marked(prepared: Prepared, settings: RiskMarkerSettings) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """:func:`marker_incidents`, and per incident row carrying a marker its words, 'Label on
    YYYY-MM-DD (outcome)' (None elsewhere): they depend on the tables and settings alone, so
    they are kept with the tables for every later ranking."""
    context = prepared.context
    key = ("risk_markers", context.catalogue.fingerprint, tuple(context.config.perpetrator_roles),
           settings.model_dump_json())
    found = context.tables.derived.get(key)
    if found is None:
        carried = marker_incidents(prepared, settings)
        index = prepared.index
        rows = np.flatnonzero(np.logical_or.reduce(list(carried.values()))) if carried else np.zeros(0, np.int64)
        incidents = index.incidents
        label = pd.Series(incidents["label"].array.take(rows), dtype=object)
        outcome = pd.Series(incidents["outcome"].array.take(rows), dtype=object).fillna(
            "outcome not recorded").astype(str).str.replace("_", " ")
        words = label.astype(str) + " on " + day(pd.Series(index.occurred[rows])) + " (" + outcome + ")"
        text = np.full(len(incidents), None, dtype=object)
        text[rows] = words.to_numpy(dtype=object)
        found = (carried, text)
        context.tables.derived[key] = found
    return found


def _marker_columns(data: RankingData, rows: pd.DataFrame) -> pd.DataFrame:
    """Per row and marker: ``<marker>_count`` (incidents up to the as-of date) and
    ``<marker>_latest`` ('Label on YYYY-MM-DD (outcome)' of the latest, or None)."""
    prepared = data.prepared
    index = prepared.index
    carried, text = _marked(prepared, data.context.config.signals.risk_markers)
    wanted = rows["person"].to_numpy(np.int64)
    # Worked out over the rows' own people, numbered 0..n-1, not over every person code: a
    # re-rank asks for a few thousand people, and arrays the size of the force cost more
    # than their records.
    asked = sorted_distinct(wanted)
    pairs = history_of(prepared, "perpetrators", pd.Index(asked, name="person"))
    person = sorted_places(asked, pairs["person"].to_numpy(np.int64))
    row = pairs["row"].to_numpy(np.int64)
    wanted = sorted_places(asked, wanted)
    out = {}
    for marker, on in carried.items():
        hit = on[row]
        who, where = person[hit], row[hit]
        # Each person's latest: by time, then incident id (a row orders like its id); the last wins.
        order = np.lexsort((where, index.occurred[where].view(np.int64), who))
        last = order[np.r_[who[order][1:] != who[order][:-1], True]] if len(order) else order
        latest = np.full(len(asked), -1, dtype=np.int64)
        latest[who[last]] = where[last]
        at = latest[wanted]
        said = np.full(len(wanted), np.nan, dtype=object)
        said[at >= 0] = text[at[at >= 0]]
        out[f"{marker}_count"] = np.bincount(who, minlength=len(asked))[wanted].astype("int64")
        out[f"{marker}_latest"] = said
    return pd.DataFrame(out, index=rows.index)


RISK_MARKERS = Evidence("risk_markers", _marker_columns, empty={
    **{f"{m}_count": 0 for m in MARKERS}, **{f"{m}_latest": None for m in MARKERS}}, whole_record=True)


def _reason(marker: str, words: str):  # type: ignore[no-untyped-def]
    def reason(row: Mapping[str, Any], context: ScoringContext, settings: Any) -> str | None:
        count = int(row.get(f"{marker}_count") or 0)
        if not count:
            return None
        times = "1 incident" if count == 1 else f"{count} incidents"
        return f"{words}: {times} up to {context.as_of} as suspect or offender; latest {row.get(f'{marker}_latest')}"
    return reason


def _marker(marker: str, label: str, words: str, description: str) -> Signal:
    return Signal(
        name=marker, label=label, group="risk", always_on=True,
        settings_model=RiskMarkerSettings, settings_key="risk_markers",
        perpetrators=Rule(flag=lambda data, rows, settings: rows[f"{marker}_count"].to_numpy() > 0,
                          reason=_reason(marker, words), needs=(RISK_MARKERS,),
                          description=description + " at any time up to the as-of date (not only in the window)"))


STRANGULATION = _marker("strangulation", "strangulation", "non-fatal strangulation or suffocation",
                        "a non-fatal strangulation or suffocation as suspect or offender")
SEXUAL_VIOLENCE = _marker("sexual_violence", "sexual violence", "sexual violence",
                          "a sexual offence (the catalogue's `sexual` offences) as suspect or offender")
STALKING = _marker("stalking", "stalking", "stalking", "stalking, or breach of a stalking protection order, "
                                                       "as suspect or offender")
THREATS_TO_KILL = _marker("threats_to_kill", "threats to kill", "threats to kill",
                          "threats to kill as suspect or offender")
WEAPON = _marker("weapon", "weapon", "weapon recorded", "an incident recording a weapon used or shown "
                 "(incidents' `weapon`) as suspect or offender")
PREGNANCY = _marker("pregnancy", "victim pregnant", "victim recorded as pregnant",
                    "an incident whose victim was recorded as pregnant (incidents' `victim_pregnant`) "
                    "as suspect or offender")
SIGNALS = (STRANGULATION, SEXUAL_VIOLENCE, STALKING, THREATS_TO_KILL, WEAPON, PREGNANCY)

