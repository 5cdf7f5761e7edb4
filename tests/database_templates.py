"""Template databases the suite copies for each test, built once and shared by the xdist workers.

Two kinds: ``migrated`` (every migration applied: built as ``migrate`` builds an empty
database, from the schema snapshot) and ``demo`` (migrated, then the demo
council with every shipped service published by ``borough.demo.load_demo``, as
``borough serve --demo`` does). Each is named after a hash of what builds it: the migrations
and, for the demo, the shipped service files and the code that reads and publishes them. A
changed file makes a new template; an unchanged one is reused.

On SQLite a template is a file in the folder every worker of the run shares, built by the
first worker to need it while it holds a lock on that folder. On PostgreSQL it is a database
on the server, kept between runs: built under a temporary name while holding an advisory
lock, then renamed into place, so a run that stops half-way leaves nothing under the real
name. Building a new one drops the oldest templates of its kind, keeping a few for other
checkouts using the server at the same time.

Test modules anywhere under tests/ import it by name: the folder of tests/conftest.py is on
``sys.path``.
"""

from __future__ import annotations

import fcntl
import functools
import hashlib
import io
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest

from runtime.settings import ROOT
from runtime.store.database import connect, disconnect, migrate

Kind = Literal["migrated", "demo"]
KINDS: tuple[Kind, ...] = ("migrated", "demo")

MIGRATIONS = ROOT / "runtime" / "store" / "migrations"
SNAPSHOT = ROOT / "runtime" / "store" / "schema"  # what an empty database is built from
SERVICES = ROOT / "schemas" / "services"
# What the demo template is built from besides the migrations: the shipped services, the code
# that publishes them (borough/demo.py) and what that calls (the core reads and checks a
# definition, the store writes it).
DEMO_SOURCES = (SERVICES, ROOT / "borough" / "demo.py", ROOT / "runtime" / "core", ROOT / "runtime" / "store")

POSTGRES_PREFIX: dict[Kind, str] = {"migrated": "borough_template_", "demo": "borough_demo_"}
POSTGRES_KEPT = 4  # templates of a kind kept on the server: the newest, for other checkouts
_BUILD_LOCK = 0x626F726F  # the advisory lock held while a template is built ("boro")


@functools.cache
def digest(kind: Kind) -> str:
    """A hash of every file that builds the template of ``kind`` (read once per run: files
    changed while the suite runs do not change the templates it uses)."""
    sources = [MIGRATIONS, SNAPSHOT, *(DEMO_SOURCES if kind == "demo" else ())]
    files = sorted(
        path
        for source in sources
        for path in ([source] if source.is_file() else source.rglob("*"))
        if path.suffix in (".py", ".json", ".sql") and "__pycache__" not in path.parts
    )
    hashed = hashlib.sha256()
    for path in files:
        hashed.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes() + b"\0")
    return hashed.hexdigest()[:12]


async def build(url: str, kind: Kind) -> None:
    """Migrate the empty database at ``url``; for the demo, publish the shipped services too."""
    await migrate(url)
    if kind == "demo":
        from borough.demo import load_demo  # imports argon2's hasher: only the demo needs it

        await connect(url)
        try:
            await load_demo()
        finally:
            await disconnect()


# The PostgreSQL server --------------------------------------------------------------------------

DEFAULT_POSTGRES_SERVER = "postgres://postgres@127.0.0.1:5432/postgres"
CONNECT_TIMEOUT_SECONDS = 3
_unreachable: dict[str, str] = {}  # servers found unreachable, with why


async def connect_admin(server: str) -> asyncpg.Connection:
    """A connection to ``server`` for creating and dropping databases. An unreachable server
    skips the test (remembered, so later tests do not wait again), or fails it when
    BOROUGH_REQUIRE_POSTGRES=1."""
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


def _redacted(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
    return urlunsplit(parts._replace(netloc=netloc))


# SQLite -------------------------------------------------------------------------------------

def run_folder(basetemp: Path) -> Path:
    """The folder every worker of this run shares: an xdist worker's basetemp is inside it."""
    return basetemp.parent if os.environ.get("PYTEST_XDIST_WORKER") else basetemp


async def sqlite_template(folder: Path, kind: Kind) -> Path:
    """The template file of ``kind`` in ``folder``, built by whichever worker gets there first."""
    path = folder / f"template-{kind}-{digest(kind)}.db"
    if path.is_file():
        return path
    with _locked(folder / "templates.lock"):
        if not path.is_file():
            building = folder / f"building-{secrets.token_hex(6)}.db"
            await build(f"sqlite:///{building}", kind)
            building.replace(path)
    return path


@contextmanager
def _locked(lock_file: Path) -> Iterator[None]:
    with lock_file.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


# PostgreSQL ---------------------------------------------------------------------------------

async def postgres_template(admin: asyncpg.Connection, server: str, kind: Kind) -> str:
    """The name of the template database of ``kind`` on ``server``, built when missing."""
    prefix = POSTGRES_PREFIX[kind]
    name = f"{prefix}{digest(kind)}"
    if await _exists(admin, name):
        return name
    await admin.execute("SELECT pg_advisory_lock($1)", _BUILD_LOCK)
    try:
        if await _exists(admin, name):
            return name  # another worker or run built it while this one waited
        building = f"borough_building_{secrets.token_hex(6)}"
        await admin.execute(f'CREATE DATABASE "{building}"')
        try:
            await build(with_database(server, building), kind)
            await admin.execute(f'ALTER DATABASE "{building}" RENAME TO "{name}"')
        finally:
            await admin.execute(f'DROP DATABASE IF EXISTS "{building}" WITH (FORCE)')
        await _drop_oldest(admin, prefix, keep=POSTGRES_KEPT)
    finally:
        await admin.execute("SELECT pg_advisory_unlock($1)", _BUILD_LOCK)
    return name


async def _exists(admin: asyncpg.Connection, name: str) -> bool:
    return bool(await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name))


async def _drop_oldest(admin: asyncpg.Connection, prefix: str, *, keep: int) -> None:
    """Drop all but the ``keep`` newest templates named with ``prefix`` (newest: highest oid)."""
    rows = await admin.fetch(
        "SELECT datname FROM pg_database WHERE starts_with(datname, $1) ORDER BY oid DESC OFFSET $2",
        prefix, keep,
    )
    for row in rows:
        # Not WITH (FORCE): a template being copied right now is left for a later build.
        with suppress(asyncpg.ObjectInUseError):
            await admin.execute(f'DROP DATABASE IF EXISTS "{row["datname"]}"')


def with_database(server: str, name: str) -> str:
    return urlunsplit(urlsplit(server)._replace(path=f"/{name}", query=""))


# Reused PostgreSQL databases ----------------------------------------------------------------

class Reused:
    """PostgreSQL databases a test process reuses, one per kind, instead of creating one per
    test: creating a database from a template took 0.3 to 0.9 s here, and a thousand tests
    ask for one. After each test the database is put back as the template left it: every
    other session to it ended, every table emptied and the template's rows copied back in,
    every sequence set where the template had it. Tables are emptied by DELETE, not TRUNCATE:
    truncating the 28 tables made new files for each and its indexes, 0.3 to 0.5 s a test
    here, where deleting the few rows a test wrote takes milliseconds. A database that cannot
    be put back is dropped, and the next test gets a new copy of the template."""

    def __init__(self) -> None:
        self._free: dict[tuple[str, Kind], str] = {}
        self._rows: dict[str, tuple[list[tuple[str, bytes]], list[tuple[str, int | None]]]] = {}
        self.made: set[tuple[str, str]] = set()  # (server, name): dropped when the process ends

    async def take(self, admin: asyncpg.Connection, server: str, kind: Kind) -> str:
        name = self._free.pop((server, kind), None)
        if name is not None:
            return name
        name = f"borough_reused_{secrets.token_hex(6)}"
        for attempt in range(2):
            template = await postgres_template(admin, server, kind)
            try:
                await admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
                break
            except asyncpg.InvalidCatalogNameError:
                if attempt:  # dropped twice as another checkout made a newer one: give up
                    raise
        self.made.add((server, name))
        connection = await asyncpg.connect(with_database(server, name))
        try:
            self._rows[name] = await _rows_of(connection)
        finally:
            await connection.close()
        return name

    async def give_back(self, admin: asyncpg.Connection, server: str, kind: Kind, name: str) -> None:
        """Put the database back as its template left it, for the next test; or drop it."""
        try:
            await admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
                name,
            )
            connection = await asyncpg.connect(with_database(server, name))
            try:
                await _restore(connection, *self._rows[name])
            finally:
                await connection.close()
        except Exception:  # whatever a test did to it, the next test gets a new copy
            await self.drop(admin, server, name)
            return
        self._free[(server, kind)] = name

    async def drop(self, admin: asyncpg.Connection, server: str, name: str) -> None:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.made.discard((server, name))
        self._rows.pop(name, None)

    async def drop_all(self) -> None:
        for server in {server for server, _ in self.made}:
            admin = await asyncpg.connect(server)
            try:
                for made_on, name in list(self.made):
                    if made_on == server:
                        await self.drop(admin, server, name)
            finally:
                await admin.close()
        self._free.clear()


async def _rows_of(connection: asyncpg.Connection) -> tuple[list[tuple[str, bytes]], list[tuple[str, int | None]]]:
    """Every table's rows (as COPY's binary format) and where each sequence stands (None: not
    used yet)."""
    tables = [row["tablename"] for row in await connection.fetch(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")]
    rows = []
    for table in tables:
        held = io.BytesIO()
        await connection.copy_from_table(table, output=held, format="binary")
        rows.append((table, held.getvalue()))
    sequences = [(row["sequencename"], row["last_value"]) for row in await connection.fetch(
        "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public'")]
    return rows, sequences


async def _restore(connection: asyncpg.Connection, rows: list[tuple[str, bytes]],
                   sequences: list[tuple[str, int | None]]) -> None:
    tables = {row["tablename"] for row in await connection.fetch(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
    if tables != {table for table, _ in rows}:
        raise ChangedSchema(sorted(tables ^ {table for table, _ in rows}))
    async with connection.transaction():
        # Foreign keys and their cascades are triggers, off in this mode: tables emptied and
        # filled in any order.
        await connection.execute("SET LOCAL session_replication_role = replica")
        await connection.execute("; ".join(f'DELETE FROM "{table}"' for table, _ in rows))
        for table, data in rows:
            if len(data) > BINARY_COPY_EMPTY:
                await connection.copy_to_table(table, source=io.BytesIO(data), format="binary")
        for sequence, value in sequences:  # a sequence not used yet starts again at 1
            await connection.execute(
                "SELECT setval($1, $2, $3)", f'"{sequence}"', value or 1, value is not None)


class ChangedSchema(Exception):
    """A test added or dropped tables: the database cannot be put back by its rows."""


BINARY_COPY_EMPTY = 21  # bytes of a binary COPY with no rows: the header (19) and the trailer (2)

reused = Reused()
