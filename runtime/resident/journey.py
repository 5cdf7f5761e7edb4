"""The resident's journey: start, question and content pages, check answers, submission,
confirmation. Handlers parse, call the core and the store, and render."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from runtime import store
from runtime.core.answers import encode_option, page_values
from runtime.core.fees import format_pence, price
from runtime.core.flow import Plan
from runtime.core.service import Answers, Page
from runtime.core.ui_text import ui
from runtime.core.validation import FieldError, check_page, field_errors, schema_failures
from runtime.core.workflow import AWAITING_PAYMENT
from runtime.resident import paying
from runtime.resident.add_another import item_rows, summary
from runtime.resident.answers_page import projected_check_answers
from runtime.resident.steps import file_names, next_url, parse_page_form, require_journey, save
from runtime.web import context as web
from runtime.web.context import ClientError, Outcome, PageContext, Rendered
from runtime.web.projections import Slots, text
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
        "links": {"begin": ctx.url("begin"), "council": ctx.council_url("council")},
    }
    return web.respond(request, ctx, Rendered("pages/start.html", payload))


async def begin(request: Request) -> Response:
    """Start now: a new journey, remembered in a cookie scoped to this service."""
    await web.checked_form(request)
    ctx, journey = await web.journey_context(request)
    if journey is None or journey.submitted:
        journey = await store.start_journey(ctx.council, ctx.version, ctx.language)
    first = ctx.plan(journey.answers).next(None)
    response = web.redirect(ctx.page_url(first))
    ctx.signer.set_journey(response, str(journey.id), ctx.start_url)
    return response


def page_links(ctx: PageContext, page: Page, journey: store.Journey) -> dict[str, Any]:
    previous = ctx.plan(journey.answers).previous(page.id)
    return {
        "back": (ctx.url("check_answers") if ctx.to_check
                 else ctx.page_url(previous) if previous else ctx.start_url),
        "action": ctx.action,
        "next": None if page.stop else ctx.page_url(ctx.plan(journey.answers).next(page.id), to_check=False),
        "save": ctx.url("save"),
    }


def page_payload(ctx: PageContext, page: Page, links: dict[str, Any], shown: dict[str, Any],
                 errors: list[FieldError], files: dict[str, str]) -> dict[str, Any]:
    service, lang = ctx.service, ctx.language
    title = service.text(f"pages.{page.id}.title", page.title, lang) if page.title else None
    validate = ctx.url("validate", page=page.id)
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
        "links": links,
    }


async def question(request: Request) -> Response:
    ctx, journey = await require_journey(request)
    if journey.submitted:
        return web.redirect(ctx.url("confirmation"))
    page = ctx.service.page(request.path_params["page"])
    if page is None:
        raise ClientError(404, "page_not_found")
    if not ctx.plan(journey.answers).reachable(journey.visited, page.id):
        return web.redirect(ctx.page_url(ctx.plan(journey.answers).first_unvisited(journey.visited)))
    form = await web.checked_form(request) if request.method == "POST" else None
    if page.kind == "add-another":
        return web.respond(request, ctx, await summary(ctx, journey, page, form))
    if form is not None:
        return web.respond(request, ctx, await _answer(ctx, journey, page, form))
    if page.kind == "content" and page.id not in journey.visited:
        journey = await save(journey, store.page_visited(page.id))
    shown = page_values(page, journey.answers)
    links = page_links(ctx, page, journey)
    if page.kind == "question" and not ctx.json and not any(f.widget == "file" for f in page.fields):
        return projected_question(ctx, page, links, shown)
    files = await file_names(ctx, journey.answers, [page])
    payload = page_payload(ctx, page, links, shown, [], files)
    template = "pages/content.html" if page.kind == "content" else "pages/question.html"
    return web.respond(request, ctx, Rendered(template, payload))


CHOICES = {"radios", "yes-no", "checkboxes", "select", "declaration"}


def projected_question(ctx: PageContext, page: Page, links: dict[str, Any], shown: dict[str, Any],
                       errors: Sequence[FieldError] = (), status_code: int = 200) -> Response:
    """A question page from its projection: rendered through the same templates once per
    definition version, page, language and errors shown; each request fills in its own values.

    With errors, the key holds each error's field, kind and message (all from the definition,
    never from what was typed), so the page's markup is the full render's of the same errors."""

    # A question that reveals others is rendered with its real choice (part of the key), so
    # the reveal's markup is exactly the full render's; other choices are holes.
    revealing = {fld.name for fld in page.fields if fld.spec.get("reveals")}
    chosen_reveals = tuple((name, str(shown.get(name))) for name in sorted(revealing))
    shown_errors = tuple((error.field.name, error.keyword, error.message) for error in errors)

    def build(slot: Slots) -> str:
        holes: dict[str, Any] = {name: shown.get(name) for name in revealing}
        for fld in page.fields:
            if fld.name in revealing:
                continue
            if fld.widget == "date":
                holes[fld.name] = {part: slot(f"value:{fld.name}-{part}") for part in ("day", "month", "year")}
            elif fld.widget not in CHOICES:
                holes[fld.name] = slot(f"value:{fld.name}")
        slotted = {**links, "back": slot("back"), "action": slot("action")}
        payload = page_payload(ctx, page, slotted, holes, list(errors), {})
        for view in all_views(payload["fields"]):
            if view["name"] in revealing:
                continue
            for option in view.get("options", []):
                option["slot"] = slot(f"option:{view['name']}={option['value']}")
        browser = {"csrf_token": slot("csrf"), "ui_language": ctx.language,
                   "switch_language": web.language_switch(ctx.language, ctx.service.languages)}
        return ctx.renderer.render("pages/question.html", {**payload, **browser, "request_path": slot("path")})

    # Councils may publish one definition (one hash): the council's name and links are keyed too.
    council = ctx.council
    key = (council.id, council.slug, council.name, ctx.service.hash, page.id, ctx.language, chosen_reveals,
           shown_errors)
    projection = ctx.projections.get(key, build)
    values = {"csrf": ctx.csrf_token(), "back": text(links["back"]), "action": text(links["action"]),
              "path": text(ctx.path)}
    for fld in page.fields:
        value = shown.get(fld.name)
        if fld.name in revealing:
            continue
        if fld.widget == "date":
            for part in ("day", "month", "year"):
                values[f"value:{fld.name}-{part}"] = text(value.get(part) if isinstance(value, dict) else "")
        elif fld.widget in CHOICES:
            marker = " selected" if fld.widget == "select" else " checked"
            for chosen in value if isinstance(value, list) else [value]:
                values[f"option:{fld.name}={chosen}"] = marker
        else:
            values[f"value:{fld.name}"] = text(value)
    response = HTMLResponse(projection.fill(values), status_code=status_code)
    response.headers["Link"] = f'<{ctx.path}.json>; rel="alternate"; type="application/json"'
    return ctx.finish(response)


def all_views(views: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for view in views:
        yield view
        for option in view.get("options", []):
            yield from all_views(option["reveals"])


async def _answer(ctx: PageContext, journey: store.Journey, page: Page, form: FormData) -> Outcome:
    if page.kind == "content":
        # After a change from check answers, a content page on the new branch leads back there.
        return web.redirect(next_url(ctx, journey, page))
    parsed = await parse_page_form(ctx, journey, page, form)
    answers, errors = check_page(ctx.service, page, journey.answers, parsed, ctx.language)
    if errors:
        shown = {**page_values(page, journey.answers), **parsed.raw}
        links = page_links(ctx, page, journey)
        if page.kind == "question" and not ctx.json and not any(f.widget == "file" for f in page.fields) \
                and _choices_known(page, shown):
            return projected_question(ctx, page, links, shown, errors, status_code=422)
        files = await file_names(ctx, answers, [page])
        payload = page_payload(ctx, page, links, shown, errors, files)
        return Rendered("pages/question.html", payload, status_code=422)
    journey = await save(journey, store.page_answered(page.id, parsed.values))
    return web.redirect(next_url(ctx, journey, page))


def _choices_known(page: Page, shown: dict[str, Any]) -> bool:
    """Whether each question that reveals others was sent nothing or its own choices (in their
    order, each once): its choice is part of a projection's key, and what a request sends is
    whatever it likes; anything else takes the full render."""
    for fld in page.fields:
        if not fld.spec.get("reveals"):
            continue
        value = shown.get(fld.name)
        codes = [encode_option(option) for option, _ in fld.options]
        if isinstance(value, list):
            if value != [code for code in codes if code in value]:
                return False
        elif value not in (None, "") and value not in codes:
            return False
    return True


def whole_application_errors(ctx: PageContext, plan: Plan) -> tuple[Page, list[FieldError]] | None:
    """The first page whose answers break the definition's rules, seen as a whole."""
    failures = schema_failures(ctx.service.validator, plan.answers)
    if not failures:
        return None
    for page in plan.pages:
        if page.kind == "add-another" and page.answer:
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
    confirmation = ctx.url("confirmation")
    if journey.submitted:
        if request.method == "POST":  # a second click on "Continue to payment": back to the same payment
            await web.checked_form(request)
            pending = await store.get_for_journey(journey)
            if pending is not None and pending.awaiting_payment:
                answers = pending.answers
                quote = price(ctx.service, answers, ctx.language)
                return web.respond(request, ctx, await paying.go_to_payment(ctx, pending, quote, _email_of(answers)))
        return web.redirect(confirmation)
    service = ctx.service
    plan = ctx.plan(journey.answers)
    unvisited = plan.first_unvisited(journey.visited) or plan.stop()
    if unvisited is not None:
        return web.redirect(ctx.page_url(unvisited))
    answers = plan.answers
    if request.method == "POST":
        await web.checked_form(request)
        # Each page was checked as it was saved; the whole application is checked once more
        # here, before anything is sent, for rules that join answers from several pages.
        broken = whole_application_errors(ctx, plan)
        if broken is not None:
            return web.redirect(ctx.page_url(broken[0], to_check=True))
        quote = price(service, answers, ctx.language)
        if quote.total and paying.can_pay(ctx):
            # Stored as pending before the resident leaves to pay; promoted once paid.
            submission, _ = await store.submit(journey, answers, AWAITING_PAYMENT, awaiting_payment=True,
                                                links=ctx.links)
            if submission.awaiting_payment:
                return web.respond(request, ctx, await paying.go_to_payment(ctx, submission, quote, _email_of(answers)))
            return web.redirect(confirmation)
        await store.submit(journey, answers, service.workflow["initial"], links=ctx.links)
        return web.redirect(confirmation)
    quote = price(service, answers, ctx.language)
    will_pay = bool(quote.total) and paying.can_pay(ctx)
    files = await file_names(ctx, answers, plan.pages)
    declaration = service.document.get("declaration")

    def payload() -> dict[str, Any]:
        return {
            **ctx.payload(),
            "sections": answer_sections(ctx, plan, files),
            "fees": quote_view(quote) if quote.charges else None,
            "payment_note": ui(ctx.language, "payment_not_set_up") if quote.total and not will_pay else None,
            "pay": will_pay,
            "declaration": {
                "title": service.text("declaration.title", declaration.get("title", ui(ctx.language, "declaration")), ctx.language),
                "content": service.text("declaration.content", declaration["content"], ctx.language),
                "confirm": service.text("declaration.confirm", declaration.get("confirm", ui(ctx.language, "accept_and_send")), ctx.language),
            } if declaration else None,
            "links": {
                "back": ctx.page_url(plan.pages[-1]),
                "action": ctx.path,
                "save": ctx.url("save"),
            },
        }

    if ctx.json:
        return web.respond(request, ctx, Rendered("pages/check_answers.html", payload()))
    # The HTML from the projection of the page's shape; the payload only builds a new one.
    return projected_check_answers(ctx, plan, quote, will_pay, files, payload)


def _email_of(answers: Answers) -> str | None:
    """The resident's email, when the service asks for one at /email, for the payment receipt."""
    value = answers.get("email")
    return value if isinstance(value, str) else None


def answer_sections(ctx: PageContext, plan: Plan, files: dict[str, str], *,
                    changes: bool = True) -> list[dict[str, Any]]:
    """The answers as check your answers shows them: a summary list per titled page, single
    questions together. Without `changes`, no "Change" links (a copy of a sent application)."""
    service, answers = ctx.service, plan.answers
    sections = []
    for page in plan.pages:
        if page.kind == "content":
            continue
        title = service.text(f"pages.{page.id}.title", page.title, ctx.language) if page.title else None
        if page.kind == "add-another" and page.answer:
            rows = item_rows(ctx, page, answers, files)
            sections.append({"title": title, "rows": rows if changes else [{**row, "change": None} for row in rows]})
            continue
        change = ctx.page_url(page, to_check=True) if changes else ""
        sections.append({
            "title": title if len(page.fields) > 1 else None,
            "rows": answer_rows(service, page, answers, ctx.language, files, change),
        })
    return _merge_untitled(sections)


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
        return web.redirect(ctx.url("check_answers"))
    attempts = await store.payments.attempts_for(submission)
    if submission.awaiting_payment:  # not sent until paid: say we are checking, and offer to pay
        payload = {**ctx.payload(), "page": {"heading": ui(ctx.language, "pay_checking_title")},
                   "reference": submission.reference, "state": "awaiting_payment",
                   "links": {"refresh": ctx.path, "pay": ctx.url("check_answers")}}
        return web.respond(request, ctx, Rendered("pages/payment_checking.html", payload))
    paid = sum(a.amount for a in attempts if a.state == "succeeded" and not a.flagged_for_refund)
    document = ctx.service.document
    payload = {
        **ctx.payload(),
        "paid": paid,
        "paid_text": ui(ctx.language, "you_paid", amount=format_pence(paid)) if paid else None,
        "reference": submission.reference,
        "submitted_at": submission.submitted_at.isoformat(),
        "confirmation": {
            "title": ctx.service.text("confirmation.title", document["confirmation"].get("title", ui(ctx.language, "application_complete")), ctx.language),
            "next": ctx.service.text("confirmation.next", document["confirmation"]["next"], ctx.language),
        },
        "links": {
            "council": ctx.council_url("council"),
            # The signed link: the reference alone never opens an application.
            "status": ctx.council_url("status", reference=submission.reference,
                                      token=ctx.links.status_token(submission.reference)),
        },
    }
    return web.respond(request, ctx, Rendered("pages/confirmation.html", payload))
