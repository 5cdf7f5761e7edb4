"""The Stripe Checkout provider, over real HTTP against a local server speaking Stripe's API."""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

import httpx2 as httpx
import pytest
from stripe_server import OLD_WEBHOOK_SECRET, WEBHOOK_SECRET, FakeStripe, parse_params, serve, sign

from runtime.core.payments import FailureReason, PaymentState, RefundState
from runtime.payments.base import Account, Event, PaymentRequest, ProviderError, WebhookRefused
from runtime.payments.stripe import (
    INTENT_STATUSES,
    PAYMENT_STATUSES,
    SESSION_STATUSES,
    STATE_TABLE,
    StripeCheckout,
    StripeError,
    encode_form,
    stripe_state,
)

if TYPE_CHECKING:
    from stripe_fixtures import WebhookEndpoint

pytest_plugins = ["stripe_fixtures"]  # stripe_server, stripe_account, stripe_provider, stripe_webhook

S, R = PaymentState, FailureReason


def payment_request(**changes: Any) -> PaymentRequest:
    """A typical request: £12.50 for a bulky waste collection."""
    values: dict[str, Any] = {
        "amount": 1250, "reference": "BRG-7Q4K-2M9X", "description": "Bulky waste collection",
        "return_url": "https://forms.example.gov.uk/pay/return/tok_secret123",
        "cancel_url": "https://forms.example.gov.uk/pay/cancel/tok_secret123",
        "idempotency_key": "attempt-0001", "metadata": {"service": "bulky-waste"},
    }
    return PaymentRequest(**{**values, **changes})


async def make_session(provider: StripeCheckout, account: Account, **changes: object) -> str:
    return (await provider.create(account, payment_request(**changes))).provider_payment_id


# -- create ----------------------------------------------------------------------------


async def test_create_sends_one_line_item_in_pence_with_our_reference_and_key(
        stripe_server: FakeStripe, stripe_account: Account, stripe_provider: StripeCheckout) -> None:
    before = int(time.time())
    snapshot = await stripe_provider.create(stripe_account, payment_request())

    [sent] = stripe_server.received("POST", "/v1/checkout/sessions")
    assert sent.headers["idempotency-key"] == "attempt-0001"
    assert sent.headers["authorization"] == f"Bearer {stripe_server.api_key}"
    assert sent.headers["content-type"] == "application/x-www-form-urlencoded"
    fields = sent.fields
    assert fields["mode"] == "payment"
    assert fields["line_items[0][quantity]"] == "1"
    assert fields["line_items[0][price_data][unit_amount]"] == "1250"
    assert fields["line_items[0][price_data][currency]"] == "gbp"
    assert fields["line_items[0][price_data][product_data][name]"] == "Bulky waste collection"
    assert not any(key.startswith("line_items[1]") for key in fields)
    assert fields["client_reference_id"] == "BRG-7Q4K-2M9X"
    assert fields["metadata[service]"] == "bulky-waste"
    assert fields["payment_intent_data[metadata][borough_reference]"] == "BRG-7Q4K-2M9X"
    assert fields["success_url"] == "https://forms.example.gov.uk/pay/return/tok_secret123"
    assert fields["cancel_url"] == "https://forms.example.gov.uk/pay/cancel/tok_secret123"
    assert fields["locale"] == "en-GB"
    assert "customer_email" not in fields
    expires_at = int(fields["expires_at"])  # 32 to 37 minutes on, on a 5-minute grid
    assert before + 32 * 60 <= expires_at <= int(time.time()) + 37 * 60 and expires_at % 300 == 0

    session = stripe_server.session(snapshot.provider_payment_id)
    assert snapshot.provider_payment_id.startswith("cs_test_")
    assert snapshot.state is S.IN_PROGRESS and snapshot.reason is None
    assert snapshot.amount == session["amount_total"] == 1250
    assert snapshot.next_url == session["url"] == f"{stripe_server.url}/pay/{snapshot.provider_payment_id}"
    assert snapshot.raw_status == "open/unpaid"
    assert snapshot.created_at is not None and snapshot.created_at.tzinfo is UTC


async def test_welsh_goes_to_stripe_as_auto_and_the_email_is_passed_on(
        stripe_server: FakeStripe, stripe_account: Account, stripe_provider: StripeCheckout) -> None:
    await stripe_provider.create(stripe_account, payment_request(language="cy", email="a@example.org"))
    [sent] = stripe_server.received("POST", "/v1/checkout/sessions")
    assert sent.fields["locale"] == "auto"
    assert sent.fields["customer_email"] == "a@example.org"


async def test_a_retried_create_with_the_same_key_returns_the_same_session(
        stripe_server: FakeStripe, stripe_account: Account, stripe_provider: StripeCheckout) -> None:
    first = await stripe_provider.create(stripe_account, payment_request())
    again = await stripe_provider.create(stripe_account, payment_request())
    assert again.provider_payment_id == first.provider_payment_id
    assert len(stripe_server.sessions()) == 1
    assert len(stripe_server.received("POST", "/v1/checkout/sessions")) == 2

    other = await stripe_provider.create(stripe_account, payment_request(idempotency_key="attempt-0002"))
    assert other.provider_payment_id != first.provider_payment_id


async def test_a_retry_in_a_later_expiry_slot_finds_the_session_it_made(
        stripe_server: FakeStripe, stripe_account: Account) -> None:
    now = [time.time()]
    provider = StripeCheckout(clock=lambda: now[0])
    first = await provider.create(stripe_account, payment_request())
    now[0] += 600  # ten minutes later: another expires_at, so Stripe refuses the key...
    again = await provider.create(stripe_account, payment_request())
    # ...and the session made the first time is found by our reference instead.
    assert again.provider_payment_id == first.provider_payment_id
    assert len(stripe_server.sessions()) == 1
    assert len(stripe_server.received("GET", "/v1/checkout/sessions")) == 1


async def test_the_same_key_with_other_parameters_is_refused(
        stripe_account: Account, stripe_provider: StripeCheckout) -> None:
    await stripe_provider.create(stripe_account, payment_request())
    with pytest.raises(ProviderError) as refused:
        await stripe_provider.create(stripe_account, payment_request(amount=1300))
    assert refused.value.status == 400 and not refused.value.ambiguous
    assert isinstance(refused.value, StripeError) and refused.value.type == "idempotency_error"


async def test_metadata_beyond_stripe_limits_is_refused_before_anything_is_sent(
        stripe_server: FakeStripe, stripe_account: Account, stripe_provider: StripeCheckout) -> None:
    for metadata in ({f"k{n}": "v" for n in range(51)}, {"k" * 41: "v"}, {"k": "v" * 501}):
        with pytest.raises(ProviderError) as refused:
            await stripe_provider.create(stripe_account, payment_request(metadata=metadata))
        assert not refused.value.ambiguous
    assert stripe_server.received() == []


async def test_stripe_validation_errors_come_back_with_the_status_and_message(
        stripe_account: Account, stripe_provider: StripeCheckout) -> None:
    with pytest.raises(ProviderError) as refused:
        await stripe_provider.create(stripe_account, payment_request(amount=10))
    assert refused.value.status == 400 and not refused.value.ambiguous
    assert "amount_too_small" in str(refused.value) and "£0.30" in str(refused.value)


# -- the state mapping, exhaustively ----------------------------------------------------


def expected_state(status: str, paid: str, intent: str) -> tuple[PaymentState, FailureReason | None]:
    """The mapping written out again, independently of STATE_TABLE, as the spec."""
    if status == "expired":
        return S.FAILED, R.EXPIRED
    if intent == "canceled":
        return S.CANCELLED, R.SERVICE_CANCELLED
    if intent == "requires_capture":
        return S.AUTHORISED, None
    if status == "open":
        return S.IN_PROGRESS, None
    # complete
    if paid == "paid":
        return (S.SUCCEEDED, None) if intent in ("", "succeeded") else (S.AUTHORISED, None)
    if paid == "no_payment_required":
        return S.ERROR, R.PROVIDER_ERROR
    if intent == "requires_payment_method":
        return S.FAILED, R.DECLINED
    return S.AUTHORISED, None


COMBINATIONS = list(itertools.product(sorted(SESSION_STATUSES), sorted(PAYMENT_STATUSES),
                                      sorted(INTENT_STATUSES)))


@pytest.mark.parametrize(("status", "paid", "intent"), COMBINATIONS)
def test_every_stripe_combination_maps_as_specified(status: str, paid: str, intent: str) -> None:
    state, reason = stripe_state(status, paid, intent)
    assert (state, reason) == expected_state(status, paid, intent)
    # The mistakes that cost money, stated on their own:
    assert (state is S.SUCCEEDED) == (status == "complete" and paid == "paid" and intent in ("", "succeeded"))
    assert (reason is R.EXPIRED) == (status == "expired")
    assert (reason is None) == (state in (S.IN_PROGRESS, S.AUTHORISED, S.SUCCEEDED))


def test_the_rows_named_in_the_design() -> None:
    assert stripe_state("open", "unpaid") == (S.IN_PROGRESS, None)
    assert stripe_state("complete", "paid", "succeeded") == (S.SUCCEEDED, None)
    assert stripe_state("complete", "unpaid", "processing") == (S.AUTHORISED, None)
    assert stripe_state("expired", "unpaid") == (S.FAILED, R.EXPIRED)
    assert stripe_state("complete", "unpaid", "requires_capture") == (S.AUTHORISED, None)
    assert stripe_state("complete", "paid", "requires_capture") == (S.AUTHORISED, None)
    assert stripe_state("complete", "unpaid", "canceled") == (S.CANCELLED, R.SERVICE_CANCELLED)


def test_every_row_of_the_table_is_used() -> None:
    used = set()
    for combination in COMBINATIONS:
        for n, (row_status, row_paid, row_intent, *_) in enumerate(STATE_TABLE):
            if all(cell in ("*", value) for cell, value in
                   zip((row_status, row_paid, row_intent), combination, strict=True)):
                used.add(n)
                break
    assert used == set(range(len(STATE_TABLE)))


@pytest.mark.parametrize(("status", "paid", "intent"), [
    ("draft", "unpaid", ""), ("open", "refunded", ""), ("complete", "paid", "requires_review"),
])
def test_states_stripe_might_add_are_refused_not_guessed(status: str, paid: str, intent: str) -> None:
    with pytest.raises(ProviderError, match="does not know"):
        stripe_state(status, paid, intent)


# -- get, over HTTP, through every way a session can go ----------------------------------

Step = Callable[[FakeStripe, StripeCheckout, Account, str], Awaitable[None]]


async def nothing(fake: FakeStripe, provider: StripeCheckout, account: Account, sid: str) -> None:
    pass


def control(name: str, *args: object, **kwargs: object) -> Step:
    async def step(fake: FakeStripe, provider: StripeCheckout, account: Account, sid: str) -> None:
        getattr(fake, name)(sid, *args, **kwargs)
    return step


def steps(*parts: Step) -> Step:
    async def step(fake: FakeStripe, provider: StripeCheckout, account: Account, sid: str) -> None:
        for part in parts:
            await part(fake, provider, account, sid)
    return step


async def provider_cancel(fake: FakeStripe, provider: StripeCheckout, account: Account, sid: str) -> None:
    await provider.cancel(account, sid)


async def provider_capture(fake: FakeStripe, provider: StripeCheckout, account: Account, sid: str) -> None:
    await provider.capture(account, sid)


JOURNEYS: dict[str, tuple[Step, PaymentState, FailureReason | None, str]] = {
    "just made": (nothing, S.IN_PROGRESS, None, "open/unpaid"),
    "card declined, may try again": (control("decline"), S.IN_PROGRESS, None,
                                     "open/unpaid/requires_payment_method"),
    "paid by card": (control("complete", "paid"), S.SUCCEEDED, None, "complete/paid/succeeded"),
    "Bacs still clearing": (control("complete", "processing"), S.AUTHORISED, None,
                            "complete/unpaid/processing"),
    "Bacs cleared": (steps(control("complete", "processing"), control("settle", True)),
                     S.SUCCEEDED, None, "complete/paid/succeeded"),
    "Bacs failed": (steps(control("complete", "processing"), control("settle", False)),
                    S.FAILED, R.DECLINED, "complete/unpaid/requires_payment_method"),
    "authorised, awaiting capture": (control("complete", "authorised"), S.AUTHORISED, None,
                                     "complete/unpaid/requires_capture"),
    "authorised then captured": (steps(control("complete", "authorised"), provider_capture),
                                 S.SUCCEEDED, None, "complete/paid/succeeded"),
    "authorised then released": (steps(control("complete", "authorised"), provider_cancel),
                                 S.CANCELLED, R.SERVICE_CANCELLED, "complete/unpaid/canceled"),
    "expired unpaid": (control("expire"), S.FAILED, R.EXPIRED, "expired/unpaid"),
    "declined then expired": (steps(control("decline"), control("expire")), S.FAILED, R.EXPIRED,
                              "expired/unpaid/canceled"),
    "expired by Borough": (provider_cancel, S.FAILED, R.EXPIRED, "expired/unpaid"),
    "free (never made by Borough)": (control("force", status="complete", payment_status="no_payment_required"),
                                     S.ERROR, R.PROVIDER_ERROR, "complete/no_payment_required"),
}


@pytest.mark.parametrize("journey", list(JOURNEYS))
async def test_get_reports_each_journey(journey: str, stripe_server: FakeStripe, stripe_account: Account,
                                        stripe_provider: StripeCheckout) -> None:
    step, state, reason, raw = JOURNEYS[journey]
    sid = await make_session(stripe_provider, stripe_account)
    await step(stripe_server, stripe_provider, stripe_account, sid)

    snapshot = await stripe_provider.get(stripe_account, sid)
    assert (snapshot.state, snapshot.reason, snapshot.raw_status) == (state, reason, raw)
    assert snapshot.provider_payment_id == sid and snapshot.amount == 1250
    assert (snapshot.next_url is not None) == (state is S.IN_PROGRESS)
    assert (snapshot.refundable is not None) == (state is S.SUCCEEDED)
    [fetch, *_] = stripe_server.received("GET", f"/v1/checkout/sessions/{sid}")
    assert ("expand[0]", "payment_intent") in fetch.query


async def test_a_paid_snapshot_has_the_card_and_what_is_left_to_refund(
        stripe_server: FakeStripe, stripe_account: Account, stripe_provider: StripeCheckout) -> None:
    sid = await make_session(stripe_provider, stripe_account)
    stripe_server.complete(sid, card=("mastercard", "4444"))
    snapshot = await stripe_provider.get(stripe_account, sid)
    assert (snapshot.card_brand, snapshot.last_four, snapshot.refundable) == ("mastercard", "4444", 1250)


async def test_an_unknown_session_is_a_404(stripe_account: Account, stripe_provider: StripeCheckout) -> None:
    with pytest.raises(ProviderError) as missing:
        await stripe_provider.get(stripe_account, "cs_test_nope")
    assert missing.value.status == 404 and "resource_missing" in str(missing.value)


async def test_a_state_stripe_might_add_makes_get_fail_loudly(
        stripe_server: FakeStripe, stripe_account: Account, stripe_provider: StripeCheckout) -> None:
    sid = await make_session(stripe_provider, stripe_account)
    stripe_server.force(sid, payment_status="partially_paid")
    with pytest.raises(ProviderError, match="does not know"):
        await stripe_provider.get(stripe_account, sid)


# -- resume, capture, cancel ------------------------------------------------------------


async def test_resume_gives_the_session_url_only_while_open(
        stripe_server: FakeStripe, stripe_account: Account, stripe_provider: StripeCheckout) -> None:
    sid = await make_session(stripe_provider, stripe_account)
    assert await stripe_provider.resume(stripe_account, sid) == f"{stripe_server.url}/pay/{sid}"
    stripe_server.decline(sid)
    assert await stripe_provider.resume(stripe_account, sid) == f"{stripe_server.url}/pay/{sid}"
    stripe_server.complete(sid)
    assert await stripe_provider.resume(stripe_account, sid) is None

    expired = await make_session(stripe_provider, stripe_account, idempotency_key="attempt-0002")
    stripe_server.expire(expired)
    assert await stripe_provider.resume(stripe_account, expired) is None


async def test_cancel_expires_an_open_session_once(
        stripe_server: FakeStripe, stripe_account: Account, stripe_provider: StripeCheckout) -> None:
    sid = await make_session(stripe_provider, stripe_account)
    await stripe_provider.cancel(stripe_account, sid)
    await stripe_provider.cancel(stripe_account, sid)  # already stopped: nothing more to do
    [expire] = stripe_server.received("POST", f"/v1/checkout/sessions/{sid}/expire")
    assert expire.headers["idempotency-key"] == f"borough-expire-{sid}"
    assert stripe_server.session(sid)["status"] == "expired"


async def test_a_paid_session_cannot_be_cancelled_only_refunded(
        stripe_server: FakeStripe, stripe_account: Account, stripe_provider: StripeCheckout) -> None:
    sid = await make_session(stripe_provider, stripe_account)
    stripe_server.complete(sid)
    with pytest.raises(ProviderError, match="refund it instead"):
        await stripe_provider.cancel(stripe_account, sid)


async def test_capture_takes_an_authorisation_once(
        stripe_server: FakeStripe, stripe_account: Account, stripe_provider: StripeCheckout) -> None:
    sid = await make_session(stripe_provider, stripe_account)
    with pytest.raises(ProviderError, match="nothing to capture"):
        await stripe_provider.capture(stripe_account, sid)
    stripe_server.complete(sid, "authorised")
    await stripe_provider.capture(stripe_account, sid)
    await stripe_provider.capture(stripe_account, sid)
    intent = stripe_server.session(sid)["payment_intent"]
    assert len(stripe_server.received("POST", f"/v1/payment_intents/{intent}/capture")) == 1
    assert (await stripe_provider.get(stripe_account, sid)).state is S.SUCCEEDED


# -- refunds -----------------------------------------------------------------------------


async def paid_session(fake: FakeStripe, provider: StripeCheckout, account: Account) -> str:
    sid = await make_session(provider, account)
    fake.complete(sid)
    return sid


async def test_a_full_refund(stripe_server: FakeStripe, stripe_account: Account,
                             stripe_provider: StripeCheckout) -> None:
    sid = await paid_session(stripe_server, stripe_provider, stripe_account)
    result = await stripe_provider.refund(stripe_account, sid, 1250, expected_available=1250,
                                          idempotency_key="refund-1")
    assert result.state is RefundState.SUCCEEDED and result.amount == 1250
    assert result.provider_refund_id.startswith("re_")

    [sent] = stripe_server.received("POST", "/v1/refunds")
    assert sent.headers["idempotency-key"] == "refund-1"
    assert sent.fields["payment_intent"] == stripe_server.session(sid)["payment_intent"]
    assert sent.fields["amount"] == "1250"
    assert (await stripe_provider.get(stripe_account, sid)).refundable == 0


async def test_partial_refunds_until_nothing_is_left(
        stripe_server: FakeStripe, stripe_account: Account, stripe_provider: StripeCheckout) -> None:
    sid = await paid_session(stripe_server, stripe_provider, stripe_account)
    first = await stripe_provider.refund(stripe_account, sid, 500, expected_available=1250,
                                         idempotency_key="refund-1")
    assert first.amount == 500
    assert (await stripe_provider.get(stripe_account, sid)).refundable == 750
    second = await stripe_provider.refund(stripe_account, sid, 750, expected_available=750,
                                          idempotency_key="refund-2")
    assert second.amount == 750 and second.provider_refund_id != first.provider_refund_id
    with pytest.raises(ProviderError, match="more than the 0p"):
        await stripe_provider.refund(stripe_account, sid, 1, expected_available=0,
                                     idempotency_key="refund-3")


async def test_a_stale_expected_amount_stops_the_refund(
        stripe_server: FakeStripe, stripe_account: Account, stripe_provider: StripeCheckout) -> None:
    sid = await paid_session(stripe_server, stripe_provider, stripe_account)
    await stripe_provider.refund(stripe_account, sid, 500, expected_available=1250,
                                 idempotency_key="refund-from-dashboard")
    with pytest.raises(ProviderError) as refused:
        await stripe_provider.refund(stripe_account, sid, 200, expected_available=1250,
                                     idempotency_key="refund-2")
    message = str(refused.value)
    assert "expected 1250p" in message and "Stripe has 750p" in message and "500p already refunded" in message
    assert not refused.value.ambiguous
    assert len(stripe_server.received("POST", "/v1/refunds")) == 1


async def test_retrying_a_refund_with_its_key_returns_it_without_refunding_twice(
        stripe_server: FakeStripe, stripe_account: Account, stripe_provider: StripeCheckout) -> None:
    sid = await paid_session(stripe_server, stripe_provider, stripe_account)
    first = await stripe_provider.refund(stripe_account, sid, 400, expected_available=1250,
                                         idempotency_key="refund-1")
    again = await stripe_provider.refund(stripe_account, sid, 400, expected_available=1250,
                                         idempotency_key="refund-1")
    assert again == first
    with pytest.raises(ProviderError, match="was used for a refund of 400p, not 500p"):
        await stripe_provider.refund(stripe_account, sid, 500, expected_available=1250,
                                     idempotency_key="refund-1")
    assert len(stripe_server.received("POST", "/v1/refunds")) == 1


async def test_a_refund_after_a_timeout_is_found_by_its_key(
        stripe_server: FakeStripe, stripe_account: Account) -> None:
    impatient = StripeCheckout(timeout=httpx.Timeout(0.3, connect=2.0))
    sid = await paid_session(stripe_server, impatient, stripe_account)
    # The session and the refund list come back at once; the refund itself is slow.
    stripe_server.slow_next(0)
    stripe_server.slow_next(0)
    stripe_server.slow_next(1.0)
    with pytest.raises(ProviderError) as lost:
        await impatient.refund(stripe_account, sid, 300, expected_available=1250,
                               idempotency_key="refund-1")
    assert lost.value.ambiguous
    result = await impatient.refund(stripe_account, sid, 300, expected_available=1250,
                                    idempotency_key="refund-1")
    assert result.amount == 300
    assert len(stripe_server.received("POST", "/v1/refunds")) == 1


async def test_a_pending_refund_is_reported_pending(
        stripe_server: FakeStripe, stripe_account: Account, stripe_provider: StripeCheckout) -> None:
    sid = await paid_session(stripe_server, stripe_provider, stripe_account)
    stripe_server.refund_status = "pending"
    result = await stripe_provider.refund(stripe_account, sid, 100, expected_available=1250,
                                          idempotency_key="refund-1")
    assert result.state is RefundState.PENDING


async def test_nothing_to_refund_on_an_unpaid_session(
        stripe_server: FakeStripe, stripe_account: Account, stripe_provider: StripeCheckout) -> None:
    sid = await make_session(stripe_provider, stripe_account)
    with pytest.raises(ProviderError, match="no payment taken"):
        await stripe_provider.refund(stripe_account, sid, 100, expected_available=0, idempotency_key="r")
    with pytest.raises(ProviderError, match="at least 1p"):
        await stripe_provider.refund(stripe_account, sid, 0, expected_available=0, idempotency_key="r")
    assert stripe_server.received("POST", "/v1/refunds") == []


# -- errors --------------------------------------------------------------------------------


async def test_a_wrong_key_is_a_401_and_not_ambiguous(
        stripe_account: Account, stripe_provider: StripeCheckout) -> None:
    wrong = Account(provider="stripe", api_key="sk_test_wrongwrongwrong", base_url=stripe_account.base_url)
    with pytest.raises(ProviderError) as refused:
        await stripe_provider.create(wrong, payment_request())
    assert refused.value.status == 401 and not refused.value.ambiguous
    assert "Invalid API Key" in str(refused.value)
    assert "wrongwrongwrong" not in str(refused.value)


async def test_no_key_is_refused_before_sending(stripe_server: FakeStripe, stripe_account: Account,
                                                stripe_provider: StripeCheckout) -> None:
    keyless = Account(provider="stripe", base_url=stripe_account.base_url)
    with pytest.raises(ProviderError, match="No Stripe secret key"):
        await stripe_provider.get(keyless, "cs_test_x")
    assert stripe_server.received() == []


async def test_a_500_is_ambiguous(stripe_server: FakeStripe, stripe_account: Account,
                                  stripe_provider: StripeCheckout) -> None:
    stripe_server.fail_next(500)
    with pytest.raises(ProviderError) as failed:
        await stripe_provider.create(stripe_account, payment_request())
    assert failed.value.ambiguous and failed.value.status == 500
    assert "api_error" in str(failed.value)


async def test_a_500_after_the_work_is_ambiguous_and_stored_against_the_key(
        stripe_server: FakeStripe, stripe_account: Account, stripe_provider: StripeCheckout) -> None:
    stripe_server.fail_next(500, after_effect=True)
    with pytest.raises(ProviderError) as failed:
        await stripe_provider.create(stripe_account, payment_request())
    assert failed.value.ambiguous
    # Stripe keeps the first answer for the key, 5xx included: retrying does not help...
    with pytest.raises(ProviderError) as again:
        await stripe_provider.create(stripe_account, payment_request())
    assert again.value.status == 500
    # ...but the session was made, and reconciliation finds it by our reference.
    found = await stripe_provider.list_payments(stripe_account, datetime.fromtimestamp(time.time() - 60, UTC),
                                                datetime.fromtimestamp(time.time() + 60, UTC))
    assert [s.provider_payment_id for s in found] == [s["id"] for s in stripe_server.sessions()]
    assert stripe_server.sessions()[0]["client_reference_id"] == "BRG-7Q4K-2M9X"


async def test_a_timeout_is_ambiguous(stripe_server: FakeStripe, stripe_account: Account) -> None:
    impatient = StripeCheckout(timeout=httpx.Timeout(0.3, connect=2.0))
    stripe_server.slow_next(1.0)
    with pytest.raises(ProviderError) as lost:
        await impatient.create(stripe_account, payment_request())
    assert lost.value.ambiguous and lost.value.status is None
    assert len(stripe_server.sessions()) == 1  # it did take effect
    again = await impatient.create(stripe_account, payment_request())
    assert again.provider_payment_id == stripe_server.sessions()[0]["id"]


async def test_nobody_listening_is_not_ambiguous(stripe_provider: StripeCheckout) -> None:
    with serve(FakeStripe().app) as url:
        pass  # the port is free again
    closed = Account(provider="stripe", api_key="sk_test_x", base_url=url)
    with pytest.raises(ProviderError, match="could not connect") as failed:
        await stripe_provider.create(closed, payment_request())
    assert not failed.value.ambiguous


# -- list_payments --------------------------------------------------------------------------


async def test_list_payments_follows_every_page_within_the_period(
        stripe_server: FakeStripe, stripe_account: Account, stripe_provider: StripeCheckout) -> None:
    noon = int(datetime(2025, 6, 2, 12, tzinfo=UTC).timestamp())
    inside = stripe_server.seed_sessions(205, created=noon)
    stripe_server.seed_sessions(2, created=noon - 86_400)
    stripe_server.seed_sessions(1, created=noon + 86_400)

    found = await stripe_provider.list_payments(stripe_account, datetime(2025, 6, 2, tzinfo=UTC),
                                                datetime(2025, 6, 2, 23, 59, 59, tzinfo=UTC))
    assert sorted(s.provider_payment_id for s in found) == sorted(inside)
    assert all(s.state is S.IN_PROGRESS and s.amount == 1000 for s in found)

    pages = stripe_server.received("GET", "/v1/checkout/sessions")
    assert len(pages) == 3
    first = dict(pages[0].query)
    assert first["limit"] == "100" and "starting_after" not in first
    assert first["created[gte]"] == str(noon - 12 * 3600)
    assert first["created[lte]"] == str(noon + 12 * 3600 - 1)
    assert dict(pages[1].query)["starting_after"] == found[99].provider_payment_id
    assert dict(pages[2].query)["starting_after"] == found[199].provider_payment_id


async def test_list_payments_reports_states_like_get(
        stripe_server: FakeStripe, stripe_account: Account, stripe_provider: StripeCheckout) -> None:
    paid = await make_session(stripe_provider, stripe_account)
    stripe_server.complete(paid)
    expired = await make_session(stripe_provider, stripe_account, idempotency_key="attempt-0002")
    stripe_server.expire(expired)
    now = time.time()
    found = await stripe_provider.list_payments(stripe_account, datetime.fromtimestamp(now - 60, UTC),
                                                datetime.fromtimestamp(now + 60, UTC))
    assert {s.provider_payment_id: s.state for s in found} == {paid: S.SUCCEEDED, expired: S.FAILED}
    assert {s.provider_payment_id: s for s in found}[paid] == await stripe_provider.get(stripe_account, paid)


# -- webhooks --------------------------------------------------------------------------------

NOW = 1_750_000_000
BODY = json.dumps({"id": "evt_1", "object": "event", "type": "checkout.session.completed",
                   "data": {"object": {"id": "cs_test_abc", "object": "checkout.session"}}}).encode()


def verify(body: bytes = BODY, header: str | None = None, *, secrets: str = WEBHOOK_SECRET,
           now: float = NOW) -> list[Event]:
    account = Account(provider="stripe", api_key="sk_test_x", webhook_secret=secrets)
    headers = {} if header is None else {"Stripe-Signature": header}
    return StripeCheckout().verify_webhook(account, headers, body, now=now)


def test_a_valid_webhook_names_the_session() -> None:
    assert verify(header=sign(BODY, WEBHOOK_SECRET, NOW)) == [
        Event(event_id="evt_1", provider_payment_id="cs_test_abc", kind="checkout.session.completed")]


@pytest.mark.parametrize("kind", ["checkout.session.completed", "checkout.session.async_payment_succeeded",
                                  "checkout.session.async_payment_failed", "checkout.session.expired"])
def test_each_checkout_session_event_is_an_event(kind: str) -> None:
    body = BODY.replace(b"checkout.session.completed", kind.encode())
    [event] = verify(body, sign(body, WEBHOOK_SECRET, NOW))
    assert event.kind == kind


def test_other_event_types_are_verified_then_ignored() -> None:
    body = json.dumps({"id": "evt_2", "type": "charge.refunded",
                       "data": {"object": {"id": "ch_1"}}}).encode()
    assert verify(body, sign(body, WEBHOOK_SECRET, NOW)) == []
    with pytest.raises(WebhookRefused):
        verify(body, sign(body, "whsec_wrong", NOW))


@pytest.mark.parametrize(("signed_at", "accepted"), [
    (NOW - 300, True), (NOW + 300, True), (NOW - 301, False), (NOW + 301, False), (NOW - 86_400, False),
])
def test_timestamps_more_than_five_minutes_out_are_refused(signed_at: int, accepted: bool) -> None:
    header = sign(BODY, WEBHOOK_SECRET, signed_at)
    if accepted:
        assert len(verify(header=header)) == 1
    else:
        with pytest.raises(WebhookRefused, match="300 s"):
            verify(header=header)


def test_a_replayed_header_with_a_new_timestamp_does_not_verify() -> None:
    old = sign(BODY, WEBHOOK_SECRET, NOW - 3600)
    replayed = old.replace(f"t={NOW - 3600}", f"t={NOW}")
    with pytest.raises(WebhookRefused, match="matches"):
        verify(header=replayed)


def test_the_wrong_secret_is_refused() -> None:
    with pytest.raises(WebhookRefused, match="matches"):
        verify(header=sign(BODY, "whsec_someone_else", NOW))


def test_a_tampered_body_is_refused() -> None:
    header = sign(BODY, WEBHOOK_SECRET, NOW)
    with pytest.raises(WebhookRefused, match="matches"):
        verify(BODY.replace(b"cs_test_abc", b"cs_test_xyz"), header)
    with pytest.raises(WebhookRefused, match="matches"):
        verify(BODY + b"\n", header)


def test_any_of_several_v1_values_may_match() -> None:
    header = sign(BODY, ["whsec_unknown", WEBHOOK_SECRET], NOW)
    assert header.count("v1=") == 2
    assert len(verify(header=header)) == 1
    assert len(verify(header=f"{header},v0=ignored,v1=nothex")) == 1
    with pytest.raises(WebhookRefused):
        verify(header=sign(BODY, ["whsec_unknown", "whsec_other"], NOW))


def test_secret_rotation_accepts_old_and_new_until_the_old_is_removed() -> None:
    both = f"{WEBHOOK_SECRET}, {OLD_WEBHOOK_SECRET}"
    assert len(verify(header=sign(BODY, OLD_WEBHOOK_SECRET, NOW), secrets=both)) == 1
    assert len(verify(header=sign(BODY, WEBHOOK_SECRET, NOW), secrets=both)) == 1
    with pytest.raises(WebhookRefused):
        verify(header=sign(BODY, OLD_WEBHOOK_SECRET, NOW), secrets=WEBHOOK_SECRET)


@pytest.mark.parametrize("header", [
    None, "", "garbage", f"v1={'0' * 64}", f"t={NOW}", f"t=abc,v1={'0' * 64}",
    f"t={NOW},t={NOW},v1={'0' * 64}", f"t=-{NOW},v1={'0' * 64}", f"t={NOW},v1=",
    f"t={NOW},v1=é",
])
def test_malformed_signature_headers_are_refused(header: str | None) -> None:
    with pytest.raises(WebhookRefused):
        verify(header=header)


def test_the_header_name_is_case_insensitive() -> None:
    account = Account(provider="stripe", webhook_secret=WEBHOOK_SECRET)
    headers = {"stripe-signature": sign(BODY, WEBHOOK_SECRET, NOW)}
    assert len(StripeCheckout(clock=lambda: NOW).verify_webhook(account, headers, BODY)) == 1


@pytest.mark.parametrize("body", [
    b"not json", b"[]", b'{"type": "checkout.session.completed"}', b'{"id": "evt_1"}',
    b'{"id": "evt_1", "type": "checkout.session.completed", "data": {}}',
    b'{"id": "evt_1", "type": "checkout.session.completed", "data": {"object": {"id": 5}}}',
    b"\xff\xfe",
])
def test_signed_bodies_that_are_not_usable_events_are_refused(body: bytes) -> None:
    with pytest.raises(WebhookRefused):
        verify(body, sign(body, WEBHOOK_SECRET, NOW))


def test_without_a_configured_secret_every_webhook_is_refused() -> None:
    with pytest.raises(WebhookRefused, match="No Stripe webhook secret"):
        verify(header=sign(BODY, "", NOW), secrets=" , ")


# -- webhooks delivered over HTTP by the local Stripe -------------------------------------


async def test_a_delivered_event_is_verified_by_the_endpoint(
        stripe_server: FakeStripe, stripe_account: Account, stripe_provider: StripeCheckout,
        stripe_webhook: WebhookEndpoint) -> None:
    sid = await make_session(stripe_provider, stripe_account)
    stripe_server.complete(sid)
    body = stripe_server.event("checkout.session.completed", sid, event_id="evt_delivered")
    response = await stripe_server.send_event(stripe_webhook.url, body, secret=WEBHOOK_SECRET)
    assert response.status_code == 200
    assert response.json() == {"events": [{"event_id": "evt_delivered", "provider_payment_id": sid,
                                           "kind": "checkout.session.completed"}]}
    # The body is a hint: the payment is fetched again.
    assert (await stripe_provider.get(stripe_account, sid)).state is S.SUCCEEDED


@pytest.mark.parametrize(("delivery", "reason"), [
    ({"timestamp_offset": -301}, "300 s"),
    ({"timestamp_offset": 400}, "300 s"),
    ({"secret": "whsec_forged"}, "matches"),
    ({"tamper": True}, "matches"),
])
async def test_bad_deliveries_are_refused_by_the_endpoint(
        delivery: dict[str, object], reason: str, stripe_server: FakeStripe, stripe_account: Account,
        stripe_provider: StripeCheckout, stripe_webhook: WebhookEndpoint) -> None:
    sid = await make_session(stripe_provider, stripe_account)
    stripe_server.complete(sid)
    body = stripe_server.event("checkout.session.completed", sid)
    offset = delivery.get("timestamp_offset")
    response = await stripe_server.send_event(
        stripe_webhook.url, body, secret=str(delivery.get("secret", WEBHOOK_SECRET)),
        timestamp=int(time.time()) + offset if isinstance(offset, int) else None,
        tamper=bool(delivery.get("tamper")))
    assert response.status_code == 400
    assert reason in response.json()["refused"]


async def test_a_delivery_signed_with_both_secrets_during_rotation_is_accepted(
        stripe_server: FakeStripe, stripe_account: Account, stripe_provider: StripeCheckout,
        stripe_webhook: WebhookEndpoint) -> None:
    sid = await make_session(stripe_provider, stripe_account)
    stripe_server.expire(sid)
    body = stripe_server.event("checkout.session.expired", sid)
    response = await stripe_server.send_event(stripe_webhook.url, body,
                                              secret=[OLD_WEBHOOK_SECRET, WEBHOOK_SECRET])
    assert response.status_code == 200
    assert response.json()["events"][0]["kind"] == "checkout.session.expired"


# -- the pieces ----------------------------------------------------------------------------


def test_form_encoding_uses_stripe_bracket_notation() -> None:
    pairs = encode_form({"a": [{"b": 1, "c": {"d": True}}], "e": None, "f": ["x", "y"], "g": False})
    assert pairs == [("a[0][b]", "1"), ("a[0][c][d]", "true"), ("f[0]", "x"), ("f[1]", "y"), ("g", "false")]


async def test_the_local_checkout_page_takes_a_payment_and_returns_the_payer(
        stripe_server: FakeStripe, stripe_account: Account, stripe_provider: StripeCheckout) -> None:
    snapshot = await stripe_provider.create(stripe_account, payment_request())
    assert snapshot.next_url is not None
    async with httpx.AsyncClient(verify=False) as browser:
        page = await browser.get(snapshot.next_url)
        assert page.status_code == 200 and "£12.50" in page.text
        paid = await browser.post(snapshot.next_url, data={"outcome": "paid"})
    assert paid.status_code == 303
    assert paid.headers["location"] == "https://forms.example.gov.uk/pay/return/tok_secret123"
    assert (await stripe_provider.get(stripe_account, snapshot.provider_payment_id)).state is S.SUCCEEDED


def test_the_query_the_server_parses_is_the_query_the_client_sends() -> None:
    pairs = encode_form({"line_items": [{"price_data": {"unit_amount": 5}}], "expand": ["a", "b"]})
    assert parse_params(parse_qsl("&".join(f"{k}={v}" for k, v in pairs))) == {
        "line_items": [{"price_data": {"unit_amount": "5"}}], "expand": ["a", "b"]}
