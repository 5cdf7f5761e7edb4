"""Issue 10: a workflow state's label is read by residents (their status tag, history and
emails), so a service that speaks Welsh must give it in Welsh, and the linter says when not."""

from __future__ import annotations

import copy
from pathlib import Path

from runtime.core.definition import problems
from runtime.core.reading import read_definition
from runtime.core.strings import resident_strings

SERVICES = Path(__file__).resolve().parents[2] / "schemas" / "services"


def test_a_missing_welsh_state_label_is_reported_with_its_key_and_pointer() -> None:
    document = read_definition((SERVICES / "report-missed-bin.json").read_bytes())
    broken = copy.deepcopy(document)
    del broken["translations"]["cy"]["workflow.scheduled.label"]
    found = [f"{p.pointer}: {p.message}" for p in problems(broken)]
    assert found == ["/workflow/states/scheduled/meta/label: has no Welsh translation (key workflow.scheduled.label)"]


def test_every_state_label_is_a_resident_string() -> None:
    document = read_definition((SERVICES / "apply-parking-permit.json").read_bytes())
    keys = {text.key for text in resident_strings(document)}
    assert {f"workflow.{state}.label" for state in document["workflow"]["states"]} <= keys
