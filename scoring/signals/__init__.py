"""Perpetrator signals beyond RFGV: potential PDPs, escalation, measure gaps, unrecognised
offenders and Clare's Law (DVDS) history. Pure functions of a ScoringContext; each returns one
row per person with a boolean and a plain-English ``reason``.
"""

from scoring.signals.config import SignalConfig
from scoring.signals.dvds import dvds_history, dvds_summary
from scoring.signals.escalation import escalation
from scoring.signals.measures import measure_status
from scoring.signals.pdp import potential_pdp
from scoring.signals.unrecognised import unrecognised

__all__ = ["SignalConfig", "dvds_history", "dvds_summary", "escalation", "measure_status",
           "potential_pdp", "unrecognised"]
