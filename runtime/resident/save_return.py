"""Save and come back later: an emailed link restores the journey on any device for 28 days."""

from __future__ import annotations

import hashlib

from starlette.requests import Request
from starlette.responses import Response

from runtime import store
from runtime.core.formats import is_email
from runtime.core.ui_text import ui
from runtime.resident.steps import require_journey
from runtime.web import context as web
from runtime.web.context import Rendered

EMAIL_FIELD = "email"


async def save_for_later(request: Request) -> Response:
    ctx, journey = await require_journey(request)
    error = None
    email = journey.resume_email or ""
    if request.method == "POST":
        form = web.text_fields(await web.checked_form(request))
        email = (form.get(EMAIL_FIELD) or [""])[0].strip()
        if not email:
            error = ui(ctx.language, "save_email_required")
        elif not is_email(email) or len(email) > 254:
            error = ui(ctx.language, "save_email_format")
        else:
            await store.set_resume_email(journey, email)
            token = ctx.signer.resume_token(str(journey.id))
            link = ctx.absolute("resume", token=token)
            title = ctx.service.text("title", ctx.service.document["title"], ctx.language)
            await store.enqueue_email(
                ctx.council, email,
                subject=f"{ui(ctx.language, 'save_title')}: {title}",
                body_text=(f"{title}\n\n{ui(ctx.language, 'save_body')}\n\n{link}\n\n{ctx.council.name}"),
                idempotency_key="resume:" + hashlib.sha256(token.encode()).hexdigest(),
            )
            payload = {**ctx.payload(), "page": {"heading": ui(ctx.language, "saved_title")}, "email": email,
                       "links": {"continue": ctx.page_url(ctx.plan(journey.answers).first_unvisited(journey.visited))}}
            return web.respond(request, ctx, Rendered("pages/saved.html", payload))
    payload = {
        **ctx.payload(),
        "page": {"heading": ui(ctx.language, "save_title")},
        "value": email,
        "errors": [{"field": EMAIL_FIELD, "href": f"#{EMAIL_FIELD}", "message": error, "keyword": "format"}] if error else [],
        "error": error,
        "links": {"back": ctx.start_url, "action": ctx.path},
    }
    return web.respond(request, ctx, Rendered("pages/save.html", payload, status_code=422 if error else 200))


async def resume(request: Request) -> Response:
    ctx = await web.service_context(request)
    journey_id = ctx.signer.resume_journey_id(request.path_params["token"])
    journey = await store.get_journey(ctx.council, journey_id) if journey_id else None
    if journey is None or journey.submitted:
        payload = {**ctx.payload(), "page": {"heading": ui(ctx.language, "resume_invalid_title")},
                   "links": {"start": ctx.start_url}}
        return web.respond(request, ctx, Rendered("pages/resume_invalid.html", payload, status_code=410))
    ctx, _ = await web.journey_context(request)
    target = ctx.plan(journey.answers).first_unvisited(journey.visited)
    response = web.redirect(ctx.page_url(target))
    ctx.signer.set_journey(response, str(journey.id), ctx.start_url)
    return response
