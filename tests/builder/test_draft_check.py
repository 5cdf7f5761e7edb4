"""Whole-flow checks of a draft: unreachable pages, answers never asked, conditions on answers
not known yet, journeys that cannot end; each located at its page, answer, fee or state."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from checked import shipped

from builder.draft_check import Finding, check, pages_with_findings
from builder.operations import add_exit_page, move_page, set_condition
from builder.patch import copy_json

SERVICES = sorted(
    path.stem
    for path in (Path(__file__).resolve().parents[2] / "schemas" / "services").glob("*.json")
)


def flow(findings: list[Finding]) -> list[tuple[str, str | None, str | None]]:
    return [(f.keyword, f.page, f.answer) for f in findings if f.keyword != "translation"]


@pytest.mark.parametrize("name", SERVICES)
def test_every_shipped_service_has_no_findings(name: str) -> None:
    assert check(shipped(name)) == []


def test_a_condition_that_can_never_be_true_makes_its_page_unreachable() -> None:
    definition = shipped("subscribe-garden-waste")
    never = {"properties": {"concession": {"const": "maybe"}}, "required": ["concession"]}
    draft = set_condition(definition, page="concession-benefit", when=never).apply(definition)
    found = check(draft)
    assert flow(found) == [
        ("unreachable-page", "concession-benefit", None),
        ("never-asked", "concession-benefit", "/concessionBenefit"),
    ]
    assert found[0].message == (
        "No resident can reach this page: its condition can never be true with the answers the pages before it allow"
    )
    assert found[0].pointer == "/pages/4"


def test_an_option_that_does_not_exist_can_never_be_chosen() -> None:
    definition = shipped("report-pothole")
    huge = {"properties": {"size": {"enum": ["huge", "enormous"]}}, "required": ["size"]}
    draft = set_condition(definition, page="urgent", when=huge).apply(definition)
    assert flow(check(draft)) == [("unreachable-page", "urgent", None)]


def test_pages_after_an_exit_page_everyone_reaches_are_unreachable() -> None:
    definition = shipped("report-missed-bin")
    change = add_exit_page(
        definition, title="This service is closed", content="Call us instead.", after="bins"
    )
    found = check(change.apply(definition))
    unreachable = [f for f in found if f.keyword == "unreachable-page"]
    assert [f.page for f in unreachable] == [
        "bin-out",
        "bin-not-out",
        "due-date",
        "details",
        "contact",
    ]
    assert unreachable[0].message == (
        "No resident can reach this page: every resident stops at the exit page 'This service is closed' before it"
    )
    ending = [f for f in found if f.keyword == "cannot-end"]
    assert [(f.page, f.message) for f in ending] == [
        (
            "service-closed",
            "No resident can send an application: every journey stops at an exit page ('This service is closed')",
        )
    ]
    assert {f.answer for f in found if f.keyword == "never-asked"} == {
        "/binOut",
        "/dueDate",
        "/details",
        "/name",
        "/email",
        "/phone",
    }


def test_exit_pages_on_both_answers_mean_no_journey_can_end() -> None:
    definition = shipped("report-missed-bin")
    yes = {"properties": {"binOut": {"const": True}}, "required": ["binOut"]}
    draft = add_exit_page(
        definition, title="Stop here", content="Sorry.", when=yes, after="bin-out"
    ).apply(definition)
    assert [
        f.keyword for f in check(draft) if f.keyword != "translation"
    ] == []  # No still carries on
    no = {"properties": {"binOut": {"const": False}}, "required": ["binOut"]}
    draft = add_exit_page(
        draft, title="Stop there", content="Sorry.", when=no, after="stop-here"
    ).apply(draft)
    found = [f for f in check(draft) if f.keyword != "translation"]
    assert [(f.keyword, f.page) for f in found if f.keyword == "cannot-end"] == [
        ("cannot-end", "stop-here")
    ]
    assert "'Stop here', 'Stop there'" in found[-1].message


def test_a_condition_on_an_answer_asked_later() -> None:
    definition = shipped("report-missed-bin")
    draft = move_page(definition, page="bin-not-out", direction="up").apply(definition)
    found = check(draft)
    assert ("condition-on-later-answer", "bin-not-out", "/binOut") in flow(found)
    later = next(f for f in found if f.keyword == "condition-on-later-answer")
    assert later.message == (
        "This page is shown depending on 'Was your bin out by 7am on your collection day?', which is asked later, "
        "on page 'Was your bin out by 7am on your collection day?': move that question before this page"
    )
    assert later.pointer == "/pages/2/when"


def test_a_condition_on_an_answer_asked_on_the_same_page() -> None:
    definition = shipped("report-missed-bin")
    when = {"properties": {"binOut": {"const": True}}, "required": ["binOut"]}
    draft = set_condition(definition, page="bin-out", when=when).apply(definition)
    assert ("condition-on-same-page", "bin-out", "/binOut") in flow(check(draft))


def test_a_condition_on_an_answer_no_page_asks() -> None:
    draft = copy_json(shipped("report-missed-bin"))
    draft["answers"]["properties"]["urgent"] = {"type": "boolean"}
    draft["pages"][3]["when"] = {"properties": {"urgent": {"const": True}}, "required": ["urgent"]}
    found = check(draft)
    assert ("condition-on-unasked-answer", "bin-not-out", "/urgent") in flow(found)
    assert ("unasked", None, "/urgent") in flow(found)  # the lint's, located at the answer


def test_numbers_optional_answers_and_lists_are_followed_without_false_alarms() -> None:
    permit = shipped("apply-parking-permit")
    many = {"properties": {"voucherBooks": {"minimum": 3}}, "required": ["voucherBooks"]}
    draft = add_exit_page(
        permit, title="Too many", content="Buy fewer.", when=many, after="voucher-books"
    ).apply(permit)
    no_phone = {"not": {"required": ["phone"]}}
    draft = add_exit_page(draft, title="No phone", content="Call us.", when=no_phone).apply(draft)
    bulky = shipped("book-bulky-waste")
    fridge = {
        "properties": {
            "items": {
                "contains": {"properties": {"type": {"const": "fridge"}}, "required": ["type"]}
            }
        },
        "required": ["items"],
    }
    with_fridge = add_exit_page(
        bulky, title="Fridges", content="Call us.", when=fridge, after="items"
    ).apply(bulky)
    for checked_draft in (draft, with_fridge):
        assert [f for f in check(checked_draft) if f.keyword != "translation"] == []


def test_a_condition_the_tried_values_cannot_decide_is_never_called_unreachable() -> None:
    definition = shipped("report-missed-bin")
    pattern = {"properties": {"details": {"pattern": "^$x"}}, "required": ["details"]}
    draft = set_condition(definition, page="contact", when=pattern).apply(definition)
    # no tried text matches ^$x, but a pattern is not among the tests the tried values decide
    assert check(draft) == []


def test_lint_problems_are_located_at_what_they_concern() -> None:
    draft = copy_json(shipped("report-missed-bin"))
    del draft["translations"]["cy"]["fields.phone.hint"]
    del draft["workflow"]["states"]["received"]["on"]["SCHEDULE"]
    found = {f.keyword: f for f in check(draft)}
    assert (found["translation"].page, found["translation"].answer) == ("contact", "/phone")
    assert found["workflow"].state == "scheduled"
    fees = copy_json(shipped("book-bulky-waste"))
    fees["fees"]["lines"][0]["multiplier"] = "/address"
    assert [(f.keyword, f.fee) for f in check(fees)] == [("pointer", "per-item")]


def test_a_draft_that_fails_the_meta_schema_gets_only_those_problems() -> None:
    draft: dict[str, Any] = copy_json(shipped("report-missed-bin"))
    draft["pages"][1]["fields"][0]["lable"] = "Typo"
    found = check(draft)
    assert [(f.keyword, f.page, f.answer) for f in found] == [
        ("additionalProperties", "bins", "/binTypes")
    ]


def test_findings_are_grouped_by_page() -> None:
    definition = shipped("report-missed-bin")
    draft = move_page(definition, page="bin-not-out", direction="up").apply(definition)
    grouped = pages_with_findings(check(draft))
    assert set(grouped) == {"bin-not-out"}
