"""Staff passwords: argon2id hashes, and the rules a new password must meet."""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_HASHER = PasswordHasher()  # argon2id with the library's current recommended parameters


@cache
def _decoy() -> str:
    """Checked against so that "no such user" takes as long as "wrong password"; made at the
    first sign-in, not at import (a hash costs a tenth of a second, every process paid it)."""
    return _HASHER.hash("borough-decoy-password-for-timing")


MIN_LENGTH = 12
COMMON = frozenset({
    "password1234", "123456789012", "qwertyuiop12", "letmein12345", "passwordpassword",
    "iloveyou1234", "welcome12345", "administrator", "changeme1234", "borough12345",
})


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify(password_hash: str | None, password: str) -> bool:
    """Whether `password` matches; costs the same whether or not there is a hash."""
    try:
        return _HASHER.verify(password_hash or _decoy(), password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def problem(password: str, email: str) -> str | None:
    """What is wrong with a new password, in words for the person choosing it; None if fine."""
    if len(password) < MIN_LENGTH:
        return f"Password must be {MIN_LENGTH} characters or more"
    if len(password) > 200:
        return "Password must be 200 characters or fewer"
    if password.lower() in COMMON or len(set(password)) < 4:
        return "Choose a password that is harder to guess"
    if email and email.split("@")[0].lower() in password.lower():
        return "Password must not contain your email address"
    return None
