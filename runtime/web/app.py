"""The resident app: one route table, built from settings; stateless over one database."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Sequence

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from runtime import store
from runtime.core.links import Links
from runtime.delivery import worker as background
from runtime.delivery.email import transport_from_settings
from runtime.payments.service import Payments
from runtime.web import (
    add_another,
    directory,
    errors,
    inline,
    journey,
    paying,
    save_return,
    status,
    status_lookup,
    status_provide,
    theme,
)
from runtime.web.context import Councils, Versions
from runtime.web.middleware import BodyLimit, JsonSuffix, SecurityHeaders
from runtime.web.projections import Projections
from runtime.web.rendering import Renderer
from runtime.web.sessions import Signer
from runtime.web.settings import Settings


def resident_routes(settings: Settings) -> list[BaseRoute]:
    service = "/{council}/{service}"
    return [
        Route("/", directory.home, name="home"),
        Route("/outbox", directory.outbox, name="outbox"),
        Route("/_sandbox/pay/{payment_id}", paying.sandbox_page, methods=["GET", "POST"], name="sandbox_pay"),
        Route("/_sandbox/pay/{payment_id}/cancel", paying.sandbox_cancel, methods=["POST"], name="sandbox_cancel"),
        Route("/payments/{provider}/{council}/webhook", paying.webhook, methods=["POST"], name="payment_webhook"),
        Route("/{council}", directory.council, name="council"),
        # Before the service routes: "status" is never a service id.
        Route("/{council}/status", status_lookup.lookup, methods=["GET", "POST"], name="status_lookup"),
        Route("/{council}/status/{reference}/{token}", status.status, name="status"),
        Route("/{council}/status/{reference}/{token}/answers", status.answers, name="status_answers"),
        Route("/{council}/status/{reference}/{token}/provide", status_provide.provide, methods=["GET", "POST"],
              name="status_provide"),
        Route(service, journey.start, name="start"),
        Route(f"{service}/start", journey.begin, methods=["POST"], name="begin"),
        Route(f"{service}/check-answers", journey.check_answers, methods=["GET", "POST"], name="check_answers"),
        Route(f"{service}/confirmation", journey.confirmation, name="confirmation"),
        Route(f"{service}/payment/{{token}}", paying.payment_return, name="payment_return"),
        Route(f"{service}/payment/{{token}}/retry", paying.payment_retry, methods=["POST"], name="payment_retry"),
        Route(f"{service}/save", save_return.save_for_later, methods=["GET", "POST"], name="save"),
        Route(f"{service}/resume/{{token}}", save_return.resume, name="resume"),
        Route(f"{service}/{{page}}", journey.question, methods=["GET", "POST"], name="page"),
        Route(f"{service}/{{page}}/validate", inline.validate, methods=["POST"], name="validate"),
        Route(f"{service}/{{page}}/{{item:int}}", add_another.item, methods=["GET", "POST"], name="item"),
        Route(f"{service}/{{page}}/{{item:int}}/remove", add_another.remove_item, methods=["GET", "POST"], name="remove_item"),
    ]


def asset_routes(settings: Settings) -> list[BaseRoute]:
    return [
        Mount("/assets", StaticFiles(directory=str(settings.themes_dir / "static" / "build"), check_dir=False), name="assets"),
        Route("/theme/borough.js", theme.script, name="script"),
        Route("/favicon.ico", theme.favicon("favicon.ico"), name="favicon_ico"),
        Route("/favicon.svg", theme.favicon("favicon.svg"), name="favicon_svg"),
        Route("/theme/{council}.css", theme.council_css, name="council_css"),
    ]


def create_app(
    settings: Settings,
    *,
    before: Sequence[BaseRoute] = (),
    connect_database: bool = True,
    resident: bool = True,
) -> Starlette:
    """The resident app. `before` are routes matched first (the staff app's mount); with
    `resident` False only those and the assets are served (the staff app on its own)."""

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if connect_database:
            await store.connect(settings.database_url)
        stop = asyncio.Event()
        worker = (asyncio.create_task(background.run(
            background.Background(app.state.payments, transport_from_settings(settings),
                                  store.SecretBox(settings.secret_key), settings.production),
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
        routes=[*before, *asset_routes(settings), *(resident_routes(settings) if resident else [])],
        middleware=[
            Middleware(SecurityHeaders),
            Middleware(BodyLimit, limit=settings.max_body_bytes, too_large=errors.too_large),
            Middleware(JsonSuffix),
        ],
        exception_handlers={404: errors.http_error, 405: errors.http_error, 500: errors.server_error,
                            **{code: errors.http_error for code in (400, 401, 403, 409, 410, 413, 415)}},
        lifespan=lifespan,
    )
    from starlette.exceptions import HTTPException

    app.add_exception_handler(HTTPException, errors.http_error)
    app.state.settings = settings
    app.state.signer = Signer(settings)
    app.state.renderer = Renderer(settings.themes_dir)
    app.state.files = store.FileStore(settings.files_dir)
    app.state.links = Links(settings.base_url, settings.secret_key)
    app.state.versions = Versions()
    app.state.councils = Councils()
    app.state.projections = Projections()
    app.state.payments = Payments(base_url=settings.base_url, secret_key=settings.secret_key,
                                  production=settings.production, box=store.SecretBox(settings.secret_key))
    app.state.sandbox_webhooks = "deliver"
    app.state.sandbox_held = []
    app.state.paths = {}
    app.state.routes_by_name = {route.name: route for route in app.routes if isinstance(route, Route)}
    return app
