"""Signals beyond RFGV: the flags on the ranked lists, one registry of them.

Each flag is one :class:`~scoring.signals.base.Signal` record, declared in a file of this
package: its name (as written in the lists' ``flags`` column), its label (as shown to people),
its group, and for each list it applies to a :class:`~scoring.signals.base.Rule`: how it is
computed from the ranking's shared data and the list's rows, what it means (the README's
table), and the sentence ``harmgraph explain`` and the profile page give for it.
:mod:`scoring.signals.registry` imports the signal files and holds the records in the order
the flags appear on the lists; the lists, explain, the app and the README read it.

Adding a signal
---------------
1. A new file here, e.g. ``many_incidents.py``, declaring ``SIGNAL = Signal(...)`` with its
   rule (and, if it has settings, a :class:`~scoring.signals.settings.SignalSettings`
   subclass as ``settings_model``).
2. Its place in ``SIGNALS`` in :mod:`scoring.signals.registry` (one line: the order of the
   flags is a decision, so it is written down there).
3. One key under ``signals:`` in the config: ``many_incidents: {at_least: 5}``, or
   ``many_incidents:`` alone when it has no settings. Naming the key switches an added signal
   on; without it the signal is not computed, so a new file never changes a force's lists
   until its config asks for it, and the config fingerprint records that it did. The
   registry validates the key's settings with the signal's model wherever signals are
   computed (a bad or unknown key is a config error naming it).

The signals shipped with harmgraph are ``always_on`` and keep their settings in the typed
groups of :class:`~scoring.signals.settings.SignalConfig` (``pdp``, ``escalation``,
``measures``, ``unrecognised``), defaults included, exactly as before.

Tests and extensions can also add a record at run time with
:func:`scoring.signals.registry.register` (and take it away with ``unregister``).

This package's ``__init__`` imports nothing: :mod:`scoring.config` imports the leaf
:mod:`scoring.signals.settings`, and the signal files import :mod:`scoring.config` (through
the context), so importing them here would close a circle.
"""
