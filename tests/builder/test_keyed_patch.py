"""The patch between two documents: it always turns the old into the new, and it says what
happened in the designer's terms (a page moved is one move, not a rewrite of the list)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from builder.keyed_patch import make_patch, same
from builder.patch import apply

SERVICES = Path(__file__).resolve().parents[2] / "schemas" / "services"


def bulky() -> dict[str, Any]:
    document: dict[str, Any] = json.loads((SERVICES / "book-bulky-waste.json").read_text())
    return document


def test_moving_a_page_is_one_move() -> None:
    old = bulky()
    new = bulky()
    new["pages"].insert(0, new["pages"].pop(2))
    patch = make_patch(old, new)
    assert patch == [{"op": "move", "from": "/pages/2", "path": "/pages/0"}]
    assert apply(old, patch) == new


def test_a_changed_hint_is_one_replace_at_that_field() -> None:
    old = bulky()
    new = bulky()
    new["pages"][0]["fields"][1]["hint"] = "Say what it is made of."
    assert make_patch(old, new) == [
        {"op": "replace", "path": "/pages/0/fields/1/hint", "value": "Say what it is made of."}
    ]


def test_options_are_matched_by_value() -> None:
    old = bulky()
    new = bulky()
    options = new["answers"]["properties"]["items"]["items"]["properties"]["type"]["oneOf"]
    del options[1]
    options[0]["title"] = "Sofa"
    patch = make_patch(old, new)
    base = "/answers/properties/items/items/properties/type/oneOf"
    assert patch == [
        {"op": "remove", "path": f"{base}/1"},
        {"op": "replace", "path": f"{base}/0/title", "value": "Sofa"},
    ]


def test_a_list_without_keys_is_matched_along_its_common_run() -> None:
    patch = make_patch({"required": ["a", "b", "c"]}, {"required": ["a", "c", "d"]})
    assert patch == [
        {"op": "remove", "path": "/required/1"},
        {"op": "add", "path": "/required/2", "value": "d"},
    ]


def test_a_number_that_becomes_a_float_or_a_boolean_is_replaced() -> None:
    assert make_patch({"a": 1}, {"a": 1.0}) == [{"op": "replace", "path": "/a", "value": 1.0}]
    assert make_patch([1], [True]) == [{"op": "replace", "path": "/0", "value": True}]
    assert make_patch({"a": 1}, {"a": 1}) == []


scalars = (
    st.none()
    | st.booleans()
    | st.integers(-3, 3)
    | st.sampled_from([0.5, 1.0, -2.0])
    | st.text(alphabet="ab/~", max_size=2)
)
names = st.sampled_from(["a", "b", "c", "a/b", "~0", ""])


def keyed_lists(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[list[Any]]:
    """Lists of objects with distinct ids, as pages and fee lines are."""
    return st.lists(
        st.tuples(st.sampled_from(["p", "q", "r", "s", "t"]), inner),
        max_size=5,
        unique_by=lambda pair: pair[0],
    ).map(lambda pairs: [{"id": key, "v": value} for key, value in pairs])


json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(names, inner, max_size=4) | keyed_lists(inner)
    ),
    max_leaves=14,
)


@settings(max_examples=300, deadline=None)
@given(json_values, json_values)
def test_the_patch_turns_the_old_into_the_new(old: Any, new: Any) -> None:
    before = json.dumps(old)
    patch = make_patch(old, new)
    assert same(apply(old, patch), new)
    assert json.dumps(old) == before


@settings(max_examples=200, deadline=None)
@given(keyed_lists(scalars | keyed_lists(scalars)), keyed_lists(scalars | keyed_lists(scalars)))
def test_keyed_lists_become_each_other(old: list[Any], new: list[Any]) -> None:
    assert same(apply(old, make_patch(old, new)), new)


@settings(max_examples=300, deadline=None)
@given(st.permutations(list(range(8))))
def test_a_reordering_is_only_moves(order: list[int]) -> None:
    old = [{"id": f"p{n}"} for n in range(8)]
    new = [old[n] for n in order]
    patch = make_patch(old, new)
    assert {operation["op"] for operation in patch} <= {"move"}
    assert len(patch) < 8
    assert apply(old, patch) == new
