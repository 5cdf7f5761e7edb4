"""axe finds no WCAG 2.2 A or AA violation on the casework pages (the inbox, filtered and with
its errors; an application with its workflow actions, after a refused action and after one
that moved it; the export page), with JavaScript on and off, and the console stays quiet.

A resident sends a missed-bin report through the resident pages first, so the application is
real and new for each run.
"""

from __future__ import annotations

import pytest
from accessibility import Auditor, Console
from browsing import assert_error_state, main_button, press, reference_on, submit
from playwright.async_api import Page, expect
from staff_server import ADMIN_EMAIL, COUNCIL, PASSWORD, answer_until_check_answers

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="session")]
pytest_plugins = ["staff_server"]

SERVICE = "report-missed-bin"
HERE = f"/staff/{COUNCIL}"


async def send_an_application(page: Page) -> str:
    await answer_until_check_answers(page, SERVICE)
    await submit(page, main_button(page, "Accept and send"))
    return await reference_on(page)


async def sign_in(page: Page) -> None:
    await page.goto("/staff/sign-in")
    await page.get_by_label("Email address").fill(ADMIN_EMAIL)
    await page.get_by_label("Password", exact=True).fill(PASSWORD)
    await press(page, main_button(page, "Sign in"))


async def test_casework_pages(staff_page: Page, staff_auditor: Auditor) -> None:
    page = staff_page
    console = Console().watch(page)
    reference = await send_an_application(page)
    await sign_in(page)
    await page.goto(HERE)

    await press(page, page.get_by_role("navigation", name="Staff menu").get_by_role("link", name="Applications"))
    await expect(page.get_by_role("heading", level=1)).to_have_text("Applications")
    await expect(page.locator("main table")).to_contain_text(reference)
    await staff_auditor.check(page, "inbox")

    await page.get_by_label("Service").select_option(SERVICE)
    await page.get_by_label("Reference").fill(reference.lower().replace("-", " "))
    await press(page, main_button(page, "Apply filters"))
    rows = page.locator("main table tbody tr")
    await expect(rows).to_have_count(1)
    await expect(rows.first).to_contain_text("New report")
    await staff_auditor.check(page, "inbox, filtered")

    await page.get_by_label("Reference").fill("not a reference")
    await page.get_by_label("Sent on or after").fill("31/02/2026")
    await press(page, main_button(page, "Apply filters"))
    await assert_error_state(page, "inbox")
    await expect(page.locator(".govuk-error-summary")).to_contain_text("Enter a reference like ABCD-2345")
    await staff_auditor.check(page, "inbox, with errors")

    response = await page.goto(f"{HERE}/applications?after=forged")
    assert response is not None and response.status == 400
    await assert_error_state(page, "inbox, forged page link")
    await staff_auditor.check(page, "inbox, forged page link")

    await page.goto(f"{HERE}/applications")
    await press(page, page.locator("main table").get_by_role("link", name=reference))
    await expect(page.get_by_role("heading", level=1)).to_have_text(f"Application {reference}")
    await staff_auditor.check(page, "application with actions")

    # Refusing without the note the guard asks for: an error summary, nothing moved.
    await press(page, main_button(page, "Reject the report"))
    await assert_error_state(page, "application, refused action")
    summary = page.locator(".govuk-error-summary")
    await expect(summary).to_contain_text("Write a note to say why")
    await staff_auditor.check(page, "application, refused action")
    await expect(summary.get_by_role("link")).to_have_attribute("href", "#event-REJECT-note")
    await expect(page.locator("main")).to_contain_text("New report")

    await page.get_by_label("Note (optional) for schedule a return visit", exact=True).fill("Crew booked for Tuesday")
    await press(page, main_button(page, "Schedule a return visit"))
    await expect(page.locator("main table").last).to_contain_text("Crew booked for Tuesday")
    await staff_auditor.check(page, "application, after an action")

    await page.goto(f"{HERE}/services/{SERVICE}/export")
    await expect(page.get_by_role("heading", level=1)).to_contain_text("Export applications")
    await staff_auditor.check(page, "export")
    assert not console.errors, "\n".join(console.errors)
