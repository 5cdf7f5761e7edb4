"""Fixtures the whole suite shares: a real database per test.

``database_url`` runs a test once on a SQLite file and once on a fresh PostgreSQL database
(on the server in ``BOROUGH_TEST_DATABASE_URL``, by default the local one). Without a
reachable server the PostgreSQL runs are skipped, unless ``BOROUGH_REQUIRE_POSTGRES=1``
makes them fail. ``db`` connects the store to a database built by the migrations; ``demo``
also gives it the demo council with every shipped service published.

The databases are copies of templates built once per backend (tests/database_templates.py:
a SQLite file every xdist worker of the run shares, a PostgreSQL template database named
after a hash of what builds it). On PostgreSQL each test process reuses one copy per kind,
put back as the template left it after every test (``Reused``): cheaper than creating a
database per test. Tests that use only ``database_url`` get an empty database of their own.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
from database_templates import (
    DEFAULT_POSTGRES_SERVER,
    Kind,
    connect_admin,
    reused,
    run_folder,
    sqlite_template,
    with_database,
)
from scheduling import spread

from runtime import store
from runtime.store.database import connect, disconnect

DEMO_SLUG = "demo"  # borough.demo's council


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under xdist, the browser tests in two groups at the heads of two workers' first runs
    (tests/scheduling.py)."""
    workers = int(getattr(config, "workerinput", {}).get("workercount", 0))
    if workers > 1:
        items[:] = spread(items, workers, _browser_group, _cheap)


# The longest browser modules: the walks through every page of every shipped service and of the
# builder, and the designer's journey, against all the others (about 190 s and 150 s, from the
# modules' times in one run of the suite).
LONG_WALKS = ("test_accessibility.py", "test_builder_accessibility.py", "test_designer_journey.py")


def _browser_group(item: pytest.Item) -> str | None:
    if item.get_closest_marker("browser") is None:
        return None
    return "walks" if item.path.name in LONG_WALKS else "others"


def _cheap(item: pytest.Item) -> bool:
    return item.nodeid.startswith("tests/themes/")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """The URL of a database of its own for this test: SQLite, then PostgreSQL. Empty, or
    a copy of a template when the test also uses ``db`` (migrated) or ``demo``."""
    kind = _template_kind(request)
    if request.param == "sqlite":
        path = tmp_path / "borough.db"
        if kind is not None:
            folder = run_folder(request.config._tmp_path_factory.getbasetemp())  # type: ignore[attr-defined]
            shutil.copyfile(await sqlite_template(folder, kind), path)
        yield f"sqlite:///{path}"
        return
    server = os.environ.get("BOROUGH_TEST_DATABASE_URL", DEFAULT_POSTGRES_SERVER)
    admin = await connect_admin(server)
    try:
        if kind is not None:  # a database this process reuses, put back as the template left it
            name = await reused.take(admin, server, kind)
            try:
                yield with_database(server, name)
            finally:
                await reused.give_back(admin, server, kind, name)
            return
        name = f"borough_test_{secrets.token_hex(6)}"
        await admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield with_database(server, name)
        finally:
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


@pytest.fixture
async def demo(db: str) -> store.Council:
    """The demo council of ``borough serve --demo``, with every shipped service published: in
    the database from the start, as ``borough.demo.load_demo`` left it in the template."""
    council = await store.get_council(DEMO_SLUG)
    assert council is not None, "the demo template has no demo council"
    return council


@pytest.fixture
async def browsers(app: Any) -> AsyncIterator[list[httpx.AsyncClient]]:
    """The HTTP clients a test opens on its folder's `app` (one a person), closed after it."""
    opened: list[httpx.AsyncClient] = []
    yield opened
    for client in opened:
        await client.aclose()


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Drop the PostgreSQL databases this process reused (each xdist worker drops its own)."""
    if reused.made:
        asyncio.run(reused.drop_all())


def _template_kind(request: pytest.FixtureRequest) -> Kind | None:
    names = request.fixturenames
    if "demo" in names:
        return "demo"
    return "migrated" if "db" in names else None
