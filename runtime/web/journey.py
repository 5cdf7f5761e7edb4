"""The resident's journey: start, question and content pages, check answers, submission,
confirmation. Handlers parse, call the core and the store, and render."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from runtime import store
from runtime.core import flow
from runtime.core.answers import page_values
from runtime.core.fees import price
from runtime.core.service import Answers, Page
from runtime.core.ui_text import ui
from runtime.core.validation import FieldError, check_page, field_errors, schema_failures
from runtime.web import context as web
from runtime.web.add_another import item_rows, summary
from runtime.web.context import ClientError, ServiceContext
from runtime.web.steps import (
    RETURN_TO_CHECK,
    file_names,
    next_url,
    page_url,
    parse_page_form,
    require_journey,
    save,
    start_url,
)
from runtime.web.views import answer_rows, error_list, page_fields, quote_view


async def start(request: Request) -> Response:
    ctx = await web.service_context(request)
    document = ctx.service.document
    payload = {
        **ctx.payload(),
        "summary": ctx.service.text("summary", document["summary"], ctx.language),
        "start": {
            key: ctx.service.text(f"start.{key}", document["start"][key], ctx.language)
            for key in ("content", "before") if key in document.get("start", {})
        },
        "links": {"begin": web.path(request, "begin", council=ctx.council.slug, service=ctx.service.id),
                  "council": web.path(request, "council", council=ctx.council.slug)},
    }
    return web.page(request, "pages/start.html", payload, ctx.language, languages=ctx.service.languages)


async def begin(request: Request) -> Response:
    """Start now: a new journey, remembered in a cookie scoped to this service."""
    await web.checked_form(request)
    ctx, journey = await web.journey_context(request)
    if journey is None or journey.submitted:
        journey = await store.start_journey(ctx.council, ctx.version, ctx.language)
    first = flow.next_page(ctx.service, journey.answers, None)
    response = web.redirect(page_url(request, ctx, first))
    web.signer(request).set_journey(response, str(journey.id), start_url(request, ctx))
    return response


def page_payload(request: Request, ctx: ServiceContext, page: Page, journey: store.Journey, shown: dict[str, Any],
                 errors: list[FieldError], files: dict[str, str]) -> dict[str, Any]:
    service, lang = ctx.service, ctx.language
    previous = flow.previous_page(service, journey.answers, page.id)
    to_check = request.query_params.get("return") == RETURN_TO_CHECK
    title = service.text(f"pages.{page.id}.title", page.title, lang) if page.title else None
    validate = web.path(request, "validate", council=ctx.council.slug, service=service.id, page=page.id)
    fields = page_fields(service, page, shown, errors, lang, files, validate=validate)
    heading = title or (fields[0]["label"] if fields else "")
    return {
        **ctx.payload(),
        "page": {
            "id": page.id,
            "kind": page.kind,
            "title": title,
            "heading": heading,
            "content": service.text(f"pages.{page.id}.content", page.spec["content"], lang) if "content" in page.spec else None,
            "stop": page.stop,
            "multipart": any(f.widget == "file" for f in page.fields),
        },
        "fields": fields,
        "errors": error_list(errors),
        "links": {
            "back": (web.path(request, "check_answers", council=ctx.council.slug, service=service.id) if to_check
                     else page_url(request, ctx, previous) if previous else start_url(request, ctx)),
            "action": request.url.path + ("?return=check" if to_check else ""),
            "next": None if page.stop else page_url(request, ctx, flow.next_page(service, journey.answers, page.id), to_check=False),
            "save": web.path(request, "save", council=ctx.council.slug, service=service.id),
        },
    }


async def question(request: Request) -> Response:
    ctx, journey = await require_journey(request)
    if journey.submitted:
        return web.redirect(web.path(request, "confirmation", council=ctx.council.slug, service=ctx.service.id))
    page = ctx.service.page(request.path_params["page"])
    if page is None:
        raise ClientError(404, "page_not_found")
    if page.kind == "add-another":
        return await summary(request, ctx, journey, page)
    if not flow.reachable(ctx.service, journey.answers, journey.visited, page.id):
        target = flow.first_unvisited(ctx.service, journey.answers, journey.visited)
        return web.redirect(page_url(request, ctx, target))
    if request.method == "POST":
        return await _answer(request, ctx, journey, page)
    if page.kind == "content" and page.id not in journey.visited:
        journey = await save(journey, journey.answers, [*journey.visited, page.id])
    shown = page_values(page, journey.answers)
    files = await file_names(request, ctx, journey.answers)
    payload = page_payload(request, ctx, page, journey, shown, [], files)
    template = "pages/content.html" if page.kind == "content" else "pages/question.html"
    return web.page(request, template, payload, ctx.language, languages=ctx.service.languages)


async def _answer(request: Request, ctx: ServiceContext, journey: store.Journey, page: Page) -> Response:
    if page.kind == "content":
        await web.checked_form(request)
        target = flow.next_page(ctx.service, journey.answers, page.id)
        return web.redirect(page_url(request, ctx, target))
    parsed = await parse_page_form(request, ctx, journey, page)
    answers, errors = check_page(ctx.service, page, journey.answers, parsed, ctx.language)
    if errors:
        shown = {**page_values(page, journey.answers), **parsed.raw}
        files = await file_names(request, ctx, answers)
        payload = page_payload(request, ctx, page, journey, shown, errors, files)
        return web.page(request, "pages/question.html", payload, ctx.language, status_code=422,
                        languages=ctx.service.languages)
    visited = list(dict.fromkeys([*journey.visited, page.id]))
    journey = await save(journey, answers, visited)
    return web.redirect(next_url(request, ctx, journey, page))


def whole_application_errors(ctx: ServiceContext, answers: Answers) -> tuple[Page, list[FieldError]] | None:
    """The first page whose answers break the definition's rules, seen as a whole."""
    failures = schema_failures(ctx.service.validator, answers)
    if not failures:
        return None
    for page in flow.applicable_pages(ctx.service, answers):
        base = page.answer + "/" if page.kind == "add-another" and page.answer else ""
        if base:
            mine = [f for f in failures if f.pointer == page.answer or f.pointer.startswith(page.answer + "/")]
            if mine:
                return page, []
            continue
        errors = field_errors(ctx.service, page.fields, failures, ctx.language)
        if errors:
            return page, errors
    return None


async def check_answers(request: Request) -> Response:
    ctx, journey = await require_journey(request)
    confirmation = web.path(request, "confirmation", council=ctx.council.slug, service=ctx.service.id)
    if journey.submitted:
        return web.redirect(confirmation)
    service = ctx.service
    pending = flow.first_unvisited(service, journey.answers, journey.visited)
    if pending is not None or flow.stop_page(service, journey.answers):
        return web.redirect(page_url(request, ctx, pending or flow.stop_page(service, journey.answers)))
    answers = flow.prune(service, journey.answers)
    broken = whole_application_errors(ctx, answers)
    if broken is not None:
        return web.redirect(page_url(request, ctx, broken[0], to_check=True))
    quote = price(service, answers, ctx.language)
    if request.method == "POST":
        await web.checked_form(request)
        initial = service.workflow["initial"]
        await store.submit(journey, answers, initial)
        return web.redirect(confirmation)
    files = await file_names(request, ctx, answers)
    sections = []
    for page in flow.applicable_pages(service, answers):
        if page.kind == "content":
            continue
        title = service.text(f"pages.{page.id}.title", page.title, ctx.language) if page.title else None
        if page.kind == "add-another" and page.answer:
            sections.append({"title": title, "rows": item_rows(request, ctx, page, answers, files)})
            continue
        sections.append({
            "title": title if len(page.fields) > 1 else None,
            "rows": answer_rows(service, page, answers, ctx.language, files, page_url(request, ctx, page, to_check=True)),
        })
    declaration = service.document.get("declaration")
    payload = {
        **ctx.payload(),
        "sections": _merge_untitled(sections),
        "fees": quote_view(quote) if quote.charges else None,
        "payment_note": ui(ctx.language, "payment_not_set_up") if quote.total else None,
        "declaration": {
            "title": service.text("declaration.title", declaration.get("title", ui(ctx.language, "declaration")), ctx.language),
            "content": service.text("declaration.content", declaration["content"], ctx.language),
            "confirm": service.text("declaration.confirm", declaration.get("confirm", ui(ctx.language, "accept_and_send")), ctx.language),
        } if declaration else None,
        "links": {
            "back": page_url(request, ctx, flow.applicable_pages(service, answers)[-1]),
            "action": request.url.path,
            "save": web.path(request, "save", council=ctx.council.slug, service=service.id),
        },
    }
    return web.page(request, "pages/check_answers.html", payload, ctx.language, languages=service.languages)


def _merge_untitled(sections: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Single questions share one summary list; titled pages get their own heading."""
    merged: list[dict[str, Any]] = []
    for section in sections:
        if section["title"] is None and merged and merged[-1]["title"] is None:
            merged[-1]["rows"].extend(section["rows"])
        else:
            merged.append({"title": section["title"], "rows": list(section["rows"])})
    return merged


async def confirmation(request: Request) -> Response:
    ctx, journey = await require_journey(request)
    submission = await store.get_for_journey(journey)
    if submission is None:
        return web.redirect(web.path(request, "check_answers", council=ctx.council.slug, service=ctx.service.id))
    document = ctx.service.document
    payload = {
        **ctx.payload(),
        "reference": submission.reference,
        "submitted_at": submission.submitted_at.isoformat(),
        "confirmation": {
            "title": ctx.service.text("confirmation.title", document["confirmation"].get("title", ui(ctx.language, "application_complete")), ctx.language),
            "next": ctx.service.text("confirmation.next", document["confirmation"]["next"], ctx.language),
        },
        "links": {"council": web.path(request, "council", council=ctx.council.slug)},
    }
    return web.page(request, "pages/confirmation.html", payload, ctx.language, languages=ctx.service.languages)
