"""A local GOV.UK Pay: the public API's payment endpoints, in memory, over real HTTP.

It speaks Pay's JSON shapes and error bodies (`{"field", "code", "description"}`) for
`POST /v1/payments`, `GET /v1/payments/{id}`, `…/capture`, `…/cancel`, `…/refunds` and the
search `GET /v1/payments`, with Pay's rules: Bearer API key, validation codes (P0101 missing,
P0102 invalid), a fresh `next_url` on every GET of an unfinished payment, the 412 P0604
`refund_amount_available` check, and pages of at most 500. `/secure/{token}` stands in for
Pay's payment page: opening a next_url once moves a created payment to `started`.

Test controls sit beside the API: `set_status`, `add_payment`, `fail_next`, `delay_next`, the
`requests` log, and `send_webhook`, which posts a message signed exactly as Pay signs it.
`running()` serves it on 127.0.0.1 and a free port (with `local_http.serving`).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import secrets
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from typing import Any
from urllib.parse import urlencode

import httpx2 as httpx
from local_http import serving
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

MAX_AMOUNT = 10_000_000
MAX_DISPLAY_SIZE = 500
UNFINISHED = frozenset({"created", "started", "submitted", "capturable"})
RESUMABLE = frozenset({"created", "started", "submitted"})
STATUSES = frozenset(UNFINISHED | {"success", "failed", "cancelled", "error"})
CARD_SEEN = frozenset({"submitted", "capturable", "success"})
DEFAULT_CODES = {"failed": "P0010", "cancelled": "P0040", "error": "P0050"}
CODE_MESSAGES = {
    "P0010": "Payment method rejected",
    "P0020": "Payment expired",
    "P0030": "Payment was cancelled by the user",
    "P0040": "Payment was cancelled by the service",
    "P0050": "Payment provider returned an error",
}
ERROR_CODES = {429: ("P0900", "Too many requests"), 503: ("P0999", "GOV.UK Pay is temporarily down")}
SEARCH_TIME = "%Y-%m-%dT%H:%M:%SZ"


class PayError(Exception):
    """An error answer in Pay's shape."""

    def __init__(self, status: int, code: str, description: str, field: str | None = None) -> None:
        super().__init__(description)
        self.status, self.code, self.description, self.field = status, code, description, field

    def response(self) -> JSONResponse:
        body = {"code": self.code, "description": self.description}
        if self.field:
            body = {"field": self.field, **body}
        return JSONResponse(body, status_code=self.status)


@dataclass
class Recorded:
    method: str
    path: str
    params: dict[str, str]
    headers: dict[str, str]
    body: bytes


@dataclass
class _Failure:
    status: int
    code: str
    description: str
    after: bool


@dataclass
class _Payment:
    payment_id: str
    amount: int
    reference: str
    description: str
    return_url: str
    created: datetime
    language: str = "en"
    email: str | None = None
    metadata: dict[str, Any] | None = None
    delayed_capture: bool = False
    status: str = "created"
    code: str | None = None
    card_brand: str | None = None
    last_four: str | None = None
    refunded: int = 0
    refunds: list[dict[str, Any]] = field(default_factory=list)


class PayServer:
    """GOV.UK Pay's public API for one account, in memory. Thread-safe: the app runs in
    uvicorn's thread while a test drives the controls from its own."""

    def __init__(self, api_key: str = "api_test_borough_local_key",
                 webhook_secret: str = "webhook_test_borough_local_secret") -> None:
        self.api_key = api_key
        self.webhook_secret = webhook_secret
        self.url = ""  # set while served
        self._lock = threading.Lock()
        self.reset()
        self.app = Starlette(routes=[
            Route("/v1/payments", self._api(self._search), methods=["GET"]),
            Route("/v1/payments", self._api(self._create), methods=["POST"]),
            Route("/v1/payments/{payment_id}", self._api(self._get), methods=["GET"]),
            Route("/v1/payments/{payment_id}/capture", self._api(self._capture), methods=["POST"]),
            Route("/v1/payments/{payment_id}/cancel", self._api(self._cancel), methods=["POST"]),
            Route("/v1/payments/{payment_id}/refunds", self._api(self._refund), methods=["POST"]),
            Route("/secure/{token}", self._payment_page, methods=["GET"]),
        ])

    # -- serving ----------------------------------------------------------------------

    @contextmanager
    def running(self) -> Iterator[PayServer]:
        """Serve this Pay on a free local port for the duration of the block."""
        with serving(self.app) as url:
            self.url = url
            try:
                yield self
            finally:
                self.url = ""

    # -- test controls ----------------------------------------------------------------

    def reset(self) -> None:
        """Forget every payment, request and pending control (one server can serve many tests)."""
        with self._lock:
            self.refund_status = "success"  # what a new refund reports: submitted, success or error
            self.requests: list[Recorded] = []
            self._payments: dict[str, _Payment] = {}
            self._tokens: dict[str, str] = {}  # next_url token -> payment id (each works once)
            self._failures: list[_Failure] = []
            self._delays: list[float] = []

    def add_payment(self, amount: int = 1000, *, reference: str = "seeded", status: str = "created",
                    created: datetime | None = None, description: str = "Seeded payment") -> str:
        """A payment made without the API (for search and state tests); its id."""
        payment = _Payment(payment_id=_new_id(), amount=amount, reference=reference,
                           description=description, return_url="https://council.example/return",
                           created=created or datetime.now(UTC))
        with self._lock:
            self._payments[payment.payment_id] = payment
        if status != "created":
            self.set_status(payment.payment_id, status)
        return payment.payment_id

    def set_status(self, payment_id: str, status: str, code: str | None = None, *,
                   card_brand: str = "Visa", last_four: str = "4242") -> None:
        """Move a payment to any Pay status, as the payer or the PSP would. `code` defaults to
        P0010/P0040/P0050 for failed/cancelled/error; `code=""` sets none."""
        if status not in STATUSES:
            raise ValueError(f"{status!r} is not a GOV.UK Pay status")
        with self._lock:
            payment = self._payments[payment_id]
            payment.status = status
            payment.code = (DEFAULT_CODES.get(status) if code is None else code) or None
            if status in CARD_SEEN:
                payment.card_brand, payment.last_four = card_brand, last_four

    def fail_next(self, status: int = 500, *, code: str | None = None, description: str | None = None,
                  times: int = 1, after: bool = False) -> None:
        """The next `times` API requests answer `status` in Pay's error shape. With `after`,
        the request takes effect first and only the answer is lost (a truly ambiguous 5xx)."""
        default_code, default_description = ERROR_CODES.get(status, ("P0198", "Downstream system error"))
        with self._lock:
            self._failures.extend(
                _Failure(status, code or default_code, description or default_description, after)
                for _ in range(times))

    def delay_next(self, seconds: float, *, times: int = 1) -> None:
        """The next `times` API requests wait `seconds` before they are handled (and are
        still handled even if the client has given up)."""
        with self._lock:
            self._delays.extend([seconds] * times)

    def payment(self, payment_id: str) -> dict[str, Any]:
        """A payment as GET /v1/payments/{id} would show it, without issuing a next_url."""
        with self._lock:
            return self._payment_json(self._payments[payment_id], links=False)

    @property
    def payment_ids(self) -> list[str]:
        with self._lock:
            return list(self._payments)

    def webhook_body(self, payment_id: str, event_type: str = "card_payment_succeeded", *,
                     message_id: str | None = None) -> bytes:
        """A webhook message about a payment, as Pay's webhooks service builds it."""
        with self._lock:
            resource = self._payment_json(self._payments[payment_id], links=False)
        message = {
            "webhook_message_id": message_id or secrets.token_hex(13),
            "created_date": _pay_time(datetime.now(UTC)),
            "resource_id": payment_id,
            "api_version": 1,
            "resource_type": "payment",
            "event_type": event_type,
            "resource": resource,
        }
        return json.dumps(message).encode()

    async def send_webhook(self, url: str, payment_id: str, event_type: str = "card_payment_succeeded",
                           *, secret: str | None = None, message_id: str | None = None) -> httpx.Response:
        """POST a webhook to `url`, signed with `secret` (default: this account's)."""
        body = self.webhook_body(payment_id, event_type, message_id=message_id)
        return await post_webhook(url, body, pay_signature(body, secret or self.webhook_secret))

    # -- the API ----------------------------------------------------------------------

    def _api(self, action: Any) -> Any:
        async def endpoint(request: Request) -> Response:
            body = await request.body()
            with self._lock:
                self.requests.append(Recorded(request.method, request.url.path, dict(request.query_params),
                                              dict(request.headers), body))
                delay = self._delays.pop(0) if self._delays else 0.0
            if delay:
                await asyncio.sleep(delay)
            given = request.headers.get("authorization", "")
            if not hmac.compare_digest(given.encode(), f"Bearer {self.api_key}".encode()):
                return PlainTextResponse("Credentials are required to access this resource.", status_code=401,
                                         headers={"WWW-Authenticate": 'Bearer realm="public-api"'})
            with self._lock:
                failure = self._failures.pop(0) if self._failures else None
            if failure and not failure.after:
                return PayError(failure.status, failure.code, failure.description).response()
            try:
                with self._lock:
                    response: Response = action(request, body)
            except PayError as error:
                response = error.response()
            if failure:
                return PayError(failure.status, failure.code, failure.description).response()
            return response

        return endpoint

    def _create(self, request: Request, raw: bytes) -> Response:
        body = _json_object(raw, "P0197")
        for name in ("amount", "description", "reference", "return_url"):
            if body.get(name) is None:
                raise PayError(400, "P0101", f"Missing mandatory attribute: {name}", name)
        amount = body["amount"]
        if isinstance(amount, bool) or not isinstance(amount, int):
            raise _invalid("amount", "Must be a valid numeric format")
        if amount < 1:  # Pay allows 0 only on accounts with zero-amount payments turned on
            raise _invalid("amount", "Must be greater than or equal to 1")
        if amount > MAX_AMOUNT:
            raise _invalid("amount", f"Must be less than or equal to {MAX_AMOUNT}")
        for name, limit in (("reference", 255), ("description", 255), ("return_url", 2000)):
            if not isinstance(body[name], str) or len(body[name]) > limit:
                raise _invalid(name, f"Must be less than or equal to {limit} characters length")
        language = body.get("language", "en")
        if language not in ("en", "cy"):
            raise _invalid("language", 'Must be "en" or "cy"')
        email = body.get("email")
        if email is not None and (not isinstance(email, str) or len(email) > 254):
            raise _invalid("email", "Must be less than or equal to 254 characters length")
        metadata = body.get("metadata")
        if metadata is not None:
            _check_metadata(metadata)
        payment = _Payment(payment_id=_new_id(), amount=amount, reference=body["reference"],
                           description=body["description"], return_url=body["return_url"],
                           created=datetime.now(UTC), language=language, email=email, metadata=metadata,
                           delayed_capture=bool(body.get("delayed_capture", False)))
        self._payments[payment.payment_id] = payment
        return JSONResponse(self._payment_json(payment), status_code=201,
                            headers={"Location": f"{self.url}/v1/payments/{payment.payment_id}"})

    def _get(self, request: Request, raw: bytes) -> Response:
        return JSONResponse(self._payment_json(self._find(request, "P0200")))

    def _capture(self, request: Request, raw: bytes) -> Response:
        payment = self._find(request, "P1000")
        if payment.status != "capturable":
            raise PayError(409, "P1003", "Payment cannot be captured")
        payment.status = "success"
        return Response(status_code=204)

    def _cancel(self, request: Request, raw: bytes) -> Response:
        payment = self._find(request, "P0500")
        if payment.status not in UNFINISHED:
            raise PayError(400, "P0501", "Cancellation of payment failed")
        payment.status, payment.code = "cancelled", "P0040"
        return Response(status_code=204)

    def _refund(self, request: Request, raw: bytes) -> Response:
        payment = self._find(request, "P0600")
        body = _json_object(raw, "P0697")
        if body.get("amount") is None:
            raise PayError(400, "P0601", "Missing mandatory attribute: amount", "amount")
        for name in ("amount", "refund_amount_available"):
            value = body.get(name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
                raise PayError(422, "P0602", f"Invalid attribute value: {name}. Must be a valid numeric format",
                               name)
        amount: int = body["amount"]
        if amount < 1:
            raise PayError(422, "P0602", "Invalid attribute value: amount. Must be greater than or equal to 1",
                           "amount")
        summary = _refund_summary(payment)
        if summary["status"] != "available":
            raise PayError(400, "P0603", "The payment is not available for refund. "
                                         f"Payment refund status: {summary['status']}")
        expected = body.get("refund_amount_available")
        if expected is not None and expected != summary["amount_available"]:
            raise PayError(412, "P0604", "Refund amount available mismatch.")
        if amount > summary["amount_available"]:
            raise PayError(400, "P0603", "The payment is not available for refund. "
                                         "Payment refund status: amount_not_available")
        refund = {
            "refund_id": _new_id(),
            "created_date": _pay_time(datetime.now(UTC)),
            "amount": amount,
            "status": self.refund_status,
            "settlement_summary": {},
            "_links": {},
        }
        base = f"{self.url}/v1/payments/{payment.payment_id}"
        refund["_links"] = {"self": {"href": f"{base}/refunds/{refund['refund_id']}", "method": "GET"},
                            "payment": {"href": base, "method": "GET"}}
        if self.refund_status != "error":
            payment.refunded += amount
        payment.refunds.append(refund)
        return JSONResponse(refund, status_code=202)

    def _search(self, request: Request, raw: bytes) -> Response:
        params = request.query_params
        try:
            page = int(params.get("page", "1"))
            size = int(params.get("display_size", str(MAX_DISPLAY_SIZE)))
            if page < 1 or not 1 <= size <= MAX_DISPLAY_SIZE:
                raise ValueError
        except ValueError:
            raise PayError(422, "P0401", "Invalid parameters: page, display_size. "
                                         "See Public API documentation for the correct data formats") from None
        bounds: dict[str, datetime] = {}
        for name in ("from_date", "to_date"):
            if name in params:
                try:
                    bounds[name] = datetime.strptime(params[name], SEARCH_TIME).replace(tzinfo=UTC)
                except ValueError:
                    raise PayError(422, "P0401", f"Invalid parameters: {name}. "
                                                 "See Public API documentation for the correct data formats"
                                   ) from None
        matches = [
            payment for payment in self._payments.values()
            if ("from_date" not in bounds or payment.created >= bounds["from_date"])
            and ("to_date" not in bounds or payment.created < bounds["to_date"])
            and ("reference" not in params or payment.reference.lower() == params["reference"].lower())
            and ("state" not in params or payment.status == params["state"])
        ]
        matches.sort(key=lambda payment: (payment.created, payment.payment_id), reverse=True)
        last = max(1, -(-len(matches) // size))
        if page > last:
            raise PayError(404, "P0402", "Page not found")
        results = [self._payment_json(payment, search=True) for payment in matches[(page - 1) * size:page * size]]

        def link(number: int) -> dict[str, str]:
            query = {key: value for key, value in params.items() if key != "page"}
            return {"href": f"{self.url}/v1/payments?{urlencode({**query, 'page': number})}"}

        links = {"self": link(page), "first_page": link(1), "last_page": link(last)}
        if page > 1:
            links["prev_page"] = link(page - 1)
        if page < last:
            links["next_page"] = link(page + 1)
        return JSONResponse({"total": len(matches), "count": len(results), "page": page,
                             "results": results, "_links": links})

    async def _payment_page(self, request: Request) -> Response:
        with self._lock:
            payment_id = self._tokens.pop(request.path_params["token"], None)
            payment = self._payments.get(payment_id or "")
            if payment is None or payment.status not in RESUMABLE:
                return HTMLResponse("<h1>Your payment session has expired</h1>", status_code=400)
            if payment.status == "created":
                payment.status = "started"
        return HTMLResponse(f"<h1>Enter card details</h1><p>{payment.description}</p>")

    # -- shapes -----------------------------------------------------------------------

    def _find(self, request: Request, not_found_code: str) -> _Payment:
        payment = self._payments.get(request.path_params["payment_id"])
        if payment is None:
            raise PayError(404, not_found_code, "Not found")
        return payment

    def _payment_json(self, payment: _Payment, *, links: bool = True, search: bool = False) -> dict[str, Any]:
        state: dict[str, Any] = {"status": payment.status, "finished": payment.status not in UNFINISHED}
        if payment.code:
            state.update(code=payment.code, message=CODE_MESSAGES.get(payment.code, "Payment failed"))
        data: dict[str, Any] = {
            "amount": payment.amount,
            "description": payment.description,
            "reference": payment.reference,
            "language": payment.language,
            "state": state,
            "payment_id": payment.payment_id,
            "payment_provider": "sandbox",
            "created_date": _pay_time(payment.created),
            "refund_summary": _refund_summary(payment),
            "settlement_summary": {},
            "delayed_capture": payment.delayed_capture,
            "moto": False,
            "return_url": payment.return_url,
            "authorisation_mode": "web",
        }
        if payment.email is not None:
            data["email"] = payment.email
        if payment.metadata is not None:
            data["metadata"] = payment.metadata
        if payment.card_brand:
            data["card_details"] = {
                "last_digits_card_number": payment.last_four,
                "first_digits_card_number": "424242",
                "cardholder_name": "Sherlock Holmes",
                "expiry_date": "04/30",
                "billing_address": None,
                "card_brand": payment.card_brand,
                "card_type": "debit",
            }
        base = f"{self.url}/v1/payments/{payment.payment_id}"
        data["_links"] = {
            "self": {"href": base, "method": "GET"},
            "events": {"href": f"{base}/events", "method": "GET"},
            "refunds": {"href": f"{base}/refunds", "method": "GET"},
            "cancel": {"href": f"{base}/cancel", "method": "POST"} if payment.status in UNFINISHED else None,
            "capture": {"href": f"{base}/capture", "method": "POST"} if payment.status == "capturable" else None,
        }
        if links and not search and payment.status in RESUMABLE:
            token = secrets.token_hex(16)
            self._tokens[token] = payment.payment_id
            data["_links"]["next_url"] = {"href": f"{self.url}/secure/{token}", "method": "GET"}
            data["_links"]["next_url_post"] = {"type": "application/x-www-form-urlencoded",
                                               "params": {"chargeTokenId": token},
                                               "href": f"{self.url}/secure", "method": "POST"}
        return data


# -- webhooks ---------------------------------------------------------------------------


def pay_signature(body: bytes, secret: str) -> str:
    """Exactly what Pay puts in Pay-Signature: lower-case hex HMAC-SHA256 of the raw body."""
    return hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


async def post_webhook(url: str, body: bytes, signature: str | None) -> httpx.Response:
    """POST raw webhook bytes as Pay does (3 s timeout); no Pay-Signature if `signature` is None."""
    headers = {"Content-Type": "application/json"}
    if signature is not None:
        headers["Pay-Signature"] = signature
    async with client(timeout=3.0) as sender:
        return await sender.post(url, content=body, headers=headers)


def client(**options: Any) -> httpx.AsyncClient:
    """An httpx client sharing one TLS context (loading the CA bundle for each new client
    costs a quarter of a second)."""
    return httpx.AsyncClient(verify=_tls(), **options)


@cache
def _tls() -> ssl.SSLContext:
    return httpx.create_ssl_context()


def _json_object(raw: bytes, parse_code: str) -> dict[str, Any]:
    try:
        body = json.loads(raw)
    except ValueError:
        raise PayError(400, parse_code, "Unable to parse JSON") from None
    if not isinstance(body, dict):
        raise PayError(400, parse_code, "Unable to parse JSON")
    return body


def _invalid(name: str, why: str) -> PayError:
    return PayError(422, "P0102", f"Invalid attribute value: {name}. {why}", name)


def _check_metadata(metadata: Any) -> None:
    if not isinstance(metadata, dict) or not 1 <= len(metadata) <= 15:
        raise _invalid("metadata", "Must be an object of between 1 and 15 keys")
    for key, value in metadata.items():
        if not 1 <= len(key) <= 30:
            raise _invalid("metadata", "Keys must be between 1 and 30 characters long")
        if value is None or isinstance(value, dict | list):
            raise _invalid("metadata", "Values must be of type String, Boolean or Number")
        if isinstance(value, str) and len(value) > 100:
            raise _invalid("metadata", "Values must be no greater than 100 characters long")


def _refund_summary(payment: _Payment) -> dict[str, Any]:
    if payment.status == "success":
        available = payment.amount - payment.refunded
        status = "available" if available > 0 else "full"
    elif payment.status in UNFINISHED:
        available, status = payment.amount, "pending"
    else:
        available, status = 0, "unavailable"
    return {"status": status, "amount_available": available, "amount_submitted": payment.refunded}


def _new_id() -> str:
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
    return "".join(secrets.choice(alphabet) for _ in range(26))


def _pay_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
