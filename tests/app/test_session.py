"""A refresh or a deep link keeps the user signed in, for a bounded time (issue 18), in Chromium.

A signed, expiring cookie (harmgraph/ui/session.py) lets a new Streamlit session resume the
account; it must not outlive its lifetime, a sign-out, or a change to the account.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.screenshots import CHROMIUM, CHROMIUM_ARGS, serve, settle
from graph.embedded import EmbeddedStore
from harmgraph.accounts import set_active
from harmgraph.ui.session import COOKIE, SessionPolicy, account_fingerprint
from tests.app.conftest import PASSWORD, user_of
from tests.app.test_browser import _need_browser

SIGNED_IN = "Signed in as"


@pytest.fixture
def server(store_path: Path, tmp_path: Path) -> Iterator[str]:
    _need_browser()
    with serve(store_path, tmp_path / "streamlit.log") as url:
        yield url


def _sign_in(page, url: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(url)
    settle(page)
    page.get_by_label("User name").fill(user_of("analyst"))
    page.get_by_role("textbox", name="Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    settle(page)


def test_a_refresh_and_a_deep_link_stay_signed_in_until_sign_out(server: str, store_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1366, "height": 768})
            page = context.new_page()
            _sign_in(page, server)
            expect(page.get_by_text(SIGNED_IN)).to_be_visible(timeout=30_000)
            cookie = {c["name"]: c for c in context.cookies()}[COOKIE]
            assert cookie["sameSite"] == "Strict" and 0 < cookie["expires"] - time.time() <= 480 * 60 + 5

            page.reload()  # a refresh: a new Streamlit session
            settle(page)
            expect(page.get_by_text(SIGNED_IN)).to_be_visible(timeout=30_000)

            deep = context.new_page()  # a deep link opened in another tab
            deep.goto(f"{server}/victims")
            settle(deep)
            expect(deep.get_by_role("heading", name="Repeat victims")).to_be_visible(timeout=30_000)

            deep.get_by_role("button", name="Sign out").click()
            settle(deep)
            page.reload()
            settle(page)
            expect(page.get_by_label("User name")).to_be_visible(timeout=30_000)
            assert page.get_by_text(SIGNED_IN).count() == 0
        finally:
            browser.close()
    with EmbeddedStore(store_path) as store:
        log = store.audit_log()
    assert log["detail"].eq("resumed session (signed cookie)").sum() >= 2


def test_a_token_is_refused_when_forged_expired_or_the_account_changed(store_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    import itsdangerous.timed

    policy = SessionPolicy("s" * 32, minutes=1)
    with EmbeddedStore(store_path) as store:
        user = store.user(user_of("analyst"))
        assert user is not None
        token = policy.issue(str(user["name"]), account_fingerprint(user))
        assert policy.read(token) is not None
        assert SessionPolicy("t" * 32, minutes=1).read(token) is None  # another secret: forged
        now = time.time()
        monkeypatch.setattr(itsdangerous.timed.time, "time", lambda: now - 61)  # signed 61 s ago
        stale = policy.issue(str(user["name"]), account_fingerprint(user))
        monkeypatch.undo()
        assert policy.read(stale) is None  # past its one-minute lifetime
        set_active(store, str(user["name"]), False, by="tests")
        changed = store.user(str(user["name"]))
    assert changed is not None and account_fingerprint(changed) != policy.read(token).account
