"""For power users: the whole draft as JSON, edited in place or replaced by uploading a
definition file, and downloaded as one.

What is sent is read as every definition is (`runtime.core.reading.read_definition`: size,
depth, UTF-8, JSON, numbers), then held to the format's limits and meta-schema
(`runtime.core.definition.report`); a document that fails them is not saved, and the page shows
what was sent with each problem and where (bad JSON: the line and column). One that passes is
saved as one change of the draft (undone in one step), even with lint problems: those are
listed, as on the draft's page, and stop publishing until they are fixed.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response

from builder.change import make_change
from builder.draft_check import check
from builder.draft_requests import (
    EDITOR_ROLES,
    conflict_errors,
    council_of,
    draft_or_404,
    ensure_current,
    record,
    version_sent,
)
from runtime import store
from runtime.core.limits import limit_problems
from runtime.core.metaschema import check_document
from runtime.core.problems import DefinitionError
from runtime.core.reading import MAX_BYTES, read_definition
from runtime.staff.context import Staff, page, path
from runtime.staff.forms import Errors, error
from runtime.staff.notices import redirect_with_notice
from runtime.store import drafts
from runtime.web import context as web
from runtime.web.context import ClientError

MAX_LISTED = 30


def pretty(definition: Any) -> str:
    return json.dumps(definition, indent=2, ensure_ascii=False) + "\n"


def _read(text: str | bytes, service_id: str, errors: Errors, field_name: str) -> dict[str, Any] | None:
    """The document sent, or None with its problems said against `field_name`."""
    try:
        document = read_definition(text)
    except DefinitionError as refused:
        error(errors, field_name, refused.message[:1].upper() + refused.message[1:], refused.code)
        return None
    found = limit_problems(document) or check_document(document)
    for problem in found[:MAX_LISTED]:
        error(errors, field_name, f"{problem.pointer or '/'}: {problem.message}", problem.keyword)
    if len(found) > MAX_LISTED:
        error(errors, field_name, f"… and {len(found) - MAX_LISTED:,} more problems", "more-problems")
    if not found and document.get("id") != service_id:
        error(errors, field_name, f"/id: the draft is of the service {service_id}: keep its id "
                                  "(start a new service for another)", "id")
    return None if errors else document


async def service_json(request: Request, staff: Staff) -> Response:
    draft = await draft_or_404(staff, request.path_params["service_id"])
    if request.method == "GET":
        return _page(request, staff, draft, pretty(draft.definition), [], draft.version, 200)
    if not staff.can(*EDITOR_ROLES):
        raise ClientError(403, "forbidden_role")
    form = await web.checked_form(request)
    fields = web.text_fields(form)
    version = version_sent(fields)
    upload = form.get("file")
    errors: Errors = []
    if isinstance(upload, UploadFile) and upload.filename:
        sent: str | bytes = await upload.read(MAX_BYTES + 1)
        field_name, shown = "file", pretty(draft.definition)
    else:
        sent = (fields.get("definition") or [""])[0]
        field_name, shown = "definition", sent
    document = _read(sent, draft.service_id, errors, field_name)
    if document is None:
        return _page(request, staff, draft, shown, errors, version, 422)
    change = make_change("replace-definition", "Replaced the draft with edited JSON" if field_name == "definition"
                         else f"Replaced the draft with the file {upload.filename if isinstance(upload, UploadFile) else ''}",
                         draft.definition, document)
    here = path(request, "service_json", council=council_of(staff).slug, service_id=draft.service_id)
    if change.empty:
        return redirect_with_notice(request, here, "Nothing changed")
    try:
        await ensure_current(draft, version)
        await record(request, staff, draft, version, change)
    except drafts.DraftConflict as conflict:
        fresh = await draft_or_404(staff, draft.service_id)
        return _page(request, staff, fresh, shown, conflict_errors(conflict, field_name), fresh.version, 409)
    return redirect_with_notice(request, here, change.description)


def _page(request: Request, staff: Staff, draft: store.ServiceDraft, text: str, errors: Errors, version: int,
          status: int) -> Response:
    slug = council_of(staff).slug
    problems = [f"{finding.pointer or '/'}: {finding.message}" for finding in check(draft.definition)] \
        if not errors else []
    payload = {
        "page": {"heading": f"{draft.definition.get('title', draft.service_id)} as JSON"},
        "definition": text,
        "problems": problems,
        "version": version,
        "can_edit": staff.can(*EDITOR_ROLES),
        "messages": {key: "; ".join(e["message"] for e in errors if e["field"] == key) for key in ("definition", "file")},
        "errors": errors,
        "links": {"draft": path(request, "service_draft", council=slug, service_id=draft.service_id),
                  "here": path(request, "service_json", council=slug, service_id=draft.service_id),
                  "download": path(request, "download_definition", council=slug, service_id=draft.service_id)},
    }
    return page(request, "builder/json.html", payload, staff, status_code=status)


async def download_definition(request: Request, staff: Staff) -> Response:
    """The draft as a definition file, to keep in version control or check with `borough validate`."""
    draft = await draft_or_404(staff, request.path_params["service_id"])
    return Response(pretty(draft.definition), media_type="application/json",
                    headers={"Content-Disposition": f'attachment; filename="{draft.service_id}.json"'})
