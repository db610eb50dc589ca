"""Presentation helpers for the Streamlit app: settings, cached data loading, formatting, exports.

Nothing here writes a query: data comes from ``graph`` (open_store and store methods) and
``scoring``. Heavy results are cached keyed on the store location, ``store.version()``, the
config fingerprint and the as-of date, so a new load or a different config never shows stale
numbers.
"""
