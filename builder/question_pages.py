"""Adding a page that asks one question, and editing that question: its label, hint, kind (when
adding), options (for the kinds that have them) and whether it must be answered. Each save is
one operation of builder/operations.py, recorded on the draft under its version check; on any
error the form comes back with what the designer typed."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from builder.change import Refused
from builder.draft_pages import editable
from builder.draft_requests import (
    conflict_errors,
    council_of,
    draft_or_404,
    ensure_current,
    page_or_404,
    record,
    version_sent,
)
from builder.locations import answer_path, schema_at
from builder.operations import add_question_page, edit_question
from builder.question_kinds import KINDS, kind_of
from builder.requirements import is_required
from runtime import store
from runtime.staff.context import Staff, path
from runtime.staff.forms import Errors, Form, error, first, form_page, posted
from runtime.staff.notices import redirect_with_notice
from runtime.store import drafts
from runtime.web.context import ClientError

MAX_LABEL = 500


def _read(form: Form, errors: Errors, *, adding: bool) -> dict[str, Any]:
    values = {name: first(form, name) for name in ("label", "hint", "kind", "required", "options")}
    if not values["label"]:
        error(errors, "label", "Enter the question", "required")
    elif len(values["label"]) > MAX_LABEL:
        error(errors, "label", f"The question must be {MAX_LABEL} characters or fewer", "maxLength")
    if len(values["hint"]) > MAX_LABEL:
        error(errors, "hint", f"The hint must be {MAX_LABEL} characters or fewer", "maxLength")
    if adding:
        kind = KINDS.get(values["kind"])
        if kind is None:
            error(errors, "kind", "Choose the kind of answer", "required")
        elif kind.needs_options and len(_options(values["options"])) < 2:
            error(errors, "options", "Enter at least 2 options, one on each line", "minItems")
    if values["required"] not in ("yes", "no"):
        error(errors, "required", "Choose whether residents must answer this question", "required")
    return values


def _options(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _payload(request: Request, staff: Staff, draft: store.ServiceDraft, values: dict[str, Any], errors: Errors,
             version: int, *, heading: str, action: str, kind_title: str | None) -> dict[str, Any]:
    council = council_of(staff)
    return {
        "page": {"heading": heading},
        "adding": kind_title is None,
        "kind_title": kind_title,
        "kinds": [{"value": kind.name, "text": kind.title, "options": kind.needs_options} for kind in KINDS.values()],
        "values": values,
        "version": version,
        "errors": errors,
        "links": {"action": action,
                  "cancel": path(request, "service_draft", council=council.slug, service_id=draft.service_id)},
    }


async def add_page(request: Request, staff: Staff) -> Response:
    draft = await draft_or_404(staff, request.path_params["service_id"])
    council = council_of(staff)
    errors: Errors = []
    values: dict[str, Any] = {"label": "", "hint": "", "kind": "", "required": "yes", "options": ""}
    version = draft.version
    if request.method == "POST":
        form = await posted(request)
        version = version_sent(form)
        values = _read(form, errors, adding=True)
        if not errors:
            try:
                await ensure_current(draft, version)
                change = add_question_page(
                    draft.definition, kind=values["kind"], label=values["label"], hint=values["hint"] or None,
                    required=values["required"] == "yes", options=_options(values["options"]))
                await record(request, staff, draft, version, change)
            except Refused as refused:
                error(errors, "options" if "option" in refused.code else "label", refused.message, refused.code)
            except drafts.DraftConflict as conflict:
                errors, version = conflict_errors(conflict, "label"), conflict.current
            else:
                return redirect_with_notice(
                    request, path(request, "service_draft", council=council.slug, service_id=draft.service_id),
                    change.description)
    action = path(request, "add_question_page", council=council.slug, service_id=draft.service_id)
    payload = _payload(request, staff, draft, values, errors, version, heading="Add a question page", action=action,
                       kind_title=None)
    return form_page(request, "builder/question_page.html", payload, staff)


async def edit_page(request: Request, staff: Staff) -> Response:
    draft = await draft_or_404(staff, request.path_params["service_id"])
    spec = page_or_404(draft, request.path_params["page_id"])
    if not editable(spec):
        raise ClientError(404, "page_not_found")
    council = council_of(staff)
    field = spec["fields"][0]
    answer = str(field["answer"])
    answers: Any = draft.definition["answers"]
    schema = schema_at(answers, answer_path(spec, answer)) or {}
    kind = KINDS.get(kind_of(schema, field))
    errors: Errors = []
    values: dict[str, Any] = {
        "label": str(field.get("label", "")), "hint": str(field.get("hint", "")), "kind": kind.name if kind else "",
        "required": "yes" if is_required(draft.definition, spec, answer_path(spec, answer)) else "no", "options": ""}
    version = draft.version
    if request.method == "POST":
        form = await posted(request)
        version = version_sent(form)
        values = {**_read(form, errors, adding=False), "kind": values["kind"]}
        if not errors:
            try:
                await ensure_current(draft, version)
                change = edit_question(draft.definition, page=str(spec["id"]), answer=answer, label=values["label"],
                                       hint=values["hint"] or None, required=values["required"] == "yes")
                if not change.empty:
                    await record(request, staff, draft, version, change)
            except Refused as refused:
                error(errors, "label", refused.message, refused.code)
            except drafts.DraftConflict as conflict:
                errors, version = conflict_errors(conflict, "label"), conflict.current
            else:
                here = path(request, "service_draft", council=council.slug, service_id=draft.service_id)
                return redirect_with_notice(request, here, change.description if not change.empty else "Nothing changed")
    action = path(request, "edit_question_page", council=council.slug, service_id=draft.service_id,
                  page_id=str(spec["id"]))
    payload = _payload(request, staff, draft, values, errors, version, heading="Edit the question", action=action,
                       kind_title=kind.title if kind else "Question")
    return form_page(request, "builder/question_page.html", payload, staff)
