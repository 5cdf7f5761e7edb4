"""Operations on the workflow: the states an application passes through once it is sent,
the events staff send to move it, and the timers that move it on their own.

States have a name (made from their label: "Waiting for evidence" → waitingForEvidence), a
label for staff, a text for the resident, a tag colour, and whether they are final, notify the
resident and have a target in working days. Events are buttons for caseworkers; a timer
fires after a number of days in a state.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from builder.change import UNCHANGED, Definition, Refused, Unchanged, operation
from builder.inputs import count, short_text
from builder.naming import event_name, state_name

TAGS = (
    "grey",
    "green",
    "turquoise",
    "blue",
    "light-blue",
    "purple",
    "pink",
    "red",
    "orange",
    "yellow",
)
GUARDS = ("noteGiven", "paymentSettled")
ACTIONS = ("requestInformation", "notifyResident")
DAY_MS = 86_400_000
MAX_STATES = 50
_STATE = re.compile(r"^[a-z][a-zA-Z0-9_]*$")
_EVENT = re.compile(r"^[a-zA-Z][a-zA-Z0-9_]*(\.[a-zA-Z][a-zA-Z0-9_]*)*$")


def _states(definition: Definition) -> dict[str, Any]:
    states: dict[str, Any] = definition["workflow"]["states"]
    return states


def _state(definition: Definition, name: str) -> dict[str, Any]:
    states = _states(definition)
    if name not in states:
        raise Refused("no-such-state", f"There is no state called {name}")
    found: dict[str, Any] = states[name]
    return found


def _label(definition: Definition, name: str) -> str:
    return str(_states(definition).get(name, {}).get("meta", {}).get("label", name))


def _tag(tag: str) -> str:
    if tag not in TAGS:
        raise Refused("tag", f"Choose a tag colour from {', '.join(TAGS)}")
    return tag


def _transition(
    definition: Definition,
    target: str,
    description: str | None,
    guard: str | None,
    actions: Sequence[str],
) -> dict[str, Any]:
    _state(definition, target)
    transition: dict[str, Any] = {"target": target}
    if guard is not None:
        if guard not in GUARDS:
            raise Refused("guard", f"Choose a check from {', '.join(GUARDS)}")
        transition["guard"] = guard
    if actions:
        chosen = list(dict.fromkeys(actions))
        if any(action not in ACTIONS for action in chosen):
            raise Refused("action", f"Choose actions from {', '.join(ACTIONS)}")
        transition["actions"] = chosen
    if description is not None:
        transition["description"] = short_text(description, "the button's text")
    return transition


@operation("add-state")
def add_state(
    definition: Definition,
    *,
    label: str,
    resident_text: str,
    tag: str,
    final: bool = False,
    notify: bool = False,
    target_days: int | None = None,
    name: str | None = None,
    from_state: str | None = None,
    description: str | None = None,
) -> tuple[str, Definition]:
    """Add a state. With `from_state`, also add the event leading to it from that state (its
    button says `description`, or "Move to <label>")."""
    states = _states(definition)
    if len(states) >= MAX_STATES:
        raise Refused("too-many-states", f"A workflow can have at most {MAX_STATES} states")
    text = short_text(label, "the name of the state")
    if name is None:
        name = state_name(text, states)
    elif not _STATE.match(name) or len(name) > 64 or name in states:
        raise Refused(
            "state-name",
            f"{name} cannot be a state's name: use lower-case letters first, and a name not used yet",
        )
    state: dict[str, Any] = {}
    if final:
        state["type"] = "final"
    meta: dict[str, Any] = {
        "label": text,
        "residentText": short_text(resident_text, "what the resident is told"),
        "tag": _tag(tag),
    }
    if notify:
        meta["notify"] = True
    if target_days is not None:
        meta["targetDays"] = count(target_days, "the target in working days", least=1, most=365)
    state["meta"] = meta
    if from_state is not None and _state(definition, from_state).get("type") == "final":
        raise Refused(
            "final", f"{_label(definition, from_state)} is final: nothing leads on from it"
        )
    states[name] = state
    said = f"Added state '{text}'"
    if from_state is not None:
        source = _state(definition, from_state)
        button = description or f"Move to {text.lower()}"
        event = event_name(button, source.get("on") or {})
        source.setdefault("on", {})[event] = _transition(definition, name, button, None, ())
        said += f", reached from '{_label(definition, from_state)}'"
    return said, definition


@operation("rename-state")
def rename_state(definition: Definition, *, state: str, new_name: str) -> tuple[str, Definition]:
    """Change a state's name (not its label): every event leading to it follows."""
    states = _states(definition)
    _state(definition, state)
    if not _STATE.match(new_name) or len(new_name) > 64 or new_name in states:
        raise Refused(
            "state-name",
            f"{new_name} cannot be a state's name: use lower-case letters first, and a name not used yet",
        )
    definition["workflow"]["states"] = {
        (new_name if key == state else key): value for key, value in states.items()
    }
    if definition["workflow"]["initial"] == state:
        definition["workflow"]["initial"] = new_name
    for spec in definition["workflow"]["states"].values():
        for kind in ("on", "after"):
            for transition in (spec.get(kind) or {}).values():
                if transition.get("target") == state:
                    transition["target"] = new_name
    old_stem, new_stem = f"workflow.{state}.", f"workflow.{new_name}."
    for table in (definition.get("translations") or {}).values():
        for key in [key for key in table if key.startswith(old_stem)]:
            table[new_stem + key[len(old_stem) :]] = table.pop(key)
    return f"Renamed state {state} to {new_name}", definition


@operation("edit-state")
def edit_state(
    definition: Definition,
    *,
    state: str,
    label: str | Unchanged = UNCHANGED,
    resident_text: str | Unchanged = UNCHANGED,
    tag: str | Unchanged = UNCHANGED,
    final: bool | Unchanged = UNCHANGED,
    notify: bool | Unchanged = UNCHANGED,
    target_days: int | Unchanged | None = UNCHANGED,
) -> tuple[str, Definition]:
    """Change a state's label, resident text, tag colour, whether it is final, whether the
    resident is emailed on entering it, and its target in working days (None removes it)."""
    spec = _state(definition, state)
    meta = spec["meta"]
    before = meta.get("label", state)
    changed = []
    if not isinstance(label, Unchanged):
        meta["label"] = short_text(label, "the name of the state")
        changed.append("label")
    if not isinstance(resident_text, Unchanged):
        meta["residentText"] = short_text(resident_text, "what the resident is told")
        changed.append("resident text")
    if not isinstance(tag, Unchanged):
        meta["tag"] = _tag(tag)
        changed.append("tag colour")
    if not isinstance(notify, Unchanged):
        if notify:
            meta["notify"] = True
        else:
            meta.pop("notify", None)
        changed.append("notification")
    if not isinstance(target_days, Unchanged):
        if target_days is None:
            meta.pop("targetDays", None)
        else:
            meta["targetDays"] = count(target_days, "the target in working days", least=1, most=365)
        changed.append("target days")
    if not isinstance(final, Unchanged):
        if final:
            if spec.get("on") or spec.get("after"):
                raise Refused(
                    "final", f"'{before}' has events or timers: remove them before making it final"
                )
            spec["type"] = "final"
        else:
            spec.pop("type", None)
        changed.append("final" if final else "not final")
    return f"Changed {', '.join(changed) or 'nothing'} of state '{before}'", definition


@operation("remove-state")
def remove_state(definition: Definition, *, state: str) -> tuple[str, Definition]:
    """Remove a state. Refused for the initial state and while events or timers lead to it."""
    states = _states(definition)
    label = _label(definition, state)
    _state(definition, state)
    if definition["workflow"]["initial"] == state:
        raise Refused(
            "initial", f"'{label}' is where applications start: choose another first state first"
        )
    if len(states) <= 2:
        raise Refused("too-few-states", "A workflow needs at least two states")
    leading = [
        f"'{_label(definition, name)}' leads to it ({event})"
        for name, spec in states.items()
        for kind in ("on", "after")
        for event, transition in (spec.get(kind) or {}).items()
        if transition.get("target") == state and name != state
    ]
    if leading:
        raise Refused(
            "in-use", f"'{label}' cannot be removed while other states lead to it", tuple(leading)
        )
    del states[state]
    return f"Removed state '{label}'", definition


@operation("set-initial-state")
def set_initial_state(definition: Definition, *, state: str) -> tuple[str, Definition]:
    """Choose the state every new application starts in."""
    _state(definition, state)
    definition["workflow"]["initial"] = state
    return f"Applications now start in '{_label(definition, state)}'", definition


@operation("add-transition")
def add_transition(
    definition: Definition,
    *,
    state: str,
    target: str,
    description: str,
    event: str | None = None,
    guard: str | None = None,
    actions: Sequence[str] = (),
) -> tuple[str, Definition]:
    """Add a button for caseworkers in `state` that moves an application to `target`.
    `guard` noteGiven makes them write a note; paymentSettled waits for the payment."""
    source = _state(definition, state)
    if source.get("type") == "final":
        raise Refused("final", f"'{_label(definition, state)}' is final: nothing leads on from it")
    events = source.get("on") or {}
    if event is None:
        event = event_name(description, events)
    elif not _EVENT.match(event) or len(event) > 64 or event in events:
        raise Refused("event-name", f"{event} cannot be an event's name here")
    source.setdefault("on", {})[event] = _transition(
        definition, target, description, guard, actions
    )
    return (
        f"'{_label(definition, state)}' can now move to '{_label(definition, target)}' ({description.strip()})",
        definition,
    )


@operation("edit-transition")
def edit_transition(
    definition: Definition,
    *,
    state: str,
    event: str,
    target: str | Unchanged = UNCHANGED,
    description: str | Unchanged | None = UNCHANGED,
    guard: str | Unchanged | None = UNCHANGED,
    actions: Sequence[str] | Unchanged = UNCHANGED,
) -> tuple[str, Definition]:
    """Change where an event leads, its button's text, its check or its actions."""
    events = _state(definition, state).get("on") or {}
    if event not in events:
        raise Refused("no-such-event", f"'{_label(definition, state)}' has no event {event}")
    old = events[event]
    events[event] = _transition(
        definition,
        old["target"] if isinstance(target, Unchanged) else target,
        old.get("description") if isinstance(description, Unchanged) else description,
        old.get("guard") if isinstance(guard, Unchanged) else guard,
        old.get("actions", ()) if isinstance(actions, Unchanged) else actions,
    )
    return f"Changed event {event} of '{_label(definition, state)}'", definition


@operation("remove-transition")
def remove_transition(definition: Definition, *, state: str, event: str) -> tuple[str, Definition]:
    """Remove a caseworker's button from a state."""
    spec = _state(definition, state)
    events = spec.get("on") or {}
    if event not in events:
        raise Refused("no-such-event", f"'{_label(definition, state)}' has no event {event}")
    del events[event]
    if not events:
        del spec["on"]
    return f"Removed event {event} from '{_label(definition, state)}'", definition


@operation("set-timer")
def set_timer(
    definition: Definition, *, state: str, days: int, target: str, description: str | None = None
) -> tuple[str, Definition]:
    """After `days` days in `state`, move the application to `target` on its own."""
    spec = _state(definition, state)
    if spec.get("type") == "final":
        raise Refused("final", f"'{_label(definition, state)}' is final: nothing leads on from it")
    delay = str(count(days, "the number of days", least=1, most=3650) * DAY_MS)
    timers = spec.setdefault("after", {})
    if delay not in timers and len(timers) >= 5:
        raise Refused("too-many-timers", "A state can have at most 5 timers")
    timers[delay] = _transition(definition, target, description, None, ())
    return (
        f"After {days} day{'s' if days != 1 else ''} in '{_label(definition, state)}', applications move to '{_label(definition, target)}'",
        definition,
    )


@operation("remove-timer")
def remove_timer(definition: Definition, *, state: str, days: int) -> tuple[str, Definition]:
    """Remove the timer that fires after `days` days in `state`."""
    spec = _state(definition, state)
    delay = str(days * DAY_MS)
    timers = spec.get("after") or {}
    if delay not in timers:
        raise Refused(
            "no-such-timer", f"'{_label(definition, state)}' has no timer after {days} days"
        )
    del timers[delay]
    if not timers:
        del spec["after"]
    return f"Removed the {days}-day timer from '{_label(definition, state)}'", definition
