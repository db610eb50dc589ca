"""Settings for the perpetrator signals (PDP, escalation, measures, unrecognised).

A validated, frozen model with defaults; it is meant to sit under ``ScoringConfig`` later
(e.g. as ``signals:``) so a force can tune thresholds in its YAML copy.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

# Offences whose conviction would normally bring MAPPA management (violent and sexual
# offences listed in Schedule 15 CJA 2003 and the DA-relevant ones used by this project).
MAPPA_OFFENCES = (
    "murder", "attempted_murder", "gbh_s18", "gbh_s20", "abh", "rape", "sexual_assault",
    "strangulation", "stalking", "controlling_coercive", "threats_to_kill",
)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PdpSettings(_Strict):
    """Potential dangerous person: repeated DA charges against different partners."""

    min_occasions: Annotated[int, Field(ge=1)] = 2
    min_partners: Annotated[int, Field(ge=1)] = 2
    # Outcomes that count as "charged" (allegation, charge and conviction stay distinct).
    charge_outcomes: tuple[str, ...] = ("charged", "convicted", "caution")
    # True: any incident where the person was a suspect or offender counts, whatever its outcome.
    count_allegations: bool = False
    partner_relationships: tuple[str, ...] = ("partner", "ex_partner")
    mappa_offences: tuple[str, ...] = MAPPA_OFFENCES
    # A MAPPA referral at most this many days before the as-of date means "currently managed".
    mappa_current_days: Annotated[int, Field(ge=0)] = 365


class EscalationSettings(_Strict):
    """Rising gravity, shortening intervals, a new partner soon after, breaches as conduct."""

    last_incidents: Annotated[int, Field(ge=2)] = 5
    min_incidents_for_trend: Annotated[int, Field(ge=3)] = 3
    # Theil-Sen slope of harm days against time must exceed this (harm days per year).
    min_gravity_slope_per_year: Annotated[float, Field(ge=0)] = 0.0
    # Later-half median gap x factor <= earlier-half median gap means intervals are shortening.
    interval_factor: Annotated[float, Field(ge=1)] = 2.0
    new_partner_months: Annotated[float, Field(ge=0)] = 12
    # A new partner first abused while incidents against an earlier partner were still going
    # on ("two partners at the same time") also sets new_partner_soon, with a reason that says so.
    count_overlapping_partners: bool = True
    partner_relationships: tuple[str, ...] = ("partner", "ex_partner")
    # Earlier incidents against the breach's victim needed to call it a course of conduct.
    min_earlier_incidents: Annotated[int, Field(ge=1)] = 1


class MeasureSettings(_Strict):
    """Protective-measure status and gaps."""

    bail_lapsing_days: Annotated[int, Field(ge=0)] = 14
    # A breach incident with one of these outcomes counts as charged.
    charge_outcomes: tuple[str, ...] = ("charged", "convicted", "caution")


class UnrecognisedSettings(_Strict):
    """Who near the top of a ranked list nobody is managing."""

    top: Annotated[int, Field(ge=1)] = 100


class SignalConfig(_Strict):
    """All signal settings, with defaults a force can override."""

    pdp: PdpSettings = PdpSettings()
    escalation: EscalationSettings = EscalationSettings()
    measures: MeasureSettings = MeasureSettings()
    unrecognised: UnrecognisedSettings = UnrecognisedSettings()
