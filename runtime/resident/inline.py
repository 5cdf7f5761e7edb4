"""Inline validation for htmx: one field checked as the resident leaves it, rendered as the
same partial the full page uses. Nothing is saved; the full POST stays the source of truth."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from runtime.core.answers import DuplicateField, page_values, parse_fields
from runtime.core.validation import check_page
from runtime.resident.steps import file_names, require_journey
from runtime.web import context as web
from runtime.web.context import ClientError
from runtime.web.views import page_fields


async def validate(request: Request) -> Response:
    ctx, journey = await require_journey(request)
    page = ctx.service.page(request.path_params["page"])
    if page is None or page.kind != "question":
        raise ClientError(404, "page_not_found")
    form = await web.checked_form(request)
    fields = web.text_fields(form)
    name = (fields.get("field") or [""])[0]
    target = page.field(name)
    if target is None or target.widget in ("file",):
        raise ClientError(400, "bad_request")
    try:
        parsed = parse_fields(page.fields, fields)
    except DuplicateField:
        raise ClientError(400, "bad_request") from None
    _, errors = check_page(ctx.service, page, journey.answers, parsed, ctx.language)
    mine = [error for error in errors if error.field.name == name and error.keyword != "required"]
    shown = {**page_values(page, journey.answers), **parsed.raw}
    views = page_fields(ctx.service, page, shown, mine, ctx.language, await file_names(ctx, journey.answers, [page]),
                        validate=ctx.path)
    view = next((v for v in _all_views(views) if v["name"] == name), None)
    if view is None:
        raise ClientError(400, "bad_request")
    html = ctx.renderer.fragment("fields/_field.html", {"field": view, "ui_language": ctx.language})
    return HTMLResponse(html)


def _all_views(views: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for view in views:
        yield view
        for option in view.get("options", []):
            yield from _all_views(option["reveals"])
