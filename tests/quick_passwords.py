"""Password hashes for the staff the tests make: argon2id, as Borough's own, with the lowest
cost the library allows.

Borough hashes with argon2's recommended cost (64 MiB, three passes: a third of a second
here, on purpose), and verifies any argon2 hash by the cost written in the hash itself. So a
user made with this hash signs in through Borough's real code in a millisecond. The suite
signs in several hundred times; at Borough's cost that was minutes of the run. The tests of
passwords themselves (changing, resetting, the accounts commands, invitations) go through
Borough's `hash_password` and keep its cost.
"""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher

_QUICK = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


@cache
def quick_hash(password: str) -> str:
    """An argon2id hash of `password` that Borough's sign-in accepts, cheap to check."""
    return _QUICK.hash(password)
