"""Build the scoring context from a store and the force's configuration files."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from graph.store import GraphStore
from core.errors import HarmgraphError
from scoring.catalogue import load_catalogue
from scoring.config import load_config
from scoring.context import ScoringContext
from scoring.matac import with_panel_referrals
from core.tables import ScoringTables


def latest_incident_date(tables: ScoringTables) -> date | None:
    """The day of the most recent incident held, the default as-of date."""
    occurred = tables.incidents["occurred_at"]
    return None if occurred.empty else occurred.max().date()


def panel_tables(store: GraphStore) -> ScoringTables:
    """The store's scoring tables with each MATAC adoption counted as a ``matac`` referral
    (so an adopted subject is no longer flagged as not managed)."""
    return with_panel_referrals(store.scoring_tables(), store.matac_decisions_now())


def build_context(store: GraphStore, as_of: date | None = None, config_path: Path | None = None,
                  catalogue_path: Path | None = None) -> ScoringContext:
    """Read the store's tables and the validated config; default as-of = latest incident."""
    config = load_config(config_path)
    catalogue = load_catalogue(catalogue_path)
    tables = panel_tables(store)
    chosen = as_of or latest_incident_date(tables)
    if chosen is None:
        raise HarmgraphError(f"the store {store.location} holds no incidents yet; run 'harmgraph ingest' first")
    return ScoringContext(tables=tables, config=config, catalogue=catalogue, as_of=chosen)


def provenance(context: ScoringContext, list_name: str, store: GraphStore) -> dict[str, object]:
    """What a reader needs to reproduce a list: as-of, config and catalogue versions, store."""
    return {
        "list": list_name,
        "as_of": context.as_of.isoformat(),
        "lookback_years": context.config.lookback_years,
        "config_version": context.config.version,
        "config_fingerprint": context.config.fingerprint(),
        "catalogue_fingerprint": context.catalogue.fingerprint,
        "store": store.location,
        "store_version": store.version(),
    }
