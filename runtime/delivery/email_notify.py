"""GOV.UK Notify behind the transport interface: its REST API, `POST /v2/notifications/email`.

Authentication is a JSON Web Token per request, HS256-signed with the API key's secret, with
``iss`` the service id and ``iat`` the current time (Notify refuses a token more than 30
seconds off). An API key reads ``{key_name}-{service_id}-{secret_key}``: the last two
hyphenated UUIDs are the service id and the secret.

Borough sends every email through one generic template whose subject is ``((subject))`` and
whose body is ``((body))``, personalised with the message's subject and text. The outbox's
idempotency key goes as Notify's ``reference``; Notify has no idempotency key of its own, so
a message that may have been sent already is first looked up with
``GET /v2/notifications?reference=…``. Replies go to the Notify service's own reply-to address
(set in Notify): a council's reply-to applies to SMTP only.

Errors: 400 (a rejected request) and 403 (a refused key) are permanent; 429, 5xx and
transport failures are retried.
"""

from __future__ import annotations

import re
import time
from typing import Any, Final

import httpx2 as httpx
import jwt

from runtime.delivery.email_base import DeliveryError, Email, Sender
from runtime.delivery.email_settings import NOTIFY_BASE_URL

DEFAULT_TIMEOUT: Final = httpx.Timeout(30.0, connect=5.0)
PERMANENT: Final = frozenset({400, 403})
_UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
_KEY: Final = re.compile(rf"(?P<name>.*)-(?P<service>{_UUID})-(?P<secret>{_UUID})")


def parse_api_key(api_key: str) -> tuple[str, str]:
    """(service id, secret) from a Notify API key; ValueError for anything else."""
    found = _KEY.fullmatch(api_key.strip())
    if found is None:
        raise ValueError("a GOV.UK Notify API key ends with two UUIDs: the service id and the secret")
    return found["service"], found["secret"]


def token(service_id: str, secret: str, at: float | None = None) -> str:
    """The bearer token for one request."""
    issued = int(time.time() if at is None else at)
    return jwt.encode({"iss": service_id, "iat": issued}, secret, algorithm="HS256", headers={"typ": "JWT"})


def error_text(response: httpx.Response) -> str:
    """Notify's errors (``{"status_code", "errors": [{"error", "message"}]}``) as one line."""
    try:
        body = response.json()
        errors = body.get("errors") if isinstance(body, dict) else None
        if isinstance(errors, list) and errors:
            said = "; ".join(f"{e.get('error', '')}: {e.get('message', '')}" for e in errors if isinstance(e, dict))
            if said:
                return f"GOV.UK Notify answered {response.status_code}: {said}"
    except ValueError:
        pass
    return f"GOV.UK Notify answered {response.status_code}"


class NotifyTransport:
    """`client` lets a caller share one httpx client (it is not closed here); otherwise each
    call opens its own."""

    name = "notify"

    def __init__(self, api_key: str, template_id: str, *, sender: Sender, base_url: str = NOTIFY_BASE_URL,
                 client: httpx.AsyncClient | None = None, timeout: httpx.Timeout = DEFAULT_TIMEOUT) -> None:
        self.service_id, self._secret = parse_api_key(api_key)
        self.template_id = template_id
        self.sender = sender
        self.base_url = base_url.rstrip("/")
        self._client = client
        self._timeout = timeout

    def __repr__(self) -> str:
        return f"NotifyTransport(service_id={self.service_id!r}, base_url={self.base_url!r})"

    async def send(self, email: Email) -> str | None:
        body = {
            "email_address": email.recipient,
            "template_id": self.template_id,
            "personalisation": {"subject": email.subject, "body": email.body},
            "reference": email.idempotency_key,
        }
        response = await self._request("POST", "/v2/notifications/email", json=body)
        if response.status_code != 201:
            raise DeliveryError(error_text(response), permanent=response.status_code in PERMANENT)
        return str(self._json(response)["id"])

    async def find(self, email: Email) -> str | None:
        response = await self._request("GET", "/v2/notifications",
                                       params={"reference": email.idempotency_key, "template_type": "email"})
        if response.status_code != 200:
            raise DeliveryError("looking up an earlier send: " + error_text(response),
                                permanent=response.status_code == 403)
        for notification in self._json(response).get("notifications") or []:
            if isinstance(notification, dict) and notification.get("reference") == email.idempotency_key:
                return str(notification["id"])
        return None

    async def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token(self.service_id, self._secret)}",
                   "User-Agent": "borough-notify"}
        try:
            if self._client is not None:
                return await self._client.request(method, self.base_url + path, headers=headers,
                                                  timeout=self._timeout, **kwargs)
            async with httpx.AsyncClient(timeout=self._timeout) as client:
                return await client.request(method, self.base_url + path, headers=headers, **kwargs)
        except httpx.HTTPError as error:
            raise DeliveryError(f"GOV.UK Notify could not be reached: {type(error).__name__}: {error}") from error

    @staticmethod
    def _json(response: httpx.Response) -> dict[str, Any]:
        try:
            body = response.json()
        except ValueError:
            raise DeliveryError(f"GOV.UK Notify answered {response.status_code} with something not JSON") from None
        if not isinstance(body, dict):
            raise DeliveryError(f"GOV.UK Notify answered {response.status_code} with an unexpected body")
        return body
