"""Fixtures for email delivery: a council with a sender, a local GOV.UK Notify and a local
SMTP server on 127.0.0.1, and a second database connection acting as another worker.

A test module takes them with ``pytest_plugins = ["email_fixtures"]``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from local_http import free_port, serving
from local_smtp import Mailbox, SmtpServer
from notify_server import NotifyServer
from worker_connection import Worker, other_connection

from runtime.store import Council, create_council


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


@pytest.fixture
async def other_worker(db: str) -> AsyncIterator[Worker[Any]]:
    """Runs store calls over a connection of its own, as another worker process would. Give it
    one coroutine function at a time."""
    async with other_connection(db) as run:
        yield run
