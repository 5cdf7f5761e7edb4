"""Journeys: scoped to their council, saved with optimistic concurrency, expiring."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from runtime.store import (
    ConcurrentUpdate,
    Council,
    Journey,
    JourneySubmitted,
    ServiceVersion,
    get_journey,
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
    "journey_id", ["", "not-a-uuid", "1; DROP TABLE journey", str(uuid.uuid4())]
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

    saved = await save_answers(stale, {"name": "Ada", "pets": [{"kind": "cat"}]}, ["name", "pets"])

    assert saved is stale and saved.lock_version == 1
    found = await get_journey(council, journey.id)
    assert found is not None
    assert found.answers == {"name": "Ada", "pets": [{"kind": "cat"}]}
    assert found.visited == ["name", "pets"]
    assert found.lock_version == 1
    assert found.expires_at > datetime.now(UTC) + LIFETIME - timedelta(minutes=1)
    assert found.updated_at >= found.created_at


async def test_saving_twice_in_a_row_works(council: Council, journey: Journey) -> None:
    await save_answers(journey, {"a": 1}, ["a"])
    await save_answers(journey, {"a": 1, "b": 2}, ["a", "b"])
    found = await get_journey(council, journey.id)
    assert found is not None and (found.answers, found.lock_version) == ({"a": 1, "b": 2}, 2)


async def test_saving_a_stale_copy_is_refused(council: Council, journey: Journey) -> None:
    first_tab = await get_journey(council, journey.id)
    second_tab = await get_journey(council, journey.id)
    assert first_tab is not None and second_tab is not None
    await save_answers(first_tab, {"name": "Ada"}, ["name"])

    with pytest.raises(ConcurrentUpdate) as raised:
        await save_answers(second_tab, {"name": "Grace"}, ["name"])

    assert raised.value.code == "concurrent-update"
    found = await get_journey(council, journey.id)
    assert found is not None and found.answers == {"name": "Ada"}


async def test_a_submitted_journey_cannot_be_saved(council: Council, journey: Journey) -> None:
    stale = await get_journey(council, journey.id)
    assert stale is not None
    await submit(journey, {}, "received")
    for copy in (journey, stale):
        with pytest.raises(JourneySubmitted):
            await save_answers(copy, {"name": "Late"}, ["name"])


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
