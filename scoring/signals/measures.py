"""Protective-measure status and gaps per person as of a date: orders, breaches, bail, RUI.

Signals: ``no_protective_measure`` (both lists), ``breach_not_charged``, ``bail_lapsing``,
``rui_no_conditions`` and ``breach``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from core.arrow_isin import isin
from core.distinct import run_starts
from scoring.prepared import Prepared
from core.arrow_codes import arrow_text
from scoring.reasons import day, fill_in, joined_runs
from scoring.signals.base import Evidence, RankingData, Rule, Signal, kept
from scoring.signals.settings import MeasureSettings, SignalConfig
from scoring.status import PROTECTIVE_TYPES, active_measures


# How a breached measure is named (by its measure type, or the breach offence's code).
NOT_OFFENCE_WORDS = {"pre_charge_bail": "pre-charge bail", "breach_bail": "bail conditions", "dvpn": "a DVPN",
                     "dvpo": "a DVPO", "breach_dvpo": "a DVPO", "dapn": "a DAPN"}
BREACH_WORDS = {**NOT_OFFENCE_WORDS, "nmo": "a non-molestation order", "breach_nmo": "a non-molestation order",
                "restraining_order": "a restraining order", "breach_restraining_order": "a restraining order",
                "spo": "a stalking protection order", "breach_spo": "a stalking protection order",
                "dapo": "a DAPO", "breach_dapo": "a DAPO", "shpo": "an SHPO", "sro": "an SRO", "cbo": "a CBO"}


def breach_words(kinds: pd.Series) -> pd.Series:
    """What was breached, in words ('a non-molestation order', 'pre-charge bail').

    >>> breach_words(pd.Series(["breach_nmo", "pre_charge_bail", "breach_shpo"])).tolist()
    ['a non-molestation order', 'pre-charge bail', 'shpo']
    """
    return kinds.map(lambda kind: BREACH_WORDS.get(kind, kind.removeprefix("breach_").replace("_", " ")))


def _kinds_text(found: pd.DataFrame) -> pd.Series:
    """Per person: '1 of a non-molestation order, 2 of pre-charge bail' of their breach rows
    (what was breached in alphabetical order of its words)."""
    codes, kinds = pd.factorize(found["kind"])
    words = breach_words(pd.Series(kinds, dtype=object)).tolist()  # once per kind, not per breach
    ordered = sorted(set(words))
    size = max(len(ordered), 1)
    place = np.array([ordered.index(w) for w in words], dtype=np.int64)
    keys, n = np.unique(found["person"].to_numpy(np.int64) * size + place[codes], return_counts=True)
    people = keys // size
    starts = run_starts(people)
    said = fill_in("%s of %s", n, np.asarray(ordered, dtype=object)[keys % size] if len(keys) else keys)
    return pd.Series(joined_runs(said, starts, ", "), index=pd.Index(people[starts], name="person"), dtype="str")


def breach_rows(settings: SignalConfig, prepared: Prepared, people: pd.Index | None) -> pd.DataFrame:
    """(person, row, kind, offence) of every breach up to the as-of date, one row per breach
    incident and subject: ``kind`` is the breached measure's type, or the breach offence's
    code; ``offence`` whether breaking it is an offence at all (see
    ``measures.not_offence_measures`` and ``measures.not_offence_breaches``). An incident that
    both breaches a measure and is a breach offence is one breach; it is an offence when either
    record says so.

    All history up to the as-of date counts (not only the scoring window).

    >>> from scoring.signals.example import example_prepared
    >>> prepared = example_prepared()
    >>> breach_rows(prepared.context.config.signals, prepared, None).values.tolist()  # P-4 (code 3)
    [[3, 4, 'nmo', True]]
    """
    every = _every_breach(prepared, settings.measures)
    return every.take(_breaches_of(prepared, every, people)).reset_index(drop=True)


def _breaches_of(prepared: Prepared, every: pd.DataFrame, people: pd.Index | None) -> np.ndarray:
    """The positions in ``every`` (:func:`_every_breach`) of the breaches up to the as-of date of
    ``people`` (None: everyone)."""
    keep = prepared.in_history[every["row"].to_numpy()]  # nothing after the as-of date
    if people is not None:
        chosen = np.zeros(len(prepared.index.people), dtype=bool)
        chosen[people.to_numpy()] = True
        keep &= chosen[every["person"].to_numpy()]
    return np.flatnonzero(keep)


def _every_breach(prepared: Prepared, measures: MeasureSettings) -> pd.DataFrame:
    """:func:`breach_rows` of everyone at any date, by person then row: it depends on the
    tables and settings alone, so it is kept with the tables and each ranking selects from it
    (one breach is one (person, row), so selecting first or last gives the same rows)."""
    context = prepared.context
    key = ("breach_rows", context.catalogue.fingerprint, tuple(context.config.perpetrator_roles),
           measures.model_dump_json())
    found = context.tables.derived.get(key)
    if found is not None:
        return found
    index = prepared.index
    recorded = pd.DataFrame({"person": index.breached["person"].to_numpy(), "row": index.breached["row"].to_numpy(),
                             "kind": index.breach_kinds})
    recorded = recorded[(recorded["row"] >= 0) & (recorded["person"] >= 0)]
    recorded = recorded.assign(offence=~recorded["kind"].isin(measures.not_offence_measures).to_numpy(dtype=bool))
    perps = index.perpetrators
    offences = perps[index.column("breach_offence", perps["row"].to_numpy())]
    code = index.incidents["offence"].astype("str").to_numpy(dtype=object)[offences["row"].to_numpy()]
    offences = pd.DataFrame({"person": offences["person"].to_numpy(), "row": offences["row"].to_numpy(),
                             "kind": code, "offence": ~np.isin(code, list(measures.not_offence_breaches))})
    both = pd.concat([recorded, offences], ignore_index=True)
    # One row per breach: an offence when any record of it says so, named by that record.
    both = both.sort_values(["person", "row", "offence"], ascending=[True, True, False], kind="stable")
    found = both.drop_duplicates(["person", "row"]).reset_index(drop=True)
    context.tables.derived[key] = found
    return found


def _charged(prepared: Prepared, measures: MeasureSettings) -> np.ndarray:
    """Per row of :func:`_every_breach`: its outcome is one of ``measures.charge_outcomes``
    (kept with the tables)."""
    def build() -> np.ndarray:
        rows = _every_breach(prepared, measures)["row"].to_numpy()
        return prepared.index.one_of("outcome", measures.charge_outcomes)[rows]
    return kept(prepared, ("breach_charged", measures.model_dump_json()), build)


def _breach_counts_per_person(settings: SignalConfig, prepared: Prepared, people: pd.Index,
                              slot: np.ndarray) -> dict[str, np.ndarray]:
    """Per person of ``people`` (in that order; ``slot``: :func:`_slots` of them):
    ``breaches_not_charged`` (breaches that are offences, with no outcome in
    ``measures.charge_outcomes``), ``breaches_not_offences`` and ``not_offence_text`` ('1 of
    pre-charge bail, 2 of a DVPO'; '' where none)."""
    every = _every_breach(prepared, settings.measures)
    at = _breaches_of(prepared, every, people)
    person = slot[every["person"].to_numpy()[at]]
    offence = every["offence"].to_numpy()[at]
    uncharged = offence & ~_charged(prepared, settings.measures)[at]
    text = np.full(len(people), "", dtype=object)
    if (~offence).any():
        said = _kinds_text(every.take(at[~offence]))
        text[slot[said.index.to_numpy()]] = said.to_numpy(dtype=object)
    return {"breaches_not_charged": np.bincount(person[uncharged], minlength=len(people)).astype(np.int64),
            "breaches_not_offences": np.bincount(person[~offence], minlength=len(people)).astype(np.int64),
            "not_offence_text": text}


def _slots(prepared: Prepared, people: pd.Index) -> np.ndarray:
    """Per person code, its place in ``people`` (-1: not there)."""
    slot = np.full(len(prepared.index.people) + 1, -1, dtype=np.int64)  # the last: where a missing code (-1) looks
    slot[people.to_numpy()] = np.arange(len(people))
    return slot


def _measure_words(prepared: Prepared) -> pd.api.extensions.ExtensionArray:
    """Per row of the measures table: 'nmo protecting Jane Doe until 2026-12-01', kept with the
    tables (the words do not depend on the as-of date; which measures are in force does)."""
    context = prepared.context
    key = ("measure_words", context.catalogue.fingerprint, tuple(context.config.perpetrator_roles))
    found = context.tables.derived.get(key)
    if found is None:
        measures = context.tables.measures
        protected = prepared.index.measure_protected
        names = np.full(len(measures), "", dtype=object)
        names[protected >= 0] = prepared.names(protected[protected >= 0]).to_numpy(dtype=object)
        names = np.where(protected >= 0, names, measures["protected_person_id"].fillna("").to_numpy(dtype=object))
        text = (measures["type"] + np.where(measures["protected_person_id"].notna(), " protecting " + names, "")
                + np.where(measures["end_date"].notna(), " until " + day(measures["end_date"]), " (no end date)"))
        found = text.array
        context.tables.derived[key] = found
    return found


def _active_text(subject: np.ndarray, at: np.ndarray, prepared: Prepared, slot: np.ndarray) -> pa.Array:
    """Per person (``slot``: their place), as Arrow text: 'nmo protecting Jane Doe until
    2026-12-01; ...' of the measures in force ('' where none; ``subject`` and ``at``, each
    measure's row in the measures table, sorted by subject, start date and measure id)."""
    size = int(slot.max()) + 1
    starts = run_starts(subject)
    joined = joined_runs(_measure_words(prepared).take(at), starts, "; ")
    which = np.full(size, len(joined), dtype=np.int64)  # past the joined texts: ''
    which[slot[subject[starts]]] = np.arange(len(joined))
    return pa.concat_arrays([joined, pa.array([""], pa.large_string())]).take(pa.array(which))


@dataclass(frozen=True)
class _Measures:
    """The measures held against a known person, by subject code, start date and measure id (kept
    with the tables): ``subject``, ``at`` (the row in the measures table), ``start`` and ``end``
    (times as integers, the smallest for none), whether each is ``bail`` (pre-charge), ``rui``
    or ``protective``, and the dates' type."""

    subject: np.ndarray
    at: np.ndarray
    start: np.ndarray
    end: np.ndarray
    bail: np.ndarray
    rui: np.ndarray
    protective: np.ndarray
    dates: np.dtype

    def in_force(self, as_of: pd.Timestamp) -> np.ndarray:
        """Whether each measure is in force on ``as_of``: started, not yet ended (as
        :func:`scoring.status.measures_in_force`)."""
        day = np.datetime64(as_of.to_datetime64(), np.datetime_data(self.dates)[0]).astype(np.int64)
        none = np.iinfo(np.int64).min
        return (self.start != none) & (self.start <= day) & ((self.end == none) | (self.end >= day))


def _measures_by_subject(prepared: Prepared) -> _Measures:
    """:class:`_Measures` of the tables, kept with them."""
    def build() -> _Measures:
        measures = prepared.context.tables.measures
        found = measures.assign(subject=prepared.index.measure_subjects, at=np.arange(len(measures)))
        found = found[found["subject"] >= 0].sort_values(["subject", "start_date", "measure_id"])
        kind = found["type"]
        return _Measures(subject=found["subject"].to_numpy(np.int64), at=found["at"].to_numpy(np.int64),
                         start=found["start_date"].to_numpy().view(np.int64), end=found["end_date"].to_numpy().view(np.int64),
                         bail=(kind == "pre_charge_bail").to_numpy(dtype=bool), rui=(kind == "rui").to_numpy(dtype=bool),
                         protective=kind.isin(PROTECTIVE_TYPES).to_numpy(dtype=bool), dates=found["end_date"].dtype)
    return kept(prepared, ("measures_by_subject",), build)


def _reasons(out: dict[str, Any]) -> pa.Array:
    """'Active: ...; 2 breach(es) not charged; ...' per person, as Arrow text; most have nothing
    to say."""
    active = out["active_measures"]
    some = np.flatnonzero(pc.not_equal(active, "").to_numpy(zero_copy_only=False) | (out["breaches_not_charged"] != 0)
                          | (out["breaches_not_offences"] != 0) | out["bail_lapsing"] | out["rui_without_conditions"])
    # Row by row: a few thousand people have something to say, and many column steps cost more.
    said = []
    for active_text, uncharged, not_offences, not_offence_text, lapsing, lapses_on, rui in zip(
            active.take(pa.array(some)).to_pylist(), out["breaches_not_charged"][some].tolist(),
            out["breaches_not_offences"][some].tolist(), out["not_offence_text"][some].tolist(),
            out["bail_lapsing"][some].tolist(), day(pd.Series(out["bail_lapses_on"][some])).tolist(),
            out["rui_without_conditions"][some].tolist()):
        parts = ["active: " + active_text if active_text != "" else "no active measures",
                 f"{uncharged} breach(es) not charged" if uncharged > 0 else "",
                 "breaches that are not offences (no charge possible): " + not_offence_text if not_offences > 0 else "",
                 "pre-charge bail lapses on " + lapses_on if lapsing else "",
                 "released under investigation with no protective conditions" if rui else ""]
        text = "; ".join(part for part in parts if part != "")
        said.append(text[:1].upper() + text[1:])
    which = np.zeros(len(out["bail_lapsing"]), dtype=np.int64)
    which[some] = np.arange(1, len(some) + 1)
    return arrow_text(np.array(["No active measures", *said], dtype=object)).take(pa.array(which))


def measure_status(prepared: Prepared, people: pd.Index | None = None,
                   settings: SignalConfig | None = None) -> pd.DataFrame:
    """Protective measures and their gaps, indexed by person code: every suspect or offender up
    to the as-of date and every measure subject, or those among ``people``.

    Columns: ``active_measures`` ('nmo protecting P-x until 2026-12-01; ...'),
    ``breaches_not_charged`` (breach incidents up to the as-of date with no charge outcome),
    ``bail_lapsing`` (pre-charge bail in force that ends within ``measures.bail_lapsing_days``),
    ``bail_lapses_on`` (the earliest such end date, else NaT), ``rui_without_conditions``
    (released under investigation with no protective order or bail in force), ``reason``.
    ``settings`` default to the context's.

    >>> from scoring.signals.example import example_prepared
    >>> prepared = example_prepared()
    >>> found = prepared.decode(measure_status(prepared))
    >>> found[["person_id", "breaches_not_charged", "bail_lapses_on", "rui_without_conditions"]]
      person_id  breaches_not_charged bail_lapses_on  rui_without_conditions
    0       P-1                     0     2026-07-05                   False
    1       P-4                     1            NaT                   False
    2       P-6                     0            NaT                    True
    >>> found["reason"][1]
    'Active: nmo protecting Eve Example until 2026-12-31; 1 breach(es) not charged'
    """
    if people is None:
        subjects = prepared.index.measure_subjects
        people = prepared.people(np.r_[prepared.history_perpetrators["person"].to_numpy(), subjects[subjects >= 0]])
    out = _status(prepared, people, settings or prepared.context.config.signals)
    frame = pd.DataFrame(index=people)
    frame["active_measures"] = pd.Series(out["active_measures"], dtype="str").array
    for column in ("breaches_not_charged", "breaches_not_offences", "bail_lapsing", "bail_lapses_on",
                   "rui_without_conditions"):
        frame[column] = out[column]
    frame["reason"] = pd.Series(out["reason"], dtype="str").array
    return frame


def _status(prepared: Prepared, people: pd.Index, settings: SignalConfig) -> dict[str, Any]:
    """:func:`measure_status`'s columns (and ``protective_measure``: a protective order or
    pre-charge bail in force) for ``people``, in their order, as arrays."""
    as_of = prepared.context.as_of_day
    slot = _slots(prepared, people)
    measures = _measures_by_subject(prepared)
    active = np.flatnonzero(measures.in_force(as_of) & (slot[measures.subject] >= 0))
    live = slot[measures.subject[active]]
    out: dict[str, Any] = {"active_measures": _active_text(measures.subject[active], measures.at[active],
                                                                  prepared, slot)[:len(people)]}
    out.update(_breach_counts_per_person(settings, prepared, people, slot))

    end = measures.end[active]
    lapsing = np.datetime64(as_of + pd.Timedelta(days=settings.measures.bail_lapsing_days), np.datetime_data(
        measures.dates)[0]).astype(np.int64)
    bail = measures.bail[active] & (end != np.iinfo(np.int64).min) & (end <= lapsing)
    bail_end = np.full(len(people), np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(bail_end, live[bail], end[bail])
    out["bail_lapsing"] = bail_end < np.iinfo(np.int64).max
    out["bail_lapses_on"] = np.where(out["bail_lapsing"], bail_end, np.iinfo(np.int64).min).view(measures.dates)

    def any_of(kind: np.ndarray) -> np.ndarray:
        held = np.zeros(len(people), dtype=bool)
        held[live[kind[active]]] = True
        return held

    protective = any_of(measures.protective)
    out["rui_without_conditions"] = any_of(measures.rui) & ~protective
    out["protective_measure"] = protective
    out["reason"] = _reasons(out)
    return out


def _measure_columns(data: RankingData, rows: pd.DataFrame) -> pd.DataFrame:
    """Protective-measure status and gaps of each row, one vectorised pass.

    ``protective_measure``: a protective order or pre-charge bail in force on the as-of date.
    From :func:`measure_status`: ``breaches_not_charged``, ``bail_lapses_on`` (NaT unless
    pre-charge bail lapses within ``measures.bail_lapsing_days``), ``rui_without_conditions``,
    ``active_measures`` and its sentence, ``measure_reason``.
    """
    people = pd.Index(rows["person"], name="person")
    status = _status(data.prepared, people, data.context.config.signals)
    return pd.DataFrame({name: status[name] for name in (
        "protective_measure", "breaches_not_charged", "bail_lapses_on", "rui_without_conditions")}
        | {"active_measures": pd.Series(status["active_measures"], dtype="str").array,
           "measure_reason": pd.Series(status["reason"], dtype="str").array},
        index=rows.index)


MEASURES = Evidence("measures", _measure_columns, empty={
    "protective_measure": False, "breaches_not_charged": 0, "bail_lapses_on": pd.NaT,
    "rui_without_conditions": False, "active_measures": "", "measure_reason": ""})


def _breach_counts(data: RankingData, rows: pd.DataFrame) -> pd.DataFrame:
    """Per row: ``breaches``, incidents in the window that are a breach offence or a recorded
    breach of a measure they are subject to, and ``breach_kinds``, what they breached ('1 of a
    non-molestation order, 1 of pre-charge bail')."""
    prepared = data.prepared
    people = pd.Index(rows["person"], name="person")
    every = _every_breach(prepared, data.context.config.signals.measures)
    at = _breaches_of(prepared, every, people)
    at = at[prepared.in_window[every["row"].to_numpy()[at]]]
    slot = _slots(prepared, people)
    kinds = np.full(len(people), "", dtype=object)
    said = _kinds_text(every.take(at))
    kinds[slot[said.index.to_numpy(np.int64)]] = said.to_numpy(dtype=object)
    return pd.DataFrame({"breaches": np.bincount(slot[every["person"].to_numpy()[at]], minlength=len(people)).astype(
        np.int64), "breach_kinds": pd.Series(arrow_text(kinds), dtype="str").array}, index=rows.index)


BREACHES = Evidence("breaches", _breach_counts, empty={"breaches": 0, "breach_kinds": ""})


def _or(words: tuple[str, ...]) -> str:
    """'a', 'a or b', 'a, b or c'.

    >>> _or(("charged",)), _or(("charged", "convicted", "caution"))
    ('charged', 'charged, convicted or caution')
    """
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


def _not_offences(settings: MeasureSettings) -> tuple[str, ...]:
    """The breaches that are not offences, in words, each once.

    >>> _not_offences(MeasureSettings())
    ('pre-charge bail', 'a DVPN', 'a DVPO', 'a DAPN', 'bail conditions')
    """
    kinds = pd.Series([*settings.not_offence_measures, *settings.not_offence_breaches], dtype=object)
    return tuple(dict.fromkeys(breach_words(kinds)))


def _protected_victims(data: RankingData, rows: pd.DataFrame, settings: None) -> pd.Series:
    """Victims with no protective measure protecting them in force."""
    protected = set(active_measures(data.context)["protected_person_id"].dropna())
    return ~isin(rows["person_id"], protected)


NO_PROTECTIVE_MEASURE = Signal(
    name="no_protective_measure", label="no protective measure", group="protection", always_on=True,
    perpetrators=Rule(
        flag=lambda data, rows, settings: ~rows["protective_measure"],
        reason=lambda row, context, settings: f"no protective order or pre-charge bail in force on {context.as_of}",
        needs=(MEASURES,),
        description="no protective order or bail in force on the as-of date, at any rank"),
    victims=Rule(flag=_protected_victims,
                 description="no protective order or notice protecting them in force on the as-of date"))

BREACH_NOT_CHARGED = Signal(
    name="breach_not_charged", label="breach not charged", group="protection", always_on=True,
    settings_model=MeasureSettings, settings_key="measures",
    perpetrators=Rule(
        flag=lambda data, rows, settings: rows["breaches_not_charged"] > 0,
        reason=lambda row, context, settings: (
            f"{row.get('breaches_not_charged')} breach(es) up to {context.as_of} (a breach offence, or an "
            f"incident recorded as breaching one of their measures) with no outcome of "
            f"{_or(tuple(settings.charge_outcomes))}; breaches of {_or(_not_offences(settings))} are not "
            f"offences and are not counted"),
        needs=(MEASURES,),
        description="a breach that is an offence (a breach offence, or an incident recorded as breaching a "
                    "measure against them) whose outcome is not a charge, caution or conviction; breaches "
                    "of bail, a DVPN, DVPO or DAPN are not offences and never count"))

BAIL_LAPSING = Signal(
    name="bail_lapsing", label="bail lapsing soon", group="protection", always_on=True,
    settings_model=MeasureSettings, settings_key="measures",
    perpetrators=Rule(
        flag=lambda data, rows, settings: rows["bail_lapses_on"].notna(),
        reason=lambda row, context, settings: (
            f"pre-charge bail lapses on {pd.Timestamp(row['bail_lapses_on']):%Y-%m-%d}, within "
            f"{settings.bail_lapsing_days} days of {context.as_of}" if pd.notna(row.get("bail_lapses_on")) else None),
        needs=(MEASURES,),
        description="pre-charge bail in force that ends within 14 days of the as-of date"))

RUI_NO_CONDITIONS = Signal(
    name="rui_no_conditions", label="released under investigation, no conditions", group="protection",
    always_on=True, short="RUI, no conditions",
    perpetrators=Rule(
        flag=lambda data, rows, settings: rows["rui_without_conditions"],
        reason=lambda row, context, settings: (f"released under investigation on {context.as_of} with no "
                                               "protective order or pre-charge bail in force"),
        needs=(MEASURES,),
        description="released under investigation with no order or bail in force"))

BREACH = Signal(
    name="breach", label="breach of an order or bail", group="protection", always_on=True,
    perpetrators=Rule(
        flag=lambda data, rows, settings: rows["breaches"] > 0,
        reason=lambda row, context, settings: (f"{row.get('breaches')} breach(es) in the window: "
                                               f"{row.get('breach_kinds')}"),
        needs=(BREACHES,),
        description="a breach offence or a recorded breach of a measure in the window"))
