"""Weapons and pregnancy, the optional incident fields behind two risk markers.

A weapon is used or shown in a share of violent incidents that rises with their gravity
(:data:`WEAPON_SHARE`); the field is written ``true`` or ``false`` for violent offences and left
blank for the rest, as a crime record asks about a weapon only for violence. A partner victim is
recorded as pregnant in :data:`PREGNANT_SHARE` of domestic incidents; the field is blank
otherwise (not asked, or not known).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from synth import offences as off

WEAPON_SHARE = {"murder": 0.5, "attempted_murder": 0.5, "gbh_s18": 0.4, "gbh_s20": 0.25, "abh": 0.1,
                "threats_to_kill": 0.15, "common_assault": 0.02}
PREGNANT_SHARE = 0.02


def weapon_and_pregnancy(rng: np.random.Generator, incidents: pd.DataFrame,
                         partner: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per incident: ``weapon`` and ``victim_pregnant`` as 'true', 'false' or None (blank);
    ``partner``: whether the incident's victim is the perpetrator's partner or ex-partner."""
    keys = np.asarray(off.OFFENCE_KEYS, dtype=object)[incidents["offence"].to_numpy()]
    share = pd.Series(keys).map(WEAPON_SHARE).to_numpy(dtype=float)
    asked = ~np.isnan(share)
    used = asked & (rng.random(len(keys)) < np.nan_to_num(share))
    weapon = np.where(asked, np.where(used, "true", "false"), None).astype(object)
    pregnant = partner & incidents["domestic"].to_numpy(dtype=bool) & (rng.random(len(keys)) < PREGNANT_SHARE)
    return weapon, np.where(pregnant, "true", None).astype(object)
