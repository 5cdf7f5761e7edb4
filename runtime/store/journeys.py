"""Journeys: residents' applications in progress, saved after every page.

A journey lives 28 days after its last save. Saving uses optimistic concurrency: the row's
``lock_version`` must still be the one that was read, so two tabs (or two workers) cannot
silently overwrite each other's answers.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from runtime.store.errors import ConcurrentUpdate, JourneySubmitted
from runtime.store.models import Council, Journey, ServiceVersion
from runtime.store.scope import owned

LIFETIME = timedelta(days=28)


async def start_journey(
    council: Council, service_version: ServiceVersion, language: str = "en"
) -> Journey:
    """A new, empty journey through one of the council's published service versions."""
    if service_version.council_id != council.id:
        raise ValueError("The service version belongs to another council")
    return await Journey.create(
        council=council,
        service_version=service_version,
        language=language,
        expires_at=_now() + LIFETIME,
    )


async def get_journey(council: Council, journey_id: UUID | str) -> Journey | None:
    """The council's journey with this id, or None if unknown, expired or another council's.

    ``journey_id`` may come straight from a URL or cookie: anything that is not a UUID is
    simply not found.
    """
    try:
        key = journey_id if isinstance(journey_id, UUID) else UUID(str(journey_id))
    except ValueError:
        return None
    return await owned(Journey, council).get_or_none(id=key, expires_at__gt=_now())


async def get_journey_by_id(journey_id: UUID | str) -> Journey | None:
    """The unexpired journey with this id, whichever council it belongs to: the caller must
    check `council_id` against the council it is acting for."""
    try:
        key = journey_id if isinstance(journey_id, UUID) else UUID(str(journey_id))
    except ValueError:
        return None
    return await Journey.get_or_none(id=key, expires_at__gt=_now())


async def save_answers(journey: Journey, answers: dict[str, Any], visited: list[str]) -> Journey:
    """Save the answers and visited pages, renewing the journey for another 28 days.

    Raises ``ConcurrentUpdate`` when the journey changed since ``journey`` was read (reload
    it and try again), and ``JourneySubmitted`` (a kind of ``ConcurrentUpdate``) once it
    has been submitted. On success ``journey`` itself is updated and returned.
    """
    now = _now()
    changes = {
        "answers": answers,
        "visited": visited,
        "lock_version": journey.lock_version + 1,
        "updated_at": now,
        "expires_at": now + LIFETIME,
    }
    updated = await Journey.filter(
        id=journey.id,
        council_id=journey.council_id,
        lock_version=journey.lock_version,
        submitted=False,
    ).update(**changes)
    if updated == 0:
        if journey.submitted or await Journey.exists(id=journey.id, submitted=True):
            raise JourneySubmitted("This application has already been submitted")
        raise ConcurrentUpdate("The answers were changed elsewhere since they were read")
    for name, value in changes.items():
        setattr(journey, name, value)
    return journey


async def set_resume_email(journey: Journey, email: str | None) -> Journey:
    """Remember (or forget) where to send the resident a link back to their journey."""
    await Journey.filter(id=journey.id, council_id=journey.council_id).update(resume_email=email)
    journey.resume_email = email
    return journey


def _now() -> datetime:
    return datetime.now(UTC)
