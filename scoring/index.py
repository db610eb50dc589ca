"""What scoring derives from the tables alone: built once per loaded store, kept for every re-rank.

A ranking depends on the as-of date and the config, but most of what it reads does not: who
is behind each suspect, offender and victim role, and each incident's catalogue harm, label
and breach flags. Analysts re-rank the same store many times in a meeting (another as-of date,
changed weights), so a :class:`ScoringIndex` is built on first use and kept with the tables
(:attr:`scoring.tables.ScoringTables.derived`) for as long as they are loaded.

Ids become integer codes. A person's code is their position among all person ids in sorted
order, so ordering or grouping by code gives the same order as by id; an incident's code is
its row in the incidents table. Grouping, sorting and joining millions of integers is many
times faster than doing it on strings, and ids are put back only in what a ranking returns.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from scoring.catalogue import OffenceCatalogue
from scoring.tables import ScoringTables

EPOCH = pd.Timestamp("1970-01-01")
# Incident text columns with few distinct values, looked up per value instead of per row.
FACTORIZED = ("outcome", "dash_risk", "offence")


def _text(values: pd.Series) -> pa.Array:
    """A string column as one Arrow array (nulls kept)."""
    return pa.array(values.astype("string").array, type=pa.large_string(), from_pandas=True)


def _sorted_people(tables: ScoringTables) -> pd.Index:
    """Every person id any table mentions, distinct and sorted."""
    columns = [tables.roles["person_id"], tables.persons["person_id"], tables.measures["subject_person_id"],
               tables.measures["protected_person_id"], tables.referrals["person_id"]]
    every = pa.chunked_array([_text(column) for column in columns], type=pa.large_string())
    unique = pc.drop_null(pc.unique(every))
    ordered = unique.take(pc.sort_indices(unique))
    return pd.Index(pd.array(ordered, dtype="string"), name="person_id")


def positions(values: pd.Series, held: pd.Series | pd.Index) -> np.ndarray:
    """Where each value sits in ``held`` (distinct), -1 when absent or missing."""
    looked_up = pc.index_in(_text(pd.Series(values)), value_set=_text(pd.Series(held)))
    return np.asarray(pc.fill_null(looked_up, -1), dtype=np.int64)


def _annotated_incidents(tables: ScoringTables, catalogue: OffenceCatalogue) -> pd.DataFrame:
    """The incidents table with the catalogue's harm, label and flags, and recorded breaches.

    ``breach_offence`` is the catalogue's breach flag; ``breach`` also counts incidents recorded
    as breaching a measure. ``domestic`` is the domestic abuse flag with missing as False.
    """
    frame = tables.incidents.copy()
    offence = frame["offence"]
    frame["harm_days"] = catalogue.harm_days(offence).fillna(0.0)
    frame["label"] = offence.map(catalogue.table["label"]).fillna(offence)
    frame["non_crime"] = catalogue.flag(offence, "non_crime")
    frame["breach_offence"] = catalogue.flag(offence, "breach")
    frame["breach"] = frame["breach_offence"] | frame["incident_id"].isin(tables.breaches["incident_id"])
    frame["domestic"] = frame["domestic_abuse"].fillna(False).astype(bool)
    frame["dash_high"] = frame["dash_risk"].eq("high").fillna(False).astype(bool)
    return frame


@dataclass(frozen=True)
class ScoringIndex:
    """The tables' as-of-independent, coded form (see the module docstring).

    ``perpetrators``: distinct (person, row) pairs where the person is a suspect or offender,
    ordered by row then person, each with ``pair``, its own position. ``by_time``: the order of
    those pairs by person, occurrence and incident id (each person's incidents oldest first).
    ``victims``: distinct (person, row) pairs where the person is a victim, by row then person.
    ``links``: (person, victim, row, relationship, pair) rows, one per perpetrator and victim of
    an incident, ``pair`` being the perpetrator's; nobody is their own victim; the relationship
    is the perpetrator's (to the victim), else the victim's. ``breached``: (person, row,
    victim) per recorded breach: the breached measure's subject, the breach incident and the
    person the measure protects (-1 where not held). ``measure_subjects``,
    ``referral_people``: the person code of each row of those tables (-1: missing);
    ``persons_row``: per person code, their row in the persons table (-1: none).
    """

    people: pd.Index
    incidents: pd.DataFrame
    occurred: np.ndarray
    perpetrators: pd.DataFrame
    by_time: np.ndarray
    victims: pd.DataFrame
    links: pd.DataFrame
    breached: pd.DataFrame
    measure_subjects: np.ndarray
    referral_people: np.ndarray
    persons_row: np.ndarray
    factorized: dict[str, tuple[np.ndarray, pd.Index]]

    def codes(self, ids: pd.Series) -> np.ndarray:
        """The code of each person id (-1 when missing)."""
        return positions(ids, self.people)

    def ids(self, codes: np.ndarray) -> pd.api.extensions.ExtensionArray:
        """The person ids of codes (all valid)."""
        return self.people.array.take(np.asarray(codes, dtype=np.intp))

    def column(self, name: str, rows: np.ndarray) -> np.ndarray:
        """An incident column's values at ``rows``, as a NumPy array."""
        return self.incidents[name].to_numpy()[rows]

    def mapped(self, name: str, mapping: Mapping[str, object], missing: object) -> np.ndarray:
        """Per incident row: ``incidents[name].map(mapping)``, ``missing`` where that gives
        nothing; looked up once per distinct value (``name`` must be in :data:`FACTORIZED`)."""
        codes, values = self.factorized[name]
        # The appended ``missing`` is what code -1 (a missing value) picks.
        per_value = np.array([*(mapping.get(value, missing) for value in values), missing], dtype=object)
        return per_value[codes]

    def one_of(self, name: str, values: tuple[str, ...] | list[str]) -> np.ndarray:
        """Per incident row: ``incidents[name].isin(values)`` (missing: False)."""
        return self.mapped(name, dict.fromkeys(values, True), False).astype(bool)


def _coded_roles(tables: ScoringTables, people: pd.Index) -> pd.DataFrame:
    """Roles as (row, person, role, relationship); roles of incidents not held are left out."""
    roles = tables.roles
    coded = pd.DataFrame({
        "row": positions(roles["incident_id"], tables.incidents["incident_id"]),
        "person": positions(roles["person_id"], people),
        "role": roles["role"].to_numpy(), "relationship": roles["relationship"].array,
    })
    return coded[(coded["row"] >= 0) & (coded["person"] >= 0)]


def _pairs(roles: pd.DataFrame, perpetrator_roles: tuple[str, ...]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Distinct perpetrator (person, row) pairs and the (person, victim, row, relationship, pair) links."""
    is_perpetrator = np.isin(roles["role"].to_numpy(), list(perpetrator_roles))
    perpetrators = roles[is_perpetrator]
    pairs = perpetrators[["person", "row"]].drop_duplicates().sort_values(["row", "person"], kind="stable")
    pairs = pairs.reset_index(drop=True).assign(pair=np.arange(len(pairs)))
    victims = roles.loc[roles["role"].to_numpy() == "victim", ["row", "person", "relationship"]]
    links = pairs.merge(victims[["row", "person"]].drop_duplicates().rename(columns={"person": "victim"}), on="row")
    links = links[links["person"] != links["victim"]]
    # The relationship is recorded on the suspect's row (to the victim); fall back to the victim's.
    own = perpetrators.dropna(subset=["relationship"]).drop_duplicates(["row", "person"])
    theirs = victims.dropna(subset=["relationship"]).drop_duplicates(["row", "person"])
    links = links.merge(own[["row", "person", "relationship"]], on=["row", "person"], how="left")
    links = links.merge(theirs.rename(columns={"person": "victim", "relationship": "victim_side"}),
                        on=["row", "victim"], how="left")
    links["relationship"] = links["relationship"].fillna(links["victim_side"])
    links = links.sort_values(["row", "person", "victim"], kind="stable")
    return pairs, links[["person", "victim", "row", "relationship", "pair"]].reset_index(drop=True)


def build_index(tables: ScoringTables, catalogue: OffenceCatalogue,
                perpetrator_roles: tuple[str, ...]) -> ScoringIndex:
    """Code the tables (see :class:`ScoringIndex`); prefer :func:`scoring_index`, which keeps it."""
    people = _sorted_people(tables)
    incidents = _annotated_incidents(tables, catalogue)
    occurred = incidents["occurred_at"].to_numpy()
    roles = _coded_roles(tables, people)
    perpetrators, links = _pairs(roles, perpetrator_roles)
    victims = roles.loc[roles["role"].to_numpy() == "victim", ["person", "row"]].drop_duplicates()
    victims = victims.sort_values(["row", "person"], kind="stable").reset_index(drop=True)
    person, row = perpetrators["person"].to_numpy(), perpetrators["row"].to_numpy()
    # Incidents without a time are in no window or history, so where they sort does not matter.
    by_time = np.lexsort((row, occurred[row].view(np.int64), person))
    return ScoringIndex(people=people, incidents=incidents, occurred=occurred, perpetrators=perpetrators,
                        by_time=by_time, victims=victims, links=links, breached=_breached(tables, people),
                        measure_subjects=positions(tables.measures["subject_person_id"], people),
                        referral_people=positions(tables.referrals["person_id"], people),
                        persons_row=_persons_row(tables, people),
                        factorized={name: pd.factorize(incidents[name]) for name in FACTORIZED})


def _breached(tables: ScoringTables, people: pd.Index) -> pd.DataFrame:
    recorded = tables.breaches.merge(tables.measures, on="measure_id")
    return pd.DataFrame({"person": positions(recorded["subject_person_id"], people),
                         "row": positions(recorded["incident_id"], tables.incidents["incident_id"]),
                         "victim": positions(recorded["protected_person_id"], people)})


def _persons_row(tables: ScoringTables, people: pd.Index) -> np.ndarray:
    """Per person code, their first row in the persons table (-1: none)."""
    at = positions(tables.persons["person_id"], people)
    rows = np.full(len(people), -1, dtype=np.int64)
    held = np.flatnonzero(at >= 0)
    rows[at[held][::-1]] = held[::-1]  # the last write wins, so reversed: the first row
    return rows


def scoring_index(tables: ScoringTables, catalogue: OffenceCatalogue,
                  perpetrator_roles: tuple[str, ...]) -> ScoringIndex:
    """The :class:`ScoringIndex` of these tables, built on first use and kept with them."""
    key = ("scoring_index", catalogue.fingerprint, tuple(perpetrator_roles))
    found = tables.derived.get(key)
    if found is None:
        found = build_index(tables, catalogue, perpetrator_roles)
        tables.derived[key] = found
    return found
