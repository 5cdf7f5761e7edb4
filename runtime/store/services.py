"""Published service versions: immutable, one row per council, service and version."""

from __future__ import annotations

import re
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from runtime.store.errors import VersionConflict
from runtime.store.lookups import could_exist
from runtime.store.models import Council, ServiceVersion, StaffUser
from runtime.store.scope import owned

_SEMVER = re.compile(r"^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$")
_SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")


async def publish_version(
    council: Council,
    definition: dict[str, Any],
    content_hash: str,
    *,
    published_by: StaffUser | None = None,
    change_note: str | None = None,
) -> ServiceVersion:
    """Store ``definition`` as a published version of its service for ``council``.

    Idempotent: publishing the same id, version and content hash again returns the existing
    row. The same id and version with a different hash raises ``VersionConflict``: published
    versions never change. ``content_hash`` is the SHA-256 (lower-case hex) of the
    definition's canonical JSON, computed by the caller. ``published_by`` and ``change_note``
    say who published it and why (the builder's publish page).
    """
    service_id = definition["id"]
    version = definition["version"]
    semver_key(version)
    if not _SHA256_HEX.match(content_hash):
        raise ValueError(f"content_hash must be 64 lower-case hex digits, not {content_hash!r}")
    existing = await _find(council, service_id, version)
    if existing is None:
        try:
            async with in_transaction():
                return await ServiceVersion.create(
                    council=council,
                    service_id=service_id,
                    version=version,
                    content_hash=content_hash,
                    definition=definition,
                    title=definition["title"],
                    published_by=published_by,
                    published_by_label=published_by.email if published_by else None,
                    change_note=change_note,
                )
        except IntegrityError:
            # Another worker published the same version in the meantime.
            existing = await _find(council, service_id, version)
            if existing is None:
                raise
    if existing.content_hash != content_hash:
        raise VersionConflict(service_id, version)
    return existing


async def latest_versions(council: Council) -> list[ServiceVersion]:
    """The latest version (by semantic version) of each of the council's services, by title."""
    rows = await owned(ServiceVersion, council).values_list(
        "id", "service_id", "version"
    )
    latest: dict[str, tuple[tuple[int, int, int], int]] = {}
    for row_id, service_id, version in rows:
        candidate = (semver_key(version), row_id)
        if service_id not in latest or candidate > latest[service_id]:
            latest[service_id] = candidate
    ids = [row_id for _, row_id in latest.values()]
    versions = await owned(ServiceVersion, council).filter(id__in=ids)
    return sorted(versions, key=lambda row: (row.title.casefold(), row.service_id))


async def get_latest(council: Council, service_id: str) -> ServiceVersion | None:
    """The latest version of one of the council's services, or None."""
    if not could_exist(ServiceVersion, "service_id", service_id):
        return None
    rows = await owned(ServiceVersion, council).filter(service_id=service_id).values_list(
        "id", "version"
    )
    if not rows:
        return None
    _, row_id = max((semver_key(version), row_id) for row_id, version in rows)
    return await owned(ServiceVersion, council).get_or_none(id=row_id)


async def service_versions(council: Council, service_id: str) -> list[ServiceVersion]:
    """Every published version of one of the council's services, newest first."""
    if not could_exist(ServiceVersion, "service_id", service_id):
        return []
    rows = await owned(ServiceVersion, council).filter(service_id=service_id)
    return sorted(rows, key=lambda row: semver_key(row.version), reverse=True)


async def get_version(council: Council, service_version_id: int) -> ServiceVersion | None:
    """One of the council's published versions by its row id, or None."""
    return await owned(ServiceVersion, council).get_or_none(id=service_version_id)


def semver_key(version: str) -> tuple[int, int, int]:
    """``"1.10.0"`` → ``(1, 10, 0)``, for ordering; ValueError for anything else."""
    match = _SEMVER.match(version)
    if match is None:
        raise ValueError(f"{version!r} is not a semantic version like 1.2.3")
    major, minor, patch = (int(part) for part in match.groups())
    return major, minor, patch


async def _find(council: Council, service_id: str, version: str) -> ServiceVersion | None:
    return await owned(ServiceVersion, council).get_or_none( service_id=service_id, version=version
    )
