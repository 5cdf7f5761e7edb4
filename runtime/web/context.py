"""What every resident handler needs: the council, the service, the journey, the language,
a checked form, and URLs built by route name."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, unquote_to_bytes

from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from runtime import store
from runtime.core import flow
from runtime.core.flow import Plan
from runtime.core.links import Links
from runtime.core.service import Answers, Page, Service, compile_service
from runtime.core.ui_text import LANGUAGES, ui
from runtime.payments.service import Payments
from runtime.settings import Settings
from runtime.web.middleware import BodyTooLarge
from runtime.web.projections import Projections
from runtime.web.rendering import Renderer, wants_json
from runtime.web.sessions import LANGUAGE_COOKIE, LANGUAGE_MAX_AGE, Signer

if TYPE_CHECKING:  # the installation holds this module's caches: only its type is needed here
    from runtime.web.installation import Installation

RETURN_TO_CHECK = "check"


class ClientError(HTTPException):
    """A request we refuse with a page that says why; `code` picks the page's words."""

    def __init__(self, status_code: int, code: str) -> None:
        super().__init__(status_code=status_code, detail=code)
        self.code = code


def settings(request: Request) -> Settings:
    value: Settings = request.app.state.settings
    return value


def signer(request: Request) -> Signer:
    value: Signer = request.app.state.signer
    return value


def renderer(request: Request) -> Renderer:
    value: Renderer = request.app.state.renderer
    return value


class RouteTable:
    """URL paths by route name in one app's route table, each worked out once and kept (in the
    app's `paths`); never built by hand, never from the Host header."""

    __slots__ = ("_app", "_paths", "_routes")

    def __init__(self, app: Any) -> None:
        self._app = app
        self._paths: dict[tuple[str, tuple[tuple[str, str], ...]], str] = app.state.paths
        self._routes: dict[str, Any] = app.state.routes_by_name

    def path(self, name: str, **params: Any) -> str:
        key = (name, tuple((k, str(v)) for k, v in params.items()))
        found = self._paths.get(key)
        if found is None:
            route = self._routes.get(name)
            found = str((route if route is not None else self._app).url_path_for(name, **dict(key[1])))
            if len(self._paths) > 20000:
                self._paths.clear()
            self._paths[key] = found
        return found


def path(request: Request, name: str, **params: Any) -> str:
    """A URL path by route name in the request's app."""
    return RouteTable(request.app).path(name, **params)


def absolute(request: Request, name: str, **params: Any) -> str:
    return settings(request).base_url + path(request, name, **params)


def language(request: Request, allowed: Sequence[str] = LANGUAGES) -> str:
    """The resident's language: `?lang=` when given, else their cookie, else English."""
    asked = request.query_params.get("lang") or request.cookies.get(LANGUAGE_COOKIE) or "en"
    return asked if asked in allowed else "en"


def remember_language(request: Request, response: Response) -> Response:
    asked = request.query_params.get("lang")
    if asked in LANGUAGES:
        response.set_cookie(LANGUAGE_COOKIE, asked, max_age=LANGUAGE_MAX_AGE, httponly=True, samesite="lax",
                            secure=settings(request).secure_cookies)
    return response


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


@dataclass(frozen=True)
class Rendered:
    """A page to render, as a step below a handler returns it: the handler sends it."""

    template: str
    payload: dict[str, Any]
    status_code: int = 200


# What a step below a handler gives back: a page to render, or a finished response (a redirect).
Outcome = Response | Rendered


@dataclass
class PageContext:
    """A resident page's context, read from its request once, at the edge: the council, the
    service at the version in use, the language, URLs by route name with the council and
    service filled in, whether the resident came from check answers, and the installation's
    objects. Everything below the handler takes this, not the request."""

    council: store.Council
    version: store.ServiceVersion
    service: Service
    language: str
    routes: RouteTable
    installation: Installation
    path: str = ""
    to_check: bool = False  # came from check answers (`?return=check`): go back there
    json: bool = False  # the JSON twin was asked for
    asked_language: str | None = None  # `?lang=`, remembered in a cookie by the page
    csrf_seed: str = ""
    csrf_seed_is_new: bool = False
    _plan: tuple[Answers, Plan] | None = field(default=None, repr=False)
    _csrf_token: str | None = field(default=None, repr=False)

    def plan(self, answers: Answers) -> Plan:
        """The route through the service for these answers, worked out once per request."""
        if self._plan is None or self._plan[0] is not answers:
            self._plan = (answers, flow.plan(self.service, answers))
        return self._plan[1]

    def payload(self) -> dict[str, Any]:
        return {
            "council": council_view(self.council),
            "service": {
                "id": self.service.id,
                "version": self.service.version,
                "title": self.service.text("title", self.service.document["title"], self.language),
            },
            "language": self.language,
            "languages": self.service.languages,
        }

    # URLs ---------------------------------------------------------------------------------
    def url(self, name: str, **params: Any) -> str:
        """The path of one of this service's routes (council and service filled in)."""
        return self.routes.path(name, council=self.council.slug, service=self.service.id, **params)

    def council_url(self, name: str, **params: Any) -> str:
        """The path of one of the council's routes (the council filled in)."""
        return self.routes.path(name, council=self.council.slug, **params)

    def absolute(self, name: str, **params: Any) -> str:
        return self.settings.base_url + self.url(name, **params)

    def page_url(self, page: Page | None, *, to_check: bool = False) -> str:
        """A page of the journey (check answers after the last), optionally on the way back there."""
        if page is None:
            return self.url("check_answers")
        return self.url("page", page=page.id) + ("?return=check" if to_check else "")

    @property
    def start_url(self) -> str:
        return self.url("start")

    @property
    def action(self) -> str:
        """Where this page's form posts: itself, still on the way back to check answers."""
        return self.path + ("?return=check" if self.to_check else "")

    # The installation's objects -----------------------------------------------------------
    @property
    def settings(self) -> Settings:
        return self.installation.settings

    @property
    def signer(self) -> Signer:
        return self.installation.signer

    @property
    def renderer(self) -> Renderer:
        return self.installation.renderer

    @property
    def files(self) -> store.FileStore:
        return self.installation.files

    @property
    def links(self) -> Links:
        return self.installation.links

    @property
    def payments(self) -> Payments:
        return self.installation.payments

    @property
    def projections(self) -> Projections:
        return self.installation.projections

    # What the rendered page carries -------------------------------------------------------
    def csrf_token(self) -> str:
        """This browser's CSRF token; a new seed is set as a cookie by `finish`."""
        if self._csrf_token is None:
            self._csrf_token = self.signer.csrf_token(self.csrf_seed)
        return self._csrf_token

    def browser(self) -> dict[str, Any]:
        """What only the HTML rendering needs: the CSRF token, the language switch."""
        return {"csrf_token": self.csrf_token(), "switch_language": language_switch(self.language, self.service.languages),
                "ui_language": self.language}

    def finish(self, response: Response) -> Response:
        """Set the cookies a rendered page may need: a new CSRF seed, the chosen language."""
        if self.csrf_seed_is_new and self._csrf_token is not None:
            self.signer.set_csrf(response, self.csrf_seed)
        if self.asked_language in LANGUAGES:
            response.set_cookie(LANGUAGE_COOKIE, self.asked_language, max_age=LANGUAGE_MAX_AGE, httponly=True,
                                samesite="lax", secure=self.settings.secure_cookies)
        return response


def council_view(council: store.Council) -> dict[str, Any]:
    """A council as resident pages give it: its name, and the links of every page's footer (its
    accessibility statement and privacy notice, from its settings; None when not set)."""
    return {
        "slug": council.slug,
        "name": council.name,
        "links": {"accessibility": council.accessibility_url or None, "privacy": council.privacy_url or None},
    }


async def council_or_404(slug: str) -> store.Council:
    council = await store.get_council(slug)
    if council is None:
        raise ClientError(404, "page_not_found")
    return council


def compiled(version: store.ServiceVersion) -> Service:
    return compile_service(version.definition, version.content_hash)


async def latest_service(council_slug: str, service_id: str) -> tuple[store.Council, store.ServiceVersion, Service]:
    """A council's service at its latest published version, or the 404 page."""
    council = await council_or_404(council_slug)
    version = await store.get_latest(council, service_id)
    if version is None:
        raise ClientError(404, "page_not_found")
    return council, version, compiled(version)


def page_context(request: Request, council: store.Council, version: store.ServiceVersion, service: Service, *,
                 language_otherwise: str = "en") -> PageContext:
    """The page's context, read from its request: the one place a resident page reads its
    language, path, `?return=`, CSRF seed and the app it is in. The language is `?lang=` when
    given, else the language cookie, when the service has it; else `language_otherwise`."""
    app = request.app
    installation: Installation = app.state.installation
    query = request.query_params
    asked = query.get("lang")
    chosen = asked or request.cookies.get(LANGUAGE_COOKIE)
    seed, seed_is_new = installation.signer.csrf_seed(request)
    return PageContext(
        council, version, service, chosen if chosen in service.languages else language_otherwise,
        RouteTable(app), installation, path=request.url.path, to_check=query.get("return") == RETURN_TO_CHECK,
        json=wants_json(request), asked_language=asked, csrf_seed=seed, csrf_seed_is_new=seed_is_new,
    )


async def service_context(request: Request) -> PageContext:
    """The page's context with the service at its latest version."""
    return page_context(request, *await latest_service(request.path_params["council"], request.path_params["service"]))


class Versions:
    """Published versions this app has read, by id. They are immutable, so a copy in memory
    can never be stale; a worker that has not read one yet simply reads it."""

    def __init__(self, size: int = 512) -> None:
        self._entries: dict[int, tuple[store.ServiceVersion, Service]] = {}
        self._size = size

    async def get(self, council: store.Council, version_id: int) -> tuple[store.ServiceVersion, Service] | None:
        entry = self._entries.get(version_id)
        if entry is not None and entry[0].council_id == council.id:
            return entry
        version = await store.get_version(council, version_id)
        if version is None:
            return None
        if len(self._entries) >= self._size:
            self._entries.pop(next(iter(self._entries)))
        entry = (version, compiled(version))
        self._entries[version_id] = entry
        return entry


class Councils:
    """Councils by id as this worker last read them, re-read after `ttl` seconds. A council's
    name, brand and languages can take that long to reach resident pages; ownership never
    depends on it: every journey is read by id and checked against its council's id."""

    def __init__(self, ttl: float = 10.0) -> None:
        self.ttl = ttl
        self._entries: dict[int, tuple[float, store.Council]] = {}

    async def get(self, council_id: int) -> store.Council | None:
        now = time.monotonic()
        entry = self._entries.get(council_id)
        if entry is not None and now - entry[0] < self.ttl:
            return entry[1]
        council = await store.get_council_by_id(council_id)
        if council is not None:
            self._entries[council_id] = (now, council)
        return council


async def journey_context(request: Request) -> tuple[PageContext, store.Journey | None]:
    """The resident's journey (one query by id, as any page would make), and the page's context
    with its council and the service at the version the journey started on. Without a journey:
    the service's latest version, and None."""
    state = request.app.state
    slug, service_id = request.path_params["council"], request.path_params["service"]
    journey_id = state.signer.journey_id(request)
    journey = await store.get_journey_by_id(journey_id) if journey_id else None
    if journey is not None:
        councils: Councils = state.councils
        council = await councils.get(journey.council_id)
        if council is not None and council.slug == slug:
            versions: Versions = state.versions
            entry = await versions.get(council, journey.service_version_id)
            if entry is not None and entry[1].id == service_id:
                version, service = entry
                return page_context(request, council, version, service), journey
    return page_context(request, *await latest_service(slug, service_id)), None


async def checked_form(request: Request) -> FormData:
    """The posted form, once its CSRF token is checked. Refused forms change nothing."""
    state = request.app.state
    content_type = request.headers.get("content-type", "")
    if not content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        raise ClientError(415 if content_type else 400, "bad_request")
    if content_type.startswith("application/x-www-form-urlencoded"):
        body = await request.body()
        # Starlette would read broken UTF-8 as U+FFFD (or Latin-1): refuse it rather than save it.
        try:
            unquote_to_bytes(body.replace(b"+", b" ")).decode("utf-8")
            form = url_encoded_form(body)
        except (UnicodeDecodeError, ValueError):
            raise ClientError(400, "bad_request") from None
    else:
        try:
            # One field may be as large as the body limit allows, so an oversize body (even one
            # sent chunked, without a length) is refused as too large, not as unreadable.
            form = await request.form(max_files=20, max_fields=MAX_FIELDS, max_part_size=state.settings.max_body_bytes)
        except (HTTPException, BodyTooLarge):
            raise
        except Exception:  # a body the multipart parser cannot read
            raise ClientError(400, "bad_request") from None
    token = form.get("csrf_token")
    if not isinstance(token, str) or not state.signer.csrf_valid(request, token):
        raise ClientError(403, "forbidden")
    return form


MAX_FIELDS = 500


def url_encoded_form(body: bytes) -> FormData:
    """An `application/x-www-form-urlencoded` body read exactly as Starlette's form parser reads
    it (fields split at `&`, blank ones skipped, a name without `=` given an empty value, bytes
    as Latin-1 and %-escapes as UTF-8), by the standard library in one call, several times
    faster than the streaming parser. More than MAX_FIELDS fields raise ValueError."""
    fields: list[tuple[str, str | UploadFile]] = []
    fields += parse_qsl(body.decode("latin-1"), keep_blank_values=True, encoding="utf-8", errors="replace",
                        max_num_fields=MAX_FIELDS)
    return FormData(fields)


def text_fields(form: FormData) -> dict[str, list[str]]:
    """The form's text values by name; files are handled separately."""
    values: dict[str, list[str]] = {}
    for name, value in form.multi_items():
        if isinstance(value, str):
            values.setdefault(name, []).append(value)
    return values


def uploads(form: FormData) -> Mapping[str, UploadFile]:
    return {name: value for name, value in form.multi_items() if isinstance(value, UploadFile) and value.filename}


def language_switch(lang: str, languages: Sequence[str]) -> dict[str, Any] | None:
    other = next((code for code in languages if code != lang), None)
    if other is None:
        return None
    return {"code": other, "text": ui(lang, "language_switch"), "href": f"?lang={other}"}


def csrf_token(request: Request) -> str:
    """This browser's CSRF token; a new seed is remembered so the response can set its cookie."""
    seed, fresh = signer(request).csrf_seed(request)
    if fresh:
        request.state.new_csrf_seed = seed
    return signer(request).csrf_token(seed)


def browser(request: Request, lang: str, languages: Sequence[str] = ("en", "cy")) -> dict[str, Any]:
    """What only the HTML rendering needs: the CSRF token, the language switch."""
    return {"csrf_token": csrf_token(request), "switch_language": language_switch(lang, languages), "ui_language": lang}


def page(request: Request, template: str, payload: dict[str, Any], lang: str, *, status_code: int = 200,
         languages: Sequence[str] = ("en",)) -> Response:
    response = renderer(request).page(
        request, template, payload, status_code=status_code, browser=browser(request, lang, languages),
    )
    return finish(request, response)


def finish(request: Request, response: Response) -> Response:
    """Set the cookies a rendered page may need: a new CSRF seed, the chosen language."""
    seed = getattr(request.state, "new_csrf_seed", None)
    if seed:
        signer(request).set_csrf(response, seed)
    return remember_language(request, response)


def respond(request: Request, ctx: PageContext, outcome: Outcome) -> Response:
    """A resident handler's answer: a page rendered (HTML, or its JSON twin) with the cookies it
    needs, or the finished response a step gave back."""
    if isinstance(outcome, Response):
        return outcome
    response = ctx.renderer.page(request, outcome.template, outcome.payload, status_code=outcome.status_code,
                                 browser=ctx.browser())
    return ctx.finish(response)
