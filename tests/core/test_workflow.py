"""Every transition rule and guard of every shipped service's workflow, decided by the core."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from runtime.core.workflow import (
    AWAITING_PAYMENT,
    PAYMENT_FAILED,
    PAYMENT_SUCCEEDED,
    Facts,
    Refused,
    Workflow,
    add_working_days,
)

SERVICES = sorted((Path(__file__).parents[2] / "schemas" / "services").glob("*.json"))


def _spec(path: Path) -> dict[str, Any]:
    spec: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))["workflow"]
    return spec


def _cases() -> list[Any]:
    cases = []
    for path in SERVICES:
        spec = _spec(path)
        for state, body in spec["states"].items():
            for event, transition in (body.get("on") or {}).items():
                cases.append(pytest.param(path, state, event, transition, id=f"{path.stem}:{state}:{event}"))
    return cases


@pytest.mark.parametrize(("path", "state", "event", "transition"), _cases())
def test_every_event_leads_where_the_definition_says_and_its_guard_holds(
        path: Path, state: str, event: str, transition: dict[str, Any]) -> None:
    workflow = Workflow(_spec(path))
    allowed = Facts(note="Because the evidence was out of date.", payment_settled=True)
    assert workflow.decide(state, event, allowed).target == transition["target"]
    guard = transition.get("guard")
    if guard == "noteGiven":
        for blank in ("", "   \n"):
            with pytest.raises(Refused) as refused:
                workflow.decide(state, event, Facts(note=blank))
            assert refused.value.message == "Write a note to say why"
            assert refused.value.field == "note"
    elif guard == "paymentSettled":
        with pytest.raises(Refused, match="payment has not been settled"):
            workflow.decide(state, event, Facts(note="ok", payment_settled=False))
    else:  # no guard: nothing else is needed
        assert workflow.decide(state, event, Facts()).target == transition["target"]


@pytest.mark.parametrize("path", SERVICES, ids=lambda p: p.stem)
def test_events_a_state_does_not_accept_and_final_states_are_refused(path: Path) -> None:
    spec = _spec(path)
    workflow = Workflow(spec)
    every_event = {event for body in spec["states"].values() for event in (body.get("on") or {})}
    for state, body in spec["states"].items():
        accepted = set(body.get("on") or {})
        for event in sorted(every_event - accepted):
            with pytest.raises(Refused) as refused:
                workflow.decide(state, event, Facts(note="x"))
            if body.get("type") == "final":
                assert "cannot change any more" in refused.value.message
            else:
                assert refused.value.message == f"{event} cannot happen while the application is: {body['meta']['label']}"


@pytest.mark.parametrize("path", SERVICES, ids=lambda p: p.stem)
def test_timers_are_events_of_their_state_only(path: Path) -> None:
    spec = _spec(path)
    workflow = Workflow(spec)
    for state, body in spec["states"].items():
        for delay, transition in (body.get("after") or {}).items():
            timer = f"after.{delay}"
            assert workflow.decide(state, timer, Facts()).target == transition["target"]
            assert [t.delay_ms for t in workflow.state(state).after] == sorted(int(d) for d in body["after"])
            others = [name for name in spec["states"] if name != state and not spec["states"][name].get("after")]
            with pytest.raises(Refused):
                workflow.decide(others[0], timer, Facts())
            # Staff cannot press a timer's button: it is not among their actions.
            assert timer not in {t.event for t in workflow.staff_actions(state)}


def test_payment_comes_before_the_statechart() -> None:
    workflow = Workflow(_spec(SERVICES[0]))
    assert workflow.decide(AWAITING_PAYMENT, PAYMENT_SUCCEEDED, Facts()).target == workflow.initial
    assert workflow.decide(AWAITING_PAYMENT, PAYMENT_FAILED, Facts()).target == AWAITING_PAYMENT
    assert workflow.staff_actions(AWAITING_PAYMENT) == []
    with pytest.raises(Refused):
        workflow.decide(AWAITING_PAYMENT, "REJECT", Facts(note="no"))
    with pytest.raises(Refused):
        workflow.decide(workflow.initial, PAYMENT_SUCCEEDED, Facts())


def test_a_state_a_later_version_removed_is_stuck_not_a_crash() -> None:
    workflow = Workflow(_spec(SERVICES[0]))
    assert workflow.staff_actions("vanished") == []
    with pytest.raises(Refused):
        workflow.decide("vanished", "ANYTHING", Facts(note="x"))


def test_an_overlong_note_is_refused() -> None:
    workflow = Workflow(_spec(next(p for p in SERVICES if "parking" in p.stem)))
    with pytest.raises(Refused, match="5000 characters or fewer"):
        workflow.decide("received", "REJECT", Facts(note="x" * 5001))


@pytest.mark.parametrize("path", SERVICES, ids=lambda p: p.stem)
def test_every_request_for_information_has_one_event_for_the_answer(path: Path) -> None:
    spec = _spec(path)
    workflow = Workflow(spec)
    for body in spec["states"].values():
        for transition in (body.get("on") or {}).values():
            if "requestInformation" in transition.get("actions", []):
                answering = workflow.answering_event(transition["target"])
                assert answering is not None and answering.guard is None


@pytest.mark.parametrize(("start", "days", "expected"), [
    ("2026-12-07T09:00:00", 1, "2026-12-08T09:00:00"),  # Monday -> Tuesday
    ("2026-12-11T09:00:00", 1, "2026-12-14T09:00:00"),  # Friday -> Monday
    ("2026-12-12T09:00:00", 1, "2026-12-14T09:00:00"),  # Saturday -> Monday
    ("2026-12-07T09:00:00", 5, "2026-12-14T09:00:00"),  # a working week
    ("2026-12-09T15:30:00", 10, "2026-12-23T15:30:00"),
])
def test_target_days_count_working_days(start: str, days: int, expected: str) -> None:
    assert add_working_days(datetime.fromisoformat(start), days) == datetime.fromisoformat(expected)


def test_due_dates_follow_the_state_target() -> None:
    workflow = Workflow(_spec(next(p for p in SERVICES if "parking" in p.stem)))
    monday = datetime.fromisoformat("2026-12-07T09:00:00")
    assert workflow.due("received", monday) == datetime.fromisoformat("2026-12-09T09:00:00")  # 2 days
    assert workflow.due("issued", monday) is None  # final: nothing to be late for
