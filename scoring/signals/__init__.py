"""Perpetrator signals beyond RFGV: potential PDPs, escalation, measure gaps, unrecognised
offenders and Clare's Law (DVDS) history. Pure functions of a ScoringContext; each returns one
row per person with a boolean and a plain-English ``reason``.
"""

from importlib import import_module
from typing import Any

from scoring.signals.config import SignalConfig

# Loaded on first use: scoring.config embeds SignalConfig, and the signal functions import
# scoring.config, so importing them eagerly here would be circular.
_FUNCTIONS = {
    "dvds_history": "dvds", "dvds_summary": "dvds", "escalation": "escalating",
    "measure_status": "measures", "potential_pdp": "pdp", "unrecognised": "recognition",
}


def __getattr__(name: str) -> Any:
    if name in _FUNCTIONS:
        return getattr(import_module(f"scoring.signals.{_FUNCTIONS[name]}"), name)
    raise AttributeError(f"module 'scoring.signals' has no attribute {name!r}")


__all__ = ["SignalConfig", *_FUNCTIONS]
