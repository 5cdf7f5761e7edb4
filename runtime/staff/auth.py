"""Signing staff in and out: rate-limited sign-in, sessions with idle and absolute timeouts,
sign out everywhere, password resets. Messages never reveal whether an email address exists."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from runtime import store
from runtime.staff import passwords
from runtime.store import staff

SESSION_LIFETIME = timedelta(hours=12)  # absolute
SESSION_IDLE = timedelta(minutes=30)
TOUCH_AFTER = timedelta(minutes=1)
WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_EMAIL = 5
MAX_FAILURES_PER_ADDRESS = 30
RESET_LIFETIME = timedelta(hours=1)
INVITATION_LIFETIME = timedelta(days=7)


@dataclass(frozen=True)
class SignIn:
    token: str | None = None
    user: store.StaffUser | None = None
    problem: str | None = None  # "wrong" | "locked"


async def sign_in(email: str, password: str, address: str | None) -> SignIn:
    """Check the password; count failures per email (whether or not it exists) and per address."""
    email_key = f"email:{staff.normal_email(email)}"
    address_key = f"address:{address or 'unknown'}"
    since = staff.now() - WINDOW
    if (await staff.failures_since(email_key, since) >= MAX_FAILURES_PER_EMAIL
            or await staff.failures_since(address_key, since) >= MAX_FAILURES_PER_ADDRESS):
        passwords.verify(None, password)  # the same time as a real check
        return SignIn(problem="locked")
    user = await staff.user_by_email(email)
    if user is None or not user.active or not passwords.verify(user.password_hash, password):
        await staff.record_failure(email_key, address_key)
        return SignIn(problem="wrong")
    await staff.clear_failures(email_key)
    token = await staff.open_session(user, lifetime=SESSION_LIFETIME, address=address)
    return SignIn(token=token, user=user)


async def current_user(token: str | None) -> store.StaffUser | None:
    if not token:
        return None
    return await staff.session_user(token, idle=SESSION_IDLE, touch_after=TOUCH_AFTER)
