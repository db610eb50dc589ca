"""Plain-English sentences a MATAC chair can read out: why each person is on a list."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from core.arrow_codes import arrow_text
from core.distinct import first_rows
from scoring.catalogue import OffenceCatalogue


def plural(count: pd.Series, singular: str, plural_form: str | None = None) -> pd.Series:
    """'1 incident', '3 incidents' for each count.

    >>> plural(pd.Series([1, 3]), "incident").tolist()
    ['1 incident', '3 incidents']
    """
    many = plural_form or singular + "s"
    words = np.where(count.to_numpy() == 1, singular, many)
    return count.astype("int64").astype(str) + " " + pd.Series(words, index=count.index)


def counted(count: int, singular: str, plural_form: str | None = None) -> str:
    """:func:`plural` of one count.

    >>> counted(1, "incident"), counted(3, "woman or girl", "women or girls")
    ('1 incident', '3 women or girls')
    """
    return f"{int(count)} {singular if count == 1 else plural_form or singular + 's'}"


def _each(facts: pd.DataFrame, columns: list[str]) -> zip:  # type: ignore[type-arg]
    """The rows of ``facts`` as tuples of Python values (a loop over a few hundred distinct
    rows costs less than pandas' column steps)."""
    return zip(*(facts[column].tolist() for column in columns))


def fill_in(template: str, *parts: np.ndarray) -> np.ndarray:
    """``template`` (one ``%s`` per part) filled in from equally long ``parts``, one string per
    row as an object array: one pass, where adding column to column builds every row's text
    again at each step.

    >>> fill_in("%s of %s", np.array([1, 2]), np.array(["a", "b"], dtype=object)).tolist()
    ['1 of a', '2 of b']
    """
    out = np.empty(len(parts[0]), dtype=object)
    out[:] = [template % values for values in zip(*(np.asarray(part).tolist() for part in parts))]
    return out


def text_column(values: np.ndarray) -> np.ndarray | pd.api.extensions.ExtensionArray:
    """An object array of text as pandas makes it in a new column: its ``str`` type (missing as
    NaN), or the objects as they are when none is text (all missing, or none at all). Converted
    in one Arrow step: pandas' own inference costs several times as much on a list's rows.

    >>> pd.DataFrame({"a": text_column(np.array(["x", None], dtype=object))})["a"].dtype
    <StringDtype(na_value=nan)>
    >>> text_column(np.array([None], dtype=object)).dtype
    dtype('O')
    """
    array = text_or_none(values)
    if array is None or array.null_count == len(array):
        return values  # not all text, or none at all: pandas keeps the objects
    return pd.Series(array, dtype="str").array


def text_or_none(values: np.ndarray) -> pa.Array | None:
    """``values`` as Arrow text (:func:`core.arrow_codes.arrow_text`), None when some are not text.

    >>> text_or_none(np.array(["a", None], dtype=object)).to_pylist(), text_or_none(np.array([1], dtype=object))
    (['a', None], None)
    """
    try:
        return arrow_text(values)
    except (pa.ArrowTypeError, pa.ArrowInvalid):
        return None


def joined_runs(texts: object, starts: np.ndarray, sep: str) -> pa.Array:
    """The texts of each run joined with ``sep`` (texts grouped so that each group is one run,
    the runs starting at ``starts``), in one Arrow step; null where a text is missing.

    >>> joined_runs(np.array(["a", "b", "c"], dtype=object), np.array([0, 2]), ", ").to_pylist()
    ['a, b', 'c']
    """
    values = arrow_text(texts)
    offsets = pa.array(np.r_[starts, len(values)].astype(np.int64))
    return pc.binary_join(pa.LargeListArray.from_arrays(offsets, values), pa.scalar(sep, pa.large_string()))


def filled(template: str, *parts: pa.Array) -> pa.Array:
    """:func:`fill_in` of Arrow text, in one Arrow step: ``template``'s ``%s`` filled in from
    ``parts`` (at least one), row by row.

    >>> filled("%s of %s!", pa.array(["1", "2"]), pa.array(["a", "b"])).to_pylist()
    ['1 of a!', '2 of b!']
    """
    literals = template.split("%s")
    pieces: list[pa.Array | str] = [literals[0]]
    for part, literal in zip(parts, literals[1:], strict=True):
        pieces += [part, literal]
    return joined(*(piece for piece in pieces if not isinstance(piece, str) or piece))


def _distinct_rows(facts: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(which distinct row each row is, the first row of each distinct one) for integer facts."""
    values = facts.to_numpy(dtype=np.int64)
    key = np.zeros(len(facts), dtype=np.int64)
    room = 1
    for column in values.T:
        low, span = (int(column.min()), int(column.max() - column.min()) + 1) if len(column) else (0, 1)
        room *= span
        if room >= 2**62:  # too many combinations for one integer: let NumPy compare whole rows
            _, first, which = np.unique(values, axis=0, return_index=True, return_inverse=True)
            return which.reshape(-1), first
        key = key * span + (column - low)
    which, distinct = pd.factorize(key)
    return which, first_rows(which, len(distinct))


def once_per_distinct(facts: pd.DataFrame, sentence: Callable[[pd.DataFrame], pd.Series]) -> np.ndarray:
    """``sentence(facts)`` as an object array, worked out once per distinct row of ``facts``
    (integer columns). Most people share a handful of sentences ("charged on 0 occasions..."),
    and building a sentence for each of 150,000 rows costs far more than looking it up.

    >>> once_per_distinct(pd.DataFrame({"n": [2, 1, 2]}), lambda f: "n=" + f["n"].astype(str)).tolist()
    ['n=2', 'n=1', 'n=2']
    """
    which, texts = _sentences(facts, sentence)
    return texts[which]


def once_per_distinct_text(facts: pd.DataFrame, sentence: Callable[[pd.DataFrame], pd.Series]) -> pa.Array:
    """:func:`once_per_distinct` as Arrow text, each distinct sentence converted once: what a
    list's text column is stored as, without a Python object per row on the way.

    >>> once_per_distinct_text(pd.DataFrame({"n": [2, 1, 2]}), lambda f: "n=" + f["n"].astype(str)).to_pylist()
    ['n=2', 'n=1', 'n=2']
    """
    return _coded_text(*_sentences(facts, sentence))


def _sentences(facts: pd.DataFrame, sentence: Callable[[pd.DataFrame], pd.Series]) -> tuple[np.ndarray, np.ndarray]:
    """Which distinct row of ``facts`` each row is, and each distinct row's sentence."""
    which, first = _distinct_rows(facts)
    return which, np.asarray(pd.Series(sentence(facts.iloc[first].reset_index(drop=True))).to_numpy(dtype=object))


def _coded_text(which: np.ndarray, texts: np.ndarray) -> pa.Array:
    """``texts[which]`` as Arrow text, each distinct text converted once."""
    return arrow_text(texts).take(pa.array(which))


def _months_phrase(months: pd.Series) -> pd.Series:
    """'over 14 months' / 'over 2 years 3 months' for one month or more."""
    said = []
    for count in months.tolist():
        years, rest = count // 12, count % 12
        long_form = counted(years, "year") + (" " + counted(rest, "month") if rest > 0 else "")
        said.append("over " + (long_form if count >= 24 else counted(count, "month")))
    return pd.Series(said, index=months.index, dtype=object)


def span_phrase(first: pd.Series, last: pd.Series) -> pd.Series:
    """'on 2026-03-02' for one day, else 'over 14 months' / 'over 2 years 3 months'.

    >>> first = pd.to_datetime(pd.Series(["2025-01-10", "2024-01-01", "2021-01-01"]))
    >>> last = pd.to_datetime(pd.Series(["2025-01-10", "2025-03-01", "2023-04-15"]))
    >>> span_phrase(first, last).tolist()
    ['on 2025-01-10', 'over 14 months', 'over 2 years 3 months']
    """
    return pd.Series(_span_words(first, last), index=first.index)


def _span_words(first: pd.Series, last: pd.Series) -> np.ndarray:
    """:func:`span_phrase` as an object array."""
    # Calendar arithmetic on NumPy's day and month units: a whole month counts once the day of
    # the month is reached again.
    first_day, last_day = first.to_numpy().astype("M8[D]"), last.to_numpy().astype("M8[D]")
    first_month, last_month = first_day.astype("M8[M]"), last_day.astype("M8[M]")
    day_of = (last_day - last_month.astype("M8[D]")) < (first_day - first_month.astype("M8[D]"))
    months = ((last_month - first_month).astype(np.int64) - day_of).clip(min=0)
    days = (last.to_numpy() - first.to_numpy()) // np.timedelta64(1, "D") + 1
    # Spans repeat a lot: each distinct one is put in words once.
    text = np.where(months >= 1, once_per_distinct(pd.DataFrame({"months": months}),
                                                   lambda facts: _months_phrase(facts["months"])),
                    once_per_distinct(pd.DataFrame({"days": days}), lambda facts: pd.Series(
                        ["within " + counted(n, "day") for n in facts["days"].tolist()], dtype=object)))
    same_day = first_day == last_day
    if same_day.any():
        text[same_day] = "on " + day_words(first.to_numpy()[same_day])
    return text


def dates_text(values: pd.Series) -> pd.Series:
    """``values.dt.strftime("%Y-%m-%d")`` (missing stays missing), each distinct day written once:
    a list's dates fall on a few hundred days.

    >>> dates_text(pd.Series(pd.to_datetime(["2026-03-02 17:45", None, "2026-03-02 00:00"]))).tolist()
    ['2026-03-02', nan, '2026-03-02']
    """
    return pd.Series(day_words(values.to_numpy()), index=values.index, dtype="str")


def day_words(values: np.ndarray) -> np.ndarray:
    """:func:`dates_text` of NumPy times, as an object array (NaN where missing).

    >>> day_words(np.array(["2026-03-02T17:45", "NaT"], dtype="M8[us]")).tolist()
    ['2026-03-02', nan]
    """
    codes, words = day_codes(values)
    return words[codes]


def day_codes(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each time's day as a code into the distinct days' words ('YYYY-MM-DD', NaN: missing)."""
    days = np.asarray(values).astype("M8[D]")
    codes, distinct = pd.factorize(days.view(np.int64))
    distinct = distinct.view("M8[D]")
    words = np.datetime_as_string(distinct, unit="D").astype(object)
    words[np.isnat(distinct)] = np.nan
    return codes, words


def day(values: pd.Series) -> pd.Series:
    """Dates as 'YYYY-MM-DD' text ('' when missing)."""
    return dates_text(values).fillna("")


def recency_phrase(days: pd.Series, custody_days: pd.Series | None = None) -> pd.Series:
    """'last incident 12 days before the as-of date' (or 'on the as-of date'), saying how many
    of those days were spent in custody, which recency does not count as quiet time.

    >>> recency_phrase(pd.Series([0, 12, 200]), pd.Series([0, 0, 150])).tolist()[1:]
    ['last incident 12 days before the as-of date', 'last incident 200 days before the as-of date, 150 of them in custody (not counted as time without offending: recency reads the 50 days at liberty)']
    """
    held = [0] * len(days) if custody_days is None else custody_days.tolist()
    said = []
    for quiet, custody in zip(days.tolist(), held):
        text = ("last incident on the as-of date" if quiet == 0
                else "last incident " + counted(quiet, "day") + " before the as-of date")
        if custody > 0:
            text += (f", {custody} of them in custody (not counted as time without offending: recency reads the "
                     + counted(quiet - custody, "day") + " at liberty)")
        said.append(text)
    return pd.Series(said, index=days.index, dtype=object)


def most_serious_phrase(offences: pd.Series, when: pd.Series, catalogue: OffenceCatalogue) -> pd.Series:
    """'most serious: Assault occasioning ABH (s47) on 2026-03-02' (missing when either is)."""
    labels, dates = _most_serious_parts(offences, when, catalogue)
    text = "most serious: " + labels + " on " + dates
    text[pd.isna(labels) | pd.isna(dates)] = np.nan
    return pd.Series(text, index=offences.index)


def _most_serious_parts(offences: pd.Series, when: pd.Series, catalogue: OffenceCatalogue) -> tuple[np.ndarray,
                                                                                                      np.ndarray]:
    """Each offence's catalogue label (its code where the catalogue has none) and its day, as
    object arrays (NaN where missing): a list holds a few dozen offences, each labelled once."""
    labels, days = _most_serious_coded(offences, when, catalogue)
    return labels[0][labels[1]], days[0][days[1]]


def _most_serious_coded(offences: pd.Series, when: pd.Series,
                        catalogue: OffenceCatalogue) -> tuple[tuple[np.ndarray, np.ndarray], ...]:
    """:func:`_most_serious_parts` as (distinct words, code per row) pairs."""
    codes, distinct = pd.factorize(offences)
    named = pd.Series(distinct).map(catalogue.table["label"]).fillna(pd.Series(distinct))
    on_day, days = day_codes(when.to_numpy())
    return (np.append(named.to_numpy(dtype=object), np.nan), codes), (days, on_day)


def _per_row(texts: np.ndarray | pa.Array, index: pd.Index) -> pd.Series:
    return pd.Series(texts, index=index, dtype="str")


def _offender_head(facts: pd.DataFrame) -> pd.Series:
    """'5 incidents against 2 victims (2 women or girls)', saying when victim records that are
    probably one person were counted once, and when two victims counted apart may be one.

    >>> _offender_head(pd.DataFrame({"incidents": [5, 3], "victims": [2, 2], "female_victims": [2, 1],
    ...     "victim_records": [3, 2], "doubtful": [0, 1]})).tolist()[0]
    '5 incidents against 2 victims (2 women or girls; 3 victim records, probable duplicates counted once)'
    >>> _offender_head(pd.DataFrame({"incidents": [5, 3], "victims": [2, 2], "female_victims": [2, 1],
    ...     "victim_records": [3, 2], "doubtful": [0, 1]})).tolist()[1]
    '3 incidents against 2 victims (1 woman or girl; uncertain: 1 pair of victim records may be one person recorded twice, counted once)'
    """
    said = []
    for incidents, victims, female, records, doubtful in _each(
            facts, ["incidents", "victims", "female_victims", "victim_records", "doubtful"]):
        if victims > 0:
            kind = (" victim records, duplicates counted once" if doubtful > 0
                    else " victim records, probable duplicates counted once")
            merged = f"; {records}{kind}" if records > victims else ""
            # the doubt sits inside the victims' bracket, so the span that follows still reads as the span
            doubt = (f"; uncertain: {counted(doubtful, 'pair')} of victim records may be one person recorded "
                     "twice, counted once" if doubtful > 0 else "")
            against = (f"against {counted(victims, 'victim')} ("
                       f"{counted(female, 'woman or girl', 'women or girls')}{merged}{doubt})")
        else:
            against = "with no victim recorded"
        said.append(f"{counted(incidents, 'incident')} {against}")
    return pd.Series(said, index=facts.index, dtype=object)


def _victim_head(facts: pd.DataFrame) -> pd.Series:
    """'3 incidents (3 recorded offences) by 2 different offenders (1 partner or ex-partner)'."""
    partners = np.where(facts["partner_offenders"] > 0,
                        " (" + facts["partner_offenders"].astype(str) + " partner or ex-partner)", "")
    return (plural(facts["incidents"], "incident") + " (" + plural(facts["offences"], "recorded offence")
            + ") by " + plural(facts["offenders"], "different offender") + partners)


def _history_parts(scored: pd.DataFrame, catalogue: OffenceCatalogue) -> tuple[pa.Array, ...]:
    """The words of a person's history, as Arrow text: the span ('over 14 months'), the most
    serious offence's label and day, and the recency ('last incident 12 days before the as-of
    date'). Each is missing where it cannot be told."""
    if "custody_days" in scored:
        recency = _sentences(scored[["days_since_last", "custody_days"]], lambda facts: recency_phrase(
            facts["days_since_last"], facts["custody_days"]))
    else:
        recency = _sentences(scored[["days_since_last"]], lambda facts: recency_phrase(facts["days_since_last"]))
    span = arrow_text(_span_words(scored["first_incident"], scored["last_incident"]))
    (labels, label), (days, day) = _most_serious_coded(scored["most_serious_offence"], scored["most_serious_at"],
                                                       catalogue)
    return span, _coded_text(label, labels), _coded_text(day, days), _coded_text(*recency)


def joined(*parts: pa.Array | str) -> pa.Array:
    """Each row's parts (Arrow text, and literal words between them) put together in one Arrow
    step; missing where a part is.

    >>> joined(pa.array(["a", None]), " vs ", pa.array(["b", "c"])).to_pylist()
    ['a vs b', None]
    """
    text = pa.large_string()
    return pc.binary_join_element_wise(*(pa.scalar(part, text) if isinstance(part, str)
                                         else part if part.type == text else part.cast(text) for part in parts),
                                       pa.scalar("", text))


def _history_pieces(scored: pd.DataFrame, catalogue: OffenceCatalogue) -> tuple[pa.Array | str, ...]:
    """The pieces of ' over 14 months; most serious: ... on ...; last incident 12 days before the
    as-of date', to be put together with a sentence's other pieces in one :func:`joined` step."""
    span, label, day, recency = _history_parts(scored, catalogue)
    return " ", span, "; most serious: ", label, " on ", day, "; ", recency


def _history_words(scored: pd.DataFrame, catalogue: OffenceCatalogue) -> pa.Array:
    """:func:`_history_pieces` as Arrow text (missing where a part is)."""
    return joined(*_history_pieces(scored, catalogue))


def _history_tail(scored: pd.DataFrame, catalogue: OffenceCatalogue) -> pd.Series:
    """:func:`_history_words` as a column of the list."""
    return _per_row(_history_words(scored, catalogue), scored.index)


def perpetrator_reasons(scored: pd.DataFrame, catalogue: OffenceCatalogue) -> pd.Series:
    """The sentence behind each perpetrator's score (the counts' words built once per distinct
    set of counts; each row's sentence put together in one Arrow step)."""
    head = _coded_text(*_sentences(scored[["incidents", "victims", "female_victims", "victim_records", "doubtful"]],
                                   _offender_head))
    outcomes = arrow_text(scored["outcomes"].fillna("none recorded"))
    return _per_row(joined(head, *_history_pieces(scored, catalogue), "; outcomes: ", outcomes, "."), scored.index)


def victim_reasons(scored: pd.DataFrame, catalogue: OffenceCatalogue) -> pd.Series:
    """The sentence behind each repeat victim's place on the list."""
    head = once_per_distinct(scored[["incidents", "offences", "offenders", "partner_offenders"]], _victim_head)
    named = np.where(scored["offender_ranks"].fillna("") != "",
                     "; offenders: " + scored["offender_ranks"].fillna(""), "")
    return _per_row(head, scored.index) + _history_tail(scored, catalogue) + named + "."
