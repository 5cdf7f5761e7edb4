"""The schema is built by the migrations alone, and connecting checks it is up to date."""

from __future__ import annotations

from pathlib import Path

import pytest
from tortoise.context import TortoiseContext
from tortoise.exceptions import DBConnectionError
from tortoise.migrations.api import migrate as migrate_api
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
from runtime.store import catalogue as catalogue_store
from runtime.store.database import MIGRATIONS_CONFIG, connection_name, tortoise_config

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


WORKFLOW = {"id": "pothole", "initial": "received", "states": {
    "received": {"on": {"FIX": {"target": "fixed"}}, "meta": {"label": "New", "residentText": "Got it.", "tag": "blue"}},
    "fixed": {"type": "final", "meta": {"label": "Fixed", "residentText": "Fixed.", "tag": "green"}}}}


async def test_migrating_again_changes_nothing_and_keeps_every_row(db: str) -> None:
    council = await create_council("northshire", "Northshire Council", languages=["en", "cy"])
    version = await publish_version(
        council, {"id": "report-a-pothole", "version": "1.0.0", "title": "Report", "workflow": WORKFLOW}, "a" * 64
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


async def at_0003_with_a_submission(database_url: str) -> None:
    """Migrate the empty database at ``database_url`` to 0003, as a release of then left it,
    and put a submission in it. (tests/store/test_snapshot.py upgrades it on each backend.)"""
    async with TortoiseContext() as context:
        await migrate_api(config=tortoise_config(database_url), app_labels=["borough"], target="borough.0003_audit_is_append_only")
        await context.init(config=tortoise_config(database_url))
        connection = context.db(connection_name(database_url))
        now = "2026-11-30 10:00:00+00:00"
        await connection.execute_script(f"""
            INSERT INTO council (id, slug, name, brand_colour, languages, created_at)
                VALUES (1, 'northshire', 'Northshire Council', '#1d70b8', '["en"]', '{now}');
            INSERT INTO service_version (id, council_id, service_id, version, content_hash, definition, title, published_at)
                VALUES (1, 1, 'report-a-pothole', '1.0.0', '{"a" * 64}', '{{}}', 'Report', '{now}');
            INSERT INTO journey (id, council_id, service_version_id, answers, visited, language, created_at, updated_at,
                                 expires_at, submitted, lock_version)
                VALUES ('0b6c2a9e-8a1f-4d7e-9c51-7c8f2f0e2a11', 1, 1, '{{}}', '[]', 'en', '{now}', '{now}', '{now}', TRUE, 1);
            INSERT INTO submission (id, council_id, service_version_id, journey_id, reference, answers, language, state,
                                    submitted_at)
                VALUES (1, 1, 1, '0b6c2a9e-8a1f-4d7e-9c51-7c8f2f0e2a11', 'ABCD2345', '{{"where": "High Street"}}', 'en',
                        'received', '{now}');
        """)


async def assert_the_submission_was_upgraded(database_url: str) -> None:
    """After the payment (0004) and workflow (0005) migrations the submission put in at 0003
    is intact, not awaiting payment, knows its service and when its state began."""
    await connect(database_url)
    try:
        upgraded = await Submission.get(reference="ABCD2345")
        assert upgraded.answers == {"where": "High Street"}
        assert upgraded.service_id == "report-a-pothole"
        assert upgraded.state == "received" and upgraded.version == 0 and not upgraded.awaiting_payment
        assert upgraded.state_entered_at == upgraded.submitted_at
    finally:
        await disconnect()


async def test_a_fork_imported_before_publishers_names_were_kept_still_reads(database_url: str) -> None:
    """0009 adds the publisher's name to each service imported from a catalogue: a fork already
    there (imported at 0008) is kept, with no name recorded, so the pages show its slug."""
    async with TortoiseContext() as context:
        await migrate_api(config=tortoise_config(database_url), app_labels=["borough"],
                          target="borough.0008_catalogue_suggestions")
        await context.init(config=tortoise_config(database_url))
        connection = context.db(connection_name(database_url))
        now = "2026-11-30 10:00:00+00:00"
        await connection.execute_script(f"""
            INSERT INTO council (id, slug, name, brand_colour, languages, created_at)
                VALUES (1, 'eastshire', 'Eastshire Council', '#1d70b8', '["en"]', '{now}');
            INSERT INTO catalogue_fork (id, council_id, service_id, catalogue, publisher, upstream_service,
                                        upstream_version, address, created_at)
                VALUES (1, 1, 'report-pothole', 'https://catalogue.example', 'northshire', 'report-pothole',
                        '1.0.0', '{"a" * 64}', '{now}');
        """)
    await migrate(database_url)
    await connect(database_url)
    try:
        council = await get_council("eastshire")
        assert council is not None
        fork = await catalogue_store.get_fork(council, "report-pothole")
        assert fork is not None and (fork.publisher, fork.upstream_version) == ("northshire", "1.0.0")
        assert fork.publisher_name is None  # not known: shown by its slug
    finally:
        await disconnect()
