"""Fixtures the builder's page tests share: the assembled app over the test's database, the
council "northshire" with one person per role and, unless a module makes its own, a draft of
the shipped service the module names in SERVICE, and the browsers a test opened (closed after
it). People are signed in with `designers.person`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from designers import assemble_app, make_council, shipped_draft

from runtime import store


@pytest.fixture
def app(tmp_path: Path, db: str) -> Any:
    return assemble_app(tmp_path, db)


@pytest.fixture
async def council(app: Any, request: pytest.FixtureRequest) -> store.Council:
    made = await make_council()
    await shipped_draft(made, request.module.SERVICE)
    return made

