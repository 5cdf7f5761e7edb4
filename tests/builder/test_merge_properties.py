"""Merge properties, on the shipped services changed by random designers on both sides (the
builder's own operations, through `perform`): an unchanged side gives the other side exactly;
the same change on both sides is taken once; edits on different things are all kept; and
whatever the two sides did, the merge says what collides and what is wrong, and a choice for
every collision either gives a service that passes the definition checks or is refused with
the problems it would leave."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from checked import shipped
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from test_operation_sequences import Draw, operation

from builder.keyed_patch import same
from builder.locations import asked
from builder.merge import MergeRefused, MergeResult, merge, resolve
from builder.operations import Refused, perform
from builder.patch import PatchError, apply, copy_json
from builder.service_operations import translatable
from runtime.core.definition import problems

Definition = dict[str, Any]

SERVICES = sorted(
    path.stem
    for path in (Path(__file__).resolve().parents[2] / "schemas" / "services").glob("*.json")
)
FAST = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _wording(definition: Definition, draw: Draw, side: str) -> tuple[str, dict[str, Any]]:
    """A change of words only, written so that each side's words differ."""
    fields = list(asked(definition))
    states = sorted((definition.get("workflow") or {}).get("states") or {})
    kind = draw(st.sampled_from(["label", "hint", "state"] if fields else ["state"]))
    if kind == "state":
        return "edit-state", {"state": draw(st.sampled_from(states)), "label": f"{side} state"}
    found = draw(st.sampled_from(fields))
    where = {"page": found.page["id"], "answer": found.field["answer"]}
    return "edit-question", {**where, kind: f"{side} {kind} {draw(st.integers(1, 3))}"}


def _welsh(definition: Definition) -> Definition:
    """Every string of a bilingual service given Welsh, as a designer would before publishing."""
    if "cy" not in definition.get("languages", ["en"]):
        return definition
    for text in translatable(definition):
        if text.translation is None:
            definition = perform(
                definition, "translate", {"key": text.key, "text": "Cy " + text.english[:400]}
            ).apply(definition)
    return definition


def changed(
    definition: Definition, draw: Draw, side: str, most: int = 3, *, checked: bool = True
) -> Definition:
    """The definition after up to `most` random operations (the builder's operations leave
    drafts that pass the checks: tests/builder/test_operation_sequences.py), checked once at
    the end when the test needs a definition that passes them."""
    for _ in range(draw(st.integers(1, most))):
        if draw(st.booleans()):
            name, params = _wording(definition, draw, side)
        else:
            name, params = operation(definition, draw)
        try:
            definition = _welsh(perform(definition, name, params).apply(definition))
        except (Refused, PatchError):
            continue
    if checked:
        assume(problems(definition) == [])
    return definition


def _pointer_exists(document: Any, pointer: str) -> bool:
    try:
        apply(document, [{"op": "test", "path": pointer, "value": None}])
    except PatchError as error:
        return error.code == "test-failed"
    return True


services = st.sampled_from(SERVICES).map(shipped)


@FAST
@given(services, st.data())
def test_a_council_that_changed_nothing_gets_theirs_exactly(
    base: Definition, data: st.DataObject
) -> None:
    theirs = changed(base, data.draw, "theirs", checked=False)
    result = merge(base, base, theirs)
    assert same(result.definition, theirs)
    assert result.collisions == ()


@FAST
@given(services, st.data())
def test_an_upstream_that_changed_nothing_leaves_ours_exactly(
    base: Definition, data: st.DataObject
) -> None:
    ours = changed(base, data.draw, "ours", checked=False)
    result = merge(base, ours, base)
    assert same(result.definition, ours)
    assert result.collisions == () and result.applied == ()


@FAST
@given(services, st.data())
def test_the_same_changes_on_both_sides_are_taken_once(
    base: Definition, data: st.DataObject
) -> None:
    both = changed(base, data.draw, "both", checked=False)
    result = merge(base, both, both)
    assert same(result.definition, both)
    assert result.collisions == ()


@FAST
@given(services, st.data())
def test_edits_of_different_questions_are_all_kept(base: Definition, data: st.DataObject) -> None:
    """The publisher changes the service at random; the council rewords questions the
    publisher left alone. Nothing collides, both are kept, and the service passes the checks."""
    theirs = changed(base, data.draw, "theirs")
    kept = {(found.page["id"], found.field["answer"]): found.field for found in asked(theirs)}
    untouched = [
        found
        for found in asked(base)
        if same(kept.get((found.page["id"], found.field["answer"])), found.field)
    ]
    ours = base
    reworded: dict[tuple[str, str], str] = {}
    if untouched:
        for found in data.draw(st.lists(st.sampled_from(untouched), max_size=3, unique_by=id)):
            key = (found.page["id"], found.field["answer"])
            reworded[key] = f"Our question {len(reworded) + 1}"
            ours = perform(
                ours, "edit-question", {"page": key[0], "answer": key[1], "label": reworded[key]}
            ).apply(ours)
    result = merge(base, ours, theirs)
    assert result.collisions == (), [c.words for c in result.collisions]
    labels = {(f.page["id"], f.field["answer"]): f.field["label"] for f in asked(result.definition)}
    for key, label in reworded.items():
        assert labels[key] == label
    for key, theirs_field in kept.items():
        assert key in labels
        if key not in reworded:
            assert labels[key] == theirs_field["label"]
    assert [p["id"] for p in result.definition["pages"]] == [p["id"] for p in theirs["pages"]]
    assert problems(result.definition) == [] and result.clean


@FAST
@given(services, st.data())
def test_whatever_both_sides_do_the_merge_reports_it_and_choices_give_a_working_service(
    base: Definition, data: st.DataObject
) -> None:
    ours = changed(base, data.draw, "ours")
    theirs = changed(base, data.draw, "theirs")
    result = merge(base, ours, theirs)
    ids = [collision.id for collision in result.collisions]
    assert len(ids) == len(set(ids))
    for collision in result.collisions:
        assert collision.where and collision.words
        assert any(
            _pointer_exists(side, collision.pointer) for side in (result.definition, ours, theirs)
        ), collision
    for side in ("ours", "theirs") if ids else ("ours",):
        _choose_all(result, side)


def _choose_all(result: MergeResult, side: str) -> None:
    """Choose `side` for every collision, and for every collision the choices open, until
    the service passes the checks or is refused with the problems it would have."""
    choices = {collision.id: side for collision in result.collisions}
    for _ in range(5):
        try:
            final = resolve(result, choices)
        except MergeRefused as refused:
            if refused.code == "unchosen" and refused.collisions:
                choices.update({collision.id: side for collision in refused.collisions})
                continue
            assert refused.code == "invalid-result" and refused.problems, refused.message
            return
        assert problems(final) == []
        if not result.collisions:
            assert same(final, result.definition) and not result.problems
        return
    raise AssertionError("choices kept opening collisions")


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from(["id", "answer", "const", "fields", "when", "x"]), inner)
    ),
    max_leaves=8,
)


def _places(value: Any, at: tuple[str | int, ...] = ()) -> list[tuple[str | int, ...]]:
    found = [at]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _places(item, (*at, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _places(item, (*at, index))
    return found


def _broken(definition: Definition, draw: Draw) -> Definition:
    """The definition with one place (possibly a page, or all pages) replaced by any JSON."""
    place = draw(st.sampled_from(_places(definition)[1:]))
    broken = copy_json(definition)
    node = broken
    for part in place[:-1]:
        node = node[part]
    node[place[-1]] = draw(_JSON)
    return broken


@FAST
@given(services, st.data())
def test_broken_sides_are_merged_with_their_problems_said_never_raised(
    base: Definition, data: st.DataObject
) -> None:
    ours, theirs = _broken(base, data.draw), _broken(base, data.draw)
    result = merge(base, ours, theirs)
    assert list(result.problems) == problems(result.definition)
    result.as_json()
    for side in ("ours", "theirs"):
        try:
            final = resolve(result, {c.id: side for c in result.collisions})
        except MergeRefused as refused:
            assert refused.message
        else:
            assert problems(final) == []


_AS_KEPT = {"removed-by-us": "removed-by-them", "removed-by-them": "removed-by-us"}


def _by_name(definition: Definition) -> dict[str, Any]:
    """What a merge must agree on whichever side is ours: pages and their questions by name,
    fee lines by id, the workflow and the Welsh (the order of lists aside)."""
    pages = {
        page["id"]: {**page, "fields": {f["answer"]: f for f in page.get("fields", [])}}
        for page in definition["pages"]
    }
    lines = {line["id"]: line for line in (definition.get("fees") or {}).get("lines", [])}
    return {
        "pages": pages,
        "fees": lines,
        "workflow": definition["workflow"],
        "translations": definition.get("translations"),
    }


@FAST
@given(services, st.data())
def test_the_merge_is_the_same_whichever_side_is_ours(
    base: Definition, data: st.DataObject
) -> None:
    """Swapping the sides swaps the collisions (removed by us becomes removed by them), and
    without collisions gives the same service but for the order of lists."""
    one = changed(base, data.draw, "one", checked=False)
    other = changed(base, data.draw, "other", checked=False)
    forwards, backwards = merge(base, one, other), merge(base, other, one)
    assert {(c.id, c.kind) for c in forwards.collisions} == {
        (c.id, _AS_KEPT.get(c.kind, c.kind)) for c in backwards.collisions
    }
    if not forwards.collisions:
        assert same(_by_name(forwards.definition), _by_name(backwards.definition))
