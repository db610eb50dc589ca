"""Potential dangerous persons (PDP): DA charges against different partners, no MAPPA.

College of Policing: a PDP is someone not managed under MAPPA where there are reasonable
grounds to believe they risk committing offences causing serious harm; the first example is
someone charged with domestic abuse offences on several occasions against different partners
but never convicted of a MAPPA-eligible offence. This rule reads **all history up to the
as-of date**, not only the scoring window: a MAPPA-eligible conviction ten years ago still
counts, and so do charges outside the window.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

import numpy as np
import pandas as pd

from scoring.context import ScoringContext
from scoring.prepared import Prepared
from scoring.reasons import day, once_per_distinct, text_column
from scoring.signals.base import Evidence, RankingData, Rule, Signal, history_of, kept, whole_record_answers
from scoring.signals.settings import PdpSettings, SignalConfig


def _counted_incidents(settings: SignalConfig, prepared: Prepared, perps: pd.DataFrame,
                       links: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(person, row) of domestic abuse charges (or allegations), and the partner links."""
    pdp = settings.pdp
    index = prepared.index
    partner_links = links[links["relationship"].isin(pdp.partner_relationships).to_numpy(dtype=bool)]
    row = perps["row"].to_numpy()
    counted_outcome = (np.ones(len(perps), dtype=bool) if pdp.count_allegations
                       else kept(prepared, ("one_of", "outcome", tuple(pdp.charge_outcomes)),
                                 lambda: index.one_of("outcome", pdp.charge_outcomes))[row])
    domestic = index.column("domestic", row) | prepared.pairs_among(perps, partner_links)
    counted = perps[counted_outcome & domestic & ~index.column("non_crime", row)]
    return counted, partner_links


# The counted outcomes as the evidence names them (a caution is not a charge), in this order.
OUTCOME_WORDS = {"charged": ("charge", "charges"), "caution": ("caution", "cautions"),
                 "convicted": ("conviction", "convictions")}
OUTCOME_COLUMNS = [f"n_{outcome}" for outcome in OUTCOME_WORDS] + ["n_other"]


def _outcome_places(prepared: Prepared) -> np.ndarray:
    """Per incident row: the place of its outcome among :data:`OUTCOME_COLUMNS` (kept with the tables)."""
    place = {outcome: i for i, outcome in enumerate(OUTCOME_WORDS)}
    return kept(prepared, ("pdp_outcome_places",),
                lambda: prepared.index.mapped("outcome", place, len(place), np.int64))


def _outcome_phrase(facts: pd.DataFrame) -> pd.Series:
    """'2 charges, 1 caution' from the ``n_*`` counts (other outcomes as 'N other').

    >>> _outcome_phrase(pd.DataFrame({"n_charged": [2, 0], "n_caution": [1, 0], "n_convicted": [0, 1],
    ...                               "n_other": [0, 3]})).tolist()
    ['2 charges, 1 caution', '1 conviction, 3 other outcomes']
    """
    words = list({**OUTCOME_WORDS, "other": ("other outcome", "other outcomes")}.values())
    # A loop over rows: a list words a few hundred people, and many small column steps cost more.
    counts = facts[[f"n_{key}" for key in (*OUTCOME_WORDS, "other")]].to_numpy(dtype=np.int64).tolist()
    return pd.Series([", ".join(f"{n} {one if n == 1 else many}" for n, (one, many) in zip(row, words) if n > 0)
                      for row in counts], index=facts.index, dtype="str")


def sentence_facts(prepared: Prepared, pdp: PdpSettings) -> tuple[np.ndarray, np.ndarray]:
    """Per incident row: whether its recorded sentence brings MAPPA for a category 2 offence
    (``pdp.mappa_custody_sentences`` for ``pdp.mappa_custody_months`` or more), and whether the
    sentence is known well enough to say (a sentence of another kind, or custody with its months).

    >>> from scoring.signals.example import example_prepared
    >>> brings, known = sentence_facts(example_prepared(), PdpSettings())
    >>> bool(brings.any()), bool(known.any())  # the example force records no sentence
    (False, False)
    """
    incidents = prepared.index.incidents
    sentence, months = incidents["sentence"], incidents["sentence_months"]
    custodial = sentence.isin(pdp.mappa_custody_sentences).fillna(False).to_numpy(dtype=bool)
    has_months = months.notna().to_numpy(dtype=bool)
    long_enough = (months >= pdp.mappa_custody_months).fillna(False).to_numpy(dtype=bool)
    brings = custodial & long_enough
    known = brings | (sentence.notna().to_numpy(dtype=bool) & ~custodial) | (custodial & has_months)
    return brings, known


def _sentence_words(prepared: Prepared, rows: np.ndarray) -> pd.Series:
    """', sentenced: custody for 18 months' or ', sentenced: community' for each incident row, ''
    where no sentence is recorded."""
    incidents = prepared.index.incidents
    sentence = pd.Series(incidents["sentence"].array.take(rows), dtype=object)
    months = pd.Series(incidents["sentence_months"].array.take(rows), dtype=object)
    said = months.map(lambda m: "" if pd.isna(m) else f" for {float(m):g} months")
    return pd.Series(np.where(sentence.notna(), ", sentenced: " + sentence.fillna("").astype(str) + said, ""))


def _mappa_convictions(prepared: Prepared, pdp: PdpSettings) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
    """The convictions PDP reads, kept with the tables (they depend on the tables and settings
    alone): per incident row, whether it is a conviction for an offence that brings MAPPA on
    conviction (``on_conviction``), or for one that brings it only with a long enough custodial
    sentence, that sentence recorded (``brings``), not known well enough (``unknown``) or too
    short (``short``); then each such row's place in the words, and the words: 'label on day',
    with the sentence where one is recorded."""
    context = prepared.context
    key = ("pdp_convictions", context.catalogue.fingerprint, tuple(context.config.perpetrator_roles),
           pdp.model_dump_json())
    found = context.tables.derived.get(key)
    if found is None:
        index = prepared.index
        convicted = index.one_of("outcome", ["convicted"])
        on_conviction = tuple(o for o in pdp.mappa_offences if o in pdp.mappa_on_conviction)
        needs_sentence = convicted & index.one_of("offence", tuple(o for o in pdp.mappa_offences
                                                                   if o not in pdp.mappa_on_conviction))
        brings, known = sentence_facts(prepared, pdp)
        kinds = {"on_conviction": convicted & index.one_of("offence", on_conviction),
                 "brings": needs_sentence & brings, "unknown": needs_sentence & ~known,
                 "short": needs_sentence & known & ~brings}
        rows = np.flatnonzero(np.logical_or.reduce(list(kinds.values())))
        label = pd.Series(index.incidents["label"].array.take(rows))
        words = label + " on " + day(pd.Series(index.occurred[rows])) + _sentence_words(prepared, rows)
        place = np.full(len(index.incidents), -1, dtype=np.int64)
        place[rows] = np.arange(len(rows))
        found = (kinds, place, words.to_numpy(dtype=object))
        context.tables.derived[key] = found
    return found


def _latest_mappa_conviction(perps: pd.DataFrame, prepared: Prepared, pdp: PdpSettings,
                             kind: str) -> tuple[np.ndarray, np.ndarray]:
    """The people with a conviction of ``kind`` (see :func:`_mappa_convictions`) and 'label on
    day' of each one's latest, with the sentence where one is recorded."""
    kinds, place, words = _mappa_convictions(prepared, pdp)
    row, person = perps["row"].to_numpy(np.int64), perps["person"].to_numpy(np.int64)
    hit = kinds[kind][row]
    who, where = person[hit], row[hit]
    # Latest by time; two on the same day: the higher incident id (a row orders like its id).
    order = np.lexsort((where, prepared.index.occurred[where].view(np.int64), who))
    last = order[np.r_[who[order][1:] != who[order][:-1], True]] if len(order) else order
    return who[last], words[place[where[last]]]


def _mappa_since(context: ScoringContext, prepared: Prepared, settings: SignalConfig) -> pd.Series:
    """Per person code: day of their latest MAPPA referral within ``pdp.mappa_current_days``."""
    person, when = kept(prepared, ("mappa_referrals",), lambda: _mappa_referrals(context, prepared))
    as_of = context.as_of_day.to_datetime64()
    current = (when <= as_of) & (when >= as_of - np.timedelta64(settings.pdp.mappa_current_days, "D"))
    people, at = np.unique(person[current], return_inverse=True)
    latest = np.full(len(people), np.iinfo(np.int64).min, dtype=np.int64)
    np.maximum.at(latest, at.reshape(-1), when[current].view(np.int64))
    return day(pd.Series(latest.view(when.dtype), index=pd.Index(people, name="person")))


def _mappa_referrals(context: ScoringContext, prepared: Prepared) -> tuple[np.ndarray, np.ndarray]:
    """The person code and date of each MAPPA referral of a known person (dated)."""
    referrals = context.tables.referrals
    person = prepared.index.referral_people
    mappa = (referrals["type"] == "mappa").to_numpy(dtype=bool) & (person >= 0) & referrals["date"].notna().to_numpy()
    return person[mappa], referrals["date"].to_numpy()[mappa]


def potential_pdp(prepared: Prepared, people: pd.Index | None = None,
                  settings: SignalConfig | None = None, reasons: Literal["all", "pdp"] = "all") -> pd.DataFrame:
    """Who is a potential PDP, indexed by person code: ``pdp``, ``reason``, ``occasions``
    (DA charges, or allegations when ``pdp.count_allegations``) and ``partners`` (different
    partners or ex-partners among them). Everyone who was a suspect or offender up to the
    as-of date, or those among ``people``; ``settings`` default to the context's.
    ``reasons="pdp"`` words the reason only for potential PDPs (missing for the others), as a
    list shows it; ``"all"`` says for everyone why they are, or are not, one.

    >>> from scoring.signals.example import example_prepared
    >>> prepared = example_prepared()
    >>> found = prepared.decode(potential_pdp(prepared))
    >>> found[["person_id", "pdp", "occasions", "partners"]]
      person_id    pdp  occasions  partners
    0       P-1   True          2         2
    1       P-4  False          0         0
    2       P-6  False          0         0
    >>> found["reason"][0]
    'Potential PDP: domestic abuse with an outcome of charge, conviction or caution on 2 occasion(s) (2 charges) against 2 different partner(s) or ex-partner(s) in all history up to 2026-06-30, with no conviction known to bring MAPPA and not managed under MAPPA'
    """
    settings = settings or prepared.context.config.signals
    return _decided(prepared, _record_facts(prepared, people, settings), settings, reasons)


# What PDP reads of a person's record up to the as-of date (see :func:`_record_facts`).
RECORD_COUNTS = ["occasions", "partners", *OUTCOME_COLUMNS]
RECORD_WORDS = ["mappa_conviction", "sentence_unknown", "sentence_short"]


def _record_facts(prepared: Prepared, people: pd.Index | None, settings: SignalConfig) -> pd.DataFrame:
    """Per person code who was a suspect or offender up to the as-of date (or those among
    ``people``), what PDP reads of their record (:func:`_record_arrays`)."""
    perps = history_of(prepared, "perpetrators", people)
    everyone = prepared.people(perps["person"])
    found = _record_arrays(prepared, perps, history_of(prepared, "links", people), everyone.to_numpy(), settings)
    del found["has_record"]
    return pd.DataFrame(found, index=everyone)


def _record_arrays(prepared: Prepared, perps: pd.DataFrame, links: pd.DataFrame, people: np.ndarray,
                   settings: SignalConfig) -> dict[str, np.ndarray]:
    """For each of ``people`` (distinct codes; ``perps`` and ``links``: their pairs up to the
    as-of date), what PDP reads of their record: ``has_record`` (any such pair),
    :data:`RECORD_COUNTS`, the words of their latest conviction bringing MAPPA, of one whose
    sentence is not known well enough and of one whose sentence is too short
    (:data:`RECORD_WORDS`, NaN where none), and ``doubt_left``, ``doubt_right``: two of the
    different partners counted who may be one woman (-1: none)."""
    pdp = settings.pdp
    counted, partner_links = _counted_incidents(settings, prepared, perps, links)
    partner_links = partner_links[prepared.pairs_among(partner_links, counted)]
    # Partner records that are probably one woman are one partner (scoring.victim_identity).
    identity = prepared.victims_as
    partners = partner_links.assign(victim=identity.counted(partner_links["victim"].to_numpy()))
    partners = partners.drop_duplicates(["person", "victim"])
    slot = np.zeros(len(prepared.index.people), dtype=np.int64)
    slot[people] = np.arange(len(people))
    person = slot[counted["person"].to_numpy()]
    by_outcome = np.zeros((len(people), len(OUTCOME_COLUMNS)), dtype=np.int64)
    np.add.at(by_outcome, (person, _outcome_places(prepared)[counted["row"].to_numpy()]), 1)
    out = {"has_record": np.bincount(slot[perps["person"].to_numpy()], minlength=len(people)) > 0,
           "occasions": np.bincount(person, minlength=len(people)).astype(np.int64),
           **{column: by_outcome[:, place] for place, column in enumerate(OUTCOME_COLUMNS)},
           "partners": np.bincount(slot[partners["person"].to_numpy()], minlength=len(people)).astype(np.int64)}
    # A conviction that brings MAPPA on conviction is named before one that brings it by its sentence.
    for column, kinds in (("mappa_conviction", ("brings", "on_conviction")), ("sentence_unknown", ("unknown",)),
                          ("sentence_short", ("short",))):
        out[column] = np.full(len(people), np.nan, dtype=object)
        for kind in kinds:
            who, words = _latest_mappa_conviction(perps, prepared, pdp, kind)
            out[column][slot[who]] = words
    doubtful = identity.doubtful_pairs(partners)
    for side in ("doubt_left", "doubt_right"):
        out[side] = np.full(len(people), -1, dtype=np.int64)
        out[side][slot[doubtful.index.to_numpy(np.int64)]] = doubtful[side].to_numpy(np.int64)
    return out


def _decided(prepared: Prepared, out: pd.DataFrame, settings: SignalConfig,
             reasons: Literal["all", "pdp"]) -> pd.DataFrame:
    """:func:`potential_pdp` from each person's :func:`_record_facts` (``out``, which it extends):
    the MAPPA referrals current on the as-of date, the decision and its words."""
    context = prepared.context
    pdp = settings.pdp
    out["mappa_since"] = _mappa_since(context, prepared, settings)

    enough = (out["occasions"] >= pdp.min_occasions) & (out["partners"] >= pdp.min_partners)
    has_conviction = out["mappa_conviction"].notna()
    managed = out["mappa_since"].notna()
    out["pdp"] = enough & ~has_conviction & ~managed

    told = out if reasons == "all" else out[out["pdp"].to_numpy(dtype=bool)].copy()
    if len(told) or told is out:
        _word_reasons(told, enough[told.index], has_conviction[told.index], managed[told.index], pdp,
                      pd.Timestamp(context.as_of).date())
        told["reason"] = _with_doubt(told, prepared)
    if told is not out:
        out["reason"] = told["reason"].reindex(out.index) if len(told) else None
    return out[["pdp", "reason", "occasions", "partners"]]


def _word_reasons(out: pd.DataFrame, enough: pd.Series, has_conviction: pd.Series, managed: pd.Series,
                  pdp: PdpSettings, as_of: date) -> None:
    """Set ``out["reason"]``: each person's PDP decision, with what to check about a sentence."""
    reason = _reasons(out, enough, has_conviction, managed, pdp, as_of)
    is_pdp = out["pdp"].to_numpy(dtype=bool)
    needs = f"{pdp.mappa_custody_months:g} months' custody or more"
    unknown_words, short_words = (out[column].to_numpy(dtype=object) for column in ("sentence_unknown", "sentence_short"))
    unknown = np.flatnonzero(is_pdp & pd.notna(unknown_words))  # most lists have none
    reason[unknown] = [f"{said}; convicted of {words}, which brings MAPPA only with {needs}, and "
                       + ("its length is not recorded" if ", sentenced: " in words else "the sentence is not recorded")
                       + ": check it" for said, words in zip(reason[unknown].tolist(), unknown_words[unknown].tolist())]
    short = np.flatnonzero(is_pdp & pd.notna(short_words))
    reason[short] = [f"{said}; convicted of {words}, a sentence that does not bring MAPPA (it needs {needs})"
                     for said, words in zip(reason[short].tolist(), short_words[short].tolist())]
    out["reason"] = reason


def _or_words(outcomes: tuple[str, ...]) -> str:
    """The counted outcomes as recorded, in words: 'charge, caution or conviction'.

    >>> _or_words(("charged", "convicted", "caution"))
    'charge, conviction or caution'
    """
    words = [OUTCOME_WORDS.get(outcome, (outcome.replace("_", " "),))[0] for outcome in outcomes]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


def _with_doubt(out: pd.DataFrame, prepared: Prepared) -> pd.Series:
    """Each reason, with 'uncertain: P-1 and P-2 may be one person recorded twice (...)' where
    two of the partners counted as different may be one woman (``doubt_left``, ``doubt_right``)."""
    reason = out["reason"].copy()
    doubtful = out[out["doubt_left"].to_numpy() >= 0]
    if doubtful.empty:
        return reason
    said = prepared.victims_as.doubt(doubtful["doubt_left"].to_numpy(np.int64),
                                     doubtful["doubt_right"].to_numpy(np.int64), prepared.named)
    reason.loc[doubtful.index] = (reason.loc[doubtful.index].to_numpy(dtype=object)
                                  + "; uncertain: 'different partners' rests on two records, " + said)
    return reason


def _reasons(out: pd.DataFrame, enough: pd.Series, has_conviction: pd.Series, managed: pd.Series,
             pdp: PdpSettings, as_of: date) -> np.ndarray:
    """The sentence behind each person's PDP decision; the first case that holds decides."""
    what = ("reported as a suspect in domestic abuse" if pdp.count_allegations
            else "domestic abuse with an outcome of " + _or_words(pdp.charge_outcomes))

    def counts(facts: pd.DataFrame) -> pd.Series:
        said = zip(facts["occasions"].tolist(), _outcome_phrase(facts).tolist(), facts["partners"].tolist())
        return pd.Series([f"{what} on {occasions} occasion(s)" + (f" ({outcomes})" if outcomes else "")
                          + f" against {partners} different partner(s) or ex-partner(s)"
                          for occasions, outcomes, partners in said], index=facts.index, dtype="str")

    needs = f" (needs {pdp.min_occasions} against {pdp.min_partners})"
    horizon = f" in all history up to {as_of}"

    def by_counts(facts: pd.DataFrame) -> pd.Series:
        said = zip(facts["case"].tolist(), counts(facts).tolist())
        return pd.Series(["Potential PDP: " + text + horizon
                          + ", with no conviction known to bring MAPPA and not managed under MAPPA" if case == 0
                          else "Not a potential PDP: " + text + needs + horizon if case == 1 else ""
                          for case, text in said], dtype=object)

    case = np.select([out["pdp"], ~enough, has_conviction, managed], [0, 1, 2, 3], default=4)
    reason = once_per_distinct(out[["occasions", "partners", *OUTCOME_COLUMNS]].assign(case=case), by_counts)
    convicted, referred = out[case == 2], out[case == 3]
    if len(convicted):  # a list words potential PDPs only: then there are none of these
        reason[case == 2] = ("Not a potential PDP: " + counts(convicted) + ", but convicted of a MAPPA-eligible "
                             "offence (" + convicted["mappa_conviction"].fillna("") + ")").to_numpy(dtype=object)
    if len(referred):
        reason[case == 3] = ("Not a potential PDP: " + counts(referred) + ", but managed under MAPPA (referral "
                             + referred["mappa_since"].fillna("") + ")").to_numpy(dtype=object)
    return reason


def _record_columns(data: RankingData, rows: pd.DataFrame) -> pd.DataFrame:
    """Each row's :func:`_record_arrays` (its person's record up to the as-of date)."""
    people = pd.Index(rows["person"], name="person")
    found = _record_arrays(data.prepared, history_of(data.prepared, "perpetrators", people),
                           history_of(data.prepared, "links", people), people.to_numpy(), data.context.config.signals)
    # Kept as objects: these words are read by the decision, not shown as a column.
    return pd.DataFrame({name: pd.array(values, dtype=object) if values.dtype == object else values
                         for name, values in found.items()}, index=rows.index)


# PDP's reading of each person's record, kept per person for re-ranks (see Evidence.whole_record):
# the decision and its words also read the as-of date and the MAPPA referrals current on it.
PDP_RECORD = Evidence("pdp_record", _record_columns, empty={}, whole_record=True)


def _pdp_columns(data: RankingData, rows: pd.DataFrame) -> pd.DataFrame:
    """``pdp`` and ``pdp_reason`` (only where ``pdp``) of each row: decided and worded for the
    few whose record is enough, with no conviction bringing MAPPA (the rest are not PDPs)."""
    people = pd.Index(rows["person"], name="person")
    settings = data.context.config.signals
    facts = whole_record_answers(data, PDP_RECORD, rows, "perpetrators")
    may = (facts.values("has_record") & (facts.values("occasions") >= settings.pdp.min_occasions)
           & (facts.values("partners") >= settings.pdp.min_partners) & pd.isna(facts.values("mappa_conviction")))
    at = np.flatnonzero(may)
    chosen = pd.DataFrame({name: facts.values(name, at) for name in facts.kept.columns if name != "has_record"},
                          index=people[may])
    found = _decided(data.prepared, chosen, settings, "pdp")
    is_pdp = np.zeros(len(rows), dtype=bool)
    is_pdp[may] = found["pdp"].to_numpy(dtype=bool)
    reason = np.full(len(rows), np.nan, dtype=object)
    reason[may] = found["reason"].where(found["pdp"]).to_numpy()
    return pd.DataFrame({"pdp": is_pdp, "pdp_reason": text_column(reason)}, index=rows.index)


PDP = Evidence("pdp", _pdp_columns, empty={"pdp": False, "pdp_reason": None}, headline="pdp_reason")

SIGNAL = Signal(
    name="pdp", label="potential PDP", group="management", always_on=True,
    settings_model=PdpSettings, settings_key="pdp",
    perpetrators=Rule(
        flag=lambda data, rows, settings: rows["pdp"],
        reason=lambda row, context, settings: row.get("pdp_reason"),
        needs=(PDP,),
        description="domestic abuse charged, cautioned or convicted (each named as recorded) on 2+ "
                    "occasions against 2+ different partners or ex-partners in all history, no conviction "
                    "known to bring MAPPA (a sexual offence needing notification; a violent offence counts only "
                    "with 12 months' custody or more as recorded in the incident's `sentence` and "
                    "`sentence_months`; where they are blank the reason asks for the sentence to be checked), "
                    "not managed under MAPPA"))
