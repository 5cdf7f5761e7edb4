"""Upgrading a fork: the three-way merge of the upstream version a council forked from, the
council's service and the new upstream version. Pages by id, questions by answer, options by
value, fee lines by id, states and Welsh by name; what does not collide is applied, each
collision is shown with both sides, and the designer's choice is what the result holds."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from checked import shipped

from builder.change import Change
from builder.keyed_patch import same
from builder.locations import asked
from builder.merge import ABSENT, Collision, Custom, MergeRefused, merge, resolve
from builder.operations import (
    add_content_page,
    add_fee,
    add_option,
    add_question,
    add_state,
    add_transition,
    delete_page,
    delete_question,
    edit_fee,
    edit_option,
    edit_page,
    edit_question,
    edit_state,
    move_page,
    remove_option,
    set_condition,
    set_welsh,
    translate,
)
from builder.patch import copy_json
from builder.service_operations import translatable
from runtime.core.definition import problems

Definition = dict[str, Any]


def then(definition: Definition, *changes: Any) -> Definition:
    """The definition after each change in turn (each a function of the definition so far)."""
    for change in changes:
        made: Change = change(definition)
        definition = made.apply(definition)
    return definition


def fork(upstream: Definition) -> Definition:
    """A council's copy, as the builder makes one: its own id, version and publisher."""
    return {
        **upstream,
        "id": "pothole-northshire",
        "version": "0.1.0",
        "publisher": {"id": "northshire", "name": "Northshire Council"},
        "provenance": {
            "forkedFrom": f"{upstream['id']}@{upstream['version']}",
            "publisher": upstream["publisher"]["id"],
        },
    }


def one(collisions: tuple[Collision, ...]) -> Collision:
    assert len(collisions) == 1, [c.words for c in collisions]
    return collisions[0]


def field(definition: Definition, page: str, answer: str) -> dict[str, Any]:
    found = next(p for p in definition["pages"] if p["id"] == page)
    return dict(next(f for f in found["fields"] if f["answer"] == answer))


def test_a_council_that_changed_nothing_gets_the_new_version_exactly() -> None:
    base = shipped("report-pothole")
    theirs = then(base, lambda d: edit_question(d, page="size", answer="/size", hint="Roughly."))
    theirs = {**theirs, "version": "1.1.0"}
    result = merge(base, base, theirs)
    assert same(result.definition, theirs)
    assert result.clean
    assert result.applied == (
        "Page 'About how big is the pothole?': hint of 'About how big is the pothole?' changed "
        "from 'Measure across the widest part. A dinner plate is about 25cm across; a car tyre "
        "is about 60cm.' to 'Roughly.'",
    )


def test_an_upstream_that_changed_nothing_leaves_the_councils_service_as_it_is() -> None:
    base = shipped("apply-parking-permit")
    ours = then(
        fork(base),
        lambda d: edit_question(d, page="registration", answer="/registration", hint="Mine."),
    )
    result = merge(base, ours, base)
    assert same(result.definition, ours)
    assert result.clean and result.applied == ()


def test_both_sides_edits_that_do_not_collide_are_both_kept() -> None:
    """The issue's story: the publisher rewords a hint and adds a question; the council
    meanwhile changes another question's wording. After the upgrade both are there."""
    base = shipped("report-pothole")
    theirs = then(
        base,
        lambda d: edit_question(
            d, page="location", answer="/street", hint="For example, Mill Lane."
        ),
        lambda d: add_question(
            d, page="contact", kind="text", label="Best time to call", required=False
        ),
    )
    theirs["version"] = "1.1.0"
    ours = then(
        fork(base),
        lambda d: edit_question(d, page="size", answer="/size", label="How big is the hole?"),
    )
    result = merge(base, ours, theirs)
    assert result.collisions == ()
    merged = result.definition
    assert field(merged, "location", "/street")["hint"] == "For example, Mill Lane."
    assert field(merged, "size", "/size")["label"] == "How big is the hole?"
    assert [f["label"] for f in next(p for p in merged["pages"] if p["id"] == "contact")["fields"]][
        -1
    ] == "Best time to call"
    assert problems(merged) == [] and result.clean
    # The council's service stays the council's, now following the new upstream version.
    assert (merged["id"], merged["version"], merged["publisher"]["id"]) == (
        "pothole-northshire",
        "0.1.0",
        "northshire",
    )
    assert merged["provenance"] == {"forkedFrom": "report-pothole@1.1.0", "publisher": "demo"}
    assert "Question 'Best time to call' added to page 'Your contact details'" in result.applied


def test_the_same_change_on_both_sides_is_no_collision() -> None:
    base = shipped("report-pothole")
    change = lambda d: edit_question(d, page="danger", answer="/danger", hint="By 7am.")  # noqa: E731
    result = merge(base, then(fork(base), change), then(base, change))
    assert result.collisions == () and result.clean
    assert field(result.definition, "danger", "/danger")["hint"] == "By 7am."


def test_a_collision_shows_both_sides_and_the_chosen_side_wins() -> None:
    base = shipped("report-pothole")
    ours = then(
        fork(base), lambda d: edit_question(d, page="location", answer="/street", hint="Ours.")
    )
    theirs = then(
        base, lambda d: edit_question(d, page="location", answer="/street", hint="Theirs.")
    )
    result = merge(base, ours, theirs)
    collision = one(result.collisions)
    assert collision.kind == "changed"
    assert (collision.base, collision.ours, collision.theirs) == (
        "For example, High Street or B1234.",
        "Ours.",
        "Theirs.",
    )
    assert collision.where == "Page 'Where is the pothole?', question 'Street or road name', hint"
    assert collision.pointer == "/pages/0/fields/0/hint"
    assert collision.words.endswith("you and the publisher both changed it")
    # Until someone chooses, the council's value stands (and the result says it is not done).
    assert field(result.definition, "location", "/street")["hint"] == "Ours."
    assert not result.clean
    for choice, hint in (
        ("theirs", "Theirs."),
        ("ours", "Ours."),
        ("Our own words.", "Our own words."),
    ):
        chosen = resolve(result, {collision.id: choice})
        assert field(chosen, "location", "/street")["hint"] == hint
        assert problems(chosen) == []
    assert field(resolve(result, {collision.id: Custom("ours")}), "location", "/street")[
        "hint"
    ] == ("ours")


def test_other_changes_still_apply_around_a_collision() -> None:
    base = shipped("report-pothole")
    ours = then(fork(base), lambda d: edit_question(d, page="size", answer="/size", label="Ours?"))
    theirs = then(
        base,
        lambda d: edit_question(d, page="size", answer="/size", label="Theirs?"),
        lambda d: edit_question(d, page="danger", answer="/danger", hint="Deep or busy."),
    )
    result = merge(base, ours, theirs)
    collision = one(result.collisions)
    assert field(result.definition, "danger", "/danger")["hint"] == "Deep or busy."
    final = resolve(result, {collision.id: "theirs"})
    assert field(final, "size", "/size")["label"] == "Theirs?"
    assert field(final, "danger", "/danger")["hint"] == "Deep or busy."


def test_a_question_the_council_deleted_and_the_publisher_changed_collides() -> None:
    base = shipped("report-pothole")
    ours = then(fork(base), lambda d: delete_question(d, page="contact", answer="/phone"))
    theirs = then(
        base, lambda d: edit_question(d, page="contact", answer="/phone", hint="So we can call.")
    )
    result = merge(base, ours, theirs)
    collision = one(result.collisions)
    assert collision.kind == "removed-by-us"
    assert collision.ours is ABSENT and collision.theirs["hint"] == "So we can call."
    assert collision.where == "Page 'Your contact details', question 'UK telephone number'"
    # Keeping the deletion: no phone question and no phone answer.
    kept_out = resolve(result, {collision.id: "ours"})
    assert "phone" not in kept_out["answers"]["properties"]
    # Taking the publisher's: the question comes back with its answer, and the service is whole.
    back = resolve(result, {collision.id: "theirs"})
    assert field(back, "contact", "/phone")["hint"] == "So we can call."
    assert back["answers"]["properties"]["phone"] == base["answers"]["properties"]["phone"]
    assert problems(back) == []


def test_a_question_the_publisher_deleted_and_the_council_changed_collides() -> None:
    base = shipped("report-pothole")
    ours = then(
        fork(base),
        lambda d: edit_question(d, page="location", answer="/postcode", label="Postcode"),
    )
    theirs = then(base, lambda d: delete_question(d, page="location", answer="/postcode"))
    result = merge(base, ours, theirs)
    collision = one(result.collisions)
    assert collision.kind == "removed-by-them"
    # The council's question stays until it chooses, with its answer, so the service works.
    assert field(result.definition, "location", "/postcode")["label"] == "Postcode"
    assert result.problems == ()
    gone = resolve(result, {collision.id: "theirs"})
    assert "postcode" not in gone["answers"]["properties"]
    assert all(f["answer"] != "/postcode" for f in gone["pages"][0]["fields"])


def test_a_page_deleted_by_one_side_and_changed_by_the_other_collides() -> None:
    base = shipped("report-pothole")
    ours = then(fork(base), lambda d: edit_page(d, page="urgent", title="Call us now"))
    theirs = then(base, lambda d: delete_page(d, page="urgent"))
    collision = one(merge(base, ours, theirs).collisions)
    assert collision.kind == "removed-by-them"
    assert collision.id == "/pages/id=urgent"


def test_new_upstream_pages_go_after_the_page_they_follow_in_the_councils_order() -> None:
    base = shipped("report-pothole")
    ours = then(
        fork(base),
        lambda d: move_page(d, page="photo", direction="up"),
        lambda d: move_page(d, page="photo", direction="up"),
    )
    theirs = then(
        base,
        lambda d: add_content_page(d, title="Before you start", content="Stay safe.", after="size"),
    )
    result = merge(base, ours, theirs)
    order = [page["id"] for page in result.definition["pages"]]
    assert order == [
        "location",
        "position",
        "size",
        "before-start",
        "photo",
        "danger",
        "urgent",
        "contact",
    ]
    assert result.clean


def test_an_upstream_reorder_is_taken_when_the_council_kept_the_order() -> None:
    base = shipped("report-pothole")
    ours = then(fork(base), lambda d: edit_page(d, page="contact", title="How we contact you"))
    theirs = then(base, lambda d: move_page(d, page="size", direction="up"))
    result = merge(base, ours, theirs)
    assert [p["id"] for p in result.definition["pages"]][:3] == ["location", "size", "position"]
    assert result.collisions == ()


def test_both_sides_reordering_differently_is_a_collision_of_order() -> None:
    base = shipped("report-pothole")
    ours = then(fork(base), lambda d: move_page(d, page="size", direction="up"))
    theirs = then(base, lambda d: move_page(d, page="photo", direction="down"))
    result = merge(base, ours, theirs)
    collision = one(result.collisions)
    assert (collision.kind, collision.id, collision.pointer) == (
        "order",
        "/pages/(order)",
        "/pages",
    )
    assert collision.ours[:3] == ["location", "size", "position"]
    final = resolve(result, {collision.id: "theirs"})
    assert [p["id"] for p in final["pages"]] == collision.theirs
    mine = ["size", "location", "position", "danger", "urgent", "photo", "contact"]
    assert [p["id"] for p in resolve(result, {collision.id: mine})["pages"]] == mine
    # An order that leaves pages out still keeps them, at the end.
    partial = resolve(result, {collision.id: ["contact", "size"]})
    assert [p["id"] for p in partial["pages"]][:2] == ["contact", "size"]
    assert len(partial["pages"]) == len(base["pages"])


def test_options_merge_by_value() -> None:
    base = shipped("report-pothole")
    ours = then(
        fork(base),
        lambda d: add_option(
            d, page="position", answer="/position", label="On a pavement", value="pavement"
        ),
    )
    theirs = then(
        base,
        lambda d: edit_option(d, page="size", answer="/size", value="small", label="Small"),
        lambda d: add_option(
            d, page="position", answer="/position", label="On a bridge", value="bridge"
        ),
    )
    result = merge(base, ours, theirs)
    assert result.collisions == ()
    branches = result.definition["answers"]["properties"]["position"]["oneOf"]
    assert [b["const"] for b in branches] == [
        "road",
        "kerb",
        "cycle-lane",
        "junction",
        "other",
        "bridge",
        "pavement",
    ]
    assert result.definition["answers"]["properties"]["size"]["oneOf"][0]["title"] == "Small"
    assert result.clean


def test_fees_merge_by_line_and_amounts_collide() -> None:
    base = shipped("apply-parking-permit")
    ours = then(fork(base), lambda d: edit_fee(d, line="permit", amount=120))
    theirs = then(
        base,
        lambda d: add_fee(d, description="Admin fee", amount=5, line="admin"),
        lambda d: translate(d, key="fees.admin.description", text="Ffi weinyddol"),
        lambda d: edit_fee(d, line="diesel-surcharge", amount=30),
    )
    result = merge(base, ours, theirs)
    assert result.collisions == () and result.clean
    lines = {line["id"]: line["amount"] for line in result.definition["fees"]["lines"]}
    assert lines["permit"] == 12000 and lines["diesel-surcharge"] == 3000 and lines["admin"] == 500
    both = merge(base, ours, then(base, lambda d: edit_fee(d, line="permit", amount=99)))
    collision = one(both.collisions)
    assert (collision.ours, collision.theirs) == (12000, 9900)
    assert collision.where == "Fee 'Resident parking permit (12 months)', amount"


def test_workflow_states_and_events_merge_by_name() -> None:
    base = shipped("report-pothole")
    ours = then(fork(base), lambda d: edit_state(d, state="received", label="Report received"))
    theirs = then(
        base,
        lambda d: add_state(
            d,
            label="Passed on",
            resident_text="Someone else looks after this road.",
            tag="grey",
            final=True,
            name="passedOn",
            from_state="received",
            description="Pass it on",
        ),
        lambda d: add_transition(d, state="inspecting", target="passedOn", description="Not ours"),
    )
    result = merge(base, ours, theirs)
    assert result.collisions == () and result.clean
    states = result.definition["workflow"]["states"]
    assert states["received"]["meta"]["label"] == "Report received"
    assert "passedOn" in states
    assert {t["target"] for t in states["inspecting"]["on"].values()} >= {"passedOn"}
    clash = merge(base, ours, then(base, lambda d: edit_state(d, state="received", label="New")))
    assert one(clash.collisions).where == "Workflow, state 'Report received', label"


def test_welsh_merges_by_key() -> None:
    base = shipped("report-missed-bin")
    ours = then(
        fork(base), lambda d: translate(d, key="fields.binOut.label", text="Oedd eich bin allan?")
    )
    theirs = then(base, lambda d: translate(d, key="title", text="Rhoi gwybod am fin a fethwyd"))
    result = merge(base, ours, theirs)
    assert result.collisions == () and result.clean
    welsh = result.definition["translations"]["cy"]
    assert welsh["fields.binOut.label"] == "Oedd eich bin allan?"
    assert welsh["title"] == "Rhoi gwybod am fin a fethwyd"
    clash = merge(
        base, ours, then(base, lambda d: translate(d, key="fields.binOut.label", text="Arall"))
    )
    assert one(clash.collisions).where == "Welsh of fields.binOut.label"


def test_a_new_upstream_question_without_the_councils_welsh_is_reported_not_hidden() -> None:
    """The council translated its copy; the publisher's new question has no Welsh yet: the
    merged service is not silently broken, the missing translation is a problem to fix."""
    base = shipped("report-pothole")
    ours = then(fork(base), lambda d: set_welsh(d, welsh=True))
    for text in translatable(ours):
        ours = translate(ours, key=text.key, text="Cymraeg: " + text.english[:400]).apply(ours)
    assert problems(ours) == []
    theirs = then(
        base, lambda d: add_question(d, page="contact", kind="text", label="Colour", required=False)
    )
    result = merge(base, ours, theirs)
    assert result.collisions == ()
    assert result.problems and all(p.keyword == "translation" for p in result.problems)
    assert not result.clean
    with pytest.raises(MergeRefused) as refused:
        resolve(result, {})
    assert refused.value.code == "invalid-result"
    assert refused.value.problems == result.problems
    # As a draft, to translate the new question in the builder.
    draft = resolve(result, {}, checked=False)
    assert same(draft, result.definition)


def test_a_change_that_breaks_the_other_sides_change_is_a_problem_not_silence() -> None:
    """The council made the photo page depend on the size; the publisher removed nothing it
    needs, so that is fine; but when the publisher drops the size question, the merged
    condition tests an answer that no longer exists, and the result says so."""
    base = shipped("report-pothole")
    rules = {"combine": "all", "rules": [{"answer": "/danger", "operator": "is", "value": True}]}
    ours = then(fork(base), lambda d: set_condition(d, page="photo", rules=rules))
    theirs = then(
        base,
        lambda d: delete_page(d, page="urgent"),
        lambda d: delete_page(d, page="danger"),
    )
    result = merge(base, ours, theirs)
    assert result.collisions == ()
    assert any(p.keyword == "pointer" and p.pointer.startswith("/pages/") for p in result.problems)
    assert not result.clean


def test_resolve_refuses_unknown_missing_and_breaking_choices() -> None:
    base = shipped("report-pothole")
    ours = then(
        fork(base), lambda d: edit_question(d, page="location", answer="/street", hint="Ours.")
    )
    theirs = then(
        base, lambda d: edit_question(d, page="location", answer="/street", hint="Theirs.")
    )
    result = merge(base, ours, theirs)
    collision = one(result.collisions)
    with pytest.raises(MergeRefused) as unknown:
        resolve(result, {collision.id: "ours", "/pages/id=nowhere/title": "theirs"})
    assert unknown.value.code == "unknown-collision"
    with pytest.raises(MergeRefused) as missing:
        resolve(result, {})
    assert missing.value.code == "unchosen"
    assert "Street or road name" in missing.value.message
    with pytest.raises(MergeRefused) as broken:
        resolve(result, {collision.id: ""})
    assert broken.value.code == "invalid-result"
    assert broken.value.problems[0].pointer == "/pages/0/fields/0/hint"


def test_conditions_collide_whole_rather_than_mixing() -> None:
    base = shipped("report-pothole")
    by_size = {"combine": "all", "rules": [{"answer": "/size", "operator": "is", "value": "large"}]}
    by_position = {
        "combine": "all",
        "rules": [{"answer": "/position", "operator": "is", "value": "road"}],
    }
    ours = then(fork(base), lambda d: set_condition(d, page="photo", rules=by_size))
    theirs = then(base, lambda d: set_condition(d, page="photo", rules=by_position))
    result = merge(base, ours, theirs)
    collision = one(result.collisions)
    assert collision.id == "/pages/id=photo/when"
    assert collision.kind == "added"
    assert collision.said == {
        "base": "not there",
        "ours": "Only if 'About how big is the pothole?' is Bigger than a car tyre",
        "theirs": "Only if 'Where on the road is the pothole?' is In the road, where vehicles drive",
    }
    photo = resolve(result, {collision.id: "theirs"})["pages"][5]
    assert photo["when"] == theirs["pages"][5]["when"]


def test_the_result_as_json_names_no_absent_side() -> None:
    base = shipped("report-pothole")
    ours = then(fork(base), lambda d: delete_question(d, page="contact", answer="/phone"))
    theirs = then(base, lambda d: edit_question(d, page="contact", answer="/phone", hint="Call."))
    shown = merge(base, ours, theirs).as_json()["collisions"][0]
    assert "ours" not in shown and shown["theirs"]["hint"] == "Call." and "base" in shown


def test_a_question_both_sides_put_on_different_pages_is_asked_on_the_chosen_one() -> None:
    base = shipped("report-pothole")
    ours = then(
        fork(base),
        lambda d: add_question(
            d, page="contact", kind="text", label="Colour", name="colour", required=False
        ),
    )
    theirs = then(
        base,
        lambda d: add_question(
            d, page="location", kind="text", label="Road colour", name="colour", required=False
        ),
    )
    result = merge(base, ours, theirs)
    collision = one(result.collisions)
    assert collision.id == "/pages/(asked on)/answer=~1colour"
    assert (collision.base, collision.ours, collision.theirs) == (ABSENT, "contact", "location")
    assert collision.where == "Question 'Colour': the page that asks it"
    # Until chosen, the council's page asks it, and the service passes the checks.
    assert result.problems == ()
    assert [f["label"] for f in result.definition["pages"][-1]["fields"]][-1] == "Colour"
    theirs_page = resolve(result, {collision.id: "theirs"})
    assert field(theirs_page, "location", "/colour")["label"] == "Road colour"
    assert all(f["answer"] != "/colour" for f in theirs_page["pages"][-1]["fields"])


def test_an_answer_both_sides_added_differently_collides_whole() -> None:
    base = shipped("report-pothole")
    ours = then(
        fork(base),
        lambda d: add_question(
            d, page="contact", kind="text", label="Colour", name="colour", required=False
        ),
    )
    theirs = then(
        base,
        lambda d: add_question(
            d, page="contact", kind="number", label="Colour", name="colour", required=False
        ),
    )
    result = merge(base, ours, theirs)
    ids = {c.id for c in result.collisions}
    assert "/answers/properties/colour" in ids
    assert not any(i.startswith("/answers/properties/colour/") for i in ids)
    final = resolve(result, {c.id: "theirs" for c in result.collisions})
    assert final["answers"]["properties"]["colour"] == theirs["answers"]["properties"]["colour"]
    assert problems(final) == []


def test_a_page_the_council_deleted_comes_back_whole_when_the_publishers_is_chosen() -> None:
    base = shipped("report-pothole")
    ours = then(fork(base), lambda d: delete_page(d, page="photo"))
    theirs = then(
        base, lambda d: edit_question(d, page="photo", answer="/photo", hint="A clear photo.")
    )
    result = merge(base, ours, theirs)
    collision = one(result.collisions)
    assert (collision.id, collision.kind) == ("/pages/id=photo", "removed-by-us")
    assert collision.where == "Page 'Upload a photo of the pothole'"
    back = resolve(result, {collision.id: "theirs"})
    assert field(back, "photo", "/photo")["hint"] == "A clear photo."
    assert back["answers"]["properties"]["photo"] == base["answers"]["properties"]["photo"]
    assert problems(back) == []
    assert "photo" not in resolve(result, {collision.id: "ours"})["answers"]["properties"]


def test_welsh_the_council_wrote_for_english_the_publisher_changed_is_noted() -> None:
    base = shipped("report-pothole")
    ours = then(fork(base), lambda d: set_welsh(d, welsh=True))
    for text in translatable(ours):
        ours = translate(ours, key=text.key, text="Cymraeg: " + text.english[:400]).apply(ours)
    theirs = then(
        base, lambda d: edit_question(d, page="location", answer="/street", hint="Mill Lane.")
    )
    result = merge(base, ours, theirs)
    assert result.clean
    assert result.notes == ("The English of fields.street.hint changed upstream; check its Welsh",)
    assert result.definition["translations"]["cy"]["fields.street.hint"].startswith("Cymraeg: ")


def test_a_choice_that_opens_another_question_asks_for_it() -> None:
    """The council moved a question to another page by hand; the publisher reworded it where
    it was. Taking the publisher's question back means choosing which page asks it."""
    base = shipped("report-pothole")
    ours = copy_json(fork(base))
    street = ours["pages"][0]["fields"].pop(0)
    ours["pages"][-1]["fields"].append(street)
    theirs = then(
        base, lambda d: edit_question(d, page="location", answer="/street", label="Street")
    )
    result = merge(base, ours, theirs)
    moved = one(result.collisions)
    assert moved.kind == "removed-by-us"
    assert result.problems == ()
    assert resolve(result, {moved.id: "ours"})["pages"][-1]["fields"][-1] == street
    with pytest.raises(MergeRefused) as more:
        resolve(result, {moved.id: "theirs"})
    assert more.value.code == "unchosen"
    assert more.value.message == (
        "Your choices leave one more to make: Question 'Street or road name': the page that asks it"
    )
    (page,) = more.value.collisions
    assert (page.ours, page.theirs) == ("contact", "location")
    choices = {moved.id: "theirs", page.id: "theirs"}
    final = resolve(result, choices)
    assert field(final, "location", "/street")["label"] == "Street"
    assert all(f["answer"] != "/street" for f in final["pages"][-1]["fields"])
    assert problems(final) == []


def test_the_example_in_the_upgrading_guide_is_real_output() -> None:
    doc = (Path(__file__).resolve().parents[2] / "docs" / "upgrading.md").read_text("utf-8")
    shown = json.loads(doc.split("```json\n", 1)[1].split("```", 1)[0])
    base = shipped("report-pothole")
    theirs = then(
        base,
        lambda d: edit_question(
            d, page="location", answer="/street", hint="For example, Mill Lane."
        ),
        lambda d: add_question(
            d, page="contact", kind="text", label="Best time to call", required=False
        ),
    )
    theirs["version"] = "1.1.0"
    ours = then(
        fork(base),
        lambda d: edit_question(
            d, page="location", answer="/street", hint="For example, Northgate or A61."
        ),
        lambda d: edit_question(d, page="size", answer="/size", label="How big is the hole?"),
    )
    found = merge(base, ours, theirs).as_json()
    del found["definition"]
    assert found == shown


def test_rules_without_names_are_kept_or_dropped_whole() -> None:
    base = shipped("apply-parking-permit")
    diesel = {
        "if": {"properties": {"fuelType": {"const": "diesel"}}, "required": ["fuelType"]},
        "then": {"required": ["phone"]},
    }
    ours = copy_json(fork(base))
    ours["answers"]["allOf"].append(diesel)
    theirs = copy_json(base)
    theirs["answers"]["allOf"][0]["then"]["required"].append("phone")
    result = merge(base, ours, theirs)
    assert result.collisions == () and result.clean
    assert result.definition["answers"]["allOf"] == [
        theirs["answers"]["allOf"][0],
        base["answers"]["allOf"][1],
        diesel,
    ]
    # Both rewrote the company car rule: one collision for the rules, not a mix of the two.
    ours["answers"]["allOf"][0]["then"]["required"].append("email")
    clash = merge(base, ours, theirs)
    collision = one(clash.collisions)
    assert (collision.id, collision.where) == (
        "/answers/allOf",
        "Answers, rules for when answers are required",
    )
    assert (
        resolve(clash, {collision.id: "theirs"})["answers"]["allOf"] == theirs["answers"]["allOf"]
    )


def test_a_limit_both_sides_changed_is_said_in_words() -> None:
    base = shipped("report-pothole")
    ours, theirs = copy_json(fork(base)), copy_json(base)
    ours["answers"]["properties"]["street"]["maxLength"] = 80
    theirs["answers"]["properties"]["street"]["maxLength"] = 120
    collision = one(merge(base, ours, theirs).collisions)
    assert collision.where == "Answer 'Street or road name', longest length"
    assert (collision.pointer, collision.ours, collision.theirs) == (
        "/answers/properties/street/maxLength",
        80,
        120,
    )


def test_a_fork_that_changed_nothing_but_its_name_gets_the_new_version_in_one_step() -> None:
    """An imported copy differs from its upstream only in what makes it the council's own
    (id, version, publisher, provenance): the upgrade is the new version under that identity."""
    base = shipped("apply-parking-permit")
    theirs = then(
        base,
        lambda d: edit_fee(d, line="permit", amount=99),
        lambda d: delete_question(d, page="contact", answer="/phone"),
    )
    theirs["version"] = "2.0.0"
    result = merge(base, fork(base), theirs)
    assert result.clean
    identity = ("id", "version", "publisher", "provenance")
    assert same(
        {k: v for k, v in result.definition.items() if k not in identity},
        {k: v for k, v in theirs.items() if k not in identity},
    )
    assert result.definition["provenance"]["forkedFrom"] == "apply-parking-permit@2.0.0"


def test_each_side_of_a_collision_is_said_in_words() -> None:
    base = shipped("apply-parking-permit")
    ours = then(fork(base), lambda d: edit_fee(d, line="permit", amount=120))
    theirs = then(base, lambda d: edit_fee(d, line="permit", amount="99.50"))
    fee = one(merge(base, ours, theirs).collisions)
    assert fee.said == {"base": "£95", "ours": "£120", "theirs": "£99.50"}

    pothole = shipped("report-pothole")
    by_size = {"combine": "all", "rules": [{"answer": "/size", "operator": "is", "value": "large"}]}
    ours = then(fork(pothole), lambda d: set_condition(d, page="photo", rules=by_size))
    theirs = then(pothole, lambda d: delete_page(d, page="photo"))
    page = one(merge(pothole, ours, theirs).collisions)
    assert page.said["theirs"] == "removed"
    assert page.said["ours"] == page.said["base"] == "Page 'Upload a photo of the pothole'"


SERVICES = sorted(
    path.stem
    for path in (Path(__file__).resolve().parents[2] / "schemas" / "services").glob("*.json")
)


def _welsh(definition: Definition) -> Definition:
    """Welsh for every string still without it, when the service is bilingual."""
    if "cy" not in definition.get("languages", ["en"]):
        return definition
    for text in translatable(definition):
        if text.translation is None:
            definition = translate(definition, key=text.key, text="Cy " + text.english[:400]).apply(
                definition
            )
    return definition


@pytest.mark.parametrize("name", SERVICES)
def test_every_shipped_service_takes_an_upgrade_that_keeps_the_councils_changes(
    name: str,
) -> None:
    """The publisher rewords the first question's hint and adds a question; the council
    rewords the last question and renames the first state. All of it is in the result, with
    nothing to choose, and the result passes the checks."""
    base = shipped(name)
    questions = list(asked(base))
    first, last = questions[0], questions[-1]
    plain = [p for p in base["pages"] if p.get("type", "question") == "question"][-1]
    state = base["workflow"]["initial"]
    theirs = _welsh(
        then(
            base,
            lambda d: edit_question(
                d, page=first.page["id"], answer=first.field["answer"], hint="Upstream hint."
            ),
            lambda d: add_question(
                d,
                page=plain["id"],
                kind="text",
                label="Anything else?",
                required=False,
                page_title=plain.get("title") or "A little more",
            ),
        )
    )
    ours = then(
        fork(base),
        lambda d: edit_question(
            d, page=last.page["id"], answer=last.field["answer"], label="Our wording"
        ),
        lambda d: edit_state(d, state=state, label="With us"),
    )
    assert problems(theirs) == [] and problems(ours) == []
    result = merge(base, ours, theirs)
    assert result.collisions == () and result.clean, [p.message for p in result.problems]
    merged = result.definition
    assert field(merged, first.page["id"], first.field["answer"])["hint"] == "Upstream hint."
    assert field(merged, last.page["id"], last.field["answer"])["label"] == "Our wording"
    assert "Anything else?" in [f.field["label"] for f in asked(merged)]
    assert merged["workflow"]["states"][state]["meta"]["label"] == "With us"


def test_a_question_taken_back_in_a_bilingual_service_comes_back_with_its_welsh() -> None:
    """The council deleted the phone question (and its Welsh); the publisher reworded its hint
    in both languages. Taking the publisher's back brings the Welsh it did not change too."""
    base = shipped("report-missed-bin")
    ours = then(fork(base), lambda d: delete_question(d, page="contact", answer="/phone"))
    theirs = then(
        base,
        lambda d: edit_question(d, page="contact", answer="/phone", hint="In case we call."),
        lambda d: translate(d, key="fields.phone.hint", text="Rhag ofn i ni ffonio."),
    )
    result = merge(base, ours, theirs)
    assert {c.id for c in result.collisions} == {
        "/pages/id=contact/fields/answer=~1phone",
        "/translations/cy/fields.phone.hint",
    }
    back = resolve(result, {c.id: "theirs" for c in result.collisions})
    welsh = back["translations"]["cy"]
    assert welsh["fields.phone.hint"] == "Rhag ofn i ni ffonio."
    assert welsh["fields.phone.label"] == base["translations"]["cy"]["fields.phone.label"]
    assert problems(back) == []
    gone = resolve(result, {c.id: "ours" for c in result.collisions})
    assert not [key for key in gone["translations"]["cy"] if key.startswith("fields.phone.")]


def test_a_condition_left_testing_an_option_the_publisher_removed_is_noted() -> None:
    base = shipped("report-pothole")
    large = {"combine": "all", "rules": [{"answer": "/size", "operator": "is", "value": "large"}]}
    ours = then(fork(base), lambda d: set_condition(d, page="photo", rules=large))
    theirs = then(base, lambda d: remove_option(d, page="size", answer="/size", value="large"))
    result = merge(base, ours, theirs)
    assert result.collisions == () and result.problems == ()
    assert result.notes == (
        "Option 'Bigger than a car tyre' of 'About how big is the pothole?' was removed "
        "upstream, but a condition still tests for it: Page 'Upload a photo of the pothole' "
        "is shown or not depending on it",
    )


def test_a_collision_the_other_choices_settle_takes_its_choice_without_refusing() -> None:
    """Both sides add a Colour question, the council on the address page, the publisher on
    the vehicle page, and the publisher deletes the address page: the page and where Colour
    is asked collide. The designer chooses the publisher's side for both; the deleted page
    takes the council's Colour with it, so where Colour is asked no longer collides. Found by
    the merge properties: the choice was refused as "no collision to choose for", leaving a
    designer who chose everything on one side unable to upgrade."""
    base = shipped("apply-parking-permit")

    def done(definition: dict[str, Any], name: str, params: dict[str, Any]) -> dict[str, Any]:
        from test_merge_properties import _welsh

        from builder.operations import perform

        return _welsh(perform(definition, name, params).apply(definition))

    colour = {"kind": "text", "label": "Colour", "options": [], "page_title": "About you", "required": True}
    ours = done(base, "add-question", {"page": "address", **colour})
    theirs = done(done(base, "add-question", {"page": "vehicle", **colour}), "delete-page", {"page": "address"})
    result = merge(base, ours, theirs)
    assert [collision.id for collision in result.collisions] == ["/pages/id=address", "/pages/(asked on)/answer=~1colour"]

    final = resolve(result, {collision.id: "theirs" for collision in result.collisions})
    assert "address" not in [page["id"] for page in final["pages"]]
    assert [found.page["id"] for found in asked(final) if found.field["answer"] == "/colour"] == ["vehicle"]
    kept = resolve(result, {collision.id: "ours" for collision in result.collisions})
    assert [found.page["id"] for found in asked(kept) if found.field["answer"] == "/colour"] == ["address"]
    with pytest.raises(MergeRefused, match="no collision /pages/id=elsewhere"):
        resolve(result, {**{collision.id: "theirs" for collision in result.collisions}, "/pages/id=elsewhere": "ours"})
