"""End to end in headless Chromium: the real server, the candidate list, a profile, the network.

Needs the system Chromium (``apt-get install -y chromium``) and the ``playwright`` Python
package; never ``playwright install``. Without them the test skips, or fails when CI is set.
Screenshots go to tests/artifacts/ (gitignored).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest

from bench.screenshots import CHROMIUM, CHROMIUM_ARGS, serve, settle
from tests.app.conftest import PASSWORD, user_of

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


def _need_browser() -> None:
    problems = []
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        problems.append(f"no Chromium at {CHROMIUM} (apt-get install -y chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        problems.append("the playwright package is not installed (pip install playwright)")
    if problems:
        message = "; ".join(problems)
        if os.environ.get("CI"):
            pytest.fail(f"browser test cannot run in CI: {message}")
        pytest.skip(message)


@pytest.fixture
def server(store_path: Path, tmp_path: Path) -> Iterator[str]:
    """``streamlit run harmgraph/app.py`` on a free local port against the small store; yields its URL."""
    _need_browser()
    try:
        with serve(store_path, tmp_path / "streamlit.log") as url:
            yield url
    except RuntimeError as exc:  # the server did not start: its log says why
        pytest.fail(str(exc))


def _settle(page) -> None:  # type: ignore[no-untyped-def]
    """Wait for the app to be drawn and for the script run to finish."""
    settle(page)


def test_candidates_profile_and_network_render_in_chromium(server: str, person_ids: dict[str, str]) -> None:
    from playwright.sync_api import expect, sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    outside: list[str] = []
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.on("request", lambda r: outside.append(r.url)
                if urlparse(r.url).hostname not in ("127.0.0.1", "localhost", None)
                and not r.url.startswith(("data:", "blob:", "about:")) else None)
        try:
            # 0. Sign in as an analyst through the form.
            page.goto(server)
            _settle(page)
            page.get_by_label("User name").fill(user_of("analyst"))
            page.get_by_role("textbox", name="Password").fill(PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            _settle(page)

            # 1. The MATAC candidate list.
            expect(page.get_by_role("heading", name="MATAC candidates")).to_be_visible(timeout=30_000)
            page.wait_for_selector("[data-testid=candidate-list]", timeout=30_000)
            expect(page.get_by_text("2 of 2 people in the window match")).to_be_visible()
            page.screenshot(path=str(ARTIFACTS / "candidates.png"), full_page=True)

            # 2. A profile: pick the page from the navigation, type the person id.
            page.get_by_role("link", name="Perpetrator profile").click()
            _settle(page)
            box = page.get_by_label("Person id")
            box.fill(person_ids["R1"])
            box.press("Enter")
            _settle(page)
            expect(page.get_by_text("5 incidents against 4 victims")).to_be_visible(timeout=30_000)
            page.wait_for_selector(".js-plotly-plot", timeout=30_000)
            page.screenshot(path=str(ARTIFACTS / "profile.png"), full_page=True)

            # 3. The network explorer from the profile: nodes drawn by Cytoscape in the iframe.
            page.get_by_role("button", name="Explore network").click()
            _settle(page)
            expect(page.get_by_role("heading", name="Network explorer")).to_be_visible(timeout=30_000)
            frame_element = page.wait_for_selector("iframe[title*=link_analysis]", timeout=30_000)
            frame = frame_element.content_frame()
            frame.wait_for_selector("#cy canvas", timeout=30_000)
            frame.wait_for_function("() => { const r = document.getElementById('cy')._cyreg;"
                                    " return r && r.cy && r.cy.nodes().length > 0; }", timeout=30_000)
            nodes = frame.evaluate("() => document.getElementById('cy')._cyreg.cy.nodes().length")
            drawn = frame.evaluate("() => document.getElementById('cy')._cyreg.cy.nodes()"
                                   ".map(n => n.id()).sort()")
            page.wait_for_timeout(1500)  # let the force layout finish before the screenshot only
            page.screenshot(path=str(ARTIFACTS / "network.png"), full_page=True)
        finally:
            browser.close()
    assert nodes >= 5
    assert person_ids["R1"] in drawn and person_ids["R2"] in drawn and "I:I1" in drawn
    assert not outside, f"the app fetched from outside the machine: {outside}"
