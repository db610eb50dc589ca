"""harmgraph's Streamlit app (placeholder until the front-end issue lands).

Run with ``harmgraph app`` or ``streamlit run app.py``. The app only presents: it reads
through ``graph`` and ``scoring`` and never writes a query itself.
"""

import streamlit as st

st.set_page_config(page_title="harmgraph", layout="wide")
st.title("harmgraph")
st.info(
    "The MATAC candidate list, profiles and network explorer are not built yet. "
    "Use the command line meanwhile: `harmgraph rank`, `harmgraph victims`, `harmgraph explain`."
)
