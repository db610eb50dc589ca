"""The Streamlit app's pages, one file each; harmgraph/app.py runs them through ``st.navigation``.

Streamlit executes these files as scripts, so nothing here is meant to be imported. They sit
inside the package so that an installed wheel carries them (harmgraph/ui/chrome.py PAGES).
"""
