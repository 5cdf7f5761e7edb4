"""The JSON API for a council's own systems, mounted by the staff app at /api/v1.

A key (``Authorization: Bearer <key>``, made on the staff pages in runtime/staff/api_key_pages.py)
belongs to one council and holds scopes; the council is the key's, never the URL's. Cookies
are never read, so there is nothing for a cross-site request to borrow and no CSRF token.

Every answer is JSON, errors in one shape: ``{"error": {"status", "code", "message"}}``.
Another council's application is "not found" (404) exactly like one that does not exist.
Described by runtime/api/openapi.json, served at /api/v1/openapi.json and tested against it.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from runtime import store
from runtime.core.links import Links
from runtime.core.workflow import NOTE_LIMIT, Refused, Workflow
from runtime.store import api_keys, api_reads
from runtime.store import workflow as engine
from runtime.store.cursors import Cursor, InvalidCursor, SignedCursors
from runtime.store.lookups import storable_text
from runtime.store.models import ApiKey, SubmissionEvent
from runtime.web.context import settings
from runtime.web.installation import Installation, install

log = logging.getLogger("borough.api")

OPENAPI = Path(__file__).with_name("openapi.json")
DEFAULT_LIMIT = 25
MAX_LIMIT = 100
MAX_BODY = 64 * 1024
FILTER_LIMIT = 64
WHOLE_NUMBER = re.compile(r"[0-9]{1,9}")  # the digits 0-9 only: str.isdigit also takes "²"
EVENT_FIELDS = {"event": str, "note": str, "visible_to_resident": bool, "expected_version": int}
# Events that only Borough itself takes: payments, timers, the resident's own answers.
RESERVED_EVENTS = re.compile(r"^(payment\.|after\.|resident\.|submitted$)")


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.headers = status, code, message, headers or {}


def error_response(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": {"status": status, "code": code, "message": message}}, status_code=status,
                        headers=headers)


async def api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return error_response(exc.status, exc.code, exc.message, exc.headers)


async def http_error(request: Request, exc: Exception) -> Response:
    """Starlette's own refusals (no such path, wrong method) in the API's shape."""
    assert isinstance(exc, HTTPException)
    if exc.status_code == 405:
        return error_response(405, "method_not_allowed", "This method is not allowed here",
                              dict(exc.headers or {}))
    if exc.status_code == 404:
        return error_response(404, "not_found", "There is nothing at this address")
    return error_response(exc.status_code, "bad_request", str(exc.detail))


async def server_error(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(500, "server_error", "Something went wrong on our side; try again later")


# Who is asking -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Caller:
    key: ApiKey
    council: store.Council


async def caller(request: Request, scope: str) -> Caller:
    """The key in the Authorization header, if it is live and holds ``scope``; else 401 or 403."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise ApiError(401, "unauthenticated", "Send your API key in the header Authorization: Bearer <key>",
                       {"WWW-Authenticate": 'Bearer realm="borough"'})
    key = await api_keys.verify(token)
    if key is None:
        raise ApiError(401, "invalid_key", "This API key is not known, or has been revoked",
                       {"WWW-Authenticate": 'Bearer realm="borough", error="invalid_token"'})
    if scope not in (key.scopes or []):
        raise ApiError(403, "insufficient_scope", f"This API key does not have the {scope} scope",
                       {"WWW-Authenticate": f'Bearer realm="borough", error="insufficient_scope", scope="{scope}"'})
    return Caller(key, key.council)


Endpoint = Callable[[Request, Caller], Awaitable[Response]]


def needs(scope: str, handler: Endpoint) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        return await handler(request, await caller(request, scope))

    endpoint.__name__ = handler.__name__
    endpoint.api_scope = scope  # type: ignore[attr-defined]  # read by the tenant-isolation test
    return endpoint


# Addresses and cursors -------------------------------------------------------------------------

def url(request: Request, name: str, **params: Any) -> str:
    """An absolute API URL by route name, from the configured base URL (never the Host header)."""
    route = request.app.state.api_routes[name]
    path = route.url_path_for(name, **{k: str(v) for k, v in params.items()})
    return settings(request).base_url + str(request.scope.get("root_path", "")) + str(path)


def cursors(request: Request) -> SignedCursors:
    """The API's cursors: signed for the caller's council (``runtime.store.cursors``)."""
    return SignedCursors(settings(request).secret_key, "borough-api-cursor")


def read_cursor(request: Request, council_id: int, text: str) -> Cursor:
    """The keyset a cursor we made carries; 400 for anything else (edited, another council's)."""
    try:
        return cursors(request).decode(text, council_id)
    except InvalidCursor:
        raise ApiError(400, "bad_cursor", "This cursor is not one the API gave you: start again without it") from None


def parse_moment(value: str) -> datetime:
    """An RFC 3339 date-time (a date alone means its midnight, UTC); 400 when it is not one."""
    text = value
    if text[-1:] in ("Z", "z"):
        text = text[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(text.replace("t", "T", 1))
    except ValueError:
        raise ApiError(400, "bad_parameter", "since must be a date and time like 2026-04-01T09:00:00Z") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def parse_limit(value: str | None) -> int:
    if value is None:
        return DEFAULT_LIMIT
    if not WHOLE_NUMBER.fullmatch(value) or not 1 <= int(value) <= MAX_LIMIT:
        raise ApiError(400, "bad_parameter", f"limit must be a whole number from 1 to {MAX_LIMIT}")
    return int(value)


# What an application looks like ----------------------------------------------------------------

class Workflows:
    """Each version's workflow and definition, read once per request."""

    def __init__(self) -> None:
        self.known: dict[int, tuple[Workflow, dict[str, Any]]] = {}

    async def of(self, submission: store.Submission) -> tuple[Workflow, dict[str, Any]]:
        found = self.known.get(submission.service_version_id)
        if found is None:
            found = self.known[submission.service_version_id] = await engine.workflow_of(submission.service_version_id)
        return found


def event_view(record: SubmissionEvent) -> dict[str, Any]:
    return {"id": record.id, "name": record.event, "from": record.from_state or None, "to": record.to_state,
            "by": record.actor_label, "note": record.note, "visible_to_resident": record.visible_to_resident,
            "at": _iso(record.at)}


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z") if moment else None


async def summary(request: Request, caller_: Caller, submission: store.Submission,
                  workflows: Workflows) -> dict[str, Any]:
    workflow, definition = await workflows.of(submission)
    body = engine.webhook_payload(submission, definition, workflow, None, caller_.council.slug)
    body.pop("answers")
    body["due_at"] = _iso(submission.due_at)
    body["url"] = url(request, "api_submission", reference=submission.reference)
    return body


async def detail(request: Request, caller_: Caller, submission: store.Submission) -> dict[str, Any]:
    workflow, definition = await Workflows().of(submission)
    body = engine.webhook_payload(submission, definition, workflow, None, caller_.council.slug)
    body["state_entered_at"] = _iso(submission.state_entered_at)
    body["due_at"] = _iso(submission.due_at)
    body["request"] = submission.request
    body["actions"] = [{"event": t.event, "to": t.target, "note_required": t.guard == "noteGiven"}
                       for t in workflow.staff_actions(submission.state)]
    body["history"] = [event_view(record) for record in await engine.history(submission)]
    body["files"] = [{
        "id": str(file.id), "field": file.field, "filename": file.filename, "content_type": file.content_type,
        "size": file.size, "sha256": file.sha256,
        "url": url(request, "api_file", reference=submission.reference, file_id=file.id),
    } for file in await api_reads.files_of(submission)]
    body["links"] = {"self": url(request, "api_submission", reference=submission.reference),
                     "events": url(request, "api_events", reference=submission.reference)}
    return body


async def sent(caller_: Caller, reference: str) -> store.Submission:
    found = await api_reads.sent_submission(caller_.council, reference)
    if found is None:
        raise ApiError(404, "not_found", "There is no application with this reference")
    return found


# The endpoints ---------------------------------------------------------------------------------

LIST_PARAMETERS = frozenset({"service", "state", "since", "cursor", "limit"})


async def list_submissions(request: Request, caller_: Caller) -> Response:
    params = request.query_params
    unknown = sorted(set(params) - LIST_PARAMETERS)
    if unknown:  # a misspelt filter must not silently list everything
        raise ApiError(400, "bad_parameter", f"Unknown query parameter {unknown[0]!r}: use "
                       + ", ".join(sorted(LIST_PARAMETERS)))
    limit = parse_limit(params.get("limit"))
    service, state = params.get("service") or None, params.get("state") or None
    for name, value in (("service", service), ("state", state)):
        if value is not None and (len(value) > FILTER_LIMIT or not storable_text(value)):
            raise ApiError(400, "bad_parameter", f"{name} must be text of {FILTER_LIMIT} characters or fewer")
    since = parse_moment(params["since"]) if "since" in params else None  # given empty: refused
    after = read_cursor(request, caller_.council.id, params["cursor"]) if "cursor" in params else None  # given empty: refused
    rows = await api_reads.submissions_page(caller_.council, limit=limit + 1, service=service, state=state,
                                            since=since, after=after)
    page, more = rows[:limit], len(rows) > limit
    workflows = Workflows()
    next_cursor = cursors(request).encode(Cursor(page[-1].submitted_at, page[-1].id), caller_.council.id) if more else None
    next_url = None
    if next_cursor is not None:
        query = {k: v for k, v in (("service", service), ("state", state), ("since", params.get("since")),
                                   ("limit", params.get("limit"))) if v}
        query["cursor"] = next_cursor
        next_url = url(request, "api_submissions") + "?" + "&".join(f"{k}={quote(v, safe='')}" for k, v in query.items())
    return JSONResponse({
        "submissions": [await summary(request, caller_, submission, workflows) for submission in page],
        "next_cursor": next_cursor,
        "links": {"next": next_url},
    })


async def get_submission(request: Request, caller_: Caller) -> Response:
    submission = await sent(caller_, request.path_params["reference"])
    return JSONResponse(await detail(request, caller_, submission))


async def get_file(request: Request, caller_: Caller) -> Response:
    submission = await sent(caller_, request.path_params["reference"])
    wanted = request.path_params["file_id"]
    found = next((f for f in await api_reads.files_of(submission) if str(f.id) == wanted.lower()), None)
    if found is None:
        raise ApiError(404, "not_found", "This application has no file with this id")
    files: store.FileStore = request.app.state.files
    data = await files.read_bytes(found)
    return Response(data, media_type=found.content_type, headers={
        "Content-Disposition": content_disposition(found.filename),
        "X-Content-Type-Options": "nosniff",
    })


def content_disposition(filename: str) -> str:
    fallback = "".join(c if c.isascii() and c.isprintable() and c not in '"\\;' else "_" for c in filename) or "file"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


async def post_event(request: Request, caller_: Caller) -> Response:
    submission = await sent(caller_, request.path_params["reference"])
    fields = await json_body(request)
    event = fields["event"]
    if RESERVED_EVENTS.match(event):
        raise ApiError(409, "refused", f"{event} is taken by Borough itself and cannot be posted")
    move = engine.Move(event, actor_label=f"API key {caller_.key.name}", note=fields.get("note", ""),
                       visible_to_resident=fields.get("visible_to_resident", True),
                       expected_version=fields.get("expected_version"))
    links: Links = request.app.state.links
    try:
        moved, record = await engine.transition(caller_.council, submission.id, move, links)
    except Refused as refused:
        raise ApiError(409, "refused", refused.message) from None
    log.info("API key %s (%s) took %s for %s", caller_.key.prefix, caller_.council.slug, event, moved.reference)
    body = {"event": event_view(record), "submission": await detail(request, caller_, moved)}
    return JSONResponse(body, status_code=201, headers={"Location": url(request, "api_submission",
                                                                        reference=moved.reference)})


async def json_body(request: Request) -> dict[str, Any]:
    """The posted event, checked field by field: 415, 413, 400 (not JSON) or 422 (wrong shape)."""
    if request.headers.get("content-type", "").split(";")[0].strip().lower() != "application/json":
        raise ApiError(415, "unsupported_media_type", "Send the event as JSON, with Content-Type: application/json")
    raw = b""
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > MAX_BODY:
            raise ApiError(413, "too_large", f"The body must be {MAX_BODY // 1024} KB or less")
    try:
        value = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise ApiError(400, "malformed_json", "The body is not valid JSON") from None
    if not isinstance(value, dict):
        raise ApiError(422, "invalid_body", "The body must be a JSON object")
    problems = [f"{name} is not a field of an event" for name in value if name not in EVENT_FIELDS]
    for name, kind in EVENT_FIELDS.items():
        given = value.get(name)
        if given is None:
            if name == "event":
                problems.append("event is required")
            elif name in value and name != "expected_version":
                problems.append(f"{name} must not be null")
            continue
        if kind is int and isinstance(given, float) and given.is_integer():
            value[name] = given = int(given)  # JSON does not tell 3 from 3.0
        if not isinstance(given, kind) or (kind is int and isinstance(given, bool)):
            problems.append(f"{name} must be {_KIND_WORDS[kind]}")
        elif isinstance(given, str) and not storable_text(given):
            problems.append(f"{name} must be text without NUL characters or lone surrogates")
    if not problems:
        if not 1 <= len(value["event"]) <= FILTER_LIMIT:
            problems.append(f"event must be 1 to {FILTER_LIMIT} characters")
        if len(value.get("note") or "") > NOTE_LIMIT:
            problems.append(f"note must be {NOTE_LIMIT} characters or fewer")
        if (value.get("expected_version") or 0) < 0:
            problems.append("expected_version must not be negative")
    if problems:
        raise ApiError(422, "invalid_body", "; ".join(problems))
    return {name: given for name, given in value.items() if given is not None}


_KIND_WORDS = {str: "a string", bool: "true or false", int: "a whole number"}


# The description -------------------------------------------------------------------------------

@cache
def description() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(OPENAPI.read_text(encoding="utf-8"))
    return loaded


def merged(base: dict[str, Any], more: dict[str, Any] | None) -> dict[str, Any]:
    """The API's description with the paths and schemas of routes handed in beside its own."""
    if not more:
        return base
    components = {**base.get("components", {}),
                  "schemas": {**base.get("components", {}).get("schemas", {}), **more.get("components", {}).get("schemas", {})}}
    return {**base, "paths": {**base["paths"], **more.get("paths", {})}, "components": components}


async def openapi(request: Request) -> Response:
    served = {**request.app.state.api_description,
              "servers": [{"url": settings(request).base_url + str(request.scope.get("root_path", ""))}]}
    return JSONResponse(served, headers={"Cache-Control": "no-cache"})


def api_routes() -> list[Route]:
    return [
        Route("/openapi.json", openapi, name="api_openapi"),
        Route("/openapi", openapi, name="api_openapi_twin"),  # /openapi.json after the .json middleware
        Route("/submissions", needs("submissions:read", list_submissions), name="api_submissions"),
        Route("/submissions/{reference}", needs("submissions:read", get_submission), name="api_submission"),
        Route("/submissions/{reference}/files/{file_id}", needs("files:read", get_file), name="api_file"),
        Route("/submissions/{reference}/events", needs("events:write", post_event), methods=["POST"],
              name="api_events"),
    ]


def create_api_app(installation: Installation, more_routes: Sequence[BaseRoute] = (),
                   more_description: dict[str, Any] | None = None) -> Starlette:
    """The API. `more_routes` (described by `more_description`: OpenAPI paths and schemas) are
    endpoints that live elsewhere, handed in by the composition root (the builder's): the
    runtime never imports them."""
    app = Starlette(routes=[*api_routes(), *more_routes], exception_handlers={
        ApiError: api_error, HTTPException: http_error, Exception: server_error,
    })
    install(app, installation)
    app.state.api_routes = app.state.routes_by_name
    app.state.api_description = merged(description(), more_description)
    return app
