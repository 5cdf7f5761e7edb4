"""Issue 10: the sandbox's card page (GOV.UK Pay's, in production) checks every field it asks
for at once, speaks the resident's language, and once paid has no live form: it says the
payment is complete, and a form sent to it again changes nothing."""

from __future__ import annotations

import datetime
from typing import Any

import httpx2 as httpx
import pytest
from resident import Page, Resident, text_of
from walker import card_expiry, fill_card, walk

from runtime import store
from runtime.payments.sandbox import check_card
from runtime.store.models import PaymentAttempt, SandboxPayment, SubmissionEvent

PERMIT = "apply-parking-permit"
SUCCESS = "4444333322221111"


class OnCardPage(Exception):
    def __init__(self, page: Page) -> None:
        super().__init__(page.url)
        self.page = page


async def card_page(resident: Resident) -> Page:
    """Answer the paid service and press "Continue to payment": the sandbox's card page."""

    async def leave_at_payment(check_answers: Page) -> None:
        paying = await resident.submit(check_answers)
        assert "/_sandbox/pay/" in paying.url, paying.url
        raise OnCardPage(paying)

    with pytest.raises(OnCardPage) as arrived:
        await walk(resident, PERMIT, at_check=leave_at_payment)
    return arrived.value.page


def summary_and_messages(page: Page) -> tuple[list[tuple[str, str]], dict[str, str]]:
    messages = {}
    for group in page.soup.select("main .govuk-form-group--error"):
        control = group.find("input")
        message = group.select_one(".govuk-error-message")
        assert control is not None and message is not None
        messages[str(control["id"])] = text_of(message)
    return page.error_summary(), messages


async def test_an_empty_form_reports_every_missing_field(resident: Resident) -> None:
    card = await card_page(resident)
    card.fill("Card number", "")  # nothing typed: the card form, not the Cancel one
    empty = await resident.submit(card)
    assert empty.status == 422
    assert empty.title.startswith("Error:")
    summary, messages = summary_and_messages(empty)
    assert summary == [("Enter a card number", "#card-number"), ("Enter the expiry date", "#expiry"),
                       ("Enter the card security code", "#cvc")]
    assert messages == {"card-number": "Error: Enter a card number", "expiry": "Error: Enter the expiry date",
                        "cvc": "Error: Enter the card security code"}
    [payment] = await SandboxPayment.all()
    assert payment.status == "started" and payment.last_four is None  # nothing was charged

    # A card number alone is not enough either; what was typed comes back, bar the security code.
    card = await resident.open(card.url)
    card.fill("Card number", SUCCESS)
    card.fill("Expiry date", "13/30")
    card.fill("Card security code", "12")
    wrong = await resident.submit(card)
    assert wrong.status == 422
    summary, _ = summary_and_messages(wrong)
    assert summary == [("Enter the expiry date as a month and year, like 10/28", "#expiry"),
                       ("The card security code must be 3 or 4 numbers", "#cvc")]
    assert wrong.soup.find(id="card-number")["value"] == SUCCESS
    assert wrong.soup.find(id="cvc").get("value", "") == ""


def test_the_card_checks() -> None:
    today = datetime.date(2026, 6, 15)
    assert check_card("4444 3333 2222 1111", "06/26", "123", today) == {}
    assert check_card("4444333322221111", "12/2030", "1234", today) == {}
    assert check_card("4444333322221111", "05/26", "123", today) == {"expiry": "sandbox_err_expiry_past"}
    assert check_card("4444333322221111", "0/27", "123", today) == {"expiry": "sandbox_err_expiry_format"}
    assert check_card("4444333322221111", "June 2027", "123", today) == {"expiry": "sandbox_err_expiry_format"}
    assert check_card("4444333322221111", "06/27", "12a", today) == {"cvc": "sandbox_err_cvc_format"}
    assert check_card(" ", " ", " ", today) == {"card-number": "sandbox_err_card_number",
                                                "expiry": "sandbox_err_expiry_required",
                                                "cvc": "sandbox_err_cvc_required"}


async def changes(submission_id: int) -> tuple[Any, ...]:
    payments = await SandboxPayment.all().order_by("id").values()
    attempts = await PaymentAttempt.filter(submission_id=submission_id).order_by("id").values()
    events = await SubmissionEvent.filter(submission_id=submission_id).order_by("id").values_list("id", flat=True)
    return tuple(map(str, payments)), tuple(map(str, attempts)), tuple(events)


async def test_once_paid_the_card_page_is_complete_and_a_form_sent_again_changes_nothing(
        resident: Resident, client: httpx.AsyncClient) -> None:
    card = await card_page(resident)
    fill_card(card, SUCCESS)
    confirmation = await resident.submit(card)
    assert confirmation.url.endswith(f"/{PERMIT}/confirmation"), confirmation.url
    [payment] = await SandboxPayment.all()
    assert payment.status == "success"
    council = await store.get_council("demo")
    assert council is not None
    [submission] = await store.recent(council, 1)
    before = await changes(submission.id)

    again = await resident.open(card.url)
    assert again.status == 200
    assert again.heading == "This payment is complete"
    assert again.soup.find(id="card-number") is None and again.soup.select("main form") == []
    back = again.soup.find("a", string="Back to the service")
    assert back is not None and back["href"] == payment.return_url

    # The old form, sent again (another tab, or Back): refused, and nothing moves.
    resent = await client.post(card.url, data={**card.form_data(), "card-number": ["4000000000000002"]})
    assert resent.status_code == 409
    assert "This payment is complete" in resent.text
    assert await changes(submission.id) == before


async def test_the_card_page_speaks_welsh(resident: Resident, client: httpx.AsyncClient) -> None:
    card = await card_page(resident)
    welsh = await resident.open(card.url + "?lang=cy")
    assert welsh.soup.html["lang"] == "cy"
    assert welsh.heading == "Rhowch fanylion y cerdyn"
    shown = text_of(welsh.soup.body)
    for english in ("Card number", "Expiry date", "Card security code", "Continue", "Cancel payment",
                    "sandbox payment", "No real money", "Payment for"):
        assert english not in shown, english
    for label in ("Rhif y cerdyn", "Dyddiad dod i ben", "Cod diogelwch y cerdyn"):
        welsh.label_for(label)  # each field is labelled in Welsh

    welsh.fill("Rhif y cerdyn", "")
    empty = await resident.submit(welsh)
    assert empty.status == 422 and empty.title.startswith("Gwall:")
    assert [message for message, _ in empty.error_summary()] == [
        "Rhowch rif cerdyn", "Rhowch y dyddiad dod i ben", "Rhowch god diogelwch y cerdyn"]

    empty.fill("Rhif y cerdyn", SUCCESS)
    empty.fill("Dyddiad dod i ben", card_expiry())
    empty.fill("Cod diogelwch y cerdyn", "123")
    await resident.submit(empty)
    complete = await resident.open(card.url)  # the language cookie remembers Welsh
    assert complete.soup.html["lang"] == "cy"
    assert complete.heading == "Mae'r taliad hwn wedi'i gwblhau"
    assert complete.soup.find("a", string="Yn ôl i'r gwasanaeth") is not None
