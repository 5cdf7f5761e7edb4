"""The benchmark's subject: the largest shipped service, published into a fresh SQLite
database and walked by a resident up to check answers, with the app and client that served it."""

from __future__ import annotations

import importlib.util
import json
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx2 as httpx
from starlette.applications import Starlette

from borough.app import assemble
from borough.demo import DEMO_SLUG, load_demo, shipped_definitions
from runtime import store
from runtime.core.service import Page, Service, compile_service
from runtime.settings import ROOT, Settings

BASE = "http://127.0.0.1:8000"
TESTS_WEB = ROOT / "tests" / "web"


def suite_module(name: str) -> ModuleType:
    """tests/web/<name>.py, loaded from its path: the resident and walker the suite uses."""
    qualified = f"bench._tests_web_{name}"
    if qualified in sys.modules:
        return sys.modules[qualified]
    spec = importlib.util.spec_from_file_location(qualified, TESTS_WEB / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[qualified] = module
    spec.loader.exec_module(module)
    return module


def field_count(service: Service) -> int:
    return sum(len(page.fields) for page in service.pages)


def largest_service() -> Service:
    """The shipped service with the most fields (ties: the first by id)."""
    services = [compile_service(json.loads(path.read_text())) for path in shipped_definitions()]
    return min(services, key=lambda service: (-field_count(service), service.id))


@dataclass
class Journey:
    """A resident at check answers on `service`, and what the benchmark needs to measure it."""

    settings: Settings
    app: Starlette
    client: httpx.AsyncClient
    service: Service
    council: store.Council
    visited: list[str] = field(default_factory=list)

    @property
    def question_page(self) -> Page:
        """The question page with the most fields among those the resident answered."""
        pages = [self.service.page(page_id) for page_id in self.visited]
        questions = [page for page in pages if page is not None and page.kind == "question"]
        return max(questions, key=lambda page: len(page.fields))

    def url(self, page_id: str) -> str:
        return f"/{self.council.slug}/{self.service.id}/{page_id}"

    @property
    def check_answers_url(self) -> str:
        return self.url("check-answers")

    def cookies(self) -> httpx.Cookies:
        return httpx.Cookies(self.client.cookies)


@asynccontextmanager
async def at_check_answers(directory: Path) -> AsyncIterator[Journey]:
    """A migrated database in `directory` with the demo council, and a resident who has
    answered every page of the largest service up to check answers."""
    url = f"sqlite:///{directory / 'borough.db'}"
    await store.migrate(url)
    await store.connect(url)
    try:
        council = await load_demo()
        settings = Settings(
            database_url=url, base_url=BASE, secret_key="bench-secret-" + "x" * 32, environment="test",
            files_dir=directory / "files", themes_dir=ROOT / "themes",
        )
        app = assemble(settings, connect_database=False)
        service = largest_service()
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as client:
            journey = Journey(settings, app, client, service, council)
            journey.visited = await walk_to_check_answers(client, service, council.slug)
            yield journey
    finally:
        await store.disconnect()


async def walk_to_check_answers(client: httpx.AsyncClient, service: Service, council: str = DEMO_SLUG,
                                limit: int = 60) -> list[str]:
    """Answer every page as tests/web/walker.py does, stopping at check answers; returns the
    ids of the pages answered, in order."""
    resident = suite_module("resident").Resident(client)
    walker = suite_module("walker")
    page: Any = await resident.start(council, service.id)
    visited: list[str] = []
    for _ in range(limit):
        assert page.status == 200, (page.url, page.status, page.error_summary())
        step, item = walker.page_id(page.url, service.id)
        if step == "check-answers":
            return visited
        definition_page = service.page(step)
        assert definition_page is not None, page.url
        if definition_page.kind == "add-another" and item is None:
            page.choose(page.soup.select_one("fieldset legend").get_text(strip=True), "No")
        elif definition_page.kind != "content":
            chosen: set[str] = set()
            for fld in definition_page.fields:
                if fld.revealed_by is None:
                    walker.answer(page, fld)
                    if fld.options:
                        chosen.add(f"{fld.name}={_code(fld.options[0][0])}")
            for fld in definition_page.fields:
                if fld.revealed_by is not None and f"{fld.revealed_by[0]}={fld.revealed_by[1]}" in chosen:
                    walker.answer(page, fld)
        if item is None:
            visited.append(step)
        page = await resident.submit(page)
    raise AssertionError(f"{service.id} did not reach check answers in {limit} pages")


def _code(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)
