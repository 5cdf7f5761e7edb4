"""What the meta-schema cannot say: pointers resolve, answers are asked, conditions are sound,
patterns are safe, the workflow can finish, and every string has its translation."""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Iterator
from typing import Any

from runtime.core.patterns import pattern_problem
from runtime.core.problems import Problem, pointer_join, pointer_parts
from runtime.core.schema_paths import (
    always_required,
    answer_pointers,
    infer_widget,
    item_options,
    options,
    primary_type,
    required_pointers,
    subschema_at,
    walk_schemas,
)
from runtime.core.strings import resident_strings

Definition = dict[str, Any]


def lint(definition: Definition) -> list[Problem]:
    """Every problem the lint rules find, ordered by pointer. Assumes the meta-schema passed."""
    problems: list[Problem] = []
    for rule in RULES:
        problems.extend(rule(definition))
    return sorted(set(problems))


def _unique_ids(definition: Definition) -> Iterator[Problem]:
    for collection, items in (
        ("pages", definition["pages"]),
        ("fees/lines", definition.get("fees", {}).get("lines", [])),
    ):
        counts = Counter(item["id"] for item in items)
        for index, item in enumerate(items):
            if counts[item["id"]] > 1:
                yield Problem(
                    f"/{collection}/{index}/id",
                    "unique-id",
                    f"id {item['id']} is used more than once",
                )


def _fields(definition: Definition) -> Iterator[tuple[str, str, dict[str, Any], dict[str, Any]]]:
    """(document pointer, absolute answer pointer, field, page) for every field."""
    for pindex, page in enumerate(definition["pages"]):
        prefix = page["answer"] + "/0" if page.get("type") == "add-another" else ""
        for findex, field in enumerate(page.get("fields", [])):
            yield f"/pages/{pindex}/fields/{findex}", prefix + field["answer"], field, page


def _pointers_resolve(definition: Definition) -> Iterator[Problem]:
    answers = definition["answers"]
    seen: dict[str, str] = {}
    for pindex, page in enumerate(definition["pages"]):
        if page.get("type") == "add-another":
            schema = subschema_at(answers, page["answer"])
            if schema is None:
                yield Problem(
                    f"/pages/{pindex}/answer",
                    "pointer",
                    f"{page['answer']} is not an answer in answers",
                )
            elif (
                primary_type(schema) != "array"
                or primary_type(schema.get("items") or {}) != "object"
            ):
                yield Problem(
                    f"/pages/{pindex}/answer",
                    "pointer",
                    f"{page['answer']} must be a list of objects for an add-another page",
                )
            elif "itemSummary" in page:
                yield from _item_summary(pindex, page, answers)
        elif (
            page.get("type", "question") == "question"
            and len(page["fields"]) > 1
            and "title" not in page
        ):
            yield Problem(
                f"/pages/{pindex}", "required", "a page with more than one question needs a title"
            )
    for location, pointer, field, page in _fields(definition):
        schema = subschema_at(answers, pointer)
        if schema is None:
            if (
                page.get("type") != "add-another"
                or subschema_at(answers, page["answer"]) is not None
            ):
                yield Problem(
                    f"{location}/answer",
                    "pointer",
                    f"{field['answer']} is not an answer in answers",
                )
            continue
        if pointer in seen:
            yield Problem(
                f"{location}/answer",
                "pointer",
                f"{field['answer']} is already asked at {seen[pointer]}",
            )
        seen[pointer] = location
        yield from _widget_fits(location, field, schema)
        page_answers = {f["answer"] for f in page.get("fields", [])}
        field_options = {str(v) for v, _ in options(schema) or item_options(schema)}
        for value, revealed in field.get("reveals", {}).items():
            if value not in field_options:
                yield Problem(
                    pointer_join(*pointer_parts(location), "reveals", value),
                    "reveals",
                    f"{value} is not one of this question's options",
                )
            for target in revealed:
                if target not in page_answers or target == field["answer"]:
                    yield Problem(
                        pointer_join(*pointer_parts(location), "reveals", value),
                        "reveals",
                        f"{target} must be another question on the same page",
                    )
    for index, line in enumerate(definition.get("fees", {}).get("lines", [])):
        for key in ("multiplier", "amountFrom"):
            if key not in line:
                continue
            schema = subschema_at(answers, line[key])
            kind = primary_type(schema) if schema else None
            if schema is None:
                yield Problem(
                    f"/fees/lines/{index}/{key}",
                    "pointer",
                    f"{line[key]} is not an answer in answers",
                )
            elif key == "multiplier" and kind not in ("integer", "number", "array"):
                yield Problem(
                    f"/fees/lines/{index}/{key}",
                    "pointer",
                    f"{line[key]} must be a number or a list to multiply by",
                )
            elif key == "amountFrom" and (
                kind != "integer" or "minimum" not in schema or "maximum" not in schema
            ):
                yield Problem(
                    f"/fees/lines/{index}/{key}",
                    "pointer",
                    f"{line[key]} must be a whole number of pence with a minimum and a maximum",
                )


def _item_summary(pindex: int, page: dict[str, Any], answers: dict[str, Any]) -> Iterator[Problem]:
    """An add-another page's `itemSummary` names one of its own questions, within the item."""
    summary = page["itemSummary"]
    location = f"/pages/{pindex}/itemSummary"
    if subschema_at(answers, page["answer"] + "/0" + summary) is None:
        yield Problem(location, "pointer", f"{summary} is not an answer within each item of {page['answer']}")
    elif summary not in {field["answer"] for field in page["fields"]}:
        yield Problem(location, "pointer", f"{summary} must be the answer to one of this page's questions")


_WIDGET_TYPES = {
    "text": {"string"},
    "textarea": {"string"},
    "email": {"string"},
    "tel": {"string"},
    "postcode": {"string"},
    "date": {"string"},
    "file": {"string"},
    "radios": {"string", "integer", "boolean"},
    "select": {"string", "integer"},
    "checkboxes": {"array"},
    "yes-no": {"boolean"},
    "declaration": {"boolean"},
    "number": {"integer", "number"},
    "money": {"integer"},
}


def _widget_fits(location: str, field: dict[str, Any], schema: dict[str, Any]) -> Iterator[Problem]:
    widget = field.get("widget") or infer_widget(schema)
    kind = primary_type(schema)
    if kind not in _WIDGET_TYPES[widget]:
        yield Problem(
            f"{location}/widget",
            "widget",
            f"a {widget} question cannot ask for a {kind or 'untyped'} answer",
        )
        return
    if widget in ("radios", "select") and not options(schema) and kind != "boolean":
        yield Problem(
            f"{location}/widget",
            "widget",
            f"a {widget} question needs options (oneOf of const and title, or enum)",
        )
    if widget == "checkboxes" and not item_options(schema):
        yield Problem(
            f"{location}/widget",
            "widget",
            "a checkboxes question needs a list whose items have options",
        )
    if widget == "date" and schema.get("format") != "date":
        yield Problem(
            f"{location}/widget", "widget", "a date question needs an answer with format date"
        )
    if widget == "file" and schema.get("format") != "file":
        yield Problem(
            f"{location}/widget", "widget", "a file question needs an answer with format file"
        )
    if widget == "declaration" and schema.get("const") is not True:
        yield Problem(
            f"{location}/widget", "widget", "a declaration needs an answer with const true"
        )


def _answers_asked(definition: Definition) -> Iterator[Problem]:
    answers = definition["answers"]
    asked = {pointer for _, pointer, _, _ in _fields(definition)}
    lists = {page["answer"] for page in definition["pages"] if page.get("type") == "add-another"}

    def covered(pointer: str) -> bool:
        return pointer in asked or any(pointer == p or pointer.startswith(p + "/") for p in lists)

    for pointer, _ in answer_pointers(answers):
        if not covered(pointer) and not any(a.startswith(pointer + "/") for a in asked):
            yield Problem(
                _schema_location(pointer),
                "unasked",
                f"the answer {pointer} is not asked on any page",
            )
    conditional = {
        pointer: page["id"] for _, pointer, _, page in _fields(definition) if "when" in page
    }
    for page in definition["pages"]:
        if page.get("type") == "add-another" and "when" in page:
            conditional[page["answer"]] = page["id"]
    for pointer in always_required(answers):
        if pointer in conditional:
            yield Problem(
                _schema_location(pointer),
                "unreachable-required",
                f"{pointer} is always required but asked only on the conditional page {conditional[pointer]}, "
                "so an application that skips that page can never be sent: require it with if/then instead",
            )
    for pointer in required_pointers(answers):
        schema = subschema_at(answers, pointer)
        if schema is None:
            yield Problem(
                _schema_location(pointer),
                "pointer",
                f"{pointer} is required but not declared in properties",
            )
        elif not covered(pointer) and not any(a.startswith(pointer + "/") for a in asked):
            yield Problem(
                _schema_location(pointer),
                "unasked",
                f"the required answer {pointer} is not asked on any page",
            )


def _schema_location(pointer: str) -> str:
    return "/answers" + "".join(f"/properties/{part}" for part in pointer_parts(pointer))


def _conditions(definition: Definition) -> Iterator[tuple[str, Any]]:
    """Every condition schema with its pointer: page and fee `when`s, and every `if` in answers."""
    for index, page in enumerate(definition["pages"]):
        if "when" in page:
            yield f"/pages/{index}/when", page["when"]
    for index, line in enumerate(definition.get("fees", {}).get("lines", [])):
        if "when" in line:
            yield f"/fees/lines/{index}/when", line["when"]
    for location, schema in walk_schemas(definition["answers"], "/answers"):
        if "if" in schema:
            yield f"{location}/if", schema["if"]


def _conditions_require(definition: Definition) -> Iterator[Problem]:
    answers = definition["answers"]
    for location, condition in _conditions(definition):
        yield from _condition_names_required(location, condition)
        if location.startswith(("/pages", "/fees")):
            for prop_location, pointer in _condition_pointers(location, condition):
                if subschema_at(answers, pointer) is None:
                    yield Problem(
                        prop_location,
                        "pointer",
                        f"the condition tests {pointer}, which is not an answer in answers",
                    )


def _condition_names_required(location: str, condition: Any) -> Iterator[Problem]:
    if not isinstance(condition, dict):
        return
    required = set(condition.get("required") or [])
    for name, sub in (condition.get("properties") or {}).items():
        if name not in required:
            yield Problem(
                f"{location}/properties/{name}",
                "condition-required",
                f"the condition tests {name} but does not list it in required, so it also matches when {name} is not answered",
            )
        yield from _condition_names_required(f"{location}/properties/{name}", sub)
    for keyword in ("allOf", "anyOf", "oneOf"):
        for index, sub in enumerate(condition.get(keyword) or []):
            yield from _condition_names_required(f"{location}/{keyword}/{index}", sub)
    for keyword in ("not", "contains", "items"):
        if isinstance(condition.get(keyword), dict):
            yield from _condition_names_required(f"{location}/{keyword}", condition[keyword])


def _condition_pointers(
    location: str, condition: Any, prefix: str = ""
) -> Iterator[tuple[str, str]]:
    if not isinstance(condition, dict):
        return
    for name, sub in (condition.get("properties") or {}).items():
        yield f"{location}/properties/{name}", f"{prefix}/{name}"
        if isinstance(sub, dict) and "properties" in sub:
            yield from _condition_pointers(f"{location}/properties/{name}", sub, f"{prefix}/{name}")
    for keyword in ("allOf", "anyOf", "oneOf"):
        for index, sub in enumerate(condition.get(keyword) or []):
            yield from _condition_pointers(f"{location}/{keyword}/{index}", sub, prefix)
    if isinstance(condition.get("not"), dict):
        yield from _condition_pointers(f"{location}/not", condition["not"], prefix)


# Checking a pattern compiles it; a definition may hold this many different ones.
MAX_PATTERNS = 100


def _safe_patterns(definition: Definition) -> Iterator[Problem]:
    roots = [("/answers", definition["answers"]), *_conditions(definition)]
    located = [
        (f"{location}/pattern", schema["pattern"])
        for base, root in roots
        for location, schema in walk_schemas(root, base)
        if isinstance(schema.get("pattern"), str)
    ]
    different = list(dict.fromkeys(pattern for _, pattern in located))
    if len(different) > MAX_PATTERNS:
        first_over = next(where for where, pattern in located if pattern == different[MAX_PATTERNS])
        yield Problem(
            first_over,
            "pattern",
            f"the definition has {len(different):,} different patterns; "
            f"a definition may have at most {MAX_PATTERNS}",
        )
        return
    for where, pattern in located:
        reason = pattern_problem(pattern)
        if reason:
            yield Problem(where, "pattern", reason)


def _workflow(definition: Definition) -> Iterator[Problem]:
    workflow = definition["workflow"]
    states: dict[str, Any] = workflow["states"]
    if workflow["initial"] not in states:
        yield Problem(
            "/workflow/initial",
            "workflow",
            f"the initial state {workflow['initial']} is not one of the states",
        )
        return
    edges: dict[str, set[str]] = {}
    for name, state in states.items():
        edges[name] = set()
        for kind in ("on", "after"):
            for key, transition in (state.get(kind) or {}).items():
                target = transition["target"]
                if target not in states:
                    yield Problem(
                        pointer_join("workflow", "states", name, kind, key, "target"),
                        "workflow",
                        f"{target} is not one of the states",
                    )
                else:
                    edges[name].add(target)
        final = state.get("type") == "final"
        if final and edges[name]:
            yield Problem(
                pointer_join("workflow", "states", name),
                "workflow",
                f"the final state {name} must not lead anywhere",
            )
        if not final and not edges[name]:
            yield Problem(
                pointer_join("workflow", "states", name),
                "workflow",
                f"{name} leads nowhere: make it final or give it a transition",
            )
    reached = {workflow["initial"]}
    queue = deque(reached)
    while queue:
        for target in edges[queue.popleft()]:
            if target not in reached:
                reached.add(target)
                queue.append(target)
    for name in states:
        if name not in reached:
            yield Problem(
                pointer_join("workflow", "states", name),
                "workflow",
                f"the state {name} cannot be reached from {workflow['initial']}",
            )
    for name, state in states.items():
        for kind in ("on", "after"):
            for key, transition in (state.get(kind) or {}).items():
                target = states.get(transition["target"])
                if "requestInformation" not in transition.get("actions", ()) or target is None:
                    continue
                answers = [event for event, t in (target.get("on") or {}).items()
                           if "guard" not in t and not event.startswith("payment.")]
                if len(answers) != 1:
                    yield Problem(
                        pointer_join("workflow", "states", name, kind, key, "actions"),
                        "workflow",
                        f"requestInformation leads to {transition['target']}, which must have exactly one event "
                        "without a guard: the event the resident's answer takes",
                    )
    if not any(state.get("type") == "final" for state in states.values()):
        yield Problem(
            "/workflow/states",
            "workflow",
            "the workflow has no final state, so no application can ever be finished",
        )


def _translations(definition: Definition) -> Iterator[Problem]:
    languages = definition.get("languages", ["en"])
    translations: dict[str, dict[str, str]] = definition.get("translations", {})
    for language in translations:
        if language not in languages:
            yield Problem(
                f"/translations/{language}",
                "translation",
                f"translations for {language} are given but languages does not list {language}",
            )
            continue
    for language in languages:
        if language == "en":
            continue
        table = translations.get(language, {})
        keys = set()
        for text in resident_strings(definition):
            keys.add(text.key)
            if text.key not in table:
                yield Problem(
                    text.pointer,
                    "translation",
                    f"has no {_LANGUAGE_NAMES[language]} translation (key {text.key})",
                )
        for key in table:
            if key not in keys:
                yield Problem(
                    pointer_join("translations", language, key),
                    "translation",
                    f"{key} translates no string of this definition",
                )


_LANGUAGE_NAMES = {"cy": "Welsh"}

RULES = (
    _unique_ids,
    _pointers_resolve,
    _answers_asked,
    _conditions_require,
    _safe_patterns,
    _workflow,
    _translations,
)
