"""Settings of the signals, under ``signals:`` in the scoring config.

A leaf module (pydantic only): :mod:`scoring.config` embeds :class:`SignalConfig` and the
signal files read their settings from it, so neither imports the other.

The shipped signals keep their settings in the typed groups below (``pdp``,
``escalation``, ``measures``, ``unrecognised``, ``risk_markers``, ``custody``, ``notes``), each a validated, frozen model
with defaults.
Any other key names an added signal (see :mod:`scoring.signals`): its value holds that
signal's settings (a mapping, or nothing when it has none) and naming it switches it on. The
registry (:mod:`scoring.signals.registry`), which knows each added signal's settings model,
validates those values wherever signals are computed, and the config fingerprint hashes them
as written.

>>> SignalConfig().unrecognised.top
100
>>> SignalConfig.model_validate({"many_incidents": None}).added()
{'many_incidents': {}}
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

# Offences whose conviction would normally bring MAPPA management (violent and sexual
# offences listed in Schedule 15 CJA 2003 and the DA-relevant ones used by this project; the
# child sexual offences bring sex offender notification, MAPPA category 1).
MAPPA_OFFENCES = (
    "murder", "attempted_murder", "gbh_s18", "gbh_s20", "abh", "rape", "sexual_assault",
    "strangulation", "stalking", "controlling_coercive", "threats_to_kill", "fgm", "rape_child_under_13",
    "sexual_assault_child_under_13", "sexual_activity_with_child", "indecent_images_children",
)

# Sexual offences whose conviction brings sex offender notification (MAPPA category 1).
MAPPA_ON_CONVICTION = (
    "rape", "sexual_assault", "rape_child_under_13", "sexual_assault_child_under_13", "sexual_activity_with_child",
    "indecent_images_children",
)


class SignalSettings(BaseModel):
    """The base of every signal's settings: strict (an unknown key is an error) and frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class PdpSettings(SignalSettings):
    """Potential dangerous person: repeated DA charges against different partners."""

    min_occasions: Annotated[int, Field(ge=1)] = 2
    min_partners: Annotated[int, Field(ge=1)] = 2
    # Outcomes that count as "charged" (allegation, charge and conviction stay distinct).
    charge_outcomes: tuple[str, ...] = ("charged", "convicted", "caution")
    # True: any incident where the person was a suspect or offender counts, whatever its outcome.
    count_allegations: bool = False
    partner_relationships: tuple[str, ...] = ("partner", "ex_partner")
    mappa_offences: tuple[str, ...] = MAPPA_OFFENCES
    # Of those, the ones whose conviction alone brings MAPPA (category 1: sex offender
    # notification follows conviction). The others (category 2) need a custodial sentence of
    # ``mappa_custody_months`` or more, read from the incident's optional ``sentence`` and
    # ``sentence_months``; where those are not recorded a conviction is never read as MAPPA
    # eligibility: the PDP reason names it and asks for the sentence to be checked.
    mappa_on_conviction: tuple[str, ...] = MAPPA_ON_CONVICTION
    # Sentences that count as custody for category 2 (a force reading the guidance to include
    # suspended sentences adds ``suspended``), and the months of it needed.
    mappa_custody_sentences: tuple[str, ...] = ("custody",)
    mappa_custody_months: Annotated[float, Field(ge=0)] = 12
    # A MAPPA referral at most this many days before the as-of date means "currently managed".
    mappa_current_days: Annotated[int, Field(ge=0)] = 365


class EscalationSettings(SignalSettings):
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


class MeasureSettings(SignalSettings):
    """Protective-measure status and gaps."""

    bail_lapsing_days: Annotated[int, Field(ge=0)] = 14
    # A breach incident with one of these outcomes counts as charged.
    charge_outcomes: tuple[str, ...] = ("charged", "convicted", "caution")
    # Breaches that are not offences in themselves, so no charge can follow: breaking bail
    # conditions is a power of arrest (s7 Bail Act 1976), a DVPN or DVPO breach is dealt with
    # as civil contempt, a DAPN breach by arrest and a court hearing. They are described as
    # what they are and never counted as a breach left uncharged.
    not_offence_measures: tuple[str, ...] = ("pre_charge_bail", "dvpn", "dvpo", "dapn")
    not_offence_breaches: tuple[str, ...] = ("breach_bail", "breach_dvpo")


class UnrecognisedSettings(SignalSettings):
    """Who near the top of a ranked list nobody is managing."""

    top: Annotated[int, Field(ge=1)] = 100


class RiskMarkerSettings(SignalSettings):
    """The offences behind each risk-marker flag (:mod:`scoring.signals.markers`)."""

    strangulation: tuple[str, ...] = ("strangulation",)
    # Empty: every offence the catalogue marks ``sexual``.
    sexual_violence: tuple[str, ...] = ()
    stalking: tuple[str, ...] = ("stalking", "stalking_fear_violence", "breach_spo")
    threats_to_kill: tuple[str, ...] = ("threats_to_kill",)


class CustodySettings(SignalSettings):
    """Release from custody (:mod:`scoring.signals.custody`)."""

    # Released this many days before the as-of date at most, or due out this many days after it.
    within_days: Annotated[int, Field(ge=0)] = 90


class NoteSettings(SignalSettings):
    """A flag on more than ``share`` of the list's first rows, at the widest of ``tops`` where it
    is, is said once above the list (a list note) instead of on those rows: a fact true of most of
    the people a chair reads tells them little row by row."""

    # The top a MATAC panel reviews (matac.top) and the top a list shows by default.
    tops: tuple[Annotated[int, Field(ge=1)], ...] = (20, 100)
    share: Annotated[float, Field(gt=0, le=1)] = 0.5
    # A shorter list keeps every flag on its rows: a share of a handful of people says little.
    min_rows: Annotated[int, Field(ge=1)] = 20


class SignalConfig(BaseModel):
    """All signal settings, with defaults a force can override; other keys switch added
    signals on (see the module docstring)."""

    model_config = ConfigDict(extra="allow", frozen=True)

    pdp: PdpSettings = PdpSettings()
    escalation: EscalationSettings = EscalationSettings()
    measures: MeasureSettings = MeasureSettings()
    unrecognised: UnrecognisedSettings = UnrecognisedSettings()
    risk_markers: RiskMarkerSettings = RiskMarkerSettings()
    custody: CustodySettings = CustodySettings()
    notes: NoteSettings = NoteSettings()

    @model_validator(mode="before")
    @classmethod
    def _added_signals_hold_settings(cls, raw: Any) -> Any:
        if not isinstance(raw, dict):
            return raw
        out = dict(raw)
        for key, value in raw.items():
            if key in cls.model_fields:
                continue
            if value is None:  # `many_incidents:` alone switches a signal without settings on
                out[key] = {}
            elif not isinstance(value, dict):
                raise ValueError(f"{key}: an added signal's key holds its settings (a mapping), "
                                 f"or nothing when it has none; got {value!r}")
        return out

    def added(self) -> dict[str, dict[str, Any]]:
        """The added signals switched on here, each with its settings as written."""
        return dict(self.model_extra or {})
