"""Councils: the tenancies of an installation."""

from __future__ import annotations

from typing import Any

from runtime.store.models import Council


async def create_council(slug: str, name: str, **fields: Any) -> Council:
    """Create a council; ``fields`` sets brand_colour, logo_url, contact_email or languages."""
    return await Council.create(slug=slug, name=name, **fields)


async def get_council(slug: str) -> Council | None:
    return await Council.get_or_none(slug=slug)


async def get_council_by_id(council_id: int) -> Council | None:
    return await Council.get_or_none(id=council_id)


async def list_councils() -> list[Council]:
    """Every council, by name."""
    return await Council.all().order_by("name", "slug")
