"""Default error messages read as GOV.UK's do when a label is a question: "Select which bin you
need", not "Select which bin do you need"; "Select yes if you want vouchers" for a yes or no
question. Only questions whose subject is a pronoun are reordered; others, and Welsh, are used
as they are (give them an errorName)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from runtime.core.messages import english_clause, label_in_sentence, message
from runtime.core.service import Field, Service, compile_service

SERVICES = Path(__file__).resolve().parents[2] / "schemas" / "services"


@pytest.mark.parametrize(("label", "yes_no", "clause"), [
    ("What is your email address?", False, "your email address"),
    ("What's your name?", False, "your name"),
    ("Which bin do you need?", False, "which bin you need"),
    ("Why do you need a new bin?", False, "why you need a new bin"),
    ("Where should we leave the new bin?", False, "where we should leave the new bin"),
    ("What type of item is it?", False, "what type of item it is"),
    ("How many books of visitor vouchers do you want?", False, "how many books of visitor vouchers you want"),
    ("Do you want to buy visitor vouchers?", True, "yes if you want to buy visitor vouchers"),
    ("Will you have a driveway?", True, "yes if you will have a driveway"),
    ("Is it urgent?", True, "yes if it is urgent"),
    ("Is there anything the crew should know?", True, "yes if there is anything the crew should know"),
    ("How many bins are there?", False, "how many bins there are"),
    # left as they are: the subject is not a pronoun, or the verb would have to change
    ("Which bins were missed?", False, None),
    ("What fuel does the vehicle use?", False, None),
    ("How wide should the dropped kerb be?", False, None),
    ("Is the property on a classified road?", True, None),
    ("Did you see who dumped it?", True, None),
    ("Does it need a permit?", True, None),
    ("Full name", False, None),
    ("Your email address", False, None),
])
def test_a_question_becomes_the_clause_a_message_holds(label: str, yes_no: bool, clause: str | None) -> None:
    found = english_clause(label, yes_no=yes_no)
    assert (label_in_sentence(found) if found is not None else None) == clause


def _without_messages(node: Any) -> Any:
    """The definition with no field's own error messages or error names."""
    if isinstance(node, dict):
        return {key: _without_messages(value) for key, value in node.items() if key not in ("errors", "errorName")}
    if isinstance(node, list):
        return [_without_messages(value) for value in node]
    return node


def _service(name: str) -> Service:
    document = json.loads((SERVICES / f"{name}.json").read_text(encoding="utf-8"))
    return compile_service(_without_messages(copy.deepcopy(document)))


def _field(service: Service, label: str) -> Field:
    return next(fld for page in service.pages for fld in page.fields if fld.label == label)


@pytest.mark.parametrize(("service_id", "label", "expected"), [
    ("apply-parking-permit", "Do you want to buy visitor vouchers?", "Select yes if you want to buy visitor vouchers"),
    ("apply-parking-permit", "How many books of visitor vouchers do you want?",
     "Enter how many books of visitor vouchers you want"),
    ("book-bulky-waste", "Where will you leave the items?", "Select where you will leave the items"),
    ("pay-council-tax", "What email address should we send your receipt to?",
     "Enter what email address we should send your receipt to"),
    ("report-missed-bin", "Which bins were missed?", "Select which bins were missed"),
])
def test_a_required_answer_left_out_is_asked_for_in_order(service_id: str, label: str, expected: str) -> None:
    service = _service(service_id)
    assert message(service, _field(service, label), "required", None, "en") == expected


def test_welsh_labels_are_used_as_they_are() -> None:
    service = _service("apply-parking-permit")
    fld = _field(service, "Do you want to buy visitor vouchers?")
    welsh = service.text(f"fields.{fld.key}.label", fld.label, "cy")
    assert welsh != fld.label
    said = message(service, fld, "required", None, "cy")
    assert said.endswith(welsh.rstrip("?")[1:]) and "yes if" not in said
