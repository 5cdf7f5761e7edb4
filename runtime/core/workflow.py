"""The statechart that moves an application once it is submitted, as pure decisions.

A definition's ``workflow`` is a small XState subset: states with ``on`` (events), ``after``
(timers) and ``meta``. This module answers "may this event happen now, and where does it
lead?"; the store applies the answer in one transaction. Guards are named, never code:

- ``noteGiven``: staff must write a note (why they refuse, what they need);
- ``paymentSettled``: every payment the application needed has succeeded.

Payment is built in, before the statechart: an application waiting for its payment is in
``awaiting_payment``, which ``payment.succeeded`` leaves for the workflow's ``initial`` state
and ``payment.failed`` does not leave (the failure is recorded; the resident may try again).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

AWAITING_PAYMENT = "awaiting_payment"
SUBMITTED = "submitted"  # the event that starts the history
PAYMENT_SUCCEEDED = "payment.succeeded"
PAYMENT_FAILED = "payment.failed"
TIMER_PREFIX = "after."
NOTE_LIMIT = 5000

GUARD_MESSAGES = {
    "noteGiven": "Write a note to say why",
    "paymentSettled": "The payment has not been settled, so this cannot be done yet",
}


class Refused(Exception):
    """An event the application cannot take now, with a message for the person who tried."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass(frozen=True)
class Transition:
    event: str
    target: str
    guard: str | None
    actions: tuple[str, ...]
    description: str | None
    delay_ms: int | None = None  # set for an ``after`` timer

    @property
    def by_timer(self) -> bool:
        return self.delay_ms is not None


@dataclass(frozen=True)
class Facts:
    """What guards may look at, gathered by the caller."""

    note: str = ""
    payment_settled: bool = True


@dataclass(frozen=True)
class State:
    name: str
    final: bool
    label: str
    resident_text: str
    tag: str
    notify: bool
    target_days: int | None
    on: dict[str, Transition] = field(default_factory=dict)
    after: tuple[Transition, ...] = ()


PAYMENT_STATE_META = {"label": "Waiting for payment", "tag": "grey"}


class Workflow:
    """One service's statechart, compiled for quick questions."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.id: str = spec["id"]
        self.initial: str = spec["initial"]
        self.states: dict[str, State] = {}
        for name, state in spec["states"].items():
            meta = state["meta"]
            on = {event: _transition(event, t) for event, t in (state.get("on") or {}).items()}
            after = tuple(sorted(
                (_transition(f"{TIMER_PREFIX}{delay}", t, int(delay)) for delay, t in (state.get("after") or {}).items()),
                key=lambda t: t.delay_ms or 0,
            ))
            self.states[name] = State(
                name=name, final=state.get("type") == "final", label=meta["label"],
                resident_text=meta["residentText"], tag=meta["tag"], notify=bool(meta.get("notify", False)),
                target_days=meta.get("targetDays"), on=on, after=after,
            )
        self.states.setdefault(AWAITING_PAYMENT, State(
            name=AWAITING_PAYMENT, final=False, label=PAYMENT_STATE_META["label"],
            resident_text="We are waiting for your payment to be confirmed.", tag=PAYMENT_STATE_META["tag"],
            notify=False, target_days=None,
            on={PAYMENT_SUCCEEDED: Transition(PAYMENT_SUCCEEDED, self.initial, None, (), None),
                PAYMENT_FAILED: Transition(PAYMENT_FAILED, AWAITING_PAYMENT, None, (), None)},
        ))

    def state(self, name: str) -> State:
        """The state called ``name``; an unknown name (a state removed by a later version) is
        treated as a state nobody can move out of except by payment events, never a crash."""
        known = self.states.get(name)
        if known is not None:
            return known
        return State(name=name, final=False, label=name, resident_text="", tag="grey", notify=False, target_days=None)

    def staff_actions(self, state: str) -> list[Transition]:
        """The events staff may choose in ``state``: everything but payment events."""
        return [t for event, t in self.state(state).on.items() if not event.startswith("payment.")]

    def answering_event(self, state: str) -> Transition | None:
        """The event a resident's answer to a request for information takes from ``state``:
        the state's one event without a guard."""
        unguarded = [t for t in self.staff_actions(state) if t.guard is None]
        return unguarded[0] if len(unguarded) == 1 else None

    def decide(self, state: str, event: str, facts: Facts) -> Transition:
        """The transition ``event`` takes from ``state``, or :class:`Refused` saying why not."""
        current = self.state(state)
        if current.final:
            raise Refused(f"This application is {current.label.lower()} and cannot change any more")
        transition = current.on.get(event)
        if transition is None:
            timers = {t.event: t for t in current.after}
            transition = timers.get(event)
        if transition is None:
            raise Refused(f"{event} cannot happen while the application is: {current.label}")
        if len(facts.note) > NOTE_LIMIT:
            raise Refused(f"The note must be {NOTE_LIMIT} characters or fewer", field="note")
        if transition.guard == "noteGiven" and not facts.note.strip():
            raise Refused(GUARD_MESSAGES["noteGiven"], field="note")
        if transition.guard == "paymentSettled" and not facts.payment_settled:
            raise Refused(GUARD_MESSAGES["paymentSettled"])
        return transition

    def due(self, state: str, entered: datetime) -> datetime | None:
        """When the council aims to have left ``state``, counting working days (Monday to Friday)."""
        days = self.state(state).target_days
        return add_working_days(entered, days) if days else None


def _transition(event: str, spec: dict[str, Any], delay_ms: int | None = None) -> Transition:
    return Transition(event=event, target=spec["target"], guard=spec.get("guard"),
                      actions=tuple(spec.get("actions", ())), description=spec.get("description"),
                      delay_ms=delay_ms)


def add_working_days(start: datetime, days: int) -> datetime:
    """``start`` moved on by ``days`` weekdays; a start at the weekend counts from Monday."""
    moment = start
    left = days
    while left > 0:
        moment += timedelta(days=1)
        if moment.weekday() < 5:
            left -= 1
    return moment


def compile_workflow(spec: dict[str, Any]) -> Workflow:
    return Workflow(spec)
