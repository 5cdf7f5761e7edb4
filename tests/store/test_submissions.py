"""Submissions: one per journey however often or concurrently it is submitted."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from tortoise.exceptions import IntegrityError

from runtime.store import (
    Council,
    Journey,
    ServiceVersion,
    Submission,
    get_by_reference,
    get_for_journey,
    get_journey,
    start_journey,
    submit,
)
from runtime.store import submissions as submissions_module
from runtime.store.references import ALPHABET


async def test_submitting_creates_a_submission_with_a_reference(
    council: Council, journey: Journey
) -> None:
    submission, created = await submit(journey, {"name": "Ada"}, "received")

    assert created is True
    assert submission.answers == {"name": "Ada"}
    assert submission.state == "received"
    assert (submission.council_id, submission.journey_id) == (council.id, journey.id)
    assert submission.service_version_id == journey.service_version_id
    assert submission.language == journey.language
    assert len(submission.reference) == 9
    assert set(submission.reference.replace("-", "")) <= set(ALPHABET)
    assert journey.submitted is True
    found = await get_journey(council, journey.id)
    assert found is not None and found.submitted is True


async def test_submitting_twice_returns_the_first_submission(journey: Journey) -> None:
    first, first_created = await submit(journey, {"name": "Ada"}, "received")
    second, second_created = await submit(journey, {"name": "Grace"}, "received")
    assert (first_created, second_created) == (True, False)
    assert second.id == first.id and second.answers == {"name": "Ada"}
    assert await Submission.filter(journey_id=journey.id).count() == 1


async def test_concurrent_submissions_create_exactly_one(journey: Journey) -> None:
    results = await asyncio.gather(*(submit(journey, {"n": n}, "received") for n in range(10)))

    assert sum(created for _, created in results) == 1
    assert len({submission.id for submission, _ in results}) == 1
    assert await Submission.filter(journey_id=journey.id).count() == 1


async def test_two_workers_submitting_at_once_create_exactly_one(
    council: Council, journey: Journey, second_worker: Any
) -> None:
    """Two connections, as two worker processes would have, race to submit one journey."""
    other = await get_journey(council, journey.id)
    assert other is not None

    async def five_submissions() -> list[tuple[Submission, bool]]:
        return await asyncio.gather(*(submit(other, {"worker": 2}, "received") for _ in range(5)))

    first_worker = asyncio.gather(*(submit(journey, {"worker": 1}, "received") for _ in range(5)))
    firsts, seconds = await asyncio.gather(first_worker, second_worker(five_submissions))
    results = [*firsts, *seconds]

    assert sum(created for _, created in results) == 1
    assert len({submission.id for submission, _ in results}) == 1
    assert await Submission.filter(journey_id=journey.id).count() == 1


async def test_each_journey_gets_its_own_reference(
    council: Council, service_version: ServiceVersion
) -> None:
    journeys = [await start_journey(council, service_version, "en") for _ in range(20)]
    submitted = [await submit(journey, {}, "received") for journey in journeys]
    assert len({submission.reference for submission, _ in submitted}) == 20


async def test_a_taken_reference_is_drawn_again(
    monkeypatch: pytest.MonkeyPatch,
    council: Council,
    service_version: ServiceVersion,
    journey: Journey,
) -> None:
    taken, _ = await submit(journey, {}, "received")
    draws = iter([taken.reference, taken.reference, "WXYZ-2345"])
    monkeypatch.setattr(submissions_module, "new_reference", lambda: next(draws))

    second, created = await submit(await start_journey(council, service_version, "en"), {}, "new")

    assert created and second.reference == "WXYZ-2345"


async def test_submitting_gives_up_after_five_taken_references(
    monkeypatch: pytest.MonkeyPatch,
    council: Council,
    service_version: ServiceVersion,
    journey: Journey,
) -> None:
    taken, _ = await submit(journey, {}, "received")
    monkeypatch.setattr(submissions_module, "new_reference", lambda: taken.reference)
    unlucky = await start_journey(council, service_version, "en")

    with pytest.raises(IntegrityError):
        await submit(unlucky, {}, "received")

    assert await get_for_journey(unlucky) is None
    found = await get_journey(council, unlucky.id)
    assert found is not None and found.submitted is False


async def test_a_submission_is_found_by_reference_however_it_is_typed(
    council: Council, journey: Journey
) -> None:
    submission, _ = await submit(journey, {}, "received")
    typed = f"  {submission.reference.lower().replace('-', ' ')} "
    found = await get_by_reference(council, typed)
    assert found is not None and found.id == submission.id
    assert await get_by_reference(council, "not a reference") is None


async def test_another_councils_submission_is_not_found(
    council: Council, other_council: Council, journey: Journey
) -> None:
    submission, _ = await submit(journey, {}, "received")
    assert await get_by_reference(other_council, submission.reference) is None
    other_copy = Journey(id=journey.id, council_id=other_council.id)
    assert await get_for_journey(other_copy) is None
    mine = await get_for_journey(journey)
    assert mine is not None and mine.id == submission.id
