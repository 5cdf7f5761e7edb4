"""The builder in the councils' JSON API (scope `services:write`): what a designer and a
publisher do in the builder's pages, for a council's own tools and CI.

- `GET /services`: the council's services, with their state and versions;
- `POST /services/{id}/draft`: start a draft, from the published version or from a definition;
- `GET /services/{id}/draft`: the draft, its version and its problems (the linter's);
- `PATCH /services/{id}/draft`: change it with a JSON Patch (RFC 6902), at the version read;
- `POST /services/{id}/publish`: publish it as a new version, with a change note;
- `GET /services/{id}/versions`: every published version;
- `GET /services/{id}/diff?from=…&to=…`: what changed between two versions (or the draft), in
  words and as a JSON Patch.

Every change is one step of the draft's history, so the builder's undo takes it back; every
change and publication is in the council's audit log. The composition root hands these
routes and their description to the API app: the runtime never imports the builder.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from builder.diff import diff
from builder.draft_check import check
from builder.patch import PatchError, apply_with_inverse
from builder.publish import publish as publish_checked
from runtime import store
from runtime.api.app import ApiError, Caller, needs, url
from runtime.core.definition import report
from runtime.core.problems import DefinitionError
from runtime.core.reading import MAX_BYTES, read_definition
from runtime.store import drafts
from runtime.store.lookups import storable_text
from runtime.store.services import service_versions

SCOPE = "services:write"
DESCRIPTION = Path(__file__).with_name("api.openapi.json")
MAX_NOTE = 2000
MALFORMED_PATCH = {"not-a-patch", "not-an-operation", "unknown-op", "missing-path", "missing-value",
                   "missing-from", "bad-path"}
DRAFT = "draft"  # `to` or `from` in a diff: the working draft, not a published version


def builder_api_routes() -> list[BaseRoute]:
    service = "/services/{service_id}"
    return [
        Route("/services", needs(SCOPE, list_services), name="api_services"),
        Route(service + "/draft", needs(SCOPE, draft_endpoint), methods=["GET", "POST", "PATCH"], name="api_draft"),
        Route(service + "/publish", needs(SCOPE, publish), methods=["POST"], name="api_publish"),
        Route(service + "/versions", needs(SCOPE, versions), name="api_versions"),
        Route(service + "/diff", needs(SCOPE, difference), name="api_diff"),
    ]


def builder_api_description() -> dict[str, Any]:
    """The OpenAPI paths and schemas of these routes, merged into the API's own description."""
    loaded: dict[str, Any] = json.loads(DESCRIPTION.read_text(encoding="utf-8"))
    return loaded


# Handlers ------------------------------------------------------------------------------------

async def list_services(request: Request, caller: Caller) -> Response:
    rows = await drafts.services(caller.council)
    return JSONResponse({"services": [{
        "id": row.service_id,
        "title": row.title,
        "state": row.state,
        "published_version": row.published.version if row.published else None,
        "draft_version": row.draft.version if row.draft else None,
    } for row in rows]})


async def draft_endpoint(request: Request, caller: Caller) -> Response:
    if request.method == "POST":
        return await start_draft(request, caller)
    if request.method == "PATCH":
        return await change_draft(request, caller)
    return JSONResponse(_draft_view(await _draft(caller, request.path_params["service_id"])))


async def start_draft(request: Request, caller: Caller) -> Response:
    service_id = _service_id(request)
    body = await _body(request, {"definition": dict}, required=())
    latest = await store.get_latest(caller.council, service_id)
    definition = body.get("definition")
    if definition is None:
        if latest is None:
            raise ApiError(404, "not_found", "The council has no service with this id: send a definition to start one")
        definition, from_published = dict(latest.definition), True
    else:
        if definition.get("id") != service_id:
            raise ApiError(409, "refused", f"definition.id must be {service_id!r}, the service in the address")
        _within_limits(definition)
        from_published = False
    try:
        draft = await drafts.create_draft(caller.council, definition, source="api", actor=None,
                                          from_published=from_published)
    except drafts.DraftExists:
        raise ApiError(409, "draft_exists", "This service already has a draft, or is published: "
                                            "change its draft instead") from None
    await _audit(caller, "draft-started", service_id, {"draft version": draft.version})
    return JSONResponse(_draft_view(draft), status_code=201,
                        headers={"Location": url(request, "api_draft", service_id=service_id)})


async def change_draft(request: Request, caller: Caller) -> Response:
    draft = await _draft(caller, request.path_params["service_id"])
    body = await _body(request, {"expected_version": int, "patch": list, "description": str},
                       required=("expected_version", "patch"))
    try:
        applied = apply_with_inverse(draft.definition, body["patch"])
    except PatchError as refused:
        # A malformed patch is the request's fault (422); one that does not fit the draft as it
        # is now conflicts with it (409, as RFC 5789 says).
        # One that copies more than a definition could ever hold is too large (413).
        status = 422 if refused.code in MALFORMED_PATCH else 413 if refused.code == "too-much-copied" else 409
        raise ApiError(status, "patch_refused", str(refused)) from None
    changed = applied.document
    if not isinstance(changed, dict) or changed.get("id") != draft.service_id:
        raise ApiError(409, "patch_refused", f"The draft must stay a definition whose id is {draft.service_id!r}")
    _within_limits(changed)
    if changed == draft.definition and body["expected_version"] == draft.version:
        return JSONResponse(_draft_view(draft))  # nothing changed (only tests, say): nothing recorded
    words = body.get("description") or f"Changed through the API by the key {caller.key.name}"
    step = drafts.Step("api-patch", words[:200], [dict(op) for op in body["patch"]],
                       [dict(op) for op in applied.inverse], {})
    try:
        saved = await drafts.apply_change(caller.council, draft.service_id, body["expected_version"], step,
                                          actor=None, patched=_patched)
    except drafts.DraftConflict as conflict:
        raise ApiError(409, "draft_conflict", _conflict_words(conflict)) from None
    await _audit(caller, "draft-changed", draft.service_id, {"change": step.description, "draft version": saved.version})
    return JSONResponse(_draft_view(saved))


async def publish(request: Request, caller: Caller) -> Response:
    draft = await _draft(caller, request.path_params["service_id"])
    body = await _body(request, {"expected_version": int, "version": str, "note": str},
                       required=("expected_version", "version", "note"))
    if not 1 <= len(body["note"]) <= MAX_NOTE:
        raise ApiError(422, "invalid_body", f"note must be 1 to {MAX_NOTE:,} characters")
    try:
        published = await publish_checked(caller.council, draft.service_id, body["expected_version"],
                                               version=body["version"], note=body["note"], actor=None)
    except drafts.DraftConflict as conflict:
        raise ApiError(409, "draft_conflict", _conflict_words(conflict)) from None
    except drafts.NotPublishable as refused:  # the draft as it is (or the number) does not allow it
        lines = [f"{problem.pointer or '/'}: {problem.message}" for problem in refused.problems]
        raise ApiError(409, "not_publishable", "The draft cannot be published: " + "; ".join(lines)) from None
    await _audit(caller, "service-published", f"{published.service_id}@{published.version}",
                 {"version": published.version, "note": body["note"]})
    return JSONResponse(_version_view(published), status_code=201,
                        headers={"Location": url(request, "api_versions", service_id=published.service_id)})


async def versions(request: Request, caller: Caller) -> Response:
    service_id = _service_id(request)
    rows = await service_versions(caller.council, service_id)
    if not rows:
        raise ApiError(404, "not_found", "The council has published no service with this id")
    return JSONResponse({"versions": [_version_view(row) for row in rows]})


async def difference(request: Request, caller: Caller) -> Response:
    service_id = _service_id(request)
    chosen = {name: request.query_params.get(name, "") for name in ("from", "to")}
    if not all(chosen.values()):
        raise ApiError(400, "bad_parameter", "Give from and to: two published versions, or draft")
    documents = {}
    rows = {row.version: row for row in await service_versions(caller.council, service_id)}
    for name, wanted in chosen.items():
        if wanted == DRAFT:
            documents[name] = (await _draft(caller, service_id)).definition
        elif wanted in rows:
            documents[name] = rows[wanted].definition
        else:
            raise ApiError(404, "not_found", f"The service has no version {wanted[:40]!r}")
    found = diff(documents["from"], documents["to"])
    return JSONResponse({"from": chosen["from"], "to": chosen["to"], "impact": found.impact,
                         "changes": found.words, "patch": [dict(op) for op in found.patch]})


# Pieces --------------------------------------------------------------------------------------

def _service_id(request: Request) -> str:
    service_id: str = request.path_params["service_id"]
    if not 1 <= len(service_id) <= 64 or not storable_text(service_id):
        raise ApiError(404, "not_found", "The council has no service with this id")
    return service_id


async def _draft(caller: Caller, service_id: str) -> store.ServiceDraft:
    found = await drafts.get_draft(caller.council, service_id) if 1 <= len(service_id) <= 64 else None
    if found is None:
        raise ApiError(404, "not_found", "The council has no draft of a service with this id")
    return found


def _draft_view(draft: store.ServiceDraft) -> dict[str, Any]:
    """The draft with every problem that stops it being published: the format's, else the
    builder's whole-flow checks'."""
    problems = [problem.as_json() for problem in report(draft.definition).listed]
    if not problems:
        problems = [{"pointer": f.pointer, "keyword": f.keyword, "message": f.message}
                    for f in check(draft.definition)]
    return {"service_id": draft.service_id, "version": draft.version, "definition": draft.definition,
            "problems": problems, "publishable": not problems}


def _version_view(row: store.ServiceVersion) -> dict[str, Any]:
    return {"service_id": row.service_id, "version": row.version, "title": row.title,
            "published_at": row.published_at.isoformat(), "published_by": row.published_by_label,
            "note": row.change_note}


def _within_limits(definition: dict[str, Any]) -> None:
    """A draft may fail lint (it is work in progress), never the format's size limits."""
    try:
        read_definition(json.dumps(definition, ensure_ascii=False))
    except DefinitionError as refused:
        raise ApiError(413 if refused.code == "too-large" else 409, "invalid_definition", refused.message) from None


def _patched(document: dict[str, Any], patch: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    changed: dict[str, Any] = apply_with_inverse(document, patch).document
    return changed


def _conflict_words(conflict: drafts.DraftConflict) -> str:
    steps = "; ".join(f"{change.version}: {change.description} ({change.actor_label})" for change in conflict.changes)
    return (f"The draft is at version {conflict.current}, not {conflict.expected}: read it again. "
            f"Changed since: {steps or 'nothing recorded'}")


async def _body(request: Request, fields: dict[str, type], *, required: tuple[str, ...]) -> dict[str, Any]:
    """The JSON object sent, with only `fields`, each of its type: 415, 413, 400 or 422."""
    raw = b""
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > MAX_BYTES:
            raise ApiError(413, "too_large", f"The body must be {MAX_BYTES // (1024 * 1024)} MB or less")
    if not raw and not required:
        return {}  # no body where none is needed, whatever its type says
    if request.headers.get("content-type", "").split(";")[0].strip().lower() != "application/json":
        raise ApiError(415, "unsupported_media_type", "Send JSON, with Content-Type: application/json")
    try:
        value = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise ApiError(400, "malformed_json", "The body is not valid JSON") from None
    if not isinstance(value, dict):
        raise ApiError(422, "invalid_body", "The body must be a JSON object")
    problems = [f"{name} is not a field here" for name in value if name not in fields]
    for name, kind in fields.items():
        given = value.get(name)
        if given is None:
            if name in required:
                problems.append(f"{name} is required")
            continue
        if not isinstance(given, kind) or (kind is int and isinstance(given, bool)):
            problems.append(f"{name} must be {_KINDS[kind]}")
        elif isinstance(given, str) and not storable_text(given):
            problems.append(f"{name} must be text without NUL characters or lone surrogates")
        elif isinstance(given, int) and not 0 <= given <= 2**31 - 1:
            problems.append(f"{name} must be a whole number from 0")
    if problems:
        raise ApiError(422, "invalid_body", "; ".join(problems))
    return value


_KINDS = {str: "a string", int: "a whole number", list: "a list", dict: "an object"}


async def _audit(caller: Caller, action: str, target: str, after: dict[str, Any]) -> None:
    await store.audit.record(caller.council, None, action, target, after=after,
                             actor_label=f"API key {caller.key.name}")
