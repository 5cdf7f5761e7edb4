"""Stripe Checkout behind the provider interface: a small REST client, no SDK.

Every request is form-encoded with Stripe's bracket notation, authenticated with the
council's secret key as a bearer token, and every POST carries an `Idempotency-Key`, so a
retry with the same key returns Stripe's stored answer rather than acting twice.

One Borough payment is one Checkout Session: its id is the provider payment id. What the
session and its PaymentIntent say is turned into a canonical state by one table,
`STATE_TABLE`, read by `stripe_state`.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
import ssl
import time
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlencode

import httpx2 as httpx

from runtime.core.payments import FailureReason, PaymentState, RefundState
from runtime.payments.base import (
    Account,
    Capabilities,
    Event,
    PaymentRequest,
    ProviderError,
    RefundResult,
    Snapshot,
    WebhookRefused,
)

DEFAULT_BASE_URL = "https://api.stripe.com"
DEFAULT_TIMEOUT = httpx.Timeout(10.0, connect=5.0)

# Stripe accepts expires_at from 30 minutes after the session is created. The clock here
# and Stripe's are not the same clock, and the request takes time, so ask for a little more;
# and round up to a 5-minute grid, so a retry with the same idempotency key a little later
# sends the same parameters (Stripe refuses a key reused with different ones).
SESSION_LIFETIME = 30 * 60 + 120
EXPIRY_GRID = 5 * 60
# How far back a create retried after Stripe refused its key looks for the session it made:
# Stripe keeps idempotency keys for at least 24 hours.
RECOVERY_WINDOW = 24 * 3600 + 600
WEBHOOK_TOLERANCE = 300  # seconds either side of now, as Stripe's own libraries
SIGNATURE_HEADER = "stripe-signature"
REFUND_KEY_METADATA = "borough_idempotency_key"

# Stripe's limits on metadata and client_reference_id, checked before anything is sent.
METADATA_KEYS = 50
METADATA_KEY_LENGTH = 40
METADATA_VALUE_LENGTH = 500
REFERENCE_LENGTH = 200

# Borough language → Stripe Checkout locale. Stripe has no Welsh: "auto" lets the page
# follow the browser instead.
LOCALES = {"en": "en-GB"}

SESSION_STATUSES = frozenset({"open", "complete", "expired"})
PAYMENT_STATUSES = frozenset({"paid", "unpaid", "no_payment_required"})
# "" stands for a session with no PaymentIntent yet (Stripe makes one when the payer submits).
INTENT_STATUSES = frozenset({
    "", "requires_payment_method", "requires_confirmation", "requires_action", "processing",
    "requires_capture", "canceled", "succeeded",
})

ANY = "*"
S, R = PaymentState, FailureReason

# The one mapping from Stripe to canonical states. Rows are tried in order; the first whose
# (session status, payment_status, PaymentIntent status) matches wins. Every combination of
# the three known value sets matches some row; unknown values are refused, never guessed.
STATE_TABLE: tuple[tuple[str, str, str, PaymentState, FailureReason | None], ...] = (
    # session    payment_status         intent                     state          reason
    ("expired",  ANY,                   ANY,                       S.FAILED,      R.EXPIRED),
    (ANY,        ANY,                   "canceled",                S.CANCELLED,   R.SERVICE_CANCELLED),
    (ANY,        ANY,                   "requires_capture",        S.AUTHORISED,  None),
    # Money is only "paid" when Stripe says so and the PaymentIntent (if any) agrees.
    ("complete", "paid",                "succeeded",               S.SUCCEEDED,   None),
    ("complete", "paid",                "",                        S.SUCCEEDED,   None),
    # Borough never makes free sessions: nothing was charged, and a person should look.
    ("complete", "no_payment_required", ANY,                       S.ERROR,       R.PROVIDER_ERROR),
    # A delayed method (Bacs, bank transfer) that failed after the session completed.
    ("complete", "unpaid",              "requires_payment_method", S.FAILED,      R.DECLINED),
    # Completed but the money is not there yet (delayed methods), or Stripe's two records
    # disagree for a moment: not final, so the next look decides.
    ("complete", ANY,                   ANY,                       S.AUTHORISED,  None),
    # The payer is on (or may return to) Stripe's page; a declined card can be retried there.
    ("open",     ANY,                   ANY,                       S.IN_PROGRESS, None),
)


def stripe_state(status: str, payment_status: str, intent_status: str = "",
                 ) -> tuple[PaymentState, FailureReason | None]:
    """The canonical state and failure reason for what Stripe says about one session."""
    if (status not in SESSION_STATUSES or payment_status not in PAYMENT_STATUSES
            or intent_status not in INTENT_STATUSES):
        raise ProviderError(
            f"Stripe reported a state Borough does not know: session {status!r}, "
            f"payment_status {payment_status!r}, payment intent {intent_status!r}")
    for row_status, row_paid, row_intent, state, reason in STATE_TABLE:
        if (row_status in (ANY, status) and row_paid in (ANY, payment_status)
                and row_intent in (ANY, intent_status)):
            return state, reason
    raise AssertionError(f"STATE_TABLE has no row for {status}/{payment_status}/{intent_status}")


def encode_form(params: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Stripe's form encoding: nested mappings and lists in bracket notation, booleans as
    true/false, None left out. `{"a": [{"b": 1}]}` becomes `a[0][b]=1`."""
    return list(_flatten(params, ""))


def _flatten(value: Any, prefix: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, Mapping):
        for key, item in value.items():
            yield from _flatten(item, f"{prefix}[{key}]" if prefix else str(key))
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from _flatten(item, f"{prefix}[{index}]")
    elif isinstance(value, bool):
        yield prefix, "true" if value else "false"
    elif value is not None:
        yield prefix, str(value)


class StripeError(ProviderError):
    """An error Stripe answered with, with its `type` and `code` (e.g. "idempotency_error")."""

    def __init__(self, message: str, *, ambiguous: bool, status: int, type: str = "",
                 code: str = "") -> None:
        super().__init__(message, ambiguous=ambiguous, status=status)
        self.type = type
        self.code = code


class StripeCheckout:
    """Stripe Checkout Sessions as a Borough payment provider."""

    id = "stripe"
    capabilities = Capabilities(refunds=True, delayed_capture=False, welsh=False,
                                minimum=30, maximum=99_999_999)

    def __init__(self, *, timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
                 clock: Callable[[], float] = time.time,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.timeout = timeout
        self.clock = clock
        self._transport = transport

    # -- the interface ---------------------------------------------------------------

    async def create(self, account: Account, request: PaymentRequest) -> Snapshot:
        _check_metadata(request.metadata)
        if len(request.reference) > REFERENCE_LENGTH:
            raise ProviderError(f"Stripe takes references of up to {REFERENCE_LENGTH} characters")
        params: dict[str, Any] = {
            "mode": "payment",
            "line_items": [{
                "quantity": 1,
                "price_data": {
                    "currency": "gbp",
                    "unit_amount": request.amount,
                    "product_data": {"name": request.description},
                },
            }],
            "client_reference_id": request.reference,
            "metadata": dict(request.metadata),
            # The PaymentIntent carries the reference too, so payouts and refunds can be
            # traced in Stripe's dashboard without the session.
            "payment_intent_data": {"metadata": {"borough_reference": request.reference}},
            "success_url": request.return_url,
            "cancel_url": request.cancel_url,
            "expires_at": -(-(int(self.clock()) + SESSION_LIFETIME) // EXPIRY_GRID) * EXPIRY_GRID,
            "locale": LOCALES.get(request.language, "auto"),
            "customer_email": request.email,
        }
        async with self._client(account) as client:
            try:
                session = await self._call(client, "POST", "/v1/checkout/sessions", data=params,
                                           idempotency_key=request.idempotency_key)
            except StripeError as error:
                if error.type != "idempotency_error":
                    raise
                # The key was used before with other parameters. If that made this very
                # payment (a retry in a later expiry slot), it is the answer; otherwise the
                # key really was reused for something else, and that is the caller's error.
                found = await self._made_before(client, request)
                if found is None:
                    raise
                session = found
        return self._snapshot(session)

    async def get(self, account: Account, provider_payment_id: str) -> Snapshot:
        async with self._client(account) as client:
            return self._snapshot(await self._session(client, provider_payment_id))

    async def resume(self, account: Account, provider_payment_id: str) -> str | None:
        return (await self.get(account, provider_payment_id)).next_url

    async def capture(self, account: Account, provider_payment_id: str) -> None:
        async with self._client(account) as client:
            session = await self._session(client, provider_payment_id)
            intent = _intent(session)
            status = intent.get("status") if intent else None
            if status == "succeeded":
                return  # captured already: capturing is idempotent here
            if intent is None or status != "requires_capture":
                raise ProviderError(
                    f"Stripe session {provider_payment_id} has nothing to capture "
                    f"(payment intent {status or 'missing'})")
            await self._call(client, "POST", f"/v1/payment_intents/{_path(intent['id'])}/capture",
                             idempotency_key=f"borough-capture-{intent['id']}")

    async def cancel(self, account: Account, provider_payment_id: str) -> None:
        """Stop a payment that has not been taken: expire an open session, or release an
        authorisation. Stripe then reports the session as expired (or the intent as
        cancelled); a paid session cannot be cancelled, only refunded."""
        async with self._client(account) as client:
            session = await self._session(client, provider_payment_id)
            intent = _intent(session)
            intent_status = intent.get("status") if intent else None
            if session.get("status") == "open":
                await self._call(client, "POST",
                                 f"/v1/checkout/sessions/{_path(provider_payment_id)}/expire",
                                 idempotency_key=f"borough-expire-{provider_payment_id}")
            elif intent is not None and intent_status == "requires_capture":
                await self._call(client, "POST", f"/v1/payment_intents/{_path(intent['id'])}/cancel",
                                 idempotency_key=f"borough-cancel-{intent['id']}")
            elif session.get("status") == "expired" or intent_status == "canceled":
                return  # already stopped
            else:
                raise ProviderError(
                    f"Stripe session {provider_payment_id} cannot be cancelled "
                    f"({session.get('status')}, {session.get('payment_status')}): refund it instead")

    async def refund(self, account: Account, provider_payment_id: str, amount: int, *,
                     expected_available: int, idempotency_key: str) -> RefundResult:
        if amount <= 0:
            raise ProviderError("A refund must be for at least 1p")
        async with self._client(account) as client:
            session = await self._session(client, provider_payment_id)
            intent = _intent(session)
            if intent is None or intent.get("status") != "succeeded":
                raise ProviderError(f"Stripe session {provider_payment_id} has no payment taken to refund")
            refunds = await self._list(client, "/v1/refunds", {"payment_intent": intent["id"]})
            for existing in refunds:
                # The same request made before (a retry after a timeout): its refund is the
                # answer, and it must not count against the amount the caller expected.
                if (existing.get("metadata") or {}).get(REFUND_KEY_METADATA) == idempotency_key:
                    if existing.get("amount") != amount:
                        raise ProviderError(
                            f"Refund key {idempotency_key!r} was used for a refund of "
                            f"{existing.get('amount')}p, not {amount}p")
                    return _refund_result(existing)
            refunded = sum(int(r.get("amount", 0)) for r in refunds
                           if r.get("status") not in ("failed", "canceled"))
            available = int(intent.get("amount_received", 0)) - refunded
            if available != expected_available:
                raise ProviderError(
                    f"Refund refused: Borough expected {expected_available}p still refundable on "
                    f"{provider_payment_id}, but Stripe has {available}p ({intent.get('amount_received')}p "
                    f"taken, {refunded}p already refunded in {len(refunds)} refund(s)). "
                    "Someone may have refunded it in Stripe's dashboard; check before trying again.")
            if amount > available:
                raise ProviderError(f"Refund of {amount}p is more than the {available}p still refundable")
            refund = await self._call(client, "POST", "/v1/refunds", idempotency_key=idempotency_key,
                                      data={"payment_intent": intent["id"], "amount": amount,
                                            "metadata": {REFUND_KEY_METADATA: idempotency_key}})
        return _refund_result(refund)

    def verify_webhook(self, account: Account, headers: dict[str, str], body: bytes, *,
                       now: float | None = None) -> list[Event]:
        secrets = [s.strip() for s in account.webhook_secret.split(",") if s.strip()]
        if not secrets:
            raise WebhookRefused("No Stripe webhook secret is set for this account")
        header = next((v for k, v in headers.items() if k.lower() == SIGNATURE_HEADER), None)
        if header is None:
            raise WebhookRefused("No Stripe-Signature header")
        timestamp, signatures = _parse_signature(header)
        current = self.clock() if now is None else now
        if abs(current - timestamp) > WEBHOOK_TOLERANCE:
            raise WebhookRefused(
                f"Stripe-Signature timestamp is {int(current - timestamp)} s from now "
                f"(more than {WEBHOOK_TOLERANCE} s)")
        signed = str(timestamp).encode() + b"." + body
        expected = [hmac.new(s.encode(), signed, hashlib.sha256).hexdigest().encode() for s in secrets]
        # Every pair is compared, so the time taken does not tell which one matched.
        matched = False
        for candidate in signatures:
            for digest in expected:
                matched |= hmac.compare_digest(digest, candidate)
        if not matched:
            raise WebhookRefused("No Stripe-Signature v1 value matches a webhook secret")
        try:
            event = json.loads(body)
        except (ValueError, UnicodeDecodeError) as error:
            raise WebhookRefused("The webhook body is not JSON") from error
        if not isinstance(event, dict):
            raise WebhookRefused("The webhook body is not a Stripe event")
        event_id, kind = event.get("id"), event.get("type")
        if not isinstance(event_id, str) or not isinstance(kind, str) or not event_id:
            raise WebhookRefused("The webhook body has no event id or type")
        if not kind.startswith("checkout.session."):
            return []
        data = event.get("data")
        obj = data.get("object") if isinstance(data, dict) else None
        session_id = obj.get("id") if isinstance(obj, dict) else None
        if not isinstance(session_id, str) or not session_id:
            raise WebhookRefused(f"The {kind} event names no Checkout Session")
        return [Event(event_id=event_id, provider_payment_id=session_id, kind=kind)]

    async def list_payments(self, account: Account, since: datetime, until: datetime) -> list[Snapshot]:
        query = {
            "created": {"gte": _epoch(since), "lte": _epoch(until)},
            "expand": ["data.payment_intent", "data.payment_intent.latest_charge"],
        }
        async with self._client(account) as client:
            sessions = await self._list(client, "/v1/checkout/sessions", query)
        return [self._snapshot(session) for session in sessions]

    async def _made_before(self, client: httpx.AsyncClient,
                           request: PaymentRequest) -> dict[str, Any] | None:
        now = int(self.clock())
        sessions = await self._list(client, "/v1/checkout/sessions", {
            "created": {"gte": now - RECOVERY_WINDOW, "lte": now + 600},
            "expand": ["data.payment_intent", "data.payment_intent.latest_charge"],
        })
        return next((s for s in sessions if s.get("client_reference_id") == request.reference
                     and s.get("amount_total") == request.amount
                     and s.get("success_url") == request.return_url), None)

    # -- the REST client ---------------------------------------------------------------

    @asynccontextmanager
    async def _client(self, account: Account) -> AsyncIterator[httpx.AsyncClient]:
        if not account.api_key:
            raise ProviderError("No Stripe secret key is set for this account")
        async with httpx.AsyncClient(
            base_url=(account.base_url or DEFAULT_BASE_URL).rstrip("/"),
            headers={"Authorization": f"Bearer {account.api_key}", "Accept": "application/json"},
            timeout=self.timeout, transport=self._transport, verify=_ssl_context(),
        ) as client:
            yield client

    async def _session(self, client: httpx.AsyncClient, session_id: str) -> dict[str, Any]:
        return await self._call(client, "GET", f"/v1/checkout/sessions/{_path(session_id)}",
                                params={"expand": ["payment_intent", "payment_intent.latest_charge"]})

    async def _list(self, client: httpx.AsyncClient, path: str,
                    query: Mapping[str, Any]) -> list[dict[str, Any]]:
        """Every object of a list endpoint, following `has_more` page by page."""
        items: list[dict[str, Any]] = []
        after: str | None = None
        while True:
            page = await self._call(client, "GET", path,
                                    params={**query, "limit": 100, "starting_after": after})
            data = page.get("data")
            if not isinstance(data, list):
                raise ProviderError(f"Stripe's list {path} has no data")
            items.extend(data)
            if not page.get("has_more") or not data:
                return items
            after = str(data[-1]["id"])

    async def _call(self, client: httpx.AsyncClient, method: str, path: str, *,
                    params: Mapping[str, Any] | None = None, data: Mapping[str, Any] | None = None,
                    idempotency_key: str | None = None) -> dict[str, Any]:
        headers: dict[str, str] = {}
        content: bytes | None = None
        if method == "POST":
            if not idempotency_key:
                raise ProviderError(f"POST {path} needs an idempotency key")
            headers["Idempotency-Key"] = idempotency_key
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            content = urlencode(encode_form(data or {})).encode()
        label = f"Stripe {method} {path}"
        try:
            response = await client.request(method, path, headers=headers, content=content,
                                             params=urlencode(encode_form(params or {})))
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as error:
            # Never sent, so nothing happened at Stripe.
            raise ProviderError(f"{label}: could not connect ({type(error).__name__})") from error
        except httpx.TimeoutException as error:
            raise ProviderError(f"{label}: no answer in time; it may have taken effect",
                                ambiguous=True) from error
        except httpx.TransportError as error:
            raise ProviderError(f"{label}: connection failed ({type(error).__name__}); "
                                "it may have taken effect", ambiguous=True) from error
        try:
            payload = response.json()
        except ValueError:
            payload = None
        status = response.status_code
        if status >= 400 or not isinstance(payload, dict):
            raise _error(label, status, payload)
        return payload

    # -- reading Stripe's objects -------------------------------------------------------

    def _snapshot(self, session: Mapping[str, Any]) -> Snapshot:
        intent = _intent(session)
        intent_status = str(intent.get("status") or "") if intent else ""
        status = str(session.get("status"))
        payment_status = str(session.get("payment_status"))
        state, reason = stripe_state(status, payment_status, intent_status)
        charge = intent.get("latest_charge") if intent else None
        card: Mapping[str, Any] = {}
        refundable = None
        if isinstance(charge, dict):
            card = (charge.get("payment_method_details") or {}).get("card") or {}
            if state is PaymentState.SUCCEEDED:
                refundable = int(charge.get("amount_captured", 0)) - int(charge.get("amount_refunded", 0))
        created = session.get("created")
        raw = f"{status}/{payment_status}" + (f"/{intent_status}" if intent_status else "")
        return Snapshot(
            provider_payment_id=str(session["id"]),
            state=state,
            amount=int(session.get("amount_total") or 0),
            reason=reason,
            next_url=session.get("url") if status == "open" else None,
            card_brand=card.get("brand"),
            last_four=card.get("last4"),
            refundable=refundable,
            created_at=datetime.fromtimestamp(created, UTC) if isinstance(created, int) else None,
            raw_status=raw,
        )


@functools.cache
def _ssl_context() -> ssl.SSLContext:
    """One TLS context for every client: building one reads the CA bundle (~0.5 s)."""
    return httpx.create_ssl_context()


def _intent(session: Mapping[str, Any]) -> dict[str, Any] | None:
    """The session's PaymentIntent when Stripe expanded it; None when there is none yet."""
    intent = session.get("payment_intent")
    return intent if isinstance(intent, dict) else None


def _refund_result(refund: Mapping[str, Any]) -> RefundResult:
    status = refund.get("status")
    state = {"succeeded": RefundState.SUCCEEDED, "failed": RefundState.FAILED,
             "canceled": RefundState.FAILED}.get(str(status), RefundState.PENDING)
    return RefundResult(provider_refund_id=str(refund["id"]), state=state, amount=int(refund["amount"]))


def _error(label: str, status: int, payload: Any) -> StripeError:
    detail = payload.get("error") if isinstance(payload, dict) else None
    kind = code = ""
    if isinstance(detail, dict):
        kind, code = str(detail.get("type") or ""), str(detail.get("code") or "")
        names = "/".join(n for n in (kind, code) if n)
        message = f"{label}: {status} {names}: {detail.get('message', '')}".rstrip(": ")
    else:
        message = f"{label}: {status} with no Stripe error in the body"
    # 5xx may have acted (Stripe even stores it for the key); 409 is the same key still
    # being worked on; a 2xx we cannot read may have acted too.
    ambiguous = status >= 500 or status == 409 or status < 400
    return StripeError(message, ambiguous=ambiguous, status=status, type=kind, code=code)


def _check_metadata(metadata: Mapping[str, str]) -> None:
    if len(metadata) > METADATA_KEYS:
        raise ProviderError(f"Stripe takes up to {METADATA_KEYS} metadata keys")
    for key, value in metadata.items():
        if len(key) > METADATA_KEY_LENGTH or "[" in key or "]" in key:
            raise ProviderError(f"Stripe refuses the metadata key {key!r}")
        if len(value) > METADATA_VALUE_LENGTH:
            raise ProviderError(f"Stripe takes metadata values of up to {METADATA_VALUE_LENGTH} characters")


def _parse_signature(header: str) -> tuple[int, list[bytes]]:
    timestamp: int | None = None
    signatures: list[bytes] = []
    for item in header.split(","):
        key, sep, value = item.strip().partition("=")
        if not sep:
            continue
        if key == "t":
            if timestamp is not None or not value.isascii() or not value.isdigit():
                raise WebhookRefused("Stripe-Signature has a bad timestamp")
            timestamp = int(value)
        elif key == "v1":
            signatures.append(value.encode("utf-8", "replace"))
    if timestamp is None:
        raise WebhookRefused("Stripe-Signature has no timestamp")
    if not signatures:
        raise WebhookRefused("Stripe-Signature has no v1 signature")
    return timestamp, signatures


def _epoch(moment: datetime) -> int:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp())


def _path(identifier: str) -> str:
    return quote(identifier, safe="")

