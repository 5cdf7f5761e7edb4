"""`borough create-council`, `create-user` and `list-users`, run as the real command (in this
process: tests/borough_command.py) on a migrated SQLite file: what they print, their exit
status, and the rows they leave behind."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest
from borough_command import Command
from borough_command import borough as run_borough

from runtime import store
from runtime.staff.passwords import hash_password, verify

T = TypeVar("T")
PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="module")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One database migrated once; each test gets a copy of the file."""
    path = tmp_path_factory.mktemp("template") / "borough.db"
    asyncio.run(store.migrate(f"sqlite:///{path}"))
    return path


@pytest.fixture
def url(migrated: Path, tmp_path: Path) -> str:
    shutil.copyfile(migrated, tmp_path / "borough.db")
    return f"sqlite:///{tmp_path / 'borough.db'}"


def borough(url: str, *args: str, stdin: str | None = None) -> Command:
    var = Path(url.removeprefix("sqlite://")).parent / "var"
    return run_borough(list(args), {"BOROUGH_DATABASE_URL": url, "BOROUGH_VAR_DIR": str(var)}, stdin or "")


def in_store(url: str, work: Callable[[], Awaitable[T]]) -> T:
    async def run() -> T:
        await store.connect(url, check=False)  # migrated by the fixture; skipping the check is faster
        try:
            return await work()
        finally:
            await store.disconnect()

    return asyncio.run(run())


def refused(result: Command, message: str) -> None:
    """Exit 1 and exactly one line on stderr that says what is wrong; nothing on stdout."""
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("borough: "), result.stderr
    assert message in result.stderr, result.stderr


async def everything() -> dict[str, Any]:
    return {
        "councils": [council.slug for council in await store.list_councils()],
        "users": [(user.email, user.name, user.is_operator) for user in await store.staff.list_users()],
        "audit": await store.AuditEntry.all().count(),
    }


# create-council ---------------------------------------------------------------------------

def test_create_council_creates_it_and_audits_it(url: str) -> None:
    result = borough(url, "create-council", "--slug", "northshire", "--name", " Northshire Council ")
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == "borough: created council Northshire Council (/northshire)\n"

    async def read() -> tuple[store.Council | None, list[store.AuditEntry]]:
        council = await store.get_council("northshire")
        return council, await store.audit.entries(council) if council else []

    council, entries = in_store(url, read)
    assert council is not None and council.name == "Northshire Council"
    assert [(e.action, e.target, e.actor_id, e.actor_label, e.after) for e in entries] == [
        ("council-created", "northshire", None, "borough create-council",
         {"slug": "northshire", "name": "Northshire Council"})]


def test_a_taken_slug_is_refused(url: str) -> None:
    in_store(url, lambda: store.create_council("northshire", "Northshire Council"))
    before = in_store(url, everything)
    refused(borough(url, "create-council", "--slug", "northshire", "--name", "Another"),
            "a council with the slug 'northshire' already exists")
    assert in_store(url, everything) == before


@pytest.mark.parametrize(("slug", "message"), [
    ("North Shire", "'North Shire' is not a slug"),
    ("staff", "'staff' is a name Borough keeps for itself"),
])
def test_bad_and_reserved_slugs_are_refused(url: str, slug: str, message: str) -> None:
    refused(borough(url, "create-council", "--slug", slug, "--name", "Some Council"), message)
    assert in_store(url, everything) == {"councils": [], "users": [], "audit": 0}


# create-user ------------------------------------------------------------------------------

def test_create_user_with_roles_makes_a_password_shown_once(url: str) -> None:
    in_store(url, lambda: store.create_council("northshire", "Northshire Council"))
    result = borough(url, "create-user", "--email", " Ann.Example@Northshire.GOV.UK ", "--name", "Ann Example",
                     "--council", "northshire", "--role", "caseworker", "--role", "admin")
    assert (result.returncode, result.stderr) == (0, "")
    lines = result.stdout.splitlines()
    assert lines[0] == ("borough: created user ann.example@northshire.gov.uk (Ann Example): "
                        "admin, caseworker in Northshire Council (/northshire)")
    assert lines[1].startswith("borough: their password is ")
    password = lines[1].removeprefix("borough: their password is ")
    assert len(password) >= 20 and result.stdout.count(password) == 1
    assert "shown once" in lines[2] and len(lines) == 3

    async def read() -> tuple[store.StaffUser | None, store.Membership | None, list[store.AuditEntry]]:
        user = await store.staff.user_by_email("ann.example@northshire.gov.uk")
        council = await store.get_council("northshire")
        assert council is not None and user is not None
        return user, await store.staff.membership(user, council), await store.audit.entries(council)

    user, membership, entries = in_store(url, read)
    assert user is not None and membership is not None
    assert (user.name, user.is_operator, user.active) == ("Ann Example", False, True)
    assert user.password_hash is not None and user.password_hash.startswith("$argon2id$")
    assert password not in user.password_hash and verify(user.password_hash, password)
    assert membership.roles == ["admin", "caseworker"]
    assert [(e.action, e.target, e.actor_id, e.actor_label, e.after) for e in entries] == [
        ("user-created", "ann.example@northshire.gov.uk", None, "borough create-user",
         {"name": "Ann Example", "operator": False, "roles": ["admin", "caseworker"]})]


def test_an_operator_with_a_password_from_stdin(url: str) -> None:
    result = borough(url, "create-user", "--email", "op@example.org", "--name", "Olu Operator", "--operator",
                     "--password-stdin", stdin=PASSWORD + "\n")
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == "borough: created user op@example.org (Olu Operator): an installation operator\n"

    async def read() -> tuple[store.StaffUser | None, list[store.Membership], list[store.AuditEntry]]:
        user = await store.staff.user_by_email("op@example.org")
        assert user is not None
        return user, await store.staff.memberships_of(user), await store.AuditEntry.all()

    user, memberships, entries = in_store(url, read)
    assert user is not None and user.is_operator and memberships == []
    assert user.password_hash is not None and verify(user.password_hash, PASSWORD)
    assert not verify(user.password_hash, PASSWORD + "\n")  # the newline ends the line, it is not the password
    assert [(e.council_id, e.action, e.target, e.actor_label, e.after) for e in entries] == [
        (None, "user-created", "op@example.org", "borough create-user", {"name": "Olu Operator", "operator": True})]


async def ann_and_northshire() -> None:
    await store.create_council("northshire", "Northshire Council")
    await store.staff.create_user("ann@example.org", "Ann", hash_password(PASSWORD))


@pytest.mark.parametrize(("args", "stdin", "message"), [
    (["--email", "ANN@example.org", "--name", "Another Ann"], None,
     "a user with the email ann@example.org already exists"),
    (["--email", "bo@example.org", "--name", "Bo", "--council", "nowhere", "--role", "admin"], None,
     "there is no council with the slug 'nowhere'"),
    (["--email", "bo@example.org", "--name", "Bo", "--council", "northshire", "--role", "superuser"], None,
     "unknown role 'superuser': the roles are admin, designer, publisher, caseworker"),
    (["--email", "bo@example.org", "--name", "Bo", "--role", "admin"], None, "--role needs --council"),
    (["--email", "bo@example.org", "--name", "Bo", "--council", "northshire"], None,
     "--council needs at least one --role"),
    (["--email", "bo@example", "--name", "Bo"], None, "'bo@example' is not an email address"),
    (["--email", "bo@example.org", "--name", "  "], None, "the name is empty"),
    (["--email", "bo@example.org", "--name", "Bo", "--password-stdin"], "short\n",
     "password must be 12 characters or more"),
    (["--email", "bo@example.org", "--name", "Bo", "--password-stdin"], "password1234\n",
     "choose a password that is harder to guess"),
    (["--email", "bo@example.org", "--name", "Bo", "--password-stdin"], "bo-is-the-best-2024\n",
     "password must not contain your email address"),
], ids=["duplicate-email", "unknown-council", "unknown-role", "role-without-council",
        "council-without-role", "bad-email", "empty-name", "short-password", "common-password",
        "password-with-email"])
def test_create_user_refusals_change_nothing(url: str, args: list[str], stdin: str | None, message: str) -> None:
    in_store(url, ann_and_northshire)
    before = in_store(url, everything)
    result = borough(url, "create-user", *args, stdin=stdin)
    refused(result, message)
    assert "Traceback" not in result.stderr
    assert in_store(url, everything) == before


# list-users -------------------------------------------------------------------------------

async def staff_of_two_councils() -> None:
    north = await store.create_council("northshire", "Northshire Council")
    south = await store.create_council("southshire", "Southshire Council")
    ann = await store.staff.create_user("ann@example.org", "Ann Example", None)
    bo = await store.staff.create_user("bo@example.org", "Bo", None)
    await store.staff.create_user("op@example.org", "Olu Operator", None, operator=True)
    await store.staff.grant(ann, north, ["caseworker", "admin"])
    await store.staff.grant(ann, south, ["designer"])
    await store.staff.grant(bo, south, ["publisher"])


def test_list_users_shows_everyone_with_their_councils_and_roles(url: str) -> None:
    in_store(url, staff_of_two_councils)
    result = borough(url, "list-users")
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout.splitlines() == [
        "EMAIL            NAME          OPERATOR  COUNCILS AND ROLES",
        "ann@example.org  Ann Example   no        northshire: admin, caseworker; southshire: designer",
        "bo@example.org   Bo            no        southshire: publisher",
        "op@example.org   Olu Operator  yes",
    ]


def test_list_users_of_one_council_shows_only_its_members_and_roles(url: str) -> None:
    in_store(url, staff_of_two_councils)
    result = borough(url, "list-users", "--council", "northshire")
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout.splitlines() == [
        "EMAIL            NAME         OPERATOR  COUNCILS AND ROLES",
        "ann@example.org  Ann Example  no        northshire: admin, caseworker",
    ]
    refused(borough(url, "list-users", "--council", "nowhere"), "there is no council with the slug 'nowhere'")


def test_names_cannot_put_control_characters_on_the_operators_terminal(url: str) -> None:
    async def hostile() -> None:
        await store.staff.create_user("eve@example.org", "Eve\x1b[2J\nroot", None)

    in_store(url, hostile)
    result = borough(url, "list-users")
    assert result.returncode == 0 and "\x1b" not in result.stdout
    assert result.stdout.splitlines()[1] == "eve@example.org  Eve\\x1b[2J\\nroot  no"


# The database must be migrated ----------------------------------------------------------

@pytest.mark.parametrize("args", [
    ["create-council", "--slug", "northshire", "--name", "Northshire Council"],
    ["create-user", "--email", "ann@example.org", "--name", "Ann", "--operator"],
    ["list-users"],
], ids=["create-council", "create-user", "list-users"])
def test_an_unmigrated_database_is_refused(tmp_path: Path, args: list[str]) -> None:
    result = borough(f"sqlite:///{tmp_path / 'empty.db'}", *args)
    refused(result, "migration(s) pending")
    assert "Run `borough migrate`" in result.stderr


def test_the_running_docs_quote_each_commands_real_help() -> None:
    doc = (Path(__file__).resolve().parents[2] / "docs" / "running.md").read_text(encoding="utf-8")
    for command in ("create-council", "create-user", "list-users"):
        shown = run_borough([command, "--help"], {"COLUMNS": "80"}).stdout.rstrip()
        assert f"```\n{shown}\n```" in doc, command
