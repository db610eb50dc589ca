"""The Evidence page: back-test chart and table, learned weights and bands, fairness tabs."""

from __future__ import annotations

import pytest


def _no_errors(at) -> None:  # type: ignore[no-untyped-def]
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def _table_with(at, column: str):  # type: ignore[no-untyped-def]
    """The first dataframe on the page holding ``column``."""
    return next(d.value for d in at.dataframe if column in d.value.columns)


def test_a_horizon_before_any_data_says_nobody_was_ranked(app) -> None:
    app.switch_page("app_pages/evidence.py").run()
    _no_errors(app)
    # Data run 2025-01-10 to 2025-10-01: ranking a year before the end finds nobody.
    assert any("Nobody was ranked" in i.value for i in app.info)


def test_back_test_over_90_days_credits_the_serial_perpetrator(app) -> None:
    app.switch_page("app_pages/evidence.py").run()
    app.number_input(key="evidence_horizon").set_value(90).run()
    _no_errors(app)
    table = _table_with(app, "share_rfgv")
    # As of 2025-07-03 only John Smith is ranked. After it he harms 7 + 7 + 3.5/2 = 15.75 days of
    # the 27.5 caused in all (Dave Green: ABH 10 + his half of the shared assault 1.75).
    assert table["share_rfgv"].iloc[0] == pytest.approx(15.75 / 27.5)
    assert len(app.get("plotly_chart")) >= 2
    assert any("Fairness" in s.value for s in app.subheader)


def test_learned_weights_are_shown_beside_the_default(app) -> None:
    app.switch_page("app_pages/evidence.py").run()
    app.number_input(key="evidence_horizon").set_value(60).run()
    app.checkbox(key="evidence_learned").check().run()
    _no_errors(app)
    weights = _table_with(app, "weights")
    assert weights["weights"].iloc[0] == "default (points system)"
    assert "share_learned" in _table_with(app, "share_rfgv").columns
    assert "share_learned_bands" in _table_with(app, "share_rfgv").columns
    bands = _table_with(app, "bands")
    assert bands["bands"].iloc[0] == "default (points system)"
    assert bands["frequency"].iloc[0] == ">=1:1 >=2:2 >=3:3 >=5:4 >=8:5"
    assert len(bands) == 2 and any("Bands" in s.value for s in app.subheader)
