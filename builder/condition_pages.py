""""Show this page only if…": a page's condition built from plain rules, and kept as JSON
when the rules cannot say it.

A rule is an earlier question, an operator in plain words (is, is not, is one of, includes,
is answered, is more than, is before…) and a value; rules are combined with all or any, as
many as the designer needs. Buttons add and remove rules with JavaScript off: every press
sends the whole form back, so nothing typed is lost. Saving writes the format's JSON Schema
`when` through the `set-condition` operation (builder/conditions.py turns rules into schema
and back into a sentence). A condition the rules cannot show is edited as JSON instead, checked
by the format's meta-schema before it is saved.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from builder.amounts import pounds
from builder.change import Refused
from builder.conditions import (
    OPERATORS,
    Rule,
    Rules,
    answers_before,
    operators_for,
    question_kind,
    read,
    value_from_form,
)
from builder.draft_requests import (
    conflict_errors,
    council_of,
    draft_or_404,
    ensure_current,
    page_or_404,
    record,
    version_sent,
)
from builder.locations import page_name, schema_at
from builder.operations import clear_condition, set_condition
from builder.question_settings import typed_date
from runtime import store
from runtime.core.schema_paths import item_options, options
from runtime.staff.context import Staff, path
from runtime.staff.forms import Errors, Form, error, first, form_page, posted
from runtime.staff.notices import redirect_with_notice
from runtime.store import drafts
from runtime.web.context import ClientError

# The most rules one form may send: far more than any page needs, so a forged form cannot
# make the server build thousands.
MOST_RULES = 200
CHOICE_KINDS = ("one-of", "select", "several-of")
SINGLE = ("is", "is not", "includes")


def _blank() -> dict[str, Any]:
    return {"answer": "", "operator": "", "values": []}


def _form_rules(form: Form) -> tuple[str, list[dict[str, Any]]]:
    """What the designer chose, rule by rule, as text."""
    count = first(form, "rule_count")
    if not count.isdigit() or not 1 <= int(count) <= MOST_RULES:
        raise ClientError(400, "bad_request")
    rules = [{"answer": first(form, f"answer-{i}"), "operator": first(form, f"operator-{i}"),
              "values": [value.strip() for value in form.get(f"value-{i}", []) if value.strip()]}
             for i in range(int(count))]
    return first(form, "combine"), rules


def _rules_of(when: Any, definition: dict[str, Any]) -> tuple[str, list[dict[str, Any]], str | None]:
    """The form's rules for a page's condition, and why it cannot be shown as rules if not."""
    if when is None:
        return "all", [_blank()], None
    reading = read(when, definition)
    if reading.rules is None:
        return "all", [_blank()], reading.reason
    return reading.rules.combine, [
        {"answer": rule.answer, "operator": rule.operator, "values": _value_texts(definition, rule)}
        for rule in reading.rules.rules], None


def _value_texts(definition: dict[str, Any], rule: Rule) -> list[str]:
    value = rule.value
    if value is None:
        return []
    kind = question_kind(definition, rule.answer)
    if isinstance(value, bool):
        return ["yes" if value else "no"]
    if isinstance(value, list):
        return [str(item) for item in value]
    if kind == "money" and isinstance(value, int):
        return [pounds(value).removeprefix("£")]
    return [str(value)]


def _choices(definition: dict[str, Any], answer: str) -> list[tuple[str, str]]:
    schema = schema_at(definition["answers"], answer) or {}
    return [(str(value), title) for value, title in options(schema) or item_options(schema)]


def _to_rules(definition: dict[str, Any], page_id: str, combine: str, typed: list[dict[str, Any]],
              errors: Errors) -> Rules | None:
    """The rules typed, checked one by one, each error on the control that needs fixing."""
    asked = dict(answers_before(definition, page_id))
    if combine not in ("all", "any"):
        error(errors, "combine", "Choose whether all the rules or any of them must hold", "required")
    found = []
    for index, rule in enumerate(typed):
        answer, operator = rule["answer"], rule["operator"]
        if answer not in asked:
            error(errors, f"answer-{index}", f"Rule {index + 1}: choose a question asked before this page", "required")
            continue
        fitting = operators_for(definition, answer)
        if operator not in fitting:
            error(errors, f"operator-{index}",
                  f"Rule {index + 1}: '{asked[answer]}' cannot be tested with '{operator or 'nothing'}': choose "
                  + ", ".join(f"'{name}'" for name in fitting), "enum")
            continue
        kind = question_kind(definition, answer)
        values = list(rule["values"])
        if kind in CHOICE_KINDS:
            labels = {label.casefold(): value for value, label in _choices(definition, answer)}
            values = [labels.get(text.casefold(), text) for text in values]
            if operator in SINGLE and len(values) > 1:
                error(errors, f"value-{index}", f"Rule {index + 1}: choose one option, or use 'is one of'", "maxItems")
                continue
        if kind == "date" and values:
            try:
                values = [typed_date(values[0])]
            except ValueError as wrong:
                error(errors, f"value-{index}", f"Rule {index + 1}: {wrong}", "format")
                continue
        try:
            found.append(Rule(answer, operator, value_from_form(definition, answer, operator, values)))
        except Refused as refused:
            error(errors, f"value-{index}", f"Rule {index + 1}: {refused.message}", refused.code)
    return None if errors else Rules(combine, tuple(found))


async def page_condition(request: Request, staff: Staff) -> Response:
    """The rules editor; its buttons save, add a rule, remove one, or show everyone the page."""
    draft = await draft_or_404(staff, request.path_params["service_id"])
    spec = page_or_404(draft, request.path_params["page_id"])
    definition: dict[str, Any] = draft.definition
    page_id = str(spec["id"])
    combine, typed, unreadable = _rules_of(spec.get("when"), definition)
    errors: Errors = []
    version = draft.version
    if request.method == "POST":
        form = await posted(request)
        version = version_sent(form)
        combine, typed = _form_rules(form)
        action = first(form, "action") or "save"
        if action == "add":
            typed.append(_blank())
        elif action.startswith("remove-") and action[7:].isdigit() and int(action[7:]) < len(typed):
            del typed[int(action[7:])]
            typed = typed or [_blank()]
        elif action in ("save", "clear"):
            rules = None if action == "clear" else _to_rules(definition, page_id, combine, typed, errors)
            if not errors:
                try:
                    await ensure_current(draft, version)
                    change = (clear_condition(definition, page=page_id) if rules is None else
                              set_condition(definition, page=page_id, rules=rules.as_json()))
                    if not change.empty:
                        await record(request, staff, draft, version, change)
                except Refused as refused:
                    error(errors, "combine" if action == "save" else "clear", refused.message, refused.code)
                except drafts.DraftConflict as conflict:
                    errors, version = conflict_errors(conflict, "combine"), conflict.current
                else:
                    said = change.description if not change.empty else "Nothing changed"
                    return redirect_with_notice(request, _page_link(request, staff, draft, page_id), said)
    payload = _payload(request, staff, draft, spec, combine, typed, errors, version, unreadable)
    return form_page(request, "builder/condition.html", payload, staff)


def _page_link(request: Request, staff: Staff, draft: store.ServiceDraft, page_id: str) -> str:
    return path(request, "edit_question_page", council=council_of(staff).slug, service_id=draft.service_id,
                page_id=page_id)


def _payload(request: Request, staff: Staff, draft: store.ServiceDraft, spec: dict[str, Any], combine: str,
             typed: list[dict[str, Any]], errors: Errors, version: int, unreadable: str | None) -> dict[str, Any]:
    definition: dict[str, Any] = draft.definition
    page_id = str(spec["id"])
    asked = answers_before(definition, page_id)
    known = dict(asked)
    rules = []
    for index, rule in enumerate(typed):
        shown: dict[str, Any] = {"index": index, "number": index + 1, **rule, "widget": "text", "choices": [],
                                 "fitting": []}
        if rule["answer"] in known:
            kind = question_kind(definition, rule["answer"])
            shown["fitting"] = list(operators_for(definition, rule["answer"]))
            if kind == "yes-no":
                shown["widget"], shown["choices"] = "yes-no", [("yes", "Yes"), ("no", "No")]
            elif kind in CHOICE_KINDS:
                shown["widget"], shown["choices"] = "choices", _choices(definition, rule["answer"])
            shown["value_hint"] = {"money": "An amount in pounds, like 15 or 12.50",
                                   "date": "Write today, or a date like 27 3 2026"}.get(kind, "")
        rules.append(shown)
    slug, sid = council_of(staff).slug, draft.service_id
    return {
        "page": {"heading": f"Show '{page_name(spec)}' only if…", "caption": page_name(spec)},
        "questions": [{"value": answer, "text": label} for answer, label in asked],
        "operators": list(OPERATORS),
        "combine": combine,
        "rules": rules,
        "current": read(spec["when"], definition).sentence or "A condition written as JSON"
        if "when" in spec else None,
        "unreadable": unreadable,
        "version": version,
        "errors": errors,
        "links": {"action": path(request, "page_condition", council=slug, service_id=sid, page_id=page_id),
                  "json": path(request, "page_condition_json", council=slug, service_id=sid, page_id=page_id),
                  "cancel": _page_link(request, staff, draft, page_id)},
    }


async def page_condition_json(request: Request, staff: Staff) -> Response:
    """The page's condition as JSON Schema, for what the rules cannot say."""
    draft = await draft_or_404(staff, request.path_params["service_id"])
    spec = page_or_404(draft, request.path_params["page_id"])
    definition: dict[str, Any] = draft.definition
    page_id = str(spec["id"])
    text = json.dumps(spec["when"], indent=2, ensure_ascii=False) if "when" in spec else ""
    errors: Errors = []
    version = draft.version
    if request.method == "POST":
        form = await posted(request)
        version = version_sent(form)
        text = (form.get("condition") or [""])[0]
        when = _parsed(text, errors)
        if when is not None:
            try:
                await ensure_current(draft, version)
                change = set_condition(definition, page=page_id, when=when)
                if not change.empty:
                    await record(request, staff, draft, version, change)
            except Refused as refused:
                error(errors, "condition", refused.message, refused.code)
            except drafts.DraftConflict as conflict:
                errors, version = conflict_errors(conflict, "condition"), conflict.current
            else:
                said = change.description if not change.empty else "Nothing changed"
                return redirect_with_notice(request, _page_link(request, staff, draft, page_id), said)
    reading = read(spec["when"], definition) if "when" in spec else None
    slug, sid = council_of(staff).slug, draft.service_id
    payload = {
        "page": {"heading": f"When '{page_name(spec)}' is shown, as JSON", "caption": page_name(spec)},
        "text": text,
        "current": (reading.sentence or f"It cannot be shown as a sentence: {reading.reason}") if reading else None,
        "tested": [{"answer": answer, "label": label} for answer, label in answers_before(definition, page_id)],
        "version": version,
        "errors": errors,
        "links": {"action": path(request, "page_condition_json", council=slug, service_id=sid, page_id=page_id),
                  "rules": path(request, "page_condition", council=slug, service_id=sid, page_id=page_id),
                  "cancel": _page_link(request, staff, draft, page_id)},
    }
    return form_page(request, "builder/condition_json.html", payload, staff)


def _parsed(text: str, errors: Errors) -> dict[str, Any] | None:
    if not text.strip():
        error(errors, "condition", "Enter the condition as a JSON object, like {\"required\": [\"email\"]}", "required")
        return None
    if len(text) > 100_000:
        error(errors, "condition", "The condition must be 100,000 characters or fewer", "maxLength")
        return None
    try:
        value = json.loads(text)
    except json.JSONDecodeError as wrong:
        error(errors, "condition",
              f"The condition is not valid JSON: {wrong.msg} (line {wrong.lineno}, column {wrong.colno})", "format")
        return None
    except RecursionError:
        error(errors, "condition", "The condition is nested too deeply", "format")
        return None
    if not isinstance(value, dict):
        error(errors, "condition", "The condition must be a JSON object, in { and }", "type")
        return None
    return value
