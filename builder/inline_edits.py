"""Inline edits: the builder's small forms (a page's title and text, moving a question or a
page) posted through htmx when JavaScript runs, answered with the part of the page they
changed instead of a redirect.

The forms are the ones that work with JavaScript off: the same action, the same fields, the
same draft `version` (builder/draft_requests.py), so a stale one is refused the same way. htmx
adds `hx-post` and a target; its request says `HX-Request: true`, and only then does a handler
answer with a fragment (`fragment`): the part swapped in, carrying the draft's new version, and
beside it, swapped out of band, the other parts the change touches, the words said to screen
readers (a polite live region, `#builder-status`) and, on an error, the GOV.UK error summary
(`#builder-errors`). A saved change also sends the event `boroughDraftSaved` (the `HX-Trigger`
header) with the new version: the page's other forms take it (themes' borough.js) and the
preview of the page (`page_preview`) fetches itself again.

The preview of a page, beside its form, is the resident app's own field templates rendered
for that page of the draft, as residents will see it, with no form around it.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from builder.draft_requests import council_of, draft_or_404, page_or_404
from builder.locations import page_name
from runtime.core.metaschema import check_document
from runtime.core.service import Service, compile_service
from runtime.staff.context import Staff, path, redirect
from runtime.web import context as web
from runtime.web.rendering import wants_json
from runtime.web.views import page_fields

SAVED_EVENT = "boroughDraftSaved"
PREVIEW_PREFIX = "preview-"


def is_htmx(request: Request) -> bool:
    """Whether htmx sent the request (and wants a fragment, not a page or a redirect)."""
    return request.headers.get("hx-request") == "true" and not wants_json(request)


def fragment(request: Request, template: str, payload: dict[str, Any], *, status_code: int = 200,
             saved_version: int | None = None) -> Response:
    """The fragment `template` for htmx: 422 or 409 with the errors in the payload, else 200;
    `saved_version` when a change was saved, for the page's other forms and its preview."""
    context = {**payload, **web.browser(request, "en", ("en",))}
    html = web.renderer(request).fragment(template, context)
    headers = {"vary": "HX-Request", "cache-control": "no-store"}
    if saved_version is not None:
        headers["hx-trigger"] = json.dumps({SAVED_EVENT: {"version": saved_version}})
    return web.finish(request, HTMLResponse(html, status_code=status_code, headers=headers))


# The preview of one page.


def compiled(definition: dict[str, Any]) -> Service | None:
    """The draft as residents will get it, or None while it cannot be (its checks fail)."""
    if check_document(definition):
        return None
    try:
        return compile_service(definition)
    except Exception:  # a draft the checks pass may still not compile: no preview, as the preview says
        return None


def page_preview_view(definition: dict[str, Any], page_id: str) -> dict[str, Any]:
    """What the preview of the page `page_id` shows: its title, text and questions as the
    resident app renders them (their ids and names prefixed, so they clash with nothing on
    the builder's page), or why there is none."""
    service = compiled(definition)
    shown = service.page(page_id) if service else None
    if service is None or shown is None:
        return {"available": False}
    fields = page_fields(service, shown, {}, [], "en", {})
    for view in fields:
        _prefixed(view)
        # The builder's page has its own h1: a question that heads the page looks it, no more.
        view["looks_like_heading"], view["heading"] = bool(view.get("heading")), False
    title = service.text(f"pages.{shown.id}.title", shown.title, "en") if shown.title else None
    return {
        "available": True,
        "title": title,
        "content": service.text(f"pages.{shown.id}.content", shown.spec["content"], "en")
        if "content" in shown.spec else None,
        "fields": fields,
        "kind": shown.kind,
        "stop": shown.stop,
    }


def _prefixed(view: dict[str, Any]) -> None:
    view["id"] = PREVIEW_PREFIX + str(view["id"])
    view["name"] = PREVIEW_PREFIX + str(view["name"])
    for option in view.get("options") or []:
        for inner in option.get("reveals") or []:
            _prefixed(inner)


def preview_payload(request: Request, staff: Staff, definition: dict[str, Any], page_id: str,
                    service_id: str) -> dict[str, Any]:
    slug = council_of(staff).slug
    return {**page_preview_view(definition, page_id),
            "links": {"self": path(request, "page_preview", council=slug, service_id=service_id, page_id=page_id),
                      "whole": path(request, "preview_start", council=slug, service_id=service_id)
                      if "preview_start" in request.app.state.routes_by_name else None}}


async def page_preview(request: Request, staff: Staff) -> Response:
    """The preview of a page, fetched again by htmx after an inline edit; without htmx, the
    page's own form, where the preview is shown."""
    draft = await draft_or_404(staff, request.path_params["service_id"])
    spec = page_or_404(draft, request.path_params["page_id"])
    page_id = str(spec["id"])
    if not is_htmx(request):
        response = redirect(path(request, "edit_question_page", council=council_of(staff).slug,
                                 service_id=draft.service_id, page_id=page_id))
        response.headers["vary"] = "HX-Request"
        return response
    payload = {"preview": preview_payload(request, staff, draft.definition, page_id, draft.service_id),
               "page_name": page_name(spec)}
    return fragment(request, "builder/_page_preview.html", payload)
