"""Repeat victims: who is harmed most often, and by the most different offenders."""

from __future__ import annotations

import numpy as np
import pandas as pd

from scoring.context import ScoringContext
from scoring.perpetrators import (CHILD_UNDER, ages_at, days_since_last, female_people, incident_rows,
                                  incident_summary, most_serious, sex_recorded)
from scoring.prepared import Prepared, prepared_for


def offenders_of(context: ScoringContext, victim_id: str, prepared: Prepared | None = None) -> pd.DataFrame:
    """Every offender of one victim in the window: ``offender_id, shared_incidents`` (the
    distinct incidents in the window where both were recorded), by offender id.

    >>> from scoring.signals.example import example_context
    >>> offenders_of(example_context(), "P-2").values.tolist()
    [['P-1', 1], ['P-6', 1]]
    """
    prepared = prepared_for(context, prepared)
    index = prepared.index
    victim = index.codes(pd.Series([victim_id], dtype="string"))[0]
    links = prepared.window_links
    mine = links[links["victim"].to_numpy() == victim] if victim >= 0 else links.iloc[:0]
    counts = mine.groupby("person").size()
    return pd.DataFrame({"offender_id": pd.Series(index.ids(counts.index.to_numpy()), dtype="string"),
                         "shared_incidents": counts.to_numpy(dtype=np.int64)})


def score_victims_coded(context: ScoringContext, prepared: Prepared) -> pd.DataFrame:
    """One row per victim in the window, indexed by person code (``prepared``, built for
    ``context``, decodes them): incidents, offences, harm suffered, first_incident, last_incident, high_dash,
    offenders, partner_offenders, family_offenders, most_serious_offence/at, days_since_last,
    female, sex_recorded, age, under_18.

    ``offences`` counts recorded crimes (non-crime domestic incidents are in ``incidents``
    only); ``offenders`` counts distinct people recorded as suspect or offender, and
    ``partner_offenders`` and ``family_offenders`` those of them recorded as the victim's intimate
    partner or as a relative (config ``relationships``; on the suspect's record, else on the
    victim's, as for the perpetrator list).

    >>> from scoring.signals.example import example_prepared
    >>> prepared = example_prepared()
    >>> scored = prepared.decode(score_victims_coded(prepared.context, prepared))
    >>> scored[["person_id", "incidents", "offenders", "partner_offenders", "days_since_last"]]
      person_id  incidents  offenders  partner_offenders  days_since_last
    0       P-2          2          2                  1               20
    1       P-3          2          1                  1               41
    2       P-5          2          1                  1               29
    """
    prepared = prepared_for(context, prepared)
    rows = incident_rows(prepared.window_victims, prepared)
    frame = incident_summary(rows, "offences")
    pairs = prepared.window_offenders
    frame["offenders"] = pairs.groupby("victim").size()
    frame["partner_offenders"] = pairs[pairs["partner"]].groupby("victim").size()
    frame["family_offenders"] = pairs[pairs["family"]].groupby("victim").size()
    counts = ["offenders", "partner_offenders", "family_offenders"]
    frame[counts] = frame[counts].fillna(0).astype("int64")
    frame = frame.join(most_serious(rows, prepared.index).drop(columns="most_serious_incident"))
    frame["days_since_last"] = days_since_last(frame, context.as_of)
    return frame.join(_who(context, prepared, rows))


def _who(context: ScoringContext, prepared: Prepared, rows: pd.DataFrame) -> pd.DataFrame:
    """Per victim: female (config ``female_sex_codes``), sex_recorded, age (whole years at the
    latest incident, NaN without a date of birth) and under_18 (under 18 at any incident)."""
    index = prepared.index
    ages = pd.Series(ages_at(context, index, rows["person"].to_numpy(), rows["row"].to_numpy())).groupby(
        rows["person"].to_numpy())
    people = ages.max().index.to_numpy()
    return pd.DataFrame({"female": female_people(context, index)[people],
                         "sex_recorded": sex_recorded(context, index)[people],
                         "age": ages.max().to_numpy(), "under_18": (ages.min() < CHILD_UNDER).to_numpy()},
                        index=pd.Index(people, name="person"))
