"""Applications as the resident app stores them, for the staff pages' tests: started, answered
and sent through the store, in the workflow's first state unless told otherwise."""

from __future__ import annotations

from typing import Any

from runtime import store
from runtime.store.models import Submission

RESIDENT = {"name": "Ann", "email": "ann@example.org"}


async def send(council: store.Council, service: str, answers: dict[str, Any] | None = None, *,
               state: str | None = None) -> Submission:
    """One application to `service`, with `answers` (a name and an email by default)."""
    version = await store.get_latest(council, service)
    assert version is not None, f"{service} is not published in {council.slug}"
    journey = await store.start_journey(council, version)
    initial = version.definition["workflow"]["initial"]  # type: ignore[index]
    submission, _ = await store.submit(journey, answers or RESIDENT, state or initial)
    return submission
