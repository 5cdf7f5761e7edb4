"""The composition root: the apps of one installation mounted side by side, the shared
middleware, and the lifespan that connects the database and runs the background worker.

No app is built on top of another: the resident app, the staff app and the councils' JSON
API each have their own route table and never import each other; this module is the one
place that knows all three."""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator
from pathlib import Path

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from builder import catalogue_public_pages
from builder.api import builder_api_description, builder_api_routes
from builder.app import builder_routes
from builder.catalogue.hosting import upload_route
from runtime import store
from runtime.api.app import create_api_app
from runtime.delivery import worker as background
from runtime.delivery.email import transport_from_settings
from runtime.resident.app import create_resident_app, resident_routes
from runtime.settings import Settings
from runtime.staff.app import create_staff_app
from runtime.web import errors, theme
from runtime.web.installation import Installation, install, mount, named_routes
from runtime.web.middleware import BodyLimit, JsonSuffix, SecurityHeaders

MODES = ("all", "public", "staff")


def asset_routes(settings: Settings) -> list[BaseRoute]:
    """Stylesheets, scripts and icons every app's pages use."""
    return [
        Mount("/assets", StaticFiles(directory=str(settings.themes_dir / "static" / "build"), check_dir=False),
              name="assets"),
        Route("/theme/borough.js", theme.script, name="script"),
        Route("/favicon.ico", theme.favicon("favicon.ico"), name="favicon_ico"),
        Route("/favicon.svg", theme.favicon("favicon.svg"), name="favicon_svg"),
        Route("/theme/{council}.css", theme.council_css, name="council_css"),
    ]


def catalogue_routes(folder: Path) -> list[BaseRoute]:
    """A hosted catalogue's TUF metadata and targets, as static files, and where councils
    publish to it (docs/catalogue.md)."""
    public = folder / "public"
    return [
        Mount("/catalogue/metadata", StaticFiles(directory=str(public / "metadata"), check_dir=False),
              name="catalogue_metadata"),
        Mount("/catalogue/targets", StaticFiles(directory=str(public / "targets"), check_dir=False),
              name="catalogue_targets"),
        upload_route(folder),  # councils on other installations publish here, signed
        *catalogue_public_pages.routes(folder),  # the services it holds, for people
    ]


def assemble(settings: Settings, mode: str = "all", *, connect_database: bool = True,
             catalogue: Path | None = None) -> Starlette:
    """`all`: residents at / and staff at /staff (the embedded default); `public`: residents
    only; `staff`: the staff app and the API (at /staff) and the assets only."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}")
    installation = Installation.from_settings(settings)
    # Staff pages link to residents' pages (a service's start page, a status link) by route
    # name, whether or not this process serves them.
    installation.resident_routes = named_routes(resident_routes())
    routes: list[BaseRoute] = []
    if mode != "public":
        api = create_api_app(installation, builder_api_routes(), builder_api_description())
        routes += [mount("/staff/api/v1", api, "api"),
                   mount("/staff", create_staff_app(installation, builder_routes()), "staff")]
    routes += asset_routes(settings)
    if catalogue is not None and mode != "staff":
        routes += catalogue_routes(catalogue)
    if mode != "staff":
        routes.append(mount("", create_resident_app(installation)))

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if connect_database:
            await store.connect(settings.database_url)
        stop = asyncio.Event()
        worker = (asyncio.create_task(background.run(
            background.Background(installation.payments, transport_from_settings(settings), installation.box,
                                  settings.production),
            every=settings.deliver_every, reconcile_every=settings.reconcile_every, stop=stop))
            if settings.embedded_worker else None)
        try:
            yield
        finally:
            stop.set()
            if worker is not None:
                await worker
            if connect_database:
                await store.disconnect()

    app = Starlette(
        routes=routes,
        middleware=[
            Middleware(SecurityHeaders),
            Middleware(BodyLimit, limit=settings.max_body_bytes, too_large=errors.too_large),
            Middleware(JsonSuffix),
        ],
        exception_handlers=errors.HANDLERS,
        lifespan=lifespan,
    )
    return install(app, installation)


def app_from_environment() -> Starlette:
    """Factory for uvicorn (`--factory`): every worker builds the same app from the environment."""
    hosted = os.environ.get("BOROUGH_CATALOGUE_DIR")
    return assemble(Settings.from_environment(), os.environ.get("BOROUGH_SERVE_MODE", "all"),
                    catalogue=Path(hosted) if hosted else None)
