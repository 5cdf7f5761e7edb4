"""The front door: the councils on this installation, and each council's services."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from runtime import store
from runtime.web import context as web


async def home(request: Request) -> Response:
    lang = web.language(request)
    councils = await store.list_councils()
    payload = {
        "language": lang,
        "councils": [{"slug": c.slug, "name": c.name, "href": web.path(request, "council", council=c.slug)}
                     for c in councils],
    }
    return web.page(request, "pages/home.html", payload, lang, languages=("en", "cy"))


async def council(request: Request) -> Response:
    found = await web.council_or_404(request.path_params["council"])
    lang = web.language(request, found.languages or ["en"])
    versions = await store.latest_versions(found)
    services = []
    for version in versions:
        service = web.compiled(version)
        services.append({
            "id": service.id,
            "version": service.version,
            "title": service.text("title", service.document["title"], lang),
            "summary": service.text("summary", service.document["summary"], lang),
            "lgsl": service.document["lgsl"],
            "href": web.path(request, "start", council=found.slug, service=service.id),
        })
    payload = {
        "language": lang,
        "council": web.council_view(found),
        "services": services,
        "links": {"status_lookup": web.path(request, "status_lookup", council=found.slug)},
    }
    return web.page(request, "pages/council.html", payload, lang, languages=found.languages or ["en"])


async def outbox(request: Request) -> Response:
    """The development outbox: the emails Borough would have sent. Never in production."""
    if web.settings(request).production:
        raise web.ClientError(404, "page_not_found")
    messages = await store.list_messages(limit=50)
    payload = {
        "language": "en",
        "messages": [
            {"recipient": m.recipient, "subject": m.subject, "body": m.body_text,
             "created_at": m.created_at.isoformat(), "sent_at": m.sent_at.isoformat() if m.sent_at else None}
            for m in messages
        ],
    }
    return web.page(request, "pages/outbox.html", payload, "en")
