"""A preview's state and its request: the answers, pages visited, language and file names a
designer's preview keeps in a signed cookie (bound to the designer and to what is previewed,
scoped to that preview's URLs, never in the database), the definition compiled as residents
will get it, and the resident app's templates rendered for it (builder/preview_pages.py,
preview_lists.py).

What is previewed is a `Source`: a council's draft (`draft_source`, here) or a version in a
catalogue (builder/catalogue_preview.py). The pages are the same code for both; a source names
its definition, its routes and what its cookie is bound to."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import Response

from builder.draft_requests import council_of, draft_or_404
from runtime.core.flow import Plan, plan
from runtime.core.metaschema import check_document
from runtime.core.problems import Failure
from runtime.core.service import Page, Service, compile_service
from runtime.resident.uploads import checked_file, upload_limit
from runtime.staff.context import Staff, page, path
from runtime.web import context as web
from runtime.web.context import ClientError, council_view

PREVIEW_COOKIE = "borough_preview"
MAX_AGE = 24 * 3600
MAX_COOKIE = 3800  # a browser keeps about 4 KB a cookie: past this the answers are refused


@dataclass
class PreviewState:
    """What a preview remembers between pages: the answers, the pages visited, the language,
    the names of files chosen (never their contents) and whether it was "sent"."""

    answers: dict[str, Any] = field(default_factory=dict)
    visited: list[str] = field(default_factory=list)
    language: str = "en"
    files: dict[str, str] = field(default_factory=dict)
    sent: bool = False


@dataclass(frozen=True)
class Source:
    """What a preview walks through, and how its pages name it."""

    definition: dict[str, Any]
    routes: str  # the prefix of its routes' names: "" for a draft's, "catalogue_" for a catalogue version's
    params: Mapping[str, str]  # its routes' path parameters, besides the council
    binding: str  # the preview's cookie holds answers for this one alone
    described: str  # as the banner says it: "the draft of Pay your council tax (draft version 3)"
    back: tuple[str, str]  # the banner's way out: (href, text)
    refusal: tuple[str, str]  # when it cannot be previewed: the heading, and the sentence before the reasons


# Finds what a request previews: the source, or the page saying why there is none.
Loader = Callable[[Request, Staff], Awaitable["Source | Response"]]


class PreviewHandler(Protocol):
    """A preview page's handler: a draft's unless given another `source`."""

    async def __call__(self, request: Request, staff: Staff, source: Loader = ...) -> Response: ...


@dataclass
class Preview:
    """One preview request: the designer, the definition compiled as residents will get it, the state."""

    request: Request
    staff: Staff
    source: Source
    service: Service
    state: PreviewState
    changed: bool = False  # the state must be written back

    @property
    def language(self) -> str:
        return self.state.language if self.state.language in self.service.languages else "en"

    def url(self, name: str, **params: Any) -> str:
        """The URL of this preview's page `name` (a draft preview's route name)."""
        return path(self.request, self.source.routes + name, council=council_of(self.staff).slug,
                    **self.source.params, **params)

    def page_url(self, target: Page | None, *, to_check: bool = False) -> str:
        if target is None:
            return self.url("preview_check_answers")
        return self.url("preview_page", page_id=target.id) + ("?return=check" if to_check else "")

    def plan(self) -> Plan:
        return plan(self.service, self.state.answers)

    def payload(self) -> dict[str, Any]:
        """What every resident page carries (as `PageContext.payload`), and the preview's banner."""
        service = self.service
        return {
            "council": council_view(council_of(self.staff)),
            "service": {"id": service.id, "version": service.version,
                        "title": service.text("title", service.document["title"], self.language)},
            "language": self.language,
            "languages": service.languages,
            "preview": {
                "title": str(service.document["title"]),
                "described": self.source.described,
                "links": {"back": self.source.back[0], "back_text": self.source.back[1],
                          "restart": self.url("preview_start")},
            },
        }


def _serializer(request: Request) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(web.settings(request).secret_key, salt="borough.builder.preview")


def _read_state(request: Request, staff: Staff, source: Source) -> PreviewState:
    """The preview's state from its cookie: empty when there is none, it is not this
    designer's or this preview's, or its signature does not hold."""
    value = request.cookies.get(PREVIEW_COOKIE)
    if not value:
        return PreviewState()
    try:
        data = _serializer(request).loads(value, max_age=MAX_AGE)
    except (BadSignature, SignatureExpired):
        return PreviewState()
    if not isinstance(data, dict) or data.get("u") != staff.user.id or data.get("d") != source.binding:
        return PreviewState()
    answers, visited, files = data.get("a"), data.get("v"), data.get("f")
    return PreviewState(
        answers if isinstance(answers, dict) else {},
        [str(item) for item in visited] if isinstance(visited, list) else [],
        str(data.get("l", "en")),
        {str(k): str(v) for k, v in files.items()} if isinstance(files, dict) else {},
        data.get("s") is True,
    )


def _cookie_value(preview: Preview) -> str:
    state = preview.state
    value = _serializer(preview.request).dumps({"u": preview.staff.user.id, "d": preview.source.binding, "a": state.answers,
                                                "v": state.visited, "l": state.language, "f": state.files,
                                                "s": state.sent})
    if len(value) > MAX_COOKIE:
        raise ClientError(413, "too_large")
    return str(value)


def _finish(preview: Preview, response: Response) -> Response:
    """Write the preview's state back to its cookie (scoped to this service's preview)."""
    if preview.changed:
        response.set_cookie(PREVIEW_COOKIE, _cookie_value(preview), max_age=MAX_AGE, path=preview.url("preview_start"),
                            httponly=True, samesite="lax", secure=web.settings(preview.request).secure_cookies)
    return response


def render(preview: Preview, template: str, payload: dict[str, Any], status_code: int = 200) -> Response:
    """A resident template (or its JSON twin) in the preview's language, with the CSRF token."""
    request = preview.request
    browser = {"csrf_token": web.csrf_token(request), "ui_language": preview.language,
               "switch_language": web.language_switch(preview.language, preview.service.languages)}
    response = web.renderer(request).page(request, template, payload, status_code=status_code, browser=browser)
    seed = getattr(request.state, "new_csrf_seed", None)  # a browser's first page: its CSRF cookie
    if seed:
        web.signer(request).set_csrf(response, seed)
    return _finish(preview, response)


def redirect(preview: Preview, url: str) -> Response:
    return _finish(preview, web.redirect(url))


async def draft_source(request: Request, staff: Staff) -> Source:
    """The council's draft of the service in the URL (404 when it has none)."""
    draft = await draft_or_404(staff, request.path_params["service_id"])
    title = str(draft.definition.get("title", draft.service_id))
    back = path(request, "service_draft", council=council_of(staff).slug, service_id=draft.service_id)
    return Source(draft.definition, "", {"service_id": draft.service_id}, f"draft:{draft.id}",
                  f"the draft of {title} (draft version {draft.version})", (back, "Back to the draft"),
                  ("This draft cannot be previewed yet",
                   "The preview uses the draft exactly as residents would get it, so the draft must first pass "
                   "the format's checks. Fix these problems, then preview again:"))


def unavailable(request: Request, staff: Staff, source: Source, problems: list[str]) -> Response:
    """The page saying why this cannot be previewed."""
    heading, intro = source.refusal
    payload = {"page": {"heading": heading}, "intro": intro, "problems": problems,
               "links": {"back": source.back[0], "back_text": source.back[1]}}
    return page(request, "builder/preview_unavailable.html", payload, staff, status_code=409)


def _compiled(definition: dict[str, Any]) -> tuple[Service | None, list[str]]:
    """The definition compiled as residents will get it, or why it cannot be."""
    problems = [f"{problem.pointer or '/'}: {problem.message}" for problem in check_document(definition)]
    if problems:
        return None, problems
    try:
        service = compile_service(definition)
    except Exception as failure:  # a draft the lint has not passed yet may not compile
        return None, [f"It cannot be compiled yet ({type(failure).__name__})"]
    return (service, []) if service.pages else (None, ["It has no pages"])


async def open_preview(request: Request, staff: Staff, source: Loader = draft_source) -> Preview | Response:
    """The preview of what the URL names (a draft unless `source` says otherwise), or the page
    saying why it cannot be previewed."""
    found = await source(request, staff)
    if isinstance(found, Response):
        return found
    service, problems = _compiled(found.definition)
    if service is None:
        return unavailable(request, staff, found, problems)
    preview = Preview(request, staff, found, service, _read_state(request, staff, found))
    asked = request.query_params.get("lang")
    if asked and asked in service.languages and asked != preview.state.language:
        preview.state.language, preview.changed = asked, True
    return preview


def check_uploads(preview: Preview, shown_page: Page, form: FormData, fields: dict[str, list[str]]) -> list[Failure]:
    """Check each file chosen as the resident app does (size, and type by its content) and
    remember only its name under a new id: a preview keeps no files."""
    failures: list[Failure] = []
    for fld in shown_page.fields:
        upload = form.get(fld.name)
        if fld.widget != "file" or not isinstance(upload, UploadFile) or not upload.filename:
            continue
        limit = upload_limit(fld, web.settings(preview.request).max_upload_bytes)
        _, refused = checked_file(fld, upload.file.read(limit + 1), limit)
        if refused is not None:
            failures.append(refused)
        else:
            file_id = str(uuid.uuid4())
            # Only the names of the last few files: the cookie stays small.
            kept = list(preview.state.files.items())[-4:]
            preview.state.files = {**dict(kept), file_id: upload.filename[:100]}
            fields[fld.name] = [file_id]
    return failures
