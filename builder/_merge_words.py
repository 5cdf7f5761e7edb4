"""Collisions said where a designer looks for them: a path through the three definitions in
words ("Page 'Your contact details', question 'Email address', hint") and as the JSON Pointer
of the place in the first definition that has it."""

from __future__ import annotations

import json
from typing import Any

from builder._merge_walk import (
    ABSENT,
    ASKED,
    CONDITIONS,
    ORDER,
    Item,
    Part,
    collision_id,
    identity,
)
from builder.amounts import pounds
from builder.conditions import describe
from builder.locations import asked, page_name, question_label
from builder.patch import pointer
from runtime.core.digits import is_digits

Definition = dict[str, Any]


def _step(node: Any, part: Part) -> tuple[Any, str | int] | None:
    """The child of `node` at `part`, and its pointer part; None when there is none."""
    if isinstance(part, Item):
        if not isinstance(node, list):
            return None
        for index, item in enumerate(node):
            if part.key == "value":
                if identity(item) == part.identity:
                    return item, index
            elif isinstance(item, dict) and identity(item.get(part.key)) == part.identity:
                return item, index
        return None
    if isinstance(node, dict) and part in node:
        return node[part], part
    return None


def locate(path: tuple[Part, ...], views: tuple[Definition, ...]) -> str:
    """The JSON Pointer of the path in the first definition that has it (the list, for an order)."""
    wanted = path[:-1] if path and path[-1] == ORDER else path
    if len(path) == 3 and path[1] == ASKED and isinstance(path[2], Item):
        for view in views:
            for question in asked(view):
                if question.path == path[2].value:
                    return pointer("pages", question.page_index, "fields", question.field_index)
    for view in views:
        node: Any = view
        found: list[str | int] = []
        for part in wanted:
            step = _step(node, part)
            if step is None:
                break
            node, at = step
            found.append(at)
        else:
            return pointer(*found)
    return collision_id(wanted)


_TOP = {
    "title": "Service name",
    "summary": "Service summary",
    "start": "Start page",
    "declaration": "Declaration",
    "confirmation": "Confirmation page",
    "answers": "Answers",
    "pages": "Pages",
    "fees": "Fees",
    "workflow": "Workflow",
    "translations": "Translations",
    "languages": "Languages",
    "lgsl": "LGSL code",
    "tags": "Tags",
    "licence": "Licence",
}
_MEMBERS = {
    "label": "question",
    "hint": "hint",
    "title": "title",
    "content": "content",
    "errors": "error messages",
    "optionHints": "option hints",
    "reveals": "revealed questions",
    "residentText": "resident text",
    "description": "description",
    "amount": "amount",
    "when": "condition",
    "allOf": "rules for when answers are required",
    "if": "rule's condition",
    "then": "rule's requirement",
    "else": "rule's other requirement",
    "oneOf": "options",
    "minLength": "shortest length",
    "maxLength": "longest length",
    "minimum": "smallest value",
    "maximum": "largest value",
    "minItems": "fewest items",
    "maxItems": "most items",
    "formatMinimum": "earliest date",
    "formatMaximum": "latest date",
    "anyOf": "options",
    "required": "required answers",
    "fields": "questions",
    "lines": "lines",
    "meta": "",
    "properties": "",
    "items": "",
}

_WORKFLOW_MEMBERS = {
    "initial": "first state",
    "label": "label",
    "residentText": "resident text",
    "tag": "tag colour",
    "notify": "notification",
    "targetDays": "target days",
    "type": "final or not",
    "target": "target",
    "guard": "guard",
    "actions": "actions",
    "description": "button text",
}


def where(path: tuple[Part, ...], views: tuple[Definition, ...]) -> str:
    """The path in a designer's words: "Page 'Your contact details', question 'Email', hint"."""
    if not path:
        return "The service"
    if len(path) == 3 and path[1] == ASKED and isinstance(path[2], Item):
        label = question_label(views[0], str(path[2].value)) if views else path[2].value
        return f"Question '{label}': the page that asks it"
    words: list[str] = []
    nodes: list[Any] = list(views)
    answer: list[str] = []
    for index, part in enumerate(path):
        parent = path[index - 1] if index else None
        looked = [step for step in (_step(node, part) for node in nodes) if step is not None]
        found = looked[0][0] if looked else None
        following = path[index + 1] if index + 1 < len(path) else None
        if (
            isinstance(following, Item)
            or (part, following) in (("answers", "properties"), ("fees", "lines"))
            or (path[0] == "workflow" and part in ("states", "on", "after", "meta"))
            or (path[0] == "translations" and index < 2 and following is not None)
        ):
            pass  # the item, answer, state, event or string names itself
        elif isinstance(part, Item):
            words.append(_item_words(parent, part, found))
        elif part == ORDER:
            words.append("order")
        elif index == 0:
            words.append(_TOP.get(part, part))
        elif path[0] == "translations" and index == 2:
            words.append(f"{'Welsh' if path[1] == 'cy' else path[1]} of {part}")
        elif path[0] == "workflow" and parent == "states":
            label = (
                (found or {}).get("meta", {}).get("label", part)
                if isinstance(found, dict)
                else part
            )
            words.append(f"state '{label}'")
        elif path[0] == "workflow" and parent == "on":
            words.append(f"event {part}")
        elif path[0] == "workflow" and parent == "after":
            words.append(f"timer after {int(part) // 86_400_000} days" if is_digits(part) and len(part) <= 18 else part)
        elif parent == "properties" and path[0] == "answers":
            answer.append(part)
            label = question_label(views[0], "/" + "/".join(answer)) if views else part
            words.append(f"answer '{label}'")
        elif path[0] == "workflow":
            words.append(_WORKFLOW_MEMBERS.get(part, part))
        elif _MEMBERS.get(part, part):
            words.append(_MEMBERS.get(part, part))
        nodes = [step[0] for step in looked] or nodes
    said = ", ".join(word for word in words if word)
    return said[0].upper() + said[1:] if said else "The service"


def _item_words(parent: Part | None, part: Item, found: Any) -> str:
    item = found if isinstance(found, dict) else {}
    if parent == "pages":
        return f"page '{page_name(item) if item else part.value}'"
    if parent == "fields":
        return f"question '{item.get('label', part.value)}'"
    if parent == "lines":
        return f"fee '{item.get('description', part.value)}'"
    if part.key == "const":
        return f"option '{item.get('title', part.value)}'"
    if part.key == "value":
        return f"'{part.value}'"
    return f"{part.key} {part.value}"


def said(path: tuple[Part, ...], value: Any, definition: Definition, *, had: bool) -> str:
    """One side's value at the path, as a designer reads it: the text itself, an amount in
    pounds, a condition as a sentence, a page, question, fee line or state by its name, the
    keys of an order; "removed" (or "not there", when the base did not have it either)."""
    if value is ABSENT:
        return "removed" if had else "not there"
    last = path[-1] if path else None
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int) and last in ("amount",):
        return pounds(value)
    if isinstance(value, str | int | float):
        return str(value)
    if last in CONDITIONS and isinstance(value, dict):
        return describe(value, definition)
    if last == ORDER and isinstance(value, list):
        return ", ".join(str(item) for item in value)
    if isinstance(value, dict) and isinstance(last, Item):
        named = _item_words(path[-2] if len(path) > 1 else None, last, value)
        return named[0].upper() + named[1:]
    if isinstance(value, dict) and "meta" in value and isinstance(value["meta"], dict):
        return f"State '{value['meta'].get('label', last)}'"
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= 200 else text[:199] + "…"
