"""Scoring: pure functions over tables that rank perpetrators and victims (RFGV)."""

from scoring import arrow_isin as _arrow_isin

# pandas' isin on Arrow strings loops in Python over the lookup values; see arrow_isin.
_arrow_isin.install()
