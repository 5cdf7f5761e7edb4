"""The email outbox: messages are enqueued here and sent by a separate worker.

Enqueueing is idempotent on ``idempotency_key`` (for example ``"submitted:ABCD-2345"``),
so retried requests and racing workers enqueue each email once.
"""

from __future__ import annotations

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from runtime.store.models import Council, OutboxMessage

EMAIL = "email"


async def enqueue_email(
    council: Council | None,
    recipient: str,
    subject: str,
    body_text: str,
    idempotency_key: str,
) -> OutboxMessage:
    """Queue an email, or return the one already queued under ``idempotency_key``.

    ``council`` is None for installation mail (for example to staff of no council yet).
    """
    existing = await OutboxMessage.get_or_none(idempotency_key=idempotency_key)
    if existing is not None:
        return existing
    try:
        # A savepoint when the caller is in a transaction, so a duplicate does not abort it.
        async with in_transaction():
            return await OutboxMessage.create(
                council=council,
                kind=EMAIL,
                recipient=recipient,
                subject=subject,
                body_text=body_text,
                idempotency_key=idempotency_key,
            )
    except IntegrityError:
        existing = await OutboxMessage.get_or_none(idempotency_key=idempotency_key)
        if existing is None:
            raise
        return existing


async def list_messages(limit: int = 50) -> list[OutboxMessage]:
    """The most recent messages of the whole installation, newest first."""
    return await OutboxMessage.all().order_by("-created_at", "-id").limit(limit)


async def list_for_recipient(recipient: str) -> list[OutboxMessage]:
    """Every message to ``recipient``, newest first."""
    return await OutboxMessage.filter(recipient=recipient).order_by("-created_at", "-id")
