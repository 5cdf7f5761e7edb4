"""Councils, local receivers for their webhook endpoints, and a second worker."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any, TypeVar

import pytest
from tortoise.context import TortoiseContext
from webhook_receiver import Receiver
from webhook_world import SECRET_A, SECRET_B

from runtime.store import Council, create_council
from runtime.store.database import tortoise_config

T = TypeVar("T")


@pytest.fixture
async def alpha(db: str) -> Council:
    return await create_council("alpha", "Alpha Borough Council")


@pytest.fixture
async def beta(db: str) -> Council:
    return await create_council("beta", "Beta District Council")


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver(SECRET_A).running() as running:
        yield running


@pytest.fixture
def beta_receiver() -> Iterator[Receiver]:
    with Receiver(SECRET_B).running() as running:
        yield running


Worker = Callable[[Callable[[], Awaitable[T]]], Awaitable[T]]


@pytest.fixture
async def second_worker(db: str) -> AsyncIterator[Worker[Any]]:
    """Runs store calls over a connection of its own, as another worker process would."""
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
