"""A service's history: every published version with who published it, when and their change
note; what changed between any two versions (or a version and the draft), in words and as a
JSON Patch (RFC 6902); restoring a version into the draft as one change (undone in one step);
and the draft's own log of changes, undos and redos.

The comparison is `builder.diff.diff`, structural and field by field, as on the publish page.
"""

from __future__ import annotations

import datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from builder.change import make_change
from builder.diff import diff
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
from runtime.staff.context import Staff, page, path
from runtime.staff.forms import Errors, error, posted
from runtime.staff.notices import redirect_with_notice
from runtime.store import drafts
from runtime.store.services import service_versions
from runtime.web.context import ClientError

DRAFT = "draft"
KINDS = {"change": "Change", "undo": "Undone", "redo": "Redone"}


def _when(moment: datetime.datetime | None) -> str:
    return moment.strftime("%-d %B %Y at %H:%M") if moment else ""


def _version_row(request: Request, slug: str, row: store.ServiceVersion) -> dict[str, Any]:
    return {
        "version": row.version,
        "published": _when(row.published_at),
        "published_at": row.published_at.isoformat() if row.published_at else None,
        "by": row.published_by_label or "Loaded before the builder",
        "note": row.change_note or "",
        "links": {"restore": path(request, "restore_version", council=slug, service_id=row.service_id,
                                  version=row.version)},
    }


def _definition_of(choice: str, draft: store.ServiceDraft | None,
                   versions: dict[str, store.ServiceVersion]) -> dict[str, Any] | None:
    if choice == DRAFT:
        return dict(draft.definition) if draft is not None else None
    found = versions.get(choice)
    return dict(found.definition) if found else None


def _comparison(request: Request, draft: store.ServiceDraft | None, versions: dict[str, store.ServiceVersion],
                errors: Errors) -> dict[str, Any] | None:
    """What changed from `?from=` to `?to=` (a version number or "draft"), when both are asked."""
    old_choice, new_choice = request.query_params.get("from", ""), request.query_params.get("to", "")
    if not old_choice and not new_choice:
        return None
    old = _definition_of(old_choice, draft, versions)
    new = _definition_of(new_choice, draft, versions)
    if old is None:
        error(errors, "from", "Choose the version to compare from", "required")
    if new is None:
        error(errors, "to", "Choose the version to compare with", "required")
    if old is None or new is None:
        return None
    # The version numbers themselves are not a difference a designer made.
    try:
        found = diff({**old, "version": "0.0.0"}, {**new, "version": "0.0.0"})
    except (KeyError, TypeError, AttributeError, ValueError):  # a draft too broken to compare
        error(errors, "to" if new_choice == DRAFT else "from",
              "The draft cannot be compared until it passes the format's checks: see the problems on its page",
              "broken")
        return None
    return {
        "from": old_choice,
        "to": new_choice,
        "from_text": "the draft" if old_choice == DRAFT else f"version {old_choice}",
        "to_text": "the draft" if new_choice == DRAFT else f"version {new_choice}",
        "differences": [{"words": d.words, "impact": d.impact, "subject": d.subject, "action": d.action}
                        for d in found.differences],
        "impact": found.impact,
        "patch": [dict(operation) for operation in found.patch],
    }


async def _payload(request: Request, staff: Staff, service_id: str, draft: store.ServiceDraft | None,
                   rows: list[store.ServiceVersion], errors: Errors) -> dict[str, Any]:
    """The page's data; `draft` is None for a published service nobody has started a draft of."""
    slug = council_of(staff).slug
    by_number = {row.version: row for row in rows}
    comparison = _comparison(request, draft, by_number, errors)
    changes = await drafts.history(draft, limit=100) if draft is not None else []
    choices = ([{"value": DRAFT, "text": "The draft"}] if draft is not None else []) + [
        {"value": row.version, "text": f"Version {row.version}"} for row in rows]
    title = draft.definition.get("title", service_id) if draft is not None else rows[0].title
    return {
        "page": {"heading": f"History of {title}"},
        "service": {"id": service_id},
        "has_draft": draft is not None,
        "versions": [_version_row(request, slug, row) for row in rows],
        "choices": choices,
        "chosen": {"from": request.query_params.get("from") or (rows[0].version if rows else DRAFT),
                   "to": request.query_params.get("to") or (DRAFT if draft is not None else rows[0].version)},
        "comparison": comparison,
        "changes": [
            {"version": change.version, "kind": change.kind, "kind_text": KINDS.get(change.kind, change.kind),
             "description": change.description, "by": change.actor_label, "at": _when(change.at),
             "current": draft is not None and change.version == draft.version}
            for change in changes
        ],
        "version": draft.version if draft is not None else None,
        "can_edit": staff.can(*EDITOR_ROLES) and draft is not None,
        "errors": errors,
        "links": {
            "draft": path(request, "service_draft", council=slug, service_id=service_id),
            "history": path(request, "service_history", council=slug, service_id=service_id),
        },
    }


async def service_history(request: Request, staff: Staff) -> Response:
    """The history of a service with a draft, or of a published one nobody has a draft of yet."""
    service_id = request.path_params["service_id"]
    draft = await drafts.get_draft(council_of(staff), service_id)
    rows = await service_versions(council_of(staff), service_id)
    if draft is None and not rows:
        raise ClientError(404, "page_not_found")
    errors: Errors = []
    payload = await _payload(request, staff, service_id, draft, rows, errors)
    return page(request, "builder/history.html", payload, staff, status_code=422 if errors else 200)


async def restore_version(request: Request, staff: Staff) -> Response:
    """Put a published version's definition into the draft, as one change undo takes back."""
    draft = await draft_or_404(staff, request.path_params["service_id"])
    rows = {row.version: row for row in await service_versions(council_of(staff), draft.service_id)}
    chosen = rows.get(request.path_params["version"])
    if chosen is None:
        raise ClientError(404, "page_not_found")
    form = await posted(request)
    version = version_sent(form)
    errors: Errors = []
    try:
        await ensure_current(draft, version)
        after = {**chosen.definition, "version": draft.definition.get("version", chosen.version)}
        change = make_change("restore-version", f"Restored version {chosen.version} into the draft",
                             draft.definition, after, {"version": chosen.version})
        if change.empty:
            error(errors, "versions", f"The draft is already the same as version {chosen.version}", "unchanged")
        else:
            await record(request, staff, draft, version, change)
    except drafts.DraftConflict as conflict:
        errors = conflict_errors(conflict, "versions")
    if errors:
        fresh = await draft_or_404(staff, draft.service_id)
        payload = await _payload(request, staff, fresh.service_id, fresh, list(rows.values()), errors)
        status = 409 if errors[0]["keyword"] == "conflict" else 422
        return page(request, "builder/history.html", payload, staff, status_code=status)
    here = path(request, "service_history", council=council_of(staff).slug, service_id=draft.service_id)
    return redirect_with_notice(request, here, change.description)
