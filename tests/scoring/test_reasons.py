"""Every reason sentence in the top 100 of the demo force, checked against the incidents it cites.

The force is the one ``harmgraph demo`` makes (20,000 people, seed 7), loaded into a real
embedded store. Each sentence is read back into its claims (counts, dates, victims, outcomes,
harm, names) and each claim is worked out again here from the raw tables, by plain pandas, not
by the scoring code that wrote it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from graph.embedded import EmbeddedStore
from ingest.load import ingest_folder
from scoring.catalogue import load_catalogue
from scoring.config import load_config
from scoring.context import ScoringContext
from scoring.explain import flag_reasons
from scoring.lists import rank_perpetrators
from synth.generate import generate_force

TOP = 100
# How the offender reason names each recorded outcome (scoring.perpetrators.OUTCOME_GROUPS).
OUTCOME_WORDS = {"convicted": ["convicted"], "cautioned": ["caution"], "charged": ["charged"],
                 "outcome 15/16": ["outcome_15", "outcome_16"], "under investigation": ["under_investigation"],
                 "no further action": ["nfa"], "acquitted": ["acquitted"], "other outcome": ["other"]}
PDP_WORDS = {"charge": "charged", "caution": "caution", "conviction": "convicted"}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[ScoringContext, pd.DataFrame]:
    folder: Path = tmp_path_factory.mktemp("demo")
    generate_force(folder / "force", people=20_000, seed=7)
    catalogue = load_catalogue()
    with EmbeddedStore(folder / "store.duckdb") as store:
        ingest_folder(folder / "force", store, catalogue.keys)
        tables = store.scoring_tables()
    as_of = tables.incidents["occurred_at"].max().date()
    context = ScoringContext(tables, load_config(), catalogue, as_of)
    return context, rank_perpetrators(context).head(TOP)


class Record:
    """One person's incidents as perpetrator, worked out from the raw tables."""

    def __init__(self, context: ScoringContext, person_id: str) -> None:
        tables = context.tables
        roles = tables.roles
        mine = roles[(roles["person_id"] == person_id) & roles["role"].isin(context.config.perpetrator_roles)]
        # Not counted for him: a role on a name-and-address-only record whose incident names a
        # victim none of his other incidents names (possibly another man of his name).
        weak = mine["weak_identity"].fillna(False).astype(bool)
        victims_of = roles[roles["role"] == "victim"].groupby("incident_id")["person_id"].agg(set)
        firm_victims = set().union(*victims_of.reindex(mine.loc[~weak, "incident_id"]).dropna()) - {person_id}
        aside = [incident for incident in mine.loc[weak, "incident_id"]
                 if not weak.all() and (victims_of.get(incident, set()) - {person_id}) - firm_victims]
        self.set_aside = tables.incidents[tables.incidents["incident_id"].isin(aside)
                                          & (tables.incidents["occurred_at"] <= context.as_of_end)]
        mine = mine[~mine["incident_id"].isin(aside)]
        incidents = tables.incidents[tables.incidents["incident_id"].isin(mine["incident_id"])]
        self.history = incidents[incidents["occurred_at"] <= context.as_of_end].sort_values(
            ["occurred_at", "incident_id"])
        self.window = self.history[self.history["occurred_at"] >= context.window_start]
        victims = roles[(roles["role"] == "victim") & (roles["person_id"] != person_id)]
        self.victim_links = victims.merge(mine[["incident_id", "relationship"]].rename(
            columns={"relationship": "own"}), on="incident_id")
        self.victim_links["relationship"] = self.victim_links["own"].fillna(self.victim_links["relationship"])
        self.names = tables.persons.set_index("person_id")["display_name"]
        self.sex = tables.persons.set_index("person_id")["sex"]

    def window_victims(self) -> pd.Series:
        inside = self.victim_links[self.victim_links["incident_id"].isin(self.window["incident_id"])]
        return inside["person_id"].drop_duplicates()


def _number(pattern: str, text: str) -> int:
    found = re.search(pattern, text)
    assert found, f"{pattern!r} not in {text!r}"
    return int(found.group(1))


def _check_offender_reason(context: ScoringContext, row: pd.Series, record: Record) -> None:
    text = str(row["reasons"])
    assert _number(r"^(\d+) incidents? against", text) == len(record.window), text
    victims = record.window_victims()
    said_victims = _number(r"against (\d+) victims?", text)
    female = record.sex.reindex(victims).isin(context.config.female_sex_codes).sum()
    women = re.search(r"\((\d+) wom[ae]n or girls?", text)
    records = re.search(r"(\d+) victim records, (?:probable )?duplicates counted once", text)
    if records:  # records of one woman counted once: the records are all there, the people fewer
        assert int(records.group(1)) == len(victims) and said_victims < len(victims), text
        assert women is None or int(women.group(1)) <= female, text
    else:
        assert said_victims == len(victims), text
        assert women is None or int(women.group(1)) == female, text
    serious = re.search(r"most serious: (.+?) on (\d{4}-\d{2}-\d{2});", text)
    assert serious, text
    labels = record.window["offence"].map(context.catalogue.table["label"])
    on_day = record.window["occurred_at"].dt.strftime("%Y-%m-%d") == serious.group(2)
    assert (labels[on_day] == serious.group(1)).any(), text
    harm = record.window["offence"].map(context.catalogue.table["harm_days"])
    assert harm[on_day & (labels == serious.group(1))].max() == harm.max(), text  # nothing graver
    last = pd.Timestamp(context.as_of) - record.window["occurred_at"].max().normalize()
    said = re.search(r"last incident (\d+) days? before the as-of date", text)
    assert (int(said.group(1)) if said else 0) == last.days, text
    outcomes = re.search(r"outcomes: (.+)\.$", text)
    assert outcomes, text
    if outcomes.group(1) != "none recorded":
        for part in outcomes.group(1).split(", "):
            count, word = part.split(" ", 1)
            codes = OUTCOME_WORDS.get(word)
            recorded = (record.window["outcome"].isna().sum() if word == "outcome not recorded"
                        else record.window["outcome"].isin(codes).sum())
            assert int(count) == recorded, (part, text)


def _check_pdp(context: ScoringContext, text: str, record: Record) -> None:
    """'... on N occasion(s) (2 charges, 1 caution) against M different partner(s) ...'"""
    settings = context.config.signals.pdp
    partners = record.victim_links[record.victim_links["relationship"].isin(settings.partner_relationships)]
    non_crime = record.history["offence"].map(context.catalogue.table["non_crime"]).fillna(False).astype(bool)
    domestic = record.history["domestic_abuse"].fillna(False).astype(bool) | record.history["incident_id"].isin(
        partners["incident_id"])
    counted = record.history[record.history["outcome"].isin(settings.charge_outcomes) & domestic & ~non_crime]
    assert _number(r"on (\d+) occasion", text) == len(counted), text
    breakdown = re.search(r"occasion\(s\) \(([^)]*)\)", text)
    assert breakdown, text
    for part in breakdown.group(1).split(", "):
        count, word = part.split(" ", 1)
        outcome = PDP_WORDS[word.rstrip("s")]
        assert int(count) == (counted["outcome"] == outcome).sum(), (part, text)
    among = partners[partners["incident_id"].isin(counted["incident_id"])]["person_id"].nunique()
    assert _number(r"against (\d+) different partner", text) <= among, text  # one woman recorded twice counts once


def _without_doubts(text: str) -> str:
    """``text`` less its ' (uncertain: ...)' clauses (balanced brackets), which name two records
    of one name by id so a reader can tell them apart.

    >>> _without_doubts("against Ann (uncertain: Ann (P-1) and Ann (P-2) may be one (names)); next")
    'against Ann; next'
    """
    while (start := text.find(" (uncertain: ")) >= 0:
        depth, end = 0, start + 1
        for end in range(start + 1, len(text)):
            depth += {"(": 1, ")": -1}.get(text[end], 0)
            if depth == 0:
                break
        text = text[:start] + text[end + 1:]
    return text


def _check_escalation(context: ScoringContext, text: str, record: Record) -> None:
    text = _without_doubts(text)
    rising = re.search(r"gravity rising over the last (\d+) incidents \(harm ([\d.]+) to ([\d.]+) days", text)
    if rising:
        n, first, last = int(rising.group(1)), float(rising.group(2)), float(rising.group(3))
        assert last > first, text
        harm = record.history["offence"].map(context.catalogue.table["harm_days"]).tail(n).round(1).tolist()
        assert (harm[0], harm[-1]) == (first, last), (harm, text)
    links = record.victim_links
    partners = links[links["relationship"].isin(context.config.signals.escalation.partner_relationships)]
    partner_names = set(record.names.reindex(partners["person_id"]).dropna())
    victim_names = set(record.names.reindex(links["person_id"]).dropna())
    for pattern in (r"new partner (.+?) victimised", r"previous partner (.+?)(?:;|$)",
                    r"first incident against (.+?) on \d", r"while incidents against (.+?) ran from",
                    r"the same day as incident\(s\) against (.+?)(?:;|$)"):
        for name in re.findall(pattern, text):
            assert name in partner_names, (name, text)
    for name in re.findall(r"earlier incident\(s\) against (.+?):", text):
        assert name in victim_names, (name, text)
    # Victims named, not ids (an id only tells apart two records of one name in a doubt clause).
    assert not re.search(r"\bP-[0-9a-f]{6,}", text), text
    for incident, when in re.findall(r"breach (\S+) on (\d{4}-\d{2}-\d{2})", text):
        held = record.history[record.history["incident_id"] == incident]
        assert len(held) == 1 and held["occurred_at"].iloc[0].strftime("%Y-%m-%d") == when, text


def _check_breach(text: str) -> None:
    total = _number(r"^(\d+) breach\(es\) in the window", text)
    kinds = re.search(r"in the window: (.+)$", text)
    assert kinds and sum(int(p.split(" ", 1)[0]) for p in kinds.group(1).split(", ")) == total, text


def _check_set_aside(context: ScoringContext, text: str, record: Record) -> None:
    """'2 incidents not counted: ...: Assault on 2024-03-01 against Jane DOE; ...' names every
    incident set aside, with its day and victims."""
    assert _number(r"^(\d+) incidents? not counted", text) == len(record.set_aside), text
    for _, incident in record.set_aside.iterrows():
        label = context.catalogue.table["label"][incident["offence"]]
        assert f"{label} on {incident['occurred_at']:%Y-%m-%d} against " in text, text


def test_every_reason_in_the_top_100_matches_the_incidents_it_cites(demo) -> None:  # type: ignore[no-untyped-def]
    context, top = demo
    assert len(top) == TOP
    checked = {"offender": 0, "pdp": 0, "escalating": 0, "breach": 0}
    for _, row in top.iterrows():
        record = Record(context, str(row["person_id"]))
        _check_offender_reason(context, row, record)
        checked["offender"] += 1
        reasons = flag_reasons(context, row.to_dict()).set_index("flag")["reason"]
        if "pdp" in reasons:
            _check_pdp(context, str(reasons["pdp"]), record)
            checked["pdp"] += 1
        if "escalating" in reasons:
            _check_escalation(context, str(reasons["escalating"]), record)
            checked["escalating"] += 1
        if "breach" in reasons:
            _check_breach(str(reasons["breach"]))
            checked["breach"] += 1
        assert ("identity_to_check" in reasons) == (not record.set_aside.empty), row["person_id"]
        if "identity_to_check" in reasons:
            _check_set_aside(context, str(reasons["identity_to_check"]), record)
    # every kind of sentence met at least once (on the demo force: 18 PDP, 81 escalating, 13 breach)
    assert checked["offender"] == TOP and min(checked.values()) > 0, checked
