"""Fixtures the catalogue's staff page tests share (tests/catalogue/catalogue_staff.py has their
helpers): the assembled app over the test's database, the council "eastshire" with a designer,
a publisher and a caseworker, the browsers a test opened (closed after it), an installation that
subscribes to a catalogue where northshire shares report-pothole and southshire book-bulky-waste,
and a fresh installation that subscribes to nothing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from catalogue_staff import BASE, Catalogue, make_user
from world import make_world, shipped, static_server

from borough.app import assemble
from builder.catalogue.client import Client
from runtime import store
from runtime.settings import ROOT, Settings


@pytest.fixture
def catalogue(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Catalogue]:
    world = make_world(tmp_path / "cat")
    world.publish("northshire", shipped("report-pothole"), "First shared version")
    world.publish("southshire", shipped("book-bulky-waste"), "Bulky waste, shared")
    cache = tmp_path / "cache"
    monkeypatch.setenv("BOROUGH_CATALOGUE_CACHE", str(cache))
    with static_server(world.repo.public_dir) as url:
        found = Catalogue(world, url, Client(cache))
        found.client.subscribe(url)
        found.sync()
        yield found


@pytest.fixture
def fresh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A new installation's catalogue cache: no subscription, nothing synced."""
    cache = tmp_path / "fresh-cache"
    monkeypatch.setenv("BOROUGH_CATALOGUE_CACHE", str(cache))
    return cache


@pytest.fixture
def app(tmp_path: Path, db: str) -> Any:
    settings = Settings(database_url=db, base_url=BASE, secret_key="catalogue-pages-secret-" + "z" * 32,
                        environment="test", files_dir=tmp_path / "files", themes_dir=ROOT / "themes")
    return assemble(settings, "all", connect_database=False)


@pytest.fixture
async def council(app: Any) -> store.Council:
    council = await store.create_council("eastshire", "Eastshire Council", contact_phone="01632 000 222")
    for role in ("designer", "publisher", "caseworker"):
        await make_user(f"{role}@eastshire.test", council, [role])
    return council

