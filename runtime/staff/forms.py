"""A staff form: its fields as posted (the CSRF token checked), the errors found in them in the
one shape the error summary and the fields read, and the page that shows the form again."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from runtime.staff.context import Staff, page
from runtime.web import context as web

Errors = list[dict[str, str]]
Form = dict[str, list[str]]


async def posted(request: Request) -> Form:
    """The text fields of the form posted with this request; 403 without a good CSRF token."""
    return web.text_fields(await web.checked_form(request))


def first(form: Form, name: str) -> str:
    """The first value sent for ``name``, trimmed; empty when none was sent."""
    return (form.get(name) or [""])[0].strip()


def error(errors: Errors, field: str, message: str, keyword: str) -> None:
    """Add a field's error: the summary links to ``#field``, the field shows ``message``."""
    errors.append({"field": field, "href": f"#{field}", "message": message, "keyword": keyword})


def form_page(request: Request, template: str, payload: dict[str, Any], staff: Staff) -> Response:
    """The page with its form, as a staff page: 422 when ``payload["errors"]`` holds any."""
    return page(request, template, payload, staff, status_code=422 if payload.get("errors") else 200)
