"""The built-in sandbox provider: a hosted card page in our own app that behaves like GOV.UK
Pay with its published test card numbers, and signs its webhooks the way Pay does. For
development and tests only: the registry refuses it in production."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from datetime import date, datetime, timedelta

from runtime.core.payments import RefundState
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
from runtime.payments.govuk_pay import canonical_state
from runtime.store import payments as records
from runtime.store.models import SandboxPayment

LIFETIME = timedelta(minutes=90)  # as GOV.UK Pay

# GOV.UK Pay's test cards: the number decides the outcome.
CARDS: dict[str, tuple[str, str | None]] = {
    "4444333322221111": ("success", None),
    "4242424242424242": ("success", None),
    "5105105105105100": ("success", None),
    "4000000000000002": ("failed", "P0010"),  # declined
    "4000000000000069": ("failed", "P0010"),  # expired card: declined
    "4000000000000127": ("failed", "P0010"),  # CVC rejected: declined
    "4000000000000119": ("error", "P0050"),  # processing error
}
# What the card page tells the payer about a refused card: ui_text keys, in their language.
MESSAGES = {
    "4000000000000002": "sandbox_declined",
    "4000000000000069": "sandbox_card_expired",
    "4000000000000127": "sandbox_cvc_rejected",
    "4000000000000119": "sandbox_processing_error",
}
# The card page's fields, in the order the page asks them (and the error summary lists them).
CARD_NUMBER, EXPIRY, SECURITY_CODE = "card-number", "expiry", "cvc"
_EXPIRY = re.compile(r"(\d{1,2})\s*/\s*(\d{2}|\d{4})")
_SECURITY_CODE = re.compile(r"\d{3,4}")

FINISHED = {"success", "failed", "cancelled", "error"}


def check_card(number: str, expiry: str, security_code: str, today: date) -> dict[str, str]:
    """What is missing or wrong on the card form, by field, as ui_text keys; empty when the
    form can be sent. Which cards succeed is for :meth:`Sandbox.pay`, as the card's bank."""
    problems: dict[str, str] = {}
    if not any(ch.isdigit() for ch in number):
        problems[CARD_NUMBER] = "sandbox_err_card_number"
    written = _EXPIRY.fullmatch(expiry.strip())
    if not expiry.strip():
        problems[EXPIRY] = "sandbox_err_expiry_required"
    elif written is None or not 1 <= int(written.group(1)) <= 12:
        problems[EXPIRY] = "sandbox_err_expiry_format"
    else:
        month, year = int(written.group(1)), int(written.group(2))
        if (year + 2000 if year < 100 else year, month) < (today.year, today.month):
            problems[EXPIRY] = "sandbox_err_expiry_past"
    if not security_code.strip():
        problems[SECURITY_CODE] = "sandbox_err_cvc_required"
    elif _SECURITY_CODE.fullmatch(security_code.strip()) is None:
        problems[SECURITY_CODE] = "sandbox_err_cvc_format"
    return problems


def sign(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def webhook_secret_for(installation_secret: str, council_id: int) -> str:
    """The sandbox signs each council's webhooks with a secret derived from the installation's."""
    return hmac.new(installation_secret.encode(), f"sandbox-webhooks:{council_id}".encode(), hashlib.sha256).hexdigest()


class Sandbox:
    id = "sandbox"
    capabilities = Capabilities(refunds=True, delayed_capture=False, welsh=True, minimum=1, maximum=10_000_000)

    async def create(self, account: Account, request: PaymentRequest) -> Snapshot:
        payment = await records.sandbox_create(int(account.account_id), request.amount, request.reference,
                                               request.description, request.return_url, LIFETIME)
        return await self._snapshot(account, payment)

    async def get(self, account: Account, provider_payment_id: str) -> Snapshot:
        payment = await records.sandbox_get(provider_payment_id)
        if payment is None or payment.council_id != int(account.account_id):
            raise ProviderError(f"no payment {provider_payment_id}", status=404)
        if payment.status not in FINISHED and records.now() >= payment.expires_at:
            await records.sandbox_update(payment, status="failed", code="P0020")  # abandoned: expired
        return await self._snapshot(account, payment)

    async def _snapshot(self, account: Account, payment: SandboxPayment) -> Snapshot:
        state, reason = canonical_state(payment.status, payment.code)  # the sandbox answers as Pay does
        finished = payment.status in FINISHED
        return Snapshot(
            provider_payment_id=payment.id, state=state, amount=payment.amount, reason=reason,
            next_url=None if finished else f"{account.base_url}/_sandbox/pay/{payment.id}",
            card_brand="Visa" if payment.last_four else None, last_four=payment.last_four,
            refundable=payment.amount - payment.refunded if payment.status == "success" else 0,
            created_at=payment.created_at, raw_status=payment.status,
        )

    async def resume(self, account: Account, provider_payment_id: str) -> str | None:
        return (await self.get(account, provider_payment_id)).next_url

    async def capture(self, account: Account, provider_payment_id: str) -> None:
        raise ProviderError("the sandbox takes payments at once: there is nothing to capture", status=400)

    async def cancel(self, account: Account, provider_payment_id: str) -> None:
        payment = await records.sandbox_get(provider_payment_id)
        if payment is not None and payment.status not in FINISHED:
            await records.sandbox_update(payment, status="cancelled", code="P0040")

    async def refund(self, account: Account, provider_payment_id: str, amount: int, *,
                     expected_available: int, idempotency_key: str) -> RefundResult:
        payment = await records.sandbox_get(provider_payment_id)
        if payment is None or payment.status != "success":
            raise ProviderError("only a successful payment can be refunded", status=400)
        available = payment.amount - payment.refunded
        if expected_available != available:
            raise ProviderError(f"the amount available to refund is now {available}p, not {expected_available}p",
                                status=412)
        if amount < 1 or amount > available:
            raise ProviderError(f"a refund must be between 1p and {available}p", status=400)
        await records.sandbox_update(payment, refunded=payment.refunded + amount)
        return RefundResult(provider_refund_id=f"rfd_{idempotency_key[:12]}", state=RefundState.SUCCEEDED, amount=amount)

    def verify_webhook(self, account: Account, headers: dict[str, str], body: bytes) -> list[Event]:
        given = headers.get("pay-signature", "")
        secrets = [s for s in account.webhook_secret.split(",") if s]
        if not given or not any(hmac.compare_digest(sign(secret, body), given) for secret in secrets):
            raise WebhookRefused("the webhook's signature does not match")
        try:
            message = json.loads(body)
            return [Event(str(message["webhook_message_id"]), str(message["resource_id"]), str(message["event_type"]))]
        except (ValueError, KeyError, TypeError):
            raise WebhookRefused("the webhook's body is not a payment event") from None

    async def list_payments(self, account: Account, since: datetime, until: datetime) -> list[Snapshot]:
        return [await self._snapshot(account, p) for p in await records.sandbox_between(int(account.account_id), since, until)]

    # The hosted card page ------------------------------------------------------------------

    async def pay(self, payment_id: str, card_number: str) -> tuple[str, str | None]:
        """Take a card payment on the hosted page; returns (status, the ui_text key of what to
        tell the payer when the card is refused)."""
        payment = await records.sandbox_get(payment_id)
        if payment is None or payment.status in FINISHED:
            raise ProviderError("this payment has finished", status=400)
        if records.now() >= payment.expires_at:  # as Pay: no card is taken after the 90 minutes
            await records.sandbox_update(payment, status="failed", code="P0020")
            raise ProviderError("this payment has expired", status=400)
        digits = "".join(ch for ch in card_number if ch.isdigit())
        status, code = CARDS.get(digits, ("failed", "P0010"))
        await records.sandbox_update(payment, status=status, code=code, last_four=digits[-4:] or None)
        return status, MESSAGES.get(digits, "sandbox_declined") if status != "success" else None

    async def start(self, payment_id: str) -> SandboxPayment | None:
        """The payer opened the card page: created → started."""
        payment = await records.sandbox_get(payment_id)
        if payment is not None and payment.status == "created":
            await records.sandbox_update(payment, status="started")
        return payment

    async def give_up(self, payment_id: str) -> None:
        """The payer chose Cancel on the card page."""
        payment = await records.sandbox_get(payment_id)
        if payment is not None and payment.status not in FINISHED:
            await records.sandbox_update(payment, status="failed", code="P0030")

    @staticmethod
    def webhook_body(payment: SandboxPayment, message_id: str) -> bytes:
        event = {"success": "card_payment_captured", "failed": "card_payment_failed"}.get(payment.status,
                                                                                         "card_payment_started")
        return json.dumps({"webhook_message_id": message_id, "created_date": records.now().isoformat(),
                           "resource_id": payment.id, "api_version": 1, "resource_type": "payment",
                           "event_type": event, "resource": {"payment_id": payment.id, "amount": payment.amount,
                                                             "state": {"status": payment.status}}}).encode()
