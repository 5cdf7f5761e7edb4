"""A hosted catalogue's pages for people, at /catalogue/ (BOROUGH_CATALOGUE_DIR): each publishing
council with its services (their languages by name, as the staff pages give them), their
versions and change notes, newest first, and where a Borough installation subscribes. Read from
the catalogue's own folder, which took only publications that passed its checks; each page has
its JSON twin (/catalogue.json)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from builder.catalogue.entries import Entry, Index
from builder.catalogue.repository import Refused, Repository
from builder.catalogue_pages import language_name
from runtime.web import context as web
from runtime.web.context import ClientError


def _semver(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def _publisher(index: Index) -> dict[str, Any]:
    services: dict[str, list[Entry]] = {}
    for entry in index.entries:
        services.setdefault(entry.service, []).append(entry)
    rows = []
    for service_id, entries in sorted(services.items()):
        entries.sort(key=lambda entry: _semver(entry.version), reverse=True)
        newest = next((entry for entry in entries if not entry.withdrawn), entries[0])
        rows.append({"id": service_id, "title": newest.title, "summary": newest.summary, "lgsl": newest.lgsl,
                     "licence": newest.licence, "languages": list(newest.languages),
                     "language_names": [language_name(code) for code in newest.languages], "fee": newest.fee,
                     "versions": [{"version": entry.version, "note": entry.change_note,
                                   "published_at": entry.published_at, "withdrawn": entry.withdrawn,
                                   "withdrawn_reason": entry.withdrawn_reason} for entry in entries]})
    return {"council": index.council, "name": index.name, "services": rows}


def _read(folder: Path) -> list[dict[str, Any]]:
    repo = Repository.open(folder)
    indexes = [repo.index(council) for council in sorted(repo.publishers())]
    return [_publisher(index) for index in indexes if index is not None and index.entries]


def routes(folder: Path) -> list[BaseRoute]:
    """`/catalogue/` (and `/catalogue`) for the catalogue in `folder`."""

    async def browse(request: Request) -> Response:
        try:
            publishers = await run_in_threadpool(_read, folder)
        except Refused as refused:
            raise ClientError(404, "page_not_found") from refused
        payload = {
            "page": {"heading": "Services councils share"},
            "publishers": publishers,
            "catalogue_url": web.settings(request).base_url.rstrip("/") + "/catalogue",
        }
        return web.page(request, "catalogue/browse.html", payload, "en")

    return [Route("/catalogue", browse, methods=["GET"], name="catalogue_home"),
            Route("/catalogue/", browse, methods=["GET"], name="catalogue_browse")]
