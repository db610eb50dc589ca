"""The one registry of signals: every flag on the ranked lists, in the order the lists write
them (see :mod:`scoring.signals` for the shape of a record and how to add one).

The lists (:mod:`scoring.lists`), explain (:mod:`scoring.explain`), the app
(:mod:`harmgraph.ui.format`, the profile page) and the README's table of flags read this.

>>> [signal.name for signal in signals("perpetrators")][:4]
['not_managed', 'pdp', 'custody_release', 'no_protective_measure']
>>> [signal.name for signal in signals("victims")]
['no_protective_measure', 'offender_unmanaged', 'not_referred_to_marac', 'dash_high', 'multiple_offenders']
>>> get("bail_lapsing").label
'bail lapsing soon'
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import BaseModel, ValidationError

from core.errors import ConfigError
from scoring.config import ScoringConfig
from scoring.context import ScoringContext
from scoring.signals import counts, custody, escalating, identity, markers, measures, pdp, recognition
from scoring.signals.base import Evidence, ListKind, Rule, Signal
from scoring.signals.settings import SignalConfig

# The order of the flags on the lists: three groups a chair reads at a glance. Management (is
# anyone managing them), protection (what restrains them now, and its gaps), risk markers (what
# their record warns of); then the extent of the harm.
SHIPPED: tuple[Signal, ...] = (
    recognition.NOT_MANAGED,
    pdp.SIGNAL,
    custody.SIGNAL,
    measures.NO_PROTECTIVE_MEASURE,
    recognition.OFFENDER_UNMANAGED,
    recognition.NOT_REFERRED_TO_MARAC,
    measures.BREACH_NOT_CHARGED,
    measures.BAIL_LAPSING,
    measures.RUI_NO_CONDITIONS,
    measures.BREACH,
    *markers.SIGNALS,
    counts.DASH_HIGH,
    escalating.SIGNAL,
    counts.MULTIPLE_VICTIMS,
    identity.SIGNAL,
    counts.MULTIPLE_OFFENDERS,
)
# The order of the evidence columns on the perpetrator list (after the RFGV columns); an
# added signal's evidence follows these, in the order of its signal.
EVIDENCE_ORDER: tuple[Evidence, ...] = (measures.BREACHES, pdp.PDP, escalating.ESCALATION, measures.MEASURES,
                                         markers.RISK_MARKERS, custody.RELEASE, identity.SET_ASIDE)

_signals: list[Signal] = list(SHIPPED)


def signals(kind: ListKind | None = None) -> tuple[Signal, ...]:
    """Every registered signal in flag order, or those that apply to ``kind`` lists."""
    return tuple(s for s in _signals if kind is None or s.rule(kind) is not None)


def get(name: str) -> Signal | None:
    """The signal called ``name`` (None when there is none)."""
    return next((s for s in _signals if s.name == name), None)


def register(signal: Signal, *, after: str | None = None) -> None:
    """Add ``signal`` after the signal called ``after`` (default: last).

    >>> from scoring.signals.base import Rule, Signal
    >>> extra = Signal("example", "example", "extent", victims=Rule(lambda d, rows, s: rows["offenders"] > 0, "any"))
    >>> register(extra, after="multiple_offenders")
    >>> [s.name for s in signals("victims")][-2:]
    ['multiple_offenders', 'example']
    >>> unregister("example")
    """
    if get(signal.name) is not None:
        raise ValueError(f"a signal called {signal.name!r} is registered already")
    if not signal.always_on and signal.settings_key in SignalConfig.model_fields:
        raise ValueError(f"{signal.name!r}: signals.{signal.settings_key} holds shipped signals' settings")
    place = len(_signals) if after is None else [s.name for s in _signals].index(after) + 1
    _signals.insert(place, signal)


def unregister(name: str) -> None:
    """Take the signal called ``name`` out of the registry."""
    _signals.remove(next(s for s in _signals if s.name == name))


def evidence(rules: Iterable[Rule] | None = None) -> tuple[Evidence, ...]:
    """The evidence ``rules`` need (default: every signal's rules), in column order."""
    if rules is None:
        rules = [rule for s in _signals for rule in (s.perpetrators, s.victims) if rule is not None]
    needed = [e for rule in rules for e in rule.needs]
    ordered = [e for e in EVIDENCE_ORDER if e in needed]
    return tuple(ordered + [e for e in dict.fromkeys(needed) if e not in ordered])


def _problems(error: ValidationError, key: str) -> str:
    return "; ".join(f"signals.{'.'.join(str(p) for p in (key, *err['loc']))}: {err['msg']}" for err in error.errors())


def settings_of(signal: Signal, config: ScoringConfig) -> BaseModel | None:
    """``signal``'s settings under ``config`` (None when it has none); an added signal's are
    validated here, a bad one is a :class:`core.errors.ConfigError` naming the setting."""
    if signal.always_on:
        return getattr(config.signals, signal.settings_key or "", None) if signal.settings_model else None
    raw = config.signals.added().get(signal.settings_key or signal.name, {})
    if signal.settings_model is None:
        if raw:
            raise ConfigError(f"invalid scoring config: signals.{signal.settings_key} takes no settings, "
                              f"got {sorted(raw)}")
        return None
    try:
        return signal.settings_model.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(f"invalid scoring config: {_problems(exc, signal.settings_key or signal.name)}") from exc


def check(config: ScoringConfig) -> None:
    """Every added key under ``signals:`` names a registered added signal whose settings are
    valid; otherwise a :class:`core.errors.ConfigError` naming the key.

    >>> from scoring.config import load_config
    >>> check(load_config().model_copy(update={"signals": SignalConfig.model_validate({"pdpp": {}})}))
    Traceback (most recent call last):
    ...
    core.errors.ConfigError: invalid scoring config: signals.pdpp: no such signal (added signals: none)
    """
    added = {s.settings_key: s for s in _signals if not s.always_on}
    for key in config.signals.added():
        if key not in added:
            raise ConfigError(f"invalid scoring config: signals.{key}: no such signal "
                              f"(added signals: {', '.join(sorted(added)) or 'none'})")
        settings_of(added[key], config)


def on(config: ScoringConfig, kind: ListKind) -> list[tuple[Signal, Rule, Any]]:
    """The signals computed on ``kind`` lists under ``config``, in flag order, each with its
    rule and settings (the config is checked first)."""
    check(config)
    added = config.signals.added()
    return [(s, rule, settings_of(s, config)) for s in signals(kind)
            if (rule := s.rule(kind)) is not None and (s.always_on or s.settings_key in added)]


def reason(name: str, row: Mapping[str, Any], context: ScoringContext) -> str | None:
    """The sentence behind flag ``name`` on a perpetrator ``row`` (None: no sentence)."""
    signal = get(name)
    rule = signal.perpetrators if signal is not None else None
    if rule is None or rule.reason is None:
        return None
    return rule.reason(row, context, settings_of(signal, context.config))  # type: ignore[arg-type]


def labels() -> dict[str, str]:
    """Flag name -> label as shown to people, in flag order."""
    return {s.name: s.label for s in _signals}


README_BEGIN = "<!-- flags: written from scoring/signals/registry.py (python -m scoring.signals.registry) -->"
README_END = "<!-- flags: end -->"


def _item(signal: Signal, rule: Rule) -> str:
    shown = "" if signal.label == signal.name.replace("_", " ") else f' (shown as "{signal.label}")'
    settings = f"; settings `signals.{signal.settings_key}`" if signal.settings_model is not None else ""
    return textwrap.fill(f"- `{signal.name}`{shown}: {rule.description}{settings}.", width=95,
                         initial_indent="   ", subsequent_indent="     ", break_on_hyphens=False)


# The groups a chair reads the flags in, in order, with their headings in the README.
GROUP_HEADINGS = {"management": "Management (is anyone managing them)",
                  "protection": "Protection (what restrains them now, and its gaps)",
                  "risk": "Risk markers (what their record warns of)",
                  "extent": "Extent of the harm"}


def _grouped(kind: ListKind) -> list[str]:
    """The ``kind`` list's flags under their group's heading, groups in :data:`GROUP_HEADINGS` order."""
    chosen = [s for s in signals(kind) if s.rule(kind) is not None]
    groups = [*GROUP_HEADINGS, *dict.fromkeys(s.group for s in chosen if s.group not in GROUP_HEADINGS)]
    lines = []
    for group in groups:
        members = [s for s in chosen if s.group == group]
        if members:
            lines.append(f"   - *{GROUP_HEADINGS.get(group, group)}*")
            lines += ["  " + line for s in members for line in _item(s, s.rule(kind)).splitlines()]  # type: ignore[arg-type]
    return lines


def flags_markdown() -> str:
    """The README's list of flags (item 6 of "How scoring works"), written from the registry:
    each list's flags by group (management, protection, risk markers, extent), in their order,
    with label, meaning and settings key.

    >>> for line in flags_markdown().splitlines()[2:6]:
    ...     print(line)
       - *Management (is anyone managing them)*
         - `not_managed`: no current MATAC, MAPPA, IOM or PDP referral
           (`flags.management_current_days`, a year) and not on the daily briefing
           (`flags.briefing_current_days`, 90 days): nobody is managing them.
    """
    lines = ["   " + README_BEGIN, "   On the offender lists:", *_grouped("perpetrators"),
             "", "   On the repeat-victim lists:", *_grouped("victims")]
    return "\n".join([*lines, "   " + README_END])


if __name__ == "__main__":
    print(flags_markdown())
