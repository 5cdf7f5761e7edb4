"""A service's draft at a glance: its pages in order with buttons to move them up and down and
to delete them, undo and redo, the problems that stop it being published, and starting a
draft from the published version when there is none.

With htmx (builder/inline_edits.py) the moves, Duplicate, Undo and Redo answer with the pages
and, out of band, what else they change; Delete asks beside the pages rather than on a page
of its own, and the draft's page fetched by htmx (Cancel) is the same fragment."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from builder.change import Refused
from builder.conditions import describe
from builder.draft_requests import (
    EDITOR_ROLES,
    PUBLISHER_ROLES,
    conflict_errors,
    council_of,
    draft_or_404,
    ensure_current,
    page_or_404,
    record,
    step,
    version_sent,
)
from builder.draft_tools import tool_links
from builder.inline_edits import fragment, is_htmx
from builder.locations import is_content, page_name
from builder.operations import delete_page as delete_page_operation
from builder.operations import duplicate_page as duplicate_page_operation
from builder.operations import move_page as move_page_operation
from builder.routes_pages import problems_by_page
from builder.service_list import STATES, when
from runtime import store
from runtime.staff.context import Staff, audit, page, path
from runtime.staff.forms import Errors, error, first, form_page, posted
from runtime.staff.notices import redirect_with_notice
from runtime.store import catalogue as catalogue_store
from runtime.store import drafts
from runtime.web.context import ClientError


def editable(spec: dict[str, Any]) -> bool:
    """Whether the page has questions to edit (every page has its own form; a content page
    has no questions)."""
    return not is_content(spec) and bool(spec.get("fields"))


async def _payload(request: Request, staff: Staff, draft: store.ServiceDraft) -> dict[str, Any]:
    council = council_of(staff)
    slug, sid = council.slug, draft.service_id
    definition: dict[str, Any] = draft.definition
    pages = []
    specs = [spec for spec in definition.get("pages", []) if isinstance(spec, dict)]
    by_page, others = problems_by_page(request, staff, draft)
    for index, spec in enumerate(specs):
        page_id = str(spec.get("id"))
        pages.append({
            "id": page_id,
            "name": page_name(spec),
            "questions": [str(field.get("label", "")) for field in spec.get("fields") or []],
            "first": index == 0,
            "last": index == len(specs) - 1,
            "condition": describe(spec["when"], definition) if "when" in spec else None,
            "exit": bool(spec.get("stop")),
            "problems": by_page.get(page_id, []),
            "links": {
                "edit": path(request, "edit_question_page", council=slug, service_id=sid, page_id=page_id),
                "condition": path(request, "page_condition", council=slug, service_id=sid, page_id=page_id),
                "duplicate": path(request, "duplicate_page", council=slug, service_id=sid, page_id=page_id),
                "move": path(request, "move_page", council=slug, service_id=sid, page_id=page_id),
                "delete": path(request, "delete_page", council=slug, service_id=sid, page_id=page_id),
            },
        })
    published = await store.get_latest(council, sid)
    state = drafts.ServiceState(sid, str(definition.get("title", sid)), published, draft, None).state
    undo, redo = await drafts.next_undo(draft), await drafts.next_redo(draft)
    here = path(request, "service_draft", council=slug, service_id=sid)
    problems = [{**problem, "page": None, "link": problem["link"] if problem["link"] != here else None}
                for problem in others]
    return {
        "page": {"heading": str(definition.get("title", sid))},
        "service": {"id": sid, "state": state, "state_text": STATES[state][0], "tag": STATES[state][1],
                    "published_version": published.version if published else None,
                    "draft_version": draft.version, "updated": when(draft.updated_at), "updated_by": draft.updated_by_label},
        "pages": pages,
        "version": draft.version,
        "undo": undo.description if undo else None,
        "redo": redo.description if redo else None,
        "problems": problems,
        "page_problems": sum(len(found) for found in by_page.values()),
        "can_edit": staff.can(*EDITOR_ROLES),
        "can_publish": staff.can(*PUBLISHER_ROLES),
        "links": {
            "services": path(request, "services", council=slug),
            "add_page": path(request, "add_question_page", council=slug, service_id=sid),
            "add_text_page": path(request, "add_text_page", council=slug, service_id=sid),
            "add_list_page": path(request, "add_list_page", council=slug, service_id=sid),
            "routes": path(request, "service_routes", council=slug, service_id=sid),
            "words": path(request, "service_words", council=slug, service_id=sid),
            "draft": here,
            "undo": path(request, "undo_change", council=slug, service_id=sid),
            "redo": path(request, "redo_change", council=slug, service_id=sid),
            "publish": path(request, "publish_service", council=slug, service_id=sid),
        },
        "tools": tool_links(request, slug, sid),
        "suggest": await _suggest_link(request, staff, draft),
    }


async def _suggest_link(request: Request, staff: Staff, draft: store.ServiceDraft) -> str | None:
    """Where to suggest the council's changes back to the publisher, for a service imported
    from a catalogue, shown to those who may suggest (the suggest page's own roles)."""
    routes = request.app.state.routes_by_name
    if "catalogue_suggest" not in routes or not staff.can(*EDITOR_ROLES):
        return None
    council = council_of(staff)
    fork = await catalogue_store.get_fork(council, draft.service_id)
    if fork is None or not fork.upstream_service:
        return None
    return path(request, "catalogue_suggest", council=council.slug, service_id=draft.service_id)


async def _overview(request: Request, staff: Staff, draft: store.ServiceDraft, errors: Errors,
                    status_code: int = 200) -> Response:
    payload = {**await _payload(request, staff, draft), "errors": errors}
    if is_htmx(request):  # an inline edit refused, or a Cancel: the pages as they are now (and why)
        return fragment(request, "builder/_draft_update.html", payload, status_code=status_code)
    return page(request, "builder/draft.html", payload, staff, status_code=status_code)


async def _pages_fragment(request: Request, staff: Staff, service_id: str, said: str,
                          focus: dict[str, str]) -> Response:
    """The draft's pages after an inline edit, as the stored draft now has them. The focus
    stays on Undo or Redo while there is more to undo or redo, else goes to the pages' heading."""
    draft = await draft_or_404(staff, service_id)
    payload = await _payload(request, staff, draft)
    if focus.get("key") in ("undo", "redo") and not payload[focus["key"]]:
        focus = {"key": "heading"}
    payload |= {"errors": [], "said": said, "focus": focus}
    return fragment(request, "builder/_draft_update.html", payload, saved_version=draft.version)


async def service_draft(request: Request, staff: Staff) -> Response:
    council = council_of(staff)
    service_id = request.path_params["service_id"]
    draft = await drafts.get_draft(council, service_id)
    if draft is not None:
        return await _overview(request, staff, draft, [])
    published = await store.get_latest(council, service_id)
    if published is None:
        raise ClientError(404, "page_not_found")
    payload = {
        "page": {"heading": published.title},
        "service": {"id": service_id, "published_version": published.version},
        "can_edit": staff.can(*EDITOR_ROLES),
        "links": {"services": path(request, "services", council=council.slug),
                  "start": path(request, "start_draft", council=council.slug, service_id=service_id),
                  "history": path(request, "service_history", council=council.slug, service_id=service_id)},
    }
    return page(request, "builder/no_draft.html", payload, staff)


async def start_draft(request: Request, staff: Staff) -> Response:
    """Start the draft of a published service from its latest version."""
    council = council_of(staff)
    service_id = request.path_params["service_id"]
    published = await store.get_latest(council, service_id)
    if published is None:
        raise ClientError(404, "page_not_found")
    await posted(request)
    here = path(request, "service_draft", council=council.slug, service_id=service_id)
    try:
        await drafts.create_draft(council, dict(published.definition), source=f"published:{published.version}",
                                  actor=staff.user, from_published=True)
    except drafts.DraftExists:
        return redirect_with_notice(request, here, "This service already has a draft")
    await audit(request, staff, "draft-created", service_id, after={"from": f"published:{published.version}"})
    return redirect_with_notice(request, here, f"Draft started from version {published.version}")


async def move_page(request: Request, staff: Staff) -> Response:
    draft = await draft_or_404(staff, request.path_params["service_id"])
    spec = page_or_404(draft, request.path_params["page_id"])
    form = await posted(request)
    version = version_sent(form)
    direction = first(form, "direction")
    errors: Errors = []
    try:
        await ensure_current(draft, version)
        change = move_page_operation(draft.definition, page=str(spec["id"]), direction=direction)
        await record(request, staff, draft, version, change)
    except Refused as refused:
        error(errors, "pages", refused.message, refused.code)
    except drafts.DraftConflict as conflict:
        errors = conflict_errors(conflict, "pages")
    if errors:
        fresh = await draft_or_404(staff, draft.service_id)
        return await _overview(request, staff, fresh, errors, 409 if errors[0]["keyword"] == "conflict" else 422)
    if is_htmx(request):
        return await _pages_fragment(request, staff, draft.service_id, change.description,
                                     {"page": str(spec["id"]), "key": "move", "direction": direction})
    return redirect_with_notice(request, _here(request, staff, draft), change.description)


async def duplicate_page(request: Request, staff: Staff) -> Response:
    """Copy a page, straight after it, with answers of its own."""
    draft = await draft_or_404(staff, request.path_params["service_id"])
    spec = page_or_404(draft, request.path_params["page_id"])
    version = version_sent(await posted(request))
    errors: Errors = []
    try:
        await ensure_current(draft, version)
        change = duplicate_page_operation(draft.definition, page=str(spec["id"]))
        await record(request, staff, draft, version, change)
    except Refused as refused:
        error(errors, "pages", refused.message, refused.code)
    except drafts.DraftConflict as conflict:
        errors = conflict_errors(conflict, "pages")
    if errors:
        fresh = await draft_or_404(staff, draft.service_id)
        return await _overview(request, staff, fresh, errors, 409 if errors[0]["keyword"] == "conflict" else 422)
    if is_htmx(request):
        return await _pages_fragment(request, staff, draft.service_id, change.description,
                                     {"page": str(spec["id"]), "key": "duplicate"})
    return redirect_with_notice(request, _here(request, staff, draft), change.description)


async def delete_page(request: Request, staff: Staff) -> Response:
    """Delete a page: asked on a page of its own, or with htmx beside the draft's pages."""
    draft = await draft_or_404(staff, request.path_params["service_id"])
    spec = page_or_404(draft, request.path_params["page_id"])
    errors: Errors = []
    version = draft.version
    if request.method == "POST":
        form = await posted(request)
        version = version_sent(form)
        try:
            await ensure_current(draft, version)
            change = delete_page_operation(draft.definition, page=str(spec["id"]))
            await record(request, staff, draft, version, change)
        except Refused as refused:
            message = refused.message + (": " + "; ".join(refused.dependents) if refused.dependents else "")
            error(errors, "delete", message, refused.code)
        except drafts.DraftConflict as conflict:
            errors = conflict_errors(conflict, "delete")
            version = conflict.current
        else:
            if is_htmx(request):
                return await _pages_fragment(request, staff, draft.service_id, change.description, {"key": "heading"})
            return redirect_with_notice(request, _here(request, staff, draft), change.description)
    council = council_of(staff)
    asked = {
        "heading": f"Delete the page '{page_name(spec)}'?",
        "questions": [str(field.get("label", "")) for field in spec.get("fields") or []],
        "action": path(request, "delete_page", council=council.slug, service_id=draft.service_id,
                       page_id=str(spec["id"])),
    }
    if is_htmx(request):
        return await _asked_beside_the_pages(request, staff, draft.service_id, str(spec["id"]), asked, errors)
    payload = {
        "page": {"heading": asked["heading"]},
        "questions": asked["questions"],
        "version": version,
        "errors": errors,
        "links": {"action": asked["action"], "cancel": _here(request, staff, draft)},
    }
    return form_page(request, "builder/delete_page.html", payload, staff)


async def _asked_beside_the_pages(request: Request, staff: Staff, service_id: str, page_id: str,
                                  asked: dict[str, Any], errors: Errors) -> Response:
    """Deleting a page asked beside the draft's pages (the draft as stored now), or asked again
    with why it was refused; a page someone else deleted meanwhile is no longer asked about."""
    draft = await draft_or_404(staff, service_id)
    definition: dict[str, Any] = draft.definition
    still_there = any(isinstance(spec, dict) and spec.get("id") == page_id for spec in definition.get("pages", []))
    if errors and not still_there:
        errors = [{**problem, "field": "pages", "href": "#pages"} for problem in errors]
    payload = {**await _payload(request, staff, draft), "errors": errors,
               "confirming": asked if still_there else None}
    status = (409 if errors[0]["keyword"] == "conflict" else 422) if errors else 200
    return fragment(request, "builder/_draft_update.html", payload, status_code=status)


async def undo_change(request: Request, staff: Staff) -> Response:
    return await _walk(request, staff, "undo")


async def redo_change(request: Request, staff: Staff) -> Response:
    return await _walk(request, staff, "redo")


async def _walk(request: Request, staff: Staff, kind: str) -> Response:
    draft = await draft_or_404(staff, request.path_params["service_id"])
    version = version_sent(await posted(request))
    errors: Errors = []
    try:
        target = await (drafts.next_undo(draft) if kind == "undo" else drafts.next_redo(draft))
        await step(request, staff, draft, version, kind)
    except drafts.NothingToStep:
        error(errors, "pages", f"There is nothing to {kind}", "nothing")
    except drafts.DraftConflict as conflict:
        errors = conflict_errors(conflict, "pages")
    if errors:
        fresh = await draft_or_404(staff, draft.service_id)
        return await _overview(request, staff, fresh, errors, 409 if errors[0]["keyword"] == "conflict" else 422)
    done = "Undone" if kind == "undo" else "Redone"
    said = f"{done}: {target.description if target else ''}"
    if is_htmx(request):
        return await _pages_fragment(request, staff, draft.service_id, said, {"key": kind})
    return redirect_with_notice(request, _here(request, staff, draft), said)


def _here(request: Request, staff: Staff, draft: store.ServiceDraft) -> str:
    return path(request, "service_draft", council=council_of(staff).slug, service_id=draft.service_id)
