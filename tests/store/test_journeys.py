"""Journeys: scoped to their council, saved as changes applied to the latest answers (however
many saves come at once), expiring."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from worker_connection import Worker

from runtime.core.answers import MISSING
from runtime.store import (
    AnswersNotSaved,
    ConcurrentUpdate,
    Council,
    Journey,
    JourneyExpired,
    JourneySubmitted,
    Progress,
    ServiceVersion,
    get_journey,
    page_answered,
    page_visited,
    publish_version,
    save_answers,
    set_resume_email,
    start_journey,
    submit,
)
from runtime.store.journeys import LIFETIME


async def test_a_new_journey_is_empty_and_lives_28_days(
    council: Council, service_version: ServiceVersion
) -> None:
    before = datetime.now(UTC)
    journey = await start_journey(council, service_version, "cy")
    found = await get_journey(council, journey.id)
    assert found is not None
    assert (found.answers, found.visited, found.language) == ({}, [], "cy")
    assert (found.submitted, found.lock_version, found.resume_email) == (False, 0, None)
    assert found.service_version_id == service_version.id
    assert before + LIFETIME <= found.expires_at <= datetime.now(UTC) + LIFETIME


async def test_a_journey_is_found_by_its_id_as_text(council: Council, journey: Journey) -> None:
    found = await get_journey(council, str(journey.id))
    assert found is not None and found.id == journey.id


@pytest.mark.parametrize(
    "journey_id", ["", "not-a-uuid", "1; DROP TABLE journey", "7ce39510-cdfc-4518-b4e7-543ed9d6393d"]
)
async def test_unknown_or_malformed_ids_are_not_found(council: Council, journey_id: str) -> None:
    assert await get_journey(council, journey_id) is None


async def test_another_councils_journey_is_not_found(
    council: Council, other_council: Council, journey: Journey
) -> None:
    assert await get_journey(other_council, journey.id) is None
    assert await get_journey(council, journey.id) is not None


async def test_a_journey_cannot_start_on_another_councils_service(
    other_council: Council, service_version: ServiceVersion
) -> None:
    with pytest.raises(ValueError, match="another council"):
        await start_journey(other_council, service_version, "en")


async def test_expired_journeys_are_not_found(council: Council, journey: Journey) -> None:
    await Journey.filter(id=journey.id).update(expires_at=datetime.now(UTC) - timedelta(seconds=1))
    assert await get_journey(council, journey.id) is None


async def test_saving_stores_answers_and_renews_the_journey(
    council: Council, journey: Journey
) -> None:
    await Journey.filter(id=journey.id).update(expires_at=datetime.now(UTC) + timedelta(hours=1))
    stale = await get_journey(council, journey.id)
    assert stale is not None

    saved = await save_answers(stale, lambda _: Progress({"name": "Ada", "pets": [{"kind": "cat"}]}, ["name", "pets"]))

    assert saved is stale and saved.lock_version == 1
    found = await get_journey(council, journey.id)
    assert found is not None
    assert found.answers == {"name": "Ada", "pets": [{"kind": "cat"}]}
    assert found.visited == ["name", "pets"]
    assert found.lock_version == 1
    assert found.expires_at > datetime.now(UTC) + LIFETIME - timedelta(minutes=1)
    assert found.updated_at >= found.created_at


async def test_saving_twice_in_a_row_works(council: Council, journey: Journey) -> None:
    await save_answers(journey, page_answered("a", {"/a": 1}))
    await save_answers(journey, page_answered("b", {"/b": 2}))
    found = await get_journey(council, journey.id)
    assert found is not None and (found.answers, found.visited, found.lock_version) == ({"a": 1, "b": 2}, ["a", "b"], 2)


async def test_a_page_puts_its_answers_in_by_pointer_and_clears_what_it_no_longer_has(
        council: Council, journey: Journey) -> None:
    await save_answers(journey, page_answered("address", {"/address/line1": "1 High Street", "/address/town": "Ely"}))
    await save_answers(journey, page_answered("address", {"/address/line1": "2 Low Road", "/address/town": MISSING}))
    await save_answers(journey, page_visited("address"))

    found = await get_journey(council, journey.id)
    assert found is not None
    assert (found.answers, found.visited) == ({"address": {"line1": "2 Low Road"}}, ["address"])


async def test_a_stale_copy_saves_its_change_on_the_latest_answers(council: Council, journey: Journey) -> None:
    first_tab = await get_journey(council, journey.id)
    second_tab = await get_journey(council, journey.id)
    assert first_tab is not None and second_tab is not None
    await save_answers(first_tab, page_answered("name", {"/name": "Ada"}))

    saved = await save_answers(second_tab, page_answered("email", {"/email": "ada@example.org"}))

    assert saved is second_tab and saved.lock_version == 2
    found = await get_journey(council, journey.id)
    assert found is not None
    assert (found.answers, found.visited) == ({"name": "Ada", "email": "ada@example.org"}, ["name", "email"])
    assert (saved.answers, saved.visited) == (found.answers, found.visited)


async def test_a_change_that_cannot_be_applied_in_its_tries_is_refused_and_saves_nothing(
        council: Council, journey: Journey) -> None:
    stale = await get_journey(council, journey.id)
    assert stale is not None
    await save_answers(journey, page_answered("name", {"/name": "Ada"}))

    with pytest.raises(AnswersNotSaved) as raised:
        await save_answers(stale, page_answered("name", {"/name": "Grace"}), attempts=1)

    assert isinstance(raised.value, ConcurrentUpdate) and raised.value.code == "answers-not-saved"
    found = await get_journey(council, journey.id)
    assert found is not None and (found.answers, found.lock_version) == ({"name": "Ada"}, 1)


async def test_a_submitted_journey_cannot_be_saved(council: Council, journey: Journey) -> None:
    stale = await get_journey(council, journey.id)
    assert stale is not None
    await submit(journey, {}, "received")
    for copy in (journey, stale):
        with pytest.raises(JourneySubmitted):
            await save_answers(copy, page_answered("name", {"/name": "Late"}))


async def test_a_journey_that_expired_since_it_was_read_is_not_saved_on_retry(
        council: Council, journey: Journey) -> None:
    stale = await get_journey(council, journey.id)
    assert stale is not None
    await save_answers(journey, page_answered("name", {"/name": "Ada"}))
    await Journey.filter(id=journey.id).update(expires_at=datetime.now(UTC) - timedelta(seconds=1))

    with pytest.raises(JourneyExpired):
        await save_answers(stale, page_answered("email", {"/email": "ada@example.org"}))

    assert (await Journey.get(id=journey.id)).answers == {"name": "Ada"}


PAGES = 24


async def test_many_saves_of_different_pages_at_once_are_all_kept(
        council: Council, journey: Journey, second_worker: Worker[Any]) -> None:
    """Two tabs, a double click, a retrying proxy, several workers: every save is applied on
    the answers the others left, over this connection (a pool on PostgreSQL) and another."""
    copies = [await get_journey(council, journey.id) for _ in range(PAGES)]

    async def save_pages(numbers: range) -> list[Journey]:
        saves = []
        for number in numbers:
            copy = copies[number]
            assert copy is not None
            saves.append(save_answers(copy, page_answered(f"page-{number}", {f"/q{number}/value": number})))
        return await asyncio.gather(*saves)

    mine, theirs = await asyncio.gather(save_pages(range(0, PAGES, 2)),
                                        second_worker(lambda: save_pages(range(1, PAGES, 2))))

    found = await get_journey(council, journey.id)
    assert found is not None
    assert found.answers == {f"q{number}": {"value": number} for number in range(PAGES)}
    assert sorted(found.visited) == sorted(f"page-{number}" for number in range(PAGES))
    assert found.lock_version == PAGES
    assert sorted(saved.lock_version for saved in mine + theirs) == list(range(1, PAGES + 1))


async def test_the_resume_email_is_remembered(council: Council, journey: Journey) -> None:
    await set_resume_email(journey, "ada@example.org")
    found = await get_journey(council, journey.id)
    assert found is not None and found.resume_email == "ada@example.org"
    await set_resume_email(journey, None)
    found = await get_journey(council, journey.id)
    assert found is not None and found.resume_email is None


async def test_journeys_follow_the_version_they_started_on(
    council: Council, service_version: ServiceVersion, journey: Journey
) -> None:
    newer = await publish_version(
        council, {**service_version.definition, "version": "1.1.0"}, "f" * 64
    )
    later = await start_journey(council, newer, "en")
    found = await get_journey(council, journey.id)
    assert found is not None and found.service_version_id == service_version.id
    assert later.service_version_id == newer.id
