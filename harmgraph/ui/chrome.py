"""The sidebar every page shares (store, as-of date, look-back window, who is signed in) and page links."""

from __future__ import annotations

import getpass
import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd
import streamlit as st

from harmgraph.context import provenance
from harmgraph.ui import data
from harmgraph.access import can
from harmgraph.accounts import Account
from harmgraph.force_scope import OutOfScope, check_person, chosen_forces, visible_people
from harmgraph.ui.format import md
from harmgraph.ui.settings import Settings
from scoring.lists import list_note_heads, list_notes

# The page scripts, found beside this package (so an installed wheel works from any directory).
PAGES_DIR = Path(__file__).resolve().parent.parent / "app_pages"
PAGES = {name: str(PAGES_DIR / f"{name}.py")
         for name in ("candidates", "profile", "victims", "network", "quality", "review", "matac", "evidence", "users",
                      "audit")}


@dataclass(frozen=True)
class View:
    """What every page reads: where, as of when, over which window, and who is looking."""

    settings: Settings
    version: int
    as_of: date | None
    lookback_years: float
    role: str
    name: str = ""
    forces: tuple[str, ...] = ()  # the forces whose people the user sees; (): every force

    @property
    def account(self) -> Account:
        """The signed-in account (name, role, force scope), as harmgraph/force_scope.py reads it."""
        return Account(self.name or getpass.getuser(), self.role, self.forces)

    @property
    def user(self) -> str:
        """The name written to the access log: the signed-in user and their role."""
        return f"{self.name or getpass.getuser()} ({self.role})"

    def can(self, action: str) -> bool:
        """Whether the signed-in role may take ``action`` (harmgraph.access.can)."""
        return can(self.role, action)

    @property
    def key(self) -> data.ViewKey:
        assert self.as_of is not None, "no incidents held"
        return data.view_key(self.settings, self.version, self.as_of, self.lookback_years)

    def provenance(self, list_name: str) -> dict[str, object]:
        """Provenance of a list shown in this view (harmgraph.context.provenance)."""
        return provenance(data.context(self.key), list_name, _StoreFacts(self.settings.store, self.version))


class _StoreFacts:
    """The two store facts provenance needs, without holding the store open."""

    def __init__(self, location: str, version: int) -> None:
        self.location = location
        self._version = version

    def version(self) -> int:
        return self._version


# Narrower margins and a smaller title than Streamlit's defaults, so that a 1,366 x 768 screen
# shows the lists' reasons in full without scrolling sideways.
COMPACT_CSS = """<style>
[data-testid="stMainBlockContainer"] { padding: 3.6rem 1.6rem 3rem 1.6rem; max-width: none; }
[data-testid="stMainBlockContainer"] h1 { font-size: 1.9rem; padding: 0.2rem 0 0.4rem 0; }
[data-testid="stSidebarUserContent"] { padding-bottom: 2rem; }
</style>"""


def sidebar(settings: Settings, account: Account) -> View:
    """Draw the shared sidebar and return the view it selects for the signed-in ``account``."""
    st.html(COMPACT_CSS)
    version = data.store_version(settings)
    latest = data.default_as_of(settings, version)
    base = data.config(settings)
    with st.sidebar:
        st.caption(f"Store: `{settings.store}` (version {version})")
        as_of = None
        if latest is not None:
            as_of = st.date_input("As of", value=latest, key="as_of", format="YYYY-MM-DD",
                                  help="Nothing after this date is counted. Default: the latest incident held.")
        lookback = st.number_input("Look-back window (years)", min_value=0.5, max_value=20.0,
                                   value=float(base.lookback_years), step=0.5, key="lookback_years",
                                   help=f"Config {base.version} uses {base.lookback_years:g} years.")
        st.caption(f"Signed in as **{md(account.name)}** ({account.role})"
                   + (f"; you see {account.scope}'s people" if account.forces else ""))
        if st.button("Sign out", key="sign_out"):
            from harmgraph.ui.auth import sign_out

            sign_out(settings, os.environ)
            st.rerun()
    return View(settings, version, as_of, float(lookback), account.role, account.name, account.forces)


def audit(view: View, action: str, subject: str, detail: str = "", reason: str = "") -> None:
    """Append one row to the store's access log (opened just for this write)."""
    with view.settings.open_store() as store:
        store.record_audit(view.user, action, subject, detail, reason=reason)


def audit_once(view: View, action: str, subject: str, detail: str = "") -> None:
    """Log a page view once per session for what it shows (``action``, ``subject``, ``detail``):
    Streamlit re-runs the page on every click, and each re-run is not a new view."""
    logged = st.session_state.setdefault("audit_logged", set())
    entry = (view.user, action, subject, detail)
    if entry not in logged:
        audit(view, action, subject, detail)
        logged.add(entry)


def people_in_view(view: View, ranked: pd.DataFrame, key: str) -> pd.DataFrame:
    """The people of a list this user may see (harmgraph/force_scope.py), narrowed by a force
    filter drawn when the store holds more than one force the user may see."""
    account = view.account
    choices = [code for code in data.store_forces(view.settings, view.version)
               if not account.forces or code in account.forces]
    chosen: list[str] = []
    if len(choices) > 1:
        chosen = st.multiselect("Forces", choices, key=key, placeholder="Every force" if not account.forces
                                else f"All of {', '.join(account.forces)}",
                                help="Only the people holding at least one record of these forces. A person "
                                     "of two forces is under both, with every record shown.")
    return visible_people(ranked, account, chosen_forces(account, chosen))


def refuse_outside_scope(view: View, person_id: str, where: str) -> None:
    """Stop the page, saying why, when ``person_id`` holds no record of the user's forces
    (the refusal is in the access log)."""
    persons = data.tables(view.settings, view.version).persons
    try:
        with view.settings.open_store() as store:
            check_person(store, view.account, persons, person_id, where)
    except OutOfScope as refused:
        st.error(md(str(refused)))
        st.stop()


def open_profile(person_id: str) -> None:
    """Go to the profile page of ``person_id``."""
    st.session_state["person_id"] = person_id
    st.switch_page(PAGES["profile"])


def open_network(person_id: str) -> None:
    """Go to the network explorer centred on ``person_id``."""
    st.session_state["network_centre"] = person_id
    st.switch_page(PAGES["network"])


def need_incidents(view: View) -> bool:
    """Say so and return False when the store holds no incidents yet."""
    if view.as_of is None:
        st.info(f"The store `{view.settings.store}` holds no incidents yet. Load an extract with "
                f"`harmgraph ingest FOLDER --store {view.settings.store}`.")
        return False
    return True


def current_view() -> View:
    """The view the sidebar chose on this run (set by harmgraph/app.py before the page runs)."""
    return st.session_state["view"]


def show_list_notes(ranked: pd.DataFrame) -> None:
    """The facts true of most of a list's top rows, said once above it in one short box (they
    are not repeated on the rows), with what each means in an expander below it, so the list
    itself starts on the first screen."""
    heads = list_note_heads(ranked)
    if not heads:
        return
    st.info("True of most of the top rows, so not repeated on them: " + " · ".join(heads) + ".",
            icon=":material/info:")
    with st.expander("What these mean"):
        st.markdown("\n".join(f"- {note}" for note in list_notes(ranked)))

