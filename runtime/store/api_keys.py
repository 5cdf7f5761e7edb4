"""A council's keys to the JSON API: made here, shown once, kept only as a hash, revocable.

A key reads ``bk_<prefix>_<secret>``. The prefix (8 hex digits) tells keys apart on the staff
pages and finds the row; the whole key's SHA-256 is compared in constant time. A revoked key
never verifies again. ``last_used_at`` is written at most once a minute per key, so a busy
client does not turn every read into a write.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import UTC, datetime, timedelta

from tortoise.expressions import Q

from runtime.store.errors import StoreError
from runtime.store.models import ApiKey, Council, StaffUser
from runtime.store.scope import owned

SCOPES = ("submissions:read", "files:read", "events:write", "services:write")
KEY_START = "bk"
MAX_NAME = 200
USE_RECORDED_EVERY = timedelta(minutes=1)


class ApiKeyError(StoreError):
    code = "api-key"


def now() -> datetime:
    return datetime.now(UTC)


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


async def create_key(council: Council, name: str, scopes: list[str], created_by: StaffUser | None = None,
                     ) -> tuple[ApiKey, str]:
    """A new key for ``council``: ``(row, key)``. The key itself is returned this once only."""
    name = name.strip()
    if not name:
        raise ApiKeyError("an API key needs a name")
    if len(name) > MAX_NAME:
        raise ApiKeyError(f"an API key's name must be {MAX_NAME} characters or fewer")
    unknown = set(scopes) - set(SCOPES)
    if unknown:
        raise ApiKeyError(f"unknown scopes: {', '.join(sorted(unknown))}")
    if not scopes:
        raise ApiKeyError("an API key needs at least one scope")
    ordered = [scope for scope in SCOPES if scope in scopes]
    for _ in range(5):
        prefix = secrets.token_hex(4)
        if await ApiKey.filter(prefix=prefix).exists():
            continue  # one in four billion: draw another
        key = f"{KEY_START}_{prefix}_{secrets.token_urlsafe(32)}"
        row = await ApiKey.create(council=council, name=name, prefix=prefix, key_hash=key_hash(key), scopes=ordered,
                                  created_by=created_by)
        return row, key
    raise ApiKeyError("could not draw an unused key prefix")  # pragma: no cover


def prefix_of(key: str) -> str | None:
    start, _, rest = key.partition("_")
    prefix, _, secret = rest.partition("_")
    if start != KEY_START or len(prefix) != 8 or not secret or not all(c in "0123456789abcdef" for c in prefix):
        return None
    return prefix


async def verify(key: str) -> ApiKey | None:
    """The live key ``key`` is, with its council loaded, or None (unknown, wrong or revoked)."""
    prefix = prefix_of(key)
    if prefix is None:
        return None
    row = await ApiKey.get_or_none(prefix=prefix).select_related("council")
    if row is None:
        hmac.compare_digest(key_hash(key), key_hash(""))  # about as long either way
        return None
    if not hmac.compare_digest(key_hash(key), row.key_hash) or row.revoked_at is not None:
        return None
    moment = now()
    if row.last_used_at is None or moment - row.last_used_at >= USE_RECORDED_EVERY:
        stale = Q(last_used_at=None) | Q(last_used_at__lte=moment - USE_RECORDED_EVERY)
        await ApiKey.filter(Q(id=row.id) & stale).update(last_used_at=moment)
        row.last_used_at = moment
    return row


async def keys_of(council: Council) -> list[ApiKey]:
    """The council's keys, newest first, revoked ones too."""
    return await owned(ApiKey, council).order_by("-created_at", "-id")


async def get_key(council: Council, key_id: int) -> ApiKey | None:
    return await owned(ApiKey, council).get_or_none(id=key_id)


async def revoke(council: Council, key_id: int) -> ApiKey | None:
    """Revoke the council's key (once: a second call changes nothing). None if not the council's."""
    await owned(ApiKey, council).filter(id=key_id, revoked_at=None).update(revoked_at=now())
    return await get_key(council, key_id)
