"""Error types shared by every room; the CLI and app catch them once and show a sentence."""

from __future__ import annotations


class HarmgraphError(Exception):
    """Base of every error harmgraph shows to a user as a sentence instead of a traceback."""


class ConfigError(HarmgraphError):
    """A configuration or catalogue file is missing, unreadable or invalid."""


class IngestError(HarmgraphError):
    """An input file cannot be loaded at all (missing file, missing column, bad encoding)."""

    def __init__(self, file: str, reason: str, row: int | None = None, column: str | None = None):
        where = file
        if row is not None:
            where += f", row {row}"
        if column is not None:
            where += f", column {column!r}"
        super().__init__(f"{where}: {reason}")
        self.file, self.row, self.column, self.reason = file, row, column, reason


class StoreError(HarmgraphError):
    """The store cannot be opened or written."""


class PersonNotFound(HarmgraphError):
    """A person id was asked for that the store does not hold."""

    def __init__(self, person_id: str) -> None:
        super().__init__(f"no person with id {person_id!r} in the store")
        self.person_id = person_id
