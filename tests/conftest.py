"""Fixtures the whole suite shares: a real, migrated database per test.

``database_url`` runs a test once on a SQLite file and once on a fresh PostgreSQL database
(on the server in ``BOROUGH_TEST_DATABASE_URL``, by default the local one). Without a
reachable server the PostgreSQL runs are skipped, unless ``BOROUGH_REQUIRE_POSTGRES=1``
makes them fail. ``db`` builds the schema through the migrations and connects the store.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest

from runtime.store.database import connect, disconnect, migrate

DEFAULT_POSTGRES_SERVER = "postgres://postgres@127.0.0.1:5432/postgres"
CONNECT_TIMEOUT_SECONDS = 3

# Servers found unreachable, so the remaining PostgreSQL tests skip without waiting again.
_unreachable: dict[str, str] = {}


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """The URL of an empty database of its own for this test: SQLite, then PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/borough.db"
        return
    server = os.environ.get("BOROUGH_TEST_DATABASE_URL", DEFAULT_POSTGRES_SERVER)
    admin = await _connect_admin(server)
    name = f"borough_test_{secrets.token_hex(6)}"
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        yield _with_database(server, name)
    finally:
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[str]:
    """A database migrated to the latest schema, with the store connected to it."""
    await migrate(database_url)
    await connect(database_url)
    try:
        yield database_url
    finally:
        await disconnect()


async def _connect_admin(server: str) -> asyncpg.Connection:
    message = _unreachable.get(server)
    if message is None:
        try:
            return await asyncpg.connect(server, timeout=CONNECT_TIMEOUT_SECONDS)
        except (TimeoutError, OSError, asyncpg.PostgresError) as error:
            message = (
                f"PostgreSQL is not reachable at {_redacted(server)} ({error}): "
                "set BOROUGH_TEST_DATABASE_URL"
            )
            _unreachable[server] = message
    if os.environ.get("BOROUGH_REQUIRE_POSTGRES") == "1":
        pytest.fail(message)
    pytest.skip(message)


def _with_database(server: str, name: str) -> str:
    return urlunsplit(urlsplit(server)._replace(path=f"/{name}", query=""))


def _redacted(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
    return urlunsplit(parts._replace(netloc=netloc))
