"""Scoring: pure functions over tables that rank perpetrators and victims (RFGV)."""
