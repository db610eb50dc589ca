"""The records the signal registry holds: a :class:`Signal` (one flag), the :class:`Rule` by
which it is set on one kind of list, and the :class:`Evidence` columns some rules read.

Also the shared data a rule works on (:class:`RankingData`) and the helpers that turn rules'
booleans into the ``;``-joined ``flags`` text.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pydantic import BaseModel

from scoring.context import ScoringContext
from scoring.prepared import Prepared
from core.arrow_codes import arrow_text
from core.distinct import sorted_distinct
from scoring.reasons import text_column, text_or_none
from scoring.status import briefed_people, managed_people

# The kinds of list a signal can be set on: the offender lists and the repeat-victim lists.
ListKind = Literal["perpetrators", "victims"]
LIST_KINDS: tuple[ListKind, ...] = ("perpetrators", "victims")


@dataclass
class RankingData:
    """What one ranking shares with every rule: the context, its coded intermediates
    (:class:`scoring.prepared.Prepared`) and a few sets worked out once on first use."""

    context: ScoringContext
    prepared: Prepared

    @cached_property
    def managed(self) -> set[str]:
        """People with a current MATAC, MAPPA, IOM or PDP referral."""
        return managed_people(self.context)

    @cached_property
    def briefed(self) -> set[str]:
        """People on the daily briefing recently enough to count as current."""
        return briefed_people(self.context)

    @cached_property
    def settings_key(self) -> str:
        """The config but for the weights, as text: what whole-record evidence is kept under."""
        return self.context.config.but_weights()

    def whole_places(self, rows: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per row of a list: its person code, the person's place among the people with an
        incident as a suspect or offender (-1: none) and whether their whole record is up to the
        as-of date (no incident after it). Every whole-record evidence of a list reads these for
        the same rows, so the last rows' are kept."""
        held = self.__dict__.get("_whole_places")
        if held is not None and held[0] is rows:
            return held[1]
        people = rows["person"].to_numpy(np.int64)
        end = np.datetime64(self.context.as_of_end.to_datetime64(),
                            np.datetime_data(self.prepared.index.occurred.dtype)[0])
        latest, place, _ = _latest_incidents(self.prepared)
        places = place[people]
        found = people, places, (latest[people] <= end.astype(np.int64)) & (places >= 0)
        self.__dict__["_whole_places"] = (rows, found)
        return found


# (the ranking's shared data, the list's rows, the signal's settings or None) -> a bool per row
FlagRule = Callable[[RankingData, pd.DataFrame, Any], "pd.Series | np.ndarray"]
# (one row of the list as a mapping, the context, the signal's settings or None) -> a sentence
ReasonRule = Callable[[Mapping[str, Any], ScoringContext, Any], "str | None"]


@dataclass(frozen=True, eq=False)
class Evidence:
    """Columns computed once per ranking and added to the list (after the RFGV columns, in
    the registry's evidence order), for rules and reasons to read.

    ``columns(data, rows)`` returns them aligned to ``rows``; ``empty`` gives each column's
    value when nobody is ranked. ``headline``: a column holding a sentence that
    ``harmgraph explain`` prints under this evidence's name.

    ``whole_record``: the columns of a row depend on nothing but its person's incidents as a
    suspect or offender up to the as-of date (all history, not the window; not the as-of date
    itself, nor the weights), read through the config's other settings; ``rows`` then holds
    only ``person``, and the columns are NumPy-typed. Then a person none of whose incidents is after the as-of date gets the answer
    for their whole record, worked out once per loaded store (:func:`whole_record_columns`).
    """

    name: str
    columns: Callable[[RankingData, pd.DataFrame], pd.DataFrame]
    empty: Mapping[str, Any]
    headline: str | None = None
    whole_record: bool = False


@dataclass(frozen=True)
class Rule:
    """How a signal is set on one kind of list.

    ``flag``: a boolean per row of the list. ``description``: the meaning, for the README.
    ``reason``: the sentence ``harmgraph explain`` and the profile page give for a row carrying
    the flag (perpetrator rows only). ``needs``: evidence columns ``flag`` or ``reason`` read.
    ``ranked``: decided from the ranked order (the rows then carry ``rank``); otherwise from
    the scored rows before ordering.
    """

    flag: FlagRule
    description: str
    reason: ReasonRule | None = None
    needs: tuple[Evidence, ...] = ()
    ranked: bool = False


@dataclass(frozen=True)
class Signal:
    """One flag: its name in the ``flags`` column, its label as shown to people, its group,
    and the rule for each list it applies to.

    Settings: ``settings_model`` validates them and ``settings_key`` says where they live
    under ``signals:`` in the config (default: the signal's name). A shipped signal
    (``always_on``) is always computed and reads a typed group of
    :class:`scoring.signals.settings.SignalConfig`; an added signal is computed only when the
    config names its key.
    """

    name: str
    label: str
    group: str
    perpetrators: Rule | None = None
    victims: Rule | None = None
    settings_model: type[BaseModel] | None = None
    settings_key: str | None = None
    always_on: bool = False
    # A few words for a table cell or a chip, where the label is too long (default: the label).
    short: str = ""
    lists: tuple[ListKind, ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "lists", tuple(k for k in LIST_KINDS if self.rule(k) is not None))
        if not self.lists:
            raise ValueError(f"signal {self.name!r} applies to no list")
        if self.settings_key is None:
            object.__setattr__(self, "settings_key", self.name)

    @property
    def short_label(self) -> str:
        """The label in a few words (``short`` when given, else the label itself)."""
        return self.short or self.label

    def rule(self, kind: ListKind) -> Rule | None:
        """The rule on ``kind`` lists (None: not on them)."""
        return self.perpetrators if kind == "perpetrators" else self.victims


def kept(prepared: Prepared, key: tuple[Any, ...], build: Callable[[], Any]) -> Any:
    """``build()``, worked out once per loaded store and kept with the tables under ``key`` (and
    the catalogue and perpetrator roles the coded index depends on): for what depends on the
    tables and settings alone.

    >>> from scoring.signals.example import example_prepared
    >>> prepared = example_prepared()
    >>> kept(prepared, ("doctest",), lambda: [1]) is kept(prepared, ("doctest",), lambda: [2])
    True
    """
    context = prepared.context
    full = (*key, context.catalogue.fingerprint, tuple(context.config.perpetrator_roles))
    found = context.tables.derived.get(full)
    if found is None:
        found = build()
        context.tables.derived[full] = found
    return found


# The coded pairs a signal reads of people's records (see :func:`history_of`).
HistoryPairs = Literal["perpetrators", "links", "by_time"]


def _by_person(prepared: Prepared, pairs: HistoryPairs) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """The ``pairs`` of the tables' index (``by_time``: the perpetrator pairs by person, then
    time), their positions by person code, and where each person's run of positions starts
    (person code ``p``'s run ends where ``p + 1``'s starts); kept with the tables."""
    def build() -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
        index = prepared.index
        frame = index.links if pairs == "links" else index.perpetrators
        if pairs == "by_time":
            frame = frame.take(index.by_time).reset_index(drop=True)
        person = frame["person"].to_numpy(np.int64)
        order = np.argsort(person, kind="stable")
        starts = np.r_[0, np.cumsum(np.bincount(person, minlength=len(index.people)))].astype(np.int64)
        return frame, order, starts
    return kept(prepared, ("by_person", pairs), build)


def history_of(prepared: Prepared, pairs: HistoryPairs, people: pd.Index | None) -> pd.DataFrame:
    """``prepared.only(prepared.history_<pairs>, people)``: the pairs of ``people`` (person codes;
    None: everyone) up to the as-of date, in the same order, read through a by-person index kept
    with the tables, so that it costs as much as those people's records and not everyone's.

    >>> from scoring.signals.example import example_prepared
    >>> prepared = example_prepared()
    >>> history_of(prepared, "by_time", pd.Index([3, 0]))[["person", "row"]].values.tolist()
    [[0, 0], [0, 1], [0, 2], [3, 3], [3, 4]]
    """
    if people is None:
        return getattr(prepared, f"history_{pairs}")
    frame, order, starts = _by_person(prepared, pairs)
    wanted = sorted_distinct(np.asarray(people, dtype=np.int64))
    first, counts = starts[wanted], starts[wanted + 1] - starts[wanted]
    at = np.repeat(first - np.r_[0, np.cumsum(counts)[:-1]], counts) + np.arange(int(counts.sum()))
    at = np.sort(order[at])
    at = at[prepared.in_history[frame["row"].to_numpy()[at]]]
    return frame.take(at).reset_index(drop=True)


def _latest_incidents(prepared: Prepared) -> tuple[np.ndarray, np.ndarray, int]:
    """Per person code, when their latest incident as a suspect or offender (counted or set
    aside) happened, as an integer in the incident times' own unit (the smallest integer: none,
    or no time recorded, which no as-of date counts); and their place among the people with
    such an incident (-1: none), and how many those are. Kept with the tables."""
    def build() -> tuple[np.ndarray, np.ndarray, int]:
        index = prepared.index
        latest = np.full(len(index.people), np.iinfo(np.int64).min, dtype=np.int64)
        held = np.zeros(len(index.people), dtype=bool)
        when = index.occurred.view(np.int64)
        for pairs in (index.perpetrators, index.set_aside):
            person = pairs["person"].to_numpy(np.int64)
            np.maximum.at(latest, person, when[pairs["row"].to_numpy(np.int64)])
            held[person] = True
        place = np.where(held, np.cumsum(held) - 1, -1)
        return latest, place, int(held.sum())
    return kept(prepared, ("latest_incidents",), build)


@dataclass
class _WholeRecords:
    """One evidence's columns over each person's whole record, for those ``known``, by their place
    among the people with an incident as a suspect or offender (see :func:`_latest_incidents`;
    a list's other people are always worked out); its text columns also as Arrow text
    (``texts``; None for a column holding other objects)."""

    known: np.ndarray
    columns: dict[str, np.ndarray]
    texts: dict[str, pa.Array | None] = field(default_factory=dict)

    def keep(self, places: np.ndarray, found: dict[str, np.ndarray]) -> None:
        """Keep ``found`` (columns) as the answers at ``places`` (distinct): the values first,
        then that they are known."""
        order = np.argsort(places, kind="stable")
        places = places[order]
        for name, values in self.columns.items():
            values[places] = found[name][order]
            if name not in self.texts:
                self.texts[name] = text_or_none(values) if values.dtype == object else None
            elif self.texts[name] is not None and len(places):
                fresh = text_or_none(found[name][order])
                chosen = np.zeros(len(values), dtype=bool)
                chosen[places] = True
                self.texts[name] = (None if fresh is None
                                    else pc.replace_with_mask(self.texts[name], pa.array(chosen), fresh))
        self.known[places] = True

    def column(self, name: str, places: np.ndarray, asked: np.ndarray, fresh: np.ndarray) -> object:
        """Column ``name`` at ``places`` (-1: none, always among ``asked``), ``fresh`` values at
        positions ``asked``, as a new column of a frame would hold it (text as pandas' ``str``
        type: :func:`text_column`)."""
        texts = self.texts.get(name)
        if texts is not None:
            taken = texts.take(pa.array(np.maximum(places, 0)))
            fresh_text = text_or_none(fresh) if len(asked) else None
            if len(asked) and fresh_text is not None:
                chosen = np.zeros(len(places), dtype=bool)
                chosen[asked] = True
                taken = pc.replace_with_mask(taken, pa.array(chosen), fresh_text)
            if (fresh_text is not None or not len(asked)) and taken.null_count < len(taken):
                return pd.Series(taken, dtype="str").array
        values = self.columns[name][places]
        values[asked] = fresh
        return text_column(values) if values.dtype == object else values


def whole_record_columns(data: RankingData, evidence: Evidence, rows: pd.DataFrame, kind: ListKind) -> pd.DataFrame:
    """:func:`whole_record_arrays` as a frame aligned to ``rows``, as ``evidence.columns`` gives it
    (its text taken from the kept Arrow text, not converted again)."""
    kept, places, asked, found = _whole_record(data, evidence, rows, kind)
    return pd.DataFrame({name: kept.column(name, places, asked, found[name]) for name in kept.columns},
                        index=rows.index)


def whole_record_arrays(data: RankingData, evidence: Evidence, rows: pd.DataFrame,
                        kind: ListKind) -> dict[str, np.ndarray]:
    """``evidence.columns(data, rows)`` of a ``whole_record`` evidence as arrays, worked out only for the
    people with an incident after the as-of date (their record up to it is not their whole
    record) and those not met before; everyone else's come from what the earlier rankings of
    these tables found for them. Re-ranking at another as-of date or with other weights then
    reads most of the list from the tables' kept answers, and nothing kept depends on either.

    >>> from scoring.signals.escalating import ESCALATION
    >>> from scoring.signals.example import example_prepared
    >>> prepared = example_prepared()
    >>> rows = pd.DataFrame({"person": [0, 3, 5]})
    >>> data = RankingData(prepared.context, prepared)
    >>> whole_record_arrays(data, ESCALATION, rows, "perpetrators")["escalating"].tolist()
    [True, True, False]
    >>> whole_record_columns(data, ESCALATION, rows, "perpetrators").equals(ESCALATION.columns(data, rows))
    True
    """
    answers = WholeRecordAnswers(*_whole_record(data, evidence, rows, kind))
    return {name: answers.values(name) for name in answers.kept.columns}


@dataclass
class WholeRecordAnswers:
    """A whole-record evidence's answers for a list's rows: the kept ones (``kept``) at the rows'
    people's ``places``, and those worked out now (``found``) at positions ``asked``."""

    kept: _WholeRecords
    places: np.ndarray
    asked: np.ndarray
    found: dict[str, np.ndarray]

    def values(self, name: str, at: np.ndarray | None = None) -> np.ndarray:
        """Column ``name`` for every row, or for the rows at positions ``at`` (sorted)."""
        if at is None:
            out = self.kept.columns[name][self.places]
            out[self.asked] = self.found[name]
            return out
        out = self.kept.columns[name][self.places[at]]
        if len(self.asked):
            fresh = np.minimum(np.searchsorted(self.asked, at), len(self.asked) - 1)
            hit = self.asked[fresh] == at
            out[hit] = self.found[name][fresh[hit]]
        return out


def whole_record_answers(data: RankingData, evidence: Evidence, rows: pd.DataFrame, kind: ListKind) -> WholeRecordAnswers:
    """:func:`whole_record_arrays` to be read column by column, for all rows or some."""
    return WholeRecordAnswers(*_whole_record(data, evidence, rows, kind))


def _whole_record(data: RankingData, evidence: Evidence, rows: pd.DataFrame,
                  kind: ListKind) -> tuple[_WholeRecords, np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """The kept answers of ``evidence`` (updated), the rows' person codes, the positions worked
    out now and their columns (see :func:`whole_record_arrays`)."""
    context = data.context
    key = ("whole_record", evidence.name, kind, context.catalogue.fingerprint, data.settings_key)
    people, places, whole = data.whole_places(rows)
    size = _latest_incidents(data.prepared)[2]
    kept: _WholeRecords | None = context.tables.derived.get(key)
    asked = np.flatnonzero(~(whole & kept.known[places]) if kept is not None else np.ones(len(people), dtype=bool))
    if kept is not None and not len(asked):
        return kept, places, asked, {name: values[:0] for name, values in kept.columns.items()}
    frame = evidence.columns(data, pd.DataFrame({"person": people[asked]}, index=rows.index[asked]))
    found = {name: frame[name].to_numpy() for name in frame.columns}
    if kept is None:
        kept = _WholeRecords(np.zeros(size, dtype=bool), {name: np.full(size, None, dtype=object)
                                                           if values.dtype == object else np.zeros(size, values.dtype)
                                                           for name, values in found.items()})
        context.tables.derived[key] = kept
    # Only answers for a whole record are kept.
    settled = whole[asked]
    kept.keep(places[asked[settled]], {name: values[settled] for name, values in found.items()})
    return kept, places, asked, found


def flag_bits(flags: Sequence[tuple[int, pd.Series | np.ndarray]], rows: int) -> np.ndarray:
    """One integer per row whose bit ``place`` is set where that flag is true.

    >>> flag_bits([(0, pd.Series([True, False])), (2, pd.Series([True, True]))], 2).tolist()
    [5, 4]
    """
    bits = np.zeros(rows, dtype=np.int64)
    for place, on in flags:
        if place > 62:
            raise ValueError("more than 63 flags on one list")
        bits |= np.asarray(on, dtype=bool).astype(np.int64) << place
    return bits


def flags_text(bits: np.ndarray, names: Sequence[str], index: pd.Index) -> pd.Series:
    """';'-joined names of the set bits, in the order of ``names``.

    Each row's flags make one bit pattern; the text is built once per distinct pattern (a few
    hundred at most), not once per row.

    >>> flags_text(flag_bits([(0, [True, False]), (1, [True, False])], 2), ["a", "b"], pd.RangeIndex(2)).tolist()
    ['a;b', '']
    """
    which, patterns = pd.factorize(bits)
    texts = arrow_text(np.array([";".join(name for place, name in enumerate(names) if pattern >> place & 1)
                                 for pattern in patterns.tolist()], dtype=object))
    return pd.Series(texts.take(which), index=index, dtype="str")
