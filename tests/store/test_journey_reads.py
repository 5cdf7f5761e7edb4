"""Issue 13: on SQLite the journey every page reads is read from the event loop, on a read-only
connection beside Tortoise's, rather than handed to Tortoise's thread and back. It must read
exactly what the ORM would, see every save the moment it commits, and never be used inside a
transaction (which it could not see into) or on PostgreSQL."""

from __future__ import annotations

import sqlite3

import pytest
from tortoise.transactions import in_transaction

from runtime.store import Journey, disconnect, get_journey_by_id, page_answered, save_answers
from runtime.store.database import reader_for


async def test_a_journey_read_on_the_side_is_what_the_orm_reads(db: str, journey: Journey) -> None:
    await save_answers(journey, page_answered("name", {"/name": "Ada <Lovelace>", "/when": {"day": "1"}}))

    read = await get_journey_by_id(str(journey.id))
    by_orm = await Journey.get(id=journey.id)

    assert read is not None
    for name in ("id", "council_id", "service_version_id", "language", "answers", "visited", "lock_version",
                 "submitted", "created_at", "updated_at", "expires_at", "resume_email"):
        assert getattr(read, name) == getattr(by_orm, name), name
    assert read.answers == {"name": "Ada <Lovelace>", "when": {"day": "1"}} and read.visited == ["name"]


async def test_each_save_is_read_back_at_once(db: str, journey: Journey) -> None:
    for number in range(5):
        await save_answers(journey, page_answered("name", {"/name": f"Answer {number}"}))
        read = await get_journey_by_id(journey.id)
        assert read is not None and read.answers == {"name": f"Answer {number}"}
        assert read.lock_version == journey.lock_version


async def test_the_side_reader_is_only_for_the_process_connection_on_sqlite(db: str, journey: Journey) -> None:
    reader = reader_for(Journey._meta.db)
    if db.startswith("sqlite"):
        assert isinstance(reader, sqlite3.Connection)
        with pytest.raises(sqlite3.OperationalError):  # read-only: it can never write
            reader.execute("DELETE FROM journey")
    else:
        assert reader is None
    async with in_transaction() as connection:
        # Inside a transaction reads go through it: a reader beside it could not see its writes.
        assert reader_for(connection) is None
        assert reader_for(Journey._meta.db) is None
        await Journey.filter(id=journey.id).update(language="cy")
        read = await get_journey_by_id(journey.id)
        assert read is not None and read.language == "cy"


async def test_the_side_reader_closes_with_the_store(db: str, journey: Journey) -> None:
    client = Journey._meta.db
    reader = reader_for(client)
    await disconnect()
    assert reader_for(client) is None
    if reader is not None:
        with pytest.raises(sqlite3.ProgrammingError):  # closed
            reader.execute("SELECT 1")
