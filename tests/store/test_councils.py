"""Councils: created with a brand, found by slug, listed by name."""

from __future__ import annotations

import pytest

from runtime.store import create_council, get_council, list_councils
from runtime.store.councils import CouncilError


async def test_a_council_has_a_default_brand_and_english(db: str) -> None:
    council = await create_council("northshire", "Northshire Council")
    found = await get_council("northshire")
    assert found is not None and found.id == council.id
    assert found.brand_colour == "#1d70b8"
    assert found.languages == ["en"]
    assert found.logo_url is None and found.contact_email is None
    assert found.created_at.tzinfo is not None


async def test_a_council_keeps_its_own_settings(db: str) -> None:
    await create_council(
        "caerwyn",
        "Cyngor Caerwyn",
        brand_colour="#00703c",
        logo_url="https://caerwyn.example/logo.svg",
        contact_email="help@caerwyn.example",
        languages=["en", "cy"],
    )
    found = await get_council("caerwyn")
    assert found is not None
    assert (found.brand_colour, found.languages) == ("#00703c", ["en", "cy"])
    assert found.contact_email == "help@caerwyn.example"


async def test_unknown_slugs_are_not_found(db: str) -> None:
    assert await get_council("nowhere") is None


async def test_slugs_are_unique(db: str) -> None:
    await create_council("northshire", "Northshire Council")
    with pytest.raises(CouncilError, match="already exists"):
        await create_council("northshire", "Another Northshire")


@pytest.mark.parametrize("slug", ["staff", "assets", "Bad Slug", "-x", "a--b", ""])
async def test_reserved_and_malformed_slugs_are_refused(db: str, slug: str) -> None:
    with pytest.raises(CouncilError):
        await create_council(slug, "Some Council")


async def test_councils_are_listed_by_name(db: str) -> None:
    await create_council("west", "Westshire Council")
    await create_council("east", "Eastshire Council")
    assert [council.slug for council in await list_councils()] == ["east", "west"]
