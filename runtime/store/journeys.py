"""Journeys: residents' applications in progress, saved after every page.

A journey lives 28 days after its last save. A page saves a *change* (its answers put in, the
page visited), not a whole copy of the answers: two tabs, a double click or a retrying proxy
may save one journey at once, and each change is applied to the answers as the others left
them. The row's ``lock_version`` tells whether the answers a change was applied to are still
the latest; when they are not, the row is locked, read again and the change applied again.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import F
from tortoise.transactions import in_transaction

from runtime.core.answers import copied, merged
from runtime.store.database import reader_for, write_turn_for
from runtime.store.errors import AnswersNotSaved, JourneyExpired, JourneySubmitted
from runtime.store.models import Council, Journey, ServiceVersion
from runtime.store.scope import owned

LIFETIME = timedelta(days=28)
SAVE_ATTEMPTS = 3  # the change applied to the answers as read, then twice more on the locked row


@dataclass(frozen=True)
class Progress:
    """What a journey holds: the answers so far and the pages visited, in order."""

    answers: dict[str, Any]
    visited: list[str]


Change = Callable[[Progress], Progress]
"""What one page does to a journey, as a function of the journey's latest progress (it is
given a copy of its own, and may be called more than once)."""


def page_answered(page_id: str, values: Mapping[str, Any]) -> Change:
    """A question page's change: its values put in by JSON Pointer (``MISSING`` removes an
    answer), and the page visited."""

    def change(progress: Progress) -> Progress:
        return Progress(merged(progress.answers, values), visit(progress.visited, page_id))

    return change


def page_visited(page_id: str) -> Change:
    """The change of a page that asks nothing (or whose answers stay as they are): visited."""

    def change(progress: Progress) -> Progress:
        return Progress(progress.answers, visit(progress.visited, page_id))

    return change


def visit(visited: list[str], page_id: str) -> list[str]:
    """The pages visited, with ``page_id`` added at the end unless it is there already."""
    return list(dict.fromkeys([*visited, page_id]))


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
    values = _db_values(("id", key), ("expires_at", _now()))
    database = Journey._meta.db
    reader = reader_for(database)
    if reader is not None:  # SQLite: read here, not in Tortoise's thread (see reader_for)
        row = reader.execute(_statement(_READ, database), values).fetchone()
        return _journey_from_row(row) if row is not None else None
    _, rows = await database.execute_query(_statement(_READ, database), values)
    return _journey_from_row(rows[0]) if rows else None


async def save_answers(journey: Journey, change: Change, *, attempts: int = SAVE_ATTEMPTS) -> Journey:
    """Apply ``change`` to the journey's latest answers and save them, renewing the journey
    for another 28 days. On success ``journey`` itself is updated to what was saved, and
    returned.

    The change is applied first to ``journey`` as it was read: one UPDATE when nothing else
    saved since. When something did, the row is locked (the lock on PostgreSQL, the write lock
    on SQLite: taken first, so that it waits for another writer instead of failing), read
    again and the change applied to what is saved now, up to ``attempts`` tries in all.

    Raises ``JourneySubmitted`` once the journey has been submitted, ``JourneyExpired`` when
    it has expired, and ``AnswersNotSaved`` when no try could apply the change; nothing of
    the change is saved then. All three are kinds of ``ConcurrentUpdate``.
    """
    if await _apply(journey, journey, change, None):
        return journey
    if journey.submitted or await Journey.exists(id=journey.id, submitted=True):
        raise JourneySubmitted("This application has already been submitted")
    for _ in range(attempts - 1):
        async with in_transaction() as connection:
            latest = await _locked(journey, connection)
            if await _apply(journey, latest, change, connection):
                return journey
    raise AnswersNotSaved("The answers kept changing elsewhere: this page's answers were not saved")


async def _locked(journey: Journey, connection: BaseDBAsyncClient) -> Journey:
    """The journey's row as saved now, locked until ``connection``'s transaction ends."""
    mine = Journey.filter(id=journey.id, council_id=journey.council_id).using_db(connection)
    # A write that changes nothing takes the lock before the read.
    if await mine.update(lock_version=F("lock_version")) == 0:
        raise JourneyExpired("This application is no longer there")
    latest = await mine.get()
    if latest.submitted:
        raise JourneySubmitted("This application has already been submitted")
    if latest.expires_at <= _now():
        raise JourneyExpired("This application has expired")
    return latest


async def _apply(journey: Journey, base: Journey, change: Change, connection: BaseDBAsyncClient | None) -> bool:
    """Save ``change`` applied to ``base``'s answers if they are still the latest; then
    ``journey`` holds what was saved. False when another save came first."""
    progress = change(Progress(copied(base.answers), list(base.visited)))
    now = _now()
    saved = {
        "answers": progress.answers,
        "visited": progress.visited,
        "lock_version": base.lock_version + 1,
        "updated_at": now,
        "expires_at": now + LIFETIME,
    }
    database = connection or Journey._meta.db
    values = _db_values(*saved.items(), ("id", journey.id), ("council_id", journey.council_id),
                        ("lock_version", base.lock_version), ("submitted", False))
    turn = None if connection else write_turn_for(database)
    if turn is None:
        updated, _ = await database.execute_query(_statement(_SAVE, database), values)
    else:
        async with turn.taken():  # another worker's save ends, then this one goes
            updated, _ = await database.execute_query(_statement(_SAVE, database), values)
    if updated == 0:
        return False
    for name, value in saved.items():
        setattr(journey, name, value)
    return True


async def set_resume_email(journey: Journey, email: str | None) -> Journey:
    """Remember (or forget) where to send the resident a link back to their journey."""
    await Journey.filter(id=journey.id, council_id=journey.council_id).update(resume_email=email)
    journey.resume_email = email
    return journey


def _now() -> datetime:
    return datetime.now(UTC)


# The two statements every page a resident sends makes: read their journey, save its change.
# Written out once rather than built by the ORM per request (building them cost more than
# running them); their values go through the model's own fields, so they are stored, and read
# back, exactly as the ORM stores and reads them.
_READ = 'SELECT * FROM "journey" WHERE "id" = {} AND "expires_at" > {}'
_SAVE = (
    'UPDATE "journey" SET "answers" = {}, "visited" = {}, "lock_version" = {}, "updated_at" = {},'
    ' "expires_at" = {} WHERE "id" = {} AND "council_id" = {} AND "lock_version" = {}'
    ' AND "submitted" = {}'
)
_DATETIMES = ("created_at", "updated_at", "expires_at")


def _statement(template: str, database: BaseDBAsyncClient) -> str:
    return _in_dialect(template, database.capabilities.dialect)


@functools.cache
def _in_dialect(template: str, dialect: str) -> str:
    """The statement with its parameters marked as the database's driver wants them."""
    count = template.count("{}")
    marks = [f"${n}" for n in range(1, count + 1)] if dialect == "postgres" else ["?"] * count
    return template.format(*marks)


def _db_values(*values: tuple[str, Any]) -> list[Any]:
    fields = Journey._meta.fields_map
    return [fields[name].to_db_value(value, Journey) for name, value in values]


def _journey_from_row(row: Mapping[str, Any]) -> Journey:
    """The journey a row holds, as the ORM would build it (SQLite's dates, held as text, read
    by the standard library's parser rather than the ORM's slower one)."""
    values = dict(row)
    for name in _DATETIMES:
        if isinstance(values[name], str):
            values[name] = datetime.fromisoformat(values[name])
    return Journey._init_from_db(**values)
