"""Fixtures for email delivery: a council with a sender, a local GOV.UK Notify and a local
SMTP server on 127.0.0.1, and a second database connection acting as another worker.

A test module takes them with ``pytest_plugins = ["email_fixtures"]``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any, TypeVar

import pytest
from aiosmtpd.controller import Controller
from local_smtp import Mailbox, SmtpServer
from notify_server import NotifyServer, free_port, serving
from tortoise.context import TortoiseContext

from runtime.store import Council, create_council
from runtime.store.database import tortoise_config

T = TypeVar("T")


@pytest.fixture
async def council(db: str) -> Council:
    return await create_council("northshire", "Northshire Council", email_sender_name="Northshire Council",
                                email_sender_address="noreply@northshire.example",
                                email_reply_to="help@northshire.example")


@pytest.fixture
def notify() -> Iterator[NotifyServer]:
    server = NotifyServer()
    with serving(server.app()) as url:
        server.url = url
        try:
            yield server
        finally:
            server.release()


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield SmtpServer("127.0.0.1", port, mailbox)
    finally:
        controller.stop()


Worker = Callable[[Callable[[], Awaitable[T]]], Awaitable[T]]


@pytest.fixture
async def other_worker(db: str) -> AsyncIterator[Worker[Any]]:
    """Runs store calls over a connection of its own, as another worker process would. Give it
    one coroutine function at a time."""
    context = TortoiseContext()
    with context:
        await context.init(config=tortoise_config(db))

    async def run(call: Callable[[], Awaitable[T]]) -> T:
        with context:
            return await call()

    try:
        yield run
    finally:
        await context.close_connections()
