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

from bench.screenshots import CHROMIUM, CHROMIUM_ARGS, serve, settle, sign_in
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
            sign_in(page, server, user_of("analyst"), PASSWORD)

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
    assert person_ids["R1"] in drawn and person_ids["R2"] in drawn
    assert not [n for n in drawn if n.startswith("I:")]  # incidents folded into labelled links by default
    assert not outside, f"the app fetched from outside the machine: {outside}"


@pytest.fixture(scope="module")
def generated_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small generated force (500 people: dozens of candidates with long reasons) and its users."""
    from graph.embedded import EmbeddedStore
    from ingest.load import ingest_folder
    from scoring.catalogue import load_catalogue
    from synth.generate import generate_force
    from tests.app.conftest import add_test_users

    folder = tmp_path_factory.mktemp("generated-app")
    generate_force(folder / "force", people=500, seed=5)
    path = folder / "store.duckdb"
    with EmbeddedStore(path) as store:
        ingest_folder(folder / "force", store, load_catalogue(None).keys)
    add_test_users(path)
    return path


# For each of the first ten rows: is each of the name, reason and flags cells inside the
# window's width, drawn on top (not under the sidebar), and not cut off (its content fits)?
READABLE_ROWS = """() => {
  const rows = Array.from(document.querySelectorAll('[data-testid=candidate-list] tbody tr')).slice(0, 10);
  const wrapper = document.querySelector('[data-testid=candidate-list]');
  return {
    wrapperFits: wrapper.scrollWidth <= wrapper.clientWidth + 1,
    pageFits: document.documentElement.scrollWidth <= window.innerWidth,
    rows: rows.map(row => {
      row.scrollIntoView({block: 'center', inline: 'nearest'});
      const cells = {};
      for (const name of ['name', 'reason', 'flags']) {
        const cell = row.querySelector('td.' + name);
        const box = cell.getBoundingClientRect();
        const top = document.elementFromPoint(box.left + 4, box.top + 4);
        const chips = Array.from(cell.querySelectorAll('.chip')).every(chip => {
          const c = chip.getBoundingClientRect();
          return c.left >= box.left - 1 && c.right <= box.right + 1 && chip.scrollWidth <= chip.clientWidth + 1;
        });
        const own = Array.from(cell.childNodes).filter(n => n.nodeType === Node.TEXT_NODE)
          .map(n => n.textContent).join('').trim();
        cells[name] = {text: name === 'reason' ? own : cell.innerText.trim(), left: box.left, right: box.right,
                       onTop: cell.contains(top), fits: cell.scrollWidth <= cell.clientWidth + 1
                         && cell.scrollHeight <= cell.clientHeight + 1, chips: chips,
                       ellipsis: getComputedStyle(cell).textOverflow === 'ellipsis'};
      }
      return {person: row.dataset.person, cells: cells, scrolledSideways: wrapper.scrollLeft !== 0};
    }),
  };
}"""


def test_first_ten_candidates_and_network_labels_are_readable_at_1366x768(generated_store: Path, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    from graph.embedded import EmbeddedStore
    from harmgraph.context import build_context
    from harmgraph.ui.format import short_flags
    from scoring.lists import PerpetratorList, rank_perpetrators

    _need_browser()
    with EmbeddedStore(generated_store) as store:
        expected = rank_perpetrators(build_context(store), PerpetratorList.OVERALL).head(10)
    assert len(expected) == 10
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with serve(generated_store, tmp_path / "streamlit.log") as url, sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1366, "height": 768})
        try:
            sign_in(page, url, user_of("analyst"), PASSWORD)
            page.wait_for_selector("[data-testid=candidate-list] tbody tr", timeout=60_000)
            first_screen = page.locator("[data-testid=candidate-list] tbody tr").first.bounding_box()
            readable = page.evaluate(READABLE_ROWS)
            page.screenshot(path=str(ARTIFACTS / "candidates-1366.png"))

            # The network of the top candidate, from the sidebar's detail pane.
            page.get_by_role("button", name="Explore network").click()
            _settle(page)
            frame = page.wait_for_selector("iframe[title*=link_analysis]", timeout=60_000).content_frame()
            frame.wait_for_function("() => { const r = document.getElementById('cy')._cyreg;"
                                    " return r && r.cy && r.cy.nodes().length > 0; }", timeout=60_000)
            page.wait_for_timeout(2500)  # the force layout settles before its zoom is read
            labels = frame.evaluate("""() => { const cy = document.getElementById('cy')._cyreg.cy;
                return cy.nodes('[kind = "person"]').map(n => ({id: n.id(), label: n.style('label'),
                    hidden: n.style('min-zoomed-font-size'), size: parseFloat(n.renderedStyle('font-size')),
                    centre: n.data('label') === 'centre', width: n.renderedWidth()})); }""")
            export_shown = frame.locator("#toolbarExport").is_visible()
            page.screenshot(path=str(ARTIFACTS / "network-1366.png"))
        finally:
            browser.close()

    assert first_screen is not None and first_screen["y"] < 768  # the list starts on the first screen
    assert readable["wrapperFits"] and readable["pageFits"]  # nothing to scroll sideways for
    assert [row["person"] for row in readable["rows"]] == expected["person_id"].tolist()
    for row, (_, want) in zip(readable["rows"], expected.iterrows()):
        cells = row["cells"]
        assert not row["scrolledSideways"]
        for name in ("name", "reason", "flags"):
            cell = cells[name]
            assert cell["left"] >= 0 and cell["right"] <= 1366, (row["person"], name, cell)
            assert cell["onTop"] and cell["fits"] and cell["chips"] and not cell["ellipsis"], (row["person"], name, cell)
        assert cells["reason"]["text"] == want["reasons"]  # the whole sentence, as ranked
        assert cells["name"]["text"].startswith(want["display_name"])
        assert cells["flags"]["text"].split("\n") == short_flags(want["flags"]) or \
            all(label in cells["flags"]["text"] for label in short_flags(want["flags"]))

    assert labels and all(node["label"] and node["hidden"] in ("0", "0px") for node in labels)
    centre = next(node for node in labels if node["centre"])
    others = [node["width"] for node in labels if not node["centre"]]
    assert centre["width"] >= max(others, default=0)  # the centre is the largest person drawn
    assert centre["size"] >= 8  # its name is drawn at a readable size at the zoom that fits
    assert not export_shown  # no unlogged "Download as JSON"
