"""Loading a benchmark's own synthetic store: what ``harmgraph ingest`` does (validation,
splink resolution, the load), in this process and without a signed-in user, because the store
is the benchmark's and holds no users yet."""

from __future__ import annotations

from pathlib import Path


def load_folder(folder: Path, store: Path, catalogue: str | Path | None = None) -> None:
    """Load the extract in ``folder`` into the embedded store ``store`` (created if absent)."""
    from graph.embedded import EmbeddedStore
    from ingest.identity import make_splink_resolver
    from ingest.load import ingest_folder
    from scoring.catalogue import load_catalogue

    with EmbeddedStore(store) as opened:
        ingest_folder(folder, opened, load_catalogue(catalogue).keys, resolver=make_splink_resolver())
