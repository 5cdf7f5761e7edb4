"""GOV.UK Pay behind the one provider interface: a REST client for its public API.

Every call is a fresh, strongly consistent request to Pay (`GET /v1/payments/{id}` for state,
never the eventually consistent search). Pay's statuses map to the canonical states in one
table, `STATES`. Webhooks carry `Pay-Signature`, the lower-case hex HMAC-SHA256 of the raw
body keyed with the webhook's signing secret; Pay signs no timestamp, so the event id is the
caller's to deduplicate, and the body is only a hint to fetch the payment again.

Errors: a request that cannot have reached Pay (refused connection, connect timeout) or that
Pay refused with a 4xx is a plain `ProviderError`; a timeout after sending, a 5xx, or a
success response we cannot read is `ambiguous`, because the request may have taken effect.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import ssl
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any, Final
from urllib.parse import quote

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

DEFAULT_BASE_URL: Final = "https://publicapi.payments.service.gov.uk"
DEFAULT_TIMEOUT: Final = httpx.Timeout(10.0, connect=5.0)
SIGNATURE_HEADER: Final = "pay-signature"
PAGE_SIZE: Final = 500  # Pay's maximum display_size for search
MAX_PAGES: Final = 10_000  # a runaway guard: 5 million payments in one period

# Pay's limits on custom metadata ("reporting columns"): 1 to 15 keys, a key 1 to 30
# characters, a value at most 100.
METADATA_MAX_KEYS: Final = 15
METADATA_KEY_MAX: Final = 30
METADATA_VALUE_MAX: Final = 100

# Pay's payment ids are short lower-case alphanumeric strings; anything with a dot or a slash
# would change the URL we call, so it is refused before any request is made.
_PAYMENT_ID: Final = re.compile(r"[A-Za-z0-9_-]{1,128}")
# Pay honours Idempotency-Key only for agreement (recurring) payments, and rejects a key that
# is not 1 to 255 letters, digits and hyphens: send it only when it is well formed.
_IDEMPOTENCY_KEY: Final = re.compile(r"[A-Za-z0-9-]{1,255}")
_HEX_SHA256: Final = re.compile(r"[0-9a-fA-F]{64}")

# The one mapping from Pay's state (status, failure code) to the canonical state and reason.
# A code Pay has not documented falls back to the status's row with no code.
STATES: Final[Mapping[tuple[str, str | None], tuple[PaymentState, FailureReason | None]]] = {
    ("created", None): (PaymentState.CREATED, None),
    ("started", None): (PaymentState.IN_PROGRESS, None),
    ("submitted", None): (PaymentState.IN_PROGRESS, None),
    ("capturable", None): (PaymentState.AUTHORISED, None),
    ("success", None): (PaymentState.SUCCEEDED, None),
    ("failed", "P0010"): (PaymentState.FAILED, FailureReason.DECLINED),
    ("failed", "P0020"): (PaymentState.FAILED, FailureReason.EXPIRED),
    ("failed", "P0030"): (PaymentState.FAILED, FailureReason.USER_CANCELLED),
    ("failed", None): (PaymentState.FAILED, None),
    ("cancelled", "P0040"): (PaymentState.CANCELLED, FailureReason.SERVICE_CANCELLED),
    ("cancelled", None): (PaymentState.CANCELLED, FailureReason.SERVICE_CANCELLED),
    ("error", "P0050"): (PaymentState.ERROR, FailureReason.PROVIDER_ERROR),
    ("error", None): (PaymentState.ERROR, FailureReason.PROVIDER_ERROR),
}

REFUND_STATES: Final[Mapping[str, RefundState]] = {
    "submitted": RefundState.PENDING,
    "success": RefundState.SUCCEEDED,
    "error": RefundState.FAILED,
}


def canonical_state(status: str, code: str | None = None) -> tuple[PaymentState, FailureReason | None]:
    """The canonical state and reason for Pay's `state.status` and `state.code`."""
    found = STATES.get((status, code)) or STATES.get((status, None))
    if found is None:
        raise ValueError(f"unknown GOV.UK Pay payment status {status!r}")
    return found


def cap_metadata(metadata: Mapping[str, str]) -> dict[str, str]:
    """Metadata cut to Pay's limits, in order: the first 15 keys, each key cut to 30 characters
    (a key that then repeats an earlier one, or is empty, is dropped), each value to 100."""
    capped: dict[str, str] = {}
    for key, value in metadata.items():
        if len(capped) == METADATA_MAX_KEYS:
            break
        short = str(key)[:METADATA_KEY_MAX]
        if not short or short in capped:
            continue
        capped[short] = str(value)[:METADATA_VALUE_MAX]
    return capped


def sign(body: bytes, secret: str) -> str:
    """The Pay-Signature for a body: lower-case hex HMAC-SHA256 keyed with the secret."""
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class GovukPay:
    """The GOV.UK Pay provider. `client` lets a caller share one httpx client (it is not
    closed here); otherwise each call opens its own with `timeout`."""

    id = "govuk_pay"
    capabilities = Capabilities(
        refunds=True,
        delayed_capture=True,
        welsh=True,
        # Pay's own validation accepts 1p, but the PSP behind a council's account sets the
        # floor: Stripe (every new account) refuses under 30p, Worldpay agrees its own.
        minimum=30,
        maximum=10_000_000,  # £100,000 on Stripe; Worldpay accounts default to £5,000
    )

    def __init__(self, *, client: httpx.AsyncClient | None = None,
                 timeout: httpx.Timeout | float = DEFAULT_TIMEOUT, page_size: int = PAGE_SIZE) -> None:
        if not 1 <= page_size <= PAGE_SIZE:
            raise ValueError(f"page_size must be between 1 and {PAGE_SIZE}")
        self._client = client
        self._timeout = timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout)
        self._page_size = page_size

    # -- payments ---------------------------------------------------------------------

    async def create(self, account: Account, request: PaymentRequest) -> Snapshot:
        body: dict[str, Any] = {
            "amount": request.amount,
            "reference": request.reference,
            "description": request.description,
            "return_url": request.return_url,
            "language": "cy" if request.language.lower().startswith("cy") else "en",
        }
        if request.email:
            body["email"] = request.email
        metadata = cap_metadata(request.metadata)
        if metadata:
            body["metadata"] = metadata
        headers: dict[str, str] = {}
        if _IDEMPOTENCY_KEY.fullmatch(request.idempotency_key):
            headers["Idempotency-Key"] = request.idempotency_key
        data = await self._call(account, "POST", "/v1/payments", json_body=body, headers=headers)
        return self._snapshot(data)

    async def get(self, account: Account, provider_payment_id: str) -> Snapshot:
        data = await self._call(account, "GET", _payment_path(provider_payment_id))
        return self._snapshot(data)

    async def resume(self, account: Account, provider_payment_id: str) -> str | None:
        # Each GET of an unfinished payment gives a fresh next_url; each works once.
        snapshot = await self.get(account, provider_payment_id)
        if snapshot.state in (PaymentState.CREATED, PaymentState.IN_PROGRESS):
            return snapshot.next_url
        return None

    async def capture(self, account: Account, provider_payment_id: str) -> None:
        await self._call(account, "POST", _payment_path(provider_payment_id) + "/capture")

    async def cancel(self, account: Account, provider_payment_id: str) -> None:
        await self._call(account, "POST", _payment_path(provider_payment_id) + "/cancel")

    async def refund(self, account: Account, provider_payment_id: str, amount: int, *,
                     expected_available: int, idempotency_key: str) -> RefundResult:
        # Pay has no idempotency key for refunds: `refund_amount_available` is its guard
        # against a repeated refund, and `idempotency_key` goes unused.
        body = {"amount": amount, "refund_amount_available": expected_available}
        try:
            data = await self._call(account, "POST", _payment_path(provider_payment_id) + "/refunds",
                                    json_body=body)
        except ProviderError as error:
            if error.status == 412:
                raise ProviderError(
                    f"GOV.UK Pay refused the refund of {amount}p on {provider_payment_id}: the "
                    f"refundable amount has changed since it was read as {expected_available}p "
                    "(another refund may already have been made). Fetch the payment again and "
                    f"check before refunding. ({error})",
                    status=412,
                ) from error
            raise
        try:
            refund_id = _text(data, "refund_id")
            state = REFUND_STATES[_text(data, "status")]
            refunded = _pence(data, "amount")
        except (KeyError, TypeError, ValueError) as error:
            raise ProviderError(f"GOV.UK Pay accepted a refund but its answer is unreadable: {error!r}",
                                ambiguous=True) from error
        return RefundResult(provider_refund_id=refund_id, state=state, amount=refunded)

    async def list_payments(self, account: Account, since: datetime, until: datetime) -> list[Snapshot]:
        found: dict[str, Snapshot] = {}
        params: dict[str, str | int] = {
            "from_date": _pay_time(since, round_up=False),
            "to_date": _pay_time(until, round_up=True),
            "display_size": self._page_size,
        }
        for page in range(1, MAX_PAGES + 1):
            data = await self._call(account, "GET", "/v1/payments", params={**params, "page": page})
            try:
                results = data["results"]
                if not isinstance(results, list):
                    raise TypeError("results is not a list")
                if "_links" in data:
                    more = bool((data["_links"] or {}).get("next_page"))
                else:  # no links: go by the total
                    total = data.get("total")
                    more = isinstance(total, int) and page * self._page_size < total
            except (KeyError, TypeError, AttributeError) as error:
                raise ProviderError(f"GOV.UK Pay's search answer is unreadable: {error!r}",
                                    ambiguous=True) from error
            for item in results:
                snapshot = self._snapshot(item, with_next_url=False)
                found[snapshot.provider_payment_id] = snapshot  # pages can overlap as data settles
            if not results or not more:
                break
        else:
            raise ProviderError(f"GOV.UK Pay's search ran past {MAX_PAGES} pages")
        return list(found.values())

    # -- webhooks ---------------------------------------------------------------------

    def verify_webhook(self, account: Account, headers: dict[str, str], body: bytes) -> list[Event]:
        secrets = [secret.strip() for secret in account.webhook_secret.split(",") if secret.strip()]
        if not secrets:
            raise WebhookRefused("no GOV.UK Pay webhook signing secret is configured")
        given = next((value for name, value in headers.items() if name.lower() == SIGNATURE_HEADER), None)
        if given is None:
            raise WebhookRefused("the Pay-Signature header is missing")
        given = given.strip()
        if not _HEX_SHA256.fullmatch(given):
            raise WebhookRefused("the Pay-Signature header is not a hex HMAC-SHA256")
        given = given.lower()
        # Every secret is tried (rotation: old and new are both live for a while).
        matched = [hmac.compare_digest(sign(body, secret), given) for secret in secrets]
        if not any(matched):
            raise WebhookRefused("the Pay-Signature does not match the body")
        try:
            message = json.loads(body)
            if not isinstance(message, dict):
                raise TypeError("the body is not a JSON object")
            if message.get("resource_type", "payment") != "payment":
                return []  # signed and genuine, but not about a payment
            event = Event(event_id=_text(message, "webhook_message_id"),
                          provider_payment_id=_text(message, "resource_id"),
                          kind=_text(message, "event_type"))
        except (ValueError, TypeError, KeyError) as error:
            raise WebhookRefused(f"the webhook body is not a GOV.UK Pay message: {error!r}") from error
        if not _PAYMENT_ID.fullmatch(event.provider_payment_id):
            raise WebhookRefused("the webhook names a payment id GOV.UK Pay would not issue")
        return [event]

    # -- plumbing ---------------------------------------------------------------------

    def _snapshot(self, data: Any, *, with_next_url: bool = True) -> Snapshot:
        try:
            state_object = data["state"]
            status = _text(state_object, "status")
            code = state_object.get("code") or None
            state, reason = canonical_state(status, code if isinstance(code, str) else None)
            next_url = None
            if with_next_url and not state.final:
                link = (data.get("_links") or {}).get("next_url") or {}
                next_url = link.get("href") or None
            card = data.get("card_details") or {}
            refunds = data.get("refund_summary") or {}
            refundable: int | None = None
            if refunds.get("status") == "available":
                refundable = _pence(refunds, "amount_available")
            elif refunds.get("status") in ("full", "unavailable"):
                refundable = 0
            created = data.get("created_date")
            return Snapshot(
                provider_payment_id=_text(data, "payment_id"),
                state=state,
                amount=_pence(data, "amount"),
                reason=reason,
                next_url=next_url,
                card_brand=card.get("card_brand") or None,
                last_four=card.get("last_digits_card_number") or None,
                refundable=refundable,
                created_at=_parse_time(created) if isinstance(created, str) else None,
                raw_status=f"{status}/{code}" if code else status,
            )
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            raise ProviderError(f"GOV.UK Pay's payment answer is unreadable: {error!r}",
                                ambiguous=True) from error

    async def _call(self, account: Account, method: str, path: str, *,
                    json_body: dict[str, Any] | None = None, params: Mapping[str, str | int] | None = None,
                    headers: Mapping[str, str] | None = None) -> dict[str, Any]:
        """One request to Pay; the decoded JSON object it answered (empty for a 204)."""
        if not account.api_key:
            raise ProviderError("no GOV.UK Pay API key is configured for this account")
        url = (account.base_url or DEFAULT_BASE_URL).rstrip("/") + path
        sent_headers = {"Authorization": f"Bearer {account.api_key}", "Accept": "application/json",
                        **(headers or {})}
        try:
            if self._client is not None:
                response = await self._client.request(method, url, json=json_body, params=params,
                                                      headers=sent_headers, timeout=self._timeout)
            else:
                async with httpx.AsyncClient(timeout=self._timeout, verify=_tls()) as client:
                    response = await client.request(method, url, json=json_body, params=params,
                                                    headers=sent_headers)
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as error:
            # Nothing was sent: the request cannot have taken effect.
            raise ProviderError(f"GOV.UK Pay could not be reached ({type(error).__name__}: {error})") from error
        except httpx.TimeoutException as error:
            raise ProviderError(f"GOV.UK Pay did not answer {method} {path} in time ({type(error).__name__}); "
                                "the request may have taken effect", ambiguous=True) from error
        except httpx.TransportError as error:
            raise ProviderError(f"the connection to GOV.UK Pay failed during {method} {path} "
                                f"({type(error).__name__}: {error}); the request may have taken effect",
                                ambiguous=True) from error
        status = response.status_code
        if status >= 400:
            raise ProviderError(_error_message(method, path, response), status=status, ambiguous=status >= 500)
        if status == 204 or not response.content:
            return {}
        try:
            data = response.json()
        except ValueError as error:
            raise ProviderError(f"GOV.UK Pay answered {method} {path} with {status} but not JSON",
                                ambiguous=True, status=status) from error
        if not isinstance(data, dict):
            raise ProviderError(f"GOV.UK Pay answered {method} {path} with {status} but not a JSON object",
                                ambiguous=True, status=status)
        return data


@cache
def _tls() -> ssl.SSLContext:
    """httpx's default TLS settings, built once: loading the CA bundle takes a quarter of a
    second, too long to repeat for every call."""
    return httpx.create_ssl_context()


def _payment_path(provider_payment_id: str) -> str:
    if not _PAYMENT_ID.fullmatch(provider_payment_id):
        raise ProviderError(f"{provider_payment_id!r} is not a GOV.UK Pay payment id")
    return "/v1/payments/" + quote(provider_payment_id, safe="")


def _error_message(method: str, path: str, response: httpx.Response) -> str:
    """Pay's `code`, `field` and `description` when the body has them, else its text."""
    detail = ""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and (body.get("code") or body.get("description")):
        parts = [str(body.get("code") or ""), str(body.get("description") or "")]
        if body.get("field"):
            parts.append(f"(field: {body['field']})")
        detail = " ".join(part for part in parts if part)
    else:
        detail = response.text.strip()[:200]
    meaning = {401: "the API key is missing or not valid", 429: "rate limited: retry with backoff",
               412: "precondition failed"}.get(response.status_code, "")
    return (f"GOV.UK Pay refused {method} {path}: HTTP {response.status_code}"
            + (f", {meaning}" if meaning else "") + (f": {detail}" if detail else ""))


def _text(data: Any, key: str) -> str:
    value = data[key]
    if not isinstance(value, str) or not value:
        raise ValueError(f"{key} is not a non-empty string")
    return value


def _pence(data: Any, key: str) -> int:
    value = data[key]
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{key} is not a whole number of pence")
    return value


def _parse_time(text: str) -> datetime:
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _pay_time(moment: datetime, *, round_up: bool) -> str:
    """A search bound as Pay wants it: UTC to the second, `YYYY-MM-DDTHH:MM:SSZ` (a naive
    datetime is taken to be UTC). `to_date` is exclusive, so it is rounded up."""
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    if round_up and moment.microsecond:
        moment = moment.replace(microsecond=0) + timedelta(seconds=1)
    else:
        moment = moment.replace(microsecond=0)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


__all__ = ["STATES", "GovukPay", "canonical_state", "cap_metadata", "sign"]

