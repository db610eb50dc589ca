"""What an incremental resolution starts from (``ingest.resolve_increment``): the records a
load changed and the identity the store holds. Kept apart from the resolution itself so that
a load can say what changed without importing splink."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

__all__ = ["Increment"]


@dataclass(frozen=True)
class Increment:
    """What an incremental resolution carries forward from the store, and what changed.

    ``changed``: ids of the records whose links are worked out again: new or changed in a
    load, or named by an analyst's link or unlink; ``links``: every stored
    identity link (LINK_COLUMNS, kept and cut); ``review``: the stored review queue;
    ``persons``: the stored persons (PERSON_COLUMNS), whose rows stand for the persons the
    change does not touch; ``said``: what the changed records are, in the words a progress
    line uses."""

    changed: pd.Series
    links: pd.DataFrame
    review: pd.DataFrame
    persons: pd.DataFrame
    said: str = "new or changed records"
