"""An empty database built from the schema snapshot is the database the migrations build.

On each backend: one database built by the migrations, one from the snapshot. The first is
built as an installation that began before the payments and workflow were upgraded: migrated to
0003, given a submission, then migrated (a database with tables is never given the snapshot),
and its submission comes through. Their schemas (SQLite's record of each statement,
``pg_dump --schema-only`` on PostgreSQL) and the migrations they record as applied are the
same, and the snapshot file is that schema: a new migration without a new snapshot fails here,
saying how to make one. (Running the migrations costs seconds of CPU each time: one database
each way per backend is all this file builds.)
"""

from __future__ import annotations

import os
import secrets
import shutil
from pathlib import Path

import pytest
from database_templates import DEFAULT_POSTGRES_SERVER, connect_admin, with_database
from test_migrations import assert_the_submission_was_upgraded, at_0003_with_a_submission

from runtime.store import migrate, pending_migrations
from runtime.store import snapshot as snapshots
from runtime.store.database import _temporary_context, connection_name

REMAKE = "the schema snapshot is out of date: run `.venv/bin/python -m runtime.store.snapshot`"


def snapshot_body(dialect: str) -> str:
    return snapshots.script_path(dialect).read_text().split("\n", 1)[1]


async def applied(url: str) -> list[str]:
    async with _temporary_context(url) as context:
        _, rows = await context.db(connection_name(url)).execute_query(
            f"SELECT app, name FROM {snapshots.RECORDS} ORDER BY name")
    return [f"{row['app']}.{row['name']}" for row in rows]


def test_the_snapshot_stands_for_every_migration() -> None:
    for dialect in ("sqlite", "postgres"):
        script = snapshots.script_path(dialect).read_text()
        assert snapshots.recorded(script) == snapshots.migration_names(), REMAKE


async def test_sqlite_from_the_snapshot_is_what_the_migrations_build(tmp_path: Path) -> None:
    migrated, snapped = tmp_path / "migrated.db", tmp_path / "snapshot.db"
    await at_0003_with_a_submission(f"sqlite:///{migrated}")
    await migrate(f"sqlite:///{migrated}")
    await assert_the_submission_was_upgraded(f"sqlite:///{migrated}")
    await migrate(f"sqlite:///{snapped}")
    assert snapshots.sqlite_schema(migrated) == snapshot_body("sqlite"), REMAKE
    assert snapshots.sqlite_schema(snapped) == snapshots.sqlite_schema(migrated)
    assert await applied(f"sqlite:///{snapped}") == await applied(f"sqlite:///{migrated}")
    assert len(await applied(f"sqlite:///{snapped}")) == len(snapshots.migration_names())


@pytest.mark.postgres
async def test_postgres_from_the_snapshot_is_what_the_migrations_build() -> None:
    if shutil.which("pg_dump") is None:
        message = "pg_dump is missing (apt-get install -y postgresql-client): it reads the schemas compared here"
        if os.environ.get("BOROUGH_REQUIRE_POSTGRES") == "1":
            pytest.fail(message)
        pytest.skip(message)
    server = os.environ.get("BOROUGH_TEST_DATABASE_URL", DEFAULT_POSTGRES_SERVER)
    admin = await connect_admin(server)
    names = [f"borough_test_{secrets.token_hex(6)}" for _ in range(2)]
    try:
        for name in names:
            await admin.execute(f'CREATE DATABASE "{name}"')
        migrated, snapped = (with_database(server, name) for name in names)
        await at_0003_with_a_submission(migrated)
        await migrate(migrated)
        await assert_the_submission_was_upgraded(migrated)
        await migrate(snapped)
        assert snapshots.postgres_schema(migrated) == snapshot_body("postgres"), REMAKE
        assert snapshots.postgres_schema(snapped) == snapshots.postgres_schema(migrated)
        assert await applied(snapped) == await applied(migrated)
        assert await pending_migrations(snapped) == []
    finally:
        for name in names:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def test_a_broken_snapshot_leaves_the_database_empty(database_url: str, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """The script and the records of what it stands for are one transaction: a statement
    that fails half-way leaves no table behind, and the next try starts from nothing."""
    dialect = connection_name(database_url)
    broken = tmp_path / f"{dialect}.sql"
    script = snapshots.script_path(dialect).read_text()
    middle = script.index("CREATE INDEX")
    broken.write_text(script[:middle] + "CREATE TABLE broken (;\n" + script[middle:])
    monkeypatch.setattr(snapshots, "SCHEMA", tmp_path)
    with pytest.raises(Exception, match="syntax error"):
        await migrate(database_url)
    async with _temporary_context(database_url) as context:
        assert await snapshots.is_empty(context.db(dialect), dialect)
    monkeypatch.undo()
    await migrate(database_url)
    assert await pending_migrations(database_url) == []

