"""The structural diff between two versions of a service: in words, keyed by page id, answer,
option value, fee id and state name; as a JSON Patch that turns the old into the new; and the
version number it proposes (patch for wording, minor for new optional things, major for removed
or newly required answers)."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest
from checked import shipped

from builder.diff import Difference, diff, pages_of, propose_version
from builder.keyed_patch import same
from builder.operations import (
    add_fee,
    add_option,
    add_question,
    add_state,
    delete_question,
    edit_fee,
    edit_option,
    edit_question,
    edit_state,
    move_page,
    remove_option,
    set_condition,
    set_welsh,
    translate,
)
from builder.patch import apply

SERVICES = sorted(
    path.stem
    for path in (Path(__file__).resolve().parents[2] / "schemas" / "services").glob("*.json")
)


def only(old: dict[str, Any], new: dict[str, Any]) -> Difference:
    found = diff(old, new).differences
    assert len(found) == 1, [d.words for d in found]
    return found[0]


def test_a_changed_hint_is_said_in_the_designers_words() -> None:
    old = shipped("book-bulky-waste")
    new = edit_question(old, page="items", answer="/details", hint="Say what it is made of.").apply(
        old
    )
    difference = only(old, new)
    assert difference.words == (
        "Page 'Tell us about the item': hint of 'Describe the item' changed from "
        "'Include what it is made of and its size, for example 3-seater leather sofa.' to 'Say what it is made of.'"
    )
    assert (difference.subject, difference.action, difference.impact) == (
        "question",
        "changed",
        "patch",
    )
    assert (difference.page, difference.answer) == ("items", "/items/details")
    assert propose_version(old, new, "1.4.2") == ("1.4.3", "A patch: " + difference.words)


def test_an_optional_question_added_is_a_minor_version() -> None:
    old = shipped("report-missed-bin")
    new = add_question(old, page="contact", kind="text", label="Colour", required=False).apply(old)
    difference = only(old, new)
    assert difference.words == "Question 'Colour' added to page 'Your contact details'"
    assert difference.impact == "minor"
    assert propose_version(old, new, "1.4.2")[0] == "1.5.0"


def test_a_required_question_added_is_a_major_version() -> None:
    old = shipped("report-missed-bin")
    new = add_question(old, page="contact", kind="text", label="Colour", required=True).apply(old)
    assert only(old, new).words == "Required question 'Colour' added to page 'Your contact details'"
    version, reason = propose_version(old, new, "1.4.2")
    assert version == "2.0.0"
    assert (
        reason == "A major version: Required question 'Colour' added to page 'Your contact details'"
    )


def test_a_list_page_broken_into_no_type_is_described_not_raised() -> None:
    """A list page whose `type` is lost (a hand edit, half a merge) asks its item's questions
    at paths no object declares: the diff says what it can and calls them not required."""
    old = shipped("book-bulky-waste")
    new = apply(old, [{"op": "replace", "path": "/pages/0/type", "value": None}])
    added = [d for d in diff(old, new).differences if d.subject == "question" and d.action == "added"]
    assert added and all(not d.words.startswith("Required") for d in added)


def test_an_answer_made_required_or_removed_is_major() -> None:
    old = shipped("report-missed-bin")
    required = edit_question(old, page="details", answer="/details", required=True).apply(old)
    assert (
        only(old, required).words
        == "Question 'Is there anything the crew should know?' is now required"
    )
    assert propose_version(old, required, "1.0.0")[0] == "2.0.0"
    optional = edit_question(old, page="bin-out", answer="/binOut", required=False).apply(old)
    assert only(old, optional).impact == "minor"
    removed = delete_question(old, page="contact", answer="/phone").apply(old)
    words = diff(old, removed).words
    assert "Question 'UK telephone number' removed from page 'Your contact details'" in words
    assert propose_version(old, removed, "1.0.0")[0] == "2.0.0"


def test_options_are_compared_by_value() -> None:
    old = shipped("report-pothole")
    renamed = edit_option(old, page="size", answer="/size", value="small", label="Small").apply(old)
    assert (
        only(old, renamed).words
        == "Option 'Smaller than a dinner plate' of 'About how big is the pothole?' renamed 'Small'"
    )
    assert only(old, renamed).impact == "patch"
    added = add_option(old, page="size", answer="/size", label="Huge").apply(old)
    assert only(old, added).impact == "minor"
    removed = remove_option(old, page="size", answer="/size", value="medium").apply(old)
    assert (
        only(old, removed).words
        == "Option 'Between a dinner plate and a car tyre' removed from 'About how big is the pothole?'"
    )
    assert only(old, removed).impact == "major"


def test_a_moved_page_is_one_difference_and_one_move() -> None:
    old = shipped("report-missed-bin")
    new = move_page(old, page="details", direction="up").apply(old)
    found = diff(old, new)
    assert found.words == ["Page 'Is there anything the crew should know?' moved"]
    assert found.patch == [{"op": "move", "from": "/pages/5", "path": "/pages/4"}]
    assert found.impact == "minor"


def test_a_condition_is_compared_as_sentences() -> None:
    old = shipped("report-missed-bin")
    when = {"properties": {"binOut": {"const": True}}, "required": ["binOut"]}
    new = set_condition(old, page="bin-not-out", when=when).apply(old)
    assert only(old, new).words == (
        "Page 'We may not be able to come back': condition changed from "
        "'Only if 'Was your bin out by 7am on your collection day?' is No' to "
        "'Only if 'Was your bin out by 7am on your collection day?' is Yes'"
    )


def test_fees_are_compared_by_id() -> None:
    old = shipped("subscribe-garden-waste")
    new = edit_fee(old, line="standard", amount="55").apply(old)
    assert only(old, new).words == (
        "Fee 'Garden waste subscription for 12 months, per bin': amount changed from "
        "£50 for each of 'How many garden waste bins do you want to subscribe?' to "
        "£55 for each of 'How many garden waste bins do you want to subscribe?'"
    )
    added = add_fee(old, description="Delivery", amount=5).apply(old)
    assert diff(old, added).differences[0].words == "Fee 'Delivery' added: £5"


def test_workflow_states_are_compared_by_name() -> None:
    old = shipped("report-missed-bin")
    relabelled = edit_state(old, state="scheduled", label="Crew booked").apply(old)
    assert (
        only(old, relabelled).words
        == "State 'Crew booked': label changed from 'Return visit booked' to 'Crew booked'"
    )
    assert only(old, relabelled).impact == "patch"
    added = add_state(
        old,
        label="On hold",
        resident_text="We have paused your report.",
        tag="grey",
        final=True,
        from_state="received",
    ).apply(old)
    words = diff(old, added).words
    assert "State 'On hold' added" in words
    assert "State 'New report': event MOVE_HOLD to 'On hold' added" in words
    assert propose_version(added, old, "1.1.0")[0] == "2.0.0"  # a state removed


def test_translations_are_compared_by_key() -> None:
    old = shipped("report-missed-bin")
    new = translate(old, key="fields.binOut.label", text="A oedd eich bin allan?").apply(old)
    difference = only(old, new)
    assert difference.words == (
        "Welsh of fields.binOut.label: changed from 'Oedd eich bin allan erbyn 7am ar eich diwrnod casglu?' "
        "to 'A oedd eich bin allan?'"
    )
    assert difference.impact == "patch"
    english = set_welsh(old, welsh=False).apply(old)
    assert "Service no longer offered in Welsh" in diff(old, english).words


def test_nothing_changed_keeps_the_version() -> None:
    old = shipped("report-missed-bin")
    assert diff(old, old).differences == ()
    assert diff(old, old).patch == []
    assert propose_version(old, old, "1.2.3") == ("1.2.3", "nothing has changed")


def test_differences_can_be_shown_on_their_pages() -> None:
    old = shipped("report-missed-bin")
    new = edit_question(old, page="details", answer="/details", hint="Where is your bin?").apply(
        old
    )
    new = move_page(new, page="bins", direction="down").apply(new)
    grouped = pages_of(diff(old, new).differences)
    # bins moved down is bin-out moved up: one move either way, said as the patch makes it
    assert set(grouped) == {"details", "bin-out"}
    assert [d.words for d in grouped["details"]] == [
        "Page 'Is there anything the crew should know?': hint of 'Is there anything the crew should know?' "
        "changed from 'For example, where you leave your bin or how to find your property. Do not include "
        "personal or financial information.' to 'Where is your bin?'"
    ]


@pytest.mark.parametrize(("old_name", "new_name"), list(itertools.product(SERVICES, SERVICES)))
def test_the_patch_turns_any_shipped_service_into_any_other(old_name: str, new_name: str) -> None:
    old, new = shipped(old_name), shipped(new_name)
    found = diff(old, new)
    assert same(apply(old, found.patch), new)
    assert (found.differences == ()) == (old_name == new_name)
    assert all(d.impact in ("patch", "minor", "major") and d.words for d in found.differences)
