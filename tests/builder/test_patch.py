"""JSON Patch: the RFC 6902 examples, errors that say which operation failed and why, and the
property undo stands on: applying a patch and then its inverse gives back the original."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from builder.patch import (
    MAX_COPIED,
    PatchError,
    apply,
    apply_with_inverse,
    inverse,
    json_equal,
    parts,
    pointer,
    problem,
)

# RFC 6902 appendix A, each (document, patch, result).
RFC_EXAMPLES = [
    ({"foo": "bar"}, [{"op": "add", "path": "/baz", "value": "qux"}], {"baz": "qux", "foo": "bar"}),
    (
        {"foo": ["bar", "baz"]},
        [{"op": "add", "path": "/foo/1", "value": "qux"}],
        {"foo": ["bar", "qux", "baz"]},
    ),
    ({"baz": "qux", "foo": "bar"}, [{"op": "remove", "path": "/baz"}], {"foo": "bar"}),
    ({"foo": ["bar", "qux", "baz"]}, [{"op": "remove", "path": "/foo/1"}], {"foo": ["bar", "baz"]}),
    (
        {"baz": "qux", "foo": "bar"},
        [{"op": "replace", "path": "/baz", "value": "boo"}],
        {"baz": "boo", "foo": "bar"},
    ),
    (
        {"foo": {"bar": "baz", "waldo": "fred"}, "qux": {"corge": "grault"}},
        [{"op": "move", "from": "/foo/waldo", "path": "/qux/thud"}],
        {"foo": {"bar": "baz"}, "qux": {"corge": "grault", "thud": "fred"}},
    ),
    (
        {"foo": ["all", "grass", "cows", "eat"]},
        [{"op": "move", "from": "/foo/1", "path": "/foo/3"}],
        {"foo": ["all", "cows", "eat", "grass"]},
    ),
    (
        {"baz": "qux", "foo": ["a", 2, "c"]},
        [
            {"op": "test", "path": "/baz", "value": "qux"},
            {"op": "test", "path": "/foo/1", "value": 2},
        ],
        {"baz": "qux", "foo": ["a", 2, "c"]},
    ),
    (
        {"foo": "bar"},
        [{"op": "add", "path": "/child", "value": {"grandchild": {}}}],
        {"foo": "bar", "child": {"grandchild": {}}},
    ),
    (
        {"foo": ["bar"]},
        [{"op": "add", "path": "/foo/-", "value": ["abc", "def"]}],
        {"foo": ["bar", ["abc", "def"]]},
    ),
    ({"/": 9, "~1": 10}, [{"op": "test", "path": "/~01", "value": 10}], {"/": 9, "~1": 10}),
    (
        {"foo": "bar"},
        [{"op": "copy", "from": "/foo", "path": "/baz"}],
        {"foo": "bar", "baz": "bar"},
    ),
    ({"a": 1}, [{"op": "replace", "path": "", "value": [1, 2]}], [1, 2]),
]


@pytest.mark.parametrize(("document", "patch", "result"), RFC_EXAMPLES)
def test_the_rfc_examples_apply_and_undo(document: Any, patch: Any, result: Any) -> None:
    before = json.dumps(document)
    applied = apply_with_inverse(document, patch)
    assert applied.document == result
    assert json.dumps(document) == before, "the input document must never be changed"
    assert apply(applied.document, applied.inverse) == document


# RFC 6902 appendix A errors, and ours: each names the failing operation's index.
FAILURES = [
    ({"foo": "bar"}, [{"op": "add", "path": "/baz/bat", "value": "qux"}], "no-such-path"),
    ({"baz": "qux"}, [{"op": "test", "path": "/baz", "value": "bar"}], "test-failed"),
    ({"foo": ["bar"]}, [{"op": "add", "path": "/foo/2", "value": 1}], "no-such-index"),
    ({"foo": ["bar"]}, [{"op": "add", "path": "/foo/01", "value": 1}], "bad-index"),
    ({"foo": ["bar"]}, [{"op": "remove", "path": "/foo/-"}], "bad-index"),
    ({"foo": "bar"}, [{"op": "remove", "path": "/nothing"}], "no-such-path"),
    ({"foo": "bar"}, [{"op": "replace", "path": "/nothing", "value": 1}], "no-such-path"),
    ({"foo": {"a": 1}}, [{"op": "move", "from": "/foo", "path": "/foo/b"}], "move-into-itself"),
    ({"foo": 1}, [{"op": "jump", "path": "/foo"}], "unknown-op"),
    ({"foo": 1}, [{"op": "add", "path": "/bar"}], "missing-value"),
    ({"foo": 1}, [{"op": "copy", "path": "/bar"}], "missing-from"),
    ({"foo": 1}, [{"op": "add", "value": 1}], "missing-path"),
    ({"foo": 1}, [{"op": "add", "path": "foo", "value": 1}], "bad-path"),
    ({"foo": 1}, [{"op": "add", "path": "/a~2b", "value": 1}], "bad-path"),
    ({"foo": 1}, [{"op": "remove", "path": ""}], "remove-root"),
    ({"foo": 1}, ["add"], "not-an-operation"),
    ({"foo": True}, [{"op": "test", "path": "/foo", "value": 1}], "test-failed"),
]


@pytest.mark.parametrize(("document", "patch", "code"), FAILURES)
def test_a_patch_that_cannot_apply_says_which_operation_and_why(
    document: Any, patch: Any, code: str
) -> None:
    good = [{"op": "add", "path": "/first", "value": 0}]
    with pytest.raises(PatchError) as raised:
        apply(document, good + patch)
    assert raised.value.code == code
    assert raised.value.index == 1
    assert str(raised.value).startswith("operation 1: ")
    assert raised.value.message
    assert "first" not in document, "a failed patch changes nothing"


DOUBLINGS = [{"op": "copy", "from": "", "path": f"/copy{n}"} for n in range(40)]  # 2**40 times the document


@pytest.mark.parametrize(
    "patch",
    [
        DOUBLINGS,
        [{"op": "copy", "from": "/pages", "path": "/pages"}] * 10_000,  # each kept whole in the undo
        [{"op": "test", "path": "/pages", "value": [{"id": n, "title": "x"} for n in range(1_000)]}] * 30,
        [op for n in range(4_000) for op in (  # move onto a member: the undo keeps a copy each time
            {"op": "move", "from": "/pages", "path": f"/member{n}"},
            {"op": "move", "from": f"/member{n}", "path": "/pages"})],
    ],
    ids=["copies-doubling", "copies-onto-itself", "tests-of-a-large-value", "moves-onto-members"],
)
def test_a_patch_that_copies_more_than_a_definition_holds_is_refused_quickly(patch: Any) -> None:
    document: dict[str, Any] = {"pages": [{"id": n, "title": "x"} for n in range(1_000)]}
    document.update({f"member{n}": 0 for n in range(4_000)})
    with pytest.raises(PatchError) as raised:
        apply_with_inverse(document, patch)
    assert raised.value.code == "too-much-copied"
    assert f"{MAX_COPIED:,}" in raised.value.message
    assert len(document["pages"]) == 1_000 and "copy0" not in document


def test_copies_within_the_bound_apply_and_undo() -> None:
    document = {"pages": [{"id": n} for n in range(100)]}
    patch = [{"op": "copy", "from": "/pages", "path": f"/copy{n}"} for n in range(10)]
    applied = apply_with_inverse(document, patch)
    assert applied.document["copy9"] == document["pages"]
    assert apply(applied.document, applied.inverse) == document


def test_a_patch_must_be_a_list() -> None:
    with pytest.raises(PatchError) as raised:
        apply({}, {"op": "add", "path": "/a", "value": 1})  # type: ignore[arg-type]
    assert raised.value.code == "not-a-patch"
    assert raised.value.index is None


def test_problem_is_the_error_as_a_value() -> None:
    assert problem({"a": 1}, [{"op": "remove", "path": "/a"}]) is None
    found = problem({"a": 1}, [{"op": "remove", "path": "/b"}])
    assert found is not None
    assert found.as_json() == {
        "code": "no-such-path",
        "index": 0,
        "message": "/b: there is nothing to remove",
    }


def test_the_result_shares_nothing_with_the_patch_or_the_input() -> None:
    value = {"deep": [1]}
    document = {"a": {"b": [1]}}
    result = apply(document, [{"op": "add", "path": "/v", "value": value}])
    result["v"]["deep"].append(2)
    result["a"]["b"].append(2)
    assert value == {"deep": [1]}
    assert document == {"a": {"b": [1]}}


def test_move_onto_an_existing_member_is_undone_with_the_member_it_replaced() -> None:
    document = {"a": 1, "b": 2}
    patch = [{"op": "move", "from": "/a", "path": "/b"}]
    applied = apply_with_inverse(document, patch)
    assert applied.document == {"b": 1}
    assert apply(applied.document, applied.inverse) == document


def test_adding_at_the_end_is_undone_at_the_index_it_took() -> None:
    assert inverse({"l": [1, 2]}, [{"op": "add", "path": "/l/-", "value": 3}]) == [
        {"op": "remove", "path": "/l/2"}
    ]


def test_pointers_escape_and_unescape() -> None:
    assert pointer("a/b", "c~d", 0) == "/a~1b/c~0d/0"
    assert parts("/a~1b/c~0d/0") == ["a/b", "c~d", "0"]
    assert parts("") == []


def test_json_equality_tells_booleans_from_numbers() -> None:
    assert json_equal(1, 1.0)
    assert not json_equal(True, 1)
    assert not json_equal({"a": [False]}, {"a": [0]})
    assert json_equal({"a": [1, {"b": None}]}, {"a": [1.0, {"b": None}]})


# The property: for random documents and random valid operations, the inverse undoes exactly.

scalars = (
    st.none()
    | st.booleans()
    | st.integers(-5, 5)
    | st.floats(allow_nan=False, allow_infinity=False, width=16)
    | st.text(max_size=3)
)
keys = st.sampled_from(["a", "b", "c", "a/b", "~", ""])
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=4),
    max_leaves=12,
)


def _locations(document: Any, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every location in the document, as unescaped parts."""
    found = [prefix]
    if isinstance(document, dict):
        for key, value in document.items():
            found.extend(_locations(value, (*prefix, key)))
    elif isinstance(document, list):
        for index, value in enumerate(document):
            found.extend(_locations(value, (*prefix, str(index))))
    return found


def _containers(document: Any) -> list[tuple[tuple[str, ...], Any]]:
    return [
        (where, _get(document, where))
        for where in _locations(document)
        if isinstance(_get(document, where), dict | list)
    ]


def _get(document: Any, where: tuple[str, ...]) -> Any:
    for part in where:
        document = document[int(part)] if isinstance(document, list) else document[part]
    return document


@st.composite
def valid_operation(draw: st.DrawFn, document: Any) -> dict[str, Any]:
    """An operation that applies to `document`, of any of the six kinds."""
    kind = draw(st.sampled_from(["add", "remove", "replace", "move", "copy", "test"]))
    locations = [where for where in _locations(document) if where]
    if kind in ("remove", "replace", "test", "move", "copy") and not locations:
        kind = "add"
    if kind == "test":
        where = draw(st.sampled_from(locations))
        return {"op": "test", "path": pointer(*where), "value": _get(document, where)}
    if kind == "replace":
        where = draw(st.sampled_from([(), *locations]))
        return {"op": "replace", "path": pointer(*where), "value": draw(json_values)}
    if kind == "remove":
        return {"op": "remove", "path": pointer(*draw(st.sampled_from(locations)))}

    def target(forbidden: tuple[str, ...] | None) -> str:
        choices = [
            (where, container)
            for where, container in _containers(document)
            if forbidden is None or where[: len(forbidden)] != forbidden
        ]
        if not choices:
            return ""
        where, container = draw(st.sampled_from(choices))
        if isinstance(container, dict):
            return pointer(*where, draw(keys))
        slot = draw(st.integers(0, len(container)))
        last = "-" if slot == len(container) and draw(st.booleans()) else str(slot)
        return pointer(*where, last)

    if kind == "add":
        path = target(None)
        return {"op": "add", "path": path, "value": draw(json_values)}
    source = draw(st.sampled_from(locations))
    if kind == "copy":
        return {"op": "copy", "from": pointer(*source), "path": target(None)}
    # move: the target is worked out on the document with the source taken out
    removed = apply(document, [{"op": "remove", "path": pointer(*source)}])
    where_choices = [(where, container) for where, container in _containers(removed)]
    where, container = draw(st.sampled_from(where_choices))
    if isinstance(container, dict):
        path = pointer(*where, draw(keys))
    else:
        path = pointer(*where, str(draw(st.integers(0, len(container)))))
    return {"op": "move", "from": pointer(*source), "path": path}


@st.composite
def document_and_patch(draw: st.DrawFn) -> tuple[Any, list[dict[str, Any]]]:
    document = draw(json_values)
    patch = []
    current = document
    for _ in range(draw(st.integers(1, 6))):
        operation = draw(valid_operation(current))
        if problem(current, [operation]) is not None:
            continue  # a move whose target only existed before the source was taken out
        patch.append(operation)
        current = apply(current, [operation])
    return document, patch


def _strictly_equal(left: Any, right: Any) -> bool:
    """Equal values of the same Python types (1 is not 1.0 here). The order of an object's
    members is not compared: JSON objects are unordered, and a patch cannot say where a member
    goes, so undoing a removal puts the member back last."""
    if type(left) is not type(right):
        return False
    if isinstance(left, dict):
        return left.keys() == right.keys() and all(_strictly_equal(left[k], right[k]) for k in left)
    if isinstance(left, list):
        return len(left) == len(right) and all(
            _strictly_equal(a, b) for a, b in zip(left, right, strict=True)
        )
    return bool(left == right) or (left != left and right != right)


@settings(max_examples=400, deadline=None)
@given(document_and_patch())
def test_applying_the_inverse_gives_back_the_original(
    case: tuple[Any, list[dict[str, Any]]],
) -> None:
    document, patch = case
    before = json.dumps(document)
    applied = apply_with_inverse(document, patch)
    assert json.dumps(document) == before
    restored = apply(applied.document, applied.inverse)
    assert json_equal(restored, document)
    assert _strictly_equal(restored, document)
    # and redo: the original patch applies again to the restored document, giving the same result
    assert json_equal(apply(restored, patch), applied.document)
