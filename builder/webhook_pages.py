"""A council's webhook endpoints (admins only): list, add, remove.

The signing secret is made here, shown once on the page that confirms the new endpoint, and
kept sealed: no later page or JSON twin shows any of it.
"""

from __future__ import annotations

import ipaddress
import secrets
from typing import Any
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import Response

from builder.context import Staff, audit, page, path, redirect
from builder.settings import Errors, error, first, url_problem
from runtime import store
from runtime.web import context as web
from runtime.web.context import ClientError

EVENT_NAMES = {
    "submission.created": "An application is sent",
    "submission.status_changed": "An application's status changes",
}


def event_items() -> list[dict[str, str]]:
    return [{"value": event, "text": EVENT_NAMES.get(event, event), "hint": event} for event in store.webhooks.EVENTS]


def endpoint_payload(request: Request, council: store.Council, endpoint: store.WebhookEndpoint) -> dict[str, Any]:
    """What staff see of an endpoint: never its secret."""
    return {
        "id": endpoint.id,
        "url": endpoint.url,
        "events": list(endpoint.events),
        "created_at": endpoint.created_at.isoformat(),
        "created": endpoint.created_at.strftime("%-d %B %Y %H:%M"),
        "remove": path(request, "remove_webhook", council=council.slug, endpoint_id=endpoint.id),
    }


def webhook_url_problem(value: str, production: bool) -> str | None:
    if not value:
        return "Enter the web address to send webhooks to"
    problem = url_problem(value, "The web address", local_http=not production)
    if problem is None and production:
        host = (urlsplit(value).hostname or "").rstrip(".").lower()
        try:
            private = not ipaddress.ip_address(host).is_global
        except ValueError:
            private = host == "localhost" or host.endswith((".localhost", ".local", ".internal"))
        if private:
            return "Enter a web address on the internet: webhooks are not sent to local or private addresses"
    return problem


async def webhooks(request: Request, staff: Staff) -> Response:
    assert staff.council is not None
    council = staff.council
    errors: Errors = []
    values: dict[str, Any] = {"url": "", "events": list(store.webhooks.EVENTS)}
    if request.method == "POST":
        form = web.text_fields(await web.checked_form(request))
        values = {"url": first(form, "url"), "events": [e for e in store.webhooks.EVENTS if e in (form.get("events") or [])]}
        if problem := webhook_url_problem(values["url"], web.settings(request).production):
            error(errors, "url", problem, "url")
        if not values["events"]:
            error(errors, "events", "Select at least one event to send", "required")
        if not errors:
            secret = secrets.token_urlsafe(32)
            endpoint = await store.webhooks.add_endpoint(council, request.app.state.box, values["url"], secret,
                                                         values["events"])
            await audit(request, staff, "webhook-added", str(endpoint.id),
                        after={"url": endpoint.url, "events": list(endpoint.events), "secret": "generated"})
            added: dict[str, Any] = {
                "page": {"heading": "Webhook added"},
                        "endpoint": endpoint_payload(request, council, endpoint),
                # Shown this once, to the person who added the endpoint; only sealed from now on.
                "secret": secret,
                "links": {"webhooks": path(request, "webhooks", council=council.slug)},
            }
            response = page(request, "staff/webhooks_added.html", added, staff)
            response.headers["Cache-Control"] = "no-store"
            return response
    endpoints = await store.webhooks.endpoints(council)
    payload: dict[str, Any] = {
        "page": {"heading": "Webhooks"},
        "endpoints": [endpoint_payload(request, council, endpoint) for endpoint in endpoints],
        "events": event_items(),
        "values": values,
        "errors": errors,
        "removed": request.query_params.get("removed") is not None and not errors,
        "links": {"action": path(request, "webhooks", council=council.slug),
                  "back": path(request, "settings", council=council.slug)},
    }
    return page(request, "staff/webhooks.html", payload, staff, status_code=422 if errors else 200)


async def remove_webhook(request: Request, staff: Staff) -> Response:
    """GET asks "are you sure?"; POST removes. Another council's endpoint is not found."""
    assert staff.council is not None
    council = staff.council
    if request.method == "POST":
        await web.checked_form(request)
    endpoint_id = request.path_params["endpoint_id"]
    endpoint = await store.webhooks.get_endpoint(council, endpoint_id)
    if endpoint is None:
        raise ClientError(404, "page_not_found")
    if request.method == "POST":
        removed = await store.webhooks.remove_endpoint(council, endpoint_id)
        if removed is not None:
            await audit(request, staff, "webhook-removed", str(removed.id),
                        before={"url": removed.url, "events": list(removed.events)})
        return redirect(path(request, "webhooks", council=council.slug) + "?removed=1")
    payload = {
        "page": {"heading": "Are you sure you want to remove this webhook?"},
        "endpoint": endpoint_payload(request, council, endpoint),
        "links": {"action": path(request, "remove_webhook", council=council.slug, endpoint_id=endpoint.id),
                  "cancel": path(request, "webhooks", council=council.slug)},
    }
    return page(request, "staff/webhooks_remove.html", payload, staff)
