"""Steps shared by every kind of journey page: URLs, loading the journey, saving answers,
reading a page's form, and where to go next."""

from __future__ import annotations

from collections.abc import Sequence

from starlette.datastructures import FormData
from starlette.requests import Request

from runtime import store
from runtime.core.answers import DuplicateField, Parsed, get, parse_fields
from runtime.core.service import Answers, Page
from runtime.resident.uploads import receive_uploads
from runtime.web import context as web
from runtime.web.context import ClientError, PageContext


async def require_journey(request: Request) -> tuple[PageContext, store.Journey]:
    """The page's context and the resident's journey; without one, the session has expired."""
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


async def file_names(ctx: PageContext, answers: Answers, pages: Sequence[Page]) -> dict[str, str]:
    """The names of the files answered on `pages`, in one query, and none when they ask for no file."""
    ids = _files_of(answers, list(pages))
    if not ids:
        return {}
    return await ctx.files.names(ctx.council, ids)


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


async def parse_page_form(ctx: PageContext, journey: store.Journey, page: Page, form: FormData) -> Parsed:
    """A page's answers from its checked form, its files stored."""
    fields = web.text_fields(form)
    upload_errors = await receive_uploads(ctx, journey, page, form, fields)
    try:
        parsed = parse_fields(page.fields, fields)
    except DuplicateField:
        raise ClientError(400, "bad_request") from None
    parsed.problems.extend(upload_errors)
    return parsed


def next_url(ctx: PageContext, journey: store.Journey, page: Page) -> str:
    """After a valid page: on to the next page, or back to check answers once any new
    follow-up question a change opened has been answered."""
    if ctx.to_check:
        pending = ctx.plan(journey.answers).first_unvisited(journey.visited)
        return ctx.page_url(pending, to_check=pending is not None)
    return ctx.page_url(ctx.plan(journey.answers).next(page.id))


