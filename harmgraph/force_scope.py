"""Which forces' people a signed-in user sees: the one place a regional store is cut to a scope.

A user added with ``--force NBR`` (``harmgraph users add`` / ``users grant``) sees the people
holding at least one record of force NBR; a user without a scope sees every force (the
region, and every store loaded without ``--force``). Every list, export and person view of the
command line and the app passes through :func:`within_scope` (a frame of people) or
:func:`check_person` (one person), so a new view cannot forget the rule by writing its own.

A person with records in two forces is one person: visible to a user of either force, and
shown whole (every incident, including those the other force holds), because the score and a
panel's decision rest on all of it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

import pandas as pd

from core.errors import HarmgraphError
from core.forces import SEPARATOR, force_code, forces_of, holds_force
from graph.store import GraphStore
from harmgraph.accounts import Account
from scoring.matac import Agenda, CohortReport


class OutOfScope(HarmgraphError):
    """A user asked for a person or a force outside the forces they may see."""


def with_forces(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with its ``forces`` column (worked out from ``record_ids`` when it has none)."""
    if "forces" in frame:
        return frame
    return frame.assign(forces=forces_of(frame["record_ids"]).to_numpy())


def of_forces(frame: pd.DataFrame, codes: Iterable[str]) -> pd.DataFrame:
    """The rows of ``frame`` (people, with ``forces`` or ``record_ids``) holding at least one
    record of any of ``codes``; every row when ``codes`` is empty. Rows keep their rank.

    >>> people = pd.DataFrame({"person_id": ["P-1", "P-2", "P-3"], "forces": ["CLE;NBR", "CLE", ""]})
    >>> of_forces(people, ["nbr"])["person_id"].tolist(), len(of_forces(people, []))
    (['P-1'], 3)
    """
    wanted = [force_code(code) for code in codes]
    if not wanted:
        return frame
    forces = with_forces(frame)["forces"]
    keep = pd.Series(False, index=frame.index)
    for code in wanted:
        keep |= holds_force(forces, code)
    return frame[keep.to_numpy(dtype=bool)]


def within_scope(frame: pd.DataFrame, account: Account | None) -> pd.DataFrame:
    """The people of ``frame`` the signed-in ``account`` may see (all for a user without a
    force scope, or no account: the app's development mode).

    >>> people = pd.DataFrame({"person_id": ["P-1", "P-2"], "record_ids": ["NBR:R1;CLE:R9", "CLE:R2"]})
    >>> within_scope(people, Account("ana", "analyst", ("NBR",)))["person_id"].tolist()
    ['P-1']
    >>> len(within_scope(people, Account("bo", "analyst")))
    2
    """
    if account is None or not account.forces:
        return frame
    return of_forces(frame, account.forces)


def loads_in_scope(loads: pd.DataFrame, account: Account | None) -> pd.DataFrame:
    """The loads (``GraphStore.loads()``) whose quarantined rows and warnings ``account`` may
    read: every load for a user without a scope; for a scoped user, the loads of their forces
    only (a load recorded without a force is no force's, so none of theirs: its rows hold raw
    values of people they may not see).

    >>> loads = pd.DataFrame({"load_id": ["L1", "L2", "L3"], "force": ["NBR", "CLE", None]})
    >>> loads_in_scope(loads, Account("ana", "analyst", ("NBR",)))["load_id"].tolist()
    ['L1']
    >>> len(loads_in_scope(loads, Account("bo", "analyst")))
    3
    """
    if account is None or not account.forces:
        return loads
    return loads[loads["force"].isin(account.forces).fillna(False).to_numpy(dtype=bool)]


def issues_in_scope(issues: pd.DataFrame, loads: pd.DataFrame, account: Account | None) -> pd.DataFrame:
    """The quarantined rows or warnings (``load_id`` + issue columns) of the loads ``account``
    may read (:func:`loads_in_scope`)."""
    if account is None or not account.forces:
        return issues
    return issues[issues["load_id"].isin(loads_in_scope(loads, account)["load_id"]).to_numpy(dtype=bool)]


def chosen_forces(account: Account | None, asked: Iterable[str]) -> tuple[str, ...]:
    """The forces a list is cut to: those ``asked`` (``--force``, the app's filter), each
    inside the user's scope, else refused; none asked: ().

    >>> chosen_forces(Account("ana", "analyst", ("NBR",)), ["nbr"])
    ('NBR',)
    >>> chosen_forces(Account("ana", "analyst", ("NBR",)), ["CLE"])
    Traceback (most recent call last):
    ...
    harmgraph.force_scope.OutOfScope: ana sees force NBR only: force CLE is outside it
    """
    codes = tuple(dict.fromkeys(force_code(code) for code in asked))
    if account is not None and account.forces:
        outside = [code for code in codes if code not in account.forces]
        if outside:
            raise OutOfScope(f"{account.name} sees {account.scope} only: force {', '.join(outside)} is outside it")
    return codes


def person_forces(persons: pd.DataFrame, person_id: str) -> tuple[str, ...]:
    """The forces holding a record of one person (() when unknown or loaded without --force).

    >>> person_forces(pd.DataFrame({"person_id": ["P-1"], "record_ids": ["NBR:R1;CLE:R9"]}), "P-1")
    ('CLE', 'NBR')
    """
    mine = persons.loc[persons["person_id"] == person_id, ["record_ids"]]
    if mine.empty:
        return ()
    text = str(forces_of(mine["record_ids"]).iloc[0])
    return tuple(code for code in text.split(";") if code)


def may_see(account: Account | None, forces: Iterable[str]) -> bool:
    """Whether ``account`` may see a person held by ``forces`` (always, without a scope).

    >>> may_see(Account("ana", "analyst", ("NBR",)), ("CLE", "NBR")), may_see(Account("ana", "analyst", ("NBR",)), ())
    (True, False)
    """
    if account is None or not account.forces:
        return True
    return bool(set(forces) & set(account.forces))


def check_person(store: GraphStore, account: Account | None, persons: pd.DataFrame, person_id: str,
                 where: str) -> None:
    """Refuse (OutOfScope) a view of ``person_id`` by a user whose forces hold none of the
    person's records; the refusal is in the access log like any other (``where``: the view)."""
    if may_see(account, person_forces(persons, person_id)):
        return
    assert account is not None
    store.record_audit(account.label, "refused", person_id, f"{where}: outside the user's {account.scope}")
    raise OutOfScope(f"{person_id} holds no record of {account.scope}, which is all {account.name} may see "
                     f"(an admin can widen it: 'harmgraph users grant {account.name} --force CODE' or --region)")


def check_forces(store: GraphStore, account: Account | None, asked: Iterable[str], where: str) -> tuple[str, ...]:
    """:func:`chosen_forces`, with a refusal written to the access log before it is raised."""
    try:
        return chosen_forces(account, asked)
    except OutOfScope:
        assert account is not None
        store.record_audit(account.label, "refused", where, f"a force outside the user's {account.scope}")
        raise


REGION_NOTE = "Over the whole region's list, every force's people: "


def region_wide_note(account: Account | None) -> str | None:
    """What a user of some forces is told above figures counted over the whole store (the
    back-test and fairness tables): they are the region's, not their forces' alone; None for
    a user who sees every force.

    >>> print(region_wide_note(Account("ana", "analyst", ("NBR",))))
    These figures are counted over the whole store, every force's people (none is named): not force NBR's alone.
    >>> region_wide_note(None) is None
    True
    """
    if account is None or not account.forces:
        return None
    return f"These figures are counted over the whole store, every force's people (none is named): not {account.scope}'s alone."


def visible_people(frame: pd.DataFrame, account: Account | None, chosen: Iterable[str] = ()) -> pd.DataFrame:
    """The people of ``frame`` a list shows: inside ``account``'s scope, then holding a record
    of one of the ``chosen`` forces (already checked by :func:`check_forces`); ranks are kept.

    The list's notes ("97 of the top 100 are ...") were counted over the region's ranking, so
    a cut list says so rather than seem to describe only the rows shown.

    >>> ranked = pd.DataFrame({"person_id": ["P-1", "P-2"], "forces": ["NBR", "CLE"]})
    >>> ranked.attrs["notes"] = ['2 of the top 2 are "not managed"']
    >>> print(visible_people(ranked, None, ["NBR"]).attrs["notes"][0])
    Over the whole region's list, every force's people: 2 of the top 2 are "not managed"
    """
    shown = of_forces(within_scope(frame, account), chosen)
    if shown is not frame and frame.attrs.get("notes"):
        shown = shown.copy()
        shown.attrs = {**frame.attrs, "notes": [REGION_NOTE + note for note in frame.attrs["notes"]],
                       "note_heads": [f"{head}, region-wide" for head in frame.attrs.get("note_heads", [])]}
    return shown


def rows_in_scope(frame: pd.DataFrame, account: Account | None, persons: pd.DataFrame,
                  column: str = "person_id") -> pd.DataFrame:
    """The rows of a frame about people (``column`` holds a person id: decisions, actions,
    referrals, an agenda section) whose person ``account`` may see; ``persons`` is the store's
    persons table (person_id, record_ids).

    >>> persons = pd.DataFrame({"person_id": ["P-1", "P-2"], "record_ids": ["NBR:R1", "CLE:R2"]})
    >>> decisions = pd.DataFrame({"person_id": ["P-2", "P-1", "P-9"], "decision": ["adopt", "defer", "adopt"]})
    >>> rows_in_scope(decisions, Account("ana", "chair", ("NBR",)), persons)["decision"].tolist()
    ['defer']
    """
    if account is None or not account.forces or column not in frame:
        return frame
    visible = within_scope(persons[["person_id", "record_ids"]], account)["person_id"]
    return frame[frame[column].isin(visible)]


def cohort_in_scope(report: CohortReport, account: Account | None, persons: pd.DataFrame) -> CohortReport:
    """A MATAC cohort report (cohort, new candidates, deferrals) with only the people
    ``account`` may see."""
    return replace(report, cohort=rows_in_scope(report.cohort, account, persons),
                   new=rows_in_scope(report.new, account, persons),
                   deferred=rows_in_scope(report.deferred, account, persons))


def agenda_in_scope(agenda: Agenda, account: Account | None, persons: pd.DataFrame) -> Agenda:
    """A MATAC agenda with only the people ``account`` may see in each section."""

    def keep(frame: pd.DataFrame) -> pd.DataFrame:
        return rows_in_scope(frame, account, persons)

    return replace(agenda, report=cohort_in_scope(agenda.report, account, persons), actions_due=keep(agenda.actions_due),
                   discharge=keep(agenda.discharge), reviews=keep(agenda.reviews), referred=keep(agenda.referred))


def visible_persons(clusters: pd.DataFrame, account: Account | None) -> set[str] | None:
    """The person ids (of ``clusters``: record_id, person_id) holding a record of one of
    ``account``'s forces; None for a user who sees every force.

    >>> clusters = pd.DataFrame({"record_id": ["NBR:R1", "CLE:R9", "CLE:R2"], "person_id": ["P-1", "P-1", "P-2"]})
    >>> sorted(visible_persons(clusters, Account("ana", "analyst", ("NBR",))))
    ['P-1']
    """
    if account is None or not account.forces:
        return None
    held = clusters["record_id"].astype(str).str.partition(SEPARATOR)
    mine = (held[1] == SEPARATOR) & held[0].isin(account.forces)
    return set(clusters.loc[mine.to_numpy(dtype=bool), "person_id"].astype(str))


def pairs_in_scope(rows: pd.DataFrame, account: Account | None, clusters: pd.DataFrame) -> pd.DataFrame:
    """The rows about two records (``person_l``, ``person_r``: the review queue) whose two
    persons ``account`` may both see: an item shows both records' names and dates of birth.

    >>> clusters = pd.DataFrame({"record_id": ["NBR:R1", "NBR:R2", "CLE:R3"], "person_id": ["P-1", "P-2", "P-3"]})
    >>> items = pd.DataFrame({"item_id": ["RV-1", "RV-2"], "person_l": ["P-1", "P-1"], "person_r": ["P-2", "P-3"]})
    >>> pairs_in_scope(items, Account("ana", "analyst", ("NBR",)), clusters)["item_id"].tolist()
    ['RV-1']
    """
    visible = visible_persons(clusters, account)
    if visible is None:
        return rows
    both = rows["person_l"].isin(visible) & rows["person_r"].isin(visible)
    return rows[both.to_numpy(dtype=bool)]


def check_records(store: GraphStore, account: Account | None, clusters: pd.DataFrame,
                  record_ids: Iterable[str], where: str) -> None:
    """Refuse (OutOfScope, logged) a link, unlink or review decision on a record whose person
    ``account`` may not see: the decision would re-draw a person outside the user's scope."""
    visible = visible_persons(clusters, account)
    if visible is None:
        return
    assert account is not None
    person = clusters.set_index("record_id")["person_id"]
    outside = [record for record in record_ids if str(person.get(record, "")) not in visible]
    if outside:
        store.record_audit(account.label, "refused", "/".join(outside), f"{where}: outside the user's {account.scope}")
        raise OutOfScope(f"record {', '.join(outside)} belongs to no person of {account.scope}, which is all "
                         f"{account.name} may see")
