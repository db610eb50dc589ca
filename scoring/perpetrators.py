"""RFGV: recency, frequency, gravity and victims for every perpetrator, as of a date."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from core.distinct import first_per_group, marked_codes, sorted_distinct
from scoring.bands import count_points, graded_count_points, graded_recency_points, recency_points
from scoring.config import RFGV, ScoringConfig
from scoring.context import ScoringContext
from scoring.custody import custody_days_since
from scoring.index import ScoringIndex
from scoring.prepared import Prepared, prepared_for
from scoring.reasons import once_per_distinct_text
from scoring.window import window_start


# Outcomes grouped the way the evidence shows them: allegation, charge and conviction apart.
OUTCOME_GROUPS = {
    "convicted": "convicted",
    "caution": "cautioned",
    "charged": "charged",
    "outcome_15": "outcome 15/16",
    "outcome_16": "outcome 15/16",
    "under_investigation": "under investigation",
    "nfa": "no further action",
    "acquitted": "acquitted",
    "other": "other outcome",
}


# A child in England and Wales is under 18 (Children Act 1989 s105): a woman or girl younger
# than this on the day of an incident, by her recorded date of birth, was a girl then.
CHILD_UNDER = 18
# Distinct victims of each perpetrator in the window: all, women and girls (config
# female_sex_codes), girls (under CHILD_UNDER at an incident), victims whose sex is not
# recorded (counted in neither), intimate partners and relatives (config relationships).
VICTIM_COUNTS = ("victims", "female_victims", "girl_victims", "sex_unknown_victims", "partner_victims",
                 "family_victims", "victim_records", "doubtful")


def component_points(frame: pd.DataFrame, config: ScoringConfig, as_of: date) -> pd.DataFrame:
    """The four ``*_points`` of each row (``days_since_last``, ``incidents``, ``harm``,
    ``victims``) under ``config.points`` (graded or banded), and ``score``: the weighted points
    over the top bands' weighted points, x 100, to two decimals. Recency reads
    ``days_at_liberty`` instead of ``days_since_last`` where the rows carry it (days in custody
    since the last incident left out, :mod:`scoring.custody`).

    >>> from scoring.config import load_config
    >>> config = load_config()
    >>> frame = pd.DataFrame({"days_since_last": [5, 5], "incidents": [8, 64], "harm": [1460.0, 1460.0],
    ...                       "victims": [4, 4]})
    >>> component_points(frame, config, date(2026, 6, 30))[["frequency_points", "score"]].values.tolist()
    [[5.0, 100.0], [8.0, 112.0]]
    >>> banded = config.model_copy(update={"points": config.points.model_copy(update={"style": "banded"})})
    >>> component_points(frame, banded, date(2026, 6, 30))["score"].tolist()  # the step matrix ties them
    [100.0, 100.0]
    """
    frame = frame.copy()
    quiet_days = frame["days_at_liberty"] if "days_at_liberty" in frame else frame["days_since_last"]
    if config.points.style == "graded":
        window_days = (pd.Timestamp(as_of) - window_start(as_of, config)).days
        per_doubling = config.points.per_doubling
        frame["recency_points"] = graded_recency_points(quiet_days, config.recency, window_days)
        frame["frequency_points"] = graded_count_points(frame["incidents"], config.frequency, per_doubling)
        frame["gravity_points"] = graded_count_points(frame["harm"], config.gravity, per_doubling)
        frame["victims_points"] = graded_count_points(frame["victims"], config.victims, per_doubling)
    else:
        frame["recency_points"] = recency_points(quiet_days, config.recency)
        frame["frequency_points"] = count_points(frame["incidents"], config.frequency)
        frame["gravity_points"] = count_points(frame["harm"], config.gravity)
        frame["victims_points"] = count_points(frame["victims"], config.victims)
    weights = config.weights.model_dump()
    best = sum(weights[c] * config.max_points(c) for c in RFGV)
    total = sum(weights[c] * frame[f"{c}_points"] for c in RFGV)
    # Two decimals: graded scores are near-continuous, and one decimal would make chance ties
    # among the people a panel compares (the order reason says which component parts them).
    frame["score"] = (100.0 * total / best).round(2)
    return frame


def most_serious(rows: pd.DataFrame, index: ScoringIndex) -> pd.DataFrame:
    """Per person, the gravest offence by catalogue weight (ties: heavier after multipliers,
    then the most recent, then the lowest incident id).

    >>> from scoring.signals.example import example_prepared
    >>> prepared = example_prepared()
    >>> rows = incident_rows(prepared.window_perpetrators, prepared)
    >>> most_serious(rows, prepared.index)["most_serious_offence"].to_dict()  # by person code
    {0: 'strangulation', 3: 'breach_nmo', 5: 'common_assault'}
    """
    person, row = rows["person"].to_numpy(), rows["row"].to_numpy()
    harm_days, weighted = rows["harm_days"].to_numpy(), rows["weighted_harm"].to_numpy()
    # Only each person's gravest rows can be first: the rest are dropped before sorting.
    gravest = _gravest_rows(person, harm_days)
    person, row, harm_days, weighted = person[gravest], row[gravest], harm_days[gravest], weighted[gravest]
    # Heavier after multipliers first (NaN, unknown harm, last), then the most recent, then the
    # lowest row (a row's code orders like its incident id); within a person the rows left
    # share one harm, so it is no key.
    first = first_per_group(person, -weighted, -index.occurred[row].view(np.int64), row)
    top = row[first]
    incidents = index.incidents
    return pd.DataFrame({"most_serious_offence": incidents["offence"].take(top).array,
                         "most_serious_at": incidents["occurred_at"].take(top).array,
                         "most_serious_incident": incidents["incident_id"].take(top).array},
                        index=pd.Index(person[first], name="person"))


def _gravest_rows(person: np.ndarray, harm_days: np.ndarray) -> np.ndarray:
    """Positions of the rows whose ``harm_days`` is their person's highest (all of a person's
    ties), in their order; the rows need not be grouped by person.

    >>> _gravest_rows(np.array([1, 1, 1, 4, 4]), np.array([3.0, 9.0, 9.0, 2.0, 1.0])).tolist()
    [1, 2, 3]
    >>> _gravest_rows(np.array([4, 1, 4]), np.array([1.0, 5.0, 2.0])).tolist()
    [1, 2]
    >>> _gravest_rows(np.array([2, 2, 3]), np.array([np.nan, 1.0, np.nan])).tolist()  # unknown weighs least
    [1, 2]
    """
    if not len(person):
        return np.arange(0)
    harm_days = np.where(np.isnan(harm_days), -np.inf, harm_days)  # unknown weighs least, as sorted
    top = np.full(int(person.max()) + 1, -np.inf)
    np.maximum.at(top, person, harm_days)  # a tenth of pandas' grouped max on a victims list's rows
    return np.flatnonzero(harm_days >= top[person])


def _outcome_counts(rows: pd.DataFrame, index: ScoringIndex) -> pd.Series:
    """Per person, e.g. '1 convicted, 2 outcome 15/16' (allegations and convictions apart)."""
    names = [*dict.fromkeys(OUTCOME_GROUPS.values()), "outcome not recorded"]
    place = {outcome: names.index(group) for outcome, group in OUTCOME_GROUPS.items()}
    group = index.mapped("outcome", place, len(names) - 1, np.int64)[rows["row"].to_numpy()]
    people, at = marked_codes(rows["person"].to_numpy(np.int64), len(index.people))
    counts = np.bincount(at.reshape(-1) * len(names) + group, minlength=len(people) * len(names))
    facts = pd.DataFrame(counts.reshape(len(people), len(names)))

    def sentence(distinct: pd.DataFrame) -> pd.Series:
        # The groups in their order; most people share one of a few hundred sets of counts.
        return pd.Series([", ".join(f"{n} {name}" for n, name in zip(values, names) if n)
                          for values in distinct.to_numpy().tolist()], dtype=object)

    return pd.Series(once_per_distinct_text(facts, sentence), index=pd.Index(people, name="person"), dtype="str")


def female_people(context: ScoringContext, index: ScoringIndex) -> np.ndarray:
    """Per person code: recorded as female (``female_sex_codes``), kept with the tables.

    >>> from scoring.signals.example import example_prepared
    >>> prepared = example_prepared()
    >>> female_people(prepared.context, prepared.index).tolist()  # P-1 .. P-6
    [False, True, True, False, True, False]
    """
    codes = tuple(context.config.female_sex_codes)
    key = ("female", codes)
    found = context.tables.derived.get(key)
    if found is None:
        female = np.append(context.tables.persons["sex"].isin(list(codes)).to_numpy(dtype=bool), False)
        found = female[index.persons_row]  # -1 (not in the persons table) takes the appended False
        context.tables.derived[key] = found
    return found


def sex_recorded(context: ScoringContext, index: ScoringIndex) -> np.ndarray:
    """Per person code: a sex is recorded (blank and ``U``, not known, are not; ``X`` is).

    >>> from scoring.signals.example import example_prepared
    >>> prepared = example_prepared()
    >>> sex_recorded(prepared.context, prepared.index).tolist()  # P-1 .. P-6
    [True, True, True, True, True, True]
    """
    found = context.tables.derived.get(("sex_recorded",))
    if found is None:
        sex = context.tables.persons["sex"]
        known = np.append((sex.notna() & (sex != "U")).to_numpy(dtype=bool), False)
        found = known[index.persons_row]
        context.tables.derived[("sex_recorded",)] = found
    return found


def ages_at(context: ScoringContext, index: ScoringIndex, people: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Whole years of age of each person code in ``people`` on the day of the incident in the
    same place of ``rows`` (their date of birth from the persons table; NaN when not recorded).

    >>> from scoring.signals.example import example_prepared
    >>> prepared = example_prepared()
    >>> ages_at(prepared.context, prepared.index, np.array([1, 2, 0]), np.array([0, 1, 0])).tolist()  # P-2, P-3, P-1
    [34.0, 17.0, nan]
    """
    persons_row = index.persons_row[np.asarray(people, dtype=np.int64)]
    born = pd.Series(context.tables.persons["date_of_birth"].array.take(persons_row, allow_fill=True))
    when = pd.Series(index.occurred[np.asarray(rows, dtype=np.int64)]).dt.normalize()
    years = when.dt.year - born.dt.year
    before_birthday = (when.dt.month * 100 + when.dt.day) < (born.dt.month * 100 + born.dt.day)
    return (years - before_birthday.astype("float64")).to_numpy(dtype="float64")


def _victim_counts(context: ScoringContext, links: pd.DataFrame, prepared: Prepared,
                   people: np.ndarray) -> dict[str, np.ndarray]:
    """Distinct victims of each of ``people`` (person codes; 0 for those with none), victim
    records that are probably one person counted once (:mod:`scoring.victim_identity`);
    ``victim_records`` counts them apart, and ``doubtful`` is how many pairs of the counted
    victims may still be one person. Columns in the order of :data:`VICTIM_COUNTS`."""
    index = prepared.index
    identity = prepared.victims_as
    size = len(identity.same_as) + 1
    person = links["person"].to_numpy(np.int64)
    counted_victim = identity.counted(links["victim"].to_numpy())
    # Each link's (person, counted victim) pair, found once: the counts over some of the links
    # (girls, partners, family) mark their pairs instead of finding distinct pairs again.
    pair_keys, pair_of_link = np.unique(person * size + counted_victim, return_inverse=True)
    apart = pd.DataFrame({"person": pair_keys // size, "victim": pair_keys % size})
    apart_person = apart["person"].to_numpy()

    def pairs_of(links_chosen: np.ndarray) -> np.ndarray:
        """Per person, distinct counted victims of the chosen links."""
        marked = np.zeros(len(pair_keys), dtype=bool)
        marked[pair_of_link.reshape(-1)[links_chosen]] = True
        return _count_per_person(apart_person[marked], people)

    # Victims who may be one woman recorded twice count once too: the count is a lower bound
    # (the reason says which pairs are uncertain).
    distinct = _distinct_victims(apart["person"].to_numpy(), identity.counted_once(apart), size)

    female_any = _any_record(context, "female", female_people(context, index), identity.same_as)
    female = female_any[distinct["victim"].to_numpy()]
    unknown_sex = ~_any_record(context, "sex_recorded", sex_recorded(context, index),
                               identity.same_as)[distinct["victim"].to_numpy()]
    kinds = _link_kinds(context, prepared, links["link"].to_numpy())
    groups = context.config.relationships

    def related(codes: tuple[str, ...]) -> np.ndarray:
        """Per person, distinct victims recorded in one of ``codes`` at least once."""
        return pairs_of(kinds[codes])

    victim_person = distinct["person"].to_numpy()  # (person, victim) pairs already distinct
    doubtful = identity.doubtful_pairs(apart)["doubtful"]
    return {
        "victims": _count_per_person(victim_person, people),
        "female_victims": _count_per_person(victim_person[female], people),
        "girl_victims": pairs_of(kinds["girl"]),
        "sex_unknown_victims": _count_per_person(victim_person[unknown_sex], people),
        "partner_victims": related(groups.intimate_partner),
        "family_victims": related(groups.family),
        "victim_records": _per_person(person, links["victim"].to_numpy(np.int64), size, people),
        "doubtful": doubtful.reindex(people).fillna(0).astype("int64").to_numpy(),
    }


def _link_kinds(context: ScoringContext, prepared: Prepared, link: np.ndarray) -> dict[object, np.ndarray]:
    """At the links ``link`` (their places in ``ScoringIndex.links``, which a ranking's links
    carry in ``link``): ``"girl"``, the victim is counted as a woman or girl and was under
    :data:`CHILD_UNDER` on the incident's day (by her record's own date of birth); and per
    relationship group of the config (a tuple of codes), the link's relationship is one of them.
    None of it depends on the as-of date or the weights, so each link's answers are kept with
    the tables once worked out, and a re-rank works out only links no ranking has met."""
    groups = context.config.relationships
    key = ("link_kinds", context.catalogue.fingerprint, tuple(context.config.perpetrator_roles),
           tuple(context.config.female_sex_codes), groups.intimate_partner, groups.family)
    index = prepared.index
    found: dict[object, np.ndarray] | None = context.tables.derived.get(key)
    if found is None:
        found = {name: np.zeros(len(index.links), dtype=bool)
                 for name in ("known", "girl", groups.intimate_partner, groups.family)}
        context.tables.derived[key] = found
    fresh = sorted_distinct(link[~found["known"][link]])
    if len(fresh):
        identity = prepared.victims_as
        links = index.links
        victim = links["victim"].to_numpy(np.int64)[fresh]
        female = _any_record(context, "female", female_people(context, index), identity.same_as)[
            identity.counted(victim)]
        girl = female.copy()
        girl[female] = ages_at(context, index, victim[female], links["row"].to_numpy()[fresh][female]) < CHILD_UNDER
        found["girl"][fresh] = girl
        relationship = links["relationship"].take(fresh)
        for codes in (groups.intimate_partner, groups.family):
            found[codes][fresh] = relationship.isin(codes).to_numpy(dtype=bool)
        found["known"][fresh] = True
    return {name: values[link] for name, values in found.items() if name != "known"}


def _any_record(context: ScoringContext, what: str, per_person: np.ndarray, same_as: np.ndarray) -> np.ndarray:
    """Per counted code: whether any record counted as that person says so (one record of a
    woman may lack the sex); kept with the tables, which alone decide it."""
    key = ("any_record", what, context.catalogue.fingerprint, tuple(context.config.perpetrator_roles),
           tuple(context.config.female_sex_codes))
    found = context.tables.derived.get(key)
    if found is None:
        found = np.zeros(len(same_as), dtype=bool)
        np.logical_or.at(found, same_as, per_person)
        context.tables.derived[key] = found
    return found


def _distinct_victims(person: np.ndarray, victim: np.ndarray, size: int) -> pd.DataFrame:
    """Distinct (person, victim) code pairs, by person then victim (codes below ``size``).

    >>> _distinct_victims(np.array([3, 1, 3]), np.array([5, 2, 5]), 10).values.tolist()
    [[1, 2], [3, 5]]
    """
    keys = sorted_distinct(np.asarray(person, dtype=np.int64) * size + np.asarray(victim, dtype=np.int64))
    return pd.DataFrame({"person": keys // size, "victim": keys % size})


def _count_per_person(person: np.ndarray, people: np.ndarray) -> np.ndarray:
    """How many times each of ``people`` (person codes) appears in ``person``, 0 for none.

    >>> _count_per_person(np.array([3, 1, 3]), np.array([1, 2, 3, 7])).tolist()
    [1, 0, 2, 0]
    """
    person, people = np.asarray(person, dtype=np.int64), np.asarray(people, dtype=np.int64)
    longest = max(int(people.max()) + 1 if len(people) else 0, int(person.max()) + 1 if len(person) else 0)
    return np.bincount(person, minlength=longest)[people].astype(np.int64)


def _per_person(person: np.ndarray, victim: np.ndarray, size: int, people: np.ndarray) -> np.ndarray:
    """How many distinct victims each of ``people`` (person codes) has, 0 for none.

    >>> _per_person(np.array([3, 1, 3, 3]), np.array([5, 2, 5, 6]), 10, np.array([1, 2, 3])).tolist()
    [1, 0, 2]
    """
    keys = sorted_distinct(np.asarray(person, dtype=np.int64) * size + np.asarray(victim, dtype=np.int64))
    people = np.asarray(people, dtype=np.int64)
    longest = max(int(people.max()) + 1 if len(people) else 0, int(keys.max() // size) + 1 if len(keys) else 0)
    return np.bincount(keys // size, minlength=longest)[people].astype(np.int64)


def incident_rows(pairs: pd.DataFrame, prepared: Prepared) -> pd.DataFrame:
    """(person, row) pairs with what a score reads of each incident: occurred_at, harm_days,
    weighted_harm, crime (not a non-crime incident), dash_high.

    >>> from scoring.signals.example import example_prepared
    >>> prepared = example_prepared()
    >>> incident_rows(prepared.window_perpetrators, prepared).head(3)
       person  row occurred_at  harm_days  weighted_harm  crime  dash_high
    0       0    0  2025-01-10        3.5            3.5   True      False
    1       0    1  2025-09-01       10.0           12.5   True      False
    2       0    2  2026-05-20      365.0          547.5   True       True
    """
    index = prepared.index
    row = pairs["row"].to_numpy()
    return pd.DataFrame({
        "person": pairs["person"].to_numpy(),
        "row": row,
        "occurred_at": index.occurred[row],
        "harm_days": index.column("harm_days", row),
        "weighted_harm": prepared.weighted_harm[row],
        "crime": ~index.column("non_crime", row),
        "dash_high": index.column("dash_high", row),
    })


def incident_summary(rows: pd.DataFrame, crimes: str) -> pd.DataFrame:
    """Per person of :func:`incident_rows`: incidents, ``crimes`` (recorded crimes), harm (after
    multipliers, one decimal), first_incident, last_incident, high_dash.

    >>> from scoring.signals.example import example_prepared
    >>> prepared = example_prepared()
    >>> rows = incident_rows(prepared.window_perpetrators, prepared)
    >>> incident_summary(rows, "crimes")[["incidents", "crimes", "harm", "high_dash"]].reset_index()
       person  incidents  crimes   harm  high_dash
    0       0          3       3  563.5       True
    1       3          2       2   21.9      False
    2       5          1       1    3.5      False
    """
    person = rows["person"].to_numpy(np.int64)
    people, at = marked_codes(person, int(person.max()) + 1 if len(person) else 0)
    count = len(people)
    # Counts and the earliest and latest times on the person codes; the harm with pandas' grouped
    # sum, whose compensated summation the scores have always been rounded from.
    occurred = rows["occurred_at"].to_numpy()
    ticks = occurred.view(np.int64)
    timed = ~np.isnat(occurred)  # a time not recorded is skipped, as pandas' min and max skip it
    first = np.full(count, np.iinfo(np.int64).max, dtype=np.int64)
    last = np.full(count, np.iinfo(np.int64).min, dtype=np.int64)  # NaT's own value: none timed
    np.minimum.at(first, at[timed], ticks[timed])
    np.maximum.at(last, at[timed], ticks[timed])
    first[first == np.iinfo(np.int64).max] = np.iinfo(np.int64).min
    return pd.DataFrame({
        "incidents": np.bincount(at, minlength=count).astype(np.int64),
        crimes: np.bincount(at, weights=rows["crime"].to_numpy(dtype=np.float64), minlength=count).astype(np.int64),
        "harm": rows["weighted_harm"].groupby(at).sum().round(1).to_numpy(),
        "first_incident": first.view(occurred.dtype),
        "last_incident": last.view(occurred.dtype),
        "high_dash": np.bincount(at, weights=rows["dash_high"].to_numpy(dtype=np.float64), minlength=count) > 0,
    }, index=pd.Index(people, name="person"))


def days_since_last(frame: pd.DataFrame, as_of: date) -> pd.Series:
    """Whole days from each ``last_incident`` to the as-of date (never negative).

    >>> last = pd.to_datetime(["2026-06-20 23:30", "2026-06-30 00:00", "2026-07-02 09:15"])
    >>> days_since_last(pd.DataFrame({"last_incident": last}), date(2026, 6, 30)).tolist()
    [10, 0, 0]
    """
    as_of_day = pd.Timestamp(as_of).normalize()
    return (as_of_day - frame["last_incident"].dt.normalize()).dt.days.clip(lower=0)


def score_perpetrators_coded(context: ScoringContext, prepared: Prepared) -> pd.DataFrame:
    """One row per person who was a suspect or offender in the window, with RFGV, indexed by
    person code: ``prepared`` (built for ``context``) shares intermediates with the rest of a
    ranking, and ``prepared.decode`` puts the ids back (see :mod:`scoring.prepared`).

    Columns: incidents, crimes, harm, first_incident, last_incident, high_dash, victims,
    female_victims, girl_victims, sex_unknown_victims, partner_victims, family_victims (victim
    records that are probably one person counted once), victim_records (counted apart), doubtful
    (pairs of counted victims that may be one person), days_since_last, custody_days (of those, days
    in custody) and days_at_liberty (the rest, which recency reads), most_serious_offence/at/incident,
    outcomes, the four ``*_points`` and score.

    >>> from scoring.signals.example import example_prepared
    >>> prepared = example_prepared()
    >>> scored = prepared.decode(score_perpetrators_coded(prepared.context, prepared))
    >>> scored[["person_id", "incidents", "victims", "partner_victims", "days_since_last", "score"]]
      person_id  incidents  victims  partner_victims  days_since_last  score
    0       P-1          3        2                2               41  77.67
    1       P-4          2        1                1               29  51.83
    2       P-6          1        1                0               20  41.20
    """
    prepared = prepared_for(context, prepared)
    return _scored(context, prepared, prepared.window_perpetrators, prepared.window_links, "window")


def score_history_coded(context: ScoringContext, prepared: Prepared) -> pd.DataFrame:
    """:func:`score_perpetrators_coded` over each person's whole record up to the as-of date
    (not only the window): one row per person who was ever a suspect or offender, with the same
    columns, the points and score read on the same bands.

    >>> from scoring.signals.example import example_prepared
    >>> prepared = example_prepared()
    >>> scored = prepared.decode(score_history_coded(prepared.context, prepared))
    >>> scored[["person_id", "incidents", "victims"]].values.tolist()
    [['P-1', 3, 2], ['P-4', 2, 1], ['P-6', 1, 1]]
    """
    prepared = prepared_for(context, prepared)
    return _scored(context, prepared, prepared.history_perpetrators, prepared.history_links, "history")


def _scored(context: ScoringContext, prepared: Prepared, pairs: pd.DataFrame, links: pd.DataFrame,
            reading: str) -> pd.DataFrame:
    """RFGV and its evidence for the (person, row) ``pairs`` and their victim ``links``
    (``reading``: 'window' or 'history', which of a ranking's pairs they are).

    The evidence does not depend on the weights: the last evidence worked out for each reading
    is kept with the tables, with the as-of date and the config but for its weights, so a chair
    changing the weights in a meeting waits only for the points (and a ranking's second list at
    one date for nothing here)."""
    key = (context.as_of, context.catalogue.fingerprint, context.config.but_weights())
    held = context.tables.derived.get(("scored_evidence", reading))
    if held is None or held[0] != key:
        held = key, _evidence(context, prepared, pairs, links)
        context.tables.derived[("scored_evidence", reading)] = held
    # A shallow copy: the points are new columns of it, the kept frame is left as it is.
    return component_points(held[1].copy(deep=False), context.config, context.as_of)


def _evidence(context: ScoringContext, prepared: Prepared, pairs: pd.DataFrame, links: pd.DataFrame) -> pd.DataFrame:
    """What :func:`_scored` reads its points from: everything but the points and the score."""
    index = prepared.index
    rows = incident_rows(pairs, prepared)
    frame = incident_summary(rows, "crimes")
    for column, counts in _victim_counts(context, links, prepared, frame.index.to_numpy()).items():
        frame[column] = counts
    frame["days_since_last"] = days_since_last(frame, context.as_of)
    custody = context.tables.custody
    frame["custody_days"] = custody_days_since(custody.assign(person_id=index.custody_people),
                                               frame["last_incident"], context.as_of)
    frame["days_at_liberty"] = frame["days_since_last"] - frame["custody_days"]
    # Both are indexed by the same people as the frame (every person with a row), in order.
    for name, column in most_serious(rows, index).items():
        frame[name] = column.array
    frame["outcomes"] = _outcome_counts(rows, index).array
    return frame
