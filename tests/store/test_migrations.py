"""The schema is built by the migrations alone, and connecting checks it is up to date."""

from __future__ import annotations

from pathlib import Path

import pytest
from tortoise.context import TortoiseContext
from tortoise.exceptions import DBConnectionError
from tortoise.migrations.autodetector import MigrationAutodetector

from runtime.store import (
    DatabaseNotMigrated,
    Submission,
    connect,
    create_council,
    disconnect,
    get_council,
    list_councils,
    migrate,
    pending_migrations,
    publish_version,
    start_journey,
    submit,
)
from runtime.store.database import MIGRATIONS_CONFIG, tortoise_config

MIGRATIONS = Path(__file__).parents[2] / "runtime" / "store" / "migrations"


def migration_names() -> list[str]:
    return sorted(path.stem for path in MIGRATIONS.glob("[0-9]*.py"))


def test_migrations_are_numbered_files_in_a_package() -> None:
    assert (MIGRATIONS / "__init__.py").is_file()
    names = migration_names()
    assert names[0] == "0001_initial"
    assert [int(name[:4]) for name in names] == list(range(1, len(names) + 1))


async def test_a_blank_database_has_every_migration_pending(database_url: str) -> None:
    assert await pending_migrations(database_url) == migration_names()


async def test_connect_refuses_an_unmigrated_database(database_url: str) -> None:
    with pytest.raises(DatabaseNotMigrated) as raised:
        await connect(database_url)
    assert raised.value.pending == migration_names()
    assert "0001_initial" in str(raised.value)
    assert "run `borough migrate`" in str(raised.value).lower()
    assert raised.value.code == "database-not-migrated"


async def test_migrate_builds_the_schema_and_leaves_nothing_pending(database_url: str) -> None:
    await migrate(database_url)
    assert await pending_migrations(database_url) == []
    await connect(database_url)
    try:
        await create_council("northshire", "Northshire Council")
        assert [council.slug for council in await list_councils()] == ["northshire"]
    finally:
        await disconnect()


async def test_migrating_again_changes_nothing_and_keeps_every_row(db: str) -> None:
    council = await create_council("northshire", "Northshire Council", languages=["en", "cy"])
    version = await publish_version(
        council, {"id": "report-a-pothole", "version": "1.0.0", "title": "Report"}, "a" * 64
    )
    journey = await start_journey(council, version, "cy")
    submission, _ = await submit(journey, {"where": "High Street"}, "received")

    await migrate(db)  # an upgrade with nothing new to apply, while the app is connected
    await disconnect()
    await migrate(db)
    assert await pending_migrations(db) == []
    await connect(db)

    kept = await get_council("northshire")
    assert kept is not None and kept.languages == ["en", "cy"]
    again = await Submission.get(id=submission.id)
    assert again.reference == submission.reference
    assert again.answers == {"where": "High Street"}


async def test_an_unreachable_database_is_an_error_not_an_unmigrated_one(
    database_url: str,
) -> None:
    if database_url.startswith("sqlite"):
        missing, error = (
            database_url.replace("/borough.db", "/missing/borough.db"),
            FileNotFoundError,
        )
    else:
        missing, error = f"{database_url}_missing", DBConnectionError
    with pytest.raises(error):
        await pending_migrations(missing)
    with pytest.raises(error):
        await connect(missing)


async def test_connect_without_the_check_opens_an_unmigrated_database(database_url: str) -> None:
    await connect(database_url, check=False)
    await disconnect()


async def test_an_in_memory_database_is_built_when_connecting() -> None:
    await connect("sqlite://:memory:")
    try:
        await create_council("northshire", "Northshire Council")
        assert await get_council("northshire") is not None
    finally:
        await disconnect()
    with pytest.raises(ValueError, match="in-memory"):
        await migrate("sqlite://:memory:")


def test_unsupported_database_urls_are_refused() -> None:
    with pytest.raises(ValueError, match="Unsupported database URL"):
        tortoise_config("mysql://root@localhost/borough")


async def test_the_migrations_match_the_models() -> None:
    """Fails when a model changed without a migration: run the makemigrations command."""
    async with TortoiseContext() as context:
        await context.init(config=MIGRATIONS_CONFIG)
        assert context.apps is not None
        apps_config = MIGRATIONS_CONFIG["apps"]
        writers = await MigrationAutodetector(context.apps, apps_config).changes()
    changes = [operation for writer in writers for operation in writer.operations]
    assert changes == [], (
        "The models changed without a migration; from the repository root run "
        "`.venv/bin/python -m tortoise -c runtime.store.database.MIGRATIONS_CONFIG "
        "makemigrations borough --name what_changed`"
    )
