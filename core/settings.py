"""One loader for every settings file (scoring, resolution, retention): YAML read, then
validated by a pydantic model; a bad file is one sentence naming the file and each bad setting."""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from core.errors import ConfigError

ModelT = TypeVar("ModelT", bound=BaseModel)


def load_yaml_settings(source: str | Path, model: type[ModelT], what: str) -> ModelT:
    """Read a YAML file of settings and validate it as ``model``; a bad file is one sentence
    naming the file and every bad setting (``what`` says which config it is)."""
    try:
        raw = yaml.safe_load(Path(source).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{source}: cannot read {what}: {exc}") from exc
    if raw is None:  # an empty file: every setting takes its default
        raw = {}
    if not isinstance(raw, dict):
        raise ConfigError(f"{source}: {what} must be a mapping of settings")
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()
        )
        raise ConfigError(f"{source}: invalid {what}: {problems}") from exc
