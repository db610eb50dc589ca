# Checkout shim for `streamlit run app.py -- --store PATH`; the app itself is harmgraph/app.py.
from harmgraph.app import main
main()
