"""The outbox under a worker killed mid-send: no message lost, none sent twice.

A real worker process claims the message and posts it to the local GOV.UK Notify, and is
killed with SIGKILL either after Notify recorded the notification (but before the answer, so
before the outbox could mark it sent) or before Notify recorded anything. Another worker then
runs once the dead one's lease has run out: it finds the first case's notification by its
reference and only marks it sent, and sends the second case's once. SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from notify_server import API_KEY, TEMPLATE_ID, NotifyServer

from runtime.delivery.email import NotifyTransport, Sender, deliver_due
from runtime.store import Council, OutboxMessage, enqueue_email
from runtime.store.outbox import LEASE

pytest_plugins = ["email_fixtures"]  # council, notify

WORKER = Path(__file__).with_name("email_worker_process.py")
KEY = "status:7:42"


def transport(notify: NotifyServer) -> NotifyTransport:
    return NotifyTransport(API_KEY, TEMPLATE_ID, base_url=notify.url, sender=Sender("Borough", "noreply@borough.example"))


async def kill_worker_once(db: str, notify: NotifyServer, *, when: str) -> None:
    """Start a worker, wait until its POST reached Notify (and, "after", was recorded), and
    kill it with SIGKILL there."""
    notify.stall(when)
    process = subprocess.Popen([sys.executable, str(WORKER), db, notify.url, API_KEY, TEMPLATE_ID],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while not (notify.with_reference(KEY) if when == "after" else notify.posts):
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "the worker never reached Notify"
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.2)  # it is waiting for Notify's answer
        os.kill(process.pid, signal.SIGKILL)
        assert process.wait(timeout=10) == -signal.SIGKILL
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        notify.release()


async def test_killed_after_notify_accepted_it_is_marked_sent_not_sent_again(db: str, council: Council,
                                                                             notify: NotifyServer) -> None:
    message = await enqueue_email(council, "ada@example.org", "Received", "Your reference is ABCD-2345.", KEY)
    await kill_worker_once(db, notify, when="after")
    held = await OutboxMessage.get(id=message.id)
    assert held.sent_at is None and held.attempts == 1 and held.claimed_until is not None
    assert len(notify.with_reference(KEY)) == 1

    # While the dead worker's lease lasts, nobody else touches the message.
    assert await deliver_due(transport(notify)) == 0
    assert len(notify.posts) == 1

    later = datetime.now(UTC) + LEASE + timedelta(seconds=1)
    assert await deliver_due(transport(notify), now=later) == 1
    [only] = notify.with_reference(KEY)
    done = await OutboxMessage.get(id=message.id)
    assert done.sent_at is not None and done.transport == "notify" and done.transport_id == only.id
    assert done.attempts == 2 and done.claimed_until is None
    assert len(notify.posts) == 1  # looked up, never posted again
    assert await deliver_due(transport(notify), now=later + timedelta(days=2)) == 0


async def test_killed_before_notify_recorded_it_is_sent_once_later(db: str, council: Council,
                                                                   notify: NotifyServer) -> None:
    message = await enqueue_email(council, "ada@example.org", "Received", "Your reference is ABCD-2345.", KEY)
    await kill_worker_once(db, notify, when="before")
    assert notify.with_reference(KEY) == []
    held = await OutboxMessage.get(id=message.id)
    assert held.sent_at is None and held.attempts == 1

    later = datetime.now(UTC) + LEASE + timedelta(seconds=1)
    assert await deliver_due(transport(notify), now=later) == 1
    [only] = notify.with_reference(KEY)
    done = await OutboxMessage.get(id=message.id)
    assert done.sent_at is not None and done.transport_id == only.id
    assert len(notify.posts) == 2  # the killed try (never recorded) and this one
