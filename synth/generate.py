"""Generate a synthetic police force in the input contract's shape, with ground truth.

The pipeline, each stage vectorised over all rows (loops only over archetypes or code values):

1. perpetrators and their archetypes; perpetrator-victim pairs with time windows
2. incidents of each pair; offences (escalating for the power few); a few killings
3. victims (some shared between perpetrators); recording attributes (DA flag, DASH, outcome)
4. protective measures and the incidents breaching them
5. second victims, co-suspects, witnesses (witnesses fill the population to ``people``)
6. referrals; true identities; records (fragmented or not); custody after grave convictions;
   ids; files

Every stage has its own random stream, so the same seed gives byte-identical files and
``fragmentation=False`` changes only the people records and the record ids they are used by.
"""

from __future__ import annotations

import time as clock
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from ingest.contract import (
    CUSTODY, DASH_RISKS, INCIDENTS, INVOLVEMENTS, MEASURES, OUTCOMES, PEOPLE, REFERRALS, ROLES,
)
from synth import archetypes as arc
from synth import cast, incidents as inc, measures as msr, offences as off, vawg
from synth.custody import custody_spells, sentences
from synth.fragment import Records, make_records, pick_records
from synth.hard_negatives import plant_hard_negatives, sparse_dates_of_birth
from synth.identity import Identities, make_identities
from synth.markers import weapon_and_pregnancy
from synth.output import FORMATS, write_table
from synth.referrals import make_referrals
from synth.util import Window, days_to_date_strings, days_to_timestamp_strings, make_ids, streams

# Perpetrators as a share of all real people. With ~2.4 incidents per perpetrator this gives
# about 0.6 incidents per person once victims and witnesses are counted.
PERPETRATOR_SHARE = 0.25
MIN_PEOPLE = 100

Progress = Callable[[str, float], None]


@dataclass(frozen=True)
class GenerationSummary:
    """What was written: rows per file stem and the file paths."""

    out_dir: Path
    fmt: str
    seed: int
    people: int  # distinct real people
    counts: dict[str, int] = field(default_factory=dict)  # rows per file stem
    paths: dict[str, Path] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def records(self) -> int:
        return self.counts.get("people", 0)

    @property
    def incidents(self) -> int:
        return self.counts.get("incidents", 0)


@dataclass
class _Force:
    """Person-level tables built before records and ids exist."""

    pairs: pd.DataFrame
    incidents: pd.DataFrame
    involvements: pd.DataFrame
    measures: pd.DataFrame
    referrals: pd.DataFrame
    arch: np.ndarray  # archetype per true person
    custody: pd.DataFrame | None = None  # spells (synth.custody), made once offences are final


def generate_force(out_dir: Path, people: int = 20_000, seed: int = 7, fragmentation: bool = True,
                   end_date: date = date(2026, 10, 31), years: int = 10, fmt: str = "csv",
                   progress: Progress | None = None, harm_follows_frequency: bool = True,
                   hard_negatives: bool = False) -> GenerationSummary:
    """Write a synthetic force (contract files plus ground truth) to ``out_dir``.

    ``harm_follows_frequency`` (the default, the demo force): one persistent intensity per
    perpetrator drives both how often and how gravely they offend, so counting incidents finds
    the harmful. False: how gravely comes from a second persistent draw, apart from how often
    (:func:`synth.archetypes.independent_danger`): a force where frequency alone misses the
    rare but grave, for testing whether a score finds harm beyond counting. The same seed gives
    the same perpetrators and courses of conduct; the offences, and what follows from them
    (killings, breaches, measures), differ.

    ``hard_negatives``: namesakes, brothers and fathers or sons of repeat and serial
    perpetrators among the force's men, often without a date of birth
    (:mod:`synth.hard_negatives`); off, the force is exactly as before.
    """
    if people < MIN_PEOPLE:
        raise ValueError(f"people must be at least {MIN_PEOPLE}, got {people}")
    if years < 1:
        raise ValueError(f"years must be at least 1, got {years}")
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {FORMATS}, got {fmt!r}")
    started = clock.perf_counter()
    report = progress or (lambda stage, fraction: None)
    rng = streams(seed)
    window = Window.ending(end_date, years)
    force = _build_force(rng, people, window, report, harm_follows_frequency)
    report("identities", 0.6)
    ident = make_identities(rng["identity"], force.arch, force.involvements, force.incidents, force.pairs)
    _add_vawg(rng["vawg"], force, ident, window.end)
    perpetrator = force.pairs["perp"].to_numpy()[force.incidents["pair"].to_numpy()]
    force.custody = custody_spells(rng["custody"], force.incidents, perpetrator, window.end)
    force.incidents["sentence"], force.incidents["sentence_months"] = sentences(
        rng["custody"], force.incidents, force.custody)
    partner = np.isin(force.incidents["rel"].to_numpy(), (arc.PARTNER, arc.EX_PARTNER))
    force.incidents["weapon"], force.incidents["victim_pregnant"] = weapon_and_pregnancy(
        rng["markers"], force.incidents, partner)
    report("records", 0.7)
    counts = np.bincount(force.involvements["person"].to_numpy(), minlength=len(force.arch))
    sparse = plant_hard_negatives(rng["hard_negatives"], ident) if hard_negatives else None
    records = make_records(rng["fragment"], ident, counts, fragmentation)
    if sparse is not None:
        owner = pd.Series(records.owner, index=records.record_id).reindex(records.table["record_id"]).to_numpy()
        records.table["date_of_birth"] = sparse_dates_of_birth(
            rng["hard_negatives"], records.table["date_of_birth"].to_numpy(dtype=object), owner, sparse)
    report("writing", 0.8)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    tables = _contract_tables(rng["ids"], force, ident, records)
    tables.update(_ground_truth(rng["truth"], force, records))
    written: dict[str, Path] = {}
    rows: dict[str, int] = {}
    for stem, (frame, columns) in tables.items():
        written[stem] = write_table(frame, columns, out_dir, stem, fmt)
        rows[stem] = len(frame)
    report("done", 1.0)
    return GenerationSummary(out_dir=out_dir, fmt=fmt, seed=seed, people=len(force.arch), counts=rows,
                             paths=written, seconds=clock.perf_counter() - started)


def _build_force(rng: dict[str, np.random.Generator], people: int, window: Window,
                 report: Progress, harm_follows_frequency: bool = True) -> _Force:
    """Stages 1-6 at person level (integer person ids, float-day times)."""
    report("perpetrators", 0.0)
    n_perp = max(1, round(people * PERPETRATOR_SHARE))
    perp_arch = arc.make_perpetrators(rng["perpetrators"], n_perp)
    pairs = arc.make_pairs(rng["pairs"], perp_arch, window)
    report("incidents", 0.1)
    base = inc.base_incidents(rng["incidents"], pairs)
    base["time"] = inc.time_of_day(rng["incidents"], base["time"].to_numpy())
    if not harm_follows_frequency:
        base["danger"] = arc.independent_danger(rng["danger"], pairs)[base["pair"].to_numpy()]
    offence = inc.draw_offences(rng["offences"], base)
    killed_pairs = inc.plant_killings(rng["offences"], base, offence)
    base["offence"] = offence
    victims = cast.assign_victims(rng["victims"], pairs, killed_pairs, first_id=n_perp)
    pairs["victim"] = victims
    next_id = int(victims.max()) + 1
    inc.add_recording(rng["attributes"], base, window)
    report("measures", 0.25)
    measures = msr.make_measures(rng["measures"], base, pairs, window)
    killers = np.unique(pairs["perp"].to_numpy()[killed_pairs])
    breaches = msr.make_breaches(rng["measures"], measures, pairs, killers, window)
    inc.add_recording(rng["attributes"], breaches, window)
    incidents = pd.concat([base, breaches], ignore_index=True)
    order = np.lexsort((incidents["pair"].to_numpy(), incidents["time"].to_numpy()))
    incidents = incidents.iloc[order].reset_index(drop=True)
    report("people", 0.4)
    core = cast.core_involvements(rng["cast"], incidents, pairs)
    extra_victims, co_suspects = cast.extra_involvements(rng["cast"], incidents, next_id)
    next_id += extra_victims["person"].nunique() + len(co_suspects)
    witnesses = cast.witness_involvements(rng["witnesses"], len(incidents), max(0, people - next_id), next_id)
    involvements = pd.concat([core, extra_victims, co_suspects, witnesses], ignore_index=True)
    arch = np.full(next_id + max(0, people - next_id), arc.WITNESS, dtype=np.int64)
    arch[:n_perp] = perp_arch
    arch[n_perp:next_id] = arc.VICTIM
    arch[co_suspects["person"].to_numpy()] = arc.CO_SUSPECT
    report("referrals", 0.5)
    referrals = make_referrals(rng["referrals"], incidents, involvements, pairs, window.end)
    return _Force(pairs=pairs, incidents=incidents, involvements=involvements, measures=measures,
                  referrals=referrals, arch=arch)


def _add_vawg(rng: np.random.Generator, force: _Force, ident: Identities, end: float) -> None:
    """Family pairs told apart, children abused by a parent, and the VAWG offences (synth.vawg)."""
    kinds = vawg.family_kinds(rng, force.pairs)
    force.pairs["kind"] = kinds
    vawg.young_victims(rng, ident, force.pairs, force.incidents, kinds)
    vawg.relabel_offences(rng, force.incidents, force.pairs, kinds, ident)
    force.measures = vawg.sexual_orders(rng, force.incidents, force.pairs, force.measures, end)
    vawg.sexual_order_breaches(rng, force.incidents, force.measures)


def _codes(values: np.ndarray, vocabulary: tuple[str, ...]) -> np.ndarray:
    """Integer codes -> strings; negative codes -> None (empty cell)."""
    names = np.asarray(vocabulary + (None,), dtype=object)
    return names[np.where(values < 0, len(vocabulary), values)]


def _incident_postcodes(rng: np.random.Generator, force: _Force, ident: Identities) -> np.ndarray:
    """Where it happened: the victim's home for domestic incidents, elsewhere otherwise."""
    incidents = force.incidents
    victim = force.pairs["victim"].to_numpy()[incidents["pair"].to_numpy()]
    at_home = np.isin(incidents["rel"].to_numpy(), (arc.PARTNER, arc.EX_PARTNER, arc.FAMILY, arc.UNKNOWN))
    elsewhere, _ = ident.places.random_homes(rng, len(incidents))
    unit = np.where(at_home, ident.unit[victim], elsewhere)
    postcode = ident.places.postcode[unit].astype(object)
    return np.where(rng.random(len(incidents)) < 0.04, None, postcode)


def _contract_tables(rng: np.random.Generator, force: _Force, ident: Identities,
                     records: Records) -> dict[str, tuple[pd.DataFrame, list[str]]]:
    """The contract files, with string ids and ISO dates."""
    incidents = force.incidents
    incident_id = make_ids("I", len(incidents))
    incident_table = pd.DataFrame({
        "incident_id": incident_id,
        "occurred_at": days_to_timestamp_strings(incidents["time"].to_numpy()),
        "recorded_at": days_to_timestamp_strings(incidents["recorded"].to_numpy()),
        "offence": np.asarray(off.OFFENCE_KEYS, dtype=object)[incidents["offence"].to_numpy()],
        "domestic_abuse": np.where(incidents["domestic"].to_numpy(), "true", "false"),
        "dash_risk": _codes(incidents["dash"].to_numpy(), DASH_RISKS),
        "outcome": _codes(incidents["outcome"].to_numpy(), OUTCOMES),
        "postcode": _incident_postcodes(rng, force, ident),
        "sentence": incidents["sentence"].to_numpy(dtype=object),
        "sentence_months": _months_text(incidents["sentence_months"].to_numpy(dtype=float)),
        "weapon": incidents["weapon"].to_numpy(dtype=object),
        "victim_pregnant": incidents["victim_pregnant"].to_numpy(dtype=object),
    })
    inv = force.involvements
    inv_record = pick_records(rng, records, inv["person"].to_numpy(), spread=True)
    inv_order = np.lexsort((inv_record, inv["role"].to_numpy(), inv["inc"].to_numpy()))
    involvement_table = pd.DataFrame({
        "incident_id": incident_id[inv["inc"].to_numpy()],
        "record_id": records.record_id[inv_record],
        "role": np.asarray(ROLES, dtype=object)[inv["role"].to_numpy()],
        "relationship": _codes(vawg.written_relationships(inv, incidents, force.pairs["kind"].to_numpy()),
                               arc.RELATIONSHIP_CODES),
    }).iloc[inv_order]
    return {
        "people": (records.table, PEOPLE.column_names),
        "incidents": (incident_table, INCIDENTS.column_names),
        "involvements": (involvement_table, INVOLVEMENTS.column_names),
        "measures": (_measure_table(rng, force, records, incident_id), MEASURES.column_names),
        "referrals": (_referral_table(rng, force, records), REFERRALS.column_names),
        "custody": (_custody_table(rng, force, records), CUSTODY.column_names),
    }


def _months_text(months: np.ndarray) -> np.ndarray:
    """Whole months as text ('18'), None where there are none."""
    whole = np.nan_to_num(months).astype(np.int64).astype(str).astype(object)
    return np.where(np.isnan(months), None, whole)


def _measure_table(rng: np.random.Generator, force: _Force, records: Records,
                   incident_id: np.ndarray) -> pd.DataFrame:
    measures = force.measures
    breach_rows = np.flatnonzero(force.incidents["breach_of"].to_numpy() != inc.NONE)
    breach_of = force.incidents["breach_of"].to_numpy()[breach_rows]
    end = measures["end"].to_numpy()
    subject = pick_records(rng, records, measures["subject"].to_numpy(), spread=False)
    protected = pick_records(rng, records, measures["protected"].to_numpy(), spread=False)
    end_text = np.where(np.isnan(end), None, days_to_date_strings(np.nan_to_num(end)).astype(object))
    return pd.DataFrame({
        "measure_id": make_ids("M", len(measures)),
        "type": measures["type"].to_numpy(dtype=object),
        "subject_record_id": records.record_id[subject],
        "protected_record_id": records.record_id[protected],
        "start_date": days_to_date_strings(measures["start"].to_numpy()),
        "end_date": end_text,
        "breach_incident_ids": msr.breach_lists(len(measures), breach_of, incident_id[breach_rows]),
    })


def _custody_table(rng: np.random.Generator, force: _Force, records: Records) -> pd.DataFrame:
    spells = force.custody if force.custody is not None else pd.DataFrame(
        {"person": [], "start": [], "expected": [], "released": []})
    released = spells["released"].to_numpy(dtype=float)
    return pd.DataFrame({
        "custody_id": make_ids("C", len(spells)),
        "record_id": records.record_id[pick_records(rng, records, spells["person"].to_numpy(dtype=np.int64),
                                                    spread=False)],
        "start_date": days_to_date_strings(spells["start"].to_numpy(dtype=float)),
        "expected_release_date": days_to_date_strings(spells["expected"].to_numpy(dtype=float)),
        "released_date": np.where(np.isnan(released), None,
                                  days_to_date_strings(np.nan_to_num(released)).astype(object)),
    })


def _referral_table(rng: np.random.Generator, force: _Force, records: Records) -> pd.DataFrame:
    referrals = force.referrals
    person = referrals["person"].to_numpy()
    return pd.DataFrame({
        "referral_id": make_ids("REF", len(referrals)),
        "record_id": records.record_id[pick_records(rng, records, person, spread=False)],
        "type": referrals["type"].to_numpy(dtype=object),
        "date": days_to_date_strings(referrals["date"].to_numpy()),
        "detail": referrals["detail"].to_numpy(dtype=object),
    })


def _ground_truth(rng: np.random.Generator, force: _Force,
                  records: Records) -> dict[str, tuple[pd.DataFrame, list[str]]]:
    """Which records are one person, and what each perpetrator really did."""
    n = len(force.arch)
    # Shuffled: true ids must not reveal the archetype by their order.
    true_id = make_ids("T", n)[rng.permutation(n)]
    planted = np.isin(force.arch, arc.PLANTED_SERIAL)
    archetype_names = np.asarray(arc.ARCHETYPES, dtype=object)
    owner = records.owner
    people = pd.DataFrame({
        "record_id": records.record_id,
        "true_person_id": true_id[owner],
        "archetype": archetype_names[force.arch[owner]],
        "planted_serial": np.where(planted[owner], "true", "false"),
    }).sort_values("record_id", ignore_index=True)
    perps = _perpetrator_truth(force)
    person = perps.index.to_numpy()
    perpetrators = pd.DataFrame({
        "true_person_id": true_id[person],
        "archetype": archetype_names[force.arch[person]],
        "planted_serial": np.where(planted[person], "true", "false"),
        "n_victims": perps["n_victims"].to_numpy(),
        "n_incidents": perps["n_incidents"].to_numpy(),
        "total_harm_days": np.round(perps["harm"].to_numpy(), 1),
        "first_incident": days_to_date_strings(perps["first"].to_numpy()),
        "last_incident": days_to_date_strings(perps["last"].to_numpy()),
    }).sort_values(["total_harm_days", "true_person_id"], ascending=[False, True], ignore_index=True)
    columns = list(perpetrators.columns)
    return {
        "ground_truth_people": (people.astype(str), list(people.columns)),
        "ground_truth_perpetrators": (perpetrators.astype(str), columns),
    }


def _perpetrator_truth(force: _Force) -> pd.DataFrame:
    """Per true perpetrator: incidents, distinct victims, harm days, first and last incident."""
    inv = force.involvements
    incidents = force.incidents
    role = inv["role"].to_numpy()
    suspects = inv[np.isin(role, (cast.ROLE["suspect"], cast.ROLE["offender"]))][["inc", "person"]]
    suspects = suspects.drop_duplicates()
    harm = off.HARM_BY_CODE[incidents["offence"].to_numpy()]
    when = incidents["time"].to_numpy()[suspects["inc"].to_numpy()]
    grouped = pd.DataFrame({"person": suspects["person"].to_numpy(), "harm": harm[suspects["inc"].to_numpy()],
                            "when": when}).groupby("person")
    victims = inv[role == cast.ROLE["victim"]][["inc", "person"]].rename(columns={"person": "victim"})
    pairs = suspects.merge(victims, on="inc")[["person", "victim"]].drop_duplicates()
    n_victims = pairs.groupby("person").size()
    summary = pd.DataFrame({
        "n_incidents": grouped.size(), "harm": grouped["harm"].sum(),
        "first": grouped["when"].min(), "last": grouped["when"].max(),
    })
    summary["n_victims"] = n_victims.reindex(summary.index, fill_value=0).to_numpy()
    return summary
