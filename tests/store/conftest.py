"""Councils, published services and journeys to test the store with."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from worker_connection import Worker, other_connection

from runtime.store import (
    Council,
    Journey,
    ServiceVersion,
    create_council,
    publish_version,
    start_journey,
)

HASH_1 = "1" * 64


WORKFLOW = {
    "id": "permit",
    "initial": "received",
    "states": {
        "received": {"on": {"DONE": {"target": "done"}},
                     "meta": {"label": "New", "residentText": "We have it.", "tag": "blue"}},
        "done": {"type": "final", "meta": {"label": "Done", "residentText": "Done.", "tag": "green"}},
    },
}


def definition(
    service_id: str = "apply-for-a-permit", version: str = "1.0.0", **extra: Any
) -> dict[str, Any]:
    """A stand-in for a service definition: the store reads only id, version, title and workflow."""
    return {"id": service_id, "version": version, "title": "Apply for a permit", "workflow": WORKFLOW, **extra}


@pytest.fixture
async def council(db: str) -> Council:
    return await create_council("northshire", "Northshire Council")


@pytest.fixture
async def other_council(db: str) -> Council:
    return await create_council("southshire", "Southshire Council")


@pytest.fixture
async def service_version(council: Council) -> ServiceVersion:
    return await publish_version(council, definition(), HASH_1)


@pytest.fixture
async def journey(council: Council, service_version: ServiceVersion) -> Journey:
    return await start_journey(council, service_version, "en")


@pytest.fixture
async def second_worker(db: str) -> AsyncIterator[Worker[Any]]:
    """Runs store calls over a connection of its own, as another worker process would.

    Give it one coroutine function at a time (gather inside it for concurrency): a Tortoise
    context can be the current one in only one task at once.
    """
    async with other_connection(db) as run:
        yield run
