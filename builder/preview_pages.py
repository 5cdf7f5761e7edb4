"""Preview: a draft (or a catalogue's service version) walked through as a resident would, inside
the staff app.

The pages are the resident app's own: the same templates (`pages/*.html`, extended only to
add a preview banner and "Preview:" in the title), the same compiled service
(`runtime.core.service.compile_service`), the same form reading and validation
(`runtime.core.answers.parse_fields`, `runtime.core.validation.check_page`), the same route
through the pages (`runtime.core.flow.plan`), the same fees (`runtime.core.fees.price`) and the
same payloads (`runtime.web.views`). So error messages, conditions, check answers, fees and the
confirmation are what residents will get once the draft is published.

The same pages preview a version in a catalogue before anyone uses it (the handlers take the
`source` that finds what is previewed: a draft by default, builder/catalogue_preview.py for a
catalogue version; builder/app.py registers them twice).

A preview never becomes an application: the answers live only in a signed cookie of the
designer's browser, scoped to this preview and bound to the designer and what is previewed
(nothing is written to the database), uploads are checked but not kept, the payment step says
what would be charged and takes nothing, and the confirmation shows no real reference.

The preview's state and rendering are in builder/preview_state.py; add-another pages in
builder/preview_lists.py.
"""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from builder.preview_lists import item_rows, list_summary
from builder.preview_state import (
    Loader,
    Preview,
    PreviewState,
    check_uploads,
    draft_source,
    open_preview,
    redirect,
    render,
)
from runtime.core.answers import DuplicateField, merged, page_values, parse_fields
from runtime.core.fees import format_pence, price
from runtime.core.flow import Plan
from runtime.core.service import Page
from runtime.core.ui_text import ui
from runtime.core.validation import check_page, field_errors, schema_failures
from runtime.staff.context import Staff
from runtime.web import context as web
from runtime.web.context import ClientError
from runtime.web.views import answer_rows, error_list, page_fields, quote_view

PREVIEW_REFERENCE = "PREVIEW"


async def preview_start(request: Request, staff: Staff, source: Loader = draft_source) -> Response:
    """The service's start page; Start now begins a new preview."""
    opened = await open_preview(request, staff, source)
    if isinstance(opened, Response):
        return opened
    preview, service, lang = opened, opened.service, opened.language
    document = service.document
    payload = {
        **preview.payload(),
        "summary": service.text("summary", document["summary"], lang),
        "start": {key: service.text(f"start.{key}", document["start"][key], lang)
                  for key in ("content", "before") if key in document.get("start", {})},
        "links": {"begin": preview.url("preview_begin"), "council": preview.payload()["preview"]["links"]["back"]},
    }
    return render(preview, "builder/preview/start.html", payload)


async def preview_begin(request: Request, staff: Staff, source: Loader = draft_source) -> Response:
    """Start now: forget the answers of any earlier preview and go to the first page."""
    await web.checked_form(request)
    opened = await open_preview(request, staff, source)
    if isinstance(opened, Response):
        return opened
    preview = opened
    preview.state = PreviewState(language=preview.state.language)
    preview.changed = True
    return redirect(preview, preview.page_url(preview.plan().next(None)))


async def preview_page(request: Request, staff: Staff, source: Loader = draft_source) -> Response:
    opened = await open_preview(request, staff, source)
    if isinstance(opened, Response):
        return opened
    preview = opened
    if preview.state.sent:
        return redirect(preview, preview.url("preview_confirmation"))
    shown_page = preview.service.page(request.path_params["page_id"])
    if shown_page is None:
        raise ClientError(404, "page_not_found")
    route = preview.plan()
    if not route.reachable(preview.state.visited, shown_page.id):
        return redirect(preview, preview.page_url(route.first_unvisited(preview.state.visited)))
    to_check = request.query_params.get("return") == "check"
    if shown_page.kind == "add-another":
        form = await web.checked_form(request) if request.method == "POST" else None
        return list_summary(preview, shown_page, form, to_check)
    if request.method == "POST":
        form = await web.checked_form(request)
        return await _answer(preview, shown_page, form, to_check)
    if shown_page.kind == "content" and shown_page.id not in preview.state.visited:
        preview.state.visited.append(shown_page.id)
        preview.changed = True
    shown = page_values(shown_page, preview.state.answers)
    template = "builder/preview/content.html" if shown_page.kind == "content" else "builder/preview/question.html"
    return render(preview, template, _page_payload(preview, shown_page, shown, [], to_check))


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
        upload_problems = check_uploads(preview, shown_page, form, fields)
        try:
            parsed = parse_fields(shown_page.fields, fields)
        except DuplicateField:
            raise ClientError(400, "bad_request") from None
        parsed.problems.extend(upload_problems)
        _, errors = check_page(preview.service, shown_page, state.answers, parsed, preview.language)
        if errors:
            shown = {**page_values(shown_page, state.answers), **parsed.raw}
            return render(preview, "builder/preview/question.html",
                           _page_payload(preview, shown_page, shown, errors, to_check), status_code=422)
        state.answers = merged(state.answers, parsed.values)
    if shown_page.id not in state.visited:
        state.visited.append(shown_page.id)
    preview.changed = True
    route = preview.plan()
    if to_check:
        pending = route.first_unvisited(state.visited)
        return redirect(preview, preview.page_url(pending, to_check=pending is not None))
    return redirect(preview, preview.page_url(route.next(shown_page.id)))


def _sections(preview: Preview, route: Plan) -> list[dict[str, Any]]:
    """The answers as check your answers shows them (the resident app's own rows)."""
    service, lang = preview.service, preview.language
    sections: list[dict[str, Any]] = []
    for shown_page in route.pages:
        if shown_page.kind == "add-another" and shown_page.answer:
            sections.append({"title": service.text(f"pages.{shown_page.id}.title", shown_page.title, lang)
                             if shown_page.title else None, "rows": item_rows(preview, shown_page, route)})
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


async def preview_check_answers(request: Request, staff: Staff, source: Loader = draft_source) -> Response:
    opened = await open_preview(request, staff, source)
    if isinstance(opened, Response):
        return opened
    preview = opened
    if preview.state.sent:
        return redirect(preview, preview.url("preview_confirmation"))
    service, lang = preview.service, preview.language
    route = preview.plan()
    unvisited = route.first_unvisited(preview.state.visited) or route.stop()
    if unvisited is not None:
        return redirect(preview, preview.page_url(unvisited))
    quote = price(service, route.answers, lang)
    if request.method == "POST":
        await web.checked_form(request)
        broken = _first_broken(preview, route)
        if broken is not None:
            return redirect(preview, preview.page_url(broken, to_check=True))
        if quote.total:
            return redirect(preview, preview.url("preview_payment"))
        preview.state.sent, preview.changed = True, True
        return redirect(preview, preview.url("preview_confirmation"))
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
    return render(preview, "builder/preview/check_answers.html", payload)


async def preview_payment(request: Request, staff: Staff, source: Loader = draft_source) -> Response:
    """The payment step: what the resident would be charged, line by line. Nothing is taken;
    continuing goes on as if the payment had succeeded."""
    opened = await open_preview(request, staff, source)
    if isinstance(opened, Response):
        return opened
    preview = opened
    route = preview.plan()
    if preview.state.sent:
        return redirect(preview, preview.url("preview_confirmation"))
    if route.first_unvisited(preview.state.visited) is not None or route.stop() is not None:
        return redirect(preview, preview.url("preview_check_answers"))
    quote = price(preview.service, route.answers, preview.language)
    if not quote.total:
        return redirect(preview, preview.url("preview_check_answers"))
    if request.method == "POST":
        await web.checked_form(request)
        preview.state.sent, preview.changed = True, True
        return redirect(preview, preview.url("preview_confirmation"))
    payload = {
        **preview.payload(),
        "page": {"heading": "Payment"},
        "fees": quote_view(quote),
        "links": {"back": preview.url("preview_check_answers"), "action": preview.url("preview_payment")},
    }
    return render(preview, "builder/preview/payment.html", payload)


async def preview_confirmation(request: Request, staff: Staff, source: Loader = draft_source) -> Response:
    opened = await open_preview(request, staff, source)
    if isinstance(opened, Response):
        return opened
    preview = opened
    if not preview.state.sent:
        return redirect(preview, preview.url("preview_check_answers"))
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
        "links": {"council": preview.payload()["preview"]["links"]["back"], "status": None},
    }
    return render(preview, "builder/preview/confirmation.html", payload)


async def preview_save(request: Request, staff: Staff, source: Loader = draft_source) -> Response:
    """Where "Save and come back later" leads in a preview: nothing is saved."""
    opened = await open_preview(request, staff, source)
    if isinstance(opened, Response):
        return opened
    payload = {**opened.payload(), "page": {"heading": "Saving for later is not part of the preview"},
               "links": {"back": opened.url("preview_check_answers")}}
    return render(opened, "builder/preview/save.html", payload)
