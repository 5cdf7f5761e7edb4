"""Connecting to the database and building its schema through migrations.

The schema is only ever built by the migrations in ``runtime/store/migrations`` (Tortoise's
built-in migration framework), never by ``generate_schemas``: an empty database gets what they
build from a snapshot of it (``runtime/store/snapshot.py``). ``migrate`` applies them;
``connect`` refuses a database that is behind the code, so a worker never runs against a
half-built schema.

Connections live in one Tortoise context registered as the process-wide fallback, so every
task (request handlers, background jobs) sees it. Nothing else is kept in process memory:
several workers can share one database.
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.context import TortoiseContext
from tortoise.migrations.api import migrate as migrate_api
from tortoise.migrations.executor import MigrationExecutor

from runtime.store.errors import DatabaseNotMigrated
from runtime.store.write_turns import WriteTurn

APP = "borough"
MEMORY_URL = "sqlite://:memory:"

_SCHEMES = {"sqlite": "sqlite", "postgres": "postgres", "postgresql": "postgres"}

# SQLite waits this long for another process's write lock before giving up.
SQLITE_BUSY_TIMEOUT_MS = 5000
# SQLite's settings unless the URL names its own (`?synchronous=FULL`). Tortoise opens SQLite in
# WAL mode; with synchronous=NORMAL a commit is written to the WAL without waiting for the disk:
# it survives the process being killed (kill -9), not the machine losing power (docs/decisions.md).
SQLITE_DEFAULTS = {"busy_timeout": str(SQLITE_BUSY_TIMEOUT_MS), "synchronous": "NORMAL"}


def tortoise_config(url: str) -> dict[str, Any]:
    """The Tortoise configuration for the Borough app on the database at ``url``.

    Accepts ``sqlite:///path/to/file.db``, ``sqlite://:memory:`` and
    ``postgres://user@host:port/db`` (``postgresql://`` too).
    """
    connection = connection_name(url)
    return {
        "connections": {connection: _connection_url(url)},
        "apps": {
            APP: {
                "models": ["runtime.store.models"],
                "migrations": "runtime.store.migrations",
                "default_connection": connection,
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


def connection_name(url: str) -> str:
    """The name of the store's connection: its backend, ``sqlite`` or ``postgres``.

    Tortoise caches each model's SQL per connection name for the whole process, so one name
    per dialect keeps a process that uses both (the test suite) from mixing their SQL.
    """
    scheme = urlsplit(url).scheme
    if scheme not in _SCHEMES:
        raise ValueError(
            f"Unsupported database URL {scheme}://…: use sqlite:///path/to/file.db, "
            "sqlite://:memory: or postgres://user@host:port/database"
        )
    return _SCHEMES[scheme]


async def migrate(url: str, *, from_snapshot: bool = True) -> None:
    """Apply every migration not yet applied to the database at ``url``. A database with no
    tables gets the schema they build from its snapshot (``runtime/store/snapshot.py``) unless
    ``from_snapshot`` is false."""
    if _is_memory(url):
        raise ValueError(
            "An in-memory SQLite database lives only as long as its connection: "
            "connect() to it, which builds its schema, instead of migrating it."
        )
    _require_sqlite_directory(url)
    if from_snapshot:
        # Imported here, not above: `python -m runtime.store.snapshot` imports this module.
        from runtime.store import snapshot

        async with _temporary_context(url) as context:
            connection = context.db(connection_name(url))
            if await snapshot.is_empty(connection, connection_name(url)):
                await snapshot.apply(connection, connection_name(url), APP)
    async with TortoiseContext():
        await migrate_api(config=tortoise_config(url), app_labels=[APP])


async def pending_migrations(url: str) -> list[str]:
    """The names of the migrations not yet applied to the database at ``url``, in order."""
    _require_sqlite_directory(url)
    async with _temporary_context(url) as context:
        return await _pending(url, context.db(connection_name(url)))


async def connect(url: str, *, check: bool = True) -> None:
    """Open the database at ``url`` for the store's models, for every task in this process.

    With ``check`` (the default), refuse a database with pending migrations by raising
    ``DatabaseNotMigrated``. An in-memory SQLite database is always born empty, so its schema
    is built here instead. Connecting again first closes the previous connection.
    """
    await disconnect()
    _require_sqlite_directory(url)
    context = TortoiseContext()
    with context:  # models are bound while the context is the current one
        await context.init(config=tortoise_config(url), _enable_global_fallback=True)
        try:
            connection = context.db(connection_name(url))
            if _is_memory(url):
                from runtime.store import snapshot

                await snapshot.apply(connection, connection_name(url), APP)
                await _executor(url, connection).migrate()  # any migration newer than the snapshot
            elif check:
                pending = await _pending(url, connection)
                if pending:
                    raise DatabaseNotMigrated(pending)
        except BaseException:
            await context.close_connections()
            raise
    _Active.context = context
    _Active.client = context.db(connection_name(url))
    _Active.reader = _sqlite_reader(url)
    _Active.turn = _sqlite_turn(url)


async def disconnect() -> None:
    """Close the connection ``connect`` opened; does nothing when none is open."""
    context, _Active.context = _Active.context, None
    reader, _Active.reader, _Active.client = _Active.reader, None, None
    turn, _Active.turn = _Active.turn, None
    if reader is not None:
        reader.close()
    if turn is not None:
        turn.close()
    if context is not None:
        await context.close_connections()


class _Active:
    context: TortoiseContext | None = None
    client: BaseDBAsyncClient | None = None  # the connection `connect` opened
    reader: sqlite3.Connection | None = None  # beside it, on SQLite in a file: see `reader_for`
    turn: WriteTurn | None = None  # on SQLite in a file: see `write_turn_for`


def reader_for(client: BaseDBAsyncClient) -> sqlite3.Connection | None:
    """A read-only SQLite connection used straight from the event loop, for a single-row read
    on the hot path (a resident's journey): None unless ``client`` is the very connection
    `connect` opened on a SQLite file (not a transaction, not another context).

    Tortoise runs every SQLite statement in a thread of its own, one statement at a time behind
    one lock; handing a read to that thread and back costs several times the read itself. In
    WAL mode a reader never waits for a writer, and each statement outside a transaction reads
    the latest commit, so reading here sees what a save on Tortoise's connection committed."""
    return _Active.reader if client is _Active.client else None


def write_turn_for(client: BaseDBAsyncClient) -> WriteTurn | None:
    """The turns the processes writing to the SQLite file take (`write_turns.WriteTurn`): None
    unless ``client`` is the very connection `connect` opened on a SQLite file. Take a turn
    only for a statement outside a transaction: a transaction may hold SQLite's write lock
    already, and must not then wait for a turn that waits for it."""
    return _Active.turn if client is _Active.client else None


def _sqlite_turn(url: str) -> WriteTurn | None:
    parts = urlsplit(url)
    if parts.scheme != "sqlite" or _is_memory(url):
        return None
    try:
        return WriteTurn(parts.netloc + parts.path)
    except OSError:  # a folder this process cannot write in: saves go without turns, as before
        return None


def _sqlite_reader(url: str) -> sqlite3.Connection | None:
    parts = urlsplit(url)
    if parts.scheme != "sqlite" or _is_memory(url):
        return None
    reader = sqlite3.connect(parts.netloc + parts.path, isolation_level=None, check_same_thread=False)
    reader.row_factory = sqlite3.Row
    reader.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    reader.execute("PRAGMA query_only=1")
    return reader


@asynccontextmanager
async def _temporary_context(url: str) -> AsyncIterator[TortoiseContext]:
    async with TortoiseContext() as context:
        await context.init(config=tortoise_config(url))
        yield context


def _executor(url: str, connection: BaseDBAsyncClient) -> MigrationExecutor:
    return MigrationExecutor(connection, {APP: tortoise_config(url)["apps"][APP]})


async def _pending(url: str, connection: BaseDBAsyncClient) -> list[str]:
    # Tortoise's migration recorder reads any failure as "nothing applied yet", so first make
    # an unreachable database fail as itself rather than look unmigrated.
    await connection.execute_query("SELECT 1")
    steps = await _executor(url, connection).plan()
    return [step.migration.name for step in steps if not step.backward]


def _is_memory(url: str) -> bool:
    return url.split("?", 1)[0] == MEMORY_URL


def _require_sqlite_directory(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme != "sqlite" or _is_memory(url):
        return
    directory = Path(parts.netloc + parts.path).parent
    if not directory.is_dir():
        raise FileNotFoundError(f"The directory of the SQLite database, {directory}, is missing")


def _connection_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme != "sqlite":
        return url
    given = dict(parse_qsl(parts.query))
    added = "&".join(f"{name}={value}" for name, value in SQLITE_DEFAULTS.items() if name not in given)
    if not added:
        return url
    return f"{url}{'&' if parts.query else '?'}{added}"


# The configuration `python -m tortoise -c runtime.store.database.MIGRATIONS_CONFIG
# makemigrations borough` reads; it needs models, not a real database.
MIGRATIONS_CONFIG = tortoise_config(MEMORY_URL)
