"""harmgraph's Streamlit app: MATAC candidates, profiles, repeat victims, network, data quality.

Run with ``harmgraph app`` or ``streamlit run app.py -- --store PATH`` (or set HARMGRAPH_STORE).
The app only presents: it reads through ``graph`` and ``scoring`` and never writes a query.
"""

import os
import sys

import streamlit as st

from harmgraph.errors import HarmgraphError
from harmgraph.ui.chrome import PAGES, sidebar
from harmgraph.ui.settings import settings_from

# No page_icon and no st.Page icons: Streamlit fetches an icon favicon from fonts.gstatic.com.
st.set_page_config(page_title="harmgraph", layout="wide")

settings = settings_from(sys.argv[1:], os.environ)
navigation = st.navigation([
    st.Page(PAGES["candidates"], title="MATAC candidates", default=True),
    st.Page(PAGES["profile"], title="Perpetrator profile"),
    st.Page(PAGES["victims"], title="Repeat victims"),
    st.Page(PAGES["network"], title="Network explorer"),
    st.Page(PAGES["quality"], title="Data quality"),
])
try:
    st.session_state["view"] = sidebar(settings)
    navigation.run()
except HarmgraphError as exc:
    st.error(str(exc))
