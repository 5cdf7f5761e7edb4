"""What every resident handler needs: the council, the service, the journey, the language,
a checked form, and URLs built by route name."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from runtime import store
from runtime.core.service import Service, compile_service
from runtime.core.ui_text import LANGUAGES, ui
from runtime.web.rendering import Renderer
from runtime.web.sessions import LANGUAGE_COOKIE, Signer
from runtime.web.settings import Settings


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


def path(request: Request, name: str, **params: Any) -> str:
    """A URL path by route name; never built by hand, never from the Host header."""
    return str(request.app.url_path_for(name, **{k: str(v) for k, v in params.items()}))


def absolute(request: Request, name: str, **params: Any) -> str:
    return settings(request).base_url + path(request, name, **params)


def language(request: Request, allowed: Sequence[str] = LANGUAGES) -> str:
    """The resident's language: `?lang=` when given, else their cookie, else English."""
    asked = request.query_params.get("lang") or request.cookies.get(LANGUAGE_COOKIE) or "en"
    return asked if asked in allowed else "en"


def remember_language(request: Request, response: Response) -> Response:
    asked = request.query_params.get("lang")
    if asked in LANGUAGES:
        response.set_cookie(LANGUAGE_COOKIE, asked, max_age=365 * 24 * 3600, httponly=True, samesite="lax",
                            secure=settings(request).secure_cookies)
    return response


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


@dataclass
class ServiceContext:
    council: store.Council
    version: store.ServiceVersion
    service: Service
    language: str

    def payload(self) -> dict[str, Any]:
        return {
            "council": {"slug": self.council.slug, "name": self.council.name},
            "service": {
                "id": self.service.id,
                "version": self.service.version,
                "title": self.service.text("title", self.service.document["title"], self.language),
            },
            "language": self.language,
            "languages": self.service.languages,
        }


async def council_or_404(slug: str) -> store.Council:
    council = await store.get_council(slug)
    if council is None:
        raise ClientError(404, "page_not_found")
    return council


def compiled(version: store.ServiceVersion) -> Service:
    return compile_service(version.definition, version.content_hash)


async def service_context(request: Request) -> ServiceContext:
    council = await council_or_404(request.path_params["council"])
    version = await store.get_latest(council, request.path_params["service"])
    if version is None:
        raise ClientError(404, "page_not_found")
    service = compiled(version)
    return ServiceContext(council, version, service, language(request, service.languages))


async def journey_context(request: Request) -> tuple[ServiceContext, store.Journey | None]:
    """The service at the version the resident's journey started on, and the journey if any."""
    ctx = await service_context(request)
    journey_id = signer(request).journey_id(request)
    if journey_id is None:
        return ctx, None
    journey = await store.get_journey(ctx.council, journey_id)
    if journey is None:
        return ctx, None
    if journey.service_version_id != ctx.version.id:
        version = await store.get_version(ctx.council, journey.service_version_id)
        if version is None or version.service_id != ctx.service.id:
            return ctx, None
        service = compiled(version)
        ctx = ServiceContext(ctx.council, version, service, language(request, service.languages))
    return ctx, journey


async def checked_form(request: Request) -> FormData:
    """The posted form, once its CSRF token is checked. Refused forms change nothing."""
    content_type = request.headers.get("content-type", "")
    if not content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        raise ClientError(415 if content_type else 400, "bad_request")
    try:
        form = await request.form(max_files=20, max_fields=500)
    except HTTPException:
        raise
    except Exception:  # a body the multipart or form parser cannot read
        raise ClientError(400, "bad_request") from None
    token = form.get("csrf_token")
    if not isinstance(token, str) or not signer(request).csrf_valid(request, token):
        raise ClientError(403, "forbidden")
    return form


def text_fields(form: FormData) -> dict[str, list[str]]:
    """The form's text values by name; files are handled separately."""
    values: dict[str, list[str]] = {}
    for name, value in form.multi_items():
        if isinstance(value, str):
            values.setdefault(name, []).append(value)
    return values


def uploads(form: FormData) -> Mapping[str, UploadFile]:
    return {name: value for name, value in form.multi_items() if isinstance(value, UploadFile) and value.filename}


def browser(request: Request, lang: str, languages: Sequence[str] = ("en", "cy")) -> dict[str, Any]:
    """What only the HTML rendering needs: the CSRF token, the language switch."""
    seed, fresh = signer(request).csrf_seed(request)
    if fresh:
        request.state.new_csrf_seed = seed
    other = next((code for code in languages if code != lang), None)
    return {
        "csrf_token": signer(request).csrf_token(seed),
        "switch_language": {"code": other, "text": ui(other, "language_switch") if other else None,
                            "href": f"?lang={other}"} if other else None,
        "ui_language": lang,
    }


def words(lang: str) -> Any:
    return lambda key, **values: ui(lang, key, **values)


def page(request: Request, template: str, payload: dict[str, Any], lang: str, *, status_code: int = 200,
         languages: Sequence[str] = ("en",)) -> Response:
    response = renderer(request).page(
        request, template, payload, status_code=status_code, browser=browser(request, lang, languages),
    )
    seed = getattr(request.state, "new_csrf_seed", None)
    if seed:
        signer(request).set_csrf(response, seed)
    return remember_language(request, response)
