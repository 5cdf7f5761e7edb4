"""Random designers: sequences of operations with sensible inputs, from a blank service. Each
operation is either refused with a reason or leaves a draft that passes the real meta-schema
and lint, and undoes exactly; the whole history replays and unwinds."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from checked import blank
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from builder.change import Change
from builder.conditions import Rule, Rules, answers_before, operators_for, to_schema
from builder.keyed_patch import same
from builder.locations import asked, schema_at
from builder.operations import Refused, perform
from builder.question_kinds import KINDS, option_list
from runtime.core.definition import problems

Draw = Callable[[st.SearchStrategy[Any]], Any]

LABELS = [
    "Colour",
    "How many bins?",
    "When was it due?",
    "Your name",
    "What type of item is it?",
    "Describe it",
]
OPTIONS = [
    ["Fridge or freezer", "Sofa"],
    ["Yes, I have permission", "No"],
    ["Small", "Medium", "Large"],
]


def _page_ids(definition: dict[str, Any], *, questions: bool = False) -> list[str]:
    return [p["id"] for p in definition["pages"] if not questions or p.get("type") != "content"]


def _value(definition: dict[str, Any], path: str, operator: str, draw: Draw) -> Any:
    if operator in ("is answered", "is not answered"):
        return None
    schema = schema_at(definition["answers"], path) or {}
    branches = option_list(schema)
    if branches:
        values = [b["const"] for b in branches]
        if operator in ("is one of", "is not one of"):
            return draw(st.lists(st.sampled_from(values), min_size=1, unique=True))
        return draw(st.sampled_from(values))
    if schema.get("type") == "boolean":
        return draw(st.booleans())
    if schema.get("type") in ("integer", "number"):
        return draw(st.integers(0, 5))
    if schema.get("format") == "date":
        return draw(st.sampled_from(["today", "2026-04-01"]))
    return draw(st.sampled_from(["a", "b"]))


def operation(definition: dict[str, Any], draw: Draw) -> tuple[str, dict[str, Any]]:
    pages = _page_ids(definition)
    question_pages = _page_ids(definition, questions=True)
    fields = list(asked(definition))
    choice = draw(
        st.sampled_from(
            [
                "add-question-page",
                "add-question",
                "add-content-page",
                "add-add-another-page",
                "edit-question",
                "delete-question",
                "move-page",
                "delete-page",
                "duplicate-page",
                "set-condition",
                "clear-condition",
                "add-option",
                "remove-option",
                "add-fee",
                "move-question",
            ]
        )
    )
    kind = draw(st.sampled_from(sorted(KINDS)))
    label = draw(st.sampled_from(LABELS))
    options = draw(st.sampled_from(OPTIONS)) if KINDS[kind].needs_options else []
    if choice == "add-question" and question_pages:
        return choice, {
            "page": draw(st.sampled_from(question_pages)),
            "kind": kind,
            "label": label,
            "options": options,
            "page_title": "About you",
            "required": draw(st.booleans()),
        }
    if choice in ("add-question-page", "add-question"):
        return "add-question-page", {
            "kind": kind,
            "label": label,
            "options": options,
            "required": draw(st.booleans()),
            "after": draw(st.sampled_from([None, "start", *pages])),
        }
    if choice == "add-content-page":
        return choice, {
            "title": "Before you start",
            "content": "You need a photo.",
            "after": draw(st.sampled_from([None, *pages])),
        }
    if choice == "add-add-another-page":
        return choice, {
            "title": "About the item",
            "item_title": "Item",
            "kind": kind,
            "label": label,
            "options": options,
            "min_items": draw(st.integers(0, 2)),
        }
    if choice in ("move-page", "delete-page", "duplicate-page"):
        params: dict[str, Any] = {"page": draw(st.sampled_from(pages))}
        if choice == "move-page":
            params["direction"] = draw(st.sampled_from(["up", "down"]))
        return choice, params
    conditional = [p["id"] for p in definition["pages"] if "when" in p]
    if choice == "clear-condition" or (
        choice == "set-condition" and conditional and draw(st.booleans())
    ):
        return "clear-condition", {"page": draw(st.sampled_from(conditional or pages))}
    if choice == "set-condition":
        decidable = [page for page in pages if answers_before(definition, page)]
        if not decidable:
            return "clear-condition", {"page": draw(st.sampled_from(pages))}
        page = draw(st.sampled_from(decidable))
        earlier = answers_before(definition, page)
        path = draw(st.sampled_from([p for p, _ in earlier]))
        operator = draw(st.sampled_from(operators_for(definition, path)))
        rule = Rule(path, operator, _value(definition, path, operator, draw))
        return choice, {"page": page, "when": to_schema(Rules("all", (rule,)), definition)}
    if choice == "add-fee":
        return choice, {
            "description": "Collection charge",
            "amount": draw(st.sampled_from(["15", "7.50", 0])),
        }
    if not fields:
        return "add-content-page", {"title": "Before you start", "content": "You need a photo."}
    with_options = [
        f for f in fields if option_list(schema_at(definition["answers"], f.path) or {})
    ]
    if choice in ("add-option", "remove-option") and with_options:
        fields = with_options
    found = draw(st.sampled_from(fields))
    question = {"page": found.page["id"], "answer": found.field["answer"]}
    if choice == "edit-question":
        return choice, {
            **question,
            "hint": draw(st.sampled_from([None, "Be brief."])),
            "required": draw(st.booleans()),
        }
    if choice == "move-question":
        return choice, {**question, "direction": draw(st.sampled_from(["up", "down"]))}
    if choice == "add-option":
        return choice, {**question, "label": "Something else"}
    if choice == "remove-option":
        schema = schema_at(definition["answers"], found.path) or {}
        branches = option_list(schema) or [{"const": "none"}]
        return choice, {**question, "value": str(draw(st.sampled_from(branches))["const"])}
    return "delete-question", question


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_random_designers_leave_valid_drafts_that_undo_exactly(data: st.DataObject) -> None:
    definition = blank()
    history: list[Change] = []
    for _ in range(data.draw(st.integers(1, 10))):
        name, params = operation(definition, data.draw)
        try:
            change = perform(definition, name, params)
        except Refused as refused:
            assert refused.code and refused.message
            continue
        after = change.apply(definition)
        found = problems(after)
        assert found == [], (name, params, [p.line(name) for p in found])
        assert same(change.undo(after), definition), (name, params)
        history.append(change)
        definition = after
    replayed = blank()
    for change in history:
        replayed = change.apply(replayed)
    assert same(replayed, definition)
    for change in reversed(history):
        replayed = change.undo(replayed)
    assert same(replayed, blank())
