"""A reused PostgreSQL database is put back exactly as its template left it after a test."""

from __future__ import annotations

import os

import asyncpg
import pytest
from database_templates import (
    DEFAULT_POSTGRES_SERVER,
    ChangedSchema,
    Reused,
    _restore,
    _rows_of,
    connect_admin,
    with_database,
)

from runtime import store
from runtime.store.database import connect, disconnect

pytestmark = pytest.mark.postgres

SERVER = os.environ.get("BOROUGH_TEST_DATABASE_URL", DEFAULT_POSTGRES_SERVER)


async def contents(url: str) -> tuple[list[tuple[str, bytes]], list[tuple[str, int | None]]]:
    connection = await asyncpg.connect(url)
    try:
        return await _rows_of(connection)
    finally:
        await connection.close()


async def test_rows_and_sequences_come_back_as_the_template_had_them() -> None:
    pool = Reused()
    admin = await connect_admin(SERVER)  # skipped (or failed, in CI) without PostgreSQL
    try:
        name = await pool.take(admin, SERVER, "demo")
        url = with_database(SERVER, name)
        before = await contents(url)
        await connect(url)
        try:  # what a test does: change a row, add rows (moving sequences), delete others
            council = await store.get_council("demo")
            assert council is not None
            council.name = "Changed"
            await council.save()
            await store.create_council("other", "Other Council")
            await store.Journey.all().delete()
            await store.AuditEntry.all().delete()
        finally:
            await disconnect()
        assert await contents(url) != before
        lingering = await asyncpg.connect(url)  # a session the test left open is ended

        await pool.give_back(admin, SERVER, "demo", name)
        assert await pool.take(admin, SERVER, "demo") == name  # the same database, reused
        assert await contents(url) == before
        assert lingering.is_closed() or not await _alive(lingering)
        await connect(url)
        try:
            other = await store.create_council("other", "Other Council")
            assert other.id == dict(before[1])["council_id_seq"] + 1  # where the template's sequence stood
            assert (await store.get_council("demo")).name != "Changed"  # type: ignore[union-attr]
        finally:
            await disconnect()
    finally:
        await pool.drop_all()
        await admin.close()


async def test_a_sequence_the_template_never_used_starts_again_at_one() -> None:
    pool = Reused()
    admin = await connect_admin(SERVER)
    try:
        name = await pool.take(admin, SERVER, "migrated")  # no rows, no sequence used
        url = with_database(SERVER, name)
        for _ in range(2):
            await connect(url)
            try:
                await store.create_council("first", "First Council")
                second = await store.create_council("second", "Second Council")
            finally:
                await disconnect()
            assert second.id == 2  # rows gone and the sequence back at its start each time
            await pool.give_back(admin, SERVER, "migrated", name)
            assert await pool.take(admin, SERVER, "migrated") == name
    finally:
        await pool.drop_all()
        await admin.close()


async def _alive(connection: asyncpg.Connection) -> bool:
    try:
        await connection.fetchval("SELECT 1")
    except (asyncpg.PostgresError, OSError, asyncpg.InterfaceError):
        return False
    return True


async def test_a_database_whose_tables_changed_is_dropped_not_reused() -> None:
    pool = Reused()
    admin = await connect_admin(SERVER)  # skipped (or failed, in CI) without PostgreSQL
    try:
        name = await pool.take(admin, SERVER, "migrated")
        url = with_database(SERVER, name)
        rows, sequences = await contents(url)
        connection = await asyncpg.connect(url)
        try:
            await connection.execute("CREATE TABLE left_behind (id int)")
            with pytest.raises(ChangedSchema):
                await _restore(connection, rows, sequences)
        finally:
            await connection.close()
        await pool.give_back(admin, SERVER, "migrated", name)
        assert not await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        assert await pool.take(admin, SERVER, "migrated") != name
    finally:
        await pool.drop_all()
        await admin.close()
