"""Paying for a service in a real browser, with JavaScript on and off: check your answers with
its fees, the sandbox's card page (the provider's, in production) as shown and with its
errors, the confirmation that says what was paid, a declined card and its failure page with
"Try again", and the page that says the payment is being checked. axe finds no WCAG 2.2 A or
AA violation on any of them; with JavaScript, nothing logs an error or breaks the CSP."""

from __future__ import annotations

import re

import pytest
from accessibility import Auditor, Console
from browsing import SUCCESS_CARD, assert_error_state, reference_on, submit
from playwright.async_api import Locator, Page, expect
from staff_server import FEE_SERVICE, answer_until_check_answers, continue_to_payment, pay

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="session")]

DECLINED_CARD = "4000000000000002"  # GOV.UK Pay's test card that is declined
CONFIRMATION = f"/demo/{FEE_SERVICE}/confirmation"
PAID = re.compile(r"You paid £[\d,]+(\.\d\d)?")


def card_page_button(page: Page, name: str) -> Locator:
    return page.locator("main").get_by_role("button", name=name, exact=True)


async def to_the_card_page(page: Page, auditor: Auditor | None = None) -> None:
    """Answer the fee service, then press "Continue to payment" on check your answers."""
    await answer_until_check_answers(page, FEE_SERVICE)
    main = page.locator("main")
    await expect(main.get_by_role("heading", name="What you will pay")).to_be_visible()
    await expect(main).to_contain_text("Total")
    if auditor is not None:
        await auditor.check(page, "check your answers, with fees")
    await submit(page, continue_to_payment(page))
    assert "/_sandbox/pay/" in page.url, page.url
    await expect(page.get_by_role("heading", level=1)).to_have_text("Enter card details")


async def assert_paid(page: Page) -> str:
    assert page.url.endswith(CONFIRMATION), page.url
    await expect(page.locator("main")).to_contain_text(PAID)
    return await reference_on(page)


async def test_paying_by_card(page: Page, auditor: Auditor) -> None:
    console = Console().watch(page)
    await to_the_card_page(page, auditor)
    await auditor.check(page, "card details")
    await submit(page, card_page_button(page, "Continue"))
    await assert_error_state(page, "card details, empty")
    await expect(page.locator(".govuk-error-summary")).to_contain_text("Enter a card number")
    await auditor.check(page, "card details, with errors")
    await pay(page, SUCCESS_CARD)
    await assert_paid(page)
    await auditor.check(page, "confirmation, paid")
    assert not console.errors, "\n".join(console.errors)


async def test_a_declined_card_then_trying_again(page: Page, auditor: Auditor) -> None:
    console = Console().watch(page)
    await to_the_card_page(page)

    # Not paid yet: the confirmation says the payment is being checked, and offers to pay.
    await page.goto(CONFIRMATION)
    await expect(page.get_by_role("heading", level=1)).to_have_text("We are checking your payment")
    await auditor.check(page, "checking your payment")
    await submit(page, page.locator("main").get_by_role("button", name="Continue to payment"))
    assert "/_sandbox/pay/" in page.url, page.url
    card_page = page.url

    await pay(page, DECLINED_CARD)
    await assert_error_state(page, "card details, declined")
    await expect(page.locator(".govuk-error-summary")).to_contain_text("declined")
    await auditor.check(page, "card details, declined")
    await submit(page, page.locator("main").get_by_role("link", name="Back to the service"))
    await expect(page.get_by_role("heading", level=1)).to_have_text("Your payment was not taken")
    await expect(page.locator("main")).to_contain_text("Your card was declined")
    await auditor.check(page, "payment failed")

    # Try again, cancel on the card page, and try again once more.
    await submit(page, page.locator("main").get_by_role("button", name="Try again"))
    assert "/_sandbox/pay/" in page.url and page.url != card_page, page.url
    await submit(page, card_page_button(page, "Cancel payment"))
    await expect(page.locator("main")).to_contain_text("You cancelled the payment")
    await submit(page, page.locator("main").get_by_role("button", name="Try again"))
    await pay(page, SUCCESS_CARD)
    reference = await assert_paid(page)
    assert reference, "no reference"
    assert not console.errors, "\n".join(console.errors)
