"""Casework: the council's inbox of applications, and on one application the workflow actions
the current state allows, assigning it to a colleague, and its files (staff only).

The inbox pages by keyset (``runtime.store.inbox``), so it costs the same on the first page
and the thousandth. Every action goes through ``runtime.store.workflow.transition``, which
refuses what the workflow does not allow; nothing here decides a move itself.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import quote, urlencode

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from runtime import store
from runtime.core.digits import whole_number
from runtime.core.links import Links
from runtime.core.workflow import Refused
from runtime.staff.context import Staff, audit, page, path
from runtime.staff.information_requests import askable_pages, page_choices, page_titles
from runtime.staff.notices import redirect_with_notice
from runtime.staff.selected_filters import selected_filters
from runtime.staff.status_filter import narrowed, status_choices
from runtime.store import inbox
from runtime.store import workflow as engine
from runtime.store.cursors import Cursor, InvalidCursor
from runtime.web import context as web
from runtime.web.context import ClientError

DATE_FORMATS = ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d %m %Y")
ASSIGNED = (("", "Anyone"), ("me", "Assigned to me"), ("none", "Not assigned"))
CHUNK = 64 * 1024
STALE = "This application has changed since you opened it. Check its status and try again"
SAFE_TYPES = {"image/jpeg", "image/png", "application/pdf"}


def when(moment: datetime | None) -> str:
    return moment.astimezone(UTC).strftime("%-d %b %Y %H:%M") if moment else ""


def tag_classes(colour: str) -> str:
    return f"govuk-tag--{colour}" if re.fullmatch(r"[a-z-]{1,20}", colour or "") else "govuk-tag--grey"


def _date(text: str) -> date | None:
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
    return None


def _error(field: str, message: str) -> dict[str, str]:
    return {"field": field, "href": f"#{field}", "message": message, "keyword": field}


def _filters(request: Request, staff: Staff) -> tuple[inbox.Filters, dict[str, str], list[dict[str, str]]]:
    """The filters asked for in the query string, the values to show back, and any errors."""
    q = request.query_params
    values = {key: (q.get(key) or "").strip()[:100] for key in ("service", "state", "from", "to", "assigned", "reference")}
    values["overdue"] = "1" if q.get("overdue") else ""
    values["awaiting"] = "1" if q.get("awaiting") else ""
    errors = []
    moments: dict[str, datetime | None] = {"from": None, "to": None}
    for key, label in (("from", "from"), ("to", "to")):
        if values[key]:
            day = _date(values[key])
            if day is None:
                errors.append(_error(key, f"Enter the date sent {label} as a real date, like 27/11/2026"))
            else:
                moments[key] = datetime(day.year, day.month, day.day, tzinfo=UTC)
    reference = None
    if values["reference"]:
        reference = store.normalise_reference(values["reference"])
        if reference is None:
            errors.append(_error("reference", "Enter a reference like ABCD-2345"))
    if values["assigned"] not in {value for value, _ in ASSIGNED}:
        values["assigned"] = ""
    before = moments["to"] + timedelta(days=1) if moments["to"] else None
    filters = inbox.Filters(
        service=values["service"] or None, state=values["state"] or None, submitted_from=moments["from"],
        submitted_before=before, overdue=bool(values["overdue"]),
        assigned_to=staff.user.id if values["assigned"] == "me" else None, unassigned=values["assigned"] == "none",
        reference=reference, include_awaiting_payment=bool(values["awaiting"]),
    )
    errors += [_error(name, f"Choose a {name} from the list") for name in filters.unmatchable()]
    return filters, values, errors


def _query(values: dict[str, str], **extra: str) -> str:
    kept = {key: value for key, value in values.items() if value}
    kept.update(extra)
    return "?" + urlencode(kept) if kept else ""


async def applications(request: Request, staff: Staff) -> Response:
    """The council's inbox: filter, search by reference, page by cursor."""
    assert staff.council is not None
    council = staff.council
    filters, values, errors = _filters(request, staff)
    choices = status_choices(await inbox.labelled_states(council, filters.service))
    filters = narrowed(filters, choices, values["state"])
    after_text, before_text = request.query_params.get("after"), request.query_params.get("before")
    status = 200
    after = before = None
    try:
        after = Cursor.decode(after_text) if after_text is not None else None
        before = Cursor.decode(before_text) if before_text is not None else None
    except InvalidCursor:
        errors.append({"field": "pages", "href": "#pages", "keyword": "cursor",
                       "message": "The link to this page of applications is not valid: start again from the first page"})
        status = 400
    if errors:
        status = 400
        found = inbox.InboxPage([], None, None)
    else:
        found = await inbox.page(council, filters, after=after, before=before)
    moment = datetime.now(UTC)
    here = path(request, "applications", council=council.slug)
    rows = []
    for row in found.rows:
        title, workflow = found.versions.get(row["service_version_id"], (row["service_id"], None))
        state = workflow.state(row["state"]) if workflow else None
        due = row["due_at"]
        overdue = bool(due and due < moment and state is not None and not state.final)
        rows.append({
            "reference": row["reference"], "service_id": row["service_id"], "service": title,
            "href": path(request, "application", council=council.slug, reference=row["reference"]),
            "state": row["state"], "state_label": state.label if state else row["state"],
            "tag_classes": tag_classes(state.tag if state else "grey"),
            "submitted_at": row["submitted_at"].isoformat(), "submitted": when(row["submitted_at"]),
            "due_at": due.isoformat() if due else None, "due": when(due), "overdue": overdue,
            "assigned_to": found.assignees.get(row["assigned_to_id"]) if row["assigned_to_id"] else None,
        })
    services = [{"value": v.service_id, "text": v.title,
                 "export": path(request, "export", council=council.slug, service_id=v.service_id)}
                for v in await store.latest_versions(council)]
    states = [choice.option() for choice in choices]
    payload = {
        "page": {"heading": "Applications"},
        "filters": values,
        "selected": selected_filters(values, here, services={s["value"]: s["text"] for s in services},
                                     assigned=dict(ASSIGNED)),
        "options": {"services": services, "states": states,
                    "assigned": [{"value": value, "text": text} for value, text in ASSIGNED]},
        "applications": rows,
        "links": {
            "action": here,
            "clear": here,
            "next": here + _query(values, after=found.next.encode()) if found.next else None,
            "previous": here + _query(values, before=found.previous.encode()) if found.previous else None,
            "first": here + _query(values) if (after or before) else None,
        },
        "errors": errors,
    }
    return page(request, "staff/applications.html", payload, staff, status_code=status)


# One application: actions, assigning, files ---------------------------------------------

def links(request: Request) -> Links:
    found: Links = request.app.state.links
    return found


def files(request: Request) -> store.FileStore:
    found: store.FileStore = request.app.state.files
    return found


def field_id(event: str) -> str:
    return "event-" + re.sub(r"[^A-Za-z0-9_-]+", "-", event)


async def application_or_404(staff: Staff, reference: str) -> store.Submission:
    assert staff.council is not None
    submission = await store.get_by_reference(staff.council, reference)
    if submission is None:
        raise ClientError(404, "page_not_found")
    return submission


async def casework_view(request: Request, staff: Staff, submission: store.Submission,
                        form: dict[str, Any] | None = None) -> dict[str, Any]:
    """What the application page shows for casework: status, history, actions, files, assignee."""
    assert staff.council is not None
    council = staff.council
    workflow, _ = await engine.workflow_of(submission.service_version_id)
    service = web.compiled(await submission.service_version)
    state = workflow.state(submission.state)
    pages = page_choices(service, submission.answers)
    sent = form or {}
    actions = []
    for transition in workflow.staff_actions(submission.state) if staff.can("admin", "caseworker") else []:
        prefix = field_id(transition.event)
        mine = sent.get("event") == transition.event
        # A reason or a request is meant for the resident; other notes are the council's own unless ticked.
        shown = transition.guard == "noteGiven" or "requestInformation" in transition.actions
        actions.append({
            "event": transition.event, "id": prefix, "text": transition.description or transition.event,
            "target": workflow.state(transition.target).label, "note_required": transition.guard == "noteGiven",
            "request_information": "requestInformation" in transition.actions,
            "note": sent.get("note", "") if mine else "", "visible": sent.get("visible", shown) if mine else shown,
            "pages": sent.get("pages", []) if mine else [],
        })
    people = await inbox.caseworkers(council)
    history = []
    for event in await engine.history(submission):
        history.append({
            "at": event.at.isoformat(), "when": when(event.at), "event": event.event,
            "from": workflow.state(event.from_state).label if event.from_state else None,
            "to": workflow.state(event.to_state).label, "by": event.actor_label, "note": event.note,
            "visible_to_resident": event.visible_to_resident,
            "pages": _pages_of(event.data), "page_titles": page_titles(service, _pages_of(event.data)),
        })
    history.reverse()  # newest first
    uploaded = await inbox.submission_files(council, submission)
    moment = datetime.now(UTC)
    return {
        "state": {"id": state.name, "label": state.label, "tag_classes": tag_classes(state.tag), "final": state.final,
                  "due_at": submission.due_at.isoformat() if submission.due_at else None, "due": when(submission.due_at),
                  "overdue": bool(submission.due_at and submission.due_at < moment and not state.final)},
        "version": submission.version,
        "request": submission.request,
        "actions": actions,
        "pages": pages,
        "history": history,
        "files": [{"id": str(f.id), "name": f.filename, "size": f.size, "content_type": f.content_type,
                   "href": path(request, "application_file", council=council.slug, reference=submission.reference,
                                file_id=str(f.id))} for f in uploaded],
        "assigned_to": submission.assigned_to_id,
        "assignable": [{"value": str(u.id), "text": f"{u.name} ({u.email})"} for u in people],
        "links": {
            "act": path(request, "application_action", council=council.slug, reference=submission.reference),
            "assign": path(request, "application_assign", council=council.slug, reference=submission.reference),
        },
    }


def _pages_of(data: object) -> list[str]:
    pages = data.get("pages") if isinstance(data, dict) else None
    return [str(page_id) for page_id in pages] if isinstance(pages, list) else []


async def act(request: Request, staff: Staff) -> Response:
    """Take one workflow event for the application, with the caseworker's note."""
    from runtime.staff import applications as application_page

    assert staff.council is not None
    council = staff.council
    form = web.text_fields(await web.checked_form(request))
    submission = await application_or_404(staff, request.path_params["reference"])

    def one(name: str) -> str:
        return (form.get(name) or [""])[0]

    event = one("event").strip()
    note = one("note")
    visible = one("visible") == "yes"
    chosen = [page_id for page_id in form.get("pages", []) if page_id]
    sent = {"event": event, "note": note, "visible": visible, "pages": chosen}
    workflow, _ = await engine.workflow_of(submission.service_version_id)
    allowed = {t.event: t for t in workflow.staff_actions(submission.state)}
    transition = allowed.get(event)

    async def refused(message: str, field: str | None = None) -> Response:
        target = f"{field_id(event)}-{field}" if field and transition else "actions"
        error = {"field": target, "href": f"#{target}", "message": message, "keyword": "workflow"}
        return await application_page.application(request, staff, errors=[error], status_code=422, form=sent)

    version_text = one("version").strip()
    if whole_number(version_text) != submission.version:
        # A form from before the last change: its actions may no longer be the ones allowed.
        return await refused(STALE)
    if transition is None:
        return await refused("That action cannot be taken on this application now: check its status and try again")
    data: dict[str, Any] = {}
    if "requestInformation" in transition.actions:
        service = web.compiled(await submission.service_version)
        offered = {page.id for page in askable_pages(service, submission.answers)}
        if not chosen:
            return await refused("Select the pages the resident needs to answer again", "pages")
        if any(page_id not in offered for page_id in chosen):
            return await refused("Select only pages from the list: pages this application's answers went through",
                                 "pages")
        data["pages"] = chosen
    move = engine.Move(event, actor=staff.user, note=note, visible_to_resident=visible, data=data or None,
                       expected_version=int(version_text))
    try:
        _, record = await engine.transition(council, submission.id, move, links(request))
    except Refused as refusal:
        return await refused(refusal.message, refusal.field)
    await audit(request, staff, "application-action", submission.reference,
                before={"state": record.from_state},
                after={"state": record.to_state, "event": event, "note": record.note,
                       "visible_to_resident": record.visible_to_resident, **({"pages": chosen} if data else {})})
    done = f"Done: {transition.description or event}. The status is now {workflow.state(record.to_state).label}"
    return redirect_with_notice(request, path(request, "application", council=council.slug,
                                              reference=submission.reference), done)


async def assign(request: Request, staff: Staff) -> Response:
    """Give the application to a colleague who works on applications here (or to nobody)."""
    from runtime.staff import applications as application_page

    assert staff.council is not None
    council = staff.council
    form = web.text_fields(await web.checked_form(request))
    submission = await application_or_404(staff, request.path_params["reference"])
    chosen = (form.get("assignee") or [""])[0].strip()
    person = None
    if chosen:
        people = {str(user.id): user for user in await inbox.caseworkers(council)}
        person = people.get(chosen)
        if person is None:
            error = {"field": "assignee", "href": "#assignee", "keyword": "assign",
                     "message": "Choose a colleague who works on this council's applications"}
            return await application_page.application(request, staff, errors=[error], status_code=422)
    changed = await inbox.assign(council, submission.id, person)
    if changed is None:
        raise ClientError(404, "page_not_found")
    await audit(request, staff, "application-assigned", submission.reference,
                before={"assigned_to": changed[0]}, after={"assigned_to": changed[1],
                                                            "name": person.name if person else None})
    done = f"Application assigned to {person.name}" if person else "Application no longer assigned to anyone"
    return redirect_with_notice(request, path(request, "application", council=council.slug,
                                              reference=submission.reference), done)


async def download(request: Request, staff: Staff) -> Response:
    """A file the resident uploaded with this application, as an attachment, never inline."""
    assert staff.council is not None
    submission = await application_or_404(staff, request.path_params["reference"])
    found = await inbox.submission_file(staff.council, submission, request.path_params["file_id"])
    if found is None:
        raise ClientError(404, "page_not_found")
    try:
        stream = files(request).open(found)
    except (OSError, ValueError):
        raise ClientError(404, "page_not_found") from None

    async def chunks() -> Any:
        with stream:
            while block := stream.read(CHUNK):
                yield block

    plain = found.filename.encode("ascii", "replace").decode("ascii")
    ascii_name = re.sub(r'[\\"?\x00-\x1f\x7f]', "_", plain)
    headers = {
        "content-disposition": f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(found.filename)}",
        "x-content-type-options": "nosniff",
        "content-length": str(found.size),
        "cache-control": "no-store, private",
    }
    media_type = found.content_type if found.content_type in SAFE_TYPES else "application/octet-stream"
    return StreamingResponse(chunks(), media_type=media_type, headers=headers)
