"""The ground floor: error types, the tables every room hands on, and the settings loader.

Every other room (ingest, graph, scoring, synth, harmgraph) may import from here; this room
imports nothing of ours.
"""
