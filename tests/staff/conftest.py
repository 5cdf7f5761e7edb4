"""Fixtures for the staff app: the assembled app on a migrated database, and clients."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
from staff_client import StaffClient

from borough.app import assemble
from runtime.settings import ROOT, Settings

BASE = "http://127.0.0.1:8000"


@pytest.fixture
def staff_settings(tmp_path: Path, db: str) -> Settings:
    return Settings(database_url=db, base_url=BASE, secret_key="staff-test-secret-" + "y" * 32,
                    environment="test", files_dir=tmp_path / "files", themes_dir=ROOT / "themes")


@pytest.fixture
def staff_app(staff_settings: Settings) -> Any:
    return assemble(staff_settings, "all", connect_database=False)


@pytest.fixture
async def new_client(staff_app: Any) -> AsyncIterator[Callable[[], StaffClient]]:
    """Make a fresh browser (own cookies) against the same app, as often as needed."""
    opened: list[httpx.AsyncClient] = []

    def make() -> StaffClient:
        http = httpx.AsyncClient(transport=httpx.ASGITransport(app=staff_app), base_url=BASE)
        opened.append(http)
        return StaffClient(http)

    yield make
    for http in opened:
        await http.aclose()
