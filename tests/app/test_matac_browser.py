"""The chair's path in headless Chromium at 1,366 x 768: the meeting pack downloaded from the
candidate list (read back with pypdf), then meeting -> the list's row adopted in one click ->
action -> the next agenda showing the subject's review and the action due.

Shares the server fixture and browser checks of tests/app/test_browser.py.
"""

from __future__ import annotations

import io

from pypdf import PdfReader

from bench.screenshots import CHROMIUM, CHROMIUM_ARGS, VIEWPORT, open_page, settle, sign_in
from tests.app.conftest import PASSWORD, user_of
from tests.app.test_browser import server  # noqa: F401  (the fixture)


def _form(page, button: str):  # type: ignore[no-untyped-def]
    """The form whose submit button reads ``button``."""
    return page.locator("[data-testid=stForm]").filter(has=page.get_by_role("button", name=button))


def _type_date(scope, label: str, value: str) -> None:  # type: ignore[no-untyped-def]
    """Type YYYY-MM-DD into a date input, segment by segment (year, month, day), as a person would."""
    year, month, day = value.split("-")
    for part, text in (("year", year), ("month", month), ("day", day)):
        segment = scope.locator(f'[aria-label="{part}, {label}"]')
        segment.click()
        segment.page.keyboard.type(text)
    scope.locator(f'[aria-label="day, {label}"]').press("Tab")


def test_the_chair_downloads_the_pack_and_takes_a_subject_to_the_next_agenda(
        server: str, person_ids: dict[str, str]) -> None:  # noqa: F811
    from playwright.sync_api import expect, sync_playwright

    subject = person_ids["R1"]
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport=VIEWPORT, accept_downloads=True)
        try:
            sign_in(page, server, user_of("matac_chair"), PASSWORD)
            page.wait_for_selector("[data-testid=candidate-list]", timeout=30_000)
            reason = page.get_by_label("Reason for the export (recorded in the access log)")
            reason.fill("MATAC 6 October")
            reason.press("Enter")
            settle(page)
            with page.expect_download(timeout=60_000) as download:
                page.get_by_role("button", name="Meeting pack (PDF)").click()
            pdf = PdfReader(io.BytesIO(open(download.value.path(), "rb").read()))

            open_page(page, "matac")
            meeting = _form(page, "Record meeting")
            _type_date(meeting, "Meeting date", "2025-10-06")
            meeting.get_by_label("Agencies present (separated by ;)").fill("Police; Probation; IDVA service")
            meeting.get_by_role("button", name="Record meeting").click()
            settle(page)
            expect(page.get_by_text("Recorded the meeting of 2025-10-06")).to_be_visible(timeout=30_000)

            # the list: select the row, then Adopt in one click (dated by the meeting just recorded)
            open_page(page, "candidates")
            sidebar = page.get_by_test_id("stSidebar")
            picker = sidebar.get_by_test_id("stSelectbox").filter(has_text="Candidate")
            picker.click()
            page.keyboard.type("SMITH")
            page.keyboard.press("Enter")
            settle(page)
            sidebar.get_by_role("button", name="Adopt", exact=True).click()
            settle(page)
            expect(sidebar.get_by_text(f"Recorded adopt for {subject} at the 2025-10-06 meeting")).to_be_visible(
                timeout=30_000)
            expect(sidebar.get_by_role("button", name="Discharge", exact=True)).to_be_visible()

            open_page(page, "matac")
            page.get_by_text("Record an action", exact=True).click()
            action = _form(page, "Record action")
            action.get_by_label("Person id").fill(subject)
            action.get_by_test_id("stSelectbox").click()
            page.keyboard.type("Clare")
            page.keyboard.press("Enter")
            action.get_by_label("Owner agency").fill("Police")
            _type_date(action, "Due", "2025-10-20")
            action.get_by_role("button", name="Record action").click()
            settle(page)
            expect(page.get_by_text(f"for {subject}, owned by Police")).to_be_visible(timeout=30_000)

            _type_date(page, "Next meeting", "2025-11-03")
            page.keyboard.press("Escape")  # the calendar opens on the field's last tab stop
            page.get_by_role("heading", name="Agenda for").click()
            settle(page)
            expect(page.get_by_text("Actions due or for review (1)")).to_be_visible(timeout=30_000)
            expect(page.get_by_text("Subjects for review (1:")).to_be_visible()
            expect(page.get_by_text(f"John SMITH ({subject})").first).to_be_visible()  # the subject's review line
            expect(page.get_by_role("button", name="Discharge", exact=True)).to_have_count(1)
            expect(page.get_by_text("Subjects for discharge (0)")).to_be_visible()
        finally:
            browser.close()
    ranked = [person_ids["R1"], person_ids["R4"]]  # the two candidates the list shows, in order
    assert len(pdf.pages) == len(ranked) + 2
    for pdf_page, person_id in zip(pdf.pages[2:], ranked):
        assert f"({person_id})" in pdf_page.extract_text()
    assert "MATAC 6 October" in pdf.pages[0].extract_text()
