"""Person ids survive re-resolution: new loads, links and unlinks change no person id except
the ones the change merged or split, and an old id still leads to its person.

Runs the real CLI on an embedded store with splink resolution (no mocks).
"""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from graph.decisions import MatacDecision, MatacReferral
from graph.embedded import EmbeddedStore
from harmgraph.cli import app
from ingest.person_ids import assign_person_ids

runner = CliRunner()


def _run(*args: str) -> str:
    result = runner.invoke(app, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


def _day_one(force_factory):  # type: ignore[no-untyped-def]
    force = force_factory()
    force.person("J1", "John", "Smith", "M", date_of_birth="1985-03-12", postcode="NE1 4ST")
    force.person("J2", "JOHN", "SMITH", "M", date_of_birth="1985-03-12", postcode="NE14ST")
    force.person("K1", "Karl", "Dunn", "M", date_of_birth="1970-01-01", postcode="LS1 1AA")
    force.person("M1", "Keith", "Marsh", "M", date_of_birth="1962-05-05", postcode="YO1 7HH")
    force.person("V1", "Amy", "Clarke", "F", date_of_birth="1991-07-02", postcode="NE2 1AA")
    force.person("W1", "Beth", "Owens", "F", date_of_birth="1979-11-30", postcode="DH1 3LE")
    force.incident("I1", "2026-01-05", "abh", "J1", ("V1",))
    force.incident("I2", "2026-02-05", "harassment", "J2", ("W1",))
    force.incident("I3", "2026-03-05", "common_assault", "K1", ("W1",))
    force.incident("I4", "2026-03-09", "common_assault", "M1", ("V1",))
    return force


def _day_two(force_factory):  # type: ignore[no-untyped-def]
    """A new record of John Smith whose id sorts before all of his, and a new man."""
    force = force_factory()
    force.person("A0", "John", "Smith", "M", date_of_birth="1985-03-12", postcode="NE1 4ST")
    force.person("X1", "Ian", "Price", "M", date_of_birth="1988-08-08", postcode="SR1 1AA")
    force.person("V1", "Amy", "Clarke", "F", date_of_birth="1991-07-02", postcode="NE2 1AA")
    force.incident("I5", "2026-04-05", "abh", "A0", ("V1",))
    force.incident("I6", "2026-04-06", "abh", "X1", ("V1",))
    return force


def _clusters(store: Path) -> dict[str, str]:
    with EmbeddedStore(store) as graph_store:
        frame = graph_store.clusters()
    return dict(zip(frame["record_id"], frame["person_id"]))


def _lineage(store: Path) -> pd.DataFrame:
    with EmbeddedStore(store) as graph_store:
        return graph_store.person_lineage()


def _changed_ids(lineage: pd.DataFrame, after_seq: int) -> set[str]:
    """Ids a step merged or split (both ends of each event)."""
    step = lineage[(lineage["seq"] > after_seq) & lineage["event"].isin(["merged", "split"])]
    return set(step["person_id"]) | set(step["other_id"])


def _assert_only_changed_ids_moved(before: dict[str, str], after: dict[str, str],
                                   changed: set[str]) -> None:
    for record, old in before.items():
        if old not in changed:
            assert after[record] == old, f"{record} moved from {old} to {after[record]}"


def _step(store: Path, *args: str) -> tuple[dict[str, str], dict[str, str], set[str], pd.DataFrame]:
    before = _clusters(store)
    last = _lineage(store)
    last_seq = int(last["seq"].max()) if len(last) else 0
    _run(*args, "--store", str(store))
    after = _clusters(store)
    lineage = _lineage(store)
    changed = _changed_ids(lineage, last_seq)
    _assert_only_changed_ids_moved(before, after, changed)
    return before, after, changed, lineage[lineage["seq"] > last_seq]


def test_ids_survive_loads_links_and_unlinks(tmp_path: Path, force_factory, cli_users) -> None:
    store = tmp_path / "store.duckdb"
    _run("ingest", str(_day_one(force_factory).write(tmp_path / "day1")), "--store", str(cli_users(store)))
    first = _clusters(store)
    john = first["J1"]
    assert first["J2"] == john and len(set(first.values())) == 5
    issued = _lineage(store)
    assert set(issued["event"]) == {"issued"} and len(issued) == 5
    assert issued["cause"].str.startswith("load L-").all()

    # A new load: A0 sorts before J1 and joins John Smith, who keeps his id.
    _, after, changed, step = _step(store, "ingest", str(_day_two(force_factory).write(tmp_path / "day2")))
    assert after["A0"] == john and changed == set()
    assert list(step["event"]) == ["issued"]  # only Ian Price is new
    assert after["X1"] == step["person_id"].item()

    # A link merges Karl Dunn and Keith Marsh: the id issued first survives, the other redirects.
    karl, keith = after["K1"], after["M1"]
    _, after, changed, step = _step(store, "link", "K1", "M1", "--reason", "same man, checked")
    assert changed == {karl, keith}
    assert after["K1"] == after["M1"] == karl
    merged = step[step["event"] == "merged"]
    assert merged[["person_id", "other_id"]].values.tolist() == [[keith, karl]]
    assert merged["cause"].item().startswith("must_link K1/M1 by ")
    shown = _run("explain", keith, "--store", str(store))
    assert f"{keith} was merged into {karl}" in shown
    history = _run("persons", "--history", keith, "--store", str(store), "--format", "json")
    events = json.loads(history)["rows"]
    assert [e["event"] for e in events] == ["issued", "issued", "merged"]

    # Unlinking them splits the person: the id stays with Karl's records (its anchor), Keith's
    # part gets a new id that remembers where it came from.
    _, after, changed, step = _step(store, "unlink", "K1", "M1", "--reason", "two men after all")
    assert after["K1"] == karl and after["M1"] not in (karl, keith)
    new_issue = step[step["event"] == "issued"]
    assert new_issue[["person_id", "other_id"]].values.tolist() == [[after["M1"], karl]]
    assert f"split: some of its records are now {after['M1']}" in _run("explain", karl, "--store", str(store))

    # Splitting John Smith: the part with his earliest record (J1) keeps his id, although A0
    # sorts first; J2 gets a new id.
    _, after, changed, step = _step(store, "unlink", "J1", "J2", "--reason", "namesakes")
    assert after["J1"] == after["A0"] == john
    assert after["J2"] != john and changed == {john, after["J2"]}


def test_matac_decisions_follow_a_merge(tmp_path: Path, force_factory, cli_users) -> None:
    store = tmp_path / "store.duckdb"
    _run("ingest", str(_day_one(force_factory).write(tmp_path / "day1")), "--store", str(cli_users(store)))
    ids = _clusters(store)
    karl, keith = ids["K1"], ids["M1"]
    with EmbeddedStore(store) as graph_store:
        graph_store.add_matac_decision(MatacDecision(
            keith, date(2026, 3, 10), "adopt", "escalating", "chair", datetime(2026, 3, 10),
            4.0, 1, date(2026, 3, 10), "v1", "abc"))
        graph_store.add_matac_referral(MatacReferral(keith, "Probation", "licence breach", None, "analyst",
                                                     datetime(2026, 3, 1)))
    _run("link", "M1", "K1", "--store", str(store), "--reason", "same man")
    with EmbeddedStore(store) as graph_store:
        decisions, referrals = graph_store.matac_decisions_now(), graph_store.matac_referrals_now()
    assert decisions[["decided_person_id", "person_id"]].values.tolist() == [[keith, karl]]
    assert referrals[["referred_person_id", "person_id"]].values.tolist() == [[keith, karl]]
    shown = _run("matac", "history", keith, "--store", str(store), "--format", "csv")
    assert karl in shown and "escalating" in shown


def test_assignment_is_stable_over_random_merges_and_splits() -> None:
    """The rule itself, over many steps: only ids whose clusters merged or split change."""
    import numpy as np

    rng = np.random.default_rng(3)
    records = [f"R{i:03d}" for i in range(200)]
    component = rng.integers(0, 120, len(records))
    previous, lineage = None, None
    for _ in range(30):
        frame = pd.DataFrame({"record_id": records, "component": component.astype(str)})
        clusters, events = assign_person_ids(frame, previous, lineage)
        assert clusters.groupby("person_id")["record_id"].size().sum() == len(records)
        # One id per component, one component per id.
        assert (clusters.assign(c=frame["component"]).groupby("person_id")["c"].nunique() == 1).all()
        assert clusters.assign(c=frame["component"]).groupby("c")["person_id"].nunique().max() == 1
        if previous is not None:
            changed = set(events.loc[events["event"].isin(["merged", "split"]), "person_id"]) \
                | set(events.loc[events["event"].isin(["merged", "split"]), "other_id"])
            moved = previous.merge(clusters, on="record_id", suffixes=("_before", "_after"))
            moved = moved[moved["person_id_before"] != moved["person_id_after"]]
            assert set(moved["person_id_before"]) <= changed
        issued = pd.concat([lineage, events]) if lineage is not None else events
        assert issued.loc[issued["event"] == "issued", "person_id"].is_unique
        previous, lineage = clusters, issued
        # Next step: a few merges (one component joins another) and splits (records leave).
        component = component.copy()
        for _ in range(3):
            a, b = rng.choice(component, 2, replace=False)
            component[component == a] = b
        for index in rng.choice(len(records), 5, replace=False):
            component[index] = rng.integers(1000, 100000)


def test_new_ids_never_repeat_one_in_use() -> None:
    """A new record whose derived id is already some other person's gets an id of its own:
    checked one by one for a few clashes, and through one set for many."""
    from ingest.person_ids import person_id_for

    for clashes in (1, 40):  # under and over the number of ids checked by scanning
        anchors = [f"A{i:02d}" for i in range(clashes)]
        previous = pd.DataFrame({"record_id": [f"X{i:02d}" for i in range(clashes)],
                                 "person_id": [person_id_for([anchor]) for anchor in anchors]})
        frame = pd.DataFrame({"record_id": [*previous["record_id"], *anchors, "B"],
                              "component": [*previous["record_id"], *anchors, "B"]})
        clusters, events = assign_person_ids(frame, previous)
        ids = clusters.set_index("record_id")["person_id"]
        assert ids[previous["record_id"]].tolist() == previous["person_id"].tolist()
        assert ids.is_unique
        assert not set(ids[anchors]) & set(previous["person_id"])
        assert ids["B"] == person_id_for(["B"])
        assert set(events.loc[events["event"] == "issued", "person_id"]) == set(ids[[*anchors, "B"]])


def test_persons_come_in_id_order_with_long_ids_among_them() -> None:
    """The persons' codes are renumbered in person id order (what the persons table is kept
    in): the same order as Python's sort of the ids, with the long ids of clashes among the
    derived ones, whether the new ids are hashed in Python or in the engine."""
    from ingest.person_ids import HASH_IN_ENGINE_FROM, assign_person_ids_and_count, person_id_for

    for records in (60, HASH_IN_ENGINE_FROM + 60):
        anchors = [f"A{i:06d}" for i in range(records)]
        taken = anchors[:: max(records // 30, 1)]  # their derived ids are someone else's already
        previous = pd.DataFrame({"record_id": [f"X{i:06d}" for i in range(len(taken))],
                                 "person_id": [person_id_for([anchor]) for anchor in taken]})
        frame = pd.DataFrame({"record_id": [*previous["record_id"], *anchors],
                              "component": [*previous["record_id"], *anchors]})
        assigned = assign_person_ids_and_count(frame, previous)
        person, ids = assigned.codes.sorted()
        listed = ids.to_pylist()
        assert listed == sorted(assigned.clusters["person_id"].unique())
        assert sum(len(pid) > len(person_id_for(["A"])) for pid in listed) == len(taken)
        assert [listed[code] for code in person] == assigned.clusters["person_id"].tolist()
