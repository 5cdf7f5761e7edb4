"""Paying through the built-in sandbox, end to end in the resident app, on both databases.

Every way a payment can come back is driven for real: the webhook before the return, the
return before the webhook, duplicated, replayed, reordered and forged webhooks, no return
and no webhook at all (the reconciler), an abandoned card page, each failing test card,
cancelling, a tampered amount, a fee change between versions, and two successes for one
application. Each test checks the stored attempts and their history, the submission, and
that the submission was promoted exactly once.
"""

from __future__ import annotations

import copy
import json
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
from sandbox_fixtures import (
    COUNCIL_TAX,
    CVC_REJECTED,
    DECLINED,
    EXPIRED_CARD,
    GARDEN_WASTE,
    PROCESSING_ERROR,
    SERVICES,
    Page,
    Picture,
    Resident,
    assert_one_way,
    assert_paid_once,
    attempts,
    client_for,
    count_promotions,
    csrf_of,
    latest_submission,
    moves,
    path_of,
    pay,
    pay_and_leave,
    payment_id_of,
    post_webhook,
    reference_on,
    reload,
    retarget,
    sandbox_app,
    sandbox_payment,
    signed,
    to_card_page,
)
from sandbox_fixtures import service as compiled_service

from runtime import store
from runtime.core.fees import format_pence, price
from runtime.core.payments import PaymentState
from runtime.core.service import compile_service, content_hash
from runtime.core.ui_text import ui
from runtime.payments.base import PaymentRequest
from runtime.payments.sandbox import MESSAGES, Sandbox, webhook_secret_for
from runtime.store import payments as records
from runtime.store.models import PaymentAttempt, SandboxPayment, WebhookMessage

COUNCIL_TAX_PENCE = 2550  # what the walker answers to "How much do you want to pay?"


@pytest.fixture
async def app(tmp_path: Path, db: str) -> Any:
    return await sandbox_app(tmp_path, db)


@pytest.fixture
async def client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(app) as http:
        yield http


@pytest.fixture
def resident(client: httpx.AsyncClient) -> Resident:
    return Resident(client)


@pytest.fixture
def promotions(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The submission id of every promotion, in order: exactly one per paid application."""
    return count_promotions(monkeypatch)


def assert_confirmed(page: Page, reference: str, pence: int) -> None:
    assert page.status == 200, page.url
    assert path_of(page.url).endswith("/confirmation"), page.url
    panel = page.soup.select_one(".govuk-panel")
    assert panel is not None and reference in panel.get_text(" "), page.response.text[-2000:]
    assert f"You paid {format_pence(pence)}" in page.response.text


def assert_failure_page(page: Page, reason_key: str) -> None:
    assert page.status == 200, page.url
    assert page.heading == ui("en", "pay_failed_title"), page.heading
    assert ui("en", reason_key) in page.response.text
    assert "You paid" not in page.response.text
    assert "/retry" in page.form().get("action", ""), "the failure page offers Try again"


# 1. ----------------------------------------------------------------------------------------

async def test_the_webhook_arrives_before_the_return(resident: Resident, promotions: list[int]) -> None:
    card = await to_card_page(resident, COUNCIL_TAX)
    submission = await latest_submission()
    assert submission.awaiting_payment and submission.state == "awaiting_payment"
    assert card.heading == "Enter card details" and format_pence(COUNCIL_TAX_PENCE) in card.response.text

    confirmation = await pay(resident, card)

    assert_confirmed(confirmation, submission.reference, COUNCIL_TAX_PENCE)
    attempt = await assert_paid_once(submission, promotions)
    assert (await attempts(submission)) == [attempt]
    assert attempt.amount == COUNCIL_TAX_PENCE and attempt.provider_payment_id == payment_id_of(card)
    assert (attempt.card_brand, attempt.last_four, attempt.failure_reason) == ("Visa", "1111", None)
    history = await moves(attempt)
    assert_one_way(history)
    assert history[-1] == ("created", "succeeded", "webhook"), history  # the webhook got there first
    assert await WebhookMessage.filter(provider_payment_id=attempt.provider_payment_id).count() == 1


# 2. ----------------------------------------------------------------------------------------

async def test_the_return_arrives_before_the_webhook(resident: Resident, app: Any, client: httpx.AsyncClient,
                                                     promotions: list[int]) -> None:
    app.state.sandbox.policy = "hold"
    card = await to_card_page(resident, COUNCIL_TAX)
    submission = await latest_submission()

    confirmation = await pay(resident, card)  # back through the return URL; the webhook is held

    assert_confirmed(confirmation, submission.reference, COUNCIL_TAX_PENCE)
    attempt = await assert_paid_once(submission, promotions)
    history = await moves(attempt)
    assert_one_way(history)
    assert history[-1] == ("created", "succeeded", "return"), history
    held = app.state.sandbox.held
    assert len(held) == 1 and held[0][0] == "demo"
    before = await Picture.of(submission)

    council, headers, body = held.pop()
    response = await post_webhook(client, council, headers, body)

    assert response.status_code == 200, response.text
    after = await Picture.of(submission)
    assert after.attempts == before.attempts and after.events == before.events
    assert after.submission == before.submission  # not promoted again: submitted_at unchanged
    assert after.webhooks == before.webhooks + 1  # recorded as processed
    await assert_paid_once(submission, promotions)


# 3. ----------------------------------------------------------------------------------------

async def test_duplicate_and_replayed_webhooks_make_one_success(resident: Resident, app: Any,
                                                                client: httpx.AsyncClient,
                                                                promotions: list[int]) -> None:
    # The sandbox delivers every webhook twice.
    app.state.sandbox.policy = "duplicate"
    card = await to_card_page(resident, COUNCIL_TAX)
    first = await latest_submission()
    confirmation = await pay(resident, card)
    assert_confirmed(confirmation, first.reference, COUNCIL_TAX_PENCE)
    attempt = await assert_paid_once(first, promotions)
    history = await moves(attempt)
    assert [m for m in history if m[1] == "succeeded"] == [("created", "succeeded", "webhook")], history

    # A second application: its one webhook is held, then replayed twice; nobody returns.
    app.state.sandbox.policy = "hold"
    card = await to_card_page(resident, COUNCIL_TAX)
    second = await latest_submission()
    assert second.id != first.id
    return_url = await pay_and_leave(resident, card)
    council, headers, body = app.state.sandbox.held.pop()
    assert (await reload(second)).awaiting_payment

    replies = [await post_webhook(client, council, headers, body) for _ in range(3)]

    assert [r.status_code for r in replies] == [200, 200, 200]
    attempt = await assert_paid_once(second, promotions)
    history = await moves(attempt)
    assert_one_way(history)
    assert [m for m in history if m[1] == "succeeded"] == [("created", "succeeded", "webhook")], history
    assert await WebhookMessage.filter(provider_payment_id=attempt.provider_payment_id).count() == 1
    before = await Picture.of(second)

    page = await resident.open(return_url)  # the resident comes back late: shown, not promoted again

    assert_confirmed(page, second.reference, COUNCIL_TAX_PENCE)
    assert await Picture.of(second) == before
    assert promotions == [first.id, second.id]


# 4. ----------------------------------------------------------------------------------------

async def test_an_older_webhook_after_the_success_changes_nothing(resident: Resident, app: Any,
                                                                   client: httpx.AsyncClient,
                                                                   promotions: list[int]) -> None:
    app.state.sandbox.policy = "hold"
    card = await to_card_page(resident, COUNCIL_TAX)
    submission = await latest_submission()
    payment = await sandbox_payment(payment_id_of(card))
    assert payment.status == "started"  # the card page was opened
    council = await store.get_council("demo")
    assert council is not None
    secret = app.state.payments.account(council).webhook_secret
    started = Sandbox.webhook_body(payment, "msg_older_started")  # written while the resident was on the page
    assert json.loads(started)["event_type"] == "card_payment_started"

    await pay_and_leave(resident, card)
    _, headers, succeeded = app.state.sandbox.held.pop()
    assert json.loads(succeeded)["event_type"] == "card_payment_captured"

    assert (await post_webhook(client, "demo", headers, succeeded)).status_code == 200
    attempt = await assert_paid_once(submission, promotions)
    before = await Picture.of(submission)

    late = await post_webhook(client, "demo", signed(secret, started), started)

    assert late.status_code == 200, late.text
    after = await Picture.of(submission)
    assert (after.attempts, after.events, after.submission) == (before.attempts, before.events, before.submission)
    # Even a provider that reports the earlier state cannot move the attempt back.
    for observed in (PaymentState.IN_PROGRESS, PaymentState.CREATED, PaymentState.FAILED):
        applied = await records.apply(attempt.id, observed, source="webhook")
        assert not applied.moved and not applied.promoted
    assert (await Picture.of(submission)).attempts == before.attempts
    history = await moves(attempt)
    assert_one_way(history)
    assert history[-1][1] == "succeeded"
    await assert_paid_once(submission, promotions)


# 5. ----------------------------------------------------------------------------------------

async def test_no_return_and_no_webhook_the_reconciler_completes_it(resident: Resident, app: Any,
                                                                    promotions: list[int]) -> None:
    app.state.sandbox.policy = "drop"
    card = await to_card_page(resident, COUNCIL_TAX)
    submission = await latest_submission()
    return_url = await pay_and_leave(resident, card)  # paid, then the browser closed

    (attempt,) = await attempts(submission)
    assert attempt.state == "created" and (await reload(submission)).awaiting_payment
    assert (await sandbox_payment(payment_id_of(card))).status == "success"
    assert promotions == []

    counts = await app.state.payments.reconcile()

    assert counts == {"checked": 1, "moved": 1, "promoted": 1, "failed": 0}
    attempt = await assert_paid_once(submission, promotions)
    history = await moves(attempt)
    assert_one_way(history)
    assert history[-1] == ("created", "succeeded", "reconciler"), history
    before = await Picture.of(submission)

    again = await app.state.payments.reconcile()

    assert again == {"checked": 0, "moved": 0, "promoted": 0, "failed": 0}
    assert await Picture.of(submission) == before
    page = await resident.open(return_url)  # if the resident ever comes back, they see it done
    assert_confirmed(page, submission.reference, COUNCIL_TAX_PENCE)
    assert await Picture.of(submission) == before
    assert promotions == [submission.id]


# 6. ----------------------------------------------------------------------------------------

async def test_a_card_page_left_open_expires_and_try_again_pays(resident: Resident, app: Any,
                                                                promotions: list[int]) -> None:
    card = await to_card_page(resident, COUNCIL_TAX)
    submission = await latest_submission()
    first_payment = await sandbox_payment(payment_id_of(card))
    assert first_payment.status == "started"

    counts = await app.state.payments.reconcile()  # still inside the 90 minutes: only noticed
    assert counts["promoted"] == 0 and counts["failed"] == 0
    (attempt,) = await attempts(submission)
    assert attempt.state == "in_progress"

    past = records.now() - timedelta(minutes=1)
    await SandboxPayment.filter(id=first_payment.id).update(expires_at=past)
    await PaymentAttempt.filter(id=attempt.id).update(expires_at=past)
    # The card page is still open in a forgotten tab: paying on it now takes no money.
    late = await pay_and_leave(resident, card)
    assert late == first_payment.return_url
    assert (await sandbox_payment(first_payment.id)).status != "success"
    assert promotions == []
    counts = await app.state.payments.reconcile()

    assert counts == {"checked": 1, "moved": 1, "promoted": 0, "failed": 0}
    (attempt,) = await attempts(submission)
    assert (attempt.state, attempt.failure_reason) == ("failed", "expired")
    assert (await sandbox_payment(first_payment.id)).code == "P0020"
    assert (await reload(submission)).awaiting_payment
    history = await moves(attempt)
    assert_one_way(history)
    assert history[-1] == ("in_progress", "failed", "reconciler")

    failed = await resident.open(first_payment.return_url)
    assert_failure_page(failed, "pay_expired")
    card = await resident.submit(failed)  # Try again

    assert "/_sandbox/pay/" in card.url and payment_id_of(card) != first_payment.id
    first, second = await attempts(submission)
    assert first.id == attempt.id and first.state == "failed"
    assert second.state == "created" and second.amount == first.amount and second.fees == first.fees
    confirmation = await pay(resident, card)
    assert_confirmed(confirmation, submission.reference, COUNCIL_TAX_PENCE)
    kept = await assert_paid_once(submission, promotions)
    assert kept.id == second.id
    assert_one_way(await moves(kept))


# 7. ----------------------------------------------------------------------------------------

FAILING_CARDS = [
    (DECLINED, "failed", "declined", "pay_declined"),
    (EXPIRED_CARD, "failed", "declined", "pay_declined"),
    (CVC_REJECTED, "failed", "declined", "pay_declined"),
    (PROCESSING_ERROR, "error", "provider_error", "pay_error"),
]


async def test_each_failing_test_card_shows_why_and_try_again_pays(resident: Resident, promotions: list[int]) -> None:
    for number, state, reason, reason_key in FAILING_CARDS:
        card = await to_card_page(resident, COUNCIL_TAX)
        submission = await latest_submission()

        refused = await pay(resident, card, number)

        # The card page says what went wrong, and links back to the service.
        assert refused.status == 422, (number, refused.url)
        assert ui("en", MESSAGES[number]) in refused.soup.select_one(".govuk-error-summary").get_text(), number
        back = refused.soup.find("a", string="Back to the service")
        assert back is not None, number
        (attempt,) = await attempts(submission)
        assert attempt.state == state and attempt.failure_reason == reason, (number, attempt.state)
        assert attempt.last_four == number[-4:]
        assert (await reload(submission)).awaiting_payment, number
        assert promotions.count(submission.id) == 0

        failed = await resident.open(back["href"])
        assert_failure_page(failed, reason_key)
        assert submission.reference in failed.response.text
        assert (await reload(submission)).awaiting_payment

        card = await resident.submit(failed)  # Try again: a new attempt and a new payment
        assert "/_sandbox/pay/" in card.url, (number, card.url)
        assert payment_id_of(card) != attempt.provider_payment_id
        confirmation = await pay(resident, card)

        assert_confirmed(confirmation, submission.reference, COUNCIL_TAX_PENCE)
        kept = await assert_paid_once(submission, promotions)
        first, second = await attempts(submission)
        assert (first.id, first.state, first.failure_reason) == (attempt.id, state, reason)
        assert second.id == kept.id
        for row in (first, second):
            assert_one_way(await moves(row))


# 8. ----------------------------------------------------------------------------------------

async def test_cancelling_on_the_card_page_then_trying_again(resident: Resident, promotions: list[int]) -> None:
    card = await to_card_page(resident, COUNCIL_TAX)
    submission = await latest_submission()

    failed = await resident.submit(card)  # "Cancel payment", the page's last form, with nothing typed

    assert_failure_page(failed, "pay_cancelled")
    (attempt,) = await attempts(submission)
    assert (attempt.state, attempt.failure_reason) == ("failed", "user_cancelled")
    assert (await sandbox_payment(attempt.provider_payment_id or "")).code == "P0030"
    assert (await reload(submission)).awaiting_payment and promotions == []
    history = await moves(attempt)
    assert_one_way(history)
    assert history[-1][1:] == ("failed", "webhook")

    card = await resident.submit(failed)
    confirmation = await pay(resident, card)

    assert_confirmed(confirmation, submission.reference, COUNCIL_TAX_PENCE)
    kept = await assert_paid_once(submission, promotions)
    assert [a.id for a in await attempts(submission)] == [attempt.id, kept.id]


# 9. ----------------------------------------------------------------------------------------

INVENTED_PRICES = {
    "amount": ["1"], "total": ["1"], "price": ["0.01"], "fee": ["1"], "fees": ["1"], "amount_pence": ["1"],
    "fees[total]": ["1"], "fees.lines.0.amount": ["1"], "quote": ['{"total": 1}'], "bins": ["1"],
}


async def test_a_tampered_amount_is_ignored(resident: Resident, promotions: list[int]) -> None:
    async def tamper(page: Page) -> None:
        page.values.update(INVENTED_PRICES)

    card = await to_card_page(resident, GARDEN_WASTE, at_check=tamper)
    submission = await latest_submission()
    quote = price(compiled_service(GARDEN_WASTE), submission.answers)
    assert quote.total > 100 and submission.answers["bins"] == 2

    (attempt,) = await attempts(submission)
    assert attempt.amount == quote.total
    assert attempt.fees == {"currency": "GBP", "total": quote.total, "lines": [c.as_json() for c in quote.charges]}
    payment = await sandbox_payment(payment_id_of(card))
    assert payment.amount == quote.total
    assert format_pence(quote.total) in card.response.text

    confirmation = await pay(resident, card)

    assert_confirmed(confirmation, submission.reference, quote.total)
    kept = await assert_paid_once(submission, promotions)
    assert kept.id == attempt.id and kept.amount == quote.total

    # A provider that took a different amount from the one priced: kept for refund, not sent.
    card = await to_card_page(resident, GARDEN_WASTE)
    other = await latest_submission()
    await SandboxPayment.filter(id=payment_id_of(card)).update(amount=1)
    checking = await pay(resident, card)

    assert checking.heading == ui("en", "pay_checking_title") and "You paid" not in checking.response.text
    (wrong,) = await attempts(other)
    assert (wrong.state, wrong.flagged_for_refund, wrong.amount) == ("succeeded", True, quote.total)
    assert (await reload(other)).awaiting_payment
    assert promotions == [submission.id]


# 10. ---------------------------------------------------------------------------------------

async def test_forged_unknown_and_misdirected_webhooks_change_nothing(resident: Resident, app: Any,
                                                                      client: httpx.AsyncClient,
                                                                      promotions: list[int]) -> None:
    app.state.sandbox.policy = "hold"
    payments = app.state.payments
    demo = await store.get_council("demo")
    assert demo is not None
    other = await store.create_council("other", "Other Borough Council")
    await store.set_payment_account(other, store.SecretBox("unused"), "sandbox", None, None)
    definition = json.loads((SERVICES / f"{COUNCIL_TAX}.json").read_text())
    await store.publish_version(other, definition, content_hash(definition))
    demo_secret = payments.account(demo).webhook_secret
    other_secret = payments.account(other).webhook_secret
    assert demo_secret != other_secret
    assert other_secret == webhook_secret_for(app.state.payments.secret_key, other.id)

    card = await to_card_page(resident, COUNCIL_TAX)
    submission = await latest_submission()
    await pay_and_leave(resident, card)
    _, headers, body = app.state.sandbox.held.pop()

    other_card = await to_card_page(resident, COUNCIL_TAX, council="other")
    other_submission = await latest_submission()
    assert other_submission.council_id == other.id
    await pay_and_leave(resident, other_card)
    other_slug, other_headers, other_body = app.state.sandbox.held.pop()
    assert other_slug == "other"

    pictures = [await Picture.of(submission), await Picture.of(other_submission)]

    async def unchanged() -> None:
        assert [await Picture.of(submission), await Picture.of(other_submission)] == pictures
        assert promotions == []

    tampered = retarget(body, resource={"payment_id": payment_id_of(card), "amount": 1,
                                        "state": {"status": "success"}})
    forged = [
        ("wrong secret", signed("not-the-secret", body), body),
        ("tampered after signing", headers, tampered),
        ("another message under this signature", headers, retarget(body, webhook_message_id="msg_forged")),
        ("missing signature", {"content-type": "application/json"}, body),
        ("empty signature", {"pay-signature": "", "content-type": "application/json"}, body),
        ("signed with the other council's secret", signed(other_secret, body), body),
        ("another council's webhook, posted here", other_headers, other_body),
        ("not JSON, signed", signed(demo_secret, b"not json"), b"not json"),
    ]
    for why, forged_headers, forged_body in forged:
        response = await post_webhook(client, "demo", forged_headers, forged_body)
        assert response.status_code == 401, (why, response.status_code, response.text)
        await unchanged()

    # Correctly signed, but about a payment that is not ours (or not this council's): 409, so
    # the provider tries again later, and nothing is recorded as processed.
    for why, forged_body in [
        ("unknown payment", retarget(body, resource_id="sbx_000000000000000000000000", webhook_message_id="msg_u1")),
        ("the other council's payment", retarget(other_body, webhook_message_id="msg_u2")),
    ]:
        response = await post_webhook(client, "demo", signed(demo_secret, forged_body), forged_body)
        assert response.status_code == 409, (why, response.status_code, response.text)
        await unchanged()
        assert not await WebhookMessage.exists(message_id=json.loads(forged_body)["webhook_message_id"])

    # The wrong provider or an unknown council.
    assert (await post_webhook(client, "demo", headers, body, provider="stripe")).status_code == 404
    assert (await post_webhook(client, "nowhere", headers, body)).status_code == 404
    await unchanged()

    # The genuine webhooks, each to its own council, still work afterwards.
    assert (await post_webhook(client, "demo", headers, body)).status_code == 200
    assert (await post_webhook(client, "other", other_headers, other_body)).status_code == 200
    await assert_paid_once(submission, promotions)
    await assert_paid_once(other_submission, promotions)
    assert sorted(promotions) == sorted([submission.id, other_submission.id])


# 11. ---------------------------------------------------------------------------------------

async def test_a_fee_change_mid_journey_keeps_the_journeys_own_price(resident: Resident, promotions: list[int]) -> None:
    council = await store.get_council("demo")
    assert council is not None
    old = await store.get_latest(council, GARDEN_WASTE)
    assert old is not None and old.version == "1.0.0"

    page = await resident.start("demo", GARDEN_WASTE)  # the journey is on 1.0.0 from here
    changed: dict[str, Any] = copy.deepcopy(old.definition)
    changed["version"] = "1.0.1"
    for line in changed["fees"]["lines"]:
        line["amount"] += 1500
    new = await store.publish_version(council, changed, content_hash(changed))
    assert (await store.get_latest(council, GARDEN_WASTE)).id == new.id  # type: ignore[union-attr]

    card = await to_card_page(resident, GARDEN_WASTE, page=page)

    submission = await latest_submission()
    assert submission.service_version_id == old.id
    old_quote = price(compile_service(old.definition), submission.answers)  # type: ignore[arg-type]
    new_quote = price(compile_service(changed), submission.answers)
    assert old_quote.total != new_quote.total
    (attempt,) = await attempts(submission)
    assert attempt.amount == old_quote.total
    assert attempt.fees["lines"] == [c.as_json() for c in old_quote.charges]
    assert attempt.fees["total"] == old_quote.total
    assert (await sandbox_payment(payment_id_of(card))).amount == old_quote.total

    # A retry after a decline is priced from the attempt's snapshot, not from 1.0.1.
    refused = await pay(resident, card, DECLINED)
    back = refused.soup.find("a", string="Back to the service")
    assert back is not None
    card = await resident.submit(await resident.open(back["href"]))
    first, second = await attempts(submission)
    assert second.amount == old_quote.total and second.fees == first.fees
    assert (await sandbox_payment(payment_id_of(card))).amount == old_quote.total

    confirmation = await pay(resident, card)

    assert_confirmed(confirmation, submission.reference, old_quote.total)
    kept = await assert_paid_once(submission, promotions)
    assert kept.id == second.id


# 12. ---------------------------------------------------------------------------------------

async def test_trying_again_after_paying_unheard_finds_the_payment_and_charges_nothing_more(
        resident: Resident, app: Any, client: httpx.AsyncClient, promotions: list[int]) -> None:
    app.state.sandbox.policy = "hold"
    card = await to_card_page(resident, COUNCIL_TAX)
    submission = await latest_submission()
    csrf = csrf_of(card)
    return_a = await pay_and_leave(resident, card)  # paid at the sandbox; we have not heard
    (a,) = await attempts(submission)
    assert a.state == "created"
    # The resident tries again: before asking for money again, Borough hears from A.
    retry = await client.post(path_of(return_a) + "/retry", data={"csrf_token": csrf})
    assert retry.status_code == 303 and retry.headers["location"].endswith("/confirmation")
    (a,) = await attempts(submission)
    assert (a.state, a.flagged_for_refund) == ("succeeded", False)
    assert promotions == [submission.id]
    assert await SandboxPayment.filter(council_id=submission.council_id).count() == 1  # charged once


async def test_a_second_success_for_one_application_is_flagged_for_refund(resident: Resident, app: Any,
                                                                          client: httpx.AsyncClient,
                                                                          promotions: list[int]) -> None:
    app.state.sandbox.policy = "hold"
    card = await to_card_page(resident, COUNCIL_TAX)
    submission = await latest_submission()
    await pay_and_leave(resident, card)  # A is paid at the sandbox; we have not heard
    _, headers_a, body_a = app.state.sandbox.held.pop()
    (a,) = await attempts(submission)
    assert a.state == "created" and (await sandbox_payment(a.provider_payment_id or "")).status == "success"

    # A second attempt made at the same moment (two starts racing, each unaware of the other),
    # built as the service builds one: stored first, then the provider asked.
    council = await store.get_council("demo")
    assert council is not None
    b, token_b = await records.begin_attempt(council, submission, "sandbox", a.amount, a.fees, timedelta(minutes=95))
    payments = app.state.payments
    created = await payments.provider("sandbox").create(payments.account(council), PaymentRequest(
        amount=a.amount, reference=b.reference, description="Council tax", idempotency_key=b.idempotency_key,
        return_url=f"http://127.0.0.1:8000/demo/{COUNCIL_TAX}/payment/{token_b}", cancel_url="http://127.0.0.1:8000/"))
    await records.started(b, created.provider_payment_id, created.next_url)
    card_b = await resident.open(path_of(created.next_url or ""))
    confirmation = await pay(resident, card_b)  # B: back through the return URL, promoted

    assert_confirmed(confirmation, submission.reference, COUNCIL_TAX_PENCE)
    a, b = await attempts(submission)
    assert (a.state, b.state) == ("created", "succeeded")
    assert promotions == [submission.id]
    promoted_at = (await reload(submission)).submitted_at

    # Now A's news arrives: its money must go back, and nothing is promoted again.
    applied = await app.state.payments.sync(a, "webhook")

    assert applied.moved and not applied.promoted
    a, b = await attempts(submission)
    assert (a.state, a.flagged_for_refund) == ("succeeded", True)
    assert (b.state, b.flagged_for_refund) == ("succeeded", False)
    kept = await assert_paid_once(submission, promotions)
    assert kept.id == b.id
    assert (await reload(submission)).submitted_at == promoted_at
    for row in (a, b):
        history = await moves(row)
        assert_one_way(history)
        assert [m[1] for m in history].count("succeeded") == 1

    # The held webhooks for A and B, delivered late, change nothing more.
    before = await Picture.of(submission)
    for _, headers, body in [("demo", headers_a, body_a), *app.state.sandbox.held]:
        assert (await post_webhook(client, "demo", headers, body)).status_code == 200
    after = await Picture.of(submission)
    assert (after.attempts, after.events, after.submission) == (before.attempts, before.events, before.submission)
    assert promotions == [submission.id]
    page = await resident.open(confirmation.url)
    assert f"You paid {format_pence(COUNCIL_TAX_PENCE)}" in page.response.text  # the refunded one is not counted
    assert reference_on(page) == submission.reference
