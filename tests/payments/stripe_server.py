"""A local server that speaks the part of Stripe's API Borough uses, for tests.

`FakeStripe` keeps Checkout Sessions, PaymentIntents, charges and refunds in memory and
answers like Stripe: form-encoded requests in bracket notation, bearer keys, JSON objects,
`{"error": {...}}` bodies, `has_more` lists, `expand[]`, and idempotency keys (the same
key and parameters give the stored answer, 5xx included; the same key with other
parameters is an `idempotency_error`). Its methods are the test controls: finish a
session paid, unpaid or authorised, decline a card, expire, fail or slow the next call,
and send signed webhook events. `serve(app)` runs any ASGI app with uvicorn on a free
port of 127.0.0.1 in a background thread: a real TCP server.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import html
import itertools
import json
import re
import secrets
import socket
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import httpx2 as httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

API_KEY = "sk_test_borough_fake"
WEBHOOK_SECRET = "whsec_borough_current"  # the endpoint's signing secret
OLD_WEBHOOK_SECRET = "whsec_borough_previous"  # the one being rolled away
LOCALES = frozenset({
    "auto", "bg", "cs", "da", "de", "el", "en", "en-GB", "es", "es-419", "et", "fi", "fil", "fr",
    "fr-CA", "hr", "hu", "id", "it", "ja", "ko", "lt", "lv", "ms", "mt", "nb", "nl", "pl", "pt",
    "pt-BR", "ro", "ru", "sk", "sl", "sv", "th", "tr", "vi", "zh", "zh-HK", "zh-TW",
})
SESSION_PARAMS = frozenset({
    "mode", "line_items", "client_reference_id", "metadata", "success_url", "cancel_url",
    "expires_at", "locale", "customer_email", "payment_intent_data", "expand",
})
CANCELLABLE = frozenset({"requires_payment_method", "requires_capture", "requires_confirmation",
                         "requires_action", "processing"})


class StripeError(Exception):
    def __init__(self, status: int, message: str, *, type: str = "invalid_request_error",
                 code: str | None = None, param: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.body: dict[str, Any] = {"error": {"type": type, "message": message}}
        if code:
            self.body["error"]["code"] = code
        if param:
            self.body["error"]["param"] = param


@dataclass
class Received:
    """One request as the server saw it: the raw form pairs, before any parsing."""

    method: str
    path: str
    query: list[tuple[str, str]]
    form: list[tuple[str, str]]
    headers: dict[str, str]

    @property
    def fields(self) -> dict[str, str]:
        return dict(self.form)


@dataclass
class Fault:
    status: int | None = None  # answer with this instead
    after_effect: bool = False  # act first, then answer with `status`
    delay: float = 0.0  # act, then wait this long before answering


@dataclass
class FakeStripe:
    api_key: str = API_KEY
    clock: Callable[[], float] = time.time
    url: str = ""  # set by the fixture once served
    refund_status: str = "succeeded"  # what new refunds report
    objects: dict[str, dict[str, Any]] = field(default_factory=dict)
    requests: list[Received] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)
    _stored: dict[str, tuple[Any, int, dict[str, Any]]] = field(default_factory=dict)
    _lock: threading.RLock = field(default_factory=threading.RLock)
    _ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def __post_init__(self) -> None:
        self.app = Starlette(routes=[
            Route("/pay/{session_id}", self._checkout_page, methods=["GET", "POST"]),
            Route("/v1/{path:path}", self._api, methods=["GET", "POST", "DELETE"]),
        ])

    # -- test controls -------------------------------------------------------------

    def fail_next(self, status: int = 500, *, after_effect: bool = False) -> None:
        """The next API call answers `status` (with Stripe's error body); with `after_effect`
        it acts first, as when Stripe fails after doing the work."""
        with self._lock:
            self.faults.append(Fault(status=status, after_effect=after_effect))

    def slow_next(self, seconds: float) -> None:
        """The next API call acts, then waits `seconds` before answering."""
        with self._lock:
            self.faults.append(Fault(delay=seconds))

    def sessions(self) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(o) for o in self.objects.values() if o["object"] == "checkout.session"]

    def session(self, session_id: str) -> dict[str, Any]:
        with self._lock:
            return dict(self.objects[session_id])

    def received(self, method: str | None = None, path: str | None = None) -> list[Received]:
        with self._lock:
            return [r for r in self.requests
                    if (method is None or r.method == method) and (path is None or r.path == path)]

    def complete(self, session_id: str, outcome: str = "paid", *,
                 card: tuple[str, str] = ("visa", "4242")) -> None:
        """The payer finishes the Checkout page. `paid`: money taken. `processing`: a
        delayed method (Bacs) still clearing. `authorised`: a manual-capture hold."""
        with self._lock:
            session = self._open_session(session_id)
            amount = session["amount_total"]
            intent = self._intent_for(session)
            charge = self._new("ch", {
                "object": "charge", "amount": amount, "amount_captured": 0, "amount_refunded": 0,
                "captured": False, "refunded": False, "currency": "gbp", "payment_intent": intent["id"],
                "status": "pending", "payment_method_details": {
                    "type": "card", "card": {"brand": card[0], "last4": card[1]}},
            })
            intent["latest_charge"] = charge["id"]
            intent["last_payment_error"] = None
            session.update(status="complete", url=None)
            if outcome == "paid":
                intent.update(status="succeeded", amount_received=amount)
                charge.update(status="succeeded", captured=True, amount_captured=amount)
                session["payment_status"] = "paid"
            elif outcome == "processing":
                intent["status"] = "processing"
                charge["payment_method_details"] = {"type": "bacs_debit", "bacs_debit": {"last4": card[1]}}
            elif outcome == "authorised":
                intent.update(status="requires_capture", capture_method="manual", amount_capturable=amount)
                charge["status"] = "succeeded"
            else:
                raise ValueError(f"unknown outcome {outcome!r}")

    def decline(self, session_id: str) -> None:
        """The payer's card is declined: the session stays open for another try."""
        with self._lock:
            intent = self._intent_for(self._open_session(session_id))
            intent.update(status="requires_payment_method",
                          last_payment_error={"code": "card_declined", "decline_code": "generic_decline"})

    def settle(self, session_id: str, succeeded: bool = True) -> None:
        """A delayed payment clears (async_payment_succeeded) or fails (…_failed)."""
        with self._lock:
            session = self.objects[session_id]
            intent = self.objects[session["payment_intent"]]
            charge = self.objects[intent["latest_charge"]]
            if intent["status"] != "processing":
                raise ValueError(f"{session_id} is not processing")
            if succeeded:
                intent.update(status="succeeded", amount_received=intent["amount"])
                charge.update(status="succeeded", captured=True, amount_captured=intent["amount"])
                session["payment_status"] = "paid"
            else:
                intent.update(status="requires_payment_method",
                              last_payment_error={"code": "debit_not_authorized"})
                charge["status"] = "failed"

    def expire(self, session_id: str) -> None:
        """The session reaches expires_at unpaid."""
        with self._lock:
            self._expire(self._open_session(session_id))

    def force(self, session_id: str, *, status: str | None = None, payment_status: str | None = None,
              intent_status: str | None = None) -> None:
        """Set raw values, to reach states the controls above do not (or Stripe should not)."""
        with self._lock:
            session = self.objects[session_id]
            if status is not None:
                session["status"] = status
                session["url"] = f"{self.url}/pay/{session_id}" if status == "open" else None
            if payment_status is not None:
                session["payment_status"] = payment_status
            if intent_status is not None:
                self._intent_for(session)["status"] = intent_status

    def seed_sessions(self, count: int, *, created: int, amount: int = 1000) -> list[str]:
        """`count` sessions made directly (no requests), all created at `created`."""
        with self._lock:
            return [self._new_session({"amount_total": amount, "client_reference_id": f"seed-{n}",
                                       "created": created})["id"] for n in range(count)]

    def event(self, kind: str, session_id: str, *, event_id: str | None = None) -> bytes:
        """The body Stripe would send for `kind` about the session as it is now."""
        with self._lock:
            obj = self._expand(self.objects[session_id], [])
            return json.dumps({
                "id": event_id or f"evt_{secrets.token_hex(12)}", "object": "event",
                "api_version": "2025-03-31.basil", "created": int(self.clock()), "livemode": False,
                "type": kind, "data": {"object": obj}, "pending_webhooks": 1,
            }).encode()

    async def send_event(self, url: str, body: bytes, *, secret: str | Sequence[str],
                         timestamp: int | None = None, tamper: bool = False) -> httpx.Response:
        """POST `body` to `url` signed as Stripe signs: one v1 per secret (several while a
        secret is being rolled). A stale `timestamp`, a wrong secret or `tamper` (the body
        changes after signing) make deliberately bad deliveries."""
        header = sign(body, secret, int(self.clock()) if timestamp is None else timestamp)
        if tamper:
            body = body.replace(b'"complete"', b'"expired"', 1) + b" "
        async with httpx.AsyncClient(timeout=5, verify=False) as client:
            return await client.post(url, content=body, headers={
                "Stripe-Signature": header, "Content-Type": "application/json; charset=utf-8",
                "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)"})

    # -- the API -------------------------------------------------------------------

    async def _api(self, request: Request) -> Response:
        body = (await request.body()).decode()
        form = parse_qsl(body, keep_blank_values=True)
        query = parse_qsl(request.url.query, keep_blank_values=True)
        received = Received(request.method, request.url.path, query, form,
                            {k.lower(): v for k, v in request.headers.items()})
        key = received.headers.get("idempotency-key")
        with self._lock:
            self.requests.append(received)
            fault = self.faults.pop(0) if self.faults else Fault()
        try:
            if received.headers.get("authorization") != f"Bearer {self.api_key}":
                given = received.headers.get("authorization", "").removeprefix("Bearer ")
                raise StripeError(401, f"Invalid API Key provided: {given[:8]}****{given[-4:]}"
                                  if given else "You did not provide an API key.")
            params = parse_params(form if request.method == "POST" else query)
            fingerprint = (request.method, request.url.path, params)
            if request.method == "POST" and key:
                with self._lock:
                    stored = self._stored.get(key)
                if stored is not None:
                    if stored[0] != fingerprint:
                        raise StripeError(400, "Keys for idempotent requests can only be used with the "
                                          "same parameters they were first used with. Try using a key "
                                          "other than '" + key + "' if you meant to execute a different "
                                          "request.", type="idempotency_error")
                    return JSONResponse(stored[2], stored[1], headers={"Idempotent-Replayed": "true"})
            if fault.status is not None and not fault.after_effect:
                status, payload = fault.status, _server_error()
            else:
                with self._lock:
                    status, payload = 200, self._route(request.method, request.url.path, params)
                if fault.status is not None:
                    status, payload = fault.status, _server_error()
            if request.method == "POST" and key:
                with self._lock:
                    self._stored[key] = (fingerprint, status, payload)
        except StripeError as error:
            status, payload = error.status, error.body
        if fault.delay:
            await asyncio.sleep(fault.delay)
        return JSONResponse(payload, status, headers={"Request-Id": f"req_{secrets.token_hex(7)}"})

    def _route(self, method: str, path: str, params: dict[str, Any]) -> dict[str, Any]:
        expand = params.get("expand", [])
        if not isinstance(expand, list):
            raise StripeError(400, "Invalid array", param="expand")
        for pattern, handler_method, handler in (
            (r"/v1/checkout/sessions", "POST", self._create_session),
            (r"/v1/checkout/sessions", "GET", self._list_sessions),
            (r"/v1/checkout/sessions/(?P<id>[^/]+)", "GET", self._get_session),
            (r"/v1/checkout/sessions/(?P<id>[^/]+)/expire", "POST", self._expire_session),
            (r"/v1/payment_intents/(?P<id>[^/]+)", "GET", self._get_intent),
            (r"/v1/payment_intents/(?P<id>[^/]+)/capture", "POST", self._capture_intent),
            (r"/v1/payment_intents/(?P<id>[^/]+)/cancel", "POST", self._cancel_intent),
            (r"/v1/refunds", "POST", self._create_refund),
            (r"/v1/refunds", "GET", self._list_refunds),
        ):
            match = re.fullmatch(pattern, path)
            if match and method == handler_method:
                result: dict[str, Any] = handler(params, **match.groupdict())
                if result.get("object") == "list":
                    return result
                return self._expand(result, expand)
        raise StripeError(404, f"Unrecognized request URL ({method}: {path}).")

    def _create_session(self, params: dict[str, Any]) -> dict[str, Any]:
        unknown = sorted(set(params) - SESSION_PARAMS)
        if unknown:
            raise StripeError(400, f"Received unknown parameter: {unknown[0]}", param=unknown[0])
        if params.get("mode") != "payment":
            raise StripeError(400, "This server only makes sessions in payment mode.", param="mode")
        if not params.get("success_url"):
            raise StripeError(400, "Missing required param: success_url.", param="success_url")
        items = params.get("line_items")
        if not isinstance(items, list) or not items:
            raise StripeError(400, "Missing required param: line_items.", param="line_items")
        total = 0
        for n, item in enumerate(items):
            price = item.get("price_data") if isinstance(item, dict) else None
            if not isinstance(price, dict) or price.get("currency") != "gbp":
                raise StripeError(400, "Each line item needs price_data in gbp.",
                                  param=f"line_items[{n}][price_data]")
            if not (price.get("product_data") or {}).get("name"):
                raise StripeError(400, "Missing required param: name.",
                                  param=f"line_items[{n}][price_data][product_data][name]")
            unit, quantity = _integer(price.get("unit_amount"), "unit_amount"), _integer(
                item.get("quantity"), "quantity")
            total += unit * quantity
        if total < 30:
            raise StripeError(400, "The Checkout Session's total amount due must add up to at least "
                              "£0.30 gbp", code="amount_too_small")
        if total > 99_999_999:
            raise StripeError(400, "Amount must be no more than £999,999.99", code="amount_too_large")
        now = int(self.clock())
        expires_at = _integer(params.get("expires_at", now + 86_400), "expires_at")
        if expires_at < now + 30 * 60:
            raise StripeError(400, "The `expires_at` timestamp must be at least 30 minutes from "
                              "Checkout Session creation.", param="expires_at")
        if expires_at > now + 24 * 3600:
            raise StripeError(400, "The `expires_at` timestamp must be less than 24 hours from "
                              "Checkout Session creation.", param="expires_at")
        locale = params.get("locale", "auto")
        if locale not in LOCALES:
            raise StripeError(400, f"Invalid locale: {locale}", param="locale")
        metadata = params.get("metadata", {})
        if metadata == "":
            metadata = {}
        _check_metadata(metadata)
        reference = params.get("client_reference_id")
        if reference is not None and len(reference) > 200:
            raise StripeError(400, "client_reference_id is too long", param="client_reference_id")
        intent_data = params.get("payment_intent_data", {})
        return self._new_session({
            "amount_subtotal": total, "amount_total": total, "cancel_url": params.get("cancel_url"),
            "client_reference_id": reference, "customer_email": params.get("customer_email"),
            "expires_at": expires_at, "locale": locale, "metadata": metadata,
            "success_url": params["success_url"], "line_items_sent": items,
            "payment_intent_data_sent": intent_data,
        })

    def _new_session(self, fields: dict[str, Any]) -> dict[str, Any]:
        session = self._new("cs_test", {
            "object": "checkout.session", "amount_subtotal": fields.get("amount_total"),
            "cancel_url": None, "client_reference_id": None, "created": int(self.clock()),
            "currency": "gbp", "customer_email": None, "expires_at": int(self.clock()) + 86_400,
            "livemode": False, "locale": None, "metadata": {}, "mode": "payment",
            "payment_intent": None, "payment_status": "unpaid", "status": "open",
            "success_url": "https://example.invalid/done", **fields,
        })
        session["url"] = f"{self.url}/pay/{session['id']}"
        return session

    def _get_session(self, params: dict[str, Any], id: str) -> dict[str, Any]:
        return self._find(id, "checkout.session")

    def _list_sessions(self, params: dict[str, Any]) -> dict[str, Any]:
        created = params.get("created", {})
        if not isinstance(created, dict):
            created = {"eq": created}
        bounds = {op: _integer(value, f"created[{op}]") for op, value in created.items()}
        sessions = [s for s in self.objects.values() if s["object"] == "checkout.session"
                    and _within(s["created"], bounds)]
        return self._page(sessions, params, "/v1/checkout/sessions")

    def _expire_session(self, params: dict[str, Any], id: str) -> dict[str, Any]:
        session = self._find(id, "checkout.session")
        if session["status"] != "open":
            raise StripeError(400, 'Only Checkout Sessions with a status in ["open"] can be expired.',
                              code="checkout_session_not_expirable")
        return self._expire(session)

    def _get_intent(self, params: dict[str, Any], id: str) -> dict[str, Any]:
        return self._find(id, "payment_intent")

    def _capture_intent(self, params: dict[str, Any], id: str) -> dict[str, Any]:
        intent = self._find(id, "payment_intent")
        if intent["status"] != "requires_capture":
            raise StripeError(400, "This PaymentIntent could not be captured because it has a status "
                              f"of {intent['status']}.", code="payment_intent_unexpected_state")
        intent.update(status="succeeded", amount_received=intent["amount"], amount_capturable=0)
        charge = self.objects[intent["latest_charge"]]
        charge.update(captured=True, amount_captured=intent["amount"])
        for session in self.objects.values():
            if session.get("payment_intent") == id:
                session["payment_status"] = "paid"
        return intent

    def _cancel_intent(self, params: dict[str, Any], id: str) -> dict[str, Any]:
        intent = self._find(id, "payment_intent")
        if intent["status"] not in CANCELLABLE:
            raise StripeError(400, "You cannot cancel this PaymentIntent because it has a status of "
                              f"{intent['status']}.", code="payment_intent_unexpected_state")
        intent.update(status="canceled", amount_capturable=0,
                      cancellation_reason=params.get("cancellation_reason"))
        return intent

    def _create_refund(self, params: dict[str, Any]) -> dict[str, Any]:
        if "payment_intent" not in params:
            raise StripeError(400, "One of the following params should be provided for this request: "
                              "payment_intent or charge.")
        intent = self._find(params["payment_intent"], "payment_intent")
        if intent["status"] != "succeeded" or not intent.get("latest_charge"):
            raise StripeError(400, f"This PaymentIntent ({intent['id']}) does not have a successful "
                              "charge to refund.", code="charge_not_refundable")
        charge = self.objects[intent["latest_charge"]]
        remaining = charge["amount_captured"] - charge["amount_refunded"]
        amount = _integer(params.get("amount", remaining), "amount")
        if amount <= 0:
            raise StripeError(400, "Invalid positive integer", param="amount")
        if amount > remaining:
            raise StripeError(400, f"Refund amount ({_pounds(amount)}) is greater than unrefunded "
                              f"amount on charge ({_pounds(remaining)})", code="amount_too_large",
                              param="amount")
        metadata = params.get("metadata", {})
        _check_metadata(metadata)
        charge["amount_refunded"] += amount
        charge["refunded"] = charge["amount_refunded"] == charge["amount_captured"]
        return self._new("re", {
            "object": "refund", "amount": amount, "charge": charge["id"], "created": int(self.clock()),
            "currency": "gbp", "metadata": metadata, "payment_intent": intent["id"],
            "reason": params.get("reason"), "status": self.refund_status,
        })

    def _list_refunds(self, params: dict[str, Any]) -> dict[str, Any]:
        wanted = params.get("payment_intent")
        refunds = [r for r in self.objects.values() if r["object"] == "refund"
                   and (wanted is None or r["payment_intent"] == wanted)]
        return self._page(refunds, params, "/v1/refunds")

    # -- objects -------------------------------------------------------------------

    def _new(self, prefix: str, fields: dict[str, Any]) -> dict[str, Any]:
        obj = {"id": f"{prefix}_{next(self._ids):06d}{secrets.token_hex(6)}", **fields}
        self.objects[obj["id"]] = obj
        return obj

    def _find(self, id: str, kind: str) -> dict[str, Any]:
        obj = self.objects.get(id)
        if obj is None or obj["object"] != kind:
            raise StripeError(404, f"No such {kind}: '{id}'", code="resource_missing", param="id")
        return obj

    def _open_session(self, session_id: str) -> dict[str, Any]:
        session = self.objects[session_id]
        if session["status"] != "open":
            raise ValueError(f"{session_id} is {session['status']}, not open")
        return session

    def _intent_for(self, session: dict[str, Any]) -> dict[str, Any]:
        if session["payment_intent"] is None:
            sent = session.get("payment_intent_data_sent") or {}
            session["payment_intent"] = self._new("pi", {
                "object": "payment_intent", "amount": session["amount_total"], "amount_capturable": 0,
                "amount_received": 0, "capture_method": sent.get("capture_method", "automatic_async"),
                "cancellation_reason": None, "created": int(self.clock()), "currency": "gbp",
                "last_payment_error": None, "latest_charge": None,
                "metadata": sent.get("metadata") or {}, "status": "requires_payment_method",
            })["id"]
        return self.objects[session["payment_intent"]]

    def _expire(self, session: dict[str, Any]) -> dict[str, Any]:
        session.update(status="expired", url=None)
        if session["payment_intent"]:
            intent = self.objects[session["payment_intent"]]
            if intent["status"] in CANCELLABLE:
                intent.update(status="canceled", cancellation_reason="abandoned")
        return session

    def _expand(self, obj: dict[str, Any], paths: Sequence[str]) -> dict[str, Any]:
        """A copy of `obj` with the fields named by dotted `paths` replaced by their objects."""
        result = {k: v for k, v in obj.items() if not k.endswith("_sent")}
        heads: dict[str, list[str]] = {}
        for path in paths:
            head, _, rest = str(path).partition(".")
            heads.setdefault(head, [])
            if rest:
                heads[head].append(rest)
        for head, rest in heads.items():
            value = result.get(head, ...)
            if value is ... or (value is not None and value not in self.objects):
                raise StripeError(400, f"This property cannot be expanded ({head}).", param="expand")
            if value is not None:
                result[head] = self._expand(self.objects[value], rest)
        return result

    def _page(self, items: list[dict[str, Any]], params: dict[str, Any], url: str) -> dict[str, Any]:
        """Stripe's list shape: newest first, `limit` (1 to 100, default 10), `starting_after`."""
        limit = _integer(params.get("limit", 10), "limit")
        if not 1 <= limit <= 100:
            raise StripeError(400, "Invalid limit: must be between 1 and 100", param="limit")
        ordered = [item for _, item in sorted(enumerate(items), key=lambda p: (p[1]["created"], p[0]),
                                              reverse=True)]
        after = params.get("starting_after")
        if after:
            ids = [item["id"] for item in ordered]
            if after not in ids:
                raise StripeError(400, f"No such object: '{after}'", param="starting_after",
                                  code="resource_missing")
            ordered = ordered[ids.index(after) + 1:]
        expand = [path.removeprefix("data.") for path in params.get("expand", [])
                  if path.startswith("data.")]
        return {"object": "list", "url": url, "has_more": len(ordered) > limit,
                "data": [self._expand(item, expand) for item in ordered[:limit]]}

    # -- Stripe's hosted page, enough for a browser journey ------------------------------

    async def _checkout_page(self, request: Request) -> Response:
        session_id = request.path_params["session_id"]
        outcome = (await request.form()).get("outcome") if request.method == "POST" else None
        with self._lock:
            session = self.objects.get(session_id)
            if session is None or session["status"] != "open":
                return HTMLResponse("<h1>This Checkout Session is no longer active</h1>", 404)
            if request.method == "POST":
                if outcome == "decline":
                    self.decline(session_id)
                    return RedirectResponse(f"/pay/{session_id}?declined=1", 303)
                self.complete(session_id, "paid" if outcome != "processing" else "processing")
                return RedirectResponse(session["success_url"], 303)
            amount, cancel = session["amount_total"], session.get("cancel_url") or "#"
        declined = "<p role='alert'>Your card was declined.</p>" if request.query_params.get("declined") else ""
        return HTMLResponse(
            f"<!doctype html><html lang='en'><title>Pay</title><main><h1>Pay {_pounds(amount)}</h1>"
            f"{declined}<form method='post'><button name='outcome' value='paid'>Pay</button>"
            f"<button name='outcome' value='decline'>Pay with a declined card</button>"
            f"<button name='outcome' value='processing'>Pay by Bacs Direct Debit</button></form>"
            f"<a href='{html.escape(cancel)}'>Back</a></main></html>")


def sign(body: bytes, secret: str | Sequence[str], timestamp: int) -> str:
    """A Stripe-Signature header: `t=<unix>,v1=<hex>` with one v1 per secret."""
    keys = [secret] if isinstance(secret, str) else list(secret)
    signed = f"{timestamp}.".encode() + body
    return ",".join([f"t={timestamp}", *(
        f"v1={hmac.new(key.encode(), signed, hashlib.sha256).hexdigest()}" for key in keys)])


def parse_params(pairs: Sequence[tuple[str, str]]) -> dict[str, Any]:
    """Bracket notation to nested values: `a[0][b]=1&c[]=x&c[]=y` → {"a": [{"b": "1"}], "c": ["x", "y"]}."""
    root: dict[str, Any] = {}
    for key, value in pairs:
        match = re.fullmatch(r"([^\[\]]+)((?:\[[^\[\]]*\])*)", key)
        if match is None:
            raise StripeError(400, f"Invalid parameter name: {key}")
        parts = [match.group(1), *re.findall(r"\[([^\[\]]*)\]", match.group(2))]
        node = root
        for part in parts[:-1]:
            child = node.setdefault(part or str(len(node)), {})
            if not isinstance(child, dict):
                raise StripeError(400, f"Invalid hash or array: {key}", param=parts[0])
            node = child
        last = parts[-1] or str(len(node))
        if isinstance(node.get(last), dict):
            raise StripeError(400, f"Invalid hash: {key}", param=parts[0])
        node[last] = value
    return {k: _listify(v) for k, v in root.items()}


def _listify(value: Any) -> Any:
    if not isinstance(value, dict):
        return value
    items = {k: _listify(v) for k, v in value.items()}
    if items and all(k.isdigit() for k in items):
        return [items[k] for k in sorted(items, key=int)]
    return items


def _integer(value: Any, name: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise StripeError(400, f"Invalid integer: {value}", param=name) from None


def _within(created: int, bounds: dict[str, int]) -> bool:
    checks = {"gte": created.__ge__, "gt": created.__gt__, "lte": created.__le__,
              "lt": created.__lt__, "eq": created.__eq__}
    return all(checks[op](limit) for op, limit in bounds.items() if op in checks)


def _check_metadata(metadata: Any) -> None:
    if not isinstance(metadata, dict):
        raise StripeError(400, "Invalid object", param="metadata")
    if len(metadata) > 50:
        raise StripeError(400, "You can only specify up to 50 keys in metadata.", param="metadata")
    for key, value in metadata.items():
        if len(key) > 40 or not isinstance(value, str) or len(value) > 500:
            raise StripeError(400, f"Invalid metadata entry: {key}", param=f"metadata[{key}]")


def _server_error() -> dict[str, Any]:
    return {"error": {"type": "api_error", "message": "An unknown error occurred"}}


def _pounds(pence: int) -> str:
    return f"£{pence // 100}.{pence % 100:02d}"


@contextmanager
def serve(app: Any) -> Iterator[str]:
    """Run an ASGI app on a free port of 127.0.0.1 in a background thread; yield its URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off", access_log=False,
                                           timeout_graceful_shutdown=1))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the local server did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()
