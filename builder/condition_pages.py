""""Show this page only if…" and "Charge this fee only if…": a page's or a fee line's
condition built from plain rules, and kept as JSON when the rules cannot say it.

A rule is a question, an operator in plain words (is, is not, is one of, includes, is
answered, is more than, is before…) and a value; rules are combined with all or any, as many
as the designer needs. Buttons add and remove rules with JavaScript off: every press sends the
whole form back, so nothing typed is lost. Saving writes the format's JSON Schema `when`
(builder/conditions.py turns rules into schema and back into a sentence). A condition the rules
cannot show is edited as JSON instead, checked by the format's meta-schema before it is saved.

Pages and fee lines share these two forms; what differs is one `Holder` each (`PAGE`, `FEE`):
the words, which questions the rules may test (a page: those asked before it; a fee line: every
question), the operation that saves (`set-condition`/`clear-condition`, or `edit-fee` with only
the condition) and where the designer goes back to.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from builder.amounts import pounds
from builder.change import Change, Refused
from builder.conditions import (
    OPERATORS,
    Rule,
    Rules,
    answers_asked,
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
from builder.fee_operations import RULES_TO_WRITE_WORDS, rules_to_write
from builder.fee_pages import line_or_404
from builder.locations import page_name, schema_at
from builder.operation_forms import json_condition
from builder.operations import clear_condition, edit_fee, set_condition
from builder.question_settings import typed_date
from runtime import store
from runtime.core.digits import is_digits, whole_number
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


@dataclass(frozen=True)
class Holder:
    """What a condition can belong to (a page or a fee line): how it is found in the URL and
    the draft, its words, what its rules may test, how it is saved and cleared, and its links
    (route names; `back` is the page the designer came from)."""

    param: str
    find: Callable[[store.ServiceDraft, str], dict[str, Any]]
    name: Callable[[dict[str, Any]], str]
    testable: Callable[[dict[str, Any], str], list[tuple[str, str]]]
    save: Callable[[dict[str, Any], str, dict[str, Any] | None, dict[str, Any] | None], Change]
    clear: Callable[[dict[str, Any], str], Change]
    routes: dict[str, str]
    back_names_it: bool
    words: dict[str, str]


def mid_sentence(message: str) -> str:
    """A message as it reads after "Rule 1: ": its first word lower-cased, unless it is a name
    or an acronym ("Choose or enter a value" -> "choose or enter a value"; "'Sofa' is ..." kept)."""
    first = message.split(" ", 1)[0]
    if first[:1].isupper() and first[1:].islower():
        return message[:1].lower() + message[1:]
    return message


def _save_fee(definition: dict[str, Any], line: str, when: dict[str, Any] | None,
              rules: dict[str, Any] | None) -> Change:
    return edit_fee(definition, line=line, rules=rules) if rules is not None else edit_fee(
        definition, line=line, when=when)


PAGE = Holder(
    param="page_id", find=page_or_404, name=page_name,
    testable=answers_before,
    save=lambda definition, page, when, rules: set_condition(definition, page=page, when=when, rules=rules),
    clear=lambda definition, page: clear_condition(definition, page=page),
    routes={"rules": "page_condition", "json": "page_condition_json", "back": "edit_question_page"},
    back_names_it=True,
    words={"heading": "Show '{name}' only if…", "json_heading": "When '{name}' is shown, as JSON",
           "caption": "When it is shown", "back": "Back to the page", "always": "every resident sees this page.",
           "combine": "Show the page when", "clear": "Show this page to everyone",
           "none": "No question is asked before this page, so there is nothing to test yet. Move the page later, "
                   "or add questions before it.",
           "pick": "choose a question asked before this page",
           "tested": "the answers given so far", "listed": "Answers asked before this page"},
)
FEE = Holder(
    param="line_id", find=line_or_404, name=lambda line: str(line.get("description", line.get("id"))),
    testable=lambda definition, _line: answers_asked(definition),
    save=_save_fee,
    clear=lambda definition, line: edit_fee(definition, line=line, when=None),
    routes={"rules": "fee_condition", "json": "fee_condition_json", "back": "service_fees"},
    back_names_it=False,
    words={"heading": "Charge '{name}' only if…", "json_heading": "When '{name}' is charged, as JSON",
           "caption": "When it is charged", "back": "Back to the fees", "always": "the fee is always charged.",
           "combine": "Charge the fee when", "clear": "Always charge this fee",
           "none": "The service asks no questions yet, so there is nothing to test. Add questions first.",
           "pick": "choose a question the service asks",
           "tested": "the resident's answers when the fees are worked out", "listed": "Answers the service asks"},
)


def _written(holder: Holder, spec: dict[str, Any]) -> Any:
    """The condition as written: none for a fee line whose rules are still to be written (its
    never-true placeholder is not a condition to show or edit)."""
    return None if holder is FEE and rules_to_write(spec) else spec.get("when")


def _current(holder: Holder, spec: dict[str, Any], definition: dict[str, Any]) -> str | None:
    """The condition now, in words, for the hint above the form."""
    if holder is FEE and rules_to_write(spec):
        return RULES_TO_WRITE_WORDS
    if "when" not in spec:
        return None
    reading = read(spec["when"], definition)
    return reading.sentence or f"It cannot be shown as a sentence: {reading.reason}"


def _blank() -> dict[str, Any]:
    return {"answer": "", "operator": "", "values": []}


def _form_rules(form: Form) -> tuple[str, list[dict[str, Any]]]:
    """What the designer chose, rule by rule, as text."""
    count = first(form, "rule_count")
    if not 1 <= (whole_number(count) or 0) <= MOST_RULES:
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


def _to_rules(definition: dict[str, Any], asked: dict[str, str], words: dict[str, str], combine: str,
              typed: list[dict[str, Any]], errors: Errors) -> Rules | None:
    """The rules typed, checked one by one, each error on the control that needs fixing."""
    if combine not in ("all", "any"):
        error(errors, "combine", "Choose whether all the rules or any of them must hold", "required")
    found = []
    for index, rule in enumerate(typed):
        answer, operator = rule["answer"], rule["operator"]
        if answer not in asked:
            error(errors, f"answer-{index}", f"Rule {index + 1}: {words['pick']}", "required")
            continue
        fitting = operators_for(definition, answer)
        if operator not in fitting:
            tests = ", ".join(f"'{name}'" for name in fitting)
            error(errors, f"operator-{index}",
                  f"Rule {index + 1}: choose a test for '{asked[answer]}': {tests}" if not operator else
                  f"Rule {index + 1}: '{asked[answer]}' cannot be tested with '{operator}': choose {tests}",
                  "required" if not operator else "enum")
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
            error(errors, f"value-{index}", f"Rule {index + 1}: {mid_sentence(refused.message)}", refused.code)
    return None if errors else Rules(combine, tuple(found))


async def page_condition(request: Request, staff: Staff) -> Response:
    """A page's rules: "Show this page only if…"."""
    return await _rules_form(request, staff, PAGE)


async def fee_condition(request: Request, staff: Staff) -> Response:
    """A fee line's rules: "Charge this fee only if…"."""
    return await _rules_form(request, staff, FEE)


async def page_condition_json(request: Request, staff: Staff) -> Response:
    """A page's condition as JSON Schema, for what the rules cannot say."""
    return await _json_form(request, staff, PAGE)


async def fee_condition_json(request: Request, staff: Staff) -> Response:
    """A fee line's condition as JSON Schema, for what the rules cannot say."""
    return await _json_form(request, staff, FEE)


async def _rules_form(request: Request, staff: Staff, holder: Holder) -> Response:
    """The rules editor; its buttons save, add a rule, remove one, or drop the condition."""
    draft = await draft_or_404(staff, request.path_params["service_id"])
    spec = holder.find(draft, request.path_params[holder.param])
    definition: dict[str, Any] = draft.definition
    held = str(spec["id"])
    combine, typed, unreadable = _rules_of(_written(holder, spec), definition)
    errors: Errors = []
    version = draft.version
    if request.method == "POST":
        form = await posted(request)
        version = version_sent(form)
        combine, typed = _form_rules(form)
        action = first(form, "action") or "save"
        if action == "add":
            typed.append(_blank())
        elif action.startswith("remove-") and is_digits(action[7:]) and len(action) < 16 and int(action[7:]) < len(typed):
            del typed[int(action[7:])]
            typed = typed or [_blank()]
        elif action in ("save", "clear"):
            asked = dict(holder.testable(definition, held))
            rules = None if action == "clear" else _to_rules(definition, asked, holder.words, combine, typed, errors)
            if not errors:
                try:
                    await ensure_current(draft, version)
                    change = (holder.clear(definition, held) if rules is None else
                              holder.save(definition, held, None, rules.as_json()))
                    if not change.empty:
                        await record(request, staff, draft, version, change)
                except Refused as refused:
                    error(errors, "combine" if action == "save" else "clear", refused.message, refused.code)
                except drafts.DraftConflict as conflict:
                    errors, version = conflict_errors(conflict, "combine"), conflict.current
                else:
                    said = change.description if not change.empty else "Nothing changed"
                    return redirect_with_notice(request, _links(request, staff, draft, holder, held)["back"], said)
    payload = _payload(request, staff, draft, holder, spec, combine, typed, errors, version, unreadable)
    return form_page(request, "builder/condition.html", payload, staff)


def _links(request: Request, staff: Staff, draft: store.ServiceDraft, holder: Holder, held: str) -> dict[str, str]:
    """The rules form, the JSON form and the page the designer came from, for this holder."""
    slug, sid = council_of(staff).slug, draft.service_id
    named = {holder.param: held}
    return {name: path(request, route, council=slug, service_id=sid,
                       **(named if name != "back" or holder.back_names_it else {}))
            for name, route in holder.routes.items()}


def _words(holder: Holder, spec: dict[str, Any]) -> dict[str, str]:
    name = holder.name(spec)
    return {key: text.format(name=name) if "{name}" in text else text for key, text in holder.words.items()}


def _payload(request: Request, staff: Staff, draft: store.ServiceDraft, holder: Holder, spec: dict[str, Any],
             combine: str, typed: list[dict[str, Any]], errors: Errors, version: int,
             unreadable: str | None) -> dict[str, Any]:
    definition: dict[str, Any] = draft.definition
    held = str(spec["id"])
    asked = holder.testable(definition, held)
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
    words = _words(holder, spec)
    links = _links(request, staff, draft, holder, held)
    return {
        "page": {"heading": words["heading"], "caption": holder.name(spec)},
        "words": words,
        "questions": [{"value": answer, "text": label} for answer, label in asked],
        "operators": list(OPERATORS),
        "combine": combine,
        "rules": rules,
        "current": RULES_TO_WRITE_WORDS if holder is FEE and rules_to_write(spec) else
        read(spec["when"], definition).sentence or "A condition written as JSON" if "when" in spec else None,
        "unreadable": unreadable,
        "version": version,
        "errors": errors,
        "links": {"action": links["rules"], "json": links["json"], "cancel": links["back"]},
    }


async def _json_form(request: Request, staff: Staff, holder: Holder) -> Response:
    """The condition as JSON Schema: any condition the format takes, checked before it is saved."""
    draft = await draft_or_404(staff, request.path_params["service_id"])
    spec = holder.find(draft, request.path_params[holder.param])
    definition: dict[str, Any] = draft.definition
    held = str(spec["id"])
    links = _links(request, staff, draft, holder, held)
    written = _written(holder, spec)
    text = json.dumps(written, indent=2, ensure_ascii=False) if written is not None else ""
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
                change = holder.save(definition, held, when, None)
                if not change.empty:
                    await record(request, staff, draft, version, change)
            except Refused as refused:
                error(errors, "condition", refused.message, refused.code)
            except drafts.DraftConflict as conflict:
                errors, version = conflict_errors(conflict, "condition"), conflict.current
            else:
                said = change.description if not change.empty else "Nothing changed"
                return redirect_with_notice(request, links["back"], said)
    words = _words(holder, spec)
    payload = {
        "page": {"heading": words["json_heading"], "caption": holder.name(spec)},
        "words": words,
        "text": text,
        "current": _current(holder, spec, definition),
        "tested": [{"answer": answer, "label": label} for answer, label in holder.testable(definition, held)],
        "version": version,
        "errors": errors,
        "links": {"action": links["json"], "rules": links["rules"], "cancel": links["back"]},
    }
    return form_page(request, "builder/condition_json.html", payload, staff)


def _parsed(text: str, errors: Errors) -> dict[str, Any] | None:
    if not text.strip():
        error(errors, "condition", "Enter the condition as a JSON object, like {\"required\": [\"email\"]}", "required")
        return None
    if len(text) > 100_000:
        error(errors, "condition", "The condition must be 100,000 characters or fewer", "maxLength")
        return None
    return json_condition(text, errors, "condition")
