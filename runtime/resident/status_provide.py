"""Answering the council's request for more information: the pages it asked for, filled in
with the answers sent, checked as the journey checks them. A valid answer is merged into
the application and moves its workflow in one transaction; anything else changes nothing.
"""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from runtime.core.answers import DuplicateField, get, page_values, parse_fields
from runtime.core.service import Answers, Page
from runtime.core.ui_text import ui
from runtime.core.validation import FieldError, check_page
from runtime.resident.status import (
    Application,
    application,
    askable_pages,
    base_payload,
    request_note,
    status_path,
)
from runtime.resident.steps import file_names
from runtime.resident.uploads import receive_uploads
from runtime.store import workflow as workflows
from runtime.store.submissions import RequestClosed, answer_request, journey_of
from runtime.web import context as web
from runtime.web.context import ClientError, Outcome, Rendered
from runtime.web.views import error_list, page_fields


def open_request(app: Application) -> tuple[list[Page], str] | None:
    """The pages asked for and the event answering them takes, while the request is open."""
    pages = askable_pages(app)
    answering = app.workflow.answering_event(app.submission.state)
    if app.submission.request is None or not pages or answering is None:
        return None
    return pages, answering.event


async def provide(request: Request) -> Response:
    app = await application(request)
    asked = open_request(app)
    form = await web.checked_form(request) if request.method == "POST" else None
    if asked is None:
        return web.respond(request, app.ctx, closed(app))
    return web.respond(request, app.ctx, await answer(app, *asked, form))


async def answer(app: Application, pages: list[Page], event: str, form: FormData | None) -> Outcome:
    """The pages asked for; `form`, when posted, answers them and moves the application on by `event`."""
    if form is None:
        saved = {page.id: page_values(page, app.submission.answers) for page in pages}
        files = await file_names(app.ctx, app.submission.answers, pages)
        return await render(app, pages, saved, [], files)
    fields = web.text_fields(form)
    answers: Answers = app.submission.answers
    errors: list[FieldError] = []
    shown: dict[str, dict[str, Any]] = {}
    journey = None
    for page in pages:
        if any(fld.widget == "file" for fld in page.fields):
            journey = journey or await journey_of(app.submission)
            posted = {fld.name: list(fields.get(fld.name, [])) for fld in page.fields if fld.widget == "file"}
            problems = await receive_uploads(app.ctx, journey, page, form, fields)
            await keep_own_files(app, page, posted, fields)
        else:
            problems = []
        try:
            parsed = parse_fields(page.fields, fields)
        except DuplicateField:
            raise ClientError(400, "bad_request") from None
        parsed.problems.extend(problems)
        answers, page_errors = check_page(app.ctx.service, page, answers, parsed, app.language)
        errors.extend(page_errors)
        shown[page.id] = {**page_values(page, app.submission.answers), **parsed.raw}
    if errors:
        files = await file_names(app.ctx, answers, pages)
        return await render(app, pages, shown, errors, files, status_code=422)
    try:
        await answer_request(app.ctx.council, app.submission.id, version=app.submission.version, answers=answers,
                             event=event, pages=[page.id for page in pages], links=app.ctx.links)
    except RequestClosed:
        return closed(app)
    return web.redirect(status_path(app) + "?sent=1")


async def keep_own_files(app: Application, page: Page, posted: dict[str, list[str]],
                         fields: dict[str, list[str]]) -> None:
    """A file question keeps only a file of this application (sent with it, or uploaded while
    answering): a forged id in the hidden field, say another application's file, is ignored."""
    files = app.ctx.files
    for fld in page.fields:
        if fld.widget != "file":
            continue
        value = fields.get(fld.name, [])
        if value != posted.get(fld.name, []) or len(value) != 1:
            continue  # replaced by the file uploaded with this post, or none (or a duplicate: refused later)
        found = await files.get_file(app.ctx.council, value[0])
        if found is None or found.journey_id != app.submission.journey_id:
            current = get(app.submission.answers, fld.pointer)
            fields[fld.name] = [current] if isinstance(current, str) else []


async def render(app: Application, pages: list[Page], shown: dict[str, dict[str, Any]],
                 errors: list[FieldError], files: dict[str, str], *, status_code: int = 200) -> Rendered:
    service, lang = app.ctx.service, app.language
    sections = []
    for page in pages:
        title = service.text(f"pages.{page.id}.title", page.title, lang) if page.title else None
        mine = [error for error in errors if page.field(error.field.name) is not None]
        fields = page_fields(service, page, shown[page.id], mine, lang, files)
        for view in fields:
            view["heading"] = False  # one page heading above every question asked
        sections.append({"id": page.id, "title": title, "fields": fields})
    events = await workflows.history(app.submission)
    payload = {
        **base_payload(app),
        "page": {"heading": ui(lang, "provide_title"),
                 "multipart": any(fld.widget == "file" for page in pages for fld in page.fields)},
        "note": request_note(app, events),
        "generic": ui(lang, "status_action_generic"),
        "sections": sections,
        "errors": error_list(errors),
        "links": {"back": status_path(app), "action": app.ctx.path},
    }
    return Rendered("pages/status_provide.html", payload, status_code=status_code)


def closed(app: Application) -> Rendered:
    lang = app.language
    payload = {
        **base_payload(app),
        "page": {"heading": ui(lang, "provide_closed_title")},
        "message": ui(lang, "provide_closed_body"),
        "links": {"status": status_path(app)},
    }
    return Rendered("pages/status_provide_closed.html", payload, status_code=409)
