"""A draft's page and its questions: adding a page that asks one question or only says
something (a content or exit page), the page's own form (title, content, its questions with
buttons to move and delete them, when it is shown), adding a question to a page, and the
form that edits one question: its label, hint, whether it must be answered, what it accepts
(lengths, ranges, patterns, dates, choices, files), its options and its error messages.

Each save is made of operations of builder/operations.py, recorded on the draft under its
version check (one undo step each); on any error the form comes back with what the designer
typed and a GOV.UK error summary. A question is named in its URL by its answer without the
slashes (`address.postcode` for the field asking `/address/postcode`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from builder.change import Change, Refused
from builder.conditions import describe
from builder.draft_requests import (
    EDITOR_ROLES,
    conflict_errors,
    council_of,
    draft_or_404,
    ensure_current,
    page_or_404,
    record,
    version_sent,
)
from builder.inline_edits import fragment, is_htmx, preview_payload
from builder.locations import answer_path, is_add_another, is_content, page_name, schema_at
from builder.operations import (
    add_add_another_page,
    add_content_page,
    add_exit_page,
    add_option,
    add_question,
    add_question_page,
    delete_question,
    edit_option,
    edit_page,
    edit_question,
    move_option,
    move_question,
    remove_option,
    set_option_hint,
    set_reveal,
)
from builder.question_kinds import KINDS, kind_of, option_list
from builder.question_operations import FILE_TYPES
from builder.question_settings import (
    ERROR_RULES,
    FILE_NAMES,
    MAX_LABEL,
    REFUSAL_FIELD,
    RULE_WORDS,
    SETTINGS,
    Invalid,
    question_key,
)
from builder.requirements import is_required
from builder.routes_pages import problems_by_page
from runtime import store
from runtime.core.digits import is_digits
from runtime.core.messages import message
from runtime.core.service import compile_service
from runtime.staff.context import Staff, page, path
from runtime.staff.forms import Errors, Form, error, first, form_page, posted
from runtime.staff.notices import redirect_with_notice
from runtime.store import drafts
from runtime.web.context import ClientError


def _answer_of(key: str) -> str:
    return "/" + key.replace(".", "/")


# The question being edited.


@dataclass
class Question:
    page: dict[str, Any]
    field: dict[str, Any]
    path: str
    schema: dict[str, Any]
    kind: str


def question_or_404(draft: store.ServiceDraft, spec: dict[str, Any], key: str) -> Question:
    answer = _answer_of(key)
    for field in spec.get("fields") or []:
        if field.get("answer") == answer:
            path = answer_path(spec, answer)
            answers: Any = draft.definition["answers"]
            schema = schema_at(answers, path)
            if schema is None:
                break
            return Question(spec, field, path, schema, kind_of(schema, field))
    raise ClientError(404, "page_not_found")


def _current(definition: dict[str, Any], question: Question) -> dict[str, Any]:
    """The question's settings as the form shows them (all text)."""
    values: dict[str, Any] = {
        "label": str(question.field.get("label", "")), "hint": str(question.field.get("hint", "")),
        "required": "yes" if is_required(definition, question.page, question.path) else "no",
        "accept": list(question.field.get("accept") or []),
        "options": {str(branch.get("const")): str(branch.get("title", branch.get("const")))
                    for branch in option_list(question.schema) or []},
        "new_options": "",
        "option_hints": {str(value): str(hint) for value, hint in (question.field.get("optionHints") or {}).items()},
        "reveals": {str(value): str(shown[0]) for value, shown in (question.field.get("reveals") or {}).items()
                    if shown},
    }
    for setting in SETTINGS:
        if question.kind in setting.kinds:
            values[setting.name] = setting.read(question.schema, question.field, question.kind)
    messages = question.field.get("errors") or {}
    for rule in ERROR_RULES.get(question.kind, ("required",)):
        values["error-" + rule] = str(messages.get(rule, ""))
    return values


def _defaults(definition: dict[str, Any], question: Question) -> dict[str, str]:
    """What residents are told when the question has no message of its own, by rule."""
    try:
        service = compile_service(definition)
    except (KeyError, TypeError, ValueError):
        return {}
    compiled = service.page(str(question.page["id"]))
    found = next((f for f in compiled.fields if f.pointer == question.field["answer"]), None) if compiled else None
    if found is None:
        return {}
    plain = dataclasses.replace(found, spec={k: v for k, v in found.spec.items() if k != "errors"})
    shown = {}
    for rule in ERROR_RULES.get(question.kind, ("required",)):
        if rule in ("fileType", "fileSize"):
            continue  # the upload's own messages: the runtime words them from the file
        limit = question.schema.get(rule, 1 if rule in ("minLength", "minItems") else None)
        try:
            shown[rule] = message(service, plain, rule, limit, "en")
        except (KeyError, TypeError, ValueError):
            continue
    return shown


def _read_question(form: Form, question: Question, current: dict[str, Any], errors: Errors) -> tuple[
        dict[str, Any], dict[str, Any]]:
    """(what the designer typed, the edit_question parameters that changed)."""
    typed: dict[str, Any] = {name: first(form, name) for name in ("label", "hint", "required", "new_options")}
    params: dict[str, Any] = {}
    _check_text(typed, errors, "label", "Enter the question")
    if len(typed["hint"]) > MAX_LABEL:
        error(errors, "hint", f"The hint must be {MAX_LABEL} characters or fewer", "maxLength")
    if typed["required"] not in ("yes", "no"):
        error(errors, "required", "Choose whether residents must answer this question", "required")
    for name in ("label", "hint", "required"):
        if typed[name] != current[name] and not any(e["field"] == name for e in errors):
            params[name] = (typed[name] == "yes" if name == "required" else typed[name] or None)
    for setting in SETTINGS:
        if question.kind not in setting.kinds:
            continue
        typed[setting.name] = first(form, setting.name)
        if typed[setting.name] == current[setting.name]:
            continue
        try:
            params[setting.name] = setting.parse(typed[setting.name], question.kind)
        except Invalid as invalid:
            error(errors, setting.name, str(invalid), "format")
    if question.kind == "file":
        typed["accept"] = [value for value in form.get("accept", []) if value]
        if not typed["accept"] or any(value not in FILE_TYPES for value in typed["accept"]):
            error(errors, "accept", "Choose at least one type of file", "required")
        elif sorted(typed["accept"]) != sorted(current["accept"]):
            params["accept"] = typed["accept"]
    changed_messages: dict[str, str | None] = {}
    for rule in ERROR_RULES.get(question.kind, ("required",)):
        name = "error-" + rule
        typed[name] = first(form, name)
        if len(typed[name]) > MAX_LABEL:
            error(errors, name, f"The message must be {MAX_LABEL} characters or fewer", "maxLength")
        elif typed[name] != current[name]:
            changed_messages[rule] = typed[name] or None
    if changed_messages:
        params["errors"] = changed_messages
    typed["options"] = {value: first(form, "option-" + value) for value in current["options"]}
    return typed, params


def _check_text(typed: dict[str, Any], errors: Errors, name: str, missing: str) -> None:
    if not typed[name]:
        error(errors, name, missing, "required")
    elif len(typed[name]) > MAX_LABEL:
        error(errors, name, f"{missing.removeprefix('Enter ').capitalize()} must be {MAX_LABEL} characters or fewer",
              "maxLength")


def _option_lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


# Saving several operations as one form's changes.

Step = Callable[[dict[str, Any]], Change]


async def _save(request: Request, staff: Staff, draft: store.ServiceDraft, version: int, steps: list[Step]) -> list[
        Change]:
    """Work out every step's change on the draft as it will be after the steps before it (so
    a refusal saves nothing), then record them one by one."""
    await ensure_current(draft, version)
    definition: dict[str, Any] = draft.definition
    changes: list[Change] = []
    for make in steps:
        change = make(definition)
        if not change.empty:
            changes.append(change)
            definition = change.apply(definition)
    for change in changes:
        draft = await record(request, staff, draft, version, change)
        version = draft.version
    return changes


def _said(changes: list[Change]) -> str:
    if not changes:
        return "Nothing changed"
    text = "; ".join(change.description for change in changes)
    return text if len(text) <= 280 else changes[0].description + f" (and {len(changes) - 1} more changes)"


def _links(request: Request, staff: Staff, draft: store.ServiceDraft, page_id: str | None = None) -> dict[str, str]:
    slug, sid = council_of(staff).slug, draft.service_id
    links = {"draft": path(request, "service_draft", council=slug, service_id=sid)}
    if page_id is not None:
        links["page"] = path(request, "edit_question_page", council=slug, service_id=sid, page_id=page_id)
    return links


def _refusal(errors: Errors, refused: Refused, field: str) -> None:
    message_text = refused.message + (": " + "; ".join(refused.dependents) if refused.dependents else "")
    error(errors, field, message_text, refused.code)


# Adding a page.


async def add_page(request: Request, staff: Staff) -> Response:
    """A new page asking one question of any kind."""
    draft = await draft_or_404(staff, request.path_params["service_id"])
    council = council_of(staff)
    errors: Errors = []
    values: dict[str, Any] = {"label": "", "hint": "", "kind": "", "required": "yes", "options": ""}
    version = draft.version
    if request.method == "POST":
        form = await posted(request)
        version = version_sent(form)
        values = _read_new(form, errors)
        if not errors:
            try:
                changes = await _save(request, staff, draft, version, [lambda d: add_question_page(
                    d, kind=values["kind"], label=values["label"], hint=values["hint"] or None,
                    required=values["required"] == "yes", options=_option_lines(values["options"]))])
            except Refused as refused:
                _refusal(errors, refused, "options" if "option" in refused.code else "label")
            except drafts.DraftConflict as conflict:
                errors, version = conflict_errors(conflict, "label"), conflict.current
            else:
                return redirect_with_notice(request, _links(request, staff, draft)["draft"], _said(changes))
    payload = _new_payload(values, errors, version, heading="Add a question page",
                           action=path(request, "add_question_page", council=council.slug, service_id=draft.service_id),
                           cancel=_links(request, staff, draft)["draft"])
    return form_page(request, "builder/question_page.html", payload, staff)


def _read_new(form: Form, errors: Errors, *, page_title: bool = False) -> dict[str, Any]:
    values = {name: first(form, name) for name in ("label", "hint", "kind", "required", "options", "page_title")}
    _check_text(values, errors, "label", "Enter the question")
    if len(values["hint"]) > MAX_LABEL:
        error(errors, "hint", f"The hint must be {MAX_LABEL} characters or fewer", "maxLength")
    kind = KINDS.get(values["kind"])
    if kind is None:
        error(errors, "kind", "Choose the kind of answer", "required")
    elif kind.needs_options and len(_option_lines(values["options"])) < 2:
        error(errors, "options", "Enter at least 2 options, one on each line", "minItems")
    if values["required"] not in ("yes", "no"):
        error(errors, "required", "Choose whether residents must answer this question", "required")
    if page_title:
        _check_text(values, errors, "page_title", "Enter a title for the page")
    return values


def _new_payload(values: dict[str, Any], errors: Errors, version: int, *, heading: str, action: str, cancel: str,
                 page_title: bool = False) -> dict[str, Any]:
    return {
        "page": {"heading": heading},
        "kinds": [{"value": kind.name, "text": kind.title, "options": kind.needs_options} for kind in KINDS.values()],
        "values": values,
        "asks_page_title": page_title,
        "version": version,
        "errors": errors,
        "links": {"action": action, "cancel": cancel},
    }


async def add_text_page(request: Request, staff: Staff) -> Response:
    """A new content page (it says something and asks nothing), or an exit page."""
    draft = await draft_or_404(staff, request.path_params["service_id"])
    council = council_of(staff)
    errors: Errors = []
    values = {"title": "", "content": "", "exit": "no"}
    version = draft.version
    if request.method == "POST":
        form = await posted(request)
        version = version_sent(form)
        values = {name: first(form, name) for name in values}
        _check_text(values, errors, "title", "Enter the page title")
        if not values["content"]:
            error(errors, "content", "Enter what the page says", "required")
        if values["exit"] not in ("yes", "no"):
            error(errors, "exit", "Choose whether the journey ends on this page", "required")
        if not errors:
            adding = add_exit_page if values["exit"] == "yes" else add_content_page
            try:
                changes = await _save(request, staff, draft, version, [
                    lambda d: adding(d, title=values["title"], content=values["content"])])
            except Refused as refused:
                _refusal(errors, refused, "content" if "content" in refused.message else "title")
            except drafts.DraftConflict as conflict:
                errors, version = conflict_errors(conflict, "title"), conflict.current
            else:
                return redirect_with_notice(request, _links(request, staff, draft)["draft"], _said(changes))
    payload = {
        "page": {"heading": "Add a content or exit page"},
        "values": values, "version": version, "errors": errors,
        "links": {"action": path(request, "add_text_page", council=council.slug, service_id=draft.service_id),
                  "cancel": _links(request, staff, draft)["draft"]},
    }
    return form_page(request, "builder/text_page.html", payload, staff)


async def add_list_page(request: Request, staff: Staff) -> Response:
    """A new add-another page: residents describe one item at a time, then say whether they
    have another; it starts with one question about each item."""
    draft = await draft_or_404(staff, request.path_params["service_id"])
    council = council_of(staff)
    errors: Errors = []
    values: dict[str, Any] = {"title": "", "item_title": "", "label": "", "hint": "", "kind": "", "required": "yes",
                              "options": "", "min_items": "1", "max_items": "10"}
    version = draft.version
    if request.method == "POST":
        form = await posted(request)
        version = version_sent(form)
        values = {**_read_new(form, errors), **{name: first(form, name) for name in
                                                ("title", "item_title", "min_items", "max_items")}}
        _check_text(values, errors, "title", "Enter the page title")
        _check_text(values, errors, "item_title", "Enter what one item is called")
        limits = {}
        for name, words in (("min_items", "The fewest items"), ("max_items", "The most items")):
            try:
                limits[name] = _whole(values[name], words)
            except Invalid as invalid:
                error(errors, name, str(invalid), "format")
        if not errors:
            try:
                changes = await _save(request, staff, draft, version, [lambda d: add_add_another_page(
                    d, title=values["title"], item_title=values["item_title"], kind=values["kind"],
                    label=values["label"], hint=values["hint"] or None, required=values["required"] == "yes",
                    options=_option_lines(values["options"]), min_items=limits["min_items"],
                    max_items=limits["max_items"])])
            except Refused as refused:
                _refusal(errors, refused, {"range": "min_items", "out-of-range": "max_items"}.get(
                    refused.code, "options" if "option" in refused.code else "label"))
            except drafts.DraftConflict as conflict:
                errors, version = conflict_errors(conflict, "title"), conflict.current
            else:
                return redirect_with_notice(request, _links(request, staff, draft)["draft"], _said(changes))
    payload = {**_new_payload(values, errors, version, heading="Add a list page (add another)",
                              action=path(request, "add_list_page", council=council.slug, service_id=draft.service_id),
                              cancel=_links(request, staff, draft)["draft"]), "list_page": True}
    return form_page(request, "builder/question_page.html", payload, staff)


# A page and its questions.


async def edit_page_form(request: Request, staff: Staff) -> Response:
    """A page: its title and content (saved here), its questions, and when it is shown."""
    draft = await draft_or_404(staff, request.path_params["service_id"])
    spec = page_or_404(draft, request.path_params["page_id"])
    errors: Errors = []
    values = _page_values(draft.definition, spec)
    version = draft.version
    if request.method == "POST":
        if not staff.can(*EDITOR_ROLES):
            raise ClientError(403, "forbidden_role")
        form = await posted(request)
        version = version_sent(form)
        typed = {name: first(form, name) for name in values}
        params: dict[str, Any] = {}
        if typed["title"] != values["title"]:
            if len(typed["title"]) > MAX_LABEL:
                error(errors, "title", f"The page title must be {MAX_LABEL} characters or fewer", "maxLength")
            params["title"] = typed["title"] or None
        if typed["content"] != values["content"]:
            params["content"] = typed["content"] or None
        if is_content(spec) and typed["exit"] != values["exit"]:
            params["exit"] = typed["exit"] == "yes"
        if is_add_another(spec):
            params |= _list_params(typed, values, errors)
        values = typed
        if not errors:
            try:
                changes = await _save(request, staff, draft, version,
                                      [lambda d: edit_page(d, page=str(spec["id"]), **params)] if params else [])
            except Refused as refused:
                _refusal(errors, refused, {"content-needed": "content", "range": "min_items",
                                           "out-of-range": "max_items"}.get(refused.code, "title"))
            except drafts.DraftConflict as conflict:
                errors, version = conflict_errors(conflict, "title"), conflict.current
            else:
                if is_htmx(request):
                    return await _page_fragment(request, staff, draft.service_id, str(spec["id"]), "text",
                                                _said(changes), {"key": "text"}, saved=bool(changes))
                return redirect_with_notice(request, _links(request, staff, draft, str(spec["id"]))["page"],
                                            _said(changes))
    payload = await _page_payload(request, staff, draft, spec, values, errors, version)
    if request.method == "POST" and errors and is_htmx(request):
        return fragment(request, "builder/_page_update.html", {**payload, "swapped": "text"},
                        status_code=409 if errors[0]["keyword"] == "conflict" else 422)
    return form_page(request, "builder/page.html", payload, staff)


async def _page_fragment(request: Request, staff: Staff, service_id: str, page_id: str, swapped: str, said: str,
                         focus: dict[str, str], *, saved: bool = True) -> Response:
    """The part of a page's form an inline edit changed, as the stored draft now has it."""
    draft = await draft_or_404(staff, service_id)
    spec = page_or_404(draft, page_id)
    payload = await _page_payload(request, staff, draft, spec, _page_values(draft.definition, spec), [],
                                  draft.version)
    return fragment(request, "builder/_page_update.html", {**payload, "swapped": swapped, "said": said,
                                                            "focus": focus},
                    saved_version=draft.version if saved else None)


def _page_values(definition: dict[str, Any], spec: dict[str, Any]) -> dict[str, str]:
    values = {"title": str(spec.get("title", "")), "content": str(spec.get("content", "")),
              "exit": "yes" if spec.get("stop") else "no"}
    if is_add_another(spec):
        schema = schema_at(definition["answers"], str(spec.get("answer", ""))) or {}
        values |= {"item_title": str(spec.get("itemTitle", "")), "add_another": str(spec.get("addAnother", "")),
                   "min_items": str(schema.get("minItems", 0)), "max_items": str(schema.get("maxItems", ""))}
    return values


def _list_params(typed: dict[str, str], values: dict[str, str], errors: Errors) -> dict[str, Any]:
    """The add-another settings that changed, as edit_page parameters."""
    params: dict[str, Any] = {}
    if typed["item_title"] != values["item_title"]:
        if not typed["item_title"]:
            error(errors, "item_title", "Enter what one item is called, like Item or Vehicle", "required")
        params["item_title"] = typed["item_title"]
    if typed["add_another"] != values["add_another"]:
        params["add_another"] = typed["add_another"] or None
    for name, words in (("min_items", "The fewest items"), ("max_items", "The most items")):
        if typed[name] != values[name]:
            try:
                params[name] = _whole(typed[name], words)
            except Invalid as invalid:
                error(errors, name, str(invalid), "format")
    return params


def _whole(text: str, what: str) -> int:
    if not is_digits(text) or len(text) > 6:
        raise Invalid(f"{what} must be a whole number, like 10")
    return int(text)


async def _page_payload(request: Request, staff: Staff, draft: store.ServiceDraft, spec: dict[str, Any],
                        values: dict[str, str], errors: Errors, version: int) -> dict[str, Any]:
    definition: dict[str, Any] = draft.definition
    slug, sid, pid = council_of(staff).slug, draft.service_id, str(spec["id"])
    specs = [p for p in definition.get("pages", []) if isinstance(p, dict)]
    number = next(index for index, p in enumerate(specs, 1) if p.get("id") == pid)
    fields = list(spec.get("fields") or [])
    questions = []
    for index, field in enumerate(fields):
        key = question_key(str(field.get("answer", "")))
        schema = schema_at(definition["answers"], answer_path(spec, str(field.get("answer", "")))) or {}
        kind = KINDS.get(kind_of(schema, field))
        params = {"council": slug, "service_id": sid, "page_id": pid, "answer": key}
        questions.append({
            "key": key, "label": str(field.get("label", "")), "kind": kind.title if kind else "Question",
            "required": is_required(definition, spec, answer_path(spec, str(field.get("answer", "")))),
            "first": index == 0, "last": index == len(fields) - 1,
            "links": {"edit": path(request, "edit_question", **params) if kind else None,
                      "wording": path(request, "question_wording", **params),
                      "move": path(request, "move_question", **params),
                      "delete": path(request, "delete_question", **params)},
        })
    problems = problems_by_page(request, staff, draft)[0].get(pid, [])
    kind_words = ("Exit page" if spec.get("stop") else "Content page") if is_content(spec) else (
        "Add-another page" if is_add_another(spec) else "Question page")
    return {
        "page": {"heading": page_name(spec), "caption": f"Page {number} of {len(specs)}"},
        "kind": kind_words,
        "is_content": is_content(spec),
        "is_list": is_add_another(spec),
        "questions": questions,
        # A page of one question may leave its title blank (the question is the heading), so
        # deleting a question can make it optional: drawn again out of band (_page_update.html).
        "title_label": "Page title" + ("" if is_content(spec) or len(fields) > 1 else " (optional)"),
        "condition": describe(spec["when"], definition) if "when" in spec else None,
        "problems": problems,
        "values": values,
        "version": version,
        "errors": errors,
        "can_edit": staff.can(*EDITOR_ROLES),
        "preview": preview_payload(request, staff, definition, pid, sid),
        "links": {**_links(request, staff, draft, pid),
                  "add_question": None if is_content(spec) else path(request, "add_question", council=slug,
                                                                       service_id=sid, page_id=pid),
                  "condition": path(request, "page_condition", council=slug, service_id=sid, page_id=pid),
                  "routes": path(request, "service_routes", council=slug, service_id=sid)},
    }


async def add_question_form(request: Request, staff: Staff) -> Response:
    """Add a question of any kind to an existing page (a page with more than one question
    needs a title: the form asks for one when the page has none)."""
    draft = await draft_or_404(staff, request.path_params["service_id"])
    spec = page_or_404(draft, request.path_params["page_id"])
    if is_content(spec):
        raise ClientError(404, "page_not_found")
    council = council_of(staff)
    asks_title = "title" not in spec
    errors: Errors = []
    values: dict[str, Any] = {"label": "", "hint": "", "kind": "", "required": "yes", "options": "",
                              "page_title": page_name(spec) if asks_title else ""}
    version = draft.version
    if request.method == "POST":
        form = await posted(request)
        version = version_sent(form)
        values = _read_new(form, errors, page_title=asks_title)
        if not errors:
            try:
                changes = await _save(request, staff, draft, version, [lambda d: add_question(
                    d, page=str(spec["id"]), kind=values["kind"], label=values["label"],
                    hint=values["hint"] or None, required=values["required"] == "yes",
                    options=_option_lines(values["options"]),
                    page_title=values["page_title"] if asks_title else None)])
            except Refused as refused:
                _refusal(errors, refused, "options" if "option" in refused.code else
                         "page_title" if "title" in refused.code and asks_title else "label")
            except drafts.DraftConflict as conflict:
                errors, version = conflict_errors(conflict, "label"), conflict.current
            else:
                return redirect_with_notice(request, _links(request, staff, draft, str(spec["id"]))["page"],
                                            _said(changes))
    links = _links(request, staff, draft, str(spec["id"]))
    payload = _new_payload(values, errors, version, heading=f"Add a question to '{page_name(spec)}'",
                           action=path(request, "add_question", council=council.slug, service_id=draft.service_id,
                                       page_id=str(spec["id"])), cancel=links["page"], page_title=asks_title)
    return form_page(request, "builder/question_page.html", payload, staff)


async def edit_question_form(request: Request, staff: Staff) -> Response:
    """Everything about one question."""
    draft = await draft_or_404(staff, request.path_params["service_id"])
    spec = page_or_404(draft, request.path_params["page_id"])
    question = question_or_404(draft, spec, request.path_params["answer"])
    current = _current(draft.definition, question)
    values, version = current, draft.version
    errors: Errors = []
    if request.method == "POST":
        form = await posted(request)
        version = version_sent(form)
        values, params = _read_question(form, question, current, errors)
        steps: list[Step] = []
        removals: list[Step] = []
        values["option_hints"], values["reveals"] = {}, {}
        revealable = {str(other) for other, _ in _revealable(question)}
        for value, label in current["options"].items():
            typed = values["options"][value]
            hint = values["option_hints"][value] = first(form, "option-hint-" + value)
            shown = values["reveals"][value] = first(form, "reveal-" + value)
            if len(typed) > MAX_LABEL or len(hint) > MAX_LABEL:
                error(errors, "option-" + value if len(typed) > MAX_LABEL else "option-hint-" + value,
                      f"An option and its hint must be {MAX_LABEL} characters or fewer", "maxLength")
                continue
            if shown and shown not in revealable:
                error(errors, "reveal-" + value, "Choose a question on this page to show under the option", "enum")
                continue
            if typed and typed != label:
                steps.append(_edit_option(spec, question, value, typed))
            if hint != current["option_hints"].get(value, ""):
                steps.append(_option_step(set_option_hint, spec, question, value, hint=hint or None))
            if shown != current["reveals"].get(value, ""):
                steps.append(_option_step(set_reveal, spec, question, value, question=shown or None))
            if not typed:
                removals.append(_remove_option(spec, question, value))
        steps += removals
        for line in _option_lines(values["new_options"]):
            steps.append(_add_option(spec, question, line))
        if not errors:
            steps.insert(0, lambda d: edit_question(d, page=str(spec["id"]), answer=str(question.field["answer"]),
                                                    **params))
            try:
                changes = await _save(request, staff, draft, version, steps)
            except Refused as refused:
                moved = [v for v in current["options"] if values["reveals"][v] != current["reveals"].get(v, "")]
                _refusal(errors, refused, "reveal-" + moved[0] if refused.code == "reveal" and moved else
                         _refused_field(refused, question, params))
            except drafts.DraftConflict as conflict:
                errors, version = conflict_errors(conflict, "label"), conflict.current
            else:
                return redirect_with_notice(request, _links(request, staff, draft, str(spec["id"]))["page"],
                                            _said(changes))
    payload = _question_payload(request, staff, draft, question, values, errors, version)
    return form_page(request, "builder/question.html", payload, staff)


def _option_step(operation: Callable[..., Change], spec: dict[str, Any], asked: Question, value: str,
                 **params: Any) -> Step:
    return lambda d: operation(d, page=str(spec["id"]), answer=str(asked.field["answer"]), value=value, **params)


def _revealable(question: Question) -> list[tuple[str, str]]:
    """(answer, label) of the page's other questions an option of this one can show, for the
    kinds whose options are radios or checkboxes."""
    if question.kind not in ("one-of", "several-of"):
        return []
    return [(str(field["answer"]), str(field.get("label", ""))) for field in question.page.get("fields") or []
            if field is not question.field]


def _remove_option(spec: dict[str, Any], question: Question, value: str) -> Step:
    return lambda d: remove_option(d, page=str(spec["id"]), answer=str(question.field["answer"]), value=value)


def _edit_option(spec: dict[str, Any], question: Question, value: str, label: str) -> Step:
    return lambda d: edit_option(d, page=str(spec["id"]), answer=str(question.field["answer"]), value=value,
                                 label=label)


def _add_option(spec: dict[str, Any], question: Question, label: str) -> Step:
    return lambda d: add_option(d, page=str(spec["id"]), answer=str(question.field["answer"]), label=label)


def _refused_field(refused: Refused, question: Question, params: dict[str, Any]) -> str:
    if "option" in refused.code or refused.code in ("in-use", "last-option"):
        return "new_options" if question.kind in ("one-of", "select", "several-of") else "label"
    named = REFUSAL_FIELD.get(refused.code)
    if named == "min":
        lows = {"number": "minimum", "money": "minimum", "date": "earliest", "several-of": "min_items"}
        return lows.get(question.kind, "min_length")
    if named:
        return named
    changed = [setting.name for setting in SETTINGS if setting.name in params]
    return changed[0] if changed else "label"


def _question_payload(request: Request, staff: Staff, draft: store.ServiceDraft, question: Question,
                      values: dict[str, Any], errors: Errors, version: int) -> dict[str, Any]:
    council = council_of(staff)
    pid = str(question.page["id"])
    kind = KINDS.get(question.kind)
    defaults = _defaults(draft.definition, question)
    return {
        "page": {"heading": "Edit the question", "caption": page_name(question.page)},
        "kind": question.kind,
        "kind_title": kind.title if kind else "Question",
        "settings": [{"name": s.name, "label": s.label, "hint": s.hint, "width": s.width}
                     for s in SETTINGS if question.kind in s.kinds and s.name != "whole_number"],
        "whole_number": question.kind == "number",
        "file_types": [{"value": value, "text": FILE_NAMES[value]} for value in FILE_TYPES],
        "has_options": question.kind in ("one-of", "select", "several-of"),
        "options": [{"value": value, "label": label, "hint": values["option_hints"].get(value, ""),
                     "reveals": values["reveals"].get(value, "")} for value, label in _option_labels(question, values)],
        "revealable": [{"value": answer, "text": label} for answer, label in _revealable(question)],
        "rules": [{"rule": rule, "words": RULE_WORDS[rule], "default": defaults.get(rule)}
                     for rule in ERROR_RULES.get(question.kind, ("required",))],
        "values": values,
        "version": version,
        "errors": errors,
        "links": {"action": path(request, "edit_question", council=council.slug, service_id=draft.service_id,
                                 page_id=pid, answer=question_key(str(question.field["answer"]))),
                  "move_option": path(request, "move_option", council=council.slug, service_id=draft.service_id,
                                      page_id=pid, answer=question_key(str(question.field["answer"]))),
                  "cancel": _links(request, staff, draft, pid)["page"]},
    }


def _option_labels(question: Question, values: dict[str, Any]) -> list[tuple[str, str]]:
    return [(str(branch.get("const")), values["options"].get(str(branch.get("const")), ""))
            for branch in option_list(question.schema) or []]


async def move_question_button(request: Request, staff: Staff) -> Response:
    draft = await draft_or_404(staff, request.path_params["service_id"])
    spec = page_or_404(draft, request.path_params["page_id"])
    question = question_or_404(draft, spec, request.path_params["answer"])
    form = await posted(request)
    version = version_sent(form)
    direction = first(form, "direction")
    errors: Errors = []
    try:
        changes = await _save(request, staff, draft, version, [lambda d: move_question(
            d, page=str(spec["id"]), answer=str(question.field["answer"]), direction=direction)])
    except Refused as refused:
        _refusal(errors, refused, "questions")
    except drafts.DraftConflict as conflict:
        errors = conflict_errors(conflict, "questions")
    if errors:
        fresh = await draft_or_404(staff, draft.service_id)
        fresh_spec = page_or_404(fresh, str(spec["id"]))
        payload = await _page_payload(request, staff, fresh, fresh_spec, _page_values(fresh.definition, fresh_spec), errors,
                                      fresh.version)
        status = 409 if errors[0]["keyword"] == "conflict" else 422
        if is_htmx(request):
            return fragment(request, "builder/_page_update.html", {**payload, "swapped": "questions"},
                            status_code=status)
        return page(request, "builder/page.html", payload, staff, status_code=status)
    if is_htmx(request):
        return await _page_fragment(request, staff, draft.service_id, str(spec["id"]), "questions", _said(changes),
                                    {"what": "move", "key": request.path_params["answer"], "direction": direction})
    return redirect_with_notice(request, _links(request, staff, draft, str(spec["id"]))["page"], _said(changes))


async def move_option_button(request: Request, staff: Staff) -> Response:
    """Move one option of a question up or down the list residents see."""
    draft = await draft_or_404(staff, request.path_params["service_id"])
    spec = page_or_404(draft, request.path_params["page_id"])
    question = question_or_404(draft, spec, request.path_params["answer"])
    form = await posted(request)
    version = version_sent(form)
    value, direction = first(form, "value"), first(form, "direction")
    errors: Errors = []
    try:
        changes = await _save(request, staff, draft, version, [
            _option_step(move_option, spec, question, value, direction=direction)])
    except Refused as refused:
        _refusal(errors, refused, "options-order")
    except drafts.DraftConflict as conflict:
        errors = conflict_errors(conflict, "options-order")
    council = council_of(staff)
    here = path(request, "edit_question", council=council.slug, service_id=draft.service_id,
                page_id=str(spec["id"]), answer=request.path_params["answer"])
    if errors:
        fresh = await draft_or_404(staff, draft.service_id)
        asked = question_or_404(fresh, page_or_404(fresh, str(spec["id"])), request.path_params["answer"])
        payload = _question_payload(request, staff, fresh, asked, _current(fresh.definition, asked), errors,
                                    fresh.version)
        return page(request, "builder/question.html", payload, staff,
                    status_code=409 if errors[0]["keyword"] == "conflict" else 422)
    return redirect_with_notice(request, here, _said(changes))


async def question_wording_form(request: Request, staff: Staff) -> Response:
    """A question's words alone, its label and hint: with htmx, changed beside the page's
    questions; without, on a small page of their own."""
    draft = await draft_or_404(staff, request.path_params["service_id"])
    spec = page_or_404(draft, request.path_params["page_id"])
    question = question_or_404(draft, spec, request.path_params["answer"])
    key = question_key(str(question.field["answer"]))
    current = {"label": str(question.field.get("label", "")), "hint": str(question.field.get("hint", ""))}
    values, version = current, draft.version
    errors: Errors = []
    links = _links(request, staff, draft, str(spec["id"]))
    if request.method == "POST":
        form = await posted(request)
        version = version_sent(form)
        values = {name: first(form, name) for name in current}
        _check_text(values, errors, "label", "Enter the question")
        if len(values["hint"]) > MAX_LABEL:
            error(errors, "hint", f"The hint must be {MAX_LABEL} characters or fewer", "maxLength")
        if not errors:
            params: dict[str, Any] = {name: values[name] or None for name in current if values[name] != current[name]}
            try:
                changes = await _save(request, staff, draft, version, [lambda d: edit_question(
                    d, page=str(spec["id"]), answer=str(question.field["answer"]), **params)] if params else [])
            except Refused as refused:
                _refusal(errors, refused, "label")
            except drafts.DraftConflict as conflict:
                errors, version = conflict_errors(conflict, "label"), conflict.current
            else:
                if is_htmx(request):
                    return await _page_fragment(request, staff, draft.service_id, str(spec["id"]), "questions",
                                                _said(changes), {"key": key, "what": "wording"}, saved=bool(changes))
                return redirect_with_notice(request, links["page"], _said(changes))
    wording = {"heading": f"Change the wording of '{current['label']}'", "values": values,
               "action": path(request, "question_wording", council=council_of(staff).slug,
                              service_id=draft.service_id, page_id=str(spec["id"]), answer=key)}
    if is_htmx(request):  # changed beside the questions
        payload = await _page_payload(request, staff, draft, spec, _page_values(draft.definition, spec), errors,
                                      version)
        status = (409 if errors[0]["keyword"] == "conflict" else 422) if errors else 200
        return fragment(request, "builder/_page_update.html",
                        {**payload, "swapped": "questions", "wording": wording}, status_code=status)
    payload = {"page": {"heading": wording["heading"]}, "values": values, "version": version, "errors": errors,
               "links": {"action": wording["action"], "cancel": links["page"]}}
    return form_page(request, "builder/question_wording.html", payload, staff)


async def delete_question_form(request: Request, staff: Staff) -> Response:
    draft = await draft_or_404(staff, request.path_params["service_id"])
    spec = page_or_404(draft, request.path_params["page_id"])
    question = question_or_404(draft, spec, request.path_params["answer"])
    errors: Errors = []
    version = draft.version
    links = _links(request, staff, draft, str(spec["id"]))
    if request.method == "POST":
        form = await posted(request)
        version = version_sent(form)
        try:
            changes = await _save(request, staff, draft, version, [lambda d: delete_question(
                d, page=str(spec["id"]), answer=str(question.field["answer"]))])
        except Refused as refused:
            _refusal(errors, refused, "delete")
        except drafts.DraftConflict as conflict:
            errors, version = conflict_errors(conflict, "delete"), conflict.current
        else:
            if is_htmx(request):
                return await _page_fragment(request, staff, draft.service_id, str(spec["id"]), "questions",
                                            _said(changes), {"key": "heading"})
            return redirect_with_notice(request, links["page"], _said(changes))
    council = council_of(staff)
    if is_htmx(request):  # asked beside the questions, not on a page of its own
        payload = await _page_payload(request, staff, draft, spec, _page_values(draft.definition, spec), errors,
                                      version)
        confirming = {"heading": f"Delete the question '{question.field.get('label', '')}'?",
                      "action": path(request, "delete_question", council=council.slug, service_id=draft.service_id,
                                     page_id=str(spec["id"]), answer=question_key(str(question.field["answer"])))}
        status = (409 if errors[0]["keyword"] == "conflict" else 422) if errors else 200
        return fragment(request, "builder/_page_update.html",
                        {**payload, "swapped": "questions", "confirming": confirming}, status_code=status)
    payload = {
        "page": {"heading": f"Delete the question '{question.field.get('label', '')}'?"},
        "version": version,
        "errors": errors,
        "links": {"action": path(request, "delete_question", council=council.slug, service_id=draft.service_id,
                                 page_id=str(spec["id"]), answer=question_key(str(question.field["answer"]))),
                  "cancel": links["page"]},
    }
    return form_page(request, "builder/delete_question.html", payload, staff)
