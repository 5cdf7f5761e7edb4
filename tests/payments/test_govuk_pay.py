"""The GOV.UK Pay provider against a local GOV.UK Pay served over real HTTP (no mocks).

Covers the whole mapping from Pay's statuses and failure codes to the canonical states,
resuming, metadata limits, refunds and the 412 check, capture and cancel, errors (401, 4xx,
429, 5xx, timeouts, refused connections), the paged search, and webhook signatures.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from govuk_pay_server import STATUSES, PayServer, client, pay_signature, post_webhook
from local_http import free_port, serving
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from runtime.core.payments import FailureReason, PaymentState, RefundState
from runtime.payments.base import (
    Account,
    Event,
    PaymentRequest,
    Provider,
    ProviderError,
    WebhookRefused,
)
from runtime.payments.govuk_pay import STATES, GovukPay, canonical_state, cap_metadata

WEBHOOK_PATH = "/webhooks/govuk-pay"


@pytest.fixture(scope="module")
def running_pay() -> Iterator[PayServer]:
    with PayServer().running() as server:
        yield server


@pytest.fixture
def pay_server(running_pay: PayServer) -> PayServer:
    """The local Pay, emptied for this test."""
    running_pay.reset()
    return running_pay


@pytest.fixture
def account(pay_server: PayServer) -> Account:
    return Account(provider="govuk_pay", api_key=pay_server.api_key, webhook_secret=pay_server.webhook_secret,
                   base_url=pay_server.url)


@pytest.fixture
def pay() -> GovukPay:
    return GovukPay()


def payment_request(**changes: object) -> PaymentRequest:
    values: dict[str, object] = {
        "amount": 14500,
        "reference": "BRH-2024-000123",
        "description": "Pay for a resident parking permit",
        "return_url": "https://council.example/pay/return/secret-token-abc",
        "cancel_url": "https://council.example/pay/cancel/secret-token-abc",
        "idempotency_key": "attempt-7f3a9c",
    }
    values.update(changes)
    return PaymentRequest(**values)  # type: ignore[arg-type]


def api_calls(server: PayServer) -> list[tuple[str, str]]:
    return [(call.method, call.path) for call in server.requests]


# -- the interface --------------------------------------------------------------------


def test_govuk_pay_is_a_provider() -> None:
    provider: Provider = GovukPay()
    assert provider.id == "govuk_pay"
    assert provider.capabilities.refunds and provider.capabilities.delayed_capture
    assert provider.capabilities.welsh
    assert provider.capabilities.minimum == 30
    assert provider.capabilities.maximum == 10_000_000


# -- create and get -------------------------------------------------------------------


async def test_create_sends_pays_fields_and_returns_the_payment(pay: GovukPay, account: Account,
                                                                pay_server: PayServer) -> None:
    snapshot = await pay.create(account, payment_request(email="resident@example.com"))

    assert snapshot.state is PaymentState.CREATED and snapshot.reason is None
    assert snapshot.amount == 14500 and snapshot.raw_status == "created"
    assert snapshot.next_url and snapshot.next_url.startswith(f"{pay_server.url}/secure/")
    assert snapshot.created_at is not None and snapshot.created_at.tzinfo is not None
    assert snapshot.refundable is None  # refund_summary is "pending" until the payer pays
    sent = pay_server.requests[-1]
    assert (sent.method, sent.path) == ("POST", "/v1/payments")
    assert sent.headers["authorization"] == f"Bearer {pay_server.api_key}"
    assert sent.headers["idempotency-key"] == "attempt-7f3a9c"
    assert json.loads(sent.body) == {
        "amount": 14500, "reference": "BRH-2024-000123", "description": "Pay for a resident parking permit",
        "return_url": "https://council.example/pay/return/secret-token-abc", "language": "en",
        "email": "resident@example.com",
    }


async def test_welsh_payments_ask_for_welsh_pages(pay: GovukPay, account: Account, pay_server: PayServer) -> None:
    snapshot = await pay.create(account, payment_request(language="cy"))
    assert pay_server.payment(snapshot.provider_payment_id)["language"] == "cy"


async def test_an_idempotency_key_pay_would_reject_is_not_sent(pay: GovukPay, account: Account,
                                                              pay_server: PayServer) -> None:
    await pay.create(account, payment_request(idempotency_key="attempt_7/with odd chars"))
    assert "idempotency-key" not in pay_server.requests[-1].headers


async def test_get_reads_the_single_payment_never_the_search(pay: GovukPay, account: Account,
                                                             pay_server: PayServer) -> None:
    created = await pay.create(account, payment_request())
    fetched = await pay.get(account, created.provider_payment_id)

    assert fetched.provider_payment_id == created.provider_payment_id
    assert fetched.state is PaymentState.CREATED and fetched.amount == 14500
    assert api_calls(pay_server)[-1] == ("GET", f"/v1/payments/{created.provider_payment_id}")
    assert all(call.path != "/v1/payments" or call.method == "POST" for call in pay_server.requests)


async def test_a_paid_payment_shows_its_card_and_what_can_be_refunded(pay: GovukPay, account: Account,
                                                                     pay_server: PayServer) -> None:
    created = await pay.create(account, payment_request())
    pay_server.set_status(created.provider_payment_id, "success", card_brand="Mastercard", last_four="5100")

    snapshot = await pay.get(account, created.provider_payment_id)
    assert snapshot.state is PaymentState.SUCCEEDED
    assert (snapshot.card_brand, snapshot.last_four) == ("Mastercard", "5100")
    assert snapshot.refundable == 14500 and snapshot.next_url is None


# -- the mapping table ----------------------------------------------------------------

PAY_STATES = [
    ("created", None, PaymentState.CREATED, None),
    ("started", None, PaymentState.IN_PROGRESS, None),
    ("submitted", None, PaymentState.IN_PROGRESS, None),
    ("capturable", None, PaymentState.AUTHORISED, None),
    ("success", None, PaymentState.SUCCEEDED, None),
    ("failed", "P0010", PaymentState.FAILED, FailureReason.DECLINED),
    ("failed", "P0020", PaymentState.FAILED, FailureReason.EXPIRED),
    ("failed", "P0030", PaymentState.FAILED, FailureReason.USER_CANCELLED),
    ("cancelled", "P0040", PaymentState.CANCELLED, FailureReason.SERVICE_CANCELLED),
    ("error", "P0050", PaymentState.ERROR, FailureReason.PROVIDER_ERROR),
    # Codes Pay has not documented, or none at all: the status still decides the state.
    ("failed", "P0099", PaymentState.FAILED, None),
    ("failed", None, PaymentState.FAILED, None),
    ("cancelled", None, PaymentState.CANCELLED, FailureReason.SERVICE_CANCELLED),
    ("error", None, PaymentState.ERROR, FailureReason.PROVIDER_ERROR),
]


@pytest.mark.parametrize(("status", "code", "state", "reason"), PAY_STATES,
                         ids=[f"{status}-{code or 'nocode'}" for status, code, *_ in PAY_STATES])
async def test_every_pay_state_maps_to_one_canonical_state(pay: GovukPay, account: Account, pay_server: PayServer,
                                                           status: str, code: str | None, state: PaymentState,
                                                           reason: FailureReason | None) -> None:
    created = await pay.create(account, payment_request())
    pay_server.set_status(created.provider_payment_id, status, code or "")

    snapshot = await pay.get(account, created.provider_payment_id)
    assert (snapshot.state, snapshot.reason) == (state, reason)
    assert snapshot.raw_status == (f"{status}/{code}" if code else status)
    # Pay's own `finished` flag agrees with the canonical state being final.
    assert pay_server.payment(created.provider_payment_id)["state"]["finished"] is state.final


def test_the_table_covers_every_pay_status_and_nothing_else() -> None:
    assert {status for status, _ in STATES} == STATUSES
    assert {(status, code) for status, code, *_ in PAY_STATES if code != "P0099"} == set(STATES)


def test_an_unknown_pay_status_is_not_guessed() -> None:
    with pytest.raises(ValueError, match=r"unknown GOV\.UK Pay payment status"):
        canonical_state("refunded")


# -- resuming -------------------------------------------------------------------------


async def test_resume_gives_a_fresh_next_url_until_the_payment_is_finished(pay: GovukPay, account: Account,
                                                                          pay_server: PayServer) -> None:
    created = await pay.create(account, payment_request())
    payment_id = created.provider_payment_id

    first = await pay.resume(account, payment_id)
    second = await pay.resume(account, payment_id)
    assert first and second and first != second != created.next_url

    async with client() as browser:
        assert (await browser.get(first)).status_code == 200  # the payer opens the page...
        assert (await browser.get(first)).status_code == 400  # ...and a next_url works once
    assert pay_server.payment(payment_id)["state"]["status"] == "started"

    for status in ("started", "submitted"):
        pay_server.set_status(payment_id, status)
        assert (await pay.resume(account, payment_id) or "").startswith(f"{pay_server.url}/secure/")
    for status in ("capturable", "success", "failed", "cancelled", "error"):
        pay_server.set_status(payment_id, status)
        assert await pay.resume(account, payment_id) is None, status


# -- metadata -------------------------------------------------------------------------


def test_metadata_is_cut_to_pays_limits() -> None:
    metadata = {f"ledger_code_{n:02d}_{'x' * 30}": "v" * 150 for n in range(20)}
    metadata = {"cost_centre": "CC-42", "": "dropped", **metadata}
    capped = cap_metadata(metadata)

    assert len(capped) == 15
    assert all(1 <= len(key) <= 30 and len(value) <= 100 for key, value in capped.items())
    assert capped["cost_centre"] == "CC-42"
    assert list(capped)[1] == "ledger_code_00_xxxxxxxxxxxxxxx"


def test_keys_that_collide_once_cut_keep_the_first() -> None:
    capped = cap_metadata({"a" * 30 + "1": "first", "a" * 30 + "2": "second"})
    assert capped == {"a" * 30: "first"}


async def test_capped_metadata_is_accepted_by_pay(pay: GovukPay, account: Account, pay_server: PayServer) -> None:
    metadata = {f"column_{n}_{'k' * 40}": "w" * 120 for n in range(18)}
    snapshot = await pay.create(account, payment_request(metadata=metadata))

    stored = pay_server.payment(snapshot.provider_payment_id)["metadata"]
    assert stored == cap_metadata(metadata) and len(stored) == 15


async def test_no_metadata_sends_none(pay: GovukPay, account: Account, pay_server: PayServer) -> None:
    snapshot = await pay.create(account, payment_request(metadata={}))
    assert "metadata" not in pay_server.payment(snapshot.provider_payment_id)


# -- refunds, capture and cancel ------------------------------------------------------


async def paid(pay: GovukPay, account: Account, pay_server: PayServer, amount: int = 14500) -> str:
    created = await pay.create(account, payment_request(amount=amount))
    pay_server.set_status(created.provider_payment_id, "success")
    return created.provider_payment_id


async def test_full_refund(pay: GovukPay, account: Account, pay_server: PayServer) -> None:
    payment_id = await paid(pay, account, pay_server)

    result = await pay.refund(account, payment_id, 14500, expected_available=14500, idempotency_key="r-1")
    assert result.state is RefundState.SUCCEEDED and result.amount == 14500 and result.provider_refund_id
    assert json.loads(pay_server.requests[-1].body) == {"amount": 14500, "refund_amount_available": 14500}
    assert (await pay.get(account, payment_id)).refundable == 0
    assert pay_server.payment(payment_id)["refund_summary"]["status"] == "full"


async def test_partial_refunds_until_nothing_is_left(pay: GovukPay, account: Account, pay_server: PayServer) -> None:
    payment_id = await paid(pay, account, pay_server)

    await pay.refund(account, payment_id, 4500, expected_available=14500, idempotency_key="r-1")
    assert (await pay.get(account, payment_id)).refundable == 10000
    await pay.refund(account, payment_id, 10000, expected_available=10000, idempotency_key="r-2")
    assert (await pay.get(account, payment_id)).refundable == 0


async def test_a_refund_on_a_stale_refundable_amount_is_refused_clearly(pay: GovukPay, account: Account,
                                                                       pay_server: PayServer) -> None:
    payment_id = await paid(pay, account, pay_server)
    await pay.refund(account, payment_id, 4500, expected_available=14500, idempotency_key="r-1")

    # A second refund still believing the whole amount is available: Pay answers 412 P0604.
    with pytest.raises(ProviderError, match="refundable amount has changed") as refused:
        await pay.refund(account, payment_id, 4500, expected_available=14500, idempotency_key="r-2")
    assert refused.value.status == 412 and not refused.value.ambiguous
    assert "P0604" in str(refused.value)
    assert pay_server.payment(payment_id)["refund_summary"]["amount_submitted"] == 4500


async def test_a_refund_still_being_processed_is_pending(pay: GovukPay, account: Account,
                                                         pay_server: PayServer) -> None:
    payment_id = await paid(pay, account, pay_server)
    pay_server.refund_status = "submitted"
    result = await pay.refund(account, payment_id, 100, expected_available=14500, idempotency_key="r-1")
    assert result.state is RefundState.PENDING


async def test_an_unpaid_payment_cannot_be_refunded(pay: GovukPay, account: Account, pay_server: PayServer) -> None:
    created = await pay.create(account, payment_request())
    with pytest.raises(ProviderError, match="P0603") as refused:
        await pay.refund(account, created.provider_payment_id, 100, expected_available=14500, idempotency_key="r")
    assert refused.value.status == 400 and not refused.value.ambiguous


async def test_capture_takes_an_authorised_payment(pay: GovukPay, account: Account, pay_server: PayServer) -> None:
    created = await pay.create(account, payment_request())
    payment_id = created.provider_payment_id
    pay_server.set_status(payment_id, "capturable")
    assert (await pay.get(account, payment_id)).state is PaymentState.AUTHORISED

    await pay.capture(account, payment_id)
    assert (await pay.get(account, payment_id)).state is PaymentState.SUCCEEDED


async def test_capture_of_a_payment_that_is_not_capturable_is_refused(pay: GovukPay, account: Account) -> None:
    created = await pay.create(account, payment_request())
    with pytest.raises(ProviderError, match="P1003") as refused:
        await pay.capture(account, created.provider_payment_id)
    assert refused.value.status == 409


async def test_cancel_stops_an_unfinished_payment(pay: GovukPay, account: Account) -> None:
    created = await pay.create(account, payment_request())
    await pay.cancel(account, created.provider_payment_id)

    snapshot = await pay.get(account, created.provider_payment_id)
    assert (snapshot.state, snapshot.reason) == (PaymentState.CANCELLED, FailureReason.SERVICE_CANCELLED)
    assert snapshot.raw_status == "cancelled/P0040"


async def test_a_finished_payment_cannot_be_cancelled(pay: GovukPay, account: Account, pay_server: PayServer) -> None:
    payment_id = await paid(pay, account, pay_server)
    with pytest.raises(ProviderError, match="P0501") as refused:
        await pay.cancel(account, payment_id)
    assert refused.value.status == 400


# -- errors ---------------------------------------------------------------------------


async def test_a_wrong_api_key_is_a_401(pay: GovukPay, account: Account, pay_server: PayServer) -> None:
    wrong = Account(provider="govuk_pay", api_key="api_test_not_this_one", base_url=pay_server.url)
    with pytest.raises(ProviderError, match="API key") as refused:
        await pay.create(wrong, payment_request())
    assert refused.value.status == 401 and not refused.value.ambiguous
    assert pay_server.payment_ids == []


async def test_no_api_key_makes_no_request(pay: GovukPay, pay_server: PayServer) -> None:
    with pytest.raises(ProviderError, match=r"no GOV\.UK Pay API key") as refused:
        await pay.get(Account(provider="govuk_pay", base_url=pay_server.url), "abc123")
    assert refused.value.status is None and pay_server.requests == []


async def test_pays_validation_errors_come_back_with_its_code(pay: GovukPay, account: Account) -> None:
    with pytest.raises(ProviderError, match=r"P0102 Invalid attribute value: amount") as refused:
        await pay.create(account, payment_request(amount=0))
    assert refused.value.status == 422 and not refused.value.ambiguous
    with pytest.raises(ProviderError, match=r"P0102 .*\(field: reference\)"):
        await pay.create(account, payment_request(reference="R" * 256))


async def test_an_unknown_payment_is_a_404(pay: GovukPay, account: Account) -> None:
    with pytest.raises(ProviderError, match="P0200") as refused:
        await pay.get(account, "nosuchpayment000000000000")
    assert refused.value.status == 404 and not refused.value.ambiguous


@pytest.mark.parametrize("hostile", ["../../v1/payments", "abc/def", "abc?x=1", "", "a" * 200])
async def test_a_payment_id_pay_would_not_issue_is_refused_before_any_request(
        pay: GovukPay, account: Account, pay_server: PayServer, hostile: str) -> None:
    with pytest.raises(ProviderError, match=r"not a GOV\.UK Pay payment id"):
        await pay.get(account, hostile)
    assert pay_server.requests == []


async def test_a_500_is_ambiguous(pay: GovukPay, account: Account, pay_server: PayServer) -> None:
    pay_server.fail_next(500)
    with pytest.raises(ProviderError, match="P0198") as failed:
        await pay.create(account, payment_request())
    assert failed.value.ambiguous and failed.value.status == 500


async def test_a_500_after_the_payment_was_made_is_why_ambiguity_matters(pay: GovukPay, account: Account,
                                                                        pay_server: PayServer) -> None:
    pay_server.fail_next(502, after=True)
    with pytest.raises(ProviderError) as failed:
        await pay.create(account, payment_request())
    assert failed.value.ambiguous and failed.value.status == 502
    assert len(pay_server.payment_ids) == 1  # the payment exists although we were told 502


async def test_a_timeout_is_ambiguous_and_the_payment_may_exist(account: Account, pay_server: PayServer) -> None:
    pay = GovukPay(timeout=0.2)
    pay_server.delay_next(0.6)
    with pytest.raises(ProviderError, match="did not answer") as failed:
        await pay.create(account, payment_request())
    assert failed.value.ambiguous and failed.value.status is None

    for _ in range(50):  # the server finishes the request the client gave up on
        if pay_server.payment_ids:
            break
        await asyncio.sleep(0.05)
    assert len(pay_server.payment_ids) == 1


async def test_a_slow_answer_within_the_timeout_is_fine(account: Account, pay_server: PayServer) -> None:
    pay_server.delay_next(0.1)
    snapshot = await GovukPay(timeout=2.0).create(account, payment_request())
    assert snapshot.state is PaymentState.CREATED


async def test_rate_limiting_is_a_429(pay: GovukPay, account: Account, pay_server: PayServer) -> None:
    pay_server.fail_next(429)
    with pytest.raises(ProviderError, match="P0900") as limited:
        await pay.get(account, "abc123")
    assert limited.value.status == 429 and not limited.value.ambiguous


async def test_an_unreachable_pay_is_not_ambiguous(pay: GovukPay) -> None:
    port = free_port()  # a port nothing listens on
    account = Account(provider="govuk_pay", api_key="api_test_x", base_url=f"http://127.0.0.1:{port}")
    with pytest.raises(ProviderError, match="could not be reached") as failed:
        await pay.create(account, payment_request())
    assert not failed.value.ambiguous and failed.value.status is None


async def test_an_injected_client_is_used_and_left_open(account: Account, pay_server: PayServer) -> None:
    async with client(headers={"User-Agent": "borough-test"}) as shared:
        pay = GovukPay(client=shared)
        created = await pay.create(account, payment_request())
        await pay.get(account, created.provider_payment_id)
        assert not shared.is_closed
    assert all(call.headers["user-agent"] == "borough-test" for call in pay_server.requests)


async def test_the_local_server_answers_missing_fields_like_pay(pay_server: PayServer) -> None:
    async with client(headers={"Authorization": f"Bearer {pay_server.api_key}"}) as raw:
        missing = await raw.post(f"{pay_server.url}/v1/payments",
                                 json={"reference": "R", "description": "D", "return_url": "https://x.example"})
        garbled = await raw.post(f"{pay_server.url}/v1/payments", content=b"{not json")
    assert missing.status_code == 400
    assert missing.json() == {"field": "amount", "code": "P0101", "description": "Missing mandatory attribute: amount"}
    assert garbled.status_code == 400 and garbled.json()["code"] == "P0197"


# -- search ---------------------------------------------------------------------------

NOON = datetime(2025, 3, 3, 12, 0, tzinfo=UTC)


async def test_list_payments_follows_pages_of_500(pay: GovukPay, account: Account, pay_server: PayServer) -> None:
    inside = {pay_server.add_payment(100 + n, created=NOON + timedelta(seconds=n)) for n in range(501)}
    pay_server.add_payment(created=NOON - timedelta(seconds=1))  # before the period
    pay_server.add_payment(created=NOON + timedelta(hours=1))  # at its end: to_date is exclusive
    pay_server.requests.clear()

    listed = await pay.list_payments(account, NOON, NOON + timedelta(hours=1))

    assert {snapshot.provider_payment_id for snapshot in listed} == inside
    assert [call.params for call in pay_server.requests] == [
        {"from_date": "2025-03-03T12:00:00Z", "to_date": "2025-03-03T13:00:00Z", "display_size": "500",
         "page": str(page)}
        for page in (1, 2)
    ]
    assert all(call.path == "/v1/payments" and call.method == "GET" for call in pay_server.requests)


async def test_list_payments_maps_states_and_hides_next_urls(account: Account, pay_server: PayServer) -> None:
    expected = {"created": PaymentState.CREATED, "success": PaymentState.SUCCEEDED, "failed": PaymentState.FAILED,
                "cancelled": PaymentState.CANCELLED, "capturable": PaymentState.AUTHORISED}
    ids = {pay_server.add_payment(created=NOON + timedelta(minutes=n), status=status): state
           for n, (status, state) in enumerate(expected.items())}

    listed = await GovukPay(page_size=2).list_payments(account, NOON, NOON + timedelta(days=1))

    assert len(pay_server.requests) == 3  # 5 payments, 2 a page
    assert {snapshot.provider_payment_id: snapshot.state for snapshot in listed} == ids
    assert all(snapshot.next_url is None for snapshot in listed)


async def test_an_empty_period_is_one_request(pay: GovukPay, account: Account, pay_server: PayServer) -> None:
    assert await pay.list_payments(account, NOON, NOON + timedelta(hours=1)) == []
    assert len(pay_server.requests) == 1


async def test_search_bounds_are_utc_seconds(pay: GovukPay, account: Account, pay_server: PayServer) -> None:
    london_summer = datetime(2025, 7, 1, 9, 30, 15, 250_000, tzinfo=UTC).astimezone(ZoneInfo("Europe/London"))
    await pay.list_payments(account, london_summer, london_summer)
    params = pay_server.requests[-1].params
    assert (params["from_date"], params["to_date"]) == ("2025-07-01T09:30:15Z", "2025-07-01T09:30:16Z")


# -- webhooks -------------------------------------------------------------------------


@pytest.fixture
def receiver() -> Iterator[Callable[[Account], AbstractContextManager[tuple[str, list[Event]]]]]:
    """A council-side endpoint that checks Pay webhooks with `verify_webhook` on the raw body."""

    @contextmanager
    def start(account: Account) -> Iterator[tuple[str, list[Event]]]:
        received: list[Event] = []

        async def webhook(request: Request) -> JSONResponse:
            try:
                events = GovukPay().verify_webhook(account, dict(request.headers), await request.body())
            except WebhookRefused as refused:
                return JSONResponse({"refused": str(refused)}, status_code=400)
            received.extend(events)
            return JSONResponse({"ok": len(events)})

        with serving(Starlette(routes=[Route(WEBHOOK_PATH, webhook, methods=["POST"])])) as url:
            yield url + WEBHOOK_PATH, received

    yield start


async def test_a_signed_webhook_is_accepted(pay: GovukPay, account: Account, pay_server: PayServer,
                                            receiver: Callable[[Account], AbstractContextManager[
                                                tuple[str, list[Event]]]]) -> None:
    payment_id = await paid(pay, account, pay_server)
    with receiver(account) as (url, received):
        answer = await pay_server.send_webhook(url, payment_id, "card_payment_captured", message_id="msg-0001")
    assert answer.status_code == 200
    assert received == [Event(event_id="msg-0001", provider_payment_id=payment_id, kind="card_payment_captured")]


async def test_a_webhook_signed_with_another_secret_is_refused(pay: GovukPay, account: Account, pay_server: PayServer,
                                                               receiver: Callable[[Account], AbstractContextManager[
                                                                   tuple[str, list[Event]]]]) -> None:
    payment_id = await paid(pay, account, pay_server)
    with receiver(account) as (url, received):
        answer = await pay_server.send_webhook(url, payment_id, secret="webhook_someone_elses_secret")
    assert answer.status_code == 400 and "does not match" in answer.json()["refused"]
    assert received == []


async def test_a_tampered_body_is_refused(pay: GovukPay, account: Account, pay_server: PayServer,
                                          receiver: Callable[[Account], AbstractContextManager[
                                              tuple[str, list[Event]]]]) -> None:
    payment_id = await paid(pay, account, pay_server)
    body = pay_server.webhook_body(payment_id, "card_payment_succeeded")
    signature = pay_signature(body, pay_server.webhook_secret)
    tampered = body.replace(b'"amount": 14500', b'"amount": 1')
    assert tampered != body
    with receiver(account) as (url, received):
        answer = await post_webhook(url, tampered, signature)
        genuine = await post_webhook(url, body, signature)
    assert answer.status_code == 400 and genuine.status_code == 200 and len(received) == 1


async def test_a_webhook_without_a_signature_is_refused(pay: GovukPay, account: Account, pay_server: PayServer,
                                                        receiver: Callable[[Account], AbstractContextManager[
                                                            tuple[str, list[Event]]]]) -> None:
    payment_id = await paid(pay, account, pay_server)
    with receiver(account) as (url, received):
        answer = await post_webhook(url, pay_server.webhook_body(payment_id), None)
    assert answer.status_code == 400 and "missing" in answer.json()["refused"]
    assert received == []


@pytest.mark.parametrize("body", [b"not json at all", b"[1, 2, 3]", b"\xff\xfe\x00",
                                  b'{"webhook_message_id": "m1", "event_type": "card_payment_succeeded"}',
                                  b'{"webhook_message_id": "m1", "resource_id": "../x", "event_type": "e"}'],
                         ids=["text", "array", "not-utf8", "no-resource-id", "hostile-resource-id"])
async def test_a_correctly_signed_body_that_is_not_a_pay_message_is_refused(
        account: Account, body: bytes,
        receiver: Callable[[Account], AbstractContextManager[tuple[str, list[Event]]]]) -> None:
    with receiver(account) as (url, received):
        answer = await post_webhook(url, body, pay_signature(body, account.webhook_secret))
    assert answer.status_code == 400 and received == []


async def test_during_rotation_either_secret_is_accepted(pay: GovukPay, account: Account, pay_server: PayServer,
                                                         receiver: Callable[[Account], AbstractContextManager[
                                                             tuple[str, list[Event]]]]) -> None:
    payment_id = await paid(pay, account, pay_server)
    rotating = Account(provider="govuk_pay", api_key=account.api_key, base_url=account.base_url,
                       webhook_secret="webhook_old_secret, webhook_new_secret")
    with receiver(rotating) as (url, received):
        old = await pay_server.send_webhook(url, payment_id, secret="webhook_old_secret", message_id="m-old")
        new = await pay_server.send_webhook(url, payment_id, secret="webhook_new_secret", message_id="m-new")
        neither = await pay_server.send_webhook(url, payment_id, secret="webhook_retired_secret")
    assert (old.status_code, new.status_code, neither.status_code) == (200, 200, 400)
    assert [event.event_id for event in received] == ["m-old", "m-new"]


def test_verify_webhook_directly() -> None:
    pay = GovukPay()
    body = json.dumps({"webhook_message_id": "m1", "resource_id": "abc123", "event_type": "card_payment_failed",
                       "resource_type": "payment"}).encode()
    signature = pay_signature(body, "s3cret")
    account = Account(provider="govuk_pay", webhook_secret="s3cret")

    expected = [Event(event_id="m1", provider_payment_id="abc123", kind="card_payment_failed")]
    assert pay.verify_webhook(account, {"Pay-Signature": signature}, body) == expected
    assert pay.verify_webhook(account, {"pay-signature": signature.upper()}, body) == expected
    with pytest.raises(WebhookRefused, match="not a hex"):
        pay.verify_webhook(account, {"pay-signature": "sha256=" + signature}, body)
    with pytest.raises(WebhookRefused, match=r"no GOV\.UK Pay webhook signing secret"):
        pay.verify_webhook(Account(provider="govuk_pay", webhook_secret=" , "), {"pay-signature": signature}, body)
    other = json.dumps({"webhook_message_id": "m2", "resource_id": "r1", "event_type": "x",
                        "resource_type": "agreement"}).encode()
    assert pay.verify_webhook(account, {"pay-signature": pay_signature(other, "s3cret")}, other) == []
