"""Add-another pages in the preview, as the resident app shows them: one item at a time, the
list so far with Change and Remove, "Do you need to add another?", and the items on check your
answers; kept in the preview's cookie, never in the database."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from builder.preview_state import (
    Loader,
    Preview,
    check_uploads,
    draft_source,
    open_preview,
    redirect,
    render,
)
from runtime.core.answers import MISSING, DuplicateField, form_values, get, parse_fields, put
from runtime.core.digits import is_digits
from runtime.core.flow import Plan
from runtime.core.service import Page
from runtime.core.ui_text import ui
from runtime.core.validation import check_item
from runtime.resident.add_another import CHOICE, items_of, summary_field
from runtime.staff.context import Staff
from runtime.web import context as web
from runtime.web.context import ClientError
from runtime.web.views import answer_rows, display_value, error_list, page_fields


def _item_name(preview: Preview, list_page: Page) -> str:
    return preview.service.text(f"pages.{list_page.id}.itemTitle", list_page.spec["itemTitle"], preview.language)


def item_url(preview: Preview, list_page: Page, number: int, *, to_check: bool = False) -> str:
    return preview.url("preview_item", page_id=list_page.id, item=number) + ("?return=check" if to_check else "")


def _item_summary(preview: Preview, list_page: Page, item: dict[str, Any]) -> str:
    fld = summary_field(list_page)
    shown = display_value(preview.service, fld, get(item, fld.pointer), preview.language, preview.state.files)
    return str(shown["text"]) if "text" in shown else ", ".join(shown["lines"])


def list_summary(preview: Preview, list_page: Page, form: FormData | None, to_check: bool) -> Response:
    """An add-another page as the resident app shows it: the items so far, then "Do you need to
    add another?" (the first item's questions straight away when there is none)."""
    lang, service = preview.language, preview.service
    items = items_of(preview.state.answers, list_page)
    name = _item_name(preview, list_page)
    can_add = list_page.max_items is None or len(items) < list_page.max_items
    message = None
    if form is None and not items:
        return redirect(preview, item_url(preview, list_page, 1))
    if form is not None:
        choice = (web.text_fields(form).get(CHOICE) or [""])[0]
        if can_add and choice == "yes":
            return redirect(preview, item_url(preview, list_page, len(items) + 1))
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
                return redirect(preview, preview.page_url(pending, to_check=pending is not None))
            return redirect(preview, preview.page_url(route.next(list_page.id)))
    summaries = [_item_summary(preview, list_page, item) for item in items]
    rows = []
    for number, text in enumerate(summaries, start=1):
        numbered = ui(lang, "item_number", item=name.capitalize(), number=number)
        rows.append({"number": number, "summary": text,
                     "name": f"{text} ({numbered})" if summaries.count(text) > 1 else text,
                     "change": item_url(preview, list_page, number),
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
    return render(preview, "builder/preview/add_another.html", payload, status_code=422 if message else 200)


async def _list_item(request: Request, staff: Staff,
                     source: Loader) -> tuple[Preview, Page, int, list[dict[str, Any]]] | Response:
    """The preview, the add-another page, the item number and the items an item's URL names."""
    opened = await open_preview(request, staff, source)
    if isinstance(opened, Response):
        return opened
    list_page = opened.service.page(request.path_params["page_id"])
    if list_page is None:
        raise ClientError(404, "page_not_found")
    if opened.state.sent:
        return redirect(opened, opened.url("preview_confirmation"))
    raw = request.path_params["item"]
    number = int(raw) if is_digits(raw) and len(raw) < 4 else 0
    items = items_of(opened.state.answers, list_page) if list_page.kind == "add-another" else []
    limit = len(items) + 1 if list_page.max_items is None else min(len(items) + 1, list_page.max_items)
    if (list_page.kind != "add-another" or not 1 <= number <= limit
            or not opened.plan().reachable([*opened.state.visited, list_page.id], list_page.id)):
        # Not an item there is (a page with no list, a number past the end, a page not reached
        # yet): the page itself, which sends the designer on to where the preview has got to.
        return redirect(opened, opened.page_url(list_page))
    return opened, list_page, number, items


async def preview_item(request: Request, staff: Staff, source: Loader = draft_source) -> Response:
    """One item's questions of an add-another page, checked as the resident app checks them."""
    found = await _list_item(request, staff, source)
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
        problems = check_uploads(preview, list_page, form, fields)
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
            return redirect(preview, preview.page_url(list_page, to_check=to_check))
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
                  "action": item_url(preview, list_page, number, to_check=to_check),
                  "save": preview.url("preview_save"), "validate": None},
    }
    return render(preview, "builder/preview/question.html", payload, status_code=422 if errors else 200)


async def preview_remove_item(request: Request, staff: Staff, source: Loader = draft_source) -> Response:
    """"Remove item n?", as the resident app asks it."""
    found = await _list_item(request, staff, source)
    if isinstance(found, Response):
        return found
    preview, list_page, number, items = found
    assert list_page.answer is not None
    summary_url = preview.page_url(list_page)
    if number > len(items):  # an item not added yet: nothing to remove
        return redirect(preview, summary_url)
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
            return redirect(preview, summary_url)
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
    return render(preview, "builder/preview/remove_item.html", payload, status_code=422 if message else 200)


def item_rows(preview: Preview, list_page: Page, route: Plan) -> list[dict[str, Any]]:
    """One check-your-answers row per item, as the resident app shows them."""
    rows = []
    name = _item_name(preview, list_page)
    for number, item in enumerate(items_of(route.answers, list_page), start=1):
        details = answer_rows(preview.service, list_page, item, preview.language, preview.state.files, "")
        rows.append({
            "key": ui(preview.language, "item_number", item=name.capitalize(), number=number),
            "value": {"lines": [f"{row['key']}: {row['value'].get('text') or ', '.join(row['value'].get('lines', []))}"
                                for row in details]},
            "change": item_url(preview, list_page, number, to_check=True),
        })
    return rows
