"""Published service versions: immutable, idempotent to republish, latest by semver."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from runtime.store import (
    Council,
    ServiceVersion,
    VersionConflict,
    create_council,
    get_latest,
    get_version,
    latest_versions,
    publish_version,
)

HASH_1 = "1" * 64
HASH_2 = "2" * 64


def definition(
    service_id: str = "apply-for-a-permit", version: str = "1.0.0", **extra: Any
) -> dict[str, Any]:
    return {"id": service_id, "version": version, "title": "Apply for a permit", **extra}


async def test_publishing_stores_the_definition(council: Council) -> None:
    published = await publish_version(council, definition(summary="Permits"), HASH_1)
    assert (published.service_id, published.version) == ("apply-for-a-permit", "1.0.0")
    assert published.title == "Apply for a permit"
    assert published.content_hash == HASH_1
    again = await get_version(council, published.id)
    assert again is not None and again.definition == definition(summary="Permits")


async def test_republishing_the_same_content_returns_the_same_row(council: Council) -> None:
    first = await publish_version(council, definition(), HASH_1)
    second = await publish_version(council, definition(), HASH_1)
    assert second.id == first.id
    assert await ServiceVersion.filter(council_id=council.id).count() == 1


async def test_republishing_a_version_with_other_content_is_a_conflict(council: Council) -> None:
    await publish_version(council, definition(), HASH_1)
    with pytest.raises(VersionConflict) as raised:
        await publish_version(council, definition(summary="Changed"), HASH_2)
    assert raised.value.code == "version-conflict"
    assert "1.0.0" in str(raised.value)
    kept = await get_latest(council, "apply-for-a-permit")
    assert kept is not None and kept.content_hash == HASH_1


async def test_concurrent_publishing_creates_one_row(council: Council) -> None:
    published = await asyncio.gather(
        *(publish_version(council, definition(), HASH_1) for _ in range(5))
    )
    assert len({row.id for row in published}) == 1
    assert await ServiceVersion.filter(council_id=council.id).count() == 1


async def test_each_council_publishes_its_own_versions(
    council: Council, other_council: Council
) -> None:
    ours = await publish_version(council, definition(), HASH_1)
    theirs = await publish_version(other_council, definition(), HASH_2)
    assert ours.id != theirs.id
    assert await get_version(other_council, ours.id) is None
    latest = await get_latest(other_council, "apply-for-a-permit")
    assert latest is not None and latest.id == theirs.id


async def test_the_latest_version_is_the_highest_semantic_version(council: Council) -> None:
    for version, digit in [("1.9.0", "1"), ("1.10.0", "2"), ("1.2.3", "3")]:
        await publish_version(council, definition(version=version), digit * 64)
    latest = await get_latest(council, "apply-for-a-permit")
    assert latest is not None and latest.version == "1.10.0"
    assert await get_latest(council, "no-such-service") is None


async def test_latest_versions_lists_one_per_service_by_title(
    council: Council, other_council: Council
) -> None:
    pothole = definition("report-a-pothole", title="Report a pothole")
    tip = definition("book-a-tip-slot", title="Book a tip slot")
    tip_2 = definition("book-a-tip-slot", "2.0.0", title="Book a recycling centre visit")
    await publish_version(council, pothole, HASH_1)
    await publish_version(council, tip, HASH_1)
    await publish_version(council, tip_2, HASH_2)
    await publish_version(other_council, definition("zzz", title="Apply for all"), HASH_1)

    latest = await latest_versions(council)

    assert [(row.service_id, row.version) for row in latest] == [
        ("book-a-tip-slot", "2.0.0"),
        ("report-a-pothole", "1.0.0"),
    ]
    assert await latest_versions(await create_council("empty", "Empty Council")) == []


@pytest.mark.parametrize("version", ["1.0", "v1.0.0", "1.0.0-beta", "01.0.0"])
async def test_versions_must_be_semantic(council: Council, version: str) -> None:
    with pytest.raises(ValueError, match="semantic version"):
        await publish_version(council, definition(version=version), HASH_1)


async def test_the_content_hash_must_be_a_sha256(council: Council) -> None:
    with pytest.raises(ValueError, match="content_hash"):
        await publish_version(council, definition(), "not-a-hash")
