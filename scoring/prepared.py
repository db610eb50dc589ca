"""The rows one ranking reads many times, in coded form, built once per ranking and shared.

A ranking reads the (perpetrator, incident) and (perpetrator, victim, incident) rows of the
scoring window and of all history up to the as-of date, from the RFGV score, the breach
counts, PDP, escalation and measure status alike. A :class:`Prepared` selects each from the
store's :class:`scoring.index.ScoringIndex` (kept across rankings) on first use and keeps it
for the rest of that ranking. Rows hold integer codes: ``person`` and ``victim`` are person
codes, ``row`` is the incident's row in :attr:`ScoringIndex.incidents`.

The frames are shared: callers must not modify them in place (copy or derive new ones).
"""

from __future__ import annotations

from functools import cached_property

import numpy as np
import pandas as pd

from core.distinct import run_starts
from scoring.index import ScoringIndex, scoring_index
from scoring.context import ScoringContext
from scoring.victim_identity import VictimIdentity, victim_identity


class Prepared:
    """Lazily built, shared intermediates of one :class:`ScoringContext`.

    >>> from scoring.signals.example import example_context
    >>> prepared = Prepared(example_context())
    >>> prepared.window_perpetrators[["person", "row"]].values.tolist()  # P-1 (code 0) in rows 0-2
    [[0, 0], [0, 1], [0, 2], [3, 3], [3, 4], [5, 5]]
    >>> prepared.window_offenders.values.tolist()  # P-2 (code 1) harmed by P-1, a partner, and P-6
    [[1, 0, True, False], [1, 5, False, False], [2, 0, True, False], [4, 3, True, False]]
    """

    def __init__(self, context: ScoringContext) -> None:
        self.context = context

    @cached_property
    def index(self) -> ScoringIndex:
        c = self.context
        return scoring_index(c.tables, c.catalogue, c.config.perpetrator_roles)

    @cached_property
    def victims_as(self) -> VictimIdentity:
        """Which victim records are probably, or possibly, one person (kept with the tables)."""
        c = self.context
        return victim_identity(c.tables, self.index, (c.catalogue.fingerprint, tuple(c.config.perpetrator_roles)))

    @cached_property
    def in_history(self) -> np.ndarray:
        """Per incident row: on or before the as-of day."""
        return self.index.occurred <= self.context.as_of_end.to_datetime64()

    @cached_property
    def in_window(self) -> np.ndarray:
        """Per incident row: inside the look-back window ending on the as-of day."""
        start = self.context.window_start.to_datetime64()
        return self.in_history & (self.index.occurred >= start)

    @cached_property
    def weighted_harm(self) -> np.ndarray:
        """Per incident row: catalogue harm after the outcome and DASH multipliers (as
        :func:`scoring.window.with_harm`)."""
        index, config = self.index, self.context.config
        outcome = index.mapped("outcome", config.outcome_multipliers, 1.0, np.float64)
        dash = index.mapped("dash_risk", config.dash_multipliers, 1.0, np.float64)
        return index.incidents["harm_days"].to_numpy() * outcome * dash

    def _pairs_in(self, pairs: pd.DataFrame, keep: np.ndarray) -> pd.DataFrame:
        return pairs[keep[pairs["row"].to_numpy()]].reset_index(drop=True)

    @cached_property
    def window_perpetrators(self) -> pd.DataFrame:
        """(person, row) of suspects and offenders in the window, by row then person."""
        return self._pairs_in(self.index.perpetrators, self.in_window)

    @cached_property
    def history_perpetrators(self) -> pd.DataFrame:
        """(person, row) of suspects and offenders up to the as-of date, by row then person."""
        return self._pairs_in(self.index.perpetrators, self.in_history)

    @cached_property
    def history_by_time(self) -> pd.DataFrame:
        """:attr:`history_perpetrators` by person, then time, then incident id."""
        ordered = self.index.perpetrators.take(self.index.by_time)
        return self._pairs_in(ordered, self.in_history)

    @cached_property
    def window_victims(self) -> pd.DataFrame:
        """(person, row) of victims in the window, by row then person."""
        return self._pairs_in(self.index.victims, self.in_window)

    @cached_property
    def window_links(self) -> pd.DataFrame:
        """(person, victim, row, relationship) in the window."""
        return self._pairs_in(self.index.links, self.in_window)

    @cached_property
    def window_offenders(self) -> pd.DataFrame:
        """Distinct (victim, offender) codes in the window, with ``partner`` and ``family``: whether
        the offender is recorded as the victim's intimate partner, or a relative, in any of their
        incidents there (config ``relationships``)."""
        links = self.window_links
        groups = self.context.config.relationships
        victim, offender = links["victim"].to_numpy(np.int64), links["person"].to_numpy(np.int64)
        partner = links["relationship"].isin(groups.intimate_partner).to_numpy(dtype=bool)
        family = links["relationship"].isin(groups.family).to_numpy(dtype=bool)
        # Each (victim, offender) once, in that order, on one integer key (pandas' two-key
        # grouping took 60 ms at a 1M-incident force).
        key = victim * (len(self.index.people) + 1) + offender
        order = np.argsort(key, kind="stable")
        starts = run_starts(key[order])
        first = order[starts]
        return pd.DataFrame({
            "victim": victim[first], "offender": offender[first],
            "partner": np.logical_or.reduceat(partner[order], starts) if len(key) else partner[:0],
            "family": np.logical_or.reduceat(family[order], starts) if len(key) else family[:0]})

    @cached_property
    def history_links(self) -> pd.DataFrame:
        """(person, victim, row, relationship) up to the as-of date."""
        return self._pairs_in(self.index.links, self.in_history)

    def people(self, codes: np.ndarray | pd.Series) -> pd.Index:
        """Distinct person codes, sorted (so in id order), as an index named ``person``.

        >>> from scoring.signals.example import example_prepared
        >>> example_prepared().people(np.array([3, 0, 3])).tolist()
        [0, 3]
        """
        seen = np.bincount(np.asarray(codes, dtype=np.int64), minlength=len(self.index.people))
        return pd.Index(np.flatnonzero(seen), name="person")

    def only(self, frame: pd.DataFrame, people: pd.Index | None, column: str = "person") -> pd.DataFrame:
        """The rows of ``frame`` whose ``column`` is one of ``people`` (None: every row).

        >>> from scoring.signals.example import example_prepared
        >>> prepared = example_prepared()
        >>> prepared.only(prepared.window_perpetrators, pd.Index([3]))["row"].tolist()
        [3, 4]
        """
        if people is None:
            return frame
        chosen = np.zeros(len(self.index.people), dtype=bool)
        chosen[people.to_numpy()] = True
        return frame[chosen[frame[column].to_numpy()]]

    def persons_at(self, column: str, people: np.ndarray) -> pd.api.extensions.ExtensionArray:
        """A persons-table column for each person code (missing where the table lacks them).

        >>> from scoring.signals.example import example_prepared
        >>> list(example_prepared().persons_at("display_name", np.array([0, 1])))
        ['Adam Example', 'Beth Example']
        """
        rows = self.index.persons_row[np.asarray(people, dtype=np.int64)]
        return self.context.tables.persons[column].array.take(rows, allow_fill=True)

    def names(self, people: np.ndarray) -> pd.Series:
        """Each person's display name, their id where no name is held: how a sentence a panel
        hears names a victim.

        >>> from scoring.signals.example import example_prepared
        >>> example_prepared().names(np.array([1, 2])).tolist()
        ['Beth Example', 'Cara Example']
        """
        return pd.Series(self._names.take(np.asarray(people, dtype=np.int64)))

    @cached_property
    def _names(self) -> pd.api.extensions.ExtensionArray:
        """Every person's name as :meth:`names` gives it, by code: worked out once per loaded
        store and kept with the tables (sentences name people in many places of a ranking)."""
        c = self.context
        key = ("names", c.catalogue.fingerprint, tuple(c.config.perpetrator_roles))
        found = c.tables.derived.get(key)
        if found is None:
            codes = np.arange(len(self.index.people))
            names = pd.Series(self.persons_at("display_name", codes), dtype="string").str.strip()
            ids = pd.Series(self.index.ids(codes), dtype="string")
            found = names.mask(names.isna() | (names == ""), ids).array
            c.tables.derived[key] = found
        return found

    def named(self, people: np.ndarray) -> pd.Series:
        """Each person's name and id, 'Beth Example (P-2)', where two records must be told apart.

        >>> from scoring.signals.example import example_prepared
        >>> example_prepared().named(np.array([1])).tolist()
        ['Beth Example (P-2)']
        """
        codes = np.asarray(people, dtype=np.int64)
        return self.names(codes) + " (" + pd.Series(self.index.ids(codes), dtype="string") + ")"

    def pairs_among(self, links: pd.DataFrame, perpetrators: pd.DataFrame) -> np.ndarray:
        """Per row of ``links``: whether its (person, incident) is one of ``perpetrators``' rows
        (both carry ``pair``, the position in :attr:`ScoringIndex.perpetrators`)."""
        held = np.zeros(len(self.index.perpetrators), dtype=bool)
        held[perpetrators["pair"].to_numpy()] = True
        return held[links["pair"].to_numpy()]

    def decode(self, frame: pd.DataFrame) -> pd.DataFrame:
        """A frame indexed by person code as ``person_id, <columns>`` with a fresh index.

        >>> from scoring.signals.example import example_prepared
        >>> example_prepared().decode(pd.DataFrame({"score": [9.5]}, index=[2])).values.tolist()
        [['P-3', 9.5]]
        """
        out = frame.reset_index(drop=True)
        out.insert(0, "person_id", pd.Series(self.index.ids(frame.index.to_numpy()), dtype="string"))
        return out


def prepared_for(context: ScoringContext, prepared: Prepared | None) -> Prepared:
    """``prepared`` when it was built for this very context, a fresh one when None.

    >>> from dataclasses import replace
    >>> from scoring.signals.example import example_context
    >>> prepared = prepared_for(example_context(), None)
    >>> prepared_for(prepared.context, prepared) is prepared
    True
    >>> prepared_for(replace(prepared.context, as_of="2026-01-01"), prepared)
    Traceback (most recent call last):
    ValueError: prepared intermediates belong to a different scoring context
    """
    if prepared is None:
        return Prepared(context)
    if prepared.context is not context:
        raise ValueError("prepared intermediates belong to a different scoring context")
    return prepared
