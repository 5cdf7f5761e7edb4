"""Staff in builder page tests: the assembled app, a council with one member per role, a
signed-in browser without JavaScript, pressing a button by its text, and a draft started
from a shipped service."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import httpx2 as httpx
from bs4 import BeautifulSoup

TESTS = Path(__file__).resolve().parents[1]
for folder in ("staff", "web"):
    if str(TESTS / folder) not in sys.path:
        sys.path.insert(0, str(TESTS / folder))

from resident import Page, Resident, text_of  # noqa: E402
from staff_client import PASSWORD, make_user  # noqa: E402

from borough.app import assemble  # noqa: E402
from runtime import store  # noqa: E402
from runtime.settings import ROOT, Settings  # noqa: E402
from runtime.store import drafts  # noqa: E402

BASE = "http://127.0.0.1:8000"
ROLES = ("designer", "publisher", "caseworker", "admin")

__all__ = ["BASE", "Page", "Resident", "assemble_app", "make_council", "person", "press", "shipped_draft", "text_of"]


def assemble_app(tmp_path: Path, db: str) -> Any:
    settings = Settings(database_url=db, base_url=BASE, secret_key="builder-test-secret-" + "z" * 32,
                        environment="test", files_dir=tmp_path / "files", themes_dir=ROOT / "themes")
    return assemble(settings, "all", connect_database=False)


async def make_council(slug: str = "northshire", name: str = "Northshire Council") -> store.Council:
    council = await store.create_council(slug, name)
    for role in ROLES:
        await make_user(f"{role}@{slug}.test", council, [role])
    return council


async def person(app: Any, browsers: list[httpx.AsyncClient], role: str, email: str | None = None,
                 slug: str = "northshire") -> Resident:
    """A signed-in member of staff driving pages as a browser without JavaScript."""
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE)
    browsers.append(client)
    browser = Resident(client)
    sign_in = await browser.open("/staff/sign-in")
    sign_in.fill("Email address", email or f"{role}@{slug}.test")
    sign_in.fill("Password", PASSWORD)
    await browser.submit(sign_in)
    return browser


async def press(browser: Resident, page: Page, button: str, extra: dict[str, list[str]] | None = None) -> Page:
    """Press the button labelled `button` (its text or accessible name): send its form."""
    for form in page.soup.find_all("form"):
        for found in form.find_all("button"):
            if button in (text_of(found), found.get("aria-label")):
                data = {field["name"]: [field.get("value", "")] for field in form.find_all("input", type="hidden")}
                data.update(extra or {})
                return await browser.submit(Page(page.response, BeautifulSoup(str(form), "html.parser"), data))
    raise AssertionError(f"no button {button!r} on {page.url}")


async def shipped_draft(council: store.Council, name: str) -> store.ServiceDraft:
    """A draft of the shipped service `name` (schemas/services/NAME.json) in `council`."""
    definition = json.loads((ROOT / "schemas" / "services" / f"{name}.json").read_text())
    definition["publisher"] = {"id": council.slug, "name": council.name}
    return await drafts.create_draft(council, definition, source=f"shipped:{name}", actor=None)
