"""Fixtures for the resident app: a copy of the demo database (the demo council and every
shipped service), the app, an in-process client, and a resident driving it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
from resident import Resident

from borough.app import assemble
from runtime.settings import ROOT, Settings
from runtime.store import Council

BASE = "http://127.0.0.1:8000"


@pytest.fixture
def settings(tmp_path: Path, db: str) -> Settings:
    return Settings(
        database_url=db, base_url=BASE, secret_key="test-secret-" + "x" * 32, environment="test",
        files_dir=tmp_path / "files", themes_dir=ROOT / "themes",
    )


@pytest.fixture
def app(settings: Settings, demo: Council) -> Any:
    """The app over a copy of the demo template: the demo council and the shipped services."""
    return assemble(settings, connect_database=False)


@pytest.fixture
async def client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=BASE) as http:
        yield http


@pytest.fixture
def resident(client: httpx.AsyncClient) -> Resident:
    return Resident(client)


