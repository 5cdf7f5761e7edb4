"""The service's own words, on one form: its name and summary, the start page (what it says
above Start now and after it), the declaration residents accept after checking their answers,
and the confirmation page (its heading and what happens next).

Saving makes only the operations whose words changed (`edit-service`, `set-start-page`,
`set-declaration`, `set-confirmation`), each a recorded step of the draft under its version
check; an error re-shows the form with what was typed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from builder.change import Change, Refused
from builder.draft_requests import (
    conflict_errors,
    council_of,
    draft_or_404,
    ensure_current,
    record,
    version_sent,
)
from builder.operations import edit_service, set_confirmation, set_declaration, set_start_page
from runtime.staff.context import Staff, path
from runtime.staff.forms import Errors, error, first, form_page, posted
from runtime.staff.notices import redirect_with_notice
from runtime.store import drafts

Step = Callable[[dict[str, Any]], Change]
FIELDS = ("title", "summary", "start", "before", "declaration", "declaration_title", "confirm",
          "confirmation_title", "next")
# The form field a refusal is shown on, by the operation that refused.
_WHERE = {"edit-service": "title", "set-start-page": "start", "set-declaration": "declaration",
          "set-confirmation": "next"}


def _values(definition: dict[str, Any]) -> dict[str, str]:
    start = definition.get("start") or {}
    declaration = definition.get("declaration") or {}
    confirmation = definition.get("confirmation") or {}
    return {
        "title": str(definition.get("title", "")), "summary": str(definition.get("summary", "")),
        "start": str(start.get("content", "")), "before": str(start.get("before", "")),
        "declaration": str(declaration.get("content", "")), "declaration_title": str(declaration.get("title", "")),
        "confirm": str(declaration.get("confirm", "")),
        "confirmation_title": str(confirmation.get("title", "")), "next": str(confirmation.get("next", "")),
    }


def _steps(typed: dict[str, str], current: dict[str, str], errors: Errors) -> list[tuple[str, Step]]:
    """The operations the typed words call for, each with the name of the operation."""
    def changed(*names: str) -> bool:
        return any(typed[name] != current[name] for name in names)

    steps: list[tuple[str, Step]] = []
    if changed("title", "summary"):
        for name, words in (("title", "Enter the service's name"), ("summary", "Enter the summary")):
            if not typed[name]:
                error(errors, name, words, "required")
        params: dict[str, Any] = {name: typed[name] for name in ("title", "summary") if typed[name] != current[name]}
        steps.append(("edit-service", lambda d: edit_service(d, **params)))
    if changed("start", "before"):
        if typed["before"] and not typed["start"]:
            error(errors, "start", "Enter what the start page says, or empty both start page boxes", "required")
        steps.append(("set-start-page", lambda d: set_start_page(
            d, content=typed["start"] or None, before=typed["before"] or None)))
    if changed("declaration", "declaration_title", "confirm"):
        if (typed["declaration_title"] or typed["confirm"]) and not typed["declaration"]:
            error(errors, "declaration", "Enter the declaration, or empty all its boxes", "required")
        steps.append(("set-declaration", lambda d: set_declaration(
            d, content=typed["declaration"] or None, title=typed["declaration_title"] or None,
            confirm=typed["confirm"] or None)))
    if changed("confirmation_title", "next"):
        if not typed["next"]:
            error(errors, "next", "Enter what happens next", "required")
        steps.append(("set-confirmation", lambda d: set_confirmation(
            d, next=typed["next"], title=typed["confirmation_title"] or None)))
    return steps


async def service_words(request: Request, staff: Staff) -> Response:
    draft = await draft_or_404(staff, request.path_params["service_id"])
    definition: dict[str, Any] = draft.definition
    current = _values(definition)
    values, version = current, draft.version
    errors: Errors = []
    council = council_of(staff)
    here = path(request, "service_draft", council=council.slug, service_id=draft.service_id)
    if request.method == "POST":
        form = await posted(request)
        version = version_sent(form)
        values = {name: first(form, name) for name in FIELDS}
        steps = _steps(values, current, errors)
        if not errors:
            refused_by = ""
            changes: list[Change] = []
            try:
                await ensure_current(draft, version)
                after = definition
                for name, make in steps:
                    refused_by = name
                    change = make(after)
                    if not change.empty:
                        changes.append(change)
                        after = change.apply(after)
                for change in changes:
                    draft = await record(request, staff, draft, version, change)
                    version = draft.version
            except Refused as refused:
                error(errors, _WHERE.get(refused_by, "title"), refused.message, refused.code)
            except drafts.DraftConflict as conflict:
                errors, version = conflict_errors(conflict, "title"), conflict.current
            else:
                said = "; ".join(change.description for change in changes) or "Nothing changed"
                return redirect_with_notice(request, here, said)
    payload = {
        "page": {"heading": "The service's words"},
        "values": values,
        "version": version,
        "errors": errors,
        "links": {"action": path(request, "service_words", council=council.slug, service_id=draft.service_id),
                  "cancel": here},
    }
    return form_page(request, "builder/service_words.html", payload, staff)
