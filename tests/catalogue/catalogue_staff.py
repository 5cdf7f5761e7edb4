"""Staff in the catalogue's page tests: the installation's catalogue world (a catalogue on disk,
served, subscribed to and synced into the cache the staff pages read), a signed-in browser
without JavaScript, pressing a button by its text (the builder tests' `press`), and the services
a results page lists. The fixtures that use these are in
tests/catalogue/conftest.py."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import httpx2 as httpx
from world import World

TESTS = Path(__file__).resolve().parents[1]
for folder in ("staff", "web", "builder"):
    if str(TESTS / folder) not in sys.path:
        sys.path.insert(0, str(TESTS / folder))

from designers import press  # noqa: E402
from resident import Page, Resident, text_of  # noqa: E402
from staff_client import PASSWORD, make_user  # noqa: E402

from builder.catalogue.client import Client  # noqa: E402

BASE = "http://127.0.0.1:8000"
HOME = "/staff/eastshire/catalogue"

__all__ = ["BASE", "HOME", "Catalogue", "Page", "Resident", "listed", "make_user", "person", "press", "text_of",
           "titles"]


class Catalogue:
    """The world (a catalogue folder with publishers), served, and the installation's cache."""

    def __init__(self, world: World, url: str, client: Client) -> None:
        self.world, self.url, self.client = world, url, client

    def sync(self) -> None:
        [subscription] = self.client.subscriptions()
        assert self.client.sync(subscription).refused == []


async def person(app: Any, browsers: list[httpx.AsyncClient], role: str, slug: str = "eastshire") -> Resident:
    """A signed-in member of staff of `slug` (role@slug.test), driving pages without JavaScript."""
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE)
    browsers.append(client)
    browser = Resident(client)
    sign_in = await browser.open("/staff/sign-in")
    sign_in.fill("Email address", f"{role}@{slug}.test")
    sign_in.fill("Password", PASSWORD)
    await browser.submit(sign_in)
    return browser


def titles(page: Page) -> list[str]:
    return [heading.get_text(" ", strip=True) for heading in page.soup.select("#results ~ ul h3")]


def listed(page: Page) -> list[str]:
    """The services a results page lists, as publisher/service (from their links)."""
    return [link["href"].split("/services/", 1)[1] for link in page.soup.select("#results ~ ul h3 a")]
