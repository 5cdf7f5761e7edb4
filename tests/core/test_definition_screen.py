"""The meta-schema's screen (jsonschema-rs) never clears a definition that jsonschema, the
judge, finds wrong, and clears the ones it finds right, so `check_document` says exactly what
it said before the screen, only sooner.

The definitions drawn are the shipped services and the broken examples, changed at random
places into values a careless or hostile author could write: wrong types, unknown keys,
texts breaking the format's patterns (RE2's, which the screen hands back to the judge),
numbers out of range, lists emptied or swelled.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from runtime.core.metaschema import check_document, definition_screen, definition_validator

ROOT = Path(__file__).resolve().parents[2]
DEFINITIONS = sorted((ROOT / "schemas" / "services").glob("*.json")) + sorted(
    (Path(__file__).parent / "broken").glob("*.json"))

ODD = st.one_of(
    st.none(), st.booleans(), st.integers(-10**20, 10**20), st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=20), st.sampled_from(["", "Ab", "a b", "1.0", "1.0.0", "é", "x" * 300, "EN", "cy", "\u0000"]),
    st.lists(st.integers(), max_size=3), st.dictionaries(st.sampled_from(["id", "x", "$ref", "type"]),
                                                          st.text(max_size=5), max_size=2),
)


def read(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def places(document: Any, at: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path into `document`, the root excluded."""
    found: list[tuple[Any, ...]] = []
    items = document.items() if isinstance(document, dict) else enumerate(document) if isinstance(document, list) else ()
    for key, value in items:
        found.append((*at, key))
        found.extend(places(value, (*at, key)))
    return found


def changed(document: Any, path: tuple[Any, ...], how: str, value: Any) -> Any:
    document = copy.deepcopy(document)
    parent = document
    for key in path[:-1]:
        parent = parent[key]
    last = path[-1]
    if how == "delete" and isinstance(parent, dict):
        del parent[last]
    elif how == "add" and isinstance(parent, dict):
        parent[f"unknown{len(parent)}"] = value
    elif how == "add" and isinstance(parent, list):
        parent.append(value)
    else:
        parent[last] = value
    return document


def judged(document: Any) -> list[Any]:
    return list(definition_validator().iter_errors(document))


@pytest.mark.parametrize("path", DEFINITIONS, ids=lambda path: path.stem)
def test_the_screen_agrees_with_the_judge_on_every_shipped_and_broken_definition(path: Path) -> None:
    screen = definition_screen()
    assert screen is not None, "jsonschema-rs compiles the meta-schema"
    document = read(path)
    assert screen.clears(document, [""]) == (judged(document) == []), path.name


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_definition_changed_anywhere_is_never_cleared_wrongly(data: st.DataObject) -> None:
    screen = definition_screen()
    assert screen is not None
    document = read(data.draw(st.sampled_from(DEFINITIONS)))
    for _ in range(data.draw(st.integers(1, 3))):
        where = places(document)
        if not where:
            break
        document = changed(document, data.draw(st.sampled_from(where)),
                           data.draw(st.sampled_from(["replace", "delete", "add"])), data.draw(ODD))
    if screen.clears(document, [""]):
        assert judged(document) == [], document


def test_check_document_still_words_what_the_judge_finds() -> None:
    document = read(ROOT / "schemas" / "services" / "report-pothole.json")
    assert check_document(document) == []
    document["pages"][0]["id"] = "Not A Slug"
    document["surprise"] = True
    found = check_document(document)
    assert {problem.pointer for problem in found} >= {"/pages/0/id", "/surprise"}, found


@pytest.mark.parametrize("odd", [float("nan"), "\ud800", ("tuple",), {1: "int key"}])
def test_what_rust_would_read_differently_is_left_to_the_judge(odd: Any) -> None:
    screen = definition_screen()
    assert screen is not None
    document = read(ROOT / "schemas" / "services" / "report-pothole.json")
    document["summary"] = odd
    assert not screen.clears(document, [""])
    assert (check_document(document) == []) == (judged(document) == [])  # the judge's verdict, as before
