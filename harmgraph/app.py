"""harmgraph's Streamlit app: MATAC candidates, profiles, repeat victims, network, data quality.

Run with ``harmgraph app`` (which starts Streamlit on this file), or from a checkout with
``streamlit run app.py -- --store PATH`` (or set HARMGRAPH_STORE). Streamlit executes this file
as ``__main__`` on every rerun, hence the guard at the bottom. The pages live beside it in
``harmgraph/app_pages/`` so that an installed wheel carries them. That folder is deliberately not
called ``pages``: Streamlit treats a ``pages`` folder beside the main script as an old-style
multipage app and would run a page named in the URL without passing through the sign-in below.
The app only presents: it reads through ``graph`` and ``scoring`` and never writes a query.
"""

from __future__ import annotations

import os
import sys

import streamlit as st

from core.errors import HarmgraphError
from core.memory import POOL_VARIABLE, use_preferred_arrow_pool
from harmgraph.ui import data
from harmgraph.ui.auth import allowed_pages, require_account
from harmgraph.ui.chrome import PAGES, sidebar
from harmgraph.ui.settings import settings_from


def main() -> None:
    """One run of the app: sign in, the pages the role may see, the shared sidebar, the page."""
    # No page_icon and no st.Page icons: Streamlit fetches an icon favicon from fonts.gstatic.com.
    st.set_page_config(page_title="harmgraph", layout="wide")
    # No "Download as CSV" or copy on tables: every export goes through the logged, formula-safe
    # export buttons that ask for a reason (harmgraph/ui/exports.py).
    st.set_option("client.disableDataExport", True)
    st.set_option("client.toolbarMode", "viewer")  # no "Deploy" button on a police server
    use_preferred_arrow_pool(os.environ.get(POOL_VARIABLE))  # as the CLI does (core/memory.py)

    settings = settings_from(sys.argv[1:], os.environ)
    account = None
    try:
        account = require_account(settings, os.environ)  # the sign-in form stops the run until signed in
    except HarmgraphError as exc:
        st.error(str(exc))
        st.stop()
    finally:
        if account is None:  # the sign-in form is on screen: read and rank while the user types
            data.warm(settings)
    # Only the pages the account's role may see (harmgraph/access.py) are offered.
    navigation = st.navigation(allowed_pages(account.role, [
        st.Page(PAGES["candidates"], title="MATAC candidates", default=True),
        st.Page(PAGES["profile"], title="Perpetrator profile"),
        st.Page(PAGES["victims"], title="Repeat victims"),
        st.Page(PAGES["network"], title="Network explorer"),
        st.Page(PAGES["quality"], title="Data quality"),
        st.Page(PAGES["review"], title="Identity review"),
        st.Page(PAGES["matac"], title="MATAC meetings"),
        st.Page(PAGES["evidence"], title="Evidence: back-test & fairness"),
        st.Page(PAGES["users"], title="Users"),
        st.Page(PAGES["audit"], title="Access log"),
    ]))
    try:
        st.session_state["view"] = sidebar(settings, account)
        navigation.run()
    except HarmgraphError as exc:
        st.error(str(exc))


if __name__ == "__main__":
    main()
