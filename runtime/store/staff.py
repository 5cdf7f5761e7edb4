"""Staff accounts, their roles per council, signed-in sessions, sign-in attempts and
single-use tokens (password resets, invitations). Tokens are stored only as hashes."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from runtime.store.errors import StoreError
from runtime.store.models import (
    Council,
    Membership,
    OneTimeToken,
    SignInAttempt,
    StaffSession,
    StaffUser,
)
from runtime.store.scope import owned

ROLES = ("admin", "designer", "publisher", "caseworker")


class DuplicateUser(StoreError):
    code = "duplicate-user"


def now() -> datetime:
    return datetime.now(UTC)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def normal_email(email: str) -> str:
    return email.strip().lower()


async def create_user(email: str, name: str, password_hash: str | None, *, operator: bool = False) -> StaffUser:
    try:
        return await StaffUser.create(email=normal_email(email), name=name.strip(), password_hash=password_hash,
                                      is_operator=operator)
    except IntegrityError:
        raise DuplicateUser(f"a user with the email {normal_email(email)} already exists") from None


async def user_by_email(email: str) -> StaffUser | None:
    return await StaffUser.get_or_none(email=normal_email(email))


async def user_by_id(user_id: int) -> StaffUser | None:
    return await StaffUser.get_or_none(id=user_id)


async def set_password_hash(user: StaffUser, password_hash: str) -> None:
    await StaffUser.filter(id=user.id).update(password_hash=password_hash)
    user.password_hash = password_hash


async def list_users() -> list[StaffUser]:
    return await StaffUser.all().order_by("email")


# Memberships -----------------------------------------------------------------------------

async def grant(user: StaffUser, council: Council, roles: list[str]) -> Membership:
    """Give `user` these roles in `council`, replacing any roles they had there."""
    if not roles:
        raise ValueError("a member needs at least one role")
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown roles: {', '.join(sorted(unknown))}")
    ordered = [role for role in ROLES if role in roles]
    membership = await owned(Membership, council).get_or_none(user_id=user.id)
    if membership is None:
        return await Membership.create(user=user, council=council, roles=ordered)
    await Membership.filter(id=membership.id).update(roles=ordered)
    membership.roles = ordered
    return membership


async def revoke(user: StaffUser, council: Council) -> None:
    await owned(Membership, council).filter(user_id=user.id).delete()


async def membership(user: StaffUser, council: Council) -> Membership | None:
    return await owned(Membership, council).get_or_none(user_id=user.id)


async def memberships_of(user: StaffUser) -> list[Membership]:
    return await Membership.filter(user_id=user.id).select_related("council").order_by("council__name")


async def members_of(council: Council) -> list[Membership]:
    return await owned(Membership, council).select_related("user").order_by("user__email")


# Sessions --------------------------------------------------------------------------------

async def open_session(user: StaffUser, *, lifetime: timedelta, address: str | None) -> str:
    """A new session (always a new id: signing in never reuses one); returns its token."""
    token = secrets.token_urlsafe(32)
    moment = now()
    await StaffSession.create(id=token_hash(token), user=user, last_seen_at=moment, expires_at=moment + lifetime,
                              address=address)
    await StaffUser.filter(id=user.id).update(last_sign_in_at=moment)
    return token


async def session_user(token: str, *, idle: timedelta, touch_after: timedelta) -> StaffUser | None:
    """The active user of an unexpired, recently used session; touches it now and then."""
    session = await StaffSession.get_or_none(id=token_hash(token)).select_related("user")
    moment = now()
    if session is None or session.expires_at <= moment or moment - session.last_seen_at > idle:
        if session is not None:
            await StaffSession.filter(id=session.id).delete()
        return None
    if not session.user.active:
        return None
    if moment - session.last_seen_at > touch_after:
        await StaffSession.filter(id=session.id).update(last_seen_at=moment)
    return session.user


async def close_session(token: str) -> None:
    await StaffSession.filter(id=token_hash(token)).delete()


async def close_all_sessions(user: StaffUser) -> int:
    deleted: int = await StaffSession.filter(user_id=user.id).delete()
    return deleted


# Sign-in attempts -------------------------------------------------------------------------

MAX_KEY = 300  # the column's length


def attempt_key(key: str) -> str:
    """The key as stored. Tortoise refuses a value longer than the column, which made a sign-in
    with a very long "email" fail; such a key keeps its start and ends with its hash instead."""
    if len(key) <= MAX_KEY:
        return key
    return key[:MAX_KEY - 65] + "#" + hashlib.sha256(key.encode("utf-8")).hexdigest()


async def record_failure(*keys: str) -> None:
    await SignInAttempt.bulk_create([SignInAttempt(key=attempt_key(key)) for key in keys])


async def failures_since(key: str, since: datetime) -> int:
    return await SignInAttempt.filter(key=attempt_key(key), at__gt=since).count()


async def clear_failures(key: str) -> None:
    await SignInAttempt.filter(key=attempt_key(key)).delete()


# Single-use tokens ------------------------------------------------------------------------

async def issue_token(kind: str, email: str, *, lifetime: timedelta, council: Council | None = None,
                      roles: list[str] | None = None, created_by: StaffUser | None = None) -> str:
    token = secrets.token_urlsafe(32)
    await OneTimeToken.create(id=token_hash(token), kind=kind, email=normal_email(email), council=council,
                              roles=roles or [], created_by=created_by, expires_at=now() + lifetime)
    return token


async def peek_token(kind: str, token: str) -> OneTimeToken | None:
    """An unused, unexpired token of this kind, without using it up."""
    found = await OneTimeToken.get_or_none(id=token_hash(token), kind=kind).select_related("council")
    if found is None or found.used_at is not None or found.expires_at <= now():
        return None
    return found


async def use_token(kind: str, token: str) -> OneTimeToken | None:
    """Use a token up, exactly once: of two concurrent uses only one succeeds."""
    async with in_transaction():
        updated = await OneTimeToken.filter(id=token_hash(token), kind=kind, used_at__isnull=True,
                                            expires_at__gt=now()).update(used_at=now())
        if updated != 1:
            return None
        return await OneTimeToken.get(id=token_hash(token)).select_related("council")


async def pending_invitations(council: Council) -> list[OneTimeToken]:
    return await owned(OneTimeToken, council).filter(kind="invitation", used_at__isnull=True,
                                     expires_at__gt=now()).order_by("-created_at")
