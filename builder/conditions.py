"""Conditions a designer can read: "Show this page only if…" built from plain rules.

A rule is a question, an operator and a value: 'What type of item is it?' *is* Fridge or
freezer. Rules are combined with **all** (every rule holds) or **any** (at least one does).
`to_schema` writes them as the JSON Schema `when` the format uses; `read` reads any `when`
back as rules and a sentence ("Only if 'What type of item is it?' is Fridge or freezer for
any item"), or says it cannot be shown as a sentence, and then the condition stays
editable as JSON.

Operators, and the questions they fit:

| operator | questions | written as |
|---|---|---|
| is, is not | yes/no, options, numbers, money, text | `const`, `not const` |
| is one of, is not one of | options | `enum`, `not enum` |
| includes | several-of (checkboxes) | `contains const` |
| more than, less than, at least, at most | numbers, money (in pence) | `exclusiveMinimum`, `exclusiveMaximum`, `minimum`, `maximum` |
| before, after, on or before, on or after | dates (a date or `today`) | `not formatMinimum`, `not formatMaximum`, `formatMaximum`, `formatMinimum` |
| is answered, is not answered | any question | `required`, `not required` |

Every tested answer is named in its object's `required`, so a rule never holds for a
question not yet answered (the lint rule `condition-required`). A question about one item of
an add-another list holds when it holds **for any item** (`contains`).

Rules → schema → rules gives back the same rules, and the schema means exactly what the
rules say (`holds`), as the runtime evaluates it (tests/builder/test_conditions.py).
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from builder.amounts import pence, pounds
from builder.change import Refused
from builder.inputs import date_bound
from builder.keyed_patch import same
from builder.locations import asked, page_index, question_label, schema_at
from builder.patch import json_equal, parts
from builder.question_kinds import kind_of
from runtime.core.schema_paths import item_options, options, primary_type

Definition = dict[str, Any]

ANSWERED = ("is answered", "is not answered")
COMPARE = ("more than", "less than", "at least", "at most")
DATES = ("before", "after", "on or before", "on or after")
OPERATORS = ("is", "is not", "is one of", "is not one of", "includes", *COMPARE, *DATES, *ANSWERED)

_BY_KIND: dict[str, tuple[str, ...]] = {
    "yes-no": ("is",),
    "one-of": ("is", "is not", "is one of", "is not one of"),
    "select": ("is", "is not", "is one of", "is not one of"),
    "several-of": ("includes",),
    "number": ("is", "is not", *COMPARE),
    "money": ("is", "is not", *COMPARE),
    "date": DATES,
    "text": ("is", "is not"),
    "long-text": ("is", "is not"),
    "email": ("is", "is not"),
    "phone": ("is", "is not"),
    "postcode": ("is", "is not"),
}

_KEYWORD = {
    "more than": "exclusiveMinimum",
    "less than": "exclusiveMaximum",
    "at least": "minimum",
    "at most": "maximum",
    "on or before": "formatMaximum",
    "on or after": "formatMinimum",
}
_NOT_KEYWORD = {"before": "formatMinimum", "after": "formatMaximum"}


@dataclass(frozen=True)
class Rule:
    """One test of one answer: `answer` is its answer path (/binOut, /items/type)."""

    answer: str
    operator: str
    value: Any = None


@dataclass(frozen=True)
class Rules:
    """Rules combined with `all` or `any`."""

    combine: str
    rules: tuple[Rule, ...]

    def as_json(self) -> dict[str, Any]:
        return {
            "combine": self.combine,
            "rules": [
                {"answer": r.answer, "operator": r.operator, "value": r.value} for r in self.rules
            ],
        }

    @classmethod
    def from_json(cls, data: Any) -> Rules:
        """Rules from {"combine": "all", "rules": [{"answer", "operator", "value"}]}."""
        if not isinstance(data, dict) or not isinstance(data.get("rules"), list):
            raise Refused("rules", "Rules are {combine, rules: [{answer, operator, value}]}")
        found = []
        for rule in data["rules"]:
            if (
                not isinstance(rule, dict)
                or not isinstance(rule.get("answer"), str)
                or not isinstance(rule.get("operator"), str)
            ):
                raise Refused("rules", "Each rule has an answer, an operator and (mostly) a value")
            found.append(Rule(rule["answer"], rule["operator"], rule.get("value")))
        return cls(str(data.get("combine", "all")), tuple(found))


@dataclass(frozen=True)
class Reading:
    """A `when` read back: its rules and sentence, or why it cannot be shown as a sentence."""

    rules: Rules | None
    sentence: str | None
    reason: str | None = None

    @property
    def readable(self) -> bool:
        return self.rules is not None

    def as_json(self) -> dict[str, Any]:
        return {
            "readable": self.readable,
            "rules": self.rules.as_json() if self.rules else None,
            "sentence": self.sentence,
            "reason": self.reason,
        }


# What questions a condition may test, and how.


def question_kind(definition: Definition, path: str) -> str:
    """The kind of the question asking the answer at `path` (see question_kinds.KINDS)."""
    schema = schema_at(definition["answers"], path)
    if schema is None:
        raise Refused("no-such-answer", f"There is no answer {path}")
    field = next((found.field for found in asked(definition) if found.path == path), None)
    return kind_of(schema, field)


def operators_for(definition: Definition, path: str) -> tuple[str, ...]:
    """The operators that fit the question asking the answer at `path`."""
    return (*_BY_KIND.get(question_kind(definition, path), ()), *ANSWERED)


def answers_asked(definition: Definition) -> list[tuple[str, str]]:
    """(answer path, question) of every question the service asks: what a fee line's
    condition can test (fees are priced once every answer is given)."""
    return [(found.path, str(found.field["label"])) for found in asked(definition)]


def answers_before(definition: Definition, page_id: str) -> list[tuple[str, str]]:
    """(answer path, question) of every question asked before the page: what its condition
    can test (answers asked later are not known yet when the page is decided)."""
    limit = page_index(definition, page_id)
    return [
        (found.path, str(found.field["label"]))
        for found in asked(definition)
        if found.page_index < limit
    ]


def value_from_form(definition: Definition, path: str, operator: str, given: Sequence[str]) -> Any:
    """The rule's value from what a designer chose or typed (form values are text)."""
    if operator in ANSWERED:
        return None
    kind = question_kind(definition, path)
    schema = schema_at(definition["answers"], path) or {}
    texts = [text.strip() for text in given if text.strip()]
    if not texts:
        raise Refused("value-missing", "Choose or enter a value")
    if kind == "yes-no":
        return texts[0].lower() in ("yes", "true")
    if kind in ("one-of", "select", "several-of"):
        offered = options(schema) or item_options(schema)
        choices = {str(value): value for value, _ in offered}
        unknown = [text for text in texts if text not in choices]
        if unknown:
            words = [f"'{title}'" for _, title in offered]
            listed = ", ".join(words[:-1]) + f" or {words[-1]}" if len(words) > 1 else "".join(words)
            raise Refused("no-such-option", f"'{unknown[0]}' is not one of the question's options"
                          + (f": choose {listed}" if words else ""))
        values = [choices[text] for text in texts]
        return values if operator in ("is one of", "is not one of") else values[0]
    if kind == "money":
        return pence(texts[0])
    if kind == "number":
        try:
            number = float(texts[0].replace(",", ""))
        except ValueError:
            raise Refused("not-a-number", f"{texts[0]} is not a number") from None
        return int(number) if number.is_integer() else number
    if kind == "date":
        return date_bound(texts[0], "the date")
    return texts[0]


# Rules → schema.


def to_schema(rules: Rules, definition: Definition) -> dict[str, Any]:
    """The `when` JSON Schema saying what the rules say; refuses rules that do not fit."""
    if rules.combine not in ("all", "any"):
        raise Refused("combine", "Combine rules with all or any")
    if not rules.rules:
        raise Refused("no-rules", "Give at least one rule")
    pieces = [_rule_schema(rule, definition) for rule in rules.rules]
    if rules.combine == "any":
        return {"anyOf": pieces}
    if len(pieces) == 1:
        return pieces[0]
    names = [parts(rule.answer)[0] for rule in rules.rules]
    if len(set(names)) == len(names) and all(
        rule.operator != "is not answered" for rule in rules.rules
    ):
        merged: dict[str, Any] = {}
        for piece in pieces:
            if "properties" in piece:
                merged.setdefault("properties", {}).update(piece["properties"])
        merged["required"] = names
        return merged
    return {"allOf": pieces}


def schema_of(
    definition: Definition,
    *,
    when: dict[str, Any] | None = None,
    rules: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The `when` an operation was given: `rules` as a designer builds them ({combine, rules:
    [{answer, operator, value}]}) written as JSON Schema, or `when`, the JSON Schema itself."""
    if (when is None) == (rules is None):
        raise Refused("condition", "Give the condition as rules or as JSON Schema, not both")
    return when if when is not None else to_schema(Rules.from_json(rules), definition)


def _rule_schema(rule: Rule, definition: Definition) -> dict[str, Any]:
    if rule.operator not in OPERATORS:
        raise Refused("operator", f"There is no operator called {rule.operator}")
    if rule.operator not in operators_for(definition, rule.answer):
        label = question_label(definition, rule.answer)
        raise Refused("operator", f"'{label}' cannot be tested with {rule.operator}")
    _check_value(rule)
    leaf = _leaf(rule)
    wrapped = _wrap(definition["answers"], parts(rule.answer), leaf)
    return {"not": wrapped} if rule.operator == "is not answered" else wrapped


def _check_value(rule: Rule) -> None:
    if rule.operator in ANSWERED:
        if rule.value is not None:
            raise Refused("value", f"{rule.operator} takes no value")
    elif rule.operator in ("is one of", "is not one of"):
        if not isinstance(rule.value, list | tuple) or not rule.value:
            raise Refused("value", f"{rule.operator} needs a list of options")
    elif rule.operator in COMPARE:
        if isinstance(rule.value, bool) or not isinstance(rule.value, int | float):
            raise Refused("value", f"{rule.operator} needs a number")
    elif rule.operator in DATES:
        date_bound(rule.value, "the date")
    elif isinstance(rule.value, dict | list | tuple) or rule.value is None:
        raise Refused("value", f"{rule.operator} needs a value")


def _leaf(rule: Rule) -> dict[str, Any] | None:
    operator, value = rule.operator, rule.value
    if operator == "is":
        return {"const": value}
    if operator == "is not":
        return {"not": {"const": value}}
    if operator == "is one of":
        return {"enum": list(value)}
    if operator == "is not one of":
        return {"not": {"enum": list(value)}}
    if operator == "includes":
        return {"contains": {"const": value}}
    if operator in _KEYWORD:
        return {_KEYWORD[operator]: value}
    if operator in _NOT_KEYWORD:
        return {"not": {_NOT_KEYWORD[operator]: value}}
    return None  # is answered, is not answered


def _wrap(schema: dict[str, Any], names: list[str], leaf: dict[str, Any] | None) -> dict[str, Any]:
    """The object test "this answer is given and its value passes `leaf`", level by level; a
    list of objects on the way is tested with `contains` (some item passes)."""
    name = names[0]
    sub = (schema.get("properties") or {}).get(name) or {}
    inner: dict[str, Any] | None
    if len(names) == 1:
        inner = leaf
    elif primary_type(sub) == "array":
        inner = {"contains": _wrap(sub.get("items") or {}, names[1:], leaf)}
    else:
        inner = _wrap(sub, names[1:], leaf)
    if inner is None:
        return {"required": [name]}
    return {"properties": {name: inner}, "required": [name]}


# Schema → rules.


class _Unreadable(Exception):
    pass


def read(when: Any, definition: Definition) -> Reading:
    """The rules and sentence of a `when`, or why it cannot be shown as a sentence."""
    try:
        rules = _read(when, definition)
        rebuilt = to_schema(rules, definition)
    except (_Unreadable, Refused) as reason:
        return Reading(
            None, None, str(reason) or "the condition uses JSON Schema the editor cannot show"
        )
    if not same(rebuilt, when):
        return Reading(None, None, "the condition is written in a way the editor would change")
    return Reading(rules, sentence(rules, definition))


def describe(when: Any, definition: Definition) -> str:
    """A condition in words, whatever it is: its sentence, or a plain note that it is JSON."""
    reading = read(when, definition)
    return (
        reading.sentence
        or "Only if a condition written as JSON holds (it cannot be shown as a sentence)"
    )


def _read(when: Any, definition: Definition) -> Rules:
    if not isinstance(when, dict):
        raise _Unreadable("the condition is not a JSON Schema object")
    answers = definition["answers"]
    if set(when) == {"anyOf"} and isinstance(when["anyOf"], list):
        found = []
        for branch in when["anyOf"]:
            rules = _branch(branch, answers)
            if len(rules) != 1:
                raise _Unreadable("an 'any' branch tests more than one thing")
            found.extend(rules)
        return Rules("any", tuple(found))
    if set(when) == {"allOf"} and isinstance(when["allOf"], list):
        return Rules(
            "all", tuple(rule for branch in when["allOf"] for rule in _branch(branch, answers))
        )
    return Rules("all", tuple(_branch(when, answers)))


def _branch(schema: Any, answers: dict[str, Any]) -> list[Rule]:
    if isinstance(schema, dict) and set(schema) == {"not"}:
        rules = _conjunction(schema["not"], answers, "")
        if len(rules) == 1 and rules[0].operator == "is answered":
            return [Rule(rules[0].answer, "is not answered")]
        raise _Unreadable("the condition uses not in a way the editor cannot show")
    return _conjunction(schema, answers, "")


def _conjunction(schema: Any, at: dict[str, Any], prefix: str) -> list[Rule]:
    """Rules of an object test {properties, required}: every one must hold."""
    if (
        not isinstance(schema, dict)
        or not set(schema) <= {"properties", "required"}
        or "required" not in schema
    ):
        raise _Unreadable("the condition uses JSON Schema the editor cannot show")
    required = schema["required"]
    tested = schema.get("properties") or {}
    if not isinstance(required, list) or not isinstance(tested, dict):
        raise _Unreadable("the condition is not an object test")
    for name in tested:
        if name not in required:
            raise _Unreadable(f"the condition tests {name} without requiring an answer")
    found: list[Rule] = []
    for name in required:
        path = f"{prefix}/{name}"
        sub_schema = (at.get("properties") or {}).get(name)
        if not isinstance(sub_schema, dict):
            raise _Unreadable(f"the condition tests {path}, which is not an answer")
        if name not in tested:
            found.append(Rule(path, "is answered"))
        else:
            found.extend(_property(tested[name], sub_schema, path))
    return found


def _property(test: Any, schema: dict[str, Any], path: str) -> list[Rule]:
    leaf = _read_leaf(test)
    if leaf is not None:
        return [Rule(path, *leaf)]
    if isinstance(test, dict) and set(test) == {"contains"} and primary_type(schema) == "array":
        rules = _conjunction(test["contains"], schema.get("items") or {}, path)
        if len(rules) != 1:
            raise _Unreadable("the condition tests more than one thing of the same item")
        return rules
    return _conjunction(test, schema, path)


def _read_leaf(test: Any) -> tuple[str, Any] | None:
    if not isinstance(test, dict) or len(test) != 1:
        return None
    ((keyword, value),) = test.items()
    if keyword == "const":
        return "is", value
    if keyword == "enum" and isinstance(value, list):
        return "is one of", value
    if keyword == "contains" and isinstance(value, dict) and set(value) == {"const"}:
        return "includes", value["const"]
    for operator, name in _KEYWORD.items():
        if keyword == name:
            return operator, value
    if keyword == "not" and isinstance(value, dict) and len(value) == 1:
        ((inner, inner_value),) = value.items()
        if inner == "const":
            return "is not", inner_value
        if inner == "enum" and isinstance(inner_value, list):
            return "is not one of", inner_value
        for operator, name in _NOT_KEYWORD.items():
            if inner == name:
                return operator, inner_value
    return None


# Rules → words.


def sentence(rules: Rules, definition: Definition) -> str:
    """ "Only if 'What type of item is it?' is Fridge or freezer for any item"."""
    said = [_said(rule, definition) for rule in rules.rules]
    joiner = " and " if rules.combine == "all" else " or "
    if len(said) == 1:
        return f"Only if {said[0]}"
    return f"Only if {', '.join(said[:-1])}{joiner}{said[-1]}"


def _said(rule: Rule, definition: Definition) -> str:
    label = question_label(definition, rule.answer)
    operator, value = rule.operator, rule.value
    if operator in ANSWERED:
        words = operator
    elif operator in ("is one of", "is not one of"):
        shown = [_value(definition, rule.answer, item) for item in value]
        listed = shown[0] if len(shown) == 1 else f"{', '.join(shown[:-1])} or {shown[-1]}"
        words = f"{'is' if operator == 'is one of' else 'is not'} {listed}"
    elif operator in COMPARE:
        amount = _value(definition, rule.answer, value)
        words = {
            "more than": f"is more than {amount}",
            "less than": f"is less than {amount}",
            "at least": f"is {amount} or more",
            "at most": f"is {amount} or less",
        }[operator]
    elif operator in DATES:
        words = f"is {operator} {_value(definition, rule.answer, value)}"
    else:
        words = f"{operator} {_value(definition, rule.answer, value)}"
    return f"'{label}' {words}{_any_item(definition, rule.answer)}"


def _any_item(definition: Definition, path: str) -> str:
    """ " for any item" when the answer is inside an add-another list."""
    names = parts(path)
    for depth in range(1, len(names)):
        holder = schema_at(definition["answers"], "/" + "/".join(names[:depth]))
        if holder is not None and primary_type(holder) == "array":
            list_path = "/" + "/".join(names[:depth])
            page = next(
                (
                    p
                    for p in definition.get("pages", [])
                    if p.get("type") == "add-another" and p.get("answer") == list_path
                ),
                None,
            )
            item = str((page or {}).get("itemTitle") or "item").lower()
            return f" for any {item}"
    return ""


def _value(definition: Definition, path: str, value: Any) -> str:
    schema = schema_at(definition["answers"], path) or {}
    for option, title in options(schema) or item_options(schema):
        if json_equal(option, value) and type(option) is type(value):
            return title
    if isinstance(value, bool):
        return "Yes" if value else "No"
    kind = question_kind(definition, path)
    if kind == "money" and isinstance(value, int):
        return pounds(value)
    if kind == "date" and isinstance(value, str):
        if value == "today":
            return "today"
        day = datetime.date.fromisoformat(value)
        return f"{day.day} {day:%B %Y}"
    if isinstance(value, str):
        return f"'{value}'"
    return str(value)


# What the rules mean, said in Python: the test of the schema they write.


def holds(
    rules: Rules,
    answers: dict[str, Any],
    definition: Definition,
    today: datetime.date | None = None,
) -> bool:
    """Whether the answers meet the rules (for answers of the types the questions ask)."""
    results = [
        _holds(rule, answers, definition["answers"], today or datetime.date.today())
        for rule in rules.rules
    ]
    return all(results) if rules.combine == "all" else any(results)


def _holds(rule: Rule, answers: Any, schema: dict[str, Any], today: datetime.date) -> bool:
    def walk(value: Any, names: list[str], at: dict[str, Any]) -> bool:
        if not isinstance(value, dict) or names[0] not in value:
            return False
        sub = (at.get("properties") or {}).get(names[0]) or {}
        inner = value[names[0]]
        if len(names) == 1:
            return _leaf_holds(rule, inner, today)
        if primary_type(sub) == "array":
            return isinstance(inner, list) and any(
                walk(item, names[1:], sub.get("items") or {}) for item in inner
            )
        return walk(inner, names[1:], sub)

    if rule.operator == "is not answered":
        return not walk(answers, parts(rule.answer), schema)
    return walk(answers, parts(rule.answer), schema)


def _leaf_holds(rule: Rule, value: Any, today: datetime.date) -> bool:
    operator, expected = rule.operator, rule.value

    def equal(left: Any, right: Any) -> bool:
        return json_equal(left, right)

    if operator in ANSWERED:
        return True
    if operator == "is":
        return equal(value, expected)
    if operator == "is not":
        return not equal(value, expected)
    if operator == "is one of":
        return any(equal(value, item) for item in expected)
    if operator == "is not one of":
        return not any(equal(value, item) for item in expected)
    if operator == "includes":
        return isinstance(value, list) and any(equal(item, expected) for item in value)
    if operator in COMPARE:
        number = float(value)
        return bool(
            {
                "more than": number > expected,
                "less than": number < expected,
                "at least": number >= expected,
                "at most": number <= expected,
            }[operator]
        )
    given = datetime.date.fromisoformat(value)
    bound = today if expected == "today" else datetime.date.fromisoformat(expected)
    return bool(
        {
            "before": given < bound,
            "after": given > bound,
            "on or before": given <= bound,
            "on or after": given >= bound,
        }[operator]
    )
