"""Intermediate tables one ranking reads many times, built once and shared.

A ranking reads the window's incidents, all history up to the as-of date, and the
(perpetrator, incident) and (perpetrator, victim, incident) rows of both, from the RFGV
score, the breach counts, PDP, escalation and measure status alike. Each used to rebuild
them; on a force of a million incidents that was most of a ranking's time. A
:class:`Prepared` builds each on first use and keeps it for the rest of that ranking.

The frames are shared: callers must not modify them in place (copy or derive new ones).
"""

from __future__ import annotations

from functools import cached_property

import numpy as np
import pandas as pd

from scoring.arrow_isin import arrow_text
from scoring.perpetrators import ScoringContext
from scoring.window import (LINK_COLUMNS, CodedRoles, code_roles, history_mask, incident_positions,
                            incidents_in_window, join_at, join_incidents, perpetrator_pairs, victim_pairs,
                            window_mask)


class Prepared:
    """Lazily built, shared intermediates of one :class:`ScoringContext`."""

    def __init__(self, context: ScoringContext) -> None:
        self.context = context

    @cached_property
    def window(self) -> pd.DataFrame:
        """:func:`scoring.window.incidents_in_window` for the context."""
        c = self.context
        return incidents_in_window(c.tables.incidents, c.as_of, c.config, c.catalogue)

    @cached_property
    def history(self) -> pd.DataFrame:
        """:func:`scoring.signals._history.history` for the context."""
        from scoring.signals._history import history

        return history(self.context)

    @cached_property
    def coded_roles(self) -> CodedRoles | None:
        """The roles with integer ids, shared by both pair tables."""
        return code_roles(self.context.tables.roles)

    @cached_property
    def perpetrator_pairs(self) -> pd.DataFrame:
        return perpetrator_pairs(self.context.tables.roles, self.context.config, self.coded_roles)

    @cached_property
    def victim_pairs(self) -> pd.DataFrame:
        return victim_pairs(self.context.tables.roles, self.context.config, self.coded_roles)

    @cached_property
    def _perpetrator_positions(self) -> np.ndarray | None:
        """Row of each perpetrator pair's incident in the incidents table (-1: none)."""
        return incident_positions(self.perpetrator_pairs, self.context.tables.incidents)

    @cached_property
    def _victim_positions(self) -> np.ndarray | None:
        """Row of each victim pair's incident in the incidents table (-1: none)."""
        return incident_positions(self.victim_pairs, self.context.tables.incidents)

    def _rows_of(self, frame: pd.DataFrame, mask: pd.Series) -> np.ndarray | None:
        """For each row of the incidents table, its row in ``frame`` (-1: not there).

        ``frame`` (history or window) is the masked incidents in table order; that is checked
        by comparing the ids, and None is returned if it does not hold.
        """
        ids = arrow_text(self.context.tables.incidents["incident_id"])
        rows = np.flatnonzero(mask.to_numpy(dtype=bool))
        held = arrow_text(frame["incident_id"])
        if ids is None or held is None or len(rows) != len(frame) or not ids.take(rows).equals(held):
            return None
        where = np.full(len(mask), -1, dtype=np.intp)
        where[rows] = np.arange(len(rows))
        return where

    def _join(self, pairs: pd.DataFrame, positions: np.ndarray | None, frame: pd.DataFrame,
              mask: pd.Series) -> pd.DataFrame:
        """``join_incidents(pairs, frame)``, reusing the pairs' incident rows for each as-of view.

        The pairs are looked up in the incidents table once; history and window are subsets of
        it, so their rows follow from a mask instead of another string lookup.
        """
        shared = (set(pairs.columns) & set(frame.columns)) - {"incident_id"}
        where = None if positions is None or shared else self._rows_of(frame, mask)
        if where is None:
            return join_incidents(pairs, frame)
        at = np.where(positions >= 0, where[np.maximum(positions, 0)], -1)
        return join_at(pairs, frame, "incident_id", at)

    @cached_property
    def _history_mask(self) -> pd.Series:
        return history_mask(self.context.tables.incidents, self.context.as_of)

    @cached_property
    def _window_mask(self) -> pd.Series:
        c = self.context
        return window_mask(c.tables.incidents, c.as_of, c.config)

    @cached_property
    def window_perpetrators(self) -> pd.DataFrame:
        """(person, incident) rows in the window: ``perpetrator_incidents(window, ...)``."""
        return self._join(self.perpetrator_pairs, self._perpetrator_positions, self.window, self._window_mask)

    @cached_property
    def history_perpetrators(self) -> pd.DataFrame:
        """(person, incident) rows up to as-of: ``perpetrator_history(context)``."""
        return self._join(self.perpetrator_pairs, self._perpetrator_positions, self.history, self._history_mask)

    @cached_property
    def window_links(self) -> pd.DataFrame:
        """(perpetrator, victim, incident) rows in the window: ``victim_links(window, ...)``."""
        return self._join(self.victim_pairs, self._victim_positions, self.window[LINK_COLUMNS], self._window_mask)

    def history_links_with(self, columns: list[str]) -> pd.DataFrame:
        """``history_links`` with more incident columns after its own, as
        ``join_incidents(history_links, history[["incident_id", *columns]])`` gives them."""
        return self._join(self.victim_pairs, self._victim_positions, self.history[LINK_COLUMNS + columns],
                          self._history_mask)

    @cached_property
    def history_links(self) -> pd.DataFrame:
        """(perpetrator, victim, incident) rows up to as-of: ``link_history(context)``."""
        return self.history_links_with([])


def prepared_for(context: ScoringContext, prepared: Prepared | None) -> Prepared:
    """``prepared`` when it was built for this very context, a fresh one when None."""
    if prepared is None:
        return Prepared(context)
    if prepared.context is not context:
        raise ValueError("prepared intermediates belong to a different scoring context")
    return prepared
