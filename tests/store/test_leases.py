"""The leased queue the email outbox and webhook deliveries share: one claim per row per
attempt, leases that run out at their end, outcomes only from the current holder."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from worker_connection import Worker

from runtime.store import Council, OutboxMessage, enqueue_email, outbox, webhooks
from runtime.store.leases import LeasedQueue
from runtime.store.models import WebhookDelivery, WebhookEndpoint

LEASE = timedelta(minutes=2)
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

AddRow = Callable[[Council, int], Awaitable[int]]


async def an_email(council: Council, number: int) -> int:
    message = await enqueue_email(council, "ada@example.org", "Subject", "Body", f"lease:{number}")
    return message.id


async def a_webhook(council: Council, number: int) -> int:
    endpoint = await WebhookEndpoint.filter(council_id=council.id).first()
    if endpoint is None:
        endpoint = await WebhookEndpoint.create(council=council, url="https://example.org/hook", secret="",
                                                events=list(webhooks.EVENTS))
    delivery = await WebhookDelivery.create(council=council, endpoint=endpoint, event_id=f"event-{number}",
                                            event_type="submission.created", payload={}, next_attempt_at=START)
    return delivery.id


QUEUES: dict[str, tuple[LeasedQueue[Any], AddRow]] = {
    "outbox": (outbox.QUEUE, an_email),
    "webhooks": (webhooks.QUEUE, a_webhook),
}


@pytest.fixture(params=list(QUEUES))
def queue(request: pytest.FixtureRequest) -> tuple[LeasedQueue[Any], AddRow]:
    return QUEUES[request.param]


async def test_of_two_workers_racing_for_every_row_each_row_goes_to_one(
        council: Council, second_worker: Worker[Any], queue: tuple[LeasedQueue[Any], AddRow]) -> None:
    leased, add = queue
    ids = [await add(council, number) for number in range(8)]

    async def take_all() -> list[int]:
        won = await asyncio.gather(*(leased.claim(row_id, 0, START, LEASE) for row_id in ids))
        return [lease.row_id for lease in won if lease is not None]

    mine, theirs = await asyncio.gather(take_all(), second_worker(take_all))

    assert sorted(mine + theirs) == ids
    assert await leased.due_rows(START, 50, ["id"]) == []


async def test_a_lease_is_held_until_its_end_and_no_longer(
        council: Council, queue: tuple[LeasedQueue[Any], AddRow]) -> None:
    leased, add = queue
    row_id = await add(council, 1)
    first = await leased.claim(row_id, 0, START, LEASE)
    assert first is not None and (first.attempt, first.until) == (1, START + LEASE)

    assert await leased.claim(row_id, 1, START + LEASE - timedelta(microseconds=1), LEASE) is None
    second = await leased.claim(row_id, 1, START + LEASE, LEASE)

    assert second is not None and second.attempt == 2


async def test_a_worker_whose_lease_was_taken_over_cannot_record_its_outcome(
        council: Council, queue: tuple[LeasedQueue[Any], AddRow]) -> None:
    leased, add = queue
    row_id = await add(council, 1)
    slow = await leased.claim(row_id, 0, START, LEASE)
    later = START + LEASE + timedelta(seconds=1)
    fresh = await leased.claim(row_id, 1, later, LEASE)
    assert slow is not None and fresh is not None

    assert not await leased.failed(slow, later, None, last_error="too late")
    assert not await leased.succeeded(slow, later)
    assert await leased.failed(fresh, later, later + timedelta(minutes=1), last_error="refused")

    row = await leased.model.get(id=row_id)
    assert (row.attempts, row.last_error, row.dead_at, row.claimed_until) == (2, "refused", None, None)
    assert row.next_attempt_at == later + timedelta(minutes=1)


async def test_a_stale_worker_cannot_settle_a_row_sent_again_and_claimed_anew(
        council: Council, queue: tuple[LeasedQueue[Any], AddRow]) -> None:
    leased, add = queue
    row_id = await add(council, 1)
    stale = await leased.claim(row_id, 0, START, LEASE)
    assert stale is not None
    await leased.model.filter(id=row_id).update(dead_at=START, claimed_until=None)  # dead while it was held
    assert await leased.send_again(leased.model.all(), row_id, START + timedelta(minutes=1))
    again = await leased.claim(row_id, 0, START + timedelta(minutes=1), LEASE)
    assert again is not None and again.attempt == stale.attempt == 1

    assert not await leased.failed(stale, START + timedelta(minutes=1), None, last_error="stale")
    assert await leased.succeeded(again, START + timedelta(minutes=2))


async def test_only_a_dead_row_is_sent_again_with_a_fresh_budget(
        council: Council, queue: tuple[LeasedQueue[Any], AddRow]) -> None:
    leased, add = queue
    row_id = await add(council, 1)
    assert not await leased.send_again(leased.model.all(), row_id, START)  # not dead
    held = await leased.claim(row_id, 0, START, LEASE)
    assert held is not None and await leased.failed(held, START, None, last_error="gone")
    assert await leased.due_rows(START + timedelta(days=1), 50, ["id"]) == []

    assert await leased.send_again(leased.model.all(), row_id, START + timedelta(hours=1))

    row = await leased.model.get(id=row_id)
    assert (row.attempts, row.dead_at, row.claimed_until) == (0, None, None)
    assert [due.id for due in await leased.due_rows(START + timedelta(hours=1), 50, ["id"])] == [row_id]


async def test_work_known_done_is_marked_done_even_after_the_lease_ran_out(council: Council) -> None:
    row_id = await an_email(council, 1)
    slow = await outbox.QUEUE.claim(row_id, 0, START, LEASE)
    assert slow is not None
    later = START + LEASE + timedelta(seconds=1)
    assert await outbox.QUEUE.claim(row_id, 1, later, LEASE) is not None

    assert await outbox.QUEUE.mark_done(row_id, later, transport="dev")
    assert not await outbox.QUEUE.mark_done(row_id, later, transport="dev")
    row = await OutboxMessage.get(id=row_id)
    assert row.sent_at == later and row.claimed_until is None and row.transport == "dev"
