"""The offence catalogue: offence key -> label, Crime Harm Index weight in days, and flags.

It is an editable CSV shipped beside this module (``offence_catalogue.csv``); see
``OFFENCE_CATALOGUE.md`` for how each weight was derived.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import pandas as pd
import core.quiet_pyspark  # noqa: F401  (before pandera, which imports pyspark when installed)
import pandera.pandas as pa

from core.errors import ConfigError

FLAG_COLUMNS = (
    "violent",
    "sexual",
    "stalking_harassment",
    "coercive_control",
    "breach",
    "non_crime",
)

# The keys docs/data-contract.md promises every catalogue holds.
REQUIRED_KEYS = frozenset(
    {
        "murder", "attempted_murder", "gbh_s18", "gbh_s20", "abh", "common_assault",
        "strangulation", "rape", "sexual_assault", "stalking", "harassment",
        "controlling_coercive", "threats_to_kill", "criminal_damage",
        "malicious_communications", "breach_nmo", "breach_restraining_order", "breach_dvpo",
        "breach_spo", "breach_bail", "da_non_crime",
        # Violence against women and girls beyond domestic abuse (issue 17).
        "honour_based_abuse", "forced_marriage", "fgm", "rape_child_under_13",
        "sexual_assault_child_under_13", "sexual_activity_with_child", "indecent_images_children",
        "intimate_image_abuse", "breach_shpo", "breach_sro",
    }
)

_SCHEMA = pa.DataFrameSchema(
    {
        "offence": pa.Column(str, pa.Check.str_matches(r"^[a-z0-9_]+$"), unique=True),
        "label": pa.Column(str, pa.Check.str_length(min_value=1)),
        "harm_days": pa.Column(float, pa.Check.ge(0), coerce=True),
        **{flag: pa.Column(bool, coerce=True) for flag in FLAG_COLUMNS},
        "source": pa.Column(str, nullable=True, required=False),
    },
    strict=False,
)


@dataclass(frozen=True)
class OffenceCatalogue:
    """The validated catalogue; ``table`` is indexed by offence key.

    >>> catalogue = load_catalogue()
    >>> "rape" in catalogue.keys, catalogue.label("abh")
    (True, 'Assault occasioning ABH (s47 OAPA 1861)')
    """

    table: pd.DataFrame
    fingerprint: str

    @property
    def keys(self) -> frozenset[str]:
        """Every offence key the catalogue holds."""
        return frozenset(self.table.index)

    def label(self, offence: str) -> str:
        """The offence's readable label."""
        return str(self.table.at[offence, "label"])

    def harm_days(self, offences: pd.Series) -> pd.Series:
        """Harm days for each offence key in ``offences`` (vectorised; NaN for an unknown key).

        >>> load_catalogue().harm_days(pd.Series(["abh", "strangulation", "unknown"])).tolist()
        [10.0, 365.0, nan]
        """
        return offences.map(self.table["harm_days"]).astype("float64")

    def flag(self, offences: pd.Series, flag: str) -> pd.Series:
        """Whether each offence carries ``flag`` (one of FLAG_COLUMNS; an unknown key: False).

        >>> load_catalogue().flag(pd.Series(["breach_nmo", "abh", "unknown"]), "breach").tolist()
        [True, False, False]
        """
        return offences.map(self.table[flag]).fillna(False).astype(bool)


def default_catalogue_path() -> Path:
    """Where the shipped catalogue lives (``offence_catalogue.csv`` beside this module).

    >>> default_catalogue_path().name
    'offence_catalogue.csv'
    """
    return Path(str(resources.files("scoring") / "offence_catalogue.csv"))


def _parse_flags(frame: pd.DataFrame) -> pd.DataFrame:
    truthy = {"true": True, "1": True, "yes": True, "y": True,
              "false": False, "0": False, "no": False, "n": False}
    for flag in FLAG_COLUMNS:
        if flag in frame:
            frame[flag] = frame[flag].astype(str).str.strip().str.lower().map(truthy)
    return frame


def load_catalogue(path: Path | None = None) -> OffenceCatalogue:
    """Read and validate the offence catalogue (the shipped one when ``path`` is None).

    >>> rape = load_catalogue().table.loc["rape"]
    >>> float(rape["harm_days"]), bool(rape["sexual"]), bool(rape["breach"])
    (1825.0, True, False)
    """
    source = Path(path or default_catalogue_path())
    try:
        raw_bytes = source.read_bytes()
        frame = pd.read_csv(source, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise ConfigError(f"{source}: cannot read offence catalogue: {exc}") from exc
    frame.columns = [c.strip() for c in frame.columns]
    frame["offence"] = frame.get("offence", pd.Series(dtype=str)).str.strip()
    frame = _parse_flags(frame)
    try:
        frame = _SCHEMA.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases.head(5)
        detail = "; ".join(
            f"row {int(i) + 2 if pd.notna(i) else '-'} column {c}: {chk} ({v!r})"
            for i, c, chk, v in zip(cases["index"], cases["column"], cases["check"], cases["failure_case"])
        )
        raise ConfigError(f"{source}: invalid offence catalogue: {detail}") from exc
    missing = REQUIRED_KEYS - set(frame["offence"])
    if missing:
        raise ConfigError(f"{source}: offence catalogue lacks required keys: {sorted(missing)}")
    fingerprint = hashlib.sha256(raw_bytes).hexdigest()[:12]
    return OffenceCatalogue(table=frame.set_index("offence"), fingerprint=fingerprint)
