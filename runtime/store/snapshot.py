"""A new database's schema, from a snapshot of what the migrations build.

Tortoise applies a migration by rebuilding its picture of every model after each operation:
the 8 migrations here made about 2,000 model classes, 10 to 30 s of CPU, before an empty
database could be used (the first ``make run``, every new test database). Most of that is
for a database that has nothing in it yet. So a database with no tables gets the schema the
migrations would leave, as one SQL script per backend (``runtime/store/schema/``), and the
migrations it stands for are recorded as applied, in the same transaction. Any migration
newer than the snapshot is then applied as usual. A database with anything in it is only ever
migrated.

The scripts are what the migrations really built, read back from the database: SQLite's own
record of its schema, and ``pg_dump --schema-only``. ``tests/store/test_snapshot.py`` builds
a database each way on both backends and finds them the same. After adding a migration:

    .venv/bin/python -m runtime.store.snapshot   # needs PostgreSQL (BOROUGH_SNAPSHOT_POSTGRES) and pg_dump
"""

from __future__ import annotations

import asyncio
import os
import re
import secrets
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from tortoise.backends.base.client import BaseDBAsyncClient

SCHEMA = Path(__file__).parent / "schema"
MIGRATIONS = Path(__file__).parent / "migrations"
RECORDS = "tortoise_migrations"  # Tortoise's table of applied migrations
_HEADER = "-- Borough's schema after the migrations: "


def script_path(dialect: str) -> Path:
    return SCHEMA / f"{dialect}.sql"


def migration_names() -> list[str]:
    return sorted(path.stem for path in MIGRATIONS.glob("[0-9]*.py"))


def recorded(script: str) -> list[str]:
    """The migrations a snapshot script stands for, from its first line."""
    first = script.split("\n", 1)[0]
    if not first.startswith(_HEADER):
        raise ValueError("not a Borough schema snapshot: its first line does not name its migrations")
    return first.removeprefix(_HEADER).split(", ")


async def is_empty(connection: BaseDBAsyncClient, dialect: str) -> bool:
    """True when the database has no table at all (and, on PostgreSQL, uses the public schema,
    which the snapshot names)."""
    if dialect == "sqlite":
        _, rows = await connection.execute_query("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table'")
        return int(rows[0]["n"]) == 0
    _, rows = await connection.execute_query(
        "SELECT current_schema() = 'public' AS public, "
        "(SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()) AS n")
    return bool(rows[0]["public"]) and rows[0]["n"] == 0


async def apply(connection: BaseDBAsyncClient, dialect: str, app: str) -> list[str]:
    """Build the schema of an empty database from its backend's snapshot in one transaction,
    record the migrations it stands for as applied, and return their names."""
    script = script_path(dialect).read_text()
    names = [name for name in recorded(script) if name in set(migration_names())]
    if len(names) != len(recorded(script)):  # a snapshot naming a migration this code lacks
        raise ValueError("the schema snapshot names migrations missing from runtime/store/migrations")
    now = "CURRENT_TIMESTAMP"
    inserts = "".join(
        f"INSERT INTO {RECORDS} (app, name, applied_at) VALUES ('{app}', '{name}', {now});\n" for name in names)
    if dialect == "sqlite":  # executescript commits whatever is open first: the script is its own transaction
        await connection.execute_script(f"BEGIN;\n{script}\n{inserts}COMMIT;\n")
    else:  # one simple query: PostgreSQL runs it as a single transaction
        await connection.execute_script(f"{script}\n{inserts}")
    return names


# Making the snapshot from a database the migrations built --------------------------------------

def sqlite_schema(path: Path) -> str:
    """The schema of the SQLite file at ``path`` as a script: tables, then indexes, triggers
    and views, each as SQLite recorded the statement that made it (after any ALTER)."""
    connection = sqlite3.connect(path)
    try:
        rows = connection.execute(
            "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' "
            "ORDER BY CASE type WHEN 'table' THEN 0 WHEN 'index' THEN 1 WHEN 'trigger' THEN 2 ELSE 3 END, name"
        ).fetchall()
    finally:
        connection.close()
    return "".join(f"{sql};\n" for (sql,) in rows)


def postgres_schema(url: str) -> str:
    """The schema of the PostgreSQL database at ``url`` as ``pg_dump`` writes it, less what
    only a restore by psql needs (session settings, psql's meta-commands, comments)."""
    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        raise FileNotFoundError("pg_dump is missing: install PostgreSQL's client (apt-get install -y postgresql-client)")
    dump = subprocess.run(
        [pg_dump, "--schema-only", "--no-owner", "--no-privileges", "--no-tablespaces", url],
        check=True, capture_output=True, text=True,
    ).stdout
    kept = [line for line in dump.splitlines()
            if not line.startswith(("--", "SET ", "\\")) and not line.startswith("SELECT pg_catalog.set_config")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(kept)).strip() + "\n"


def header(names: list[str]) -> str:
    return f"{_HEADER}{', '.join(names)}\n"


async def built_by_migrations(url: str) -> None:
    from runtime.store.database import migrate

    await migrate(url, from_snapshot=False)


def with_database(server: str, name: str) -> str:
    return urlunsplit(urlsplit(server)._replace(path=f"/{name}", query=""))


async def _write(postgres_server: str) -> None:
    import asyncpg  # type: ignore[import-untyped]

    names = migration_names()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "borough.db"
        await built_by_migrations(f"sqlite:///{path}")
        script_path("sqlite").write_text(header(names) + sqlite_schema(path))
    admin = await asyncpg.connect(postgres_server)
    name = f"borough_snapshot_{secrets.token_hex(6)}"
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        url = with_database(postgres_server, name)
        await built_by_migrations(url)
        script_path("postgres").write_text(header(names) + postgres_schema(url))
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


def main() -> int:
    server = os.environ.get("BOROUGH_SNAPSHOT_POSTGRES", "postgres://postgres@127.0.0.1:5432/postgres")
    SCHEMA.mkdir(exist_ok=True)
    asyncio.run(_write(server))
    print(f"wrote {script_path('sqlite')} and {script_path('postgres')} "
          f"(after {migration_names()[-1]})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
