"""Conditions a designer can read: rules become the `when` JSON Schema and come back as the
same rules and a sentence; the schema means what the rules say, exactly as the runtime
evaluates it; every condition of the shipped services reads as a sentence."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import pytest
from checked import applied, shipped
from hypothesis import given, settings
from hypothesis import strategies as st

from builder.conditions import (
    Rule,
    Rules,
    answers_asked,
    answers_before,
    describe,
    holds,
    operators_for,
    read,
    schema_of,
    to_schema,
    value_from_form,
)
from builder.operations import Refused, perform
from runtime.core.conditions import Condition
from runtime.core.definition import problems

SERVICES = Path(__file__).resolve().parents[2] / "schemas" / "services"

SIZES = ["small", "medium", "large"]
WASTE = ["bags", "tyres", "hazardous"]
KINDS = ["sofa", "fridge"]

# A definition with one question of each kind a condition can test.
DEFINITION: dict[str, Any] = {
    "format": 1,
    "id": "test-conditions",
    "version": "1.0.0",
    "title": "Test conditions",
    "summary": "A service to test conditions.",
    "lgsl": 1,
    "publisher": {"id": "demo", "name": "Demo Borough Council"},
    "answers": {
        "type": "object",
        "properties": {
            "binOut": {"type": "boolean"},
            "size": {
                "type": "string",
                "oneOf": [{"const": v, "title": v.capitalize()} for v in SIZES],
            },
            "wasteTypes": {
                "type": "array",
                "uniqueItems": True,
                "items": {"oneOf": [{"const": v, "title": v.capitalize()} for v in WASTE]},
            },
            "bins": {"type": "integer"},
            "amount": {"type": "integer", "minimum": 0},
            "dueDate": {"type": "string", "format": "date"},
            "name": {"type": "string"},
            "address": {
                "type": "object",
                "properties": {
                    "line1": {"type": "string"},
                    "postcode": {"type": "string", "format": "uk-postcode"},
                },
            },
            "items": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "type": {
                            "type": "string",
                            "oneOf": [{"const": v, "title": v.capitalize()} for v in KINDS],
                        },
                        "count": {"type": "integer"},
                    },
                },
            },
        },
    },
    "pages": [
        {"id": "bin-out", "fields": [{"answer": "/binOut", "label": "Was your bin out?"}]},
        {"id": "size", "fields": [{"answer": "/size", "label": "How big is it?"}]},
        {"id": "waste", "fields": [{"answer": "/wasteTypes", "label": "What was dumped?"}]},
        {"id": "bins", "fields": [{"answer": "/bins", "label": "How many bins?"}]},
        {
            "id": "amount",
            "fields": [{"answer": "/amount", "label": "How much?", "widget": "money"}],
        },
        {"id": "due", "fields": [{"answer": "/dueDate", "label": "When was it due?"}]},
        {"id": "name", "fields": [{"answer": "/name", "label": "Your name"}]},
        {
            "id": "address",
            "title": "Your address",
            "fields": [
                {"answer": "/address/line1", "label": "Address line 1"},
                {"answer": "/address/postcode", "label": "Postcode"},
            ],
        },
        {
            "id": "items",
            "type": "add-another",
            "answer": "/items",
            "title": "About the item",
            "itemTitle": "Item",
            "fields": [
                {"answer": "/type", "label": "What type of item is it?"},
                {"answer": "/count", "label": "How many?"},
            ],
        },
    ],
    "confirmation": {"next": "Thank you."},
    "workflow": {
        "id": "test",
        "initial": "new",
        "states": {
            "new": {
                "on": {"DONE": {"target": "done"}},
                "meta": {"label": "New", "residentText": "New.", "tag": "blue"},
            },
            "done": {
                "type": "final",
                "meta": {"label": "Done", "residentText": "Done.", "tag": "green"},
            },
        },
    },
}

QUESTIONS = [
    "/binOut",
    "/size",
    "/wasteTypes",
    "/bins",
    "/amount",
    "/dueDate",
    "/name",
    "/address/postcode",
    "/address/line1",
    "/items/type",
    "/items/count",
]
TODAY = datetime.date.today()
DATES = [(TODAY + datetime.timedelta(days=n)).isoformat() for n in (-2, -1, 0, 1, 2)]
TEXTS = ["Sam", "Alex", "SW1A 1AA"]


def test_the_test_definition_is_valid() -> None:
    assert problems(DEFINITION) == []


def value_for(path: str, operator: str) -> st.SearchStrategy[Any]:
    if operator in ("is answered", "is not answered"):
        return st.none()
    options = {"/size": SIZES, "/wasteTypes": WASTE, "/items/type": KINDS}.get(path)
    if options is not None:
        if operator in ("is one of", "is not one of"):
            return st.lists(st.sampled_from(options), min_size=1, max_size=3, unique=True)
        return st.sampled_from(options)
    if path == "/binOut":
        return st.booleans()
    if path in ("/bins", "/items/count", "/amount"):
        return st.integers(-1, 4)
    if path == "/dueDate":
        return st.sampled_from([*DATES, "today"])
    return st.sampled_from(TEXTS)


@st.composite
def rules(draw: st.DrawFn) -> Rules:
    found = []
    for _ in range(draw(st.integers(1, 4))):
        path = draw(st.sampled_from(QUESTIONS))
        operator = draw(st.sampled_from(operators_for(DEFINITION, path)))
        found.append(Rule(path, operator, draw(value_for(path, operator))))
    return Rules(draw(st.sampled_from(["all", "any"])), tuple(found))


def maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.none() | strategy


@st.composite
def answers(draw: st.DrawFn) -> dict[str, Any]:
    """Answers of the types the questions ask; any may be missing."""
    given = {
        "binOut": draw(maybe(st.booleans())),
        "size": draw(maybe(st.sampled_from(SIZES))),
        "wasteTypes": draw(maybe(st.lists(st.sampled_from(WASTE), min_size=1, unique=True))),
        "bins": draw(maybe(st.integers(-1, 4))),
        "amount": draw(maybe(st.integers(-1, 4))),
        "dueDate": draw(maybe(st.sampled_from(DATES))),
        "name": draw(maybe(st.sampled_from(TEXTS))),
        "address": draw(
            maybe(
                st.fixed_dictionaries(
                    {},
                    optional={"line1": st.sampled_from(TEXTS), "postcode": st.sampled_from(TEXTS)},
                )
            )
        ),
        "items": draw(
            maybe(
                st.lists(
                    st.fixed_dictionaries(
                        {}, optional={"type": st.sampled_from(KINDS), "count": st.integers(-1, 4)}
                    ),
                    max_size=3,
                )
            )
        ),
    }
    return {name: value for name, value in given.items() if value is not None}


@settings(max_examples=400, deadline=None)
@given(rules())
def test_rules_to_schema_to_rules_is_the_identity(given_rules: Rules) -> None:
    schema = to_schema(given_rules, DEFINITION)
    reading = read(schema, DEFINITION)
    assert reading.rules == given_rules, reading.reason
    assert reading.sentence is not None and reading.sentence.startswith("Only if '")


@settings(max_examples=200, deadline=None)
@given(rules(), answers())
def test_the_schema_means_what_the_rules_say_as_the_runtime_evaluates_it(
    given_rules: Rules, given: dict[str, Any]
) -> None:
    schema = to_schema(given_rules, DEFINITION)
    assert Condition(schema).is_valid(given) == holds(given_rules, given, DEFINITION)


@settings(max_examples=100, deadline=None)
@given(rules())
def test_every_condition_the_editor_writes_passes_the_meta_schema_and_lint(
    given_rules: Rules,
) -> None:
    definition = {
        **DEFINITION,
        "pages": [
            *DEFINITION["pages"],
            {
                "id": "end",
                "type": "content",
                "title": "End",
                "content": "End.",
                "when": to_schema(given_rules, DEFINITION),
            },
        ],
    }
    assert problems(definition) == []


def test_the_sentences_read_as_a_designer_would_say_them() -> None:
    bulky = shipped("book-bulky-waste")
    fridge = bulky["fees"]["lines"][1]["when"]
    assert (
        describe(fridge, bulky)
        == "Only if 'What type of item is it?' is Fridge or freezer for any item"
    )
    assert read(fridge, bulky).rules == Rules("all", (Rule("/items/type", "is", "fridge"),))
    both = Rules(
        "all",
        (
            Rule("/binOut", "is", False),
            Rule("/amount", "at least", 1250),
            Rule("/dueDate", "before", "2026-04-01"),
        ),
    )
    assert read(to_schema(both, DEFINITION), DEFINITION).sentence == (
        "Only if 'Was your bin out?' is No, 'How much?' is £12.50 or more and 'When was it due?' is before 1 April 2026"
    )
    either = Rules(
        "any",
        (
            Rule("/size", "is one of", ["small", "large"]),
            Rule("/wasteTypes", "includes", "tyres"),
            Rule("/name", "is not answered"),
        ),
    )
    assert read(to_schema(either, DEFINITION), DEFINITION).sentence == (
        "Only if 'How big is it?' is Small or Large, 'What was dumped?' includes Tyres or 'Your name' is not answered"
    )


@pytest.mark.parametrize("path", sorted(SERVICES.glob("*.json")), ids=lambda path: path.stem)
def test_every_shipped_condition_reads_as_a_sentence(path: Path) -> None:
    definition = shipped(path.stem)
    whens = [page["when"] for page in definition["pages"] if "when" in page]
    whens += [
        line["when"] for line in definition.get("fees", {}).get("lines", []) if "when" in line
    ]
    for when in whens:
        reading = read(when, definition)
        assert reading.readable, (when, reading.reason)
        assert to_schema(reading.rules, definition) == when  # type: ignore[arg-type]


def test_the_vouchers_fee_reads_with_its_two_tests() -> None:
    permit = shipped("apply-parking-permit")
    assert describe(permit["fees"]["lines"][2]["when"], permit) == (
        "Only if 'Do you want to buy visitor vouchers?' is Yes and "
        "'How many books of visitor vouchers do you want?' is answered"
    )


@pytest.mark.parametrize(
    "when",
    [
        {"properties": {"bins": {"minimum": 1, "maximum": 3}}, "required": ["bins"]},
        {"properties": {"binOut": {"const": True}}},
        {"not": {"properties": {"binOut": {"const": True}}, "required": ["binOut"]}},
        {"properties": {"name": {"pattern": "^S"}}, "required": ["name"]},
        {
            "anyOf": [
                {
                    "properties": {"binOut": {"const": True}, "size": {"const": "small"}},
                    "required": ["binOut", "size"],
                }
            ]
        },
        {"properties": {"nowhere": {"const": 1}}, "required": ["nowhere"]},
        {
            "properties": {"binOut": {"const": "yes"}},
            "required": ["binOut"],
            "additionalProperties": False,
        },
        {"required": ["binOut"], "properties": {"binOut": {"enum": [True]}}, "allOf": []},
    ],
)
def test_a_condition_the_editor_cannot_show_stays_json(when: dict[str, Any]) -> None:
    reading = read(when, DEFINITION)
    assert not reading.readable
    assert reading.sentence is None and reading.reason
    assert describe(when, DEFINITION).endswith("(it cannot be shown as a sentence)")


def test_rules_that_do_not_fit_their_question_are_refused() -> None:
    for rules_given, code in [
        (Rules("all", (Rule("/binOut", "more than", 3),)), "operator"),
        (Rules("all", (Rule("/bins", "more than", "three"),)), "value"),
        (Rules("all", (Rule("/size", "is one of", []),)), "value"),
        (Rules("all", (Rule("/dueDate", "before", "soon"),)), "date"),
        (Rules("all", (Rule("/nowhere", "is", 1),)), "no-such-answer"),
        (Rules("some", (Rule("/binOut", "is", True),)), "combine"),
        (Rules("all", ()), "no-rules"),
    ]:
        with pytest.raises(Refused) as refused:
            to_schema(rules_given, DEFINITION)
        assert refused.value.code == code


def test_operators_fit_the_question() -> None:
    assert operators_for(DEFINITION, "/binOut") == ("is", "is answered", "is not answered")
    assert "includes" in operators_for(DEFINITION, "/wasteTypes")
    assert "before" in operators_for(DEFINITION, "/dueDate")
    assert "more than" in operators_for(DEFINITION, "/amount")


def test_a_page_can_test_only_answers_asked_before_it() -> None:
    assert answers_before(DEFINITION, "size") == [("/binOut", "Was your bin out?")]
    assert answers_before(DEFINITION, "bin-out") == []


def test_a_fee_can_test_every_answer_the_service_asks() -> None:
    assert [path for path, _ in answers_asked(DEFINITION)] == [
        "/binOut", "/size", "/wasteTypes", "/bins", "/amount", "/dueDate", "/name",
        "/address/line1", "/address/postcode", "/items/type", "/items/count",
    ]
    assert answers_before(DEFINITION, "waste") == answers_asked(DEFINITION)[:2]


def test_a_condition_is_given_as_rules_or_as_json_schema_not_both() -> None:
    rules = Rules("any", (Rule("/bins", "at least", 4), Rule("/size", "is", "large")))
    assert schema_of(DEFINITION, rules=rules.as_json()) == to_schema(rules, DEFINITION)
    when = {"required": ["name"]}
    assert schema_of(DEFINITION, when=when) == when
    for given_both in ({}, {"when": when, "rules": rules.as_json()}):
        with pytest.raises(Refused) as refused:
            schema_of(DEFINITION, **given_both)  # type: ignore[arg-type]
        assert refused.value.code == "condition"


def test_a_fee_lines_condition_from_rules_is_one_small_change() -> None:
    garden = shipped("subscribe-garden-waste")
    rules = {
        "combine": "any",
        "rules": [
            {"answer": "/bins", "operator": "at least", "value": 4},
            {"answer": "/concessionBenefit", "operator": "is", "value": "pension-credit"},
        ],
    }
    change = perform(garden, "edit-fee", {"line": "concession", "rules": rules})
    assert all(op["path"].startswith("/fees/lines/1/when") for op in change.patch), change.patch
    after = applied(garden, change)
    assert after["fees"]["lines"][1]["when"] == to_schema(Rules.from_json(rules), garden)
    assert change.description == (
        "Fee 'Garden waste subscription for 12 months, per bin (concession rate)' is now charged "
        "only if 'How many garden waste bins do you want to subscribe?' is 4 or more or "
        "'Which do you get?' is Pension Credit (Guarantee Credit)"
    )
    cleared = perform(after, "edit-fee", {"line": "concession", "when": None})
    assert "when" not in applied(after, cleared)["fees"]["lines"][1]
    assert cleared.description.endswith("(concession rate)' is now always charged")
    with pytest.raises(Refused):
        perform(garden, "edit-fee", {"line": "concession", "rules": rules, "when": {"required": ["bins"]}})
    added = perform(garden, "add-fee", {"description": "Extra", "amount": "5", "rules": rules})
    assert applied(garden, added)["fees"]["lines"][-1]["when"] == after["fees"]["lines"][1]["when"]


def test_values_come_from_what_a_designer_chose_or_typed() -> None:
    assert value_from_form(DEFINITION, "/binOut", "is", ["yes"]) is True
    assert value_from_form(DEFINITION, "/size", "is one of", ["small", "large"]) == [
        "small",
        "large",
    ]
    assert value_from_form(DEFINITION, "/amount", "more than", ["£12.50"]) == 1250
    assert value_from_form(DEFINITION, "/bins", "at least", ["3"]) == 3
    assert value_from_form(DEFINITION, "/dueDate", "before", ["today"]) == "today"
    assert value_from_form(DEFINITION, "/name", "is answered", []) is None
    with pytest.raises(Refused):
        value_from_form(DEFINITION, "/size", "is", ["huge"])


def test_rules_and_readings_travel_as_json() -> None:
    rules = Rules("any", (Rule("/size", "is one of", ["small"]), Rule("/name", "is answered")))
    assert Rules.from_json(rules.as_json()) == rules
    reading = read(to_schema(rules, DEFINITION), DEFINITION).as_json()
    assert reading == {
        "readable": True,
        "rules": rules.as_json(),
        "sentence": "Only if 'How big is it?' is Small or 'Your name' is answered",
        "reason": None,
    }
