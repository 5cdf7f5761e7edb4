"""Changing who belongs to a council, each change in one transaction: a council never loses
its last admin (concurrent changes in one council are serialised by locking its
memberships), and an invitation is used up in the same transaction that grants its roles,
so it grants them exactly once or not at all."""

from __future__ import annotations

from tortoise.transactions import in_transaction

from runtime.store import staff
from runtime.store.errors import StoreError
from runtime.store.models import Council, Membership, OneTimeToken, StaffUser
from runtime.store.scope import owned


class LastAdmin(StoreError):
    code = "last-admin"


class WrongAccount(StoreError):
    code = "wrong-account"


def _ordered(roles: list[str]) -> list[str]:
    unknown = set(roles) - set(staff.ROLES)
    if unknown:
        raise ValueError(f"unknown roles: {', '.join(sorted(unknown))}")
    return [role for role in staff.ROLES if role in roles]


async def _locked(council: Council, user_id: int) -> tuple[Membership | None, int]:
    """The member's row and how many other admins the council has, with every membership of
    the council locked until the transaction ends (the last-admin check needs the whole set)."""
    members = await owned(Membership, council).select_for_update().order_by("id")
    mine = next((m for m in members if m.user_id == user_id), None)
    others = sum(1 for m in members if m is not mine and "admin" in m.roles)
    return mine, others


async def change_roles(council: Council, user_id: int, roles: list[str]) -> tuple[Membership, list[str]] | None:
    """Replace a member's roles. Returns (the membership with its user and new roles, the
    roles before), or None when the user is not a member of this council. Raises LastAdmin
    when it would leave the council without an admin."""
    ordered = _ordered(roles)
    if not ordered:
        raise ValueError("a member needs at least one role")
    async with in_transaction():
        mine, other_admins = await _locked(council, user_id)
        if mine is None:
            return None
        before = list(mine.roles)
        if "admin" in before and "admin" not in ordered and not other_admins:
            raise LastAdmin("the council would have no admin")
        await Membership.filter(id=mine.id).update(roles=ordered)
        mine.roles = ordered
    await mine.fetch_related("user")
    return mine, before


async def remove_member(council: Council, user_id: int) -> Membership | None:
    """Remove a member from the council. Returns the removed membership (with its user and
    roles), or None when the user is not a member here. Raises LastAdmin for the last admin."""
    async with in_transaction():
        mine, other_admins = await _locked(council, user_id)
        if mine is None:
            return None
        if "admin" in mine.roles and not other_admins:
            raise LastAdmin("the council would have no admin")
        await Membership.filter(id=mine.id).delete()
    await mine.fetch_related("user")
    return mine


async def _join(user: StaffUser, invitation: OneTimeToken) -> Membership:
    """The invited roles added to any the person already has in the council (never fewer)."""
    assert invitation.council is not None
    current = await staff.membership(user, invitation.council)
    roles = sorted(set(invitation.roles) | set(current.roles if current else []), key=staff.ROLES.index)
    return await staff.grant(user, invitation.council, roles)


async def accept_with_new_account(token: str, name: str, password_hash: str
                                  ) -> tuple[OneTimeToken, StaffUser, Membership] | None:
    """Use an invitation up and, in the same transaction, create the invited person's account
    (or give a password to an account that never had one) and grant the roles. None when the
    invitation is expired or used. Raises DuplicateUser (nothing used) when an account with
    a password exists for the email."""
    async with in_transaction():
        used = await staff.use_token("invitation", token)
        if used is None or used.council is None:
            return None
        user = await staff.user_by_email(used.email)
        if user is None:
            user = await staff.create_user(used.email, name, password_hash)
        elif user.password_hash is None:
            await StaffUser.filter(id=user.id).update(name=name.strip(), password_hash=password_hash)
            user.name, user.password_hash = name.strip(), password_hash
        else:
            raise staff.DuplicateUser(f"a user with the email {used.email} already exists")
        membership = await _join(user, used)
    return used, user, membership


async def accept_as(user: StaffUser, token: str) -> tuple[OneTimeToken, Membership] | None:
    """Use an invitation up as `user` (whose email it must be: else WrongAccount, nothing
    used) and grant its roles, in one transaction. None when expired or used."""
    async with in_transaction():
        used = await staff.use_token("invitation", token)
        if used is None or used.council is None:
            return None
        if used.email != staff.normal_email(user.email):
            raise WrongAccount("the invitation is for another email address")
        membership = await _join(user, used)
    return used, membership
