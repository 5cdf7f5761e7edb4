"""A service's fees: each line with its amount in pounds, what it is charged per, and its
condition read back as a sentence; adding, changing, moving and removing lines through the
fee operations (builder/fee_operations.py). Amounts are typed in pounds and kept in pence.

A line's condition is shown as a sentence (builder/conditions.py). It is chosen as one rule
(a question, a test and a value, written as the format's `when` by `conditions.to_schema`), or,
for anything one rule cannot say, typed as JSON; either way the sentence is read back once saved.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from builder.amounts import pounds
from builder.change import Refused
from builder.conditions import OPERATORS, Rule, Rules, describe, read, to_schema, value_from_form
from builder.draft_requests import EDITOR_ROLES, council_of, draft_or_404, version_sent
from builder.locations import asked, question_label, schema_at
from builder.operation_forms import json_condition, messages, perform_posted, said
from runtime import store
from runtime.core.schema_paths import item_options, options, primary_type
from runtime.staff.context import Staff, page, path
from runtime.staff.forms import Errors, error, first, form_page, posted
from runtime.staff.notices import redirect_with_notice
from runtime.web.context import ClientError

FIELDS = {"amount": "amount", "per": "per", "amount-from": "amount_from", "description": "description",
          "not-a-condition": "when", "condition": "when"}
CONDITIONS = ("always", "rule", "json")


def _lines(draft: store.ServiceDraft) -> list[dict[str, Any]]:
    fees: Any = draft.definition.get("fees")
    lines = fees.get("lines") if isinstance(fees, dict) else None
    return [line for line in lines if isinstance(line, dict)] if isinstance(lines, list) else []


def _line_or_404(draft: store.ServiceDraft, line_id: str) -> dict[str, Any]:
    for line in _lines(draft):
        if line.get("id") == line_id:
            return line
    raise ClientError(404, "page_not_found")


def _choices(definition: dict[str, Any]) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """The questions a line can be charged per (numbers and lists) and take its amount from
    (whole numbers with a smallest and largest value: money)."""
    per: list[dict[str, str]] = []
    amount_from: list[dict[str, str]] = []
    seen: set[str] = set()
    for question in asked(definition):
        for candidate in (question.path, str(question.page.get("answer", ""))):
            if not candidate or candidate in seen:
                continue
            seen.add(candidate)
            schema = schema_at(definition.get("answers", {}), candidate)
            kind = primary_type(schema) if isinstance(schema, dict) else None
            item = {"value": candidate, "text": question_label(definition, candidate)}
            if kind in ("integer", "number", "array"):
                per.append(item)
            if kind == "integer" and isinstance(schema, dict) and "minimum" in schema and "maximum" in schema:
                amount_from.append(item)
    return per, amount_from


def _line_view(request: Request, slug: str, draft: store.ServiceDraft, line: dict[str, Any]) -> dict[str, Any]:
    definition: dict[str, Any] = draft.definition
    line_id = str(line.get("id"))
    return {
        "id": line_id,
        "description": str(line.get("description", "")),
        "amount": pounds(int(line["amount"])) if isinstance(line.get("amount"), int) else None,
        "amount_from": question_label(definition, str(line["amountFrom"])) if "amountFrom" in line else None,
        "per": question_label(definition, str(line["multiplier"])) if "multiplier" in line else None,
        "condition": describe(line["when"], definition) if "when" in line else "Always",
        "links": {
            "edit": path(request, "edit_fee", council=slug, service_id=draft.service_id, line_id=line_id),
            "move": path(request, "move_fee", council=slug, service_id=draft.service_id, line_id=line_id),
            "remove": path(request, "remove_fee", council=slug, service_id=draft.service_id, line_id=line_id),
        },
    }


async def service_fees(request: Request, staff: Staff) -> Response:
    draft = await draft_or_404(staff, request.path_params["service_id"])
    return await _list(request, staff, draft, [], 200)


async def _list(request: Request, staff: Staff, draft: store.ServiceDraft, errors: Errors, status: int) -> Response:
    slug = council_of(staff).slug
    lines = [_line_view(request, slug, draft, line) for line in _lines(draft)]
    for index, line in enumerate(lines):
        line["first"], line["last"] = index == 0, index == len(lines) - 1
    payload = {
        "page": {"heading": f"Fees for {draft.definition.get('title', draft.service_id)}"},
        "lines": lines,
        "version": draft.version,
        "can_edit": staff.can(*EDITOR_ROLES),
        "errors": errors,
        "links": {"draft": path(request, "service_draft", council=slug, service_id=draft.service_id),
                  "add": path(request, "add_fee", council=slug, service_id=draft.service_id)},
    }
    return page(request, "builder/fees.html", payload, staff, status_code=status)


def _option_choices(definition: dict[str, Any], path: str) -> list[tuple[Any, str]]:
    schema = schema_at(definition.get("answers", {}), path) or {}
    return options(schema) or item_options(schema)


def _shown_value(definition: dict[str, Any], rule: Rule) -> str:
    """A rule's value as the designer types it: an option's words, Yes or No, pounds."""
    if rule.value is None:
        return ""
    if isinstance(rule.value, bool):
        return "Yes" if rule.value else "No"
    titles = {value: title for value, title in _option_choices(definition, rule.answer)}
    if isinstance(rule.value, list):
        return ", ".join(str(titles.get(value, value)) for value in rule.value)
    if rule.value in titles:
        return str(titles[rule.value])
    schema = schema_at(definition.get("answers", {}), rule.answer) or {}
    field = next((found.field for found in asked(definition) if found.path == rule.answer), {})
    if field.get("widget") == "money" and isinstance(rule.value, int) and primary_type(schema) == "integer":
        return pounds(rule.value).removeprefix("£")
    return str(rule.value)


def _form_values(definition: dict[str, Any], line: dict[str, Any] | None) -> dict[str, str]:
    values = {"description": "", "charge": "fixed", "amount": "", "amount_from": "", "per": "", "when": "",
              "condition": "always", "rule_answer": "", "rule_operator": "", "rule_value": ""}
    if line is None:
        return values
    values.update({
        "description": str(line.get("description", "")),
        "charge": "answer" if "amountFrom" in line else "fixed",
        "amount": pounds(int(line["amount"])).removeprefix("£").replace(",", "") if "amount" in line else "",
        "amount_from": str(line.get("amountFrom", "")),
        "per": str(line.get("multiplier", "")),
        "when": json.dumps(line["when"], indent=2, ensure_ascii=False) if "when" in line else "",
    })
    if "when" in line:
        reading = read(line["when"], definition)
        if reading.rules is not None and len(reading.rules.rules) == 1:
            rule = reading.rules.rules[0]
            values.update({"condition": "rule", "rule_answer": rule.answer, "rule_operator": rule.operator,
                           "rule_value": _shown_value(definition, rule)})
        else:
            values["condition"] = "json"
    return values


def _rule_condition(definition: dict[str, Any], values: dict[str, str], errors: Errors) -> dict[str, Any] | None:
    """The `when` of the one rule chosen, or None with the problem said where it is."""
    path, operator = values["rule_answer"], values["rule_operator"]
    if not path:
        error(errors, "rule_answer", "Choose the question the fee depends on", "required")
        return None
    if operator not in OPERATORS:
        error(errors, "rule_operator", "Choose how the answer is tested", "required")
        return None
    typed = [part.strip() for part in values["rule_value"].split(",")] if operator in (
        "is one of", "is not one of") else [values["rule_value"]]
    by_title = {title.casefold(): str(value) for value, title in _option_choices(definition, path)}
    given = [by_title.get(text.strip().casefold(), text) for text in typed]
    try:
        value = value_from_form(definition, path, operator, given)
        return to_schema(Rules("all", (Rule(path, operator, value),)), definition)
    except Refused as refused:
        error(errors, "rule_operator" if refused.code == "operator" else "rule_value", refused.message, refused.code)
        return None


async def add_fee(request: Request, staff: Staff) -> Response:
    return await _fee_form(request, staff, None)


async def edit_fee(request: Request, staff: Staff) -> Response:
    return await _fee_form(request, staff, request.path_params["line_id"])


async def _fee_form(request: Request, staff: Staff, line_id: str | None) -> Response:
    draft = await draft_or_404(staff, request.path_params["service_id"])
    line = _line_or_404(draft, line_id) if line_id is not None else None
    slug = council_of(staff).slug
    values = _form_values(draft.definition, line)
    version = draft.version
    errors: Errors = []
    if request.method == "POST":
        form = await posted(request)
        version = version_sent(form)
        values = {name: first(form, name) for name in values} | {"when": (form.get("when") or [""])[0]}
        params: dict[str, Any] = {"description": values["description"]}
        if not values["description"]:
            error(errors, "description", "Enter what the fee is for", "required")
        condition = values["condition"] if values["condition"] in CONDITIONS else "always"
        when = (json_condition(values["when"], errors, "when") if condition == "json"
                else _rule_condition(draft.definition, values, errors) if condition == "rule" else None)
        if line is None or "amountFrom" not in line:
            if values["charge"] == "answer" and line is None:
                params["amount_from"] = values["amount_from"] or None
                if not values["amount_from"]:
                    error(errors, "amount_from", "Choose the question the amount comes from", "required")
            else:
                params["amount"] = values["amount"]
                if not values["amount"]:
                    error(errors, "amount", "Enter the amount in pounds, like 15 or 12.50", "required")
                params["per"] = values["per"] or None
        if not errors:
            name = "add-fee" if line is None else "edit-fee"
            if line is None:
                params["when"] = when
                params = {key: value for key, value in params.items() if value is not None}
            else:
                params["line"], params["when"] = str(line["id"]), when
            outcome = await perform_posted(request, staff, draft, version, name, params, FIELDS, "description")
            if outcome.change is not None:
                here = path(request, "service_fees", council=slug, service_id=draft.service_id)
                return redirect_with_notice(request, here, said(outcome.change))
            errors, version = outcome.errors, outcome.version
    per, amount_from = _choices(draft.definition)
    questions = [{"value": found.path, "text": str(found.field.get("label", found.path))}
                 for found in asked(draft.definition)]
    payload = {
        "page": {"heading": "Add a fee" if line is None else f"Change the fee '{line.get('description', '')}'"},
        "adding": line is None,
        "from_answer": line is not None and "amountFrom" in line,
        "values": values,
        "messages": messages(errors),
        "per_choices": per,
        "amount_from_choices": amount_from,
        "questions": [{"value": "", "text": "Choose a question"}, *questions],
        "operators": [{"value": "", "text": "Choose a test"}, *({"value": o, "text": o} for o in OPERATORS)],
        "condition": describe(line["when"], draft.definition) if line is not None and "when" in line else None,
        "version": version,
        "errors": errors,
        "links": {"action": request.url.path,
                  "cancel": path(request, "service_fees", council=slug, service_id=draft.service_id)},
    }
    return form_page(request, "builder/fee.html", payload, staff)


async def move_fee(request: Request, staff: Staff) -> Response:
    return await _button(request, staff, "move-fee")


async def remove_fee(request: Request, staff: Staff) -> Response:
    return await _button(request, staff, "remove-fee")


async def _button(request: Request, staff: Staff, name: str) -> Response:
    draft = await draft_or_404(staff, request.path_params["service_id"])
    line = _line_or_404(draft, request.path_params["line_id"])
    form = await posted(request)
    version = version_sent(form)
    params: dict[str, Any] = {"line": str(line["id"])}
    if name == "move-fee":
        params["direction"] = first(form, "direction")
    outcome = await perform_posted(request, staff, draft, version, name, params, {}, "fees")
    if outcome.change is None:
        fresh = await draft_or_404(staff, draft.service_id)
        return await _list(request, staff, fresh, outcome.errors, outcome.status)
    here = path(request, "service_fees", council=council_of(staff).slug, service_id=draft.service_id)
    return redirect_with_notice(request, here, said(outcome.change))
