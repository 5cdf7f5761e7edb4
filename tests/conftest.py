"""Fixtures the whole suite shares: a real, migrated database per test.

``database_url`` runs a test once on a SQLite file and once on a fresh PostgreSQL database
(on the server in ``BOROUGH_TEST_DATABASE_URL``, by default the local one). Without a
reachable server the PostgreSQL runs are skipped, unless ``BOROUGH_REQUIRE_POSTGRES=1``
makes them fail. ``db`` connects the store to a database built by the migrations.

The migrations run once per backend and test run, into a template (a SQLite file, a
PostgreSQL template database named after a hash of the migrations); each test that uses
``db`` gets a copy of it. Tests that use only ``database_url`` get an empty database.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest

from runtime.store import migrations as migrations_package
from runtime.store.database import connect, disconnect, migrate

DEFAULT_POSTGRES_SERVER = "postgres://postgres@127.0.0.1:5432/postgres"
CONNECT_TIMEOUT_SECONDS = 3

# Servers found unreachable, so the remaining PostgreSQL tests skip without waiting again.
_unreachable: dict[str, str] = {}


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """The URL of a database of its own for this test: SQLite, then PostgreSQL. Empty, or
    already migrated when the test also uses ``db``."""
    migrated = "db" in request.fixturenames
    if request.param == "sqlite":
        path = tmp_path / "borough.db"
        if migrated:
            shutil.copyfile(await _sqlite_template(request), path)
        yield f"sqlite:///{path}"
        return
    server = os.environ.get("BOROUGH_TEST_DATABASE_URL", DEFAULT_POSTGRES_SERVER)
    admin = await _connect_admin(server)
    name = f"borough_test_{secrets.token_hex(6)}"
    try:
        if migrated:
            template = await _postgres_template(admin, server)
            await admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        else:
            await admin.execute(f'CREATE DATABASE "{name}"')
        yield _with_database(server, name)
    finally:
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[str]:
    """A database migrated to the latest schema (a copy of the template), the store connected."""
    await connect(database_url)  # refuses a database with pending migrations
    try:
        yield database_url
    finally:
        await disconnect()


def _migrations_digest() -> str:
    """A hash of every migration file: a changed migration makes a new template."""
    digest = hashlib.sha256()
    folder = Path(migrations_package.__file__).parent
    for path in sorted(folder.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


_templates: dict[str, str] = {}


async def _sqlite_template(request: pytest.FixtureRequest) -> Path:
    key = "sqlite"
    if key not in _templates:
        folder = request.config._tmp_path_factory.mktemp("template")  # type: ignore[attr-defined]
        path = folder / "template.db"
        await migrate(f"sqlite:///{path}")
        _templates[key] = str(path)
    return Path(_templates[key])


async def _postgres_template(admin: asyncpg.Connection, server: str) -> str:
    """The migrated template database on ``server``, built once (by whichever test run gets
    there first: a run builds under a temporary name and renames it into place)."""
    name = f"borough_template_{_migrations_digest()}"
    if _templates.get(server) == name:
        return name
    exists = await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
    if not exists:
        building = f"borough_building_{secrets.token_hex(6)}"
        await admin.execute(f'CREATE DATABASE "{building}"')
        try:
            await migrate(_with_database(server, building))
            await admin.execute(f'ALTER DATABASE "{building}" RENAME TO "{name}"')
        except asyncpg.DuplicateDatabaseError:
            pass  # another run finished first: use theirs
        finally:
            await admin.execute(f'DROP DATABASE IF EXISTS "{building}" WITH (FORCE)')
    _templates[server] = name
    return name


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
