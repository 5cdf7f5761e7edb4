"""Preview: a draft walked through as a resident would, inside the staff app.

The pages are the resident app's own: the same templates (`pages/*.html`, extended only to
add a preview banner and "Preview:" in the title), the same compiled service
(`runtime.core.service.compile_service`), the same form reading and validation
(`runtime.core.answers.parse_fields`, `runtime.core.validation.check_page`), the same route
through the pages (`runtime.core.flow.plan`), the same fees (`runtime.core.fees.price`) and the
same payloads (`runtime.web.views`). So error messages, conditions, check answers, fees and the
confirmation are what residents will get once the draft is published.

A preview never becomes an application: the answers live only in a signed cookie of the
designer's browser, scoped to this service's preview and bound to the designer and the draft
(nothing is written to the database), uploads are checked but not kept, the payment step says
what would be charged and takes nothing, and the confirmation shows no real reference.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import Response

from builder.draft_requests import council_of, draft_or_404
from runtime import store
from runtime.core.answers import (
    MISSING,
    DuplicateField,
    form_values,
    get,
    merged,
    page_values,
    parse_fields,
    put,
)
from runtime.core.fees import format_pence, price
from runtime.core.flow import Plan, plan
from runtime.core.metaschema import check_document
from runtime.core.problems import Failure
from runtime.core.service import Page, Service, compile_service
from runtime.core.ui_text import ui
from runtime.core.validation import check_item, check_page, field_errors, schema_failures
from runtime.resident.add_another import CHOICE, items_of, summary_field
from runtime.resident.uploads import DEFAULT_ACCEPT, TYPE_NAMES, sniff
from runtime.staff.context import Staff, page, path
from runtime.web import context as web
from runtime.web.context import ClientError, council_view
from runtime.web.views import answer_rows, display_value, error_list, page_fields, quote_view

PREVIEW_COOKIE = "borough_preview"
MAX_AGE = 24 * 3600
MAX_COOKIE = 3800  # a browser keeps about 4 KB a cookie: past this the answers are refused
PREVIEW_REFERENCE = "PREVIEW"


@dataclass
class PreviewState:
    """What a preview remembers between pages: the answers, the pages visited, the language,
    the names of files chosen (never their contents) and whether it was "sent"."""

    answers: dict[str, Any] = field(default_factory=dict)
    visited: list[str] = field(default_factory=list)
    language: str = "en"
    files: dict[str, str] = field(default_factory=dict)
    sent: bool = False


@dataclass
class Preview:
    """One preview request: the designer, the draft compiled as residents will get it, the state."""

    request: Request
    staff: Staff
    draft: store.ServiceDraft
    service: Service
    state: PreviewState
    changed: bool = False  # the state must be written back

    @property
    def language(self) -> str:
        return self.state.language if self.state.language in self.service.languages else "en"

    def url(self, name: str, **params: Any) -> str:
        return path(self.request, name, council=council_of(self.staff).slug, service_id=self.draft.service_id,
                    **params)

    def page_url(self, target: Page | None, *, to_check: bool = False) -> str:
        if target is None:
            return self.url("preview_check_answers")
        return self.url("preview_page", page_id=target.id) + ("?return=check" if to_check else "")

    def plan(self) -> Plan:
        return plan(self.service, self.state.answers)

    def payload(self) -> dict[str, Any]:
        """What every resident page carries (as `PageContext.payload`), and the preview's banner."""
        service = self.service
        return {
            "council": council_view(council_of(self.staff)),
            "service": {"id": service.id, "version": service.version,
                        "title": service.text("title", service.document["title"], self.language)},
            "language": self.language,
            "languages": service.languages,
            "preview": {
                "title": str(service.document["title"]),
                "draft_version": self.draft.version,
                "links": {"draft": path(self.request, "service_draft", council=council_of(self.staff).slug,
                                        service_id=self.draft.service_id),
                          "restart": self.url("preview_start")},
            },
        }


def _serializer(request: Request) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(web.settings(request).secret_key, salt="borough.builder.preview")


def _read_state(request: Request, staff: Staff, draft: store.ServiceDraft) -> PreviewState:
    """The preview's state from its cookie: empty when there is none, it is not this
    designer's or this draft's, or its signature does not hold."""
    value = request.cookies.get(PREVIEW_COOKIE)
    if not value:
        return PreviewState()
    try:
        data = _serializer(request).loads(value, max_age=MAX_AGE)
    except (BadSignature, SignatureExpired):
        return PreviewState()
    if not isinstance(data, dict) or data.get("u") != staff.user.id or data.get("d") != draft.id:
        return PreviewState()
    answers, visited, files = data.get("a"), data.get("v"), data.get("f")
    return PreviewState(
        answers if isinstance(answers, dict) else {},
        [str(item) for item in visited] if isinstance(visited, list) else [],
        str(data.get("l", "en")),
        {str(k): str(v) for k, v in files.items()} if isinstance(files, dict) else {},
        data.get("s") is True,
    )


def _cookie_value(preview: Preview) -> str:
    state = preview.state
    value = _serializer(preview.request).dumps({"u": preview.staff.user.id, "d": preview.draft.id, "a": state.answers,
                                                "v": state.visited, "l": state.language, "f": state.files,
                                                "s": state.sent})
    if len(value) > MAX_COOKIE:
        raise ClientError(413, "too_large")
    return str(value)


def _finish(preview: Preview, response: Response) -> Response:
    """Write the preview's state back to its cookie (scoped to this service's preview)."""
    if preview.changed:
        response.set_cookie(PREVIEW_COOKIE, _cookie_value(preview), max_age=MAX_AGE, path=preview.url("preview_start"),
                            httponly=True, samesite="lax", secure=web.settings(preview.request).secure_cookies)
    return response


def _render(preview: Preview, template: str, payload: dict[str, Any], status_code: int = 200) -> Response:
    """A resident template (or its JSON twin) in the preview's language, with the CSRF token."""
    request = preview.request
    browser = {"csrf_token": web.csrf_token(request), "ui_language": preview.language,
               "switch_language": web.language_switch(preview.language, preview.service.languages)}
    response = web.renderer(request).page(request, template, payload, status_code=status_code, browser=browser)
    seed = getattr(request.state, "new_csrf_seed", None)  # a browser's first page: its CSRF cookie
    if seed:
        web.signer(request).set_csrf(response, seed)
    return _finish(preview, response)


def _redirect(preview: Preview, url: str) -> Response:
    return _finish(preview, web.redirect(url))


async def _open(request: Request, staff: Staff) -> Preview | Response:
    """The preview of the draft in the URL, or the page saying why it cannot be previewed."""
    draft = await draft_or_404(staff, request.path_params["service_id"])
    definition: dict[str, Any] = draft.definition
    problems = [f"{problem.pointer or '/'}: {problem.message}" for problem in check_document(definition)]
    service: Service | None = None
    if not problems:
        try:
            service = compile_service(definition)
        except Exception as failure:  # a draft the lint has not passed yet may not compile
            problems = [f"The draft cannot be compiled yet ({type(failure).__name__})"]
    if service is None or not service.pages:
        payload = {
            "page": {"heading": "This draft cannot be previewed yet"},
            "problems": problems or ["The draft has no pages"],
            "links": {"draft": path(request, "service_draft", council=council_of(staff).slug,
                                    service_id=draft.service_id)},
        }
        return page(request, "builder/preview_unavailable.html", payload, staff, status_code=409)
    preview = Preview(request, staff, draft, service, _read_state(request, staff, draft))
    asked = request.query_params.get("lang")
    if asked and asked in service.languages and asked != preview.state.language:
        preview.state.language, preview.changed = asked, True
    return preview


async def preview_start(request: Request, staff: Staff) -> Response:
    """The service's start page; Start now begins a new preview."""
    opened = await _open(request, staff)
    if isinstance(opened, Response):
        return opened
    preview, service, lang = opened, opened.service, opened.language
    document = service.document
    payload = {
        **preview.payload(),
        "summary": service.text("summary", document["summary"], lang),
        "start": {key: service.text(f"start.{key}", document["start"][key], lang)
                  for key in ("content", "before") if key in document.get("start", {})},
        "links": {"begin": preview.url("preview_begin"), "council": preview.payload()["preview"]["links"]["draft"]},
    }
    return _render(preview, "builder/preview/start.html", payload)


async def preview_begin(request: Request, staff: Staff) -> Response:
    """Start now: forget the answers of any earlier preview and go to the first page."""
    await web.checked_form(request)
    opened = await _open(request, staff)
    if isinstance(opened, Response):
        return opened
    preview = opened
    preview.state = PreviewState(language=preview.state.language)
    preview.changed = True
    return _redirect(preview, preview.page_url(preview.plan().next(None)))


async def preview_page(request: Request, staff: Staff) -> Response:
    opened = await _open(request, staff)
    if isinstance(opened, Response):
        return opened
    preview = opened
    if preview.state.sent:
        return _redirect(preview, preview.url("preview_confirmation"))
    shown_page = preview.service.page(request.path_params["page_id"])
    if shown_page is None:
        raise ClientError(404, "page_not_found")
    route = preview.plan()
    if not route.reachable(preview.state.visited, shown_page.id):
        return _redirect(preview, preview.page_url(route.first_unvisited(preview.state.visited)))
    to_check = request.query_params.get("return") == "check"
    if shown_page.kind == "add-another":
        form = await web.checked_form(request) if request.method == "POST" else None
        return _list_summary(preview, shown_page, form, to_check)
    if request.method == "POST":
        form = await web.checked_form(request)
        return await _answer(preview, shown_page, form, to_check)
    if shown_page.kind == "content" and shown_page.id not in preview.state.visited:
        preview.state.visited.append(shown_page.id)
        preview.changed = True
    shown = page_values(shown_page, preview.state.answers)
    template = "builder/preview/content.html" if shown_page.kind == "content" else "builder/preview/question.html"
    return _render(preview, template, _page_payload(preview, shown_page, shown, [], to_check))


def _page_payload(preview: Preview, shown_page: Page, shown: dict[str, Any], errors: list[Any],
                  to_check: bool) -> dict[str, Any]:
    """As the resident app's `page_payload`, with the preview's links (no inline validation)."""
    service, lang = preview.service, preview.language
    route = preview.plan()
    title = service.text(f"pages.{shown_page.id}.title", shown_page.title, lang) if shown_page.title else None
    fields = page_fields(service, shown_page, shown, errors, lang, preview.state.files)
    previous = route.previous(shown_page.id)
    action = preview.page_url(shown_page, to_check=to_check)
    return {
        **preview.payload(),
        "page": {
            "id": shown_page.id,
            "kind": shown_page.kind,
            "title": title,
            "heading": title or (fields[0]["label"] if fields else ""),
            "content": service.text(f"pages.{shown_page.id}.content", shown_page.spec["content"], lang)
            if "content" in shown_page.spec else None,
            "stop": shown_page.stop,
            "multipart": any(f.widget == "file" for f in shown_page.fields),
        },
        "fields": fields,
        "errors": error_list(errors),
        "links": {
            "back": (preview.url("preview_check_answers") if to_check
                     else preview.page_url(previous) if previous else preview.url("preview_start")),
            "action": action,
            "next": None if shown_page.stop else preview.page_url(route.next(shown_page.id)),
            "save": preview.url("preview_save"),
        },
    }


async def _answer(preview: Preview, shown_page: Page, form: FormData, to_check: bool) -> Response:
    state = preview.state
    if shown_page.kind != "content":
        fields = web.text_fields(form)
        upload_problems = _uploads(preview, shown_page, form, fields)
        try:
            parsed = parse_fields(shown_page.fields, fields)
        except DuplicateField:
            raise ClientError(400, "bad_request") from None
        parsed.problems.extend(upload_problems)
        _, errors = check_page(preview.service, shown_page, state.answers, parsed, preview.language)
        if errors:
            shown = {**page_values(shown_page, state.answers), **parsed.raw}
            return _render(preview, "builder/preview/question.html",
                           _page_payload(preview, shown_page, shown, errors, to_check), status_code=422)
        state.answers = merged(state.answers, parsed.values)
    if shown_page.id not in state.visited:
        state.visited.append(shown_page.id)
    preview.changed = True
    route = preview.plan()
    if to_check:
        pending = route.first_unvisited(state.visited)
        return _redirect(preview, preview.page_url(pending, to_check=pending is not None))
    return _redirect(preview, preview.page_url(route.next(shown_page.id)))


def _uploads(preview: Preview, shown_page: Page, form: FormData, fields: dict[str, list[str]]) -> list[Failure]:
    """Check each file chosen as the resident app does (size, and type by its content) and
    remember only its name under a new id: a preview keeps no files."""
    failures: list[Failure] = []
    for fld in shown_page.fields:
        upload = form.get(fld.name)
        if fld.widget != "file" or not isinstance(upload, UploadFile) or not upload.filename:
            continue
        limit = int(fld.spec.get("maxBytes", web.settings(preview.request).max_upload_bytes))
        data = upload.file.read(limit + 1)
        accept = tuple(fld.spec.get("accept", DEFAULT_ACCEPT))
        kind = sniff(data[:16])
        if not data:
            failures.append(Failure(fld.pointer, "fileEmpty"))
        elif len(data) > limit:
            failures.append(Failure(fld.pointer, "fileSize", limit))
        elif kind is None or kind not in accept:
            names = [TYPE_NAMES.get(a, a) for a in accept]
            failures.append(Failure(fld.pointer, "fileType",
                                    ", ".join(names[:-1]) + (" or " if len(names) > 1 else "") + names[-1]))
        else:
            file_id = str(uuid.uuid4())
            # Only the names of the last few files: the cookie stays small.
            kept = list(preview.state.files.items())[-4:]
            preview.state.files = {**dict(kept), file_id: upload.filename[:100]}
            fields[fld.name] = [file_id]
    return failures


def _item_name(preview: Preview, list_page: Page) -> str:
    return preview.service.text(f"pages.{list_page.id}.itemTitle", list_page.spec["itemTitle"], preview.language)


def _item_url(preview: Preview, list_page: Page, number: int, *, to_check: bool = False) -> str:
    return preview.url("preview_item", page_id=list_page.id, item=number) + ("?return=check" if to_check else "")


def _item_summary(preview: Preview, list_page: Page, item: dict[str, Any]) -> str:
    fld = summary_field(list_page)
    shown = display_value(preview.service, fld, get(item, fld.pointer), preview.language, preview.state.files)
    return str(shown["text"]) if "text" in shown else ", ".join(shown["lines"])


def _list_summary(preview: Preview, list_page: Page, form: FormData | None, to_check: bool) -> Response:
    """An add-another page as the resident app shows it: the items so far, then "Do you need to
    add another?" (the first item's questions straight away when there is none)."""
    lang, service = preview.language, preview.service
    items = items_of(preview.state.answers, list_page)
    name = _item_name(preview, list_page)
    can_add = list_page.max_items is None or len(items) < list_page.max_items
    message = None
    if form is None and not items:
        return _redirect(preview, _item_url(preview, list_page, 1))
    if form is not None:
        choice = (web.text_fields(form).get(CHOICE) or [""])[0]
        if can_add and choice == "yes":
            return _redirect(preview, _item_url(preview, list_page, len(items) + 1))
        if can_add and choice != "no":
            message = ui(lang, "select_add_another", item=name)
        elif len(items) < list_page.min_items:
            message = ui(lang, "add_at_least", count=list_page.min_items, item=name)
        if message is None:
            if list_page.id not in preview.state.visited:
                preview.state.visited.append(list_page.id)
            preview.changed = True
            route = preview.plan()
            if to_check:
                pending = route.first_unvisited(preview.state.visited)
                return _redirect(preview, preview.page_url(pending, to_check=pending is not None))
            return _redirect(preview, preview.page_url(route.next(list_page.id)))
    summaries = [_item_summary(preview, list_page, item) for item in items]
    rows = []
    for number, text in enumerate(summaries, start=1):
        numbered = ui(lang, "item_number", item=name.capitalize(), number=number)
        rows.append({"number": number, "summary": text,
                     "name": f"{text} ({numbered})" if summaries.count(text) > 1 else text,
                     "change": _item_url(preview, list_page, number),
                     "remove": preview.url("preview_remove_item", page_id=list_page.id, item=number)})
    title = service.text(f"pages.{list_page.id}.title", list_page.title or name, lang)
    question = (service.text(f"pages.{list_page.id}.addAnother", list_page.spec["addAnother"], lang)
                if "addAnother" in list_page.spec else ui(lang, "add_another_question", item=name))
    previous = preview.plan().previous(list_page.id)
    payload = {
        **preview.payload(),
        "page": {"id": list_page.id, "kind": list_page.kind, "title": title, "heading": title,
                 "content": service.text(f"pages.{list_page.id}.content", list_page.spec["content"], lang)
                 if "content" in list_page.spec else None},
        "items": rows,
        "count": len(items),
        "can_add": can_add,
        "question": question if can_add else None,
        "errors": [{"field": CHOICE, "href": f"#{CHOICE}", "message": message, "keyword": "required"}] if message else [],
        "error": message,
        "links": {"back": preview.page_url(previous) if previous else preview.url("preview_start"),
                  "action": preview.page_url(list_page, to_check=to_check), "save": preview.url("preview_save")},
    }
    return _render(preview, "builder/preview/add_another.html", payload, status_code=422 if message else 200)


async def _list_item(request: Request, staff: Staff) -> tuple[Preview, Page, int, list[dict[str, Any]]] | Response:
    """The preview, the add-another page, the item number and the items an item's URL names."""
    opened = await _open(request, staff)
    if isinstance(opened, Response):
        return opened
    list_page = opened.service.page(request.path_params["page_id"])
    if list_page is None:
        raise ClientError(404, "page_not_found")
    if opened.state.sent:
        return _redirect(opened, opened.url("preview_confirmation"))
    raw = request.path_params["item"]
    number = int(raw) if raw.isdigit() and len(raw) < 4 else 0
    items = items_of(opened.state.answers, list_page) if list_page.kind == "add-another" else []
    limit = len(items) + 1 if list_page.max_items is None else min(len(items) + 1, list_page.max_items)
    if (list_page.kind != "add-another" or not 1 <= number <= limit
            or not opened.plan().reachable([*opened.state.visited, list_page.id], list_page.id)):
        # Not an item there is (a page with no list, a number past the end, a page not reached
        # yet): the page itself, which sends the designer on to where the preview has got to.
        return _redirect(opened, opened.page_url(list_page))
    return opened, list_page, number, items


async def preview_item(request: Request, staff: Staff) -> Response:
    """One item's questions of an add-another page, checked as the resident app checks them."""
    found = await _list_item(request, staff)
    if isinstance(found, Response):
        return found
    preview, list_page, number, items = found
    assert list_page.answer is not None
    to_check = request.query_params.get("return") == "check"
    adding = number > len(items)
    current = {} if adding else items[number - 1]
    shown = form_values(list_page.fields, current)
    errors: list[Any] = []
    if request.method == "POST":
        form = await web.checked_form(request)
        fields = web.text_fields(form)
        problems = _uploads(preview, list_page, form, fields)
        try:
            parsed = parse_fields(list_page.fields, fields)
        except DuplicateField:
            raise ClientError(400, "bad_request") from None
        parsed.problems.extend(problems)
        updated, errors = check_item(preview.service, list_page, current, parsed, preview.language)
        if not errors:
            saved = list(items)
            if adding:
                saved.append(updated)
            else:
                saved[number - 1] = updated
            answers = dict(preview.state.answers)
            put(answers, list_page.answer, saved)
            preview.state.answers, preview.changed = answers, True
            return _redirect(preview, preview.page_url(list_page, to_check=to_check))
        shown = {**shown, **parsed.raw}
    name = _item_name(preview, list_page)
    heading = preview.service.text(f"pages.{list_page.id}.title", list_page.title or name, preview.language)
    previous = preview.plan().previous(list_page.id)
    payload = {
        **preview.payload(),
        "page": {"id": list_page.id, "kind": "add-another-item", "title": heading, "heading": heading,
                 "item": number, "new_item": adding, "content": None, "stop": False,
                 "multipart": any(f.widget == "file" for f in list_page.fields)},
        "fields": page_fields(preview.service, list_page, shown, errors, preview.language, preview.state.files),
        "errors": error_list(errors),
        "links": {"back": preview.page_url(list_page) if items else
                  (preview.page_url(previous) if previous else preview.url("preview_start")),
                  "action": _item_url(preview, list_page, number, to_check=to_check),
                  "save": preview.url("preview_save"), "validate": None},
    }
    return _render(preview, "builder/preview/question.html", payload, status_code=422 if errors else 200)


async def preview_remove_item(request: Request, staff: Staff) -> Response:
    """"Remove item n?", as the resident app asks it."""
    found = await _list_item(request, staff)
    if isinstance(found, Response):
        return found
    preview, list_page, number, items = found
    assert list_page.answer is not None
    summary_url = preview.page_url(list_page)
    if number > len(items):  # an item not added yet: nothing to remove
        return _redirect(preview, summary_url)
    name = _item_name(preview, list_page)
    message = None
    if request.method == "POST":
        form = await web.checked_form(request)
        choice = (web.text_fields(form).get("remove") or [""])[0]
        if choice in ("yes", "no"):
            if choice == "yes":
                kept = [item for index, item in enumerate(items, start=1) if index != number]
                answers = dict(preview.state.answers)
                put(answers, list_page.answer, kept if kept else MISSING)
                preview.state.answers, preview.changed = answers, True
                if not kept:
                    preview.state.visited = [v for v in preview.state.visited if v != list_page.id]
            return _redirect(preview, summary_url)
        message = ui(preview.language, "err_required_choice", label=ui(preview.language, "remove").lower())
    question = ui(preview.language, "remove") + f" {name} {number}?"
    payload = {
        **preview.payload(),
        "page": {"id": list_page.id, "kind": "remove-item", "title": question, "heading": question, "item": number},
        "item": {"number": number, "summary": _item_summary(preview, list_page, items[number - 1])},
        "errors": [{"field": "remove", "href": "#remove", "message": message, "keyword": "required"}] if message else [],
        "error": message,
        "links": {"back": summary_url, "action": request.url.path},
    }
    return _render(preview, "builder/preview/remove_item.html", payload, status_code=422 if message else 200)


def _sections(preview: Preview, route: Plan) -> list[dict[str, Any]]:
    """The answers as check your answers shows them (the resident app's own rows)."""
    service, lang = preview.service, preview.language
    sections: list[dict[str, Any]] = []
    for shown_page in route.pages:
        if shown_page.kind == "add-another" and shown_page.answer:
            sections.append({"title": service.text(f"pages.{shown_page.id}.title", shown_page.title, lang)
                             if shown_page.title else None, "rows": _item_rows(preview, shown_page, route)})
            continue
        if shown_page.kind != "question":
            continue
        title = service.text(f"pages.{shown_page.id}.title", shown_page.title, lang) if shown_page.title else None
        rows = answer_rows(service, shown_page, route.answers, lang, preview.state.files,
                           preview.page_url(shown_page, to_check=True))
        titled = title if len(shown_page.fields) > 1 else None
        if titled is None and sections and sections[-1]["title"] is None:
            sections[-1]["rows"].extend(rows)
        else:
            sections.append({"title": titled, "rows": list(rows)})
    return sections


def _item_rows(preview: Preview, list_page: Page, route: Plan) -> list[dict[str, Any]]:
    """One check-your-answers row per item, as the resident app shows them."""
    rows = []
    name = _item_name(preview, list_page)
    for number, item in enumerate(items_of(route.answers, list_page), start=1):
        details = answer_rows(preview.service, list_page, item, preview.language, preview.state.files, "")
        rows.append({
            "key": ui(preview.language, "item_number", item=name.capitalize(), number=number),
            "value": {"lines": [f"{row['key']}: {row['value'].get('text') or ', '.join(row['value'].get('lines', []))}"
                                for row in details]},
            "change": _item_url(preview, list_page, number, to_check=True),
        })
    return rows


def _first_broken(preview: Preview, route: Plan) -> Page | None:
    """The first page whose answers break the definition's rules seen as a whole."""
    failures = schema_failures(preview.service.validator, route.answers)
    if not failures:
        return None
    for shown_page in route.pages:
        if shown_page.kind == "add-another" and shown_page.answer:
            if any(f.pointer == shown_page.answer or f.pointer.startswith(shown_page.answer + "/") for f in failures):
                return shown_page
            continue
        if field_errors(preview.service, shown_page.fields, failures, preview.language):
            return shown_page
    return None


async def preview_check_answers(request: Request, staff: Staff) -> Response:
    opened = await _open(request, staff)
    if isinstance(opened, Response):
        return opened
    preview = opened
    if preview.state.sent:
        return _redirect(preview, preview.url("preview_confirmation"))
    service, lang = preview.service, preview.language
    route = preview.plan()
    unvisited = route.first_unvisited(preview.state.visited) or route.stop()
    if unvisited is not None:
        return _redirect(preview, preview.page_url(unvisited))
    quote = price(service, route.answers, lang)
    if request.method == "POST":
        await web.checked_form(request)
        broken = _first_broken(preview, route)
        if broken is not None:
            return _redirect(preview, preview.page_url(broken, to_check=True))
        if quote.total:
            return _redirect(preview, preview.url("preview_payment"))
        preview.state.sent, preview.changed = True, True
        return _redirect(preview, preview.url("preview_confirmation"))
    declaration = service.document.get("declaration")
    payload = {
        **preview.payload(),
        "sections": _sections(preview, route),
        "fees": quote_view(quote) if quote.charges else None,
        "payment_note": None,
        "pay": bool(quote.total),
        "declaration": {
            "title": service.text("declaration.title", declaration.get("title", ui(lang, "declaration")), lang),
            "content": service.text("declaration.content", declaration["content"], lang),
            "confirm": service.text("declaration.confirm", declaration.get("confirm", ui(lang, "accept_and_send")),
                                    lang),
        } if declaration else None,
        "links": {"back": preview.page_url(route.pages[-1]) if route.pages else preview.url("preview_start"),
                  "action": preview.url("preview_check_answers"), "save": preview.url("preview_save")},
    }
    return _render(preview, "builder/preview/check_answers.html", payload)


async def preview_payment(request: Request, staff: Staff) -> Response:
    """The payment step: what the resident would be charged, line by line. Nothing is taken;
    continuing goes on as if the payment had succeeded."""
    opened = await _open(request, staff)
    if isinstance(opened, Response):
        return opened
    preview = opened
    route = preview.plan()
    if preview.state.sent:
        return _redirect(preview, preview.url("preview_confirmation"))
    if route.first_unvisited(preview.state.visited) is not None or route.stop() is not None:
        return _redirect(preview, preview.url("preview_check_answers"))
    quote = price(preview.service, route.answers, preview.language)
    if not quote.total:
        return _redirect(preview, preview.url("preview_check_answers"))
    if request.method == "POST":
        await web.checked_form(request)
        preview.state.sent, preview.changed = True, True
        return _redirect(preview, preview.url("preview_confirmation"))
    payload = {
        **preview.payload(),
        "page": {"heading": "Payment"},
        "fees": quote_view(quote),
        "links": {"back": preview.url("preview_check_answers"), "action": preview.url("preview_payment")},
    }
    return _render(preview, "builder/preview/payment.html", payload)


async def preview_confirmation(request: Request, staff: Staff) -> Response:
    opened = await _open(request, staff)
    if isinstance(opened, Response):
        return opened
    preview = opened
    if not preview.state.sent:
        return _redirect(preview, preview.url("preview_check_answers"))
    service, lang = preview.service, preview.language
    route = preview.plan()
    quote = price(service, route.answers, lang)
    confirmation = service.document["confirmation"]
    payload = {
        **preview.payload(),
        "paid": quote.total,
        "paid_text": ui(lang, "you_paid", amount=format_pence(quote.total)) if quote.total else None,
        "reference": PREVIEW_REFERENCE,
        "confirmation": {
            "title": service.text("confirmation.title", confirmation.get("title", ui(lang, "application_complete")), lang),
            "next": service.text("confirmation.next", confirmation["next"], lang),
        },
        "links": {"council": preview.payload()["preview"]["links"]["draft"], "status": None},
    }
    return _render(preview, "builder/preview/confirmation.html", payload)


async def preview_save(request: Request, staff: Staff) -> Response:
    """Where "Save and come back later" leads in a preview: nothing is saved."""
    opened = await _open(request, staff)
    if isinstance(opened, Response):
        return opened
    payload = {**opened.payload(), "page": {"heading": "Saving for later is not part of the preview"},
               "links": {"back": opened.url("preview_check_answers")}}
    return _render(opened, "builder/preview/save.html", payload)
