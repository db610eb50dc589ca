"""Cached data for the app: every heavy call keyed on store, store version, config and as-of.

The store is opened per request (``with settings.open_store()``) and closed at once: DuckDB allows
one writing process, and a load run from the command line must not find the app holding it.
Large read-only objects (the scoring tables, the incident graph) are shared with
``st.cache_resource``; ranked lists and evidence are ``st.cache_data`` (each caller gets its
own copy, so a page may filter freely).
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import NamedTuple

import networkx as nx
import pandas as pd
import streamlit as st

from graph.network import NetworkIndex, incident_graph, network_index
from core.errors import HarmgraphError
from core.forces import forces_of
from harmgraph.context import latest_incident_date, panel_tables
from harmgraph.ui.settings import Settings
from scoring.catalogue import OffenceCatalogue, load_catalogue
from scoring.config import ScoringConfig, load_config
from scoring.explain import Evidence, explain_person
from scoring.lists import PerpetratorList, VictimList, rank_perpetrators, rank_victims
from scoring.context import ScoringContext
from scoring.matac import referral_lines
from core.tables import ScoringTables


class ViewKey(NamedTuple):
    """Everything a ranked list depends on; the cache key of every scoring call."""

    settings: Settings
    version: int
    config_fingerprint: str
    catalogue_fingerprint: str
    as_of: date
    lookback_years: float


def _mtime(path: str | None) -> float:
    return os.path.getmtime(path) if path else 0.0


@st.cache_resource(max_entries=8, show_spinner=False)
def _config(path: str | None, _mtime_key: float) -> ScoringConfig:
    return load_config(Path(path) if path else None)


@st.cache_resource(max_entries=8, show_spinner=False)
def _catalogue(path: str | None, _mtime_key: float) -> OffenceCatalogue:
    return load_catalogue(Path(path) if path else None)


def config(settings: Settings) -> ScoringConfig:
    """The validated scoring config (re-read when the file changes)."""
    return _config(settings.config_path, _mtime(settings.config_path))


def catalogue(settings: Settings) -> OffenceCatalogue:
    """The validated offence catalogue (re-read when the file changes)."""
    return _catalogue(settings.catalogue_path, _mtime(settings.catalogue_path))


def store_version(settings: Settings) -> int:
    """The store's write counter, read with a short-lived connection."""
    with settings.open_store() as store:
        return store.version()


@st.cache_resource(max_entries=2, show_spinner="Reading the store…")
def tables(settings: Settings, version: int) -> ScoringTables:
    """The person-level scoring tables of one store version (shared, treat as read-only)."""
    with settings.open_store() as store:
        return panel_tables(store)


@st.cache_data(max_entries=4, show_spinner=False)
def store_forces(settings: Settings, version: int) -> tuple[str, ...]:
    """The force codes holding a record in the store, sorted (() for a store loaded without --force)."""
    held = forces_of(tables(settings, version).persons["record_ids"])
    return tuple(sorted({code for combination in held.unique() for code in str(combination).split(";") if code}))


@st.cache_data(max_entries=8, show_spinner=False)
def default_as_of(settings: Settings, version: int) -> date | None:
    """The day of the latest incident held (the default as-of date), None for an empty store."""
    return latest_incident_date(tables(settings, version))


def view_key(settings: Settings, version: int, as_of: date, lookback_years: float | None) -> ViewKey:
    """Build the cache key for one view of the data."""
    base = config(settings)
    effective = base.model_copy(update={"lookback_years": lookback_years}) if lookback_years else base
    return ViewKey(settings, version, effective.fingerprint(), catalogue(settings).fingerprint, as_of,
                   float(effective.lookback_years))


@st.cache_resource(max_entries=8, show_spinner=False)
def context(key: ViewKey) -> ScoringContext:
    """The scoring context for a view (config with the chosen look-back window)."""
    settings = key.settings
    effective = config(settings).model_copy(update={"lookback_years": key.lookback_years})
    return ScoringContext(tables=tables(key.settings, key.version), config=effective,
                          catalogue=catalogue(settings), as_of=key.as_of)


@st.cache_data(max_entries=16, show_spinner="Ranking perpetrators…")
def perpetrators(key: ViewKey, which: str) -> pd.DataFrame:
    """The ranked perpetrator list (contract columns first, then points and counts)."""
    return rank_perpetrators(context(key), PerpetratorList(which))


@st.cache_data(max_entries=16, show_spinner="Ranking victims…")
def victims(key: ViewKey, which: str, all_victims: bool = False, under_18: bool = False) -> pd.DataFrame:
    """The ranked repeat-victim list (contract columns first, offender_ranks among extras): women
    and girls unless ``all_victims``; ``under_18`` keeps those under 18 at an incident."""
    return rank_victims(context(key), VictimList(which), all_victims, under_18)


@st.cache_data(max_entries=4, show_spinner=False)
def referral_notes(settings: Settings, version: int) -> dict[str, str]:
    """Person id -> 'referred by Probation on 2026-01-02; ...' for everyone a partner agency
    referred to the MATAC (every referral bumps the store version, so this stays current)."""
    with settings.open_store() as store:
        return referral_lines(store.matac_referrals_now()).to_dict()


@st.cache_data(max_entries=64, show_spinner="Collecting the evidence…")
def evidence(key: ViewKey, person_id: str) -> Evidence:
    """Identity, RFGV components, incidents, measures and referrals of one person."""
    return explain_person(context(key), person_id, perpetrators=perpetrators(key, PerpetratorList.OVERALL.value),
                          victims=victims(key, VictimList.MOST_OFFENCES.value, all_victims=True))


@st.cache_resource(max_entries=2, show_spinner="Building the incident graph…")
def whole_graph(settings: Settings, version: int, since: pd.Timestamp | None = None,
                until: pd.Timestamp | None = None) -> nx.Graph:
    """The person-incident graph of the whole store over the window [since, until] (for paths
    between two people; each edge holds the person's role in the incident)."""
    return incident_graph(tables(settings, version), since, until)


@st.cache_resource(max_entries=2, show_spinner="Indexing the network…")
def ego_index(settings: Settings, version: int) -> NetworkIndex:
    """Lookups for ego networks over one store version (shared, read-only), so that drawing a
    network costs in proportion to the neighbourhood, not the force."""
    return network_index(tables(settings, version))


def person_harm(key: ViewKey) -> dict[str, float]:
    """Harm days in the window per perpetrator (node size in the network explorer)."""
    ranked = perpetrators(key, PerpetratorList.OVERALL.value)
    return dict(zip(ranked["person_id"], ranked["gravity"].astype(float)))


def offence_harm(settings: Settings) -> dict[str, float]:
    """Catalogue harm days per offence key."""
    return catalogue(settings).table["harm_days"].astype(float).to_dict()


def warm(settings: Settings) -> None:
    """Fill the caches the first page after sign-in reads (the store's tables, the default view's
    context and overall ranking), so that page opens at once. Called while the sign-in form is
    on screen; a store that cannot be read now is left for the page to report."""
    try:
        version = store_version(settings)
        as_of = default_as_of(settings, version)
        if as_of is not None:
            perpetrators(view_key(settings, version, as_of, None), PerpetratorList.OVERALL.value)
    except HarmgraphError:
        return
