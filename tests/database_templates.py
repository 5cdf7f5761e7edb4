"""Template databases the suite copies for each test, built once and shared by the xdist workers.

Two kinds: ``migrated`` (every migration applied) and ``demo`` (migrated, then the demo
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
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from runtime.settings import ROOT
from runtime.store.database import connect, disconnect, migrate

Kind = Literal["migrated", "demo"]
KINDS: tuple[Kind, ...] = ("migrated", "demo")

MIGRATIONS = ROOT / "runtime" / "store" / "migrations"
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
    sources = [MIGRATIONS, *(DEMO_SOURCES if kind == "demo" else ())]
    files = sorted(
        path
        for source in sources
        for path in ([source] if source.is_file() else source.rglob("*"))
        if path.suffix in (".py", ".json") and "__pycache__" not in path.parts
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
