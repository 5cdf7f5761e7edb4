"""A council's webhook endpoints (admins only): list, add, remove, replace the signing secret.

A signing secret is made here, shown once on the page that confirms the new endpoint (or the
new secret), and kept sealed: no later page or JSON twin shows any of it.
"""

from __future__ import annotations

import ipaddress
import secrets
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import Response

from runtime import store
from runtime.staff import paging
from runtime.staff.context import Staff, audit, page, path
from runtime.staff.council_settings import url_problem
from runtime.staff.forms import Errors, error, first, form_page, posted
from runtime.staff.notices import redirect_with_notice
from runtime.staff.secret_pages import confirmed, shown_once
from runtime.store.models import WebhookDelivery
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
        "deliveries": path(request, "webhook_deliveries", council=council.slug, endpoint_id=endpoint.id),
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
        form = await posted(request)
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
                "page": {"heading": "The new webhook's signing secret"},
                "notice": f"Webhook added: {endpoint.url}",
                        "endpoint": endpoint_payload(request, council, endpoint),
                # Shown this once, to the person who added the endpoint; only sealed from now on.
                "secret": secret,
                "links": {"webhooks": path(request, "webhooks", council=council.slug)},
            }
            return shown_once(request, "staff/webhooks_added.html", added, staff)
    endpoints = await store.webhooks.endpoints(council)
    payload: dict[str, Any] = {
        "page": {"heading": "Webhooks"},
        "endpoints": [endpoint_payload(request, council, endpoint) for endpoint in endpoints],
        "events": event_items(),
        "values": values,
        "errors": errors,
        "dead_letters": await store.webhooks.count_dead_letters(council),
        "links": {"action": path(request, "webhooks", council=council.slug),
                  "back": path(request, "settings", council=council.slug),
                  "dead_letters": path(request, "webhook_dead_letters", council=council.slug)},
    }
    return form_page(request, "staff/webhooks.html", payload, staff)


async def remove_webhook(request: Request, staff: Staff) -> Response:
    """GET asks "are you sure?"; POST removes. Another council's endpoint is not found."""
    assert staff.council is not None
    council = staff.council
    confirming = await confirmed(request)
    endpoint_id = request.path_params["endpoint_id"]
    endpoint = await store.webhooks.get_endpoint(council, endpoint_id)
    if endpoint is None:
        raise ClientError(404, "page_not_found")
    if confirming:
        removed = await store.webhooks.remove_endpoint(council, endpoint_id)
        if removed is not None:
            await audit(request, staff, "webhook-removed", str(removed.id),
                        before={"url": removed.url, "events": list(removed.events)})
        return redirect_with_notice(request, path(request, "webhooks", council=council.slug),
                                    f"Webhook removed: {endpoint.url}")
    payload = {
        "page": {"heading": "Are you sure you want to remove this webhook?"},
        "endpoint": endpoint_payload(request, council, endpoint),
        "links": {"action": path(request, "remove_webhook", council=council.slug, endpoint_id=endpoint.id),
                  "cancel": path(request, "webhooks", council=council.slug)},
    }
    return page(request, "staff/webhooks_remove.html", payload, staff)


# What was sent: an endpoint's messages, the dead letters, sending one again ------------------

STATE_TAGS = {
    store.webhooks.PENDING: ("Waiting to send", "govuk-tag--grey"),
    store.webhooks.RETRYING: ("Retrying", "govuk-tag--yellow"),
    store.webhooks.DELIVERED: ("Delivered", "govuk-tag--green"),
    store.webhooks.DEAD: ("Not delivered", "govuk-tag--red"),
}
EVENT_TYPE_NAMES = {"submission.created": "Application sent", "submission.status_changed": "Status changed"}
PAGE_SIZE = 50


def _when(moment: datetime | None) -> str | None:
    return moment.strftime("%-d %B %Y %H:%M:%S") if moment else None


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def delivery_payload(request: Request, council: store.Council, delivery: WebhookDelivery,
                     endpoint: store.WebhookEndpoint) -> dict[str, Any]:
    """What staff see of one message: its state and last answer, never the signing secret."""
    state = store.webhooks.state_of(delivery)
    text, classes = STATE_TAGS[state]
    last = f"HTTP {delivery.last_status}" if delivery.last_status is not None else None
    return {
        "id": delivery.id,
        "event_id": delivery.event_id,
        "event_type": delivery.event_type,
        "event_name": EVENT_TYPE_NAMES.get(delivery.event_type, delivery.event_type),
        "reference": delivery.event_id.split(".")[0],
        "state": state,
        "state_tag": {"text": text, "classes": classes},
        "attempts": delivery.attempts,
        "last_status": delivery.last_status,
        "last_error": delivery.last_error,
        "last_answer": delivery.last_error or last,
        "created_at": _iso(delivery.created_at),
        "created": _when(delivery.created_at),
        "next_attempt_at": _iso(delivery.next_attempt_at) if state in (store.webhooks.PENDING, store.webhooks.RETRYING) else None,
        "next_attempt": _when(delivery.next_attempt_at) if state in (store.webhooks.PENDING, store.webhooks.RETRYING) else None,
        "delivered_at": _iso(delivery.delivered_at),
        "dead_at": _iso(delivery.dead_at),
        "finished": _when(delivery.delivered_at or delivery.dead_at),
        "endpoint": {"id": endpoint.id, "url": endpoint.url,
                     "href": path(request, "webhook_deliveries", council=council.slug, endpoint_id=endpoint.id)},
        "send_again": path(request, "resend_delivery", council=council.slug, delivery_id=delivery.id)
        if state == store.webhooks.DEAD and endpoint.active else None,
    }


async def webhook_deliveries(request: Request, staff: Staff, *, problem: str | None = None,
                             status_code: int = 200) -> Response:
    """One endpoint, how it is signed, and its most recent messages, newest first."""
    assert staff.council is not None
    council = staff.council
    endpoint = await store.webhooks.get_endpoint(council, request.path_params["endpoint_id"])
    if endpoint is None:
        raise ClientError(404, "page_not_found")
    deliveries = await store.webhooks.deliveries_for(council, endpoint, limit=PAGE_SIZE)
    try:
        signing = len(store.webhooks.endpoint_secrets(endpoint, request.app.state.box))
    except ValueError:  # sealed under another BOROUGH_SECRET_KEY: the page still opens; rotating mends it
        signing = 0
    payload: dict[str, Any] = {
        "page": {"heading": "Webhook messages"},
        "endpoint": endpoint_payload(request, council, endpoint),
        "deliveries": [delivery_payload(request, council, delivery, endpoint) for delivery in deliveries],
        # How many secrets sign each message (2 while one is being replaced), never the secrets.
        "signing": {"secrets": signing,
                    "rotate": path(request, "rotate_webhook_secret", council=council.slug, endpoint_id=endpoint.id),
                    "stop_old": path(request, "stop_old_webhook_secret", council=council.slug,
                                     endpoint_id=endpoint.id) if signing > 1 else None},
        "problem": problem,
        "links": {"webhooks": path(request, "webhooks", council=council.slug),
                  "dead_letters": path(request, "webhook_dead_letters", council=council.slug)},
    }
    return page(request, "staff/webhook_deliveries.html", payload, staff, status_code=status_code)


async def webhook_dead_letters(request: Request, staff: Staff, *, problem: str | None = None,
                               status_code: int = 200) -> Response:
    """The council's messages that were not delivered, newest first, a page at a time."""
    assert staff.council is not None
    council = staff.council
    before_id = paging.before_id(request)
    found = await store.webhooks.dead_letters(council, limit=paging.PER_PAGE + 1, before_id=before_id)
    dead = paging.page_of(found, before_id, path(request, "webhook_dead_letters", council=council.slug))
    payload: dict[str, Any] = {
        "page": {"heading": "Webhook messages not delivered"},
        "deliveries": [delivery_payload(request, council, delivery, delivery.endpoint) for delivery in dead.rows],
        "sent_again": request.query_params.get("sent") if problem is None else None,
        "problem": problem,
        "links": {"webhooks": path(request, "webhooks", council=council.slug),
                  "older": dead.older, "newest": dead.newest},
    }
    return page(request, "staff/webhook_dead_letters.html", payload, staff, status_code=status_code)


async def resend_delivery(request: Request, staff: Staff) -> Response:
    """Send a dead message again: back in the queue with the same event id (so the receiver
    can tell it is the same event) and a fresh set of attempts. Audited."""
    assert staff.council is not None
    council = staff.council
    form = await posted(request)
    delivery = await store.webhooks.get_delivery(council, request.path_params["delivery_id"])
    if delivery is None:
        raise ClientError(404, "page_not_found")
    before = {"state": store.webhooks.state_of(delivery), "attempts": delivery.attempts,
              "last_status": delivery.last_status, "last_error": delivery.last_error}
    queued = await store.webhooks.resend(council, delivery.id)
    if queued is None:
        problem = ("This message cannot be sent again: it is not waiting in the list of messages not delivered, "
                   "or its webhook was removed")
        return await webhook_dead_letters(request, staff, problem=problem, status_code=409)
    await audit(request, staff, "webhook-resent", delivery.event_id, before=before,
                after={"endpoint": delivery.endpoint.url, "event_type": delivery.event_type, "delivery": delivery.id})
    back = first(form, "back")
    if back == "endpoint":
        target = path(request, "webhook_deliveries", council=council.slug, endpoint_id=delivery.endpoint_id)
    else:
        target = path(request, "webhook_dead_letters", council=council.slug)
    return redirect_with_notice(request, target, f"Message {delivery.event_id} will be sent again")


# Replacing an endpoint's signing secret ----------------------------------------------------

SECRET_CHANGED = "The signing secret was changed by someone else just now. Check the secrets in use and try again"


async def rotate_webhook_secret(request: Request, staff: Staff) -> Response:
    """GET asks "are you sure?"; POST makes a new secret and shows it once. Messages are then
    signed with the new secret and the one before, until "Stop signing with the old secret"."""
    assert staff.council is not None
    council = staff.council
    confirming = await confirmed(request)
    endpoint = await store.webhooks.get_endpoint(council, request.path_params["endpoint_id"])
    if endpoint is None:
        raise ClientError(404, "page_not_found")
    box = request.app.state.box
    links = {"endpoint": path(request, "webhook_deliveries", council=council.slug, endpoint_id=endpoint.id),
             "action": path(request, "rotate_webhook_secret", council=council.slug, endpoint_id=endpoint.id)}
    if confirming:
        before = len(store.webhooks.endpoint_secrets(endpoint, box))
        secret = secrets.token_urlsafe(32)
        rotated = await store.webhooks.rotate_secret(council, box, endpoint.id, secret)
        if rotated is None:
            return await webhook_deliveries(request, staff, problem=SECRET_CHANGED, status_code=409)
        await audit(request, staff, "webhook-secret-rotated", str(endpoint.id),
                    before={"url": endpoint.url, "secrets": before},
                    after={"url": endpoint.url, "secrets": len(store.webhooks.endpoint_secrets(rotated, box)),
                           "secret": "generated"})
        shown: dict[str, Any] = {
            "page": {"heading": "Your new signing secret"},
            "notice": "New signing secret made",
            "endpoint": endpoint_payload(request, council, rotated),
            # Shown this once, to the person who made it; only sealed from now on.
            "secret": secret,
            "links": links,
        }
        return shown_once(request, "staff/webhooks_rotate.html", shown, staff)
    payload: dict[str, Any] = {
        "page": {"heading": "Are you sure you want to make a new signing secret?"},
        "endpoint": endpoint_payload(request, council, endpoint),
        "signing": {"secrets": len(store.webhooks.endpoint_secrets(endpoint, box))},
        "links": links,
    }
    return page(request, "staff/webhooks_rotate.html", payload, staff)


async def stop_old_webhook_secret(request: Request, staff: Staff) -> Response:
    """Sign with the newest secret only, once the receiver has been given it. Audited."""
    assert staff.council is not None
    council = staff.council
    await web.checked_form(request)
    endpoint = await store.webhooks.get_endpoint(council, request.path_params["endpoint_id"])
    if endpoint is None:
        raise ClientError(404, "page_not_found")
    before = len(store.webhooks.endpoint_secrets(endpoint, request.app.state.box))
    if before < 2:
        return await webhook_deliveries(request, staff, status_code=409,
                                        problem="Messages are already signed with one secret only")
    kept = await store.webhooks.drop_old_secrets(council, request.app.state.box, endpoint.id)
    if kept is None:
        return await webhook_deliveries(request, staff, problem=SECRET_CHANGED, status_code=409)
    await audit(request, staff, "webhook-old-secret-stopped", str(endpoint.id),
                before={"url": endpoint.url, "secrets": before}, after={"url": endpoint.url, "secrets": 1})
    return redirect_with_notice(request, path(request, "webhook_deliveries", council=council.slug,
                                              endpoint_id=endpoint.id),
                                "Messages are now signed with the new secret only")
