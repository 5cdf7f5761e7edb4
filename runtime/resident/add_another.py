"""Add another: one item of a list at a time, a summary with Change and Remove, then
"Do you need to add another?" — the GOV.UK "add to a list" pattern, without JavaScript."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from runtime import store
from runtime.core.answers import MISSING, form_values, get, put
from runtime.core.service import Answers, Field, Page
from runtime.core.ui_text import ui
from runtime.core.validation import FieldError, check_item
from runtime.resident.steps import file_names, next_url, parse_page_form, require_journey, save
from runtime.web import context as web
from runtime.web.context import ClientError, Outcome, PageContext, Rendered
from runtime.web.views import answer_rows, display_value, error_list, page_fields

CHOICE = "add-another"
# The hidden field of an item page that adds an item: saved, it goes at the end of the list,
# even when another tab has added an item with the same number since this page was shown.
NEW_ITEM = "new_item"


def items_of(answers: Answers, page: Page) -> list[dict[str, Any]]:
    assert page.answer is not None
    value = get(answers, page.answer)
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def item_title(ctx: PageContext, page: Page) -> str:
    return ctx.service.text(f"pages.{page.id}.itemTitle", page.spec["itemTitle"], ctx.language)


def item_url(ctx: PageContext, page: Page, number: int, *, to_check: bool = False) -> str:
    return ctx.url("item", page=page.id, item=number) + ("?return=check" if to_check else "")


def item_rows(ctx: PageContext, page: Page, answers: Answers, files: dict[str, str]) -> list[dict[str, Any]]:
    """Check-your-answers rows: one per item, its first answer as the key."""
    rows = []
    for number, item in enumerate(items_of(answers, page), start=1):
        details = answer_rows(ctx.service, page, item, ctx.language, files, "")
        key = ui(ctx.language, "item_number", item=item_title(ctx, page).capitalize(), number=number)
        rows.append({
            "key": key,
            "value": {"lines": [f"{row['key']}: {row['value'].get('text') or ', '.join(row['value'].get('lines', []))}" for row in details]},
            "change": item_url(ctx, page, number, to_check=True),
        })
    return rows


def summary_field(page: Page) -> Field:
    """The question whose answer names an item: the page's `itemSummary`, else its first question."""
    named = page.spec.get("itemSummary")
    return next((fld for fld in page.fields if fld.pointer == named), page.fields[0])


def item_summary(ctx: PageContext, page: Page, item: dict[str, Any], files: Mapping[str, str]) -> str:
    """An item in words, as check your answers shows its answer: an option's title in the
    resident's language ("Sofa or armchair", not "sofa"), a date or an amount written out."""
    fld = summary_field(page)
    shown = display_value(ctx.service, fld, get(item, fld.pointer), ctx.language, files)
    return str(shown["text"]) if "text" in shown else ", ".join(shown["lines"])


async def summary_payload(ctx: PageContext, journey: store.Journey, page: Page, error: str | None) -> dict[str, Any]:
    items = items_of(journey.answers, page)
    name = item_title(ctx, page)
    previous = ctx.plan(journey.answers).previous(page.id)
    can_add = page.max_items is None or len(items) < page.max_items
    files = await file_names(ctx, journey.answers, [page])
    summaries = [item_summary(ctx, page, item, files) for item in items]
    rows = []
    for number, (item, text) in enumerate(zip(items, summaries, strict=True), start=1):
        numbered = ui(ctx.language, "item_number", item=name.capitalize(), number=number)
        rows.append({
            "number": number,
            "summary": text,
            # What Change and Remove say to a screen reader: the item, numbered when two read the same.
            "name": f"{text} ({numbered})" if summaries.count(text) > 1 else text,
            "answers": item,
            "change": item_url(ctx, page, number),
            "remove": ctx.url("remove_item", page=page.id, item=number),
        })
    title = ctx.service.text(f"pages.{page.id}.title", page.title or name, ctx.language)
    question = (ctx.service.text(f"pages.{page.id}.addAnother", page.spec["addAnother"], ctx.language)
                if "addAnother" in page.spec else ui(ctx.language, "add_another_question", item=name))
    return {
        **ctx.payload(),
        "page": {"id": page.id, "kind": page.kind, "title": title, "heading": title,
                 "content": ctx.service.text(f"pages.{page.id}.content", page.spec["content"], ctx.language) if "content" in page.spec else None},
        "items": rows,
        "count": len(items),
        "can_add": can_add,
        "question": question if can_add else None,
        "errors": [{"field": CHOICE, "href": f"#{CHOICE}", "message": error, "keyword": "required"}] if error else [],
        "error": error,
        "links": {
            "back": ctx.page_url(previous) if previous else ctx.start_url,
            "action": ctx.action,
            "save": ctx.url("save"),
        },
    }


async def summary(ctx: PageContext, journey: store.Journey, page: Page, form: FormData | None) -> Outcome:
    """The list so far and "Do you need to add another?", for a page its handler found reachable;
    `form` is the checked answer to that question, None when the page is only shown."""
    items = items_of(journey.answers, page)
    if form is None:
        if not items:
            return web.redirect(item_url(ctx, page, 1))
        return Rendered("pages/add_another.html", await summary_payload(ctx, journey, page, None))
    choice = (web.text_fields(form).get(CHOICE) or [""])[0]
    name = item_title(ctx, page)
    can_add = page.max_items is None or len(items) < page.max_items
    if can_add and choice == "yes":
        return web.redirect(item_url(ctx, page, len(items) + 1))
    error = None
    if can_add and choice != "no":
        error = ui(ctx.language, "select_add_another", item=name)
    elif len(items) < page.min_items:
        error = ui(ctx.language, "add_at_least", count=page.min_items, item=name)
    if error:
        return Rendered("pages/add_another.html", await summary_payload(ctx, journey, page, error), status_code=422)
    journey = await save(journey, store.page_visited(page.id))
    return web.redirect(next_url(ctx, journey, page))


async def _page_and_journey(request: Request) -> tuple[PageContext, store.Journey, Page, int, list[dict[str, Any]]]:
    """The context, journey, list page, item number and items an item's URL names, or 404."""
    ctx, journey = await require_journey(request)
    if journey.submitted:
        raise ClientError(409, "already_submitted")
    page = ctx.service.page(request.path_params["page"])
    number = int(request.path_params["item"])
    if page is None or page.kind != "add-another":
        raise ClientError(404, "page_not_found")
    items = items_of(journey.answers, page)
    limit = len(items) + 1 if page.max_items is None else min(len(items) + 1, page.max_items)
    if number < 1 or number > limit:
        raise ClientError(404, "page_not_found")
    reachable = ctx.plan(journey.answers).reachable([*journey.visited, page.id], page.id)
    if not reachable:
        raise ClientError(404, "page_not_found")
    return ctx, journey, page, number, items


async def item(request: Request) -> Response:
    ctx, journey, page, number, items = await _page_and_journey(request)
    form = await web.checked_form(request) if request.method == "POST" else None
    return web.respond(request, ctx, await item_page(ctx, journey, page, number, items, form))


async def item_page(ctx: PageContext, journey: store.Journey, page: Page, number: int, items: list[dict[str, Any]],
                    form: FormData | None) -> Outcome:
    """One item's questions; `form`, when posted, saves them. A form that adds an item (it says
    so in `NEW_ITEM`) adds one, even when another tab has added item `number` since."""
    adding = number > len(items) or (form is not None and form.get(NEW_ITEM) == "yes")
    if adding and page.max_items is not None and len(items) >= page.max_items:
        raise ClientError(409, "answers_not_saved")  # the list was filled in another tab meanwhile
    current = {} if adding else items[number - 1]
    errors: list[FieldError] = []
    shown = form_values(page.fields, current)
    if form is not None:
        parsed = await parse_page_form(ctx, journey, page, form)
        updated, errors = check_item(ctx.service, page, current, parsed, ctx.language)
        if not errors:
            await save(journey, item_saved(page, number, None if adding else current, updated))
            return web.redirect(ctx.url("page", page=page.id) + ("?return=check" if ctx.to_check else ""))
        shown = {**shown, **parsed.raw}
    files = await file_names(ctx, journey.answers, [page])
    name = item_title(ctx, page)
    heading = ctx.service.text(f"pages.{page.id}.title", page.title or name, ctx.language)
    summary_url = ctx.url("page", page=page.id)
    payload = {
        **ctx.payload(),
        "page": {"id": page.id, "kind": "add-another-item", "title": heading, "heading": heading,
                 "item": number, "new_item": adding, "content": None, "stop": False,
                 "multipart": any(f.widget == "file" for f in page.fields)},
        "fields": page_fields(ctx.service, page, shown, errors, ctx.language, files),
        "errors": error_list(errors),
        "links": {
            "back": summary_url if items else _back_before(ctx, journey, page),
            "action": ctx.action,
            "save": ctx.url("save"),
            "validate": None,
        },
    }
    return Rendered("pages/question.html", payload, status_code=422 if errors else 200)


def item_saved(page: Page, number: int, shown: dict[str, Any] | None, updated: dict[str, Any]) -> store.Change:
    """Item ``number`` (``shown`` as the page showed it, None for a new one) saved as ``updated``
    in the latest list: in its place while it is still there, else at the end, so that neither
    this answer nor one saved meanwhile in another tab is lost."""
    assert page.answer is not None
    pointer = page.answer

    def change(progress: store.Progress) -> store.Progress:
        latest = items_of(progress.answers, page)
        place = _place_of(latest, number, shown)
        if place is None:
            latest.append(updated)
        else:
            latest[place] = updated
        put(progress.answers, pointer, latest)
        return progress

    return change


def item_removed(page: Page, number: int, removed: dict[str, Any]) -> store.Change:
    """Item ``number`` (``removed`` as the page showed it) taken out of the latest list, if
    still there; with the last item gone, the page is to be asked again."""
    assert page.answer is not None
    pointer = page.answer

    def change(progress: store.Progress) -> store.Progress:
        latest = items_of(progress.answers, page)
        place = _place_of(latest, number, removed)
        if place is not None:
            del latest[place]
        put(progress.answers, pointer, latest if latest else MISSING)
        visited = progress.visited if latest else [v for v in progress.visited if v != page.id]
        return store.Progress(progress.answers, visited)

    return change


def _place_of(items: list[dict[str, Any]], number: int, shown: dict[str, Any] | None) -> int | None:
    """Where the item shown as number ``number`` is in ``items`` now, if anywhere."""
    if shown is None:
        return None
    if number <= len(items) and items[number - 1] == shown:
        return number - 1
    return items.index(shown) if shown in items else None


def _back_before(ctx: PageContext, journey: store.Journey, page: Page) -> str:
    previous = ctx.plan(journey.answers).previous(page.id)
    return ctx.page_url(previous) if previous else ctx.start_url


async def remove_item(request: Request) -> Response:
    ctx, journey, page, number, items = await _page_and_journey(request)
    if number > len(items):
        raise ClientError(404, "page_not_found")
    form = await web.checked_form(request) if request.method == "POST" else None
    return web.respond(request, ctx, await remove_page(ctx, journey, page, number, items, form))


async def remove_page(ctx: PageContext, journey: store.Journey, page: Page, number: int, items: list[dict[str, Any]],
                      form: FormData | None) -> Outcome:
    """"Remove item n?"; `form`, when posted, answers it."""
    summary_url = ctx.url("page", page=page.id)
    name = item_title(ctx, page)
    error = None
    if form is not None:
        choice = (web.text_fields(form).get("remove") or [""])[0]
        if choice == "yes":
            await save(journey, item_removed(page, number, items[number - 1]))
            return web.redirect(summary_url)
        if choice == "no":
            return web.redirect(summary_url)
        error = ui(ctx.language, "err_required_choice", label=ui(ctx.language, "remove").lower())
    files = await file_names(ctx, journey.answers, [page])
    question = ui(ctx.language, "remove") + f" {name} {number}?"
    payload = {
        **ctx.payload(),
        "page": {"id": page.id, "kind": "remove-item", "title": question, "heading": question, "item": number},
        "item": {"number": number, "summary": item_summary(ctx, page, items[number - 1], files)},
        "errors": [{"field": "remove", "href": "#remove", "message": error, "keyword": "required"}] if error else [],
        "error": error,
        "links": {"back": summary_url, "action": ctx.path},
    }
    return Rendered("pages/remove_item.html", payload, status_code=422 if error else 200)
