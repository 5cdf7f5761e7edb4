"""Every operation, applied to a blank or a shipped definition: the result passes the real
meta-schema and lint, the input is untouched, undo gives back the original exactly, and what
cannot be done is refused with a reason (and what depends on it)."""

from __future__ import annotations

from typing import Any

import pytest
from checked import applied, blank, shipped, untranslated

from builder.conditions import Rule, Rules, to_schema
from builder.keyed_patch import same
from builder.locations import schema_at
from builder.operations import (
    OPERATIONS,
    Refused,
    add_add_another_page,
    add_content_page,
    add_exit_page,
    add_fee,
    add_option,
    add_question,
    add_question_page,
    add_state,
    add_transition,
    clear_condition,
    delete_page,
    delete_question,
    duplicate_page,
    edit_fee,
    edit_option,
    edit_page,
    edit_question,
    edit_service,
    edit_state,
    edit_transition,
    move_fee,
    move_option,
    move_page,
    move_question,
    perform,
    remove_fee,
    remove_option,
    remove_state,
    remove_timer,
    remove_transition,
    rename_state,
    set_condition,
    set_confirmation,
    set_declaration,
    set_initial_state,
    set_option_hint,
    set_reveal,
    set_start_page,
    set_timer,
    set_welsh,
    translate,
)
from builder.question_kinds import KINDS
from builder.service_operations import translatable
from runtime.core.definition import problems

OPTIONS = ["Fridge or freezer", "Sofa", "Something else"]


def ids(definition: dict[str, Any]) -> list[str]:
    return [page["id"] for page in definition["pages"]]


def when_yes(answer: str) -> dict[str, Any]:
    return {"properties": {answer: {"const": True}}, "required": [answer]}


# The blank service and the palette.


def test_a_blank_service_passes_the_meta_schema_and_lint() -> None:
    assert problems(blank()) == []


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_kind_of_question_makes_a_valid_page(kind: str) -> None:
    definition = blank()
    options = OPTIONS if KINDS[kind].needs_options else ()
    change = add_question_page(
        definition, kind=kind, label="What colour is it?", options=options, after="start"
    )
    after = applied(definition, change)
    assert after["pages"][0]["fields"][0]["answer"].startswith("/colour")
    assert "colour" in after["answers"]["properties"]
    assert change.name == "add-question-page"
    assert change.params["kind"] == kind


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_kind_of_question_fits_an_add_another_item(kind: str) -> None:
    definition = applied(
        blank(),
        add_add_another_page(
            blank(),
            title="Tell us about the item",
            item_title="Item",
            kind="text",
            label="Describe the item",
        ),
    )
    options = OPTIONS if KINDS[kind].needs_options else ()
    change = add_question(
        definition, page="item", kind=kind, label="What colour is it?", options=options
    )
    after = applied(definition, change)
    item = after["answers"]["properties"]["items"]["items"]
    assert "colour" in item["properties"]
    assert "colour" in item["required"]


def test_adding_a_question_writes_the_answer_its_requirement_and_the_field() -> None:
    definition = blank()
    change = add_question_page(
        definition,
        kind="one-of",
        label="What type of item is it?",
        options=OPTIONS,
        hint="Choose one.",
    )
    after = applied(definition, change)
    assert after["answers"]["properties"]["typeItem"] == {
        "type": "string",
        "oneOf": [
            {"const": "fridge-or-freezer", "title": "Fridge or freezer"},
            {"const": "sofa", "title": "Sofa"},
            {"const": "something-else", "title": "Something else"},
        ],
    }
    assert "typeItem" in after["answers"]["required"]
    assert after["pages"][-1] == {
        "id": "type-item",
        "fields": [
            {
                "answer": "/typeItem",
                "label": "What type of item is it?",
                "widget": "radios",
                "hint": "Choose one.",
            }
        ],
    }
    assert change.description == "Added page 'What type of item is it?'"
    assert {"op": "add", "path": "/answers/required/1", "value": "typeItem"} in change.patch


def test_a_question_added_to_a_page_describes_itself() -> None:
    definition = applied(
        blank(),
        add_question_page(
            blank(), kind="text", label="Colour", title="About the bin", page="about-bin"
        ),
    )
    change = add_question(definition, page="about-bin", kind="text", label="Size")
    applied(definition, change)
    assert change.description == "Added question 'Size' to page 'About the bin'"


def test_a_second_question_needs_a_page_title() -> None:
    definition = blank()
    with pytest.raises(Refused) as refused:
        add_question(definition, page="email", kind="text", label="Full name")
    assert refused.value.code == "page-title-needed"
    after = applied(
        definition,
        add_question(
            definition, page="email", kind="text", label="Full name", page_title="Your details"
        ),
    )
    assert after["pages"][0]["title"] == "Your details"


def test_a_required_question_on_a_conditional_page_is_required_only_when_asked() -> None:
    definition = shipped("report-fly-tipping")  # the contact page is shown only to some
    change = add_question(
        definition, page="contact", kind="text", label="Your company", required=True
    )
    after = applied(definition, change, welsh_pending=True)
    assert "company" not in after["answers"]["required"]
    rule = next(r for r in after["answers"]["allOf"] if r["if"] == when_yes("giveContact"))
    assert rule["then"]["required"] == ["name", "email", "company"]


def test_unknown_kinds_and_missing_options_are_refused() -> None:
    with pytest.raises(Refused) as refused:
        add_question_page(blank(), kind="colour-picker", label="Colour")
    assert refused.value.code == "unknown-kind"
    with pytest.raises(Refused) as refused:
        add_question_page(blank(), kind="one-of", label="Colour")
    assert refused.value.code == "options-needed"
    with pytest.raises(Refused) as refused:
        add_question_page(blank(), kind="text", label="   ")
    assert refused.value.code == "text-missing"


# Editing questions.


def test_editing_a_question_changes_what_it_says_and_accepts() -> None:
    definition = shipped("report-missed-bin")
    change = edit_question(
        definition,
        page="details",
        answer="/details",
        hint="Tell the crew where your bin is.",
        max_length=300,
        min_length=None,
        errors={"maxLength": "What the crew should know must be 300 characters or fewer"},
    )
    after = applied(definition, change, welsh_pending=True)
    assert after["answers"]["properties"]["details"]["maxLength"] == 300
    assert after["pages"][5]["fields"][0]["hint"] == "Tell the crew where your bin is."
    assert change.description.startswith("Changed hint, length, error messages of question")


def test_money_ranges_are_typed_in_pounds_and_kept_in_pence() -> None:
    definition = shipped("pay-council-tax")
    change = edit_question(
        definition, page="amount", answer="/amount", minimum="£2.50", maximum="1,000"
    )
    after = applied(definition, change)
    assert after["answers"]["properties"]["amount"]["minimum"] == 250
    assert after["answers"]["properties"]["amount"]["maximum"] == 100000
    with pytest.raises(Refused) as refused:
        edit_question(definition, page="amount", answer="/amount", minimum="12.345")
    assert refused.value.code == "amount"


def test_dates_ranges_and_patterns_are_checked() -> None:
    definition = shipped("apply-parking-permit")
    after = applied(
        definition,
        edit_question(
            definition,
            page="start-date",
            answer="/startDate",
            earliest="today",
            latest="2099-12-31",
        ),
    )
    assert after["answers"]["properties"]["startDate"]["formatMaximum"] == "2099-12-31"
    with pytest.raises(Refused) as refused:
        edit_question(definition, page="start-date", answer="/startDate", latest="2099-02-30")
    assert refused.value.code == "date"
    with pytest.raises(Refused) as refused:
        edit_question(definition, page="registration", answer="/registration", pattern=r"^(\w)\1$")
    assert refused.value.code == "pattern"
    with pytest.raises(Refused) as refused:
        edit_question(definition, page="registration", answer="/registration", minimum=3)
    assert refused.value.code == "not-for-this-question"
    with pytest.raises(Refused) as refused:
        edit_question(definition, page="registration", answer="/registration", min_length=9)
    assert refused.value.code == "range"
    after = applied(
        definition,
        edit_question(
            definition, page="registration", answer="/registration", pattern="^[A-Z0-9 ]{2,8}$"
        ),
    )
    assert after["answers"]["properties"]["registration"]["pattern"] == "^[A-Z0-9 ]{2,8}$"


def test_making_a_question_optional_and_required_again_round_trips() -> None:
    definition = shipped("report-missed-bin")
    optional = applied(
        definition, edit_question(definition, page="bin-out", answer="/binOut", required=False)
    )
    assert "binOut" not in optional["answers"]["required"]
    required = applied(
        optional, edit_question(optional, page="bin-out", answer="/binOut", required=True)
    )
    assert "binOut" in required["answers"]["required"]


def test_an_unknown_error_rule_is_refused() -> None:
    with pytest.raises(Refused) as refused:
        edit_question(
            shipped("report-missed-bin"), page="bin-out", answer="/binOut", errors={"tooLate": "No"}
        )
    assert refused.value.code == "unknown-rule"


def test_moving_a_question_within_its_page() -> None:
    definition = shipped("report-missed-bin")
    change = move_question(definition, page="contact", answer="/phone", direction="up")
    after = applied(definition, change)
    assert [f["answer"] for f in after["pages"][6]["fields"]] == ["/name", "/phone", "/email"]
    assert change.patch == [
        {"op": "move", "from": "/pages/6/fields/2", "path": "/pages/6/fields/1"}
    ]
    with pytest.raises(Refused):
        move_question(definition, page="contact", answer="/name", direction="up")


# Deleting questions.


def test_deleting_a_question_removes_its_answer_requirement_and_translations() -> None:
    definition = shipped("report-missed-bin")
    change = delete_question(definition, page="contact", answer="/phone")
    after = applied(definition, change)
    assert "phone" not in after["answers"]["properties"]
    assert not [key for key in after["translations"]["cy"] if key.startswith("fields.phone.")]
    assert (
        change.description
        == "Deleted question 'UK telephone number' from page 'Your contact details'"
    )


def test_deleting_an_answer_a_condition_tests_is_refused_with_what_depends_on_it() -> None:
    definition = shipped("apply-dropped-kerb")
    with pytest.raises(Refused) as refused:
        delete_question(definition, page="planning", answer="/planningPermission")
    assert refused.value.code == "in-use"
    assert (
        "Page 'You need planning permission first' is shown or not depending on it"
        in refused.value.dependents
    )


def test_deleting_a_question_a_fee_counts_is_refused() -> None:
    definition = shipped("apply-parking-permit")
    definition = applied(
        definition,
        add_question(
            definition,
            page="voucher-books",
            kind="text",
            label="Notes",
            required=False,
            page_title="Vouchers",
        ),
        welsh_pending=True,
    )
    with pytest.raises(Refused) as refused:
        delete_question(definition, page="voucher-books", answer="/voucherBooks")
    assert refused.value.dependents == (
        "The fee 'Visitor vouchers (books of 10)' is charged or not depending on it",
        "The fee 'Visitor vouchers (books of 10)' is multiplied by it",
    )


def test_deleting_a_revealing_question_keeps_the_revealed_one_required_on_its_page() -> None:
    definition = shipped("report-pothole")
    # position reveals positionOther, required only when "other" is chosen
    change = delete_question(definition, page="position", answer="/position")
    after = applied(definition, change)
    assert "positionOther" in after["answers"]["required"]
    assert "if" not in after["answers"]


def test_the_only_question_of_a_page_is_deleted_with_its_page() -> None:
    with pytest.raises(Refused) as refused:
        delete_question(shipped("report-missed-bin"), page="bin-out", answer="/binOut")
    assert refused.value.code == "last-question"


# Options.


def test_options_are_added_edited_moved_and_removed() -> None:
    definition = shipped("report-pothole")
    after = applied(
        definition, add_option(definition, page="size", answer="/size", label="Huge", position=0)
    )
    assert after["answers"]["properties"]["size"]["oneOf"][0] == {"const": "huge", "title": "Huge"}
    after = applied(
        after, edit_option(after, page="size", answer="/size", value="huge", label="Enormous")
    )
    after = applied(
        after, move_option(after, page="size", answer="/size", value="huge", direction="down")
    )
    assert [o["const"] for o in after["answers"]["properties"]["size"]["oneOf"]] == [
        "small",
        "huge",
        "medium",
        "large",
    ]
    after = applied(
        after,
        set_option_hint(after, page="size", answer="/size", value="huge", hint="Wider than a car"),
    )
    after = applied(after, remove_option(after, page="size", answer="/size", value="huge"))
    assert same(after["answers"], definition["answers"])
    assert "optionHints" not in after["pages"][2]["fields"][0]


def test_removing_an_option_drops_its_welsh() -> None:
    definition = shipped("report-missed-bin")
    change = remove_option(definition, page="bins", answer="/binTypes", value="garden")
    after = applied(definition, change)
    assert "options.binTypes.garden" not in after["translations"]["cy"]
    assert {"op": "remove", "path": "/translations/cy/options.binTypes.garden"} in change.patch


def test_an_option_a_fee_tests_or_that_reveals_cannot_be_removed() -> None:
    definition = shipped("book-bulky-waste")
    with pytest.raises(Refused) as refused:
        remove_option(definition, page="items", answer="/type", value="fridge")
    assert refused.value.dependents == (
        "The fee 'Fridge or freezer disposal' is charged or not depending on it",
    )
    with pytest.raises(Refused) as refused:
        remove_option(definition, page="location", answer="/location", value="other")
    assert (
        refused.value.dependents[0] == "It reveals the question 'Tell us where you will leave them'"
    )
    applied(
        definition,
        remove_option(definition, page="items", answer="/type", value="sofa"),
        welsh_pending=True,
    )


def test_a_reveal_makes_its_question_required_only_under_its_option() -> None:
    definition = shipped("report-pothole")
    no_reveal = applied(
        definition,
        set_reveal(definition, page="position", answer="/position", value="other", question=None),
    )
    assert "positionOther" in no_reveal["answers"]["required"]
    again = applied(
        no_reveal,
        set_reveal(
            no_reveal, page="position", answer="/position", value="other", question="/positionOther"
        ),
    )
    assert "positionOther" not in again["answers"]["required"]
    assert {
        "if": {"properties": {"position": {"const": "other"}}, "required": ["position"]},
        "then": {"required": ["positionOther"]},
    } in again["answers"]["allOf"]


# Pages.


def test_content_exit_and_add_another_pages() -> None:
    definition = shipped("apply-dropped-kerb")
    after = applied(
        definition,
        add_content_page(
            definition, title="Before you start", content="You need a photo.", after="start"
        ),
        welsh_pending=True,
    )
    assert ids(after)[0] == "before-start"
    exit_change = add_exit_page(
        definition,
        title="You cannot apply",
        content="Only owners can apply.",
        when=when_yes("classifiedRoad"),
        after="classified-road",
    )
    exited = applied(definition, exit_change, welsh_pending=True)
    page = exited["pages"][ids(exited).index("classified-road") + 1]
    assert page["stop"] is True and page["type"] == "content"
    assert (
        exit_change.description
        == "Added exit page 'You cannot apply' (Only if 'Is the property on a classified road?' is Yes)"
    )
    looped = applied(
        definition,
        add_add_another_page(
            definition,
            title="About the vehicle",
            item_title="Vehicle",
            kind="text",
            label="Registration number",
            max_items=3,
        ),
        welsh_pending=True,
    )
    assert looped["answers"]["properties"]["vehicles"]["maxItems"] == 3
    assert "vehicles" in looped["answers"]["required"]


def test_pages_move_up_and_down_as_one_move() -> None:
    definition = shipped("report-missed-bin")
    change = move_page(definition, page="details", direction="up")
    after = applied(definition, change)
    assert ids(after)[4:6] == ["details", "due-date"]
    assert change.patch == [{"op": "move", "from": "/pages/5", "path": "/pages/4"}]
    with pytest.raises(Refused):
        move_page(definition, page="address", direction="up")


def test_editing_a_page() -> None:
    definition = shipped("book-bulky-waste")
    after = applied(
        definition,
        edit_page(
            definition,
            page="items",
            title="About your items",
            item_title="Thing",
            max_items=5,
            min_items=2,
        ),
        welsh_pending=True,
    )
    assert after["answers"]["properties"]["items"]["minItems"] == 2
    with pytest.raises(Refused):
        edit_page(definition, page="address", title=None)
    applied(
        definition,
        edit_page(definition, page="crew-notes", content="Tell us anything useful."),
        welsh_pending=True,
    )


def test_deleting_a_page_removes_its_answers_and_its_welsh() -> None:
    definition = shipped("report-missed-bin")
    change = delete_page(definition, page="contact")
    # name and email are required, phone is not; all three go with the page
    after = applied(definition, change)
    assert not {"name", "email", "phone"} & set(after["answers"]["properties"])
    assert not [key for key in after["translations"]["cy"] if key.startswith("pages.contact.")]


def test_deleting_a_page_others_depend_on_is_refused() -> None:
    with pytest.raises(Refused) as refused:
        delete_page(shipped("report-missed-bin"), page="bin-out")
    assert refused.value.dependents == (
        "Page 'We may not be able to come back' is shown or not depending on it",
    )
    with pytest.raises(Refused) as refused:
        delete_page(shipped("book-bulky-waste"), page="items")
    assert len(refused.value.dependents) == 2


def test_deleting_a_conditional_page_removes_its_requirement_rules() -> None:
    definition = shipped("subscribe-garden-waste")
    after = applied(definition, delete_page(definition, page="concession-benefit"))
    assert "if" not in after["answers"]


def test_duplicating_a_page_gives_it_answers_and_welsh_of_its_own() -> None:
    definition = shipped("report-missed-bin")
    change = duplicate_page(definition, page="address")
    after = applied(definition, change)
    copy = after["pages"][1]
    assert copy["id"] == "address-missed-collection"
    assert copy["fields"][0]["answer"] == "/address2/line1"
    assert (
        after["answers"]["properties"]["address2"] == definition["answers"]["properties"]["address"]
    )
    assert "address2" in after["answers"]["required"]
    assert after["translations"]["cy"]["fields.address2.line1.label"] == "Llinell 1 y cyfeiriad"


def test_duplicating_a_conditional_page_and_an_add_another_page() -> None:
    fly = shipped("report-fly-tipping")
    after = applied(fly, duplicate_page(fly, page="contact"))
    rules = [r for r in after["answers"]["allOf"] if r["if"] == when_yes("giveContact")]
    assert rules[0]["then"]["required"] == ["name", "email", "name2", "email2"]
    bulky = shipped("book-bulky-waste")
    looped = applied(bulky, duplicate_page(bulky, page="items"))
    assert looped["pages"][1]["answer"] == "/items2"


def test_a_condition_moves_the_page_requirements_with_it() -> None:
    definition = shipped("report-missed-bin")
    when = to_schema(Rules("all", (Rule("/binOut", "is", True),)), definition)
    change = set_condition(definition, page="due-date", when=when)
    after = applied(definition, change)
    assert "dueDate" not in after["answers"]["required"]
    assert {"if": when, "then": {"required": ["dueDate"]}} in after["answers"]["allOf"]
    assert (
        change.description
        == "Page 'When was your bin due to be collected?' is now shown only if 'Was your bin out by 7am on your collection day?' is Yes"
    )
    cleared = applied(after, clear_condition(after, page="due-date"))
    assert "dueDate" in cleared["answers"]["required"]
    assert "allOf" not in cleared["answers"]


def test_clearing_a_shipped_condition_makes_its_answer_plainly_required() -> None:
    definition = shipped("subscribe-garden-waste")
    after = applied(definition, clear_condition(definition, page="concession-benefit"))
    assert "concessionBenefit" in after["answers"]["required"]
    assert "if" not in after["answers"]


def test_a_condition_that_is_not_json_schema_is_refused() -> None:
    with pytest.raises(Refused) as refused:
        set_condition(
            shipped("report-missed-bin"),
            page="due-date",
            when={"properties": {"binOut": {"lable": 1}}},
        )
    assert refused.value.code == "condition"


# Fees.


def test_fees_in_pounds_per_item_and_on_a_condition() -> None:
    definition = shipped("book-bulky-waste")
    change = add_fee(
        definition,
        description="Mattress disposal",
        amount="7.50",
        when=to_schema(Rules("all", (Rule("/items/type", "is", "mattress"),)), definition),
    )
    after = applied(definition, change, welsh_pending=True)
    assert after["fees"]["lines"][-1] == {
        "id": "mattress-disposal",
        "description": "Mattress disposal",
        "amount": 750,
        "when": {
            "properties": {
                "items": {
                    "contains": {
                        "properties": {"type": {"const": "mattress"}},
                        "required": ["type"],
                    }
                }
            },
            "required": ["items"],
        },
    }
    assert (
        change.description
        == "Added fee 'Mattress disposal': £7.50, only if 'What type of item is it?' is Mattress for any item"
    )
    edited = applied(
        after,
        edit_fee(after, line="mattress-disposal", amount=10, per="/items", when=None),
        welsh_pending=True,
    )
    assert edited["fees"]["lines"][-1]["multiplier"] == "/items"
    moved = applied(
        edited, move_fee(edited, line="mattress-disposal", direction="up"), welsh_pending=True
    )
    assert moved["fees"]["lines"][1]["id"] == "mattress-disposal"
    with pytest.raises(Refused):
        add_fee(definition, description="Per colour", amount=1, per="/address")


def test_a_free_service_gets_a_fee_and_loses_it() -> None:
    definition = blank()
    paid = applied(definition, add_fee(definition, description="Replacement bin", amount=25))
    assert paid["fees"] == {
        "currency": "GBP",
        "lines": [{"id": "replacement-bin", "description": "Replacement bin", "amount": 2500}],
    }
    free = applied(paid, remove_fee(paid, line="replacement-bin"))
    assert "fees" not in free


def test_a_fee_can_take_its_amount_from_a_money_answer() -> None:
    definition = shipped("pay-council-tax")
    definition = applied(definition, remove_fee(definition, line="payment"))
    after = applied(
        definition,
        add_fee(definition, description="Payment", amount_from="/amount"),
        welsh_pending=True,
    )
    assert after["fees"]["lines"][0]["amountFrom"] == "/amount"
    with pytest.raises(Refused):
        add_fee(definition, description="Payment", amount_from="/email")
    with pytest.raises(Refused):
        add_fee(definition, description="Payment")


# Workflow.


def test_a_state_reached_from_another_keeps_the_workflow_sound() -> None:
    definition = shipped("report-missed-bin")
    change = add_state(
        definition,
        label="Waiting for evidence",
        resident_text="We need a photo of your bin.",
        tag="yellow",
        notify=True,
        target_days=10,
        from_state="received",
        description="Ask for a photo",
    )
    after = change.apply(definition)
    assert after["workflow"]["states"]["received"]["on"]["ASK_PHOTO"] == {
        "target": "waitingForEvidence",
        "description": "Ask for a photo",
    }
    # until it leads somewhere, the lint says so (and nothing else but its Welsh)
    assert [p.message for p in problems(after) if p.keyword != "translation"] == [
        "waitingForEvidence leads nowhere: make it final or give it a transition"
    ]
    assert change.undo(after) == definition
    with_exit = applied(
        after,
        add_transition(
            after,
            state="waitingForEvidence",
            target="rejected",
            description="Close it",
            guard="noteGiven",
        ),
        welsh_pending=True,
    )
    timed = applied(
        with_exit,
        set_timer(with_exit, state="waitingForEvidence", days=28, target="rejected"),
        welsh_pending=True,
    )
    assert "2419200000" in timed["workflow"]["states"]["waitingForEvidence"]["after"]
    untimed = applied(
        timed, remove_timer(timed, state="waitingForEvidence", days=28), welsh_pending=True
    )
    assert "after" not in untimed["workflow"]["states"]["waitingForEvidence"]


def test_renaming_a_state_moves_its_targets_and_welsh() -> None:
    definition = shipped("report-missed-bin")
    after = applied(
        definition, rename_state(definition, state="scheduled", new_name="returnBooked")
    )
    assert after["workflow"]["states"]["received"]["on"]["SCHEDULE"]["target"] == "returnBooked"
    assert "workflow.returnBooked.residentText" in after["translations"]["cy"]
    first = applied(after, rename_state(after, state="received", new_name="reported"))
    assert first["workflow"]["initial"] == "reported"


def test_states_and_events_are_edited_and_removed() -> None:
    definition = shipped("report-missed-bin")
    after = applied(
        definition,
        edit_state(definition, state="scheduled", tag="orange", target_days=None, notify=False),
    )
    assert after["workflow"]["states"]["scheduled"]["meta"] == {
        "label": "Return visit booked",
        "residentText": "A crew will come back to empty your bin.",
        "tag": "orange",
    }
    with pytest.raises(Refused) as refused:
        edit_state(definition, state="scheduled", final=True)
    assert refused.value.code == "final"
    with pytest.raises(Refused) as refused:
        remove_state(definition, state="collected")
    assert refused.value.dependents == ("'Return visit booked' leads to it (COLLECTED)",)
    rerouted = edit_transition(
        definition, state="scheduled", event="COLLECTED", target="rejected", description="Give up"
    ).apply(definition)
    without = applied(rerouted, remove_state(rerouted, state="collected"))
    assert "collected" not in without["workflow"]["states"]
    with pytest.raises(Refused):
        set_initial_state(definition, state="nowhere")
    later = set_initial_state(definition, state="scheduled").apply(definition)
    assert later["workflow"]["initial"] == "scheduled"
    assert [p.message for p in problems(later)] == [
        "the state received cannot be reached from scheduled"
    ]
    dropped = remove_transition(definition, state="received", event="SCHEDULE")
    assert problems(
        dropped.apply(definition)
    )  # scheduled can no longer be reached: the lint says so


# The service as a whole, and Welsh.


def test_service_details_and_fixed_pages() -> None:
    definition = blank()
    after = applied(
        definition,
        edit_service(
            definition, title="Order a bin", tags=["waste", "bins"], lgsl=525, licence="CC-BY-4.0"
        ),
    )
    assert after["tags"] == ["waste", "bins"]
    after = applied(
        after, set_start_page(after, content="Use this to order a bin.", before="Or call us.")
    )
    after = applied(after, set_declaration(after, content="I confirm this is true."))
    after = applied(
        after, set_confirmation(after, next="We will deliver your bin.", title="Bin ordered")
    )
    assert after["confirmation"] == {"next": "We will deliver your bin.", "title": "Bin ordered"}
    with pytest.raises(Refused):
        edit_service(definition, tags=["Not A Slug"])


def test_welsh_is_offered_translated_string_by_string_and_withdrawn() -> None:
    definition = blank()
    welsh = applied(definition, set_welsh(definition, welsh=True), welsh_pending=True)
    pending = [row for row in translatable(welsh) if row.translation is None]
    assert untranslated(problems(welsh)) and len(problems(welsh)) == len(pending)
    for row in pending:
        welsh = translate(welsh, key=row.key, text=f"Cymraeg: {row.english}").apply(welsh)
    assert problems(welsh) == []
    with pytest.raises(Refused) as refused:
        translate(welsh, key="pages.nowhere.title", text="Dim")
    assert refused.value.code == "no-such-string"
    english = applied(welsh, set_welsh(welsh, welsh=False))
    assert "translations" not in english


# The registry.


def test_every_operation_is_registered_and_performed_by_name() -> None:
    assert len(OPERATIONS) >= 40
    definition = shipped("report-missed-bin")
    change = perform(definition, "move-page", {"page": "details", "direction": "up"})
    assert change.name == "move-page"
    assert change.params == {"page": "details", "direction": "up"}
    with pytest.raises(Refused) as refused:
        perform(definition, "move-page", {"page": "details", "way": "up"})
    assert refused.value.code == "bad-parameters"
    with pytest.raises(Refused) as refused:
        perform(definition, "teleport-page", {})
    assert refused.value.code == "unknown-operation"


def test_the_wheelie_bin_service_is_built_from_blank_and_replayed_from_its_history() -> None:
    """The issue's designer journey in operations: 6 questions on 4 pages, a branch, a fee,
    Welsh and a 3-state workflow; then every change undone in turn gives back the blank."""
    definition = blank()
    history = []

    def do(name: str, **params: Any) -> None:
        nonlocal definition
        change = perform(definition, name, params)
        if name == "add-state":  # leads nowhere until its own transition is added
            definition = change.apply(definition)
        else:
            definition = applied(definition, change, welsh_pending=True)
        history.append(change)

    do("add-question-page", kind="address", label="What is your address?", after="start")
    do(
        "add-question-page",
        kind="one-of",
        label="Which bin do you need?",
        options=["General waste", "Recycling", "Garden waste"],
        after="address",
    )
    do(
        "add-question-page",
        kind="yes-no",
        label="Was your bin damaged by our crew?",
        after="bin-need",
    )
    do(
        "add-question-page",
        kind="long-text",
        label="What happened to your bin?",
        after="bin-damaged-crew",
        required=False,
    )
    do(
        "set-condition",
        page="happened-bin",
        when=to_schema(Rules("all", (Rule("/binDamagedCrew", "is", True),)), definition),
    )
    do(
        "add-fee",
        description="Replacement bin",
        amount="25",
        when=to_schema(Rules("all", (Rule("/binDamagedCrew", "is", False),)), definition),
    )
    do(
        "add-state",
        label="Bin ordered",
        resident_text="We have ordered your bin.",
        tag="yellow",
        from_state="received",
        description="Order the bin",
    )
    do("add-transition", state="binOrdered", target="done", description="Bin delivered")
    do("remove-transition", state="received", event="COMPLETE")
    do("set-welsh", welsh=True)
    for row in translatable(definition):
        do("translate", key=row.key, text=f"Cymraeg: {row.english}")
    assert problems(definition) == []
    assert len(definition["pages"]) == 5
    assert set(definition["workflow"]["states"]) == {"received", "binOrdered", "done"}
    replayed = blank()
    for change in history:
        replayed = change.apply(replayed)
    assert replayed == definition
    for change in reversed(history):
        replayed = change.undo(replayed)
    assert same(replayed, blank())


def test_schema_at_finds_list_items() -> None:
    assert schema_at(shipped("book-bulky-waste")["answers"], "/items/type") is not None


def test_a_condition_can_be_given_as_the_rules_a_designer_built() -> None:
    definition = shipped("report-missed-bin")
    rules = {"combine": "all", "rules": [{"answer": "/binOut", "operator": "is", "value": True}]}
    after = applied(definition, set_condition(definition, page="due-date", rules=rules))
    assert after["pages"][4]["when"] == when_yes("binOut")
    with pytest.raises(Refused) as refused:
        set_condition(definition, page="due-date", rules=rules, when=when_yes("binOut"))
    assert refused.value.code == "condition"
    with pytest.raises(Refused) as refused:
        set_condition(definition, page="due-date", rules={"rules": [{"answer": "/binOut"}]})
    assert refused.value.code == "rules"
