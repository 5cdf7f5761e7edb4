"""Operator commands for councils and staff accounts: create-council, create-user, list-users.

They work on the database in BOROUGH_DATABASE_URL, refuse one with pending migrations, and say
what went wrong in one line on stderr (exit status 1). Each change is written to the audit log.
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import sys
from collections.abc import Awaitable, Callable
from typing import Any

from runtime import store
from runtime.core.formats import is_email
from runtime.settings import Settings

ROLES = store.staff.ROLES
MAX_NAME = 200
MAX_EMAIL = 254


class Refused(Exception):
    """A command cannot do what it was asked; the message is the one line the operator sees."""


def add_commands(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    council = commands.add_parser(
        "create-council", help="create a council",
        description="Create a council: its services are served at /SLUG. Written to the audit log.")
    council.add_argument("--slug", required=True,
                         help="the council's short name in web addresses: lower-case letters, digits, hyphens")
    council.add_argument("--name", required=True, help="the council's name, as residents see it")
    council.set_defaults(run=_create_council)

    user = commands.add_parser(
        "create-user", help="create a staff account",
        description="Create a staff account with roles in one council, or an installation operator. "
                    "Without --password-stdin a random password is made and printed once. "
                    "Written to the audit log.")
    user.add_argument("--email", required=True, help="the address they sign in with")
    user.add_argument("--name", required=True, help="their name, as other staff see it")
    user.add_argument("--council", metavar="SLUG", help="the council to give them roles in")
    user.add_argument("--role", metavar="ROLE", action="append", default=[],
                      help=f"a role in that council, once per role: {', '.join(ROLES)}")
    user.add_argument("--operator", action="store_true",
                      help="an installation operator, who can create councils")
    user.add_argument("--password-stdin", action="store_true",
                      help="read the password from standard input instead of making one")
    user.set_defaults(run=_create_user)

    users = commands.add_parser(
        "list-users", help="list staff accounts and their roles",
        description="List staff accounts: email, name, whether an operator, and roles per council.")
    users.add_argument("--council", metavar="SLUG", help="only the members of this council")
    users.set_defaults(run=_list_users)


# create-council ---------------------------------------------------------------------------

def _create_council(args: argparse.Namespace) -> int:
    try:
        name = _plain(args.name, "the council's name")
    except Refused as refusal:
        return _refuse(str(refusal))
    return _run(lambda: _new_council(args.slug, name))


async def _new_council(slug: str, name: str) -> None:
    council = await store.create_council(slug, name)
    await store.audit.record(council, None, "council-created", council.slug,
                             after={"slug": council.slug, "name": council.name},
                             actor_label="borough create-council")
    print(f"borough: created council {council.name} (/{council.slug})")


# create-user ------------------------------------------------------------------------------

def _create_user(args: argparse.Namespace) -> int:
    from runtime.staff import passwords  # hashes a decoy when imported: only this command needs it

    try:
        email = _email(args.email)
        name = _plain(args.name, "the name")
        roles = _roles(args.council, args.role)
        password = _password_from_stdin(email) if args.password_stdin else None
    except Refused as refusal:
        return _refuse(str(refusal))
    generated = password is None
    if password is None:
        password = _new_password(email)
    password_hash = passwords.hash_password(password)

    async def create() -> None:
        council = await _council(args.council) if args.council else None
        user = await store.staff.create_user(email, name, password_hash, operator=args.operator)
        if council is not None:
            await store.staff.grant(user, council, roles)
        after: dict[str, Any] = {"name": user.name, "operator": user.is_operator}
        if council is not None:
            after["roles"] = roles
        await store.audit.record(council, None, "user-created", user.email, after=after,
                                 actor_label="borough create-user")
        what = [f"{', '.join(roles)} in {_shown(council.name)} (/{council.slug})"] if council else []
        what += ["an installation operator"] if user.is_operator else []
        print(f"borough: created user {user.email} ({user.name})" + (f": {'; '.join(what)}" if what else ""))
        if generated:
            print(f"borough: their password is {password}")
            print("borough: this password is shown once; pass it on safely, or reset it from the sign-in page")

    return _run(create)


def _email(given: str) -> str:
    email = store.staff.normal_email(given)
    if len(email) > MAX_EMAIL or not is_email(email):
        raise Refused(f"{given!r} is not an email address")
    return email


def _plain(given: str, what: str) -> str:
    text = given.strip()
    if not text:
        raise Refused(f"{what} is empty")
    if len(text) > MAX_NAME:
        raise Refused(f"{what} must be {MAX_NAME} characters or fewer")
    if not text.isprintable():
        raise Refused(f"{what} must not contain control characters")
    return text


def _roles(council: str | None, given: list[str]) -> list[str]:
    if given and not council:
        raise Refused("--role needs --council: roles are given in one council")
    if council and not given:
        raise Refused(f"--council needs at least one --role: {', '.join(ROLES)}")
    unknown = [role for role in given if role not in ROLES]
    if unknown:
        raise Refused(f"unknown role {unknown[0]!r}: the roles are {', '.join(ROLES)}")
    return [role for role in ROLES if role in given]


def _password_from_stdin(email: str) -> str:
    from runtime.staff import passwords

    password = sys.stdin.read()
    password = password[:-1] if password.endswith("\n") else password
    password = password[:-1] if password.endswith("\r") else password
    problem = passwords.problem(password, email)
    if problem:
        raise Refused(f"the password from stdin will not do: {problem[:1].lower()}{problem[1:]}")
    return password


def _new_password(email: str) -> str:
    from runtime.staff import passwords

    while True:
        password = secrets.token_urlsafe(18)
        if passwords.problem(password, email) is None:
            return password


# list-users -------------------------------------------------------------------------------

def _list_users(args: argparse.Namespace) -> int:
    return _run(lambda: _print_users(args.council))


async def _print_users(slug: str | None) -> None:
    rows: list[tuple[str, ...]] = []
    if slug:
        council = await _council(slug)
        for member in await store.staff.members_of(council):
            rows.append(_row(member.user, [(council.slug, member.roles)]))
    else:
        for user in await store.staff.list_users():
            held = await store.staff.memberships_of(user)
            rows.append(_row(user, [(member.council.slug, member.roles) for member in held]))
    if not rows:
        print("borough: no users" + (f" in /{slug}" if slug else ""), file=sys.stderr)
        return
    table = [("EMAIL", "NAME", "OPERATOR", "COUNCILS AND ROLES"), *rows]
    widths = [max(len(row[column]) for row in table) for column in range(3)]
    for row in table:
        print("  ".join([*(cell.ljust(width) for cell, width in zip(row, widths, strict=False)), row[3]]).rstrip())


def _row(user: store.StaffUser, held: list[tuple[str, list[str]]]) -> tuple[str, ...]:
    councils = "; ".join(f"{slug}: {', '.join(roles) or '(no roles)'}" for slug, roles in held)
    return (_shown(user.email), _shown(user.name), "yes" if user.is_operator else "no", councils)


def _shown(text: str) -> str:
    """Text as it may be printed to a terminal: control characters escaped, not obeyed."""
    return "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in text)


# Shared -----------------------------------------------------------------------------------

async def _council(slug: str) -> store.Council:
    council = await store.get_council(slug)
    if council is None:
        raise Refused(f"there is no council with the slug {slug!r} (`borough create-council` makes one)")
    return council


def _run(work: Callable[[], Awaitable[None]]) -> int:
    """Run `work` on the store, turning every refusal into one line on stderr and exit 1."""
    try:
        url = Settings.from_environment().database_url
    except RuntimeError as error:  # production without BOROUGH_SECRET_KEY
        return _refuse(str(error))
    try:
        asyncio.run(_connected(url, work))
    except (Refused, store.StoreError) as refusal:
        return _refuse(str(refusal))
    return 0


async def _connected(url: str, work: Callable[[], Awaitable[None]]) -> None:
    try:
        await store.connect(url)
    except store.StoreError:
        raise
    except Exception as error:  # unreachable server, wrong password, missing folder, bad URL
        raise Refused(f"cannot open the database: {error}") from error
    try:
        await work()
    finally:
        await store.disconnect()


def _refuse(message: str) -> int:
    first = message[:1].lower() if message[1:2].islower() else message[:1]
    print(f"borough: {first}{message[1:]}", file=sys.stderr)
    return 1
