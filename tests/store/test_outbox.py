"""The email outbox: each idempotency key enqueues one message."""

from __future__ import annotations

import asyncio

from tortoise.transactions import in_transaction

from runtime.store import (
    Council,
    OutboxMessage,
    enqueue_email,
    list_for_recipient,
    list_messages,
)


async def test_an_email_is_queued_unsent(council: Council) -> None:
    message = await enqueue_email(
        council, "ada@example.org", "Application received", "Your reference is ABCD-2345.", "k1"
    )
    assert message.kind == "email"
    assert (message.council_id, message.recipient) == (council.id, "ada@example.org")
    assert message.sent_at is None and message.last_error is None
    assert message.attempts == 0
    assert message.created_at.tzinfo is not None


async def test_the_same_key_queues_one_email(council: Council) -> None:
    first = await enqueue_email(council, "ada@example.org", "Received", "Body", "submitted:1")
    second = await enqueue_email(
        council, "ada@example.org", "Received again", "Body", "submitted:1"
    )
    assert second.id == first.id and second.subject == "Received"
    assert await OutboxMessage.all().count() == 1


async def test_concurrent_enqueues_of_one_key_queue_one_email(council: Council) -> None:
    messages = await asyncio.gather(
        *(enqueue_email(council, "ada@example.org", "S", "B", "race") for _ in range(10))
    )
    assert len({message.id for message in messages}) == 1
    assert await OutboxMessage.all().count() == 1


async def test_a_duplicate_inside_a_transaction_does_not_spoil_it(council: Council) -> None:
    await enqueue_email(council, "ada@example.org", "S", "B", "once")
    async with in_transaction():
        again = await enqueue_email(council, "ada@example.org", "S", "B", "once")
        other = await enqueue_email(council, "ada@example.org", "S", "B", "twice")
    assert again.idempotency_key == "once" and other.idempotency_key == "twice"
    assert await OutboxMessage.all().count() == 2


async def test_installation_mail_has_no_council(db: str) -> None:
    message = await enqueue_email(None, "admin@example.org", "Welcome", "Hello", "welcome:1")
    assert message.council_id is None


async def test_messages_are_listed_newest_first(council: Council) -> None:
    for number in range(3):
        await enqueue_email(council, f"r{number % 2}@example.org", f"S{number}", "B", f"k{number}")
    assert [message.subject for message in await list_messages()] == ["S2", "S1", "S0"]
    assert [message.subject for message in await list_messages(limit=2)] == ["S2", "S1"]
    assert [message.subject for message in await list_for_recipient("r0@example.org")] == [
        "S2",
        "S0",
    ]
    assert await list_for_recipient("nobody@example.org") == []
