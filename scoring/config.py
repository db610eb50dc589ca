"""Scoring configuration: a validated model a force can edit as YAML.

The default lives beside this module (``default_config.yaml``). A force copies it, edits the
bands or weights and passes the copy with ``--config``; every export carries the version and
content hash so a list can be reproduced.
"""

from __future__ import annotations

import hashlib
import json
from importlib import resources
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from core.settings import load_yaml_settings
from scoring.signals.settings import SignalConfig

RFGV = ("recency", "frequency", "gravity", "victims")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RecencyBand(_Strict):
    """Points given when the last incident is at most ``max_days`` before the as-of date."""

    max_days: Annotated[int, Field(ge=0)]
    points: Annotated[float, Field(ge=0)]


class CountBand(_Strict):
    """Points given when a measure reaches ``at_least``."""

    at_least: Annotated[float, Field(ge=0)]
    points: Annotated[float, Field(ge=0)]


class Weights(_Strict):
    recency: Annotated[float, Field(ge=0)] = 1.0
    frequency: Annotated[float, Field(ge=0)] = 1.0
    gravity: Annotated[float, Field(ge=0)] = 2.0
    victims: Annotated[float, Field(ge=0)] = 1.0

    @model_validator(mode="after")
    def _not_all_zero(self) -> "Weights":
        if sum(self.model_dump().values()) <= 0:
            raise ValueError("at least one weight must be positive")
        return self


class RelationshipGroups(_Strict):
    """Which ``involvements.relationship`` codes (what the suspect is to the victim) count as an
    intimate partner and which as family on the lists; a code in neither group counts in neither."""

    # Partner victims (perpetrator list) and partner offenders (victim lists).
    intimate_partner: tuple[str, ...] = ("partner", "ex_partner")
    # Family victims and family offenders.
    family: tuple[str, ...] = ("parent", "child", "sibling", "other_family")

    @model_validator(mode="after")
    def _apart(self) -> "RelationshipGroups":
        both = set(self.intimate_partner) & set(self.family)
        if both:
            raise ValueError(f"a relationship cannot be both intimate partner and family: {sorted(both)}")
        return self


class PointSettings(_Strict):
    """How band points are read: ``graded`` (the default) or the classic step matrix, ``banded``.

    Graded: between two band edges the points rise smoothly (with the logarithm of a count or
    of harm days, with the days for recency), and past the top band of frequency, gravity and
    victims they keep rising by ``per_doubling`` points each time the measure doubles, so the
    people a force ranks first are still told apart (see :mod:`scoring.bands`). Banded: the
    points of the band reached, never more than the top band's (people beyond it all tie).
    """

    style: Literal["graded", "banded"] = "graded"
    per_doubling: Annotated[float, Field(ge=0)] = 1.0


class FlagSettings(_Strict):
    management_current_days: Annotated[int, Field(ge=0)] = 365
    briefing_current_days: Annotated[int, Field(ge=0)] = 90


class MatacSettings(_Strict):
    """The MATAC meeting: how much of the overall list the panel reviews each cycle."""

    # "New since last meeting" looks at this many people from the top of the overall list.
    top: Annotated[int, Field(ge=1)] = 20


class SerialHistorySettings(_Strict):
    """The serial-history list: people the window hides (``harmgraph rank --list serial-history``)."""

    # Distinct victims over the whole record (up to the as-of date) that make a serial history;
    # someone with fewer than this many victims inside the window is "quiet in the window".
    min_victims: Annotated[int, Field(ge=2)] = 3


class FairnessSettings(_Strict):
    """The fairness report (``harmgraph fairness``)."""

    # Postcode districts shown by name: the largest among everyone ranked; the rest are
    # lumped as "other districts". Chosen without looking at the top k.
    areas: Annotated[int, Field(ge=1)] = 10


def _check_increasing(values: list[float], what: str) -> None:
    if any(b <= a for a, b in zip(values, values[1:])):
        raise ValueError(f"{what} must be strictly increasing, got {values}")


class ScoringConfig(_Strict):
    """Everything that decides a score: window, roles, multipliers, bands and weights."""

    version: str
    lookback_years: Annotated[float, Field(gt=0, le=50)] = 3
    perpetrator_roles: tuple[str, ...] = ("suspect", "offender")
    female_sex_codes: tuple[str, ...] = ("F",)
    relationships: RelationshipGroups = RelationshipGroups()
    outcome_multipliers: dict[str, Annotated[float, Field(ge=0)]] = Field(default_factory=dict)
    dash_multipliers: dict[str, Annotated[float, Field(ge=0)]] = Field(default_factory=dict)
    recency: tuple[RecencyBand, ...]
    frequency: tuple[CountBand, ...]
    gravity: tuple[CountBand, ...]
    victims: tuple[CountBand, ...]
    weights: Weights = Weights()
    points: PointSettings = PointSettings()
    flags: FlagSettings = FlagSettings()
    matac: MatacSettings = MatacSettings()
    serial_history: SerialHistorySettings = SerialHistorySettings()
    fairness: FairnessSettings = FairnessSettings()
    signals: SignalConfig = SignalConfig()

    @field_validator("recency")
    @classmethod
    def _recency_ordered(cls, bands: tuple[RecencyBand, ...]) -> tuple[RecencyBand, ...]:
        if not bands:
            raise ValueError("at least one band is needed")
        _check_increasing([b.max_days for b in bands], "recency max_days")
        return bands

    @field_validator("frequency", "gravity", "victims")
    @classmethod
    def _count_ordered(cls, bands: tuple[CountBand, ...]) -> tuple[CountBand, ...]:
        if not bands:
            raise ValueError("at least one band is needed")
        _check_increasing([b.at_least for b in bands], "at_least")
        return bands

    @field_validator("perpetrator_roles")
    @classmethod
    def _known_roles(cls, roles: tuple[str, ...]) -> tuple[str, ...]:
        unknown = set(roles) - {"victim", "suspect", "offender", "witness"}
        if unknown or not roles:
            raise ValueError(f"perpetrator_roles must be suspect/offender roles, got {roles}")
        return roles

    def max_points(self, component: str) -> float:
        """The top band's points: the most a component gives when banded, and the points
        that make a score of 100 (graded points go past it for the people beyond the top band)."""
        return max(b.points for b in getattr(self, component))

    def but_weights(self) -> str:
        """Every setting but the weights, as text: what a ranking keeps its evidence under, so
        that changed weights re-score from it and any other change works it out again."""
        return self.model_dump_json(exclude={"weights"})

    def fingerprint(self) -> str:
        """A short hash of the effective settings, printed in exports to reproduce a list."""
        canonical = json.dumps(self.model_dump(mode="json"), sort_keys=True)
        return hashlib.sha256(canonical.encode()).hexdigest()[:12]


# The weights of the classic RFGV matrix (before graded points): victims weighed most.
CLASSIC_WEIGHTS = Weights(recency=1.0, frequency=1.0, gravity=1.0, victims=1.5)


def classic_banded(config: ScoringConfig) -> ScoringConfig:
    """``config`` scored the classic way: the same bands read as steps (``points.style:
    banded``) with the classic weights R 1, F 1, G 1, V 1.5. The back-test compares it with
    the graded default.

    >>> classic = classic_banded(load_config())
    >>> classic.points.style, classic.weights.victims
    ('banded', 1.5)
    """
    return config.model_copy(update={"points": config.points.model_copy(update={"style": "banded"}),
                                     "weights": CLASSIC_WEIGHTS})


def default_config_path() -> Path:
    """Where the shipped default configuration lives."""
    return Path(str(resources.files("scoring") / "default_config.yaml"))


def load_config(path: Path | None = None) -> ScoringConfig:
    """Read and validate a scoring config (the shipped default when ``path`` is None)."""
    return load_yaml_settings(path or default_config_path(), ScoringConfig, "scoring config")
