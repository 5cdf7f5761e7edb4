"""Councils, local receivers for their webhook endpoints, and a second worker."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from webhook_receiver import Receiver
from webhook_world import SECRET_A, SECRET_B
from worker_connection import Worker, other_connection

from runtime.store import Council, create_council


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


@pytest.fixture
async def second_worker(db: str) -> AsyncIterator[Worker[Any]]:
    """Runs store calls over a connection of its own, as another worker process would."""
    async with other_connection(db) as run:
        yield run
