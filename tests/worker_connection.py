"""A second connection to the test database, as another worker process would hold, for the
store's and the delivery's concurrency tests.

A fixture yields it from ``other_connection(db)``; test modules anywhere under tests/ import
it by name (the folder of tests/conftest.py is on ``sys.path``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from tortoise.context import TortoiseContext

from runtime.store.database import tortoise_config

T = TypeVar("T")

Worker = Callable[[Callable[[], Awaitable[T]]], Awaitable[T]]


@asynccontextmanager
async def other_connection(db: str) -> AsyncIterator[Worker[Any]]:
    """Runs store calls over a connection of its own, as another worker process would.

    Give it one coroutine function at a time (gather inside it for concurrency): a Tortoise
    context can be the current one in only one task at once.
    """
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
