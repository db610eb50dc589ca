"""Screenshots of every page of the app for each role, in headless Chromium at 1,366 x 768.

    .venv/bin/python -m bench.screenshots                       # demo force into bench/results/screens/
    .venv/bin/python -m bench.screenshots --store PATH          # a loaded store
    .venv/bin/python -m bench.screenshots --out docs/screenshots

Starts ``streamlit run harmgraph/app.py`` on a free local port, adds one user per role to the
store when missing (``<role>-screens``) and an example of the panel's records when it has no
meeting (``panel_example``), signs in through the form as each, opens each page the
role may see from the navigation (profile and network on the top-ranked person) and saves
``<role>-<page>.png`` (the first screen a person sees, 1,366 x 768). Needs the system Chromium
and the playwright package (as tests/app/test_browser.py). ``make screenshots`` runs it.
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "harmgraph" / "app.py"
CHROMIUM = os.environ.get("HARMGRAPH_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
VIEWPORT = {"width": 1366, "height": 768}
PASSWORD = "screens only, not a real password"
# The navigation title of each page, read from the entry script (so a page added there is shot
# with the title it has).
TITLES = dict(re.findall(r'st\.Page\(PAGES\["(\w+)"\], title="([^"]+)"', APP.read_text(encoding="utf-8")))


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_healthy(url: str, process: subprocess.Popen, log_path: Path, seconds: float = 90) -> None:
    """Poll the app's health check at ``url`` until it answers; raise with the server's log if the
    server exits or does not answer within ``seconds``."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("streamlit did not start:\n" + log_path.read_text())
        time.sleep(0.2)  # polling while the server starts


@contextmanager
def serve(store: Path, log_path: Path, extra_env: dict[str, str] | None = None) -> Iterator[str]:
    """Run the app on ``store`` on a free local port until the block ends; yields its URL."""
    port = free_port()
    command = [sys.executable, "-m", "streamlit", "run", str(APP), "--server.headless", "true",
               "--server.address", "127.0.0.1", "--server.port", str(port),
               "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none",
               "--", "--store", str(store.resolve())]  # the app runs in harmgraph/: a relative path would miss
    env = {**os.environ, "PYTHONUNBUFFERED": "1", **(extra_env or {})}
    env.pop("HARMGRAPH_AUTH", None)
    with log_path.open("w") as log:
        process = subprocess.Popen(command, cwd=APP.parent, stdout=log, stderr=subprocess.STDOUT, env=env)
        url = f"http://127.0.0.1:{port}"
        try:
            wait_until_healthy(url, process, log_path)
            yield url
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


BUSY = "[data-testid=stStatusWidget], [data-testid=stSkeleton]"


def settle(page, quiet_ms: int = 1000, timeout_ms: int = 120_000) -> None:  # type: ignore[no-untyped-def]
    """Wait until the app is drawn and its script run has finished: no running indicator and no
    placeholder for ``quiet_ms`` in a row (the indicator shows a moment after a click)."""
    page.wait_for_selector("[data-testid=stAppViewContainer]", timeout=60_000)
    quiet, waited = 0, 0
    while quiet < quiet_ms:
        if waited > timeout_ms:
            raise TimeoutError("the app was still running after a click")
        busy = page.locator(BUSY).count() > 0
        quiet = 0 if busy else quiet + 250
        page.wait_for_timeout(250)
        waited += 250


def sign_in(page, url: str, name: str, password: str) -> None:  # type: ignore[no-untyped-def]
    """Open the app and sign in through its form."""
    page.goto(url)
    settle(page)
    page.get_by_label("User name").fill(name)
    page.get_by_role("textbox", name="Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    settle(page)


def open_page(page, name: str) -> None:  # type: ignore[no-untyped-def]
    """Open one page from the sidebar navigation."""
    page.get_by_role("link", name=TITLES[name], exact=True).click()
    settle(page)


def wait_for_network(page) -> None:  # type: ignore[no-untyped-def]
    """Wait for the network drawing and its layout."""
    frame = page.wait_for_selector("iframe[title*=link_analysis]", timeout=60_000).content_frame()
    frame.wait_for_function("() => { const r = document.getElementById('cy')._cyreg;"
                            " return r && r.cy && r.cy.nodes().length > 0; }", timeout=60_000)
    page.wait_for_timeout(2500)  # the force layout animates for a moment


def add_users(store: Path, password: str = PASSWORD) -> dict[str, str]:
    """One active user per role (``<role>-screens``), added when missing; role -> user name."""
    from graph import open_store
    from harmgraph.access import ROLES
    from harmgraph.accounts import add_user

    users = {role: f"{role}-screens" for role in ROLES}
    with open_store(store) as opened:
        for role, name in users.items():
            if opened.user(name) is None:
                add_user(opened, name, role, password, by="bench.screenshots")
    return users


def panel_example(store: Path) -> None:
    """When the store holds no MATAC meeting: the panel's record of one a month before the last
    incident (the top person adopted with an action, the third deferred) and the next one a week
    after it, plus a probation referral of someone below the top 20, so the MATAC page shows
    every agenda section and the list a referral note."""
    from datetime import timedelta

    from graph import open_store
    from harmgraph.context import build_context
    from harmgraph.matac import record_action, record_decision, record_meeting, record_referral
    from scoring.lists import PerpetratorList, rank_perpetrators

    with open_store(store) as opened:
        if not opened.matac_meetings().empty:
            return
        context = build_context(opened)
        ranked = rank_perpetrators(context, PerpetratorList.OVERALL)["person_id"].astype(str).tolist()
        last, chair = context.as_of, "matac_chair-screens (matac_chair)"
        earlier, next_meeting = last - timedelta(days=28), last + timedelta(days=7)
        agencies = "Police; Probation; IDVA service; Children's services; Housing"
        record_meeting(opened, earlier, agencies, chair)
        record_decision(opened, context, ranked[0], "adopt", "escalating harm to two partners", earlier, chair)
        record_decision(opened, context, ranked[2], "defer", "await the MARAC minutes", earlier, chair)
        record_action(opened, ranked[0], earlier, "drive", "Police", earlier + timedelta(days=14), chair,
                      next_meeting)
        record_meeting(opened, next_meeting, agencies, chair)
        record_referral(opened, ranked[min(40, len(ranked) - 1)], "Probation", "breached licence conditions twice",
                        "analyst-screens (analyst)")


def top_person(store: Path) -> str:
    """The person ranked first overall, as of the latest incident held."""
    from graph import open_store
    from harmgraph.context import build_context
    from scoring.lists import PerpetratorList, rank_perpetrators

    with open_store(store) as opened:
        return str(rank_perpetrators(build_context(opened), PerpetratorList.OVERALL).iloc[0]["person_id"])


def demo_store(folder: Path, people: int = 20_000, seed: int = 7) -> Path:
    """The demo force (as ``harmgraph demo`` makes it), generated and loaded once into ``folder``."""
    store = folder / "harmgraph.duckdb"
    if not store.exists():
        from synth.generate import generate_force

        generate_force(folder / "force", people=people, seed=seed)
        from bench.loading import load_folder

        load_folder(folder / "force", store)
    return store


# A second screen of some pages, scrolled to what is below the fold: (role, page) -> (file
# suffix, where to scroll: sidebar or main, the text scrolled to, where it lands: start or center).
SCROLLED = {("matac_chair", "candidates"): ("decide", "sidebar", "Selected candidate", "start"),
            ("matac_chair", "matac"): ("agenda", "main", "Referred by partner agencies", "center")}


def shoot(store: Path, out: Path, roles: tuple[str, ...] | None = None) -> list[Path]:
    """Every page each role may see, as ``out/<role>-<page>.png``; returns the files written."""
    from playwright.sync_api import sync_playwright

    from harmgraph.access import ROLES, pages_for

    out.mkdir(parents=True, exist_ok=True)
    users = add_users(store)
    panel_example(store)
    person = top_person(store)
    written: list[Path] = []
    with serve(store, out / "streamlit.log") as url, sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            for role in roles or ROLES:
                page = browser.new_page(viewport=VIEWPORT)
                sign_in(page, url, users[role], PASSWORD)
                shown = pages_for(role)
                for name in shown:
                    if len(shown) > 1:  # a role with one page has no navigation: it is on screen
                        open_page(page, name)
                    if name == "profile" and page.get_by_label("Person id").input_value() != person:
                        box = page.get_by_label("Person id")
                        box.fill(person)
                        box.press("Enter")
                        settle(page)
                    if name == "network":
                        box = page.get_by_label("Centre on", exact=False)
                        if box.input_value() != person:
                            box.fill(person)
                            box.press("Enter")
                            settle(page)
                        wait_for_network(page)
                    path = out / f"{role}-{name}.png"
                    page.screenshot(path=str(path))
                    written.append(path)
                    print(f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}", flush=True)
                    if (role, name) in SCROLLED:
                        suffix, where, text, block = SCROLLED[(role, name)]
                        scope = page.get_by_test_id("stSidebar") if where == "sidebar" else page
                        scope.get_by_text(text).first.evaluate(f"e => e.scrollIntoView({{block: '{block}'}})")
                        page.wait_for_timeout(500)
                        path = out / f"{role}-{name}-{suffix}.png"
                        page.screenshot(path=str(path))
                        written.append(path)
                        print(f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}", flush=True)
                page.close()
        finally:
            browser.close()
    (out / "streamlit.log").unlink(missing_ok=True)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, help="A loaded store (default: the demo force, made once).")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--role", action="append", help="Only these roles (repeatable).")
    args = parser.parse_args()
    store = args.store or demo_store(ROOT / "bench" / "results" / "screens")
    shoot(store, args.out, tuple(args.role) if args.role else None)


if __name__ == "__main__":
    main()
