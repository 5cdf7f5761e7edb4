"""A service's fees: each line with its amount in pounds, what it is charged per, and its
condition read back as a sentence; adding, changing, moving and removing lines through the
fee operations (builder/fee_operations.py). Amounts are typed in pounds and kept in pence.

A line's condition is shown as a sentence (builder/conditions.py). Its rules are built on the
line's own condition page, the editor a page's condition has (builder/condition_pages.py: any
number of rules, all or any): choosing "Only when some answers are…" here saves the line and
goes there. A new line is saved never charged until its rules are written (fee_operations'
`RULES_TO_WRITE`), and this page says so beside it with a link to write them, so a designer
who leaves the rules page unfinished cannot miss it. What the rules cannot say is typed as
JSON, here or on the condition's JSON page.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from builder.amounts import pounds
from builder.change import Change
from builder.conditions import describe, read
from builder.draft_requests import EDITOR_ROLES, council_of, draft_or_404, version_sent
from builder.fee_operations import RULES_TO_WRITE_WORDS, rules_to_write
from builder.locations import asked, question_label, schema_at
from builder.operation_forms import json_condition, messages, perform_posted, said
from runtime import store
from runtime.core.schema_paths import primary_type
from runtime.staff.context import Staff, page, path
from runtime.staff.forms import Errors, error, first, form_page, posted
from runtime.staff.notices import redirect_with_notice
from runtime.web.context import ClientError

FIELDS = {"amount": "amount", "per": "per", "amount-from": "amount_from", "description": "description",
          "not-a-condition": "when", "condition": "when"}
CONDITIONS = ("always", "rules", "json")


def _lines(draft: store.ServiceDraft) -> list[dict[str, Any]]:
    fees: Any = draft.definition.get("fees")
    lines = fees.get("lines") if isinstance(fees, dict) else None
    return [line for line in lines if isinstance(line, dict)] if isinstance(lines, list) else []


def line_or_404(draft: store.ServiceDraft, line_id: str) -> dict[str, Any]:
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
        "condition": _condition_words(definition, line),
        "rules_to_write": rules_to_write(line),
        "links": {
            "edit": path(request, "edit_fee", council=slug, service_id=draft.service_id, line_id=line_id),
            "move": path(request, "move_fee", council=slug, service_id=draft.service_id, line_id=line_id),
            "remove": path(request, "remove_fee", council=slug, service_id=draft.service_id, line_id=line_id),
            "condition": path(request, "fee_condition", council=slug, service_id=draft.service_id, line_id=line_id),
        },
    }


def _condition_words(definition: dict[str, Any], line: dict[str, Any]) -> str:
    """When the line is charged, in words: always, its condition, or that its rules wait."""
    if rules_to_write(line):
        return RULES_TO_WRITE_WORDS
    return describe(line["when"], definition) if "when" in line else "Always"


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


def _form_values(definition: dict[str, Any], line: dict[str, Any] | None) -> dict[str, str]:
    values = {"description": "", "charge": "fixed", "amount": "", "amount_from": "", "per": "", "when": "",
              "condition": "always"}
    if line is None:
        return values
    values.update({
        "description": str(line.get("description", "")),
        "charge": "answer" if "amountFrom" in line else "fixed",
        "amount": pounds(int(line["amount"])).removeprefix("£").replace(",", "") if "amount" in line else "",
        "amount_from": str(line.get("amountFrom", "")),
        "per": str(line.get("multiplier", "")),
        "when": json.dumps(line["when"], indent=2, ensure_ascii=False)
        if "when" in line and not rules_to_write(line) else "",
    })
    if rules_to_write(line):
        values["condition"] = "rules"
    elif "when" in line:
        values["condition"] = "rules" if read(line["when"], definition).readable else "json"
    return values


def _has_rules(definition: dict[str, Any], line: dict[str, Any] | None) -> bool:
    """Whether the line already has a condition the rules editor shows (choosing rules keeps it)."""
    return line is not None and "when" in line and read(line["when"], definition).readable


def _condition_param(line: dict[str, Any] | None, values: dict[str, str], errors: Errors) -> dict[str, Any]:
    """The `when` to save as the operation's parameter: None for always, the JSON typed, or
    nothing (the condition left as it is) for rules, which are built on their own page."""
    condition = values["condition"] if values["condition"] in CONDITIONS else "always"
    if condition == "rules":
        return {"rules_later": True} if line is None else {}
    if condition == "always":
        return {"when": None} if line is not None else {}
    if not values["when"].strip():
        error(errors, "when", "Enter the condition as JSON, or choose when the fee is charged", "required")
        return {}
    when = json_condition(values["when"], errors, "when")
    return {"when": when} if when is not None else {}


async def add_fee(request: Request, staff: Staff) -> Response:
    return await _fee_form(request, staff, None)


async def edit_fee(request: Request, staff: Staff) -> Response:
    return await _fee_form(request, staff, request.path_params["line_id"])


async def _fee_form(request: Request, staff: Staff, line_id: str | None) -> Response:
    draft = await draft_or_404(staff, request.path_params["service_id"])
    line = line_or_404(draft, line_id) if line_id is not None else None
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
        condition = _condition_param(line, values, errors)
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
                params = {key: value for key, value in params.items() if value is not None}
            else:
                params["line"] = str(line["id"])
            outcome = await perform_posted(request, staff, draft, version, name, params | condition, FIELDS,
                                           "description")
            if outcome.change is not None:
                return await _saved(request, staff, draft, line, values["condition"], outcome.change)
            errors, version = outcome.errors, outcome.version
    per, amount_from = _choices(draft.definition)
    payload = {
        "page": {"heading": "Add a fee" if line is None else f"Change the fee '{line.get('description', '')}'"},
        "adding": line is None,
        "from_answer": line is not None and "amountFrom" in line,
        "values": values,
        "messages": messages(errors),
        "per_choices": per,
        "amount_from_choices": amount_from,
        "condition": _condition_words(draft.definition, line) if line is not None and "when" in line else None,
        "has_rules": _has_rules(draft.definition, line),
        "version": version,
        "errors": errors,
        "links": {"action": request.url.path,
                  "rules": path(request, "fee_condition", council=slug, service_id=draft.service_id,
                                line_id=str(line["id"])) if line is not None else None,
                  "cancel": path(request, "service_fees", council=slug, service_id=draft.service_id)},
    }
    return form_page(request, "builder/fee.html", payload, staff)


async def _saved(request: Request, staff: Staff, draft: store.ServiceDraft, line: dict[str, Any] | None,
                 condition: str, change: Change) -> Response:
    """Back to the fees; or, when the designer chose rules the line does not have yet, on to its
    condition page to build them (a new line is saved first, never charged until they are)."""
    slug = council_of(staff).slug
    if condition != "rules" or _has_rules(draft.definition, line):
        return redirect_with_notice(request, path(request, "service_fees", council=slug,
                                                  service_id=draft.service_id), said(change))
    if line is not None:
        line_id = str(line["id"])
    else:  # the line just added: the one whose id the draft did not have before
        before = {found.get("id") for found in _lines(draft)}
        fresh = await draft_or_404(staff, draft.service_id)
        line_id = next(str(found["id"]) for found in _lines(fresh) if found.get("id") not in before)
    here = path(request, "fee_condition", council=slug, service_id=draft.service_id, line_id=line_id)
    meanwhile = ("is never charged" if line is None or rules_to_write(line) else
                 "keeps its condition written as JSON" if "when" in line else "is always charged")
    return redirect_with_notice(request, here, f"{said(change)}. Now choose when it is charged: until you save the "
                                               f"rules, it {meanwhile}")


async def move_fee(request: Request, staff: Staff) -> Response:
    return await _button(request, staff, "move-fee")


async def remove_fee(request: Request, staff: Staff) -> Response:
    return await _button(request, staff, "remove-fee")


async def _button(request: Request, staff: Staff, name: str) -> Response:
    draft = await draft_or_404(staff, request.path_params["service_id"])
    line = line_or_404(draft, request.path_params["line_id"])
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
