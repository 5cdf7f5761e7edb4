"""The email outbox: each idempotency key enqueues one message."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise.transactions import in_transaction

from runtime.store import (
    Council,
    OutboxMessage,
    enqueue_email,
    list_for_recipient,
    list_messages,
    outbox,
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


# Delivery: claims, leases, outcomes ------------------------------------------------------------

async def test_of_two_workers_claiming_at_once_each_message_goes_to_one(council: Council,
                                                                         second_worker: Any) -> None:
    for number in range(6):
        await enqueue_email(council, "ada@example.org", "S", "B", f"claim:{number}")
    moment = datetime.now(UTC)
    mine, theirs = await asyncio.gather(outbox.claim_due(moment, 50),
                                        second_worker(lambda: outbox.claim_due(moment, 50)))
    ids = [claim.id for claim in mine + theirs]
    assert len(ids) == len(set(ids)) == 6
    assert all(claim.attempts == 1 and not claim.resumed for claim in mine + theirs)
    assert await outbox.claim_due(moment, 50) == []  # all leased


async def test_a_lease_that_ran_out_is_claimed_again_as_resumed(council: Council) -> None:
    message = await enqueue_email(council, "ada@example.org", "S", "B", "lease")
    moment = datetime.now(UTC)
    [first] = await outbox.claim_due(moment)
    assert first.lease == moment + outbox.LEASE and first.sender_address is None
    assert await outbox.claim_due(moment + outbox.LEASE - timedelta(seconds=1)) == []
    [second] = await outbox.claim_due(moment + outbox.LEASE)
    assert second.id == message.id and second.resumed and second.attempts == 2
    # The first worker, late, cannot overwrite what the second one records.
    assert not await outbox.mark_failed(first, "late", moment, moment + timedelta(minutes=1))
    assert await outbox.mark_sent(second, "notify", "n-1", moment)
    assert not await outbox.mark_sent(first, "notify", "n-2", moment)
    stored = await OutboxMessage.get(id=message.id)
    assert (stored.transport_id, stored.last_error, outbox.state_of(stored)) == ("n-1", None, "sent")


async def test_a_dead_message_is_sent_again_only_by_its_council(council: Council, other_council: Council) -> None:
    message = await enqueue_email(council, "ada@example.org", "S", "B", "dead")
    moment = datetime.now(UTC)
    [claim] = await outbox.claim_due(moment)
    assert await outbox.mark_failed(claim, "550 no such mailbox", moment, None)
    assert outbox.state_of(await OutboxMessage.get(id=message.id)) == "dead"
    assert [m.id for m in await outbox.page_of_messages(council, state="dead")] == [message.id]
    assert await outbox.page_of_messages(other_council) == []
    assert await outbox.send_again(other_council, message.id, moment) is None
    again = await outbox.send_again(council, message.id, moment)
    assert again is not None and again.dead_at is None and again.attempts == 0
    assert outbox.state_of(again) == "retrying"  # the error is kept until it is sent
    assert await outbox.send_again(council, message.id, moment) is None  # not dead any more
    [retry] = await outbox.claim_due(moment)
    assert retry.resumed  # so the transport is asked first whether it went after all


async def test_a_subject_is_one_line_and_fits_its_column(council: Council) -> None:
    """Subjects are made from designers' words (a service's title, up to 500 characters, and a
    Welsh one up to 20,000): a line break in one would be refused by every SMTP message (a header
    cannot hold one) and a long one by PostgreSQL's varchar(500). Each is one line of at most 500."""
    title = "Report a pothole\r\nBcc: someone@example.org\u2028" + "x" * 20_000
    message = await enqueue_email(council, "ada@example.org", f"Save your progress: {title}", "Body", "long")
    stored = await OutboxMessage.get(id=message.id)
    assert stored.subject == message.subject
    assert stored.subject.startswith("Save your progress: Report a pothole Bcc: someone@example.org x")
    assert len(stored.subject) == 500 and stored.subject.endswith("…")
    assert not any(character in stored.subject for character in "\r\n\u2028")
    short = await enqueue_email(council, "ada@example.org", "  Received\n", "Body", "short")
    assert short.subject == "Received"
