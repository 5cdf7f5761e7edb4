"""Payment attempts, their history, processed webhooks, refunds, and the sandbox's records.

`apply` is the only way an attempt changes state: under a row lock (on PostgreSQL; SQLite
serialises writers) it moves the attempt one way, writes the history, and promotes the
attempt's pending submission exactly once when money is taken. A second success for a
submission that is already paid is flagged for refund, never kept silently.
"""

from __future__ import annotations

import contextlib
import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from runtime.core.links import Links
from runtime.core.payments import FINAL, PaymentState, advance
from runtime.core.workflow import AWAITING_PAYMENT, PAYMENT_FAILED, PAYMENT_SUCCEEDED
from runtime.store import workflow
from runtime.store.lookups import could_exist
from runtime.store.models import (
    Council,
    PaymentAttempt,
    PaymentEvent,
    Refund,
    SandboxPayment,
    StaffUser,
    Submission,
    WebhookMessage,
)
from runtime.store.scope import owned


def now() -> datetime:
    return datetime.now(UTC)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


async def begin_attempt(council: Council, submission: Submission, provider: str, amount: int,
                        fees: dict[str, Any], lifetime: timedelta) -> tuple[PaymentAttempt, str]:
    """A new attempt, stored before any provider is called; returns it and its return token."""
    token = secrets.token_urlsafe(32)
    attempt = await PaymentAttempt.create(
        council=council, submission=submission, provider=provider, amount=amount, fees=fees,
        reference=f"{submission.reference}-P{secrets.token_hex(3).upper()}",
        return_token=token_hash(token), idempotency_key=secrets.token_hex(16),
        expires_at=now() + lifetime,
    )
    await PaymentEvent.create(attempt=attempt, from_state="", to_state=PaymentState.CREATED.value, source="service")
    return attempt, token


async def started(attempt: PaymentAttempt, provider_payment_id: str, next_url: str | None) -> None:
    await PaymentAttempt.filter(id=attempt.id).update(provider_payment_id=provider_payment_id, next_url=next_url)
    attempt.provider_payment_id = provider_payment_id
    attempt.next_url = next_url  # type: ignore[assignment]  # a nullable column, typed str by Tortoise


async def by_token(token: str) -> PaymentAttempt | None:
    return await PaymentAttempt.get_or_none(return_token=token_hash(token)).select_related("council", "submission")


async def by_provider_id(council: Council, provider: str, provider_payment_id: str) -> PaymentAttempt | None:
    return await owned(PaymentAttempt, council).get_or_none(provider=provider, provider_payment_id=provider_payment_id)


async def get_attempt(attempt_id: int) -> PaymentAttempt | None:
    return await PaymentAttempt.get_or_none(id=attempt_id).select_related("council", "submission")


async def attempts_for(submission: Submission) -> list[PaymentAttempt]:
    return await PaymentAttempt.filter(submission_id=submission.id, council_id=submission.council_id).order_by("id")


async def open_attempt(submission: Submission) -> PaymentAttempt | None:
    """The submission's unfinished, unexpired attempt, to resume rather than pay again."""
    return await (
        PaymentAttempt.filter(submission_id=submission.id, council_id=submission.council_id,
                              state__not_in=[s.value for s in FINAL], expires_at__gt=now())
        .order_by("-id").first()
    )


async def unfinished(limit: int = 100) -> list[PaymentAttempt]:
    """Attempts not yet final, oldest first: what the reconciler looks at."""
    return await (PaymentAttempt.filter(state__not_in=[s.value for s in FINAL])
                  .order_by("updated_at").limit(limit).select_related("council", "submission"))


async def history(attempt: PaymentAttempt) -> list[PaymentEvent]:
    return await PaymentEvent.filter(attempt_id=attempt.id).order_by("id")


@dataclass(frozen=True)
class Applied:
    attempt: PaymentAttempt
    moved: bool
    promoted: bool  # this call turned the pending submission into a sent application


async def apply(attempt_id: int, observed: PaymentState, *, source: str, links: Links | None = None,
                reason: str | None = None, amount: int | None = None, details: dict[str, Any] | None = None) -> Applied:
    async with in_transaction() as connection:
        attempt = await PaymentAttempt.filter(id=attempt_id).using_db(connection).select_for_update().get()
        current = PaymentState(attempt.state)
        target = advance(current, observed)
        if target is None:
            return Applied(attempt, False, False)
        changes: dict[str, Any] = {"state": target.value}
        if reason and target in FINAL:
            changes["failure_reason"] = reason
        for key in ("card_brand", "last_four"):
            if details and details.get(key):
                changes[key] = details[key]
        wrong_amount = target == PaymentState.SUCCEEDED and amount is not None and amount != attempt.amount
        if wrong_amount:
            changes["flagged_for_refund"] = True
        await PaymentAttempt.filter(id=attempt.id).using_db(connection).update(**changes)
        await PaymentEvent.create(attempt_id=attempt.id, from_state=current.value, to_state=target.value,
                                  source=source, detail={"amount": amount, **({"reason": reason} if reason else {})},
                                  using_db=connection)
        promoted = False
        if target == PaymentState.SUCCEEDED and not wrong_amount:
            promoted = await Submission.filter(id=attempt.submission_id, awaiting_payment=True).using_db(
                connection).update(awaiting_payment=False, submitted_at=now()) == 1
            if not promoted:  # already paid by another attempt: this money must go back
                await PaymentAttempt.filter(id=attempt.id).using_db(connection).update(flagged_for_refund=True)
                changes["flagged_for_refund"] = True
        if promoted or (target in FINAL and target != PaymentState.SUCCEEDED):
            # The outcome enters the application's workflow as an event, in this transaction.
            submission = await Submission.filter(id=attempt.submission_id).using_db(connection).select_for_update().get()
            if submission.state == AWAITING_PAYMENT:
                event = PAYMENT_SUCCEEDED if promoted else PAYMENT_FAILED
                note = "" if promoted else (reason or target.value)
                await workflow.take_in(submission, workflow.Move(event, note=note, data={"payment": attempt.reference}),
                                       links, connection)
        for key, value in changes.items():
            setattr(attempt, key, value)
        return Applied(attempt, True, promoted)


async def webhook_seen(provider: str, message_id: str) -> bool:
    return await WebhookMessage.exists(provider=provider, message_id=message_id)


async def webhook_done(provider: str, message_id: str, provider_payment_id: str | None) -> None:
    """Record a webhook as processed, after it was acted on (a duplicate is harmless)."""
    with contextlib.suppress(IntegrityError):
        await WebhookMessage.create(provider=provider, message_id=message_id, provider_payment_id=provider_payment_id)


async def payments_between(council: Council, since: datetime, until: datetime) -> list[PaymentAttempt]:
    return await (owned(PaymentAttempt, council).filter(created_at__gte=since, created_at__lt=until)
                  .order_by("created_at").select_related("submission"))


# Refunds -------------------------------------------------------------------------------------

async def begin_refund(attempt: PaymentAttempt, amount: int, reason: str, by: StaffUser | None) -> Refund:
    return await Refund.create(council_id=attempt.council_id, attempt=attempt, amount=amount, reason=reason,
                               created_by=by, idempotency_key=secrets.token_hex(16))


async def settle_refund(refund: Refund, state: str, provider_refund_id: str | None) -> None:
    await Refund.filter(id=refund.id).update(state=state, provider_refund_id=provider_refund_id)
    refund.state, refund.provider_refund_id = state, provider_refund_id


async def refunds_for(attempt: PaymentAttempt) -> list[Refund]:
    return await Refund.filter(attempt_id=attempt.id, council_id=attempt.council_id).order_by("id")


async def refunded_total(attempt: PaymentAttempt) -> int:
    return sum(r.amount for r in await refunds_for(attempt) if r.state != "failed")


# The sandbox provider's side -------------------------------------------------------------------

async def sandbox_create(council_id: int, amount: int, reference: str, description: str, return_url: str,
                         lifetime: timedelta) -> SandboxPayment:
    return await SandboxPayment.create(id="sbx_" + secrets.token_hex(12), council_id=council_id, amount=amount,
                                       reference=reference, description=description, return_url=return_url,
                                       expires_at=now() + lifetime)


async def sandbox_get(payment_id: str) -> SandboxPayment | None:
    if not could_exist(SandboxPayment, "id", payment_id):  # from the card page's URL
        return None
    return await SandboxPayment.get_or_none(id=payment_id)


async def sandbox_update(payment: SandboxPayment, **changes: Any) -> None:
    await SandboxPayment.filter(id=payment.id).update(**changes)
    for key, value in changes.items():
        setattr(payment, key, value)


async def sandbox_between(council_id: int, since: datetime, until: datetime) -> list[SandboxPayment]:
    return await SandboxPayment.filter(council_id=council_id, created_at__gte=since, created_at__lt=until).order_by("created_at")
