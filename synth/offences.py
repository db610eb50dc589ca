"""Offence mixes and harm weights the generator draws from.

The harm weights are the generator's own (Cambridge Crime Harm Index style: days of custody
at the sentencing-guideline starting point for a first offender). They exist so the ground
truth can say which perpetrators carry the harm; harmgraph's scoring ships its own editable
catalogue and must not read this one.
"""

from __future__ import annotations

import numpy as np

HARM_DAYS: dict[str, float] = {
    "murder": 5475.0,
    "attempted_murder": 4380.0,
    "gbh_s18": 1825.0,
    "gbh_s20": 365.0,
    "abh": 180.0,
    "common_assault": 10.0,
    "strangulation": 365.0,
    "rape": 1825.0,
    "sexual_assault": 365.0,
    "stalking": 365.0,
    "harassment": 20.0,
    "controlling_coercive": 365.0,
    "threats_to_kill": 365.0,
    "criminal_damage": 5.0,
    "malicious_communications": 10.0,
    "breach_nmo": 60.0,
    "breach_restraining_order": 60.0,
    "breach_dvpo": 14.0,
    "breach_spo": 180.0,
    "breach_bail": 1.0,
    "da_non_crime": 0.0,
    # Violence against women and girls beyond partner abuse. Never drawn from a mix: synth.vawg
    # relabels incidents of family pairs, young victims and sexual-order subjects with them.
    "honour_based_abuse": 365.0,
    "forced_marriage": 730.0,
    "fgm": 1825.0,
    "rape_child_under_13": 2920.0,
    "sexual_assault_child_under_13": 730.0,
    "sexual_activity_with_child": 365.0,
    "indecent_images_children": 180.0,
    "intimate_image_abuse": 60.0,
    "breach_shpo": 180.0,
    "breach_sro": 180.0,
}

OFFENCE_KEYS: tuple[str, ...] = tuple(HARM_DAYS)
OFFENCE_INDEX: dict[str, int] = {key: i for i, key in enumerate(OFFENCE_KEYS)}
HARM_BY_CODE = np.array([HARM_DAYS[k] for k in OFFENCE_KEYS])

# Offences serious enough to raise DASH risk and the chance of a charge.
SERIOUS: frozenset[str] = frozenset(
    {"murder", "attempted_murder", "gbh_s18", "gbh_s20", "strangulation", "rape",
     "threats_to_kill", "stalking", "controlling_coercive"}
)
SERIOUS_MASK = np.array([k in SERIOUS for k in OFFENCE_KEYS])

# Grave offences: the few that carry most recorded harm (years, not days, of custody).
GRAVE: frozenset[str] = frozenset({"attempted_murder", "gbh_s18", "rape", "strangulation"})

# Offence mixes (weights, normalised on use). Named by the situation they describe.
MIXES: dict[str, dict[str, float]] = {
    # Ordinary domestic incidents between current partners or family members.
    "domestic": {
        "da_non_crime": 0.30, "common_assault": 0.19, "harassment": 0.08,
        "malicious_communications": 0.07, "criminal_damage": 0.09, "abh": 0.07,
        "controlling_coercive": 0.035, "stalking": 0.015, "threats_to_kill": 0.012,
        "strangulation": 0.01, "sexual_assault": 0.006, "rape": 0.003, "gbh_s20": 0.004,
        "gbh_s18": 0.0005,
    },
    # After separation: contact, messages and following dominate.
    "separated": {
        "harassment": 0.22, "malicious_communications": 0.21, "stalking": 0.07,
        "criminal_damage": 0.10, "common_assault": 0.10, "da_non_crime": 0.20,
        "threats_to_kill": 0.02, "abh": 0.03, "controlling_coercive": 0.01,
    },
    # Acquaintances and strangers: mostly not domestic abuse.
    "stranger": {
        "common_assault": 0.34, "criminal_damage": 0.16, "sexual_assault": 0.09,
        "harassment": 0.13, "abh": 0.10, "malicious_communications": 0.09,
        "threats_to_kill": 0.02, "rape": 0.008, "gbh_s20": 0.03, "gbh_s18": 0.004,
        "stalking": 0.01,
    },
    # Power-few perpetrators early in their course of conduct.
    "power_early": {
        "common_assault": 0.24, "abh": 0.12, "controlling_coercive": 0.08,
        "strangulation": 0.04, "harassment": 0.08, "threats_to_kill": 0.05,
        "criminal_damage": 0.08, "malicious_communications": 0.06, "stalking": 0.05,
        "da_non_crime": 0.13, "sexual_assault": 0.03, "rape": 0.015, "gbh_s20": 0.01,
    },
    # Power-few perpetrators once they have escalated.
    "power_late": {
        "abh": 0.17, "strangulation": 0.13, "rape": 0.09, "gbh_s20": 0.08, "gbh_s18": 0.04,
        "controlling_coercive": 0.12, "threats_to_kill": 0.10, "stalking": 0.10,
        "sexual_assault": 0.06, "common_assault": 0.09, "attempted_murder": 0.004,
    },
    # What a breach of an order is recorded as when it is not recorded as the breach itself
    # (inspectors found most breaches were also stalking, harassment or coercive control).
    "course_of_conduct": {
        "harassment": 0.45, "stalking": 0.25, "malicious_communications": 0.2,
        "controlling_coercive": 0.1,
    },
}


def mix_arrays(name: str, grave: bool | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(offence codes, probabilities) for one mix, in catalogue order; ``grave`` True or False
    keeps only the grave or only the other offences of the mix."""
    mix = {k: w for k, w in MIXES[name].items() if grave is None or (k in GRAVE) == grave}
    if not mix:  # a mix with no grave offences: fall back to the whole mix
        mix = MIXES[name]
    codes = np.array([OFFENCE_INDEX[k] for k in mix])
    weights = np.array(list(mix.values()), dtype=float)
    return codes, weights / weights.sum()


def grave_share(name: str) -> float:
    """Share of one mix's weight on grave offences."""
    mix = MIXES[name]
    return sum(w for k, w in mix.items() if k in GRAVE) / sum(mix.values())


def draw(rng: np.random.Generator, name: str, size: int, grave: bool | None = None) -> np.ndarray:
    """``size`` offence codes drawn from one mix (or only its grave / other part)."""
    codes, probs = mix_arrays(name, grave)
    return codes[rng.choice(len(codes), size=size, p=probs)]
