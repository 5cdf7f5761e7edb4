"""Steps shared by every kind of journey page: URLs, loading the journey, saving answers,
reading a page's form, and where to go next."""

from __future__ import annotations

from collections.abc import Sequence

from starlette.requests import Request

from runtime import store
from runtime.core.answers import DuplicateField, Parsed, get, parse_fields
from runtime.core.service import Answers, Page
from runtime.resident.uploads import receive_uploads
from runtime.web import context as web
from runtime.web.context import ClientError, ServiceContext

RETURN_TO_CHECK = "check"


def page_url(request: Request, ctx: ServiceContext, page: Page | None, *, to_check: bool = False) -> str:
    if page is None:
        return web.path(request, "check_answers", council=ctx.council.slug, service=ctx.service.id)
    url = web.path(request, "page", council=ctx.council.slug, service=ctx.service.id, page=page.id)
    return url + ("?return=check" if to_check else "")


def start_url(request: Request, ctx: ServiceContext) -> str:
    return web.path(request, "start", council=ctx.council.slug, service=ctx.service.id)


async def require_journey(request: Request) -> tuple[ServiceContext, store.Journey]:
    ctx, journey = await web.journey_context(request)
    if journey is None:
        raise ClientError(400 if request.method == "POST" else 404, "session_expired")
    return ctx, journey


def _files_of(answers: Answers, service_pages: list[Page]) -> list[str]:
    ids = []
    for page in service_pages:
        for fld in page.fields:
            if fld.widget == "file":
                if page.kind == "add-another" and page.answer:
                    items = get(answers, page.answer)
                    for item in items if isinstance(items, list) else []:
                        value = get(item, fld.pointer)
                        if isinstance(value, str):
                            ids.append(value)
                else:
                    value = get(answers, fld.pointer)
                    if isinstance(value, str):
                        ids.append(value)
    return ids


async def file_names(request: Request, ctx: ServiceContext, answers: Answers, pages: Sequence[Page]) -> dict[str, str]:
    """The names of the files answered on `pages`, in one query, and none when they ask for no file."""
    ids = _files_of(answers, list(pages))
    if not ids:
        return {}
    files: store.FileStore = request.app.state.files
    return await files.names(ctx.council, ids)


async def save(journey: store.Journey, change: store.Change) -> store.Journey:
    """Save a page's change, applied to the latest answers: another tab, a double click or a
    retried request may have saved since this one read them."""
    try:
        return await store.save_answers(journey, change)
    except store.JourneySubmitted:
        raise ClientError(409, "already_submitted") from None
    except store.JourneyExpired:
        raise ClientError(400, "session_expired") from None
    except store.AnswersNotSaved:
        raise ClientError(409, "answers_not_saved") from None


async def parse_page_form(request: Request, ctx: ServiceContext, journey: store.Journey, page: Page) -> Parsed:
    form = await web.checked_form(request)
    fields = web.text_fields(form)
    upload_errors = await receive_uploads(request, ctx, journey, page, form, fields)
    try:
        parsed = parse_fields(page.fields, fields)
    except DuplicateField:
        raise ClientError(400, "bad_request") from None
    parsed.problems.extend(upload_errors)
    return parsed


def next_url(request: Request, ctx: ServiceContext, journey: store.Journey, page: Page) -> str:
    """After a valid page: on to the next page, or back to check answers once any new
    follow-up question a change opened has been answered."""
    if request.query_params.get("return") == RETURN_TO_CHECK:
        pending = ctx.plan(journey.answers).first_unvisited(journey.visited)
        return page_url(request, ctx, pending, to_check=pending is not None)
    return page_url(request, ctx, ctx.plan(journey.answers).next(page.id))


