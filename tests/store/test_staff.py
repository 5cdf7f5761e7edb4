"""Staff accounts, roles per council, sessions, sign-in attempts and single-use tokens."""

from __future__ import annotations

import asyncio
import hashlib
import re
from datetime import timedelta
from typing import Any

import pytest

from runtime.store import Council, Membership, OneTimeToken, staff
from runtime.store.models import SignInAttempt, StaffSession, StaffUser

IDLE = timedelta(minutes=30)
TOUCH_AFTER = timedelta(minutes=1)
HASH = "$argon2id$not-a-real-hash"


async def user(email: str = "ann@example.org", **options: bool) -> StaffUser:
    return await staff.create_user(email, email.split("@")[0].title(), HASH, **options)


# Users ------------------------------------------------------------------------------------

async def test_emails_are_lower_cased_and_taken_once(db: str) -> None:
    ann = await staff.create_user("  Ann.Example@Northshire.GOV.uk ", " Ann Example ", HASH)
    assert (ann.email, ann.name, ann.is_operator, ann.active) == (
        "ann.example@northshire.gov.uk", "Ann Example", False, True)
    found = await staff.user_by_email("ANN.EXAMPLE@northshire.gov.uk")
    assert found is not None and found.id == ann.id
    assert (await staff.user_by_id(ann.id)) is not None
    with pytest.raises(staff.DuplicateUser, match=re.escape("ann.example@northshire.gov.uk already exists")):
        await staff.create_user("ann.example@NORTHSHIRE.gov.uk", "Another Ann", HASH)
    await user("bo@example.org", operator=True)
    assert [(u.email, u.is_operator) for u in await staff.list_users()] == [
        ("ann.example@northshire.gov.uk", False), ("bo@example.org", True)]


# Memberships ------------------------------------------------------------------------------

async def test_a_grant_replaces_the_roles_and_unknown_roles_are_refused(council: Council) -> None:
    ann = await user()
    await staff.grant(ann, council, ["caseworker"])
    granted = await staff.grant(ann, council, ["publisher", "admin", "admin"])
    assert granted.roles == ["admin", "publisher"]  # in the order of ROLES, once each
    with pytest.raises(ValueError, match="unknown roles: root"):
        await staff.grant(ann, council, ["admin", "root"])
    stored = await staff.membership(ann, council)
    assert stored is not None and stored.roles == ["admin", "publisher"]
    assert await Membership.filter(user_id=ann.id).count() == 1
    await staff.revoke(ann, council)
    assert await staff.membership(ann, council) is None


async def test_members_of_a_council_are_only_its_own(council: Council, other_council: Council) -> None:
    ann, bo, cy = await user("ann@example.org"), await user("bo@example.org"), await user("cy@example.org")
    await staff.grant(ann, council, ["admin"])
    await staff.grant(bo, other_council, ["admin"])
    await staff.grant(cy, council, ["caseworker"])
    await staff.grant(cy, other_council, ["designer"])
    assert [(m.user.email, m.roles) for m in await staff.members_of(council)] == [
        ("ann@example.org", ["admin"]), ("cy@example.org", ["caseworker"])]
    assert [(m.user.email, m.roles) for m in await staff.members_of(other_council)] == [
        ("bo@example.org", ["admin"]), ("cy@example.org", ["designer"])]
    assert await staff.membership(bo, council) is None
    assert [m.council.slug for m in await staff.memberships_of(cy)] == ["northshire", "southshire"]
    # Revoking in one council leaves the other alone.
    await staff.revoke(cy, other_council)
    assert [m.council.slug for m in await staff.memberships_of(cy)] == ["northshire"]
    # Invitations are scoped too.
    await staff.issue_token("invitation", "dee@example.org", lifetime=timedelta(days=7), council=council,
                            roles=["caseworker"], created_by=ann)
    assert [t.email for t in await staff.pending_invitations(council)] == ["dee@example.org"]
    assert await staff.pending_invitations(other_council) == []


# Sessions ---------------------------------------------------------------------------------

async def test_every_sign_in_opens_a_new_session_stored_as_a_hash(db: str) -> None:
    ann = await user()
    first = await staff.open_session(ann, lifetime=timedelta(hours=12), address="192.0.2.1")
    second = await staff.open_session(ann, lifetime=timedelta(hours=12), address="192.0.2.1")
    assert first != second and len(first) >= 40
    ids = set(await StaffSession.filter(user_id=ann.id).values_list("id", flat=True))
    assert ids == {hashlib.sha256(first.encode()).hexdigest(), hashlib.sha256(second.encode()).hexdigest()}
    for token in (first, second):
        signed_in = await staff.session_user(token, idle=IDLE, touch_after=TOUCH_AFTER)
        assert signed_in is not None and signed_in.id == ann.id
    refreshed = await staff.user_by_id(ann.id)
    assert refreshed is not None and refreshed.last_sign_in_at is not None
    await staff.close_session(first)
    assert await staff.session_user(first, idle=IDLE, touch_after=TOUCH_AFTER) is None
    assert await staff.session_user(second, idle=IDLE, touch_after=TOUCH_AFTER) is not None
    assert await staff.session_user("made-up", idle=IDLE, touch_after=TOUCH_AFTER) is None


async def test_sessions_end_when_idle_and_at_their_absolute_expiry(db: str) -> None:
    ann = await user()
    now = staff.now()
    used = await staff.open_session(ann, lifetime=timedelta(hours=12), address=None)
    idle = await staff.open_session(ann, lifetime=timedelta(hours=12), address=None)
    expired = await staff.open_session(ann, lifetime=timedelta(hours=12), address=None)

    async def shift(token: str, **moments: object) -> None:
        await StaffSession.filter(id=staff.token_hash(token)).update(**moments)

    await shift(used, last_seen_at=now - timedelta(minutes=5))
    await shift(idle, last_seen_at=now - IDLE - timedelta(seconds=5))
    await shift(expired, expires_at=now - timedelta(seconds=1))  # seen just now, yet past its end

    assert await staff.session_user(used, idle=IDLE, touch_after=TOUCH_AFTER) is not None
    touched = await StaffSession.get(id=staff.token_hash(used))
    assert touched.last_seen_at >= now  # used after TOUCH_AFTER: touched, so idleness starts again
    assert await staff.session_user(idle, idle=IDLE, touch_after=TOUCH_AFTER) is None
    assert await staff.session_user(expired, idle=IDLE, touch_after=TOUCH_AFTER) is None
    # Ended sessions are deleted, not just refused.
    assert await StaffSession.filter(user_id=ann.id).values_list("id", flat=True) == [staff.token_hash(used)]


async def test_a_deactivated_user_has_no_session(db: str) -> None:
    ann = await user()
    token = await staff.open_session(ann, lifetime=timedelta(hours=12), address=None)
    await StaffUser.filter(id=ann.id).update(active=False)
    assert await staff.session_user(token, idle=IDLE, touch_after=TOUCH_AFTER) is None


async def test_signing_out_everywhere_closes_only_that_users_sessions(db: str) -> None:
    ann, bo = await user("ann@example.org"), await user("bo@example.org")
    anns = [await staff.open_session(ann, lifetime=timedelta(hours=1), address=None) for _ in range(3)]
    bos = await staff.open_session(bo, lifetime=timedelta(hours=1), address=None)
    assert await staff.close_all_sessions(ann) == 3
    for token in anns:
        assert await staff.session_user(token, idle=IDLE, touch_after=TOUCH_AFTER) is None
    assert await staff.session_user(bos, idle=IDLE, touch_after=TOUCH_AFTER) is not None
    assert await staff.close_all_sessions(ann) == 0


# Sign-in attempts -------------------------------------------------------------------------

async def test_failures_are_counted_per_key_within_the_window(db: str) -> None:
    await staff.record_failure("email:ann@example.org", "address:192.0.2.1")
    await staff.record_failure("email:ann@example.org", "address:192.0.2.1")
    await staff.record_failure("email:bo@example.org", "address:192.0.2.1")
    window = staff.now() - timedelta(minutes=15)
    assert await staff.failures_since("email:ann@example.org", window) == 2
    assert await staff.failures_since("email:bo@example.org", window) == 1
    assert await staff.failures_since("address:192.0.2.1", window) == 3
    assert await staff.failures_since("address:192.0.2.2", window) == 0
    # An attempt from before the window no longer counts.
    oldest = await SignInAttempt.filter(key="email:ann@example.org").order_by("id").first()
    assert oldest is not None
    await SignInAttempt.filter(id=oldest.id).update(at=window - timedelta(minutes=1))
    assert await staff.failures_since("email:ann@example.org", window) == 1
    await staff.clear_failures("email:ann@example.org")
    assert await staff.failures_since("email:ann@example.org", window) == 0
    assert await staff.failures_since("address:192.0.2.1", window) == 3


# Single-use tokens ------------------------------------------------------------------------

async def test_a_token_is_peeked_freely_used_once_and_stored_as_a_hash(council: Council) -> None:
    ann = await user()
    token = await staff.issue_token("invitation", " Dee@Example.org", lifetime=timedelta(days=7),
                                    council=council, roles=["caseworker"], created_by=ann)
    for _ in range(2):
        peeked = await staff.peek_token("invitation", token)
        assert peeked is not None and peeked.used_at is None
    assert await staff.peek_token("reset", token) is None  # another kind
    assert await staff.use_token("reset", token) is None
    used = await staff.use_token("invitation", token)
    assert used is not None and used.used_at is not None
    assert (used.email, used.council.slug, used.roles, used.created_by_id) == (  # type: ignore[attr-defined]
        "dee@example.org", "northshire", ["caseworker"], ann.id)
    assert await staff.use_token("invitation", token) is None
    assert await staff.peek_token("invitation", token) is None
    # Only the hash is kept: nothing in the row is the token.
    rows = await OneTimeToken.all().values()
    assert len(rows) == 1 and rows[0]["id"] == hashlib.sha256(token.encode()).hexdigest()
    assert all(token not in str(value) for value in rows[0].values())


async def test_of_ten_concurrent_uses_of_a_token_exactly_one_succeeds(db: str) -> None:
    token = await staff.issue_token("reset", "ann@example.org", lifetime=timedelta(hours=1))
    results = await asyncio.gather(*(staff.use_token("reset", token) for _ in range(10)))
    assert sum(result is not None for result in results) == 1
    assert await OneTimeToken.filter(used_at__isnull=False).count() == 1


async def test_of_concurrent_uses_from_two_workers_exactly_one_succeeds(db: str, second_worker: Any) -> None:
    token = await staff.issue_token("reset", "ann@example.org", lifetime=timedelta(hours=1))

    async def five() -> list[OneTimeToken | None]:
        return list(await asyncio.gather(*(staff.use_token("reset", token) for _ in range(5))))

    mine, theirs = await asyncio.gather(five(), second_worker(five))
    assert sum(result is not None for result in [*mine, *theirs]) == 1


async def test_an_expired_token_is_refused(db: str) -> None:
    token = await staff.issue_token("reset", "ann@example.org", lifetime=timedelta(hours=1))
    await OneTimeToken.filter(id=staff.token_hash(token)).update(expires_at=staff.now() - timedelta(seconds=1))
    assert await staff.peek_token("reset", token) is None
    assert await staff.use_token("reset", token) is None
    assert await OneTimeToken.filter(used_at__isnull=False).count() == 0


async def test_a_key_longer_than_the_column_is_still_counted(db: str) -> None:
    """Sign-in counts failures per typed email, however long; Tortoise refuses a value longer
    than the column, so the store shortens such keys, the same way every time."""
    typed = "email:" + "a" * 400 + "@example.org"
    similar = "email:" + "a" * 401 + "@example.org"
    await staff.record_failure(typed, typed, similar)
    window = staff.now() - timedelta(minutes=15)
    assert await staff.failures_since(typed, window) == 2
    assert await staff.failures_since(similar, window) == 1
    assert all(len(key) <= 300 for key in await SignInAttempt.all().values_list("key", flat=True))
    await staff.clear_failures(typed)
    assert await staff.failures_since(typed, window) == 0
    assert await staff.failures_since(similar, window) == 1
