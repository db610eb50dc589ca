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
from pydantic import BaseModel

from scoring.context import ScoringContext
from scoring.prepared import Prepared
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
    """

    name: str
    columns: Callable[[RankingData, pd.DataFrame], pd.DataFrame]
    empty: Mapping[str, Any]
    headline: str | None = None


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
    patterns, which = np.unique(bits, return_inverse=True)
    texts = np.array([";".join(name for place, name in enumerate(names) if pattern >> place & 1)
                      for pattern in patterns.tolist()], dtype=object)
    return pd.Series(texts[which.reshape(-1)], index=index, dtype="str")
