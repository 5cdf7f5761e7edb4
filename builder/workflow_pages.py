"""A service's workflow: the states an application passes through once sent, each with its
label for staff, its text for the resident, its tag colour, whether the resident is emailed and
its target in working days; the events (caseworkers' buttons) and timers leading between them;
and the workflow's problems next to the state they concern. States and events are added,
changed and removed through the workflow operations (builder/workflow_operations.py).
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from builder.draft_check import check
from builder.draft_requests import EDITOR_ROLES, council_of, draft_or_404, version_sent
from builder.operation_forms import messages, perform_posted, said
from builder.workflow_operations import ACTIONS, DAY_MS, GUARDS, TAGS
from runtime import store
from runtime.core.digits import is_digits, whole_number
from runtime.staff.context import Staff, page, path
from runtime.staff.forms import Errors, error, first, form_page, posted
from runtime.staff.notices import redirect_with_notice
from runtime.web.context import ClientError

GUARD_WORDS = {"noteGiven": "The caseworker must write a note", "paymentSettled": "The payment must have gone through"}
ACTION_WORDS = {"requestInformation": "Ask the resident for more information (with the note)",
                "notifyResident": "Email the resident even if the new state does not"}
STATE_FIELDS = {"tag": "tag", "final": "final", "not-a-whole-number": "target_days", "too-many-states": "label",
                "state-name": "label", "in-use": "states", "initial": "states", "too-few-states": "states"}
EVENT_FIELDS = {"guard": "guard", "action": "actions"}


def _workflow(draft: store.ServiceDraft) -> dict[str, Any]:
    workflow: Any = draft.definition.get("workflow")
    return workflow if isinstance(workflow, dict) else {}  # a broken draft's page still opens


def _states(draft: store.ServiceDraft) -> dict[str, Any]:
    states = _workflow(draft).get("states") or {}
    return states if isinstance(states, dict) else {}


def _state_or_404(draft: store.ServiceDraft, name: str) -> dict[str, Any]:
    found = _states(draft).get(name)
    if not isinstance(found, dict):
        raise ClientError(404, "page_not_found")
    return found


def _label(states: dict[str, Any], name: str) -> str:
    meta = (states.get(name) or {}).get("meta") or {}
    return str(meta.get("label", name))


def _links(request: Request, slug: str, draft: store.ServiceDraft, **params: str) -> dict[str, str]:
    return {name: path(request, name, council=slug, service_id=draft.service_id, **params)
            for name in ("edit_state", "remove_state", "initial_state", "add_event", "add_timer", "remove_timer")}


async def service_workflow(request: Request, staff: Staff) -> Response:
    draft = await draft_or_404(staff, request.path_params["service_id"])
    return await _overview(request, staff, draft, [], 200)


async def _overview(request: Request, staff: Staff, draft: store.ServiceDraft, errors: Errors,
                    status: int) -> Response:
    slug = council_of(staff).slug
    states = _states(draft)
    initial = str(_workflow(draft).get("initial", ""))
    findings: dict[str, list[str]] = {}
    for finding in check(draft.definition):
        if finding.state is not None:
            findings.setdefault(finding.state, []).append(finding.message)
    order = [initial, *[name for name in states if name != initial]] if initial in states else list(states)
    views = []
    for name in order:
        spec = states[name] if isinstance(states[name], dict) else {}
        meta = spec.get("meta") or {}
        events = [{
            "event": event,
            "description": str(transition.get("description") or event),
            "target": _label(states, str(transition.get("target"))),
            "guard": GUARD_WORDS.get(str(transition.get("guard")), "") if transition.get("guard") else "",
            "actions": [ACTION_WORDS.get(str(action), str(action)) for action in transition.get("actions") or []],
            "remove": path(request, "remove_event", council=slug, service_id=draft.service_id, state=name,
                           event=event),
            "edit": path(request, "edit_event", council=slug, service_id=draft.service_id, state=name, event=event),
        } for event, transition in (spec.get("on") or {}).items() if isinstance(transition, dict)]
        timers = [{"days": int(delay) // DAY_MS if is_digits(str(delay)) and len(str(delay)) <= 18 else delay,
                   "target": _label(states, str((transition or {}).get("target"))),
                   "description": str((transition or {}).get("description") or "")}
                  for delay, transition in (spec.get("after") or {}).items()]
        views.append({
            "name": name,
            "label": str(meta.get("label", name)),
            "resident_text": str(meta.get("residentText", "")),
            "tag": str(meta.get("tag", "grey")),
            "notify": bool(meta.get("notify")),
            "target_days": meta.get("targetDays"),
            "final": spec.get("type") == "final",
            "initial": name == initial,
            "events": events,
            "timers": timers,
            "problems": findings.get(name, []),
            "links": _links(request, slug, draft, state=name),
        })
    others = [message for state, found in findings.items() if state not in states for message in found]
    payload = {
        "page": {"heading": f"Workflow for {draft.definition.get('title', draft.service_id)}"},
        "states": views,
        "problems": others,
        "version": draft.version,
        "can_edit": staff.can(*EDITOR_ROLES),
        "errors": errors,
        "links": {"draft": path(request, "service_draft", council=slug, service_id=draft.service_id),
                  "add_state": path(request, "add_state", council=slug, service_id=draft.service_id)},
    }
    return page(request, "builder/workflow.html", payload, staff, status_code=status)


def _days(text: str, errors: Errors) -> int | None:
    if not text:
        return None
    if not 1 <= (whole_number(text) or 0) <= 365:
        error(errors, "target_days", "Enter the target as a whole number of working days from 1 to 365", "targetDays")
        return None
    return int(text)


async def add_state(request: Request, staff: Staff) -> Response:
    return await _state_form(request, staff, None)


async def edit_state(request: Request, staff: Staff) -> Response:
    return await _state_form(request, staff, request.path_params["state"])


async def _state_form(request: Request, staff: Staff, name: str | None) -> Response:
    draft = await draft_or_404(staff, request.path_params["service_id"])
    spec = _state_or_404(draft, name) if name is not None else None
    meta = (spec or {}).get("meta") or {}
    slug = council_of(staff).slug
    values = {"label": str(meta.get("label", "")), "resident_text": str(meta.get("residentText", "")),
              "tag": str(meta.get("tag", "blue")), "final": "yes" if (spec or {}).get("type") == "final" else "no",
              "notify": "yes" if meta.get("notify") else "no",
              "target_days": str(meta.get("targetDays", "")), "from_state": "", "description": ""}
    version = draft.version
    errors: Errors = []
    if request.method == "POST":
        form = await posted(request)
        version = version_sent(form)
        values = {key: first(form, key) for key in values}
        for key, words in (("label", "Enter the name of the state"),
                           ("resident_text", "Enter what the resident is told in this state")):
            if not values[key]:
                error(errors, key, words, "required")
        days = _days(values["target_days"], errors)
        params: dict[str, Any] = {"label": values["label"], "resident_text": values["resident_text"],
                                  "tag": values["tag"], "final": values["final"] == "yes",
                                  "notify": values["notify"] == "yes", "target_days": days}
        if not errors:
            if name is None:
                if values["from_state"]:
                    params["from_state"] = values["from_state"]
                    if values["description"]:
                        params["description"] = values["description"]
                outcome = await perform_posted(request, staff, draft, version, "add-state",
                                               {k: v for k, v in params.items() if v is not None}, STATE_FIELDS,
                                               "label")
            else:
                outcome = await perform_posted(request, staff, draft, version, "edit-state", {"state": name, **params},
                                               STATE_FIELDS, "label")
            if outcome.change is not None:
                here = path(request, "service_workflow", council=slug, service_id=draft.service_id)
                return redirect_with_notice(request, here, said(outcome.change))
            errors, version = outcome.errors, outcome.version
    states = _states(draft)
    payload = {
        "page": {"heading": "Add a state" if name is None else f"Change the state '{_label(states, name)}'"},
        "adding": name is None,
        "values": values,
        "messages": messages(errors),
        "tags": list(TAGS),
        "sources": [{"value": state, "text": _label(states, state)} for state, found in states.items()
                    if isinstance(found, dict) and found.get("type") != "final"],
        "version": version,
        "errors": errors,
        "links": {"action": request.url.path,
                  "cancel": path(request, "service_workflow", council=slug, service_id=draft.service_id)},
    }
    return form_page(request, "builder/workflow_state.html", payload, staff)


async def add_event(request: Request, staff: Staff) -> Response:
    """Add an event (a caseworker's button) leading from a state to another."""
    return await _event_form(request, staff, None)


async def edit_event(request: Request, staff: Staff) -> Response:
    """Change where a button leads, its text, its check or its actions."""
    return await _event_form(request, staff, request.path_params["event"])


async def _event_form(request: Request, staff: Staff, event: str | None) -> Response:
    draft = await draft_or_404(staff, request.path_params["service_id"])
    name = request.path_params["state"]
    spec = _state_or_404(draft, name)
    old = (spec.get("on") or {}).get(event) if event is not None else None
    if event is not None and not isinstance(old, dict):
        raise ClientError(404, "page_not_found")
    slug = council_of(staff).slug
    states = _states(draft)
    values: dict[str, Any] = {"target": "", "description": "", "guard": "", "actions": []}
    if old is not None:
        values = {"target": str(old.get("target", "")), "description": str(old.get("description", "")),
                  "guard": str(old.get("guard", "")), "actions": [str(a) for a in old.get("actions") or []]}
    version = draft.version
    errors: Errors = []
    if request.method == "POST":
        form = await posted(request)
        version = version_sent(form)
        values = {"target": first(form, "target"), "description": first(form, "description"),
                  "guard": first(form, "guard"), "actions": [a for a in form.get("actions", []) if a]}
        if not values["description"]:
            error(errors, "description", "Enter the button's text, like \"Approve the application\"", "required")
        if values["target"] not in states:
            error(errors, "target", "Choose the state the button leads to", "required")
        if not errors:
            params = {"state": name, "target": values["target"], "description": values["description"],
                      "guard": values["guard"] or None, "actions": values["actions"]}
            if event is not None:
                params["event"] = event
            outcome = await perform_posted(request, staff, draft, version,
                                           "add-transition" if event is None else "edit-transition", params,
                                           EVENT_FIELDS, "description")
            if outcome.change is not None:
                here = path(request, "service_workflow", council=slug, service_id=draft.service_id)
                return redirect_with_notice(request, here, said(outcome.change))
            errors, version = outcome.errors, outcome.version
    payload = {
        "page": {"heading": f"Add a button to '{_label(states, name)}'" if event is None
                 else f"Change the button '{values['description'] or event}' of '{_label(states, name)}'"},
        "adding": event is None,
        "values": values,
        "messages": messages(errors),
        "targets": [{"value": state, "text": _label(states, state)} for state in states if state != name],
        "guards": [{"value": "", "text": "No check"}] + [{"value": g, "text": GUARD_WORDS[g]} for g in GUARDS],
        "actions": [{"value": a, "text": ACTION_WORDS[a], "checked": a in values["actions"]} for a in ACTIONS],
        "version": version,
        "errors": errors,
        "links": {"action": request.url.path,
                  "cancel": path(request, "service_workflow", council=slug, service_id=draft.service_id)},
    }
    return form_page(request, "builder/workflow_event.html", payload, staff)


async def remove_state(request: Request, staff: Staff) -> Response:
    return await _button(request, staff, "remove-state")


async def initial_state(request: Request, staff: Staff) -> Response:
    return await _button(request, staff, "set-initial-state")


async def remove_event(request: Request, staff: Staff) -> Response:
    return await _button(request, staff, "remove-transition")


async def remove_timer(request: Request, staff: Staff) -> Response:
    return await _button(request, staff, "remove-timer")


async def add_timer(request: Request, staff: Staff) -> Response:
    """Add a timer: after a number of days in a state, the application moves on by itself."""
    draft = await draft_or_404(staff, request.path_params["service_id"])
    name = request.path_params["state"]
    _state_or_404(draft, name)
    slug = council_of(staff).slug
    states = _states(draft)
    values = {"days": "", "target": "", "description": ""}
    version = draft.version
    errors: Errors = []
    if request.method == "POST":
        form = await posted(request)
        version = version_sent(form)
        values = {key: first(form, key) for key in values}
        if not 1 <= (whole_number(values["days"]) or 0) <= 3650:
            error(errors, "days", "Enter the number of days as a whole number from 1 to 3650", "days")
        if values["target"] not in states:
            error(errors, "target", "Choose the state the application moves to", "required")
        if not errors:
            params: dict[str, Any] = {"state": name, "days": int(values["days"]), "target": values["target"]}
            if values["description"]:
                params["description"] = values["description"]
            outcome = await perform_posted(request, staff, draft, version, "set-timer", params,
                                           {"not-a-whole-number": "days", "too-many-timers": "days", "final": "days"},
                                           "days")
            if outcome.change is not None:
                here = path(request, "service_workflow", council=slug, service_id=draft.service_id)
                return redirect_with_notice(request, here, said(outcome.change))
            errors, version = outcome.errors, outcome.version
    payload = {
        "page": {"heading": f"Add a timer to '{_label(states, name)}'"},
        "values": values,
        "messages": messages(errors),
        "targets": [{"value": state, "text": _label(states, state)} for state in states if state != name],
        "version": version,
        "errors": errors,
        "links": {"action": request.url.path,
                  "cancel": path(request, "service_workflow", council=slug, service_id=draft.service_id)},
    }
    return form_page(request, "builder/workflow_timer.html", payload, staff)


async def _button(request: Request, staff: Staff, name: str) -> Response:
    draft = await draft_or_404(staff, request.path_params["service_id"])
    state = request.path_params["state"]
    spec = _state_or_404(draft, state)
    params: dict[str, Any] = {"state": state}
    if name == "remove-transition":
        event = request.path_params["event"]
        if event not in (spec.get("on") or {}):
            raise ClientError(404, "page_not_found")
        params["event"] = event
    form = await posted(request)
    version = version_sent(form)
    if name == "remove-timer":
        days = first(form, "days")
        if not is_digits(days) or len(days) > 4:
            raise ClientError(400, "bad_request")
        params["days"] = int(days)
    outcome = await perform_posted(request, staff, draft, version, name, params, {}, "states")
    if outcome.change is None:
        fresh = await draft_or_404(staff, draft.service_id)
        return await _overview(request, staff, fresh, outcome.errors, outcome.status)
    here = path(request, "service_workflow", council=council_of(staff).slug, service_id=draft.service_id)
    return redirect_with_notice(request, here, said(outcome.change))
