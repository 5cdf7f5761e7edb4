"""The one interface every payment provider implements, and the values that cross it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from runtime.core.payments import FailureReason, PaymentState, RefundState


class ProviderError(Exception):
    """The provider could not be reached, or answered with an error. `ambiguous` means the
    request may have taken effect (a timeout or a 5xx after sending): do not retry blindly."""

    def __init__(self, message: str, *, ambiguous: bool = False, status: int | None = None) -> None:
        super().__init__(message)
        self.ambiguous = ambiguous
        self.status = status


class WebhookRefused(Exception):
    """A webhook whose signature, timestamp or body is not acceptable. Nothing changes."""


@dataclass(frozen=True)
class Account:
    """A council's account with a provider: bound from council settings, never a definition."""

    provider: str
    api_key: str = ""
    account_id: str = ""
    webhook_secret: str = ""
    base_url: str = ""  # the provider's API; tests point it at a local server


@dataclass(frozen=True)
class PaymentRequest:
    amount: int  # pence
    reference: str  # our attempt reference, unique
    description: str
    return_url: str  # built from settings, carries a secret token
    cancel_url: str
    idempotency_key: str
    language: str = "en"
    email: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Snapshot:
    """What the provider says a payment is now."""

    provider_payment_id: str
    state: PaymentState
    amount: int
    reason: FailureReason | None = None
    next_url: str | None = None  # where the payer goes (while not final)
    card_brand: str | None = None
    last_four: str | None = None
    refundable: int | None = None  # pence still available to refund
    created_at: datetime | None = None
    raw_status: str = ""


@dataclass(frozen=True)
class Event:
    """A verified webhook, normalised: which payment it is about. The body is only a hint:
    the payment is always fetched again."""

    event_id: str
    provider_payment_id: str
    kind: str


@dataclass(frozen=True)
class RefundResult:
    provider_refund_id: str
    state: RefundState
    amount: int


@dataclass(frozen=True)
class Capabilities:
    refunds: bool = True
    delayed_capture: bool = False
    welsh: bool = False
    minimum: int = 30
    maximum: int = 10_000_000


class Provider(Protocol):
    """A payment provider. Implementations are registered by id in runtime.payments.registry."""

    id: str
    capabilities: Capabilities

    async def create(self, account: Account, request: PaymentRequest) -> Snapshot: ...

    async def get(self, account: Account, provider_payment_id: str) -> Snapshot: ...

    async def resume(self, account: Account, provider_payment_id: str) -> str | None:
        """A fresh URL to send the payer back to an unfinished payment, if it can be resumed."""
        ...

    async def capture(self, account: Account, provider_payment_id: str) -> None: ...

    async def cancel(self, account: Account, provider_payment_id: str) -> None: ...

    async def refund(self, account: Account, provider_payment_id: str, amount: int, *,
                     expected_available: int, idempotency_key: str) -> RefundResult: ...

    def verify_webhook(self, account: Account, headers: dict[str, str], body: bytes) -> list[Event]:
        """Check the signature over the raw body and return the events; raise WebhookRefused."""
        ...

    async def list_payments(self, account: Account, since: datetime, until: datetime) -> list[Snapshot]:
        """The provider's own record of payments created in the period, for reconciliation."""
        ...


def redact(payload: Any) -> Any:
    """A provider payload with emails and card details removed, fit for logs."""
    if isinstance(payload, dict):
        return {k: ("[redacted]" if k in {"email", "card_details", "cardholder_name", "billing_address"} else redact(v))
                for k, v in payload.items()}
    if isinstance(payload, list):
        return [redact(item) for item in payload]
    return payload
