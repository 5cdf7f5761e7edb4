"""The screen (jsonschema-rs) never clears a page that jsonschema, the judge, finds wrong.

Each property below draws answers, many of them wrong in ways a form or an API could send
(huge and fractional numbers, wrong types, texts near every limit, dates around today, missing
answers), and checks the one promise a screen makes: when it clears a page's pointers, the
judge's failures give that page no error. The screen must also be worth having: it clears
the valid answers of every shipped service's pages.
"""

from __future__ import annotations

import datetime
import json
import math
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from runtime.core.keywords import answers_validator
from runtime.core.problems import pointer_parts
from runtime.core.screening import Screen, screen_for
from runtime.core.service import Field, Service, compile_service
from runtime.core.validation import field_errors, page_failures, schema_failures

SERVICES = sorted((Path(__file__).parents[2] / "schemas" / "services").glob("*.json"))
TODAY = datetime.date.today()

# Every keyword the answers meta-schema allows, several of them where Rust and Python could
# read a value differently (number bounds and multipleOf with floats, lengths, formats).
EVERY_KEYWORD: dict[str, Any] = {
    "type": "object",
    "properties": {
        "code": {"type": "string", "pattern": "^[A-Z]{2}[0-9]{2}$", "minLength": 4, "maxLength": 4},
        "postcode": {"type": "string", "format": "uk-postcode"},
        "email": {"type": "string", "format": "email"},
        "phone": {"type": "string", "format": "uk-phone"},
        "file": {"type": "string", "format": "file"},
        "day": {"type": "string", "format": "date", "formatMinimum": "today", "formatMaximum": "2100-01-01"},
        "count": {"type": "integer", "minimum": 1, "maximum": 9007199254740993},
        "share": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1, "multipleOf": 0.1},
        "pence": {"type": "integer", "multipleOf": 5},
        "choice": {"type": "string", "oneOf": [{"const": "a", "title": "A"}, {"const": "b", "title": "B"}]},
        "either": {"anyOf": [{"type": "string", "minLength": 3}, {"type": "integer"}]},
        "never": {"not": {"const": "no"}},
        "flags": {"type": "array", "items": {"enum": ["x", "y", "z", 1]}, "uniqueItems": True,
                  "minItems": 1, "maxItems": 2, "contains": {"const": "x"}},
        "exact": {"const": 1},
        "nullable": {"type": ["string", "null"], "maxLength": 2},
        "nested": {
            "type": "object",
            "additionalProperties": False,
            "properties": {"inner": {"type": "boolean"}, "other": {"type": "string", "minLength": 1}},
            "required": ["inner"],
            "dependentRequired": {"inner": ["other"]},
        },
        "items": {"type": "array", "items": {"type": "object", "properties": {"n": {"type": "integer"}},
                                              "required": ["n"]}},
    },
    "required": ["code", "choice"],
    "dependentRequired": {"email": ["phone"]},
    "dependentSchemas": {"pence": {"required": ["count"]}},
    "allOf": [{"if": {"properties": {"choice": {"const": "b"}}, "required": ["choice"]},
               "then": {"required": ["day"]}, "else": {"properties": {"day": {"maxLength": 10}}}}],
}
PAGES = [[f"/{name}"] for name in EVERY_KEYWORD["properties"]] + [["/nested/inner", "/nested/other"], ["/items"]]

NAMES = [*EVERY_KEYWORD["properties"], "unknown"]
TEXTS = st.sampled_from([
    "", "AB12", "ab12", "AB123", "SW1A 1AA", "sw1a1aa", "XX1 1XX", "jane@example.com", "jane@@example",
    "07700 900123", "+44 7700 900123", "123", "0b8e8e3e-3b5b-4d1e-8f1e-1e1e1e1e1e1e", "not-a-uuid",
    (TODAY + datetime.timedelta(days=1)).isoformat(), (TODAY - datetime.timedelta(days=1)).isoformat(),
    TODAY.isoformat(), "2100-01-02", "2023-02-30", "a", "b", "no", "yes", "x", "y", "é" * 4, "👍👍",
]) | st.text(max_size=6)
NUMBERS = st.sampled_from([
    0, 1, 5, 10, -1, 2**53, 2**53 + 1, 9007199254740993, 9007199254740994, 2**64, 2**70, -(2**70),
    0.1, 0.3, 0.7, 1.0, 5.0, 0.5, 1e308, 9007199254740993.0, 1 - 1e-17,
]) | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
SCALARS = TEXTS | NUMBERS | st.booleans() | st.none()
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3)
    | st.dictionaries(st.sampled_from(["inner", "other", "n", "x"]), inner, max_size=3),
    max_leaves=6,
)


def related_errors(judge: Any, answers: Any, pointers: list[str]) -> list[str]:
    """The judge's failures that a page with fields at `pointers` would show."""
    shown = []
    for failure in schema_failures(judge, answers):
        target = failure.pointer
        while target and target not in pointers:
            target = target.rsplit("/", 1)[0]
        if target:
            shown.append(f"{failure.pointer} {failure.keyword}")
    return shown


def assert_never_cleared_wrongly(screen: Screen, judge: Any, answers: Any, pointers: list[str]) -> None:
    if screen.clears(answers, pointers):
        assert related_errors(judge, answers, pointers) == [], (answers, pointers)


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(answers=st.dictionaries(st.sampled_from(NAMES), VALUES, max_size=8), page=st.sampled_from(PAGES))
def test_every_keyword_never_clears_what_the_judge_refuses(answers: dict[str, Any], page: list[str]) -> None:
    judge = answers_validator(EVERY_KEYWORD)
    screen = Screen(judge)
    assert_never_cleared_wrongly(screen, judge, answers, page)


def test_the_screen_clears_valid_answers_and_stops_at_wrong_ones() -> None:
    judge = answers_validator(EVERY_KEYWORD)
    screen = Screen(judge)
    valid = {"code": "AB12", "choice": "b", "day": TODAY.isoformat(), "share": 0.5, "count": 9007199254740993}
    assert list(judge.iter_errors(valid)) == []
    assert screen.clears(valid, ["/code"])
    # A missing answer elsewhere does not concern this page; a wrong one here does.
    assert screen.clears({"code": "AB12"}, ["/code"])
    assert not screen.clears({"code": "ab12", "choice": "a"}, ["/code"])
    # The judge's own keywords decide: RE2's pattern, Borough's formats, Python's numbers.
    assert not screen.clears({**valid, "share": 0.3}, ["/share"])  # 0.3 / 0.1 is not whole in Python
    assert not screen.clears({**valid, "count": 9007199254740994}, ["/count"])
    assert not screen.clears({**valid, "day": (TODAY - datetime.timedelta(days=1)).isoformat()}, ["/day"])
    assert not screen.clears({**valid, "postcode": "XX1 1XX"}, ["/postcode"])


@pytest.mark.parametrize("answers", [
    {"code": "AB12", "choice": "a", "share": math.nan},
    {"code": "AB12", "choice": "a", "share": math.inf},
    {"code": "AB\ud800", "choice": "a"},
    {"code": "AB12", "choice": "a", "flags": ("x",)},
    {"code": "AB12", "choice": "a", 1: "one"},
    {"code": "AB12", "choice": "a", "when": datetime.date(2030, 1, 1)},
])
def test_answers_rust_would_read_differently_are_left_to_the_judge(answers: dict[Any, Any]) -> None:
    assert not Screen(answers_validator(EVERY_KEYWORD)).clears(answers, ["/code"])


def shipped(path: Path) -> Service:
    return compile_service(json.loads(path.read_text(encoding="utf-8")))


def pages_of(service: Service) -> list[tuple[str, tuple[Field, ...]]]:
    return [(page.id, page.fields) for page in service.pages if page.kind == "question" and page.fields]


def answer_names(service: Service) -> list[str]:
    return sorted({pointer_parts(fld.pointer)[0] for page in service.pages for fld in page.fields
                   if page.kind == "question"})


@pytest.mark.parametrize("path", SERVICES, ids=lambda path: path.stem)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_shipped_services_pages_are_never_cleared_wrongly(path: Path, data: st.DataObject) -> None:
    service = shipped(path)
    names = answer_names(service)
    answers = data.draw(st.dictionaries(st.sampled_from(names), VALUES | st.dictionaries(
        st.sampled_from(["line1", "line2", "town", "postcode", "day", "month", "year"]), SCALARS, max_size=4),
        max_size=len(names)))
    page_id, fields = data.draw(st.sampled_from(pages_of(service)))
    screen = screen_for((service.hash, ""), service.validator)
    assert screen is not None, "jsonschema-rs compiles every shipped service"
    pointers = [fld.pointer for fld in fields]
    if screen.clears(answers, pointers):
        assert field_errors(service, fields, schema_failures(service.validator, answers), "en") == [], page_id
        assert page_failures((service.hash, ""), service.validator, fields, answers) == []
