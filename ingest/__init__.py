"""Ingest: read contract extracts, validate them, resolve people, load a store."""
