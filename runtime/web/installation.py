"""What every app of one installation shares: settings and the long-lived objects built from
them once (signer, templates, files, links, compiled-definition caches, payments).

The composition root (`borough.app`) builds one `Installation` and hands it to each app it
mounts; an app keeps its own route table beside it (`install`)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from starlette.applications import Starlette
from starlette.routing import BaseRoute, Mount, Route
from starlette.types import ASGIApp

from runtime import store
from runtime.core.links import Links
from runtime.payments.service import Payments
from runtime.settings import Settings
from runtime.web.context import Councils, Versions
from runtime.web.projections import Projections
from runtime.web.rendering import Renderer
from runtime.web.sessions import Signer


@dataclass
class SandboxWebhooks:
    """How the sandbox card page hands its webhook to the app (development and tests):
    deliver (default), drop, duplicate, or hold (kept in `held` for a test to release)."""

    policy: str = "deliver"
    held: list[tuple[str, dict[str, str], bytes]] = field(default_factory=list)


@dataclass
class Installation:
    settings: Settings
    signer: Signer
    renderer: Renderer
    files: store.FileStore
    links: Links
    box: store.SecretBox
    payments: Payments
    versions: Versions = field(default_factory=Versions)
    councils: Councils = field(default_factory=Councils)
    projections: Projections = field(default_factory=Projections)
    sandbox: SandboxWebhooks = field(default_factory=SandboxWebhooks)
    resident_routes: dict[str, Route] = field(default_factory=dict)

    @classmethod
    def from_settings(cls, settings: Settings) -> Installation:
        box = store.SecretBox(settings.secret_key)
        return cls(
            settings=settings,
            signer=Signer(settings),
            renderer=Renderer(settings.themes_dir),
            files=store.FileStore(settings.files_dir),
            links=Links(settings.base_url, settings.secret_key),
            box=box,
            payments=Payments(base_url=settings.base_url, secret_key=settings.secret_key,
                              production=settings.production, box=box),
        )


def named_routes(routes: list[BaseRoute]) -> dict[str, Route]:
    return {route.name: route for route in routes if isinstance(route, Route)}


def install(app: Starlette, installation: Installation) -> Starlette:
    """Give `app` the installation's shared objects on its state, and its own route names."""
    for name in installation.__dataclass_fields__:
        setattr(app.state, name, getattr(installation, name))
    app.state.installation = installation
    app.state.paths = {}
    app.state.routes_by_name = named_routes(app.routes)
    return app


def mount(path: str, app: ASGIApp, name: str | None = None) -> Mount:
    """A Mount for paths holding any character: Starlette's own stops at a newline (%0A),
    sending such a request past the mounted app to another app's 404 page."""
    found = Mount(path, app=app, name=name)
    found.path_regex = re.compile(found.path_regex.pattern, re.DOTALL)
    return found
