"""Where "this question must be answered" is written, so the builder can turn it on and off.

Designers tick "required"; the definition says it in one of three places:

- an answer inside an object (a line of an address, a question about one add-another item)
  is in that object's `required`;
- a top-level answer asked on a page every resident sees is in the answers' `required`;
- a top-level answer asked only sometimes (on a page with a condition, or revealed under an
  option) is required by a rule `{"if": <that condition>, "then": {"required": [...]}}` in the
  answers' `allOf`. It must not be in the top-level `required`, or residents who never see the
  question could never send their application (the lint rule `unreachable-required`).

When a page's condition changes, its answers' rules move with it (`move_page_requirements`).
Every function here changes the definition it is given: operations call them on their copy.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from builder.keyed_patch import same
from builder.locations import is_add_another, parent_of, schema_at
from builder.patch import copy_json, parts
from runtime.core.schema_paths import options

Definition = dict[str, Any]


def _rules(answers: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The if/then rules of the answers: the answers' own, then each in `allOf`."""
    if "if" in answers and isinstance(answers.get("then"), dict):
        yield answers
    for rule in answers.get("allOf") or []:
        if isinstance(rule, dict) and "if" in rule and isinstance(rule.get("then"), dict):
            yield rule


def is_top_level(page: dict[str, Any], path: str) -> bool:
    """Whether the answer is one of the answers' own properties (not inside an object)."""
    return len(parts(path)) == 1 and (not is_add_another(page) or path == page.get("answer"))


def reveal_condition(
    definition: Definition, page: dict[str, Any], field_answer: str
) -> dict[str, Any] | None:
    """The condition under which another field of the page reveals this one."""
    for field in page.get("fields", []):
        for value, targets in (field.get("reveals") or {}).items():
            if field_answer in targets:
                return _chosen(definition, field["answer"], value)
    return None


def _chosen(definition: Definition, path: str, value: str) -> dict[str, Any]:
    """The condition "the answer at `path` is the option `value`" (reveal keys are strings)."""
    schema = schema_at(definition["answers"], path) or {}
    chosen: Any = next((option for option, _ in options(schema) if str(option) == value), value)
    condition: dict[str, Any] = {"const": chosen}
    for name in reversed(parts(path)):
        condition = {"properties": {name: condition}, "required": [name]}
    return condition


def requirement_condition(
    definition: Definition, page: dict[str, Any], path: str
) -> dict[str, Any] | None:
    """When a top-level answer of this page is asked: its reveal, else the page's condition."""
    if not is_add_another(page):
        revealed = reveal_condition(definition, page, path)
        if revealed is not None:
            return revealed
    when = page.get("when")
    return copy_json(when) if isinstance(when, dict) else None


def is_required(definition: Definition, page: dict[str, Any], path: str) -> bool:
    """Whether the answer at `path`, asked on `page`, must be given when it is asked."""
    answers = definition["answers"]
    parent, name = parent_of(answers, path)
    if name in (parent.get("required") or []):
        return True
    if not is_top_level(page, path):
        return False
    return any(name in (rule["then"].get("required") or []) for rule in _rules(answers))


def set_required(definition: Definition, page: dict[str, Any], path: str, required: bool) -> None:
    """Make the answer at `path` (asked on `page`) required or optional, in the right place."""
    answers = definition["answers"]
    parent, name = parent_of(answers, path)
    _discard(parent, name)
    if is_top_level(page, path):
        _forget_in_rules(answers, name)
    if not required:
        return
    condition = requirement_condition(definition, page, path) if is_top_level(page, path) else None
    if condition is None:
        parent.setdefault("required", []).append(name)
    else:
        _require_when(answers, condition, name)
    schema = schema_at(answers, path)
    if schema is not None and schema.get("type") == "array" and "minItems" not in schema:
        schema["minItems"] = 1


def forget(definition: Definition, page: dict[str, Any], path: str) -> None:
    """Take the answer at `path` out of every `required` (before deleting the answer)."""
    answers = definition["answers"]
    parent, name = parent_of(answers, path)
    _discard(parent, name)
    if is_top_level(page, path):
        _forget_in_rules(answers, name)
    for needed in (answers.get("dependentRequired") or {}).values():
        if name in needed:
            needed.remove(name)


def move_page_requirements(
    definition: Definition,
    page: dict[str, Any],
    old_when: dict[str, Any] | None,
    new_when: dict[str, Any] | None,
) -> None:
    """A page's condition changed: its required top-level answers follow it, from the
    top-level `required` or the rule with the old condition to those of the new one."""
    answers = definition["answers"]
    names = [
        parts(path)[0]
        for path in _top_level_paths(page)
        if is_add_another(page) or reveal_condition(definition, page, path) is None
    ]
    for name in names:
        in_root = name in (answers.get("required") or []) and old_when is None
        in_rule = old_when is not None and any(
            same(rule["if"], old_when) and name in (rule["then"].get("required") or [])
            for rule in _rules(answers)
        )
        if not (in_root or in_rule):
            continue
        if in_root:
            _discard(answers, name)
        else:
            for rule in list(_rules(answers)):
                if same(rule["if"], old_when):
                    _discard(rule["then"], name)
            _drop_empty_rules(answers)
        if new_when is None:
            answers.setdefault("required", []).append(name)
        else:
            _require_when(answers, new_when, name)


def _top_level_paths(page: dict[str, Any]) -> list[str]:
    """The top-level answers a page fills: /address for a page asking /address/postcode."""
    if is_add_another(page):
        return [str(page["answer"])]
    tops = ("/" + parts(field["answer"])[0] for field in page.get("fields", []))
    return list(dict.fromkeys(tops))


def _discard(schema: dict[str, Any], name: str) -> None:
    required = schema.get("required")
    if isinstance(required, list) and name in required:
        required.remove(name)
        if not required:
            del schema["required"]


def _require_when(answers: dict[str, Any], condition: dict[str, Any], name: str) -> None:
    for rule in _rules(answers):
        if same(rule["if"], condition) and set(rule["then"]) <= {"required"} and "else" not in rule:
            names = rule["then"].setdefault("required", [])
            if name not in names:
                names.append(name)
            return
    answers.setdefault("allOf", []).append(
        {"if": copy_json(condition), "then": {"required": [name]}}
    )


def _forget_in_rules(answers: dict[str, Any], name: str) -> None:
    for rule in _rules(answers):
        _discard(rule["then"], name)
    _drop_empty_rules(answers)


def _drop_empty_rules(answers: dict[str, Any]) -> None:
    """Remove rules left requiring nothing."""

    def empty(rule: dict[str, Any]) -> bool:
        return rule["then"] == {} and "else" not in rule

    if "if" in answers and isinstance(answers.get("then"), dict) and empty(answers):
        del answers["if"], answers["then"]
    if isinstance(answers.get("allOf"), list):
        answers["allOf"] = [
            rule
            for rule in answers["allOf"]
            if not (
                isinstance(rule, dict)
                and "if" in rule
                and isinstance(rule.get("then"), dict)
                and empty(rule)
            )
        ]
        if not answers["allOf"]:
            del answers["allOf"]
