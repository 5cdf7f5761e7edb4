"""The council's services as its designers see them, and starting a new one: blank, from a
service Borough ships, or as a copy of one of the council's own."""

from __future__ import annotations

import datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from builder.blank import blank_definition
from builder.change import Refused
from builder.draft_requests import EDITOR_ROLES, council_of
from builder.naming import slug
from builder.shipped import shipped_definition, shipped_services
from runtime import store
from runtime.core.digits import whole_number
from runtime.staff.context import Staff, audit, page, path
from runtime.staff.forms import Errors, Form, error, first, form_page, posted
from runtime.staff.notices import redirect_with_notice
from runtime.store import drafts

STATES = {
    "draft-only": ("Draft only", "grey"),
    "published": ("Published", "green"),
    "draft-ahead": ("Draft ahead of published", "yellow"),
}


def when(moment: datetime.datetime | None) -> str:
    return moment.astimezone(datetime.UTC).strftime("%-d %B %Y %H:%M") if moment else ""


def service_row(request: Request, slug_: str, state: drafts.ServiceState) -> dict[str, Any]:
    text, colour = STATES[state.state]
    change = state.last_change
    draft = state.draft
    return {
        "id": state.service_id,
        "title": state.title,
        "state": state.state,
        "state_text": text,
        "tag": colour,
        "published_version": state.published.version if state.published else None,
        "draft_version": draft.version if draft else None,
        "last_change": ({"description": change.description, "by": change.actor_label, "when": when(change.at)}
                        if change else None),
        "href": path(request, "service_draft", council=slug_, service_id=state.service_id),
    }


async def services(request: Request, staff: Staff) -> Response:
    council = council_of(staff)
    rows = [service_row(request, council.slug, state) for state in await drafts.services(council)]
    payload = {
        "page": {"heading": "Services"},
        "services": rows,
        "can_create": staff.can(*EDITOR_ROLES),
        "links": {"new": path(request, "new_service", council=council.slug)},
    }
    return page(request, "builder/services.html", payload, staff)


async def _start_choices(council: store.Council) -> list[dict[str, str]]:
    choices = [{"value": "blank", "text": "A blank service", "hint": "One question, the resident's email address"}]
    choices += [{"value": f"shipped:{s.service_id}", "text": f"{s.title} (a service Borough ships)",
                 "hint": f"Version {s.version}"} for s in shipped_services()]
    choices += [{"value": f"copy:{v.service_id}", "text": f"A copy of {v.title}",
                 "hint": f"Your council's version {v.version}"} for v in await store.latest_versions(council)]
    return choices


async def _definition(council: store.Council, form: Form, errors: Errors) -> tuple[dict[str, Any] | None, str]:
    """The new service's first draft from the form, and where it came from; errors when the
    form cannot make one."""
    start = first(form, "start")
    name = first(form, "name")
    if not name:
        error(errors, "name", "Enter the service's name", "required")
    elif len(name) > 120:
        error(errors, "name", "The service's name must be 120 characters or fewer", "maxLength")
    if start == "blank":
        summary, lgsl = first(form, "summary"), first(form, "lgsl")
        if not summary:
            error(errors, "summary", "Enter a summary of the service", "required")
        elif len(summary) > 500:
            error(errors, "summary", "The summary must be 500 characters or fewer", "maxLength")
        if not 1 <= (whole_number(lgsl, 5) or 0) <= 99999:
            error(errors, "lgsl", "Enter the LGSL code as a number from 1 to 99999, like 524", "type")
        if errors:
            return None, start
        try:
            return blank_definition(title=name, summary=summary, lgsl=int(lgsl), publisher_id=council.slug,
                                    publisher_name=council.name), "blank"
        except Refused as refused:
            error(errors, "name", refused.message, refused.code)
            return None, start
    upstream: dict[str, Any] | None = None
    if start.startswith("shipped:"):
        upstream = shipped_definition(start.removeprefix("shipped:"))
    elif start.startswith("copy:"):
        latest = await store.get_latest(council, start.removeprefix("copy:"))
        upstream = dict(latest.definition) if latest else None
    if upstream is None:
        error(errors, "start", "Choose how to start the service", "required")
    if errors or upstream is None:
        return None, start
    copied = {**upstream, "id": slug(name, fallback="service", most_words=8), "title": name, "version": "0.1.0",
              "publisher": {"id": council.slug, "name": council.name},
              "provenance": {"forkedFrom": f"{upstream['id']}@{upstream['version']}",
                             "publisher": upstream["publisher"]["id"]}}
    return copied, f"{start}@{upstream['version']}"


async def new_service(request: Request, staff: Staff) -> Response:
    council = council_of(staff)
    errors: Errors = []
    values: dict[str, Any] = {"start": "blank", "name": "", "summary": "", "lgsl": ""}
    if request.method == "POST":
        form = await posted(request)
        values = {name: first(form, name) for name in values}
        definition, source = await _definition(council, form, errors)
        if definition is not None:
            try:
                draft = await drafts.create_draft(council, definition, source=source, actor=staff.user)
            except drafts.DraftExists as exists:
                error(errors, "name", f"Your council already has a service called {exists.service_id}: "
                                      "choose another name", "unique")
            else:
                await audit(request, staff, "draft-created", draft.service_id, after={"from": source})
                return redirect_with_notice(
                    request, path(request, "service_draft", council=council.slug, service_id=draft.service_id),
                    f"Service '{definition['title']}' started")
    payload = {
        "page": {"heading": "Start a new service"},
        "choices": await _start_choices(council),
        "values": values,
        "errors": errors,
        "links": {"action": path(request, "new_service", council=council.slug),
                  "cancel": path(request, "services", council=council.slug)},
    }
    return form_page(request, "builder/new_service.html", payload, staff)
