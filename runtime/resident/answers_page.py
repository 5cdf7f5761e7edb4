"""Check your answers as HTML, from its projection.

The page's markup depends on its shape: which pages apply, which revealed questions were
answered, how many items each list holds, which fee lines apply and how many of each, and
whether the resident can pay. A request works out that shape and the values in one pass over
the answers; the markup of each shape is rendered once, from the same payload as the JSON
twin, through the same template. Labels, titles, "Change" links and fee descriptions are
part of the shape; answers and amounts are holes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.responses import HTMLResponse, Response

from runtime.core.answers import MISSING, encode_option, get
from runtime.core.fees import Quote, format_pence
from runtime.core.flow import Plan
from runtime.core.service import Field, Page, Service
from runtime.core.ui_text import ui
from runtime.resident.add_another import items_of
from runtime.web import context as web
from runtime.web.context import PageContext
from runtime.web.projections import Slots, text
from runtime.web.views import answer_rows, display_value, option_titles

Payload = Callable[[], dict[str, Any]]
_ROW_HOLES = tuple(f"row:{n}" for n in range(1000))

# Widgets whose answer is shown as the resident typed it: a string, lines split at newlines.
TYPED = {"text", "email", "tel", "postcode", "number", "textarea"}
# Widgets shown by display_value's own rules, whatever their options.
OWN_RULES = {"date", "money", "file", "declaration"}

# How a row's value is written: as typed, as its option's title, or by views.display_value.
AS_TYPED, AS_OPTION, AS_DISPLAYED = 0, 1, 2

# A question page's possible row: (pointer, question, shown only once answered, how written).
Row = tuple[str, Field, bool, int]

_ROWS: dict[tuple[str, str], tuple[tuple[Row, ...], tuple[str, ...]]] = {}


def _rows(service: Service, page: Page) -> tuple[tuple[Row, ...], tuple[str, ...]]:
    """A question page's possible rows, and the pointers of its revealed questions (a row only
    when answered): worked out once per definition and page."""
    key = (service.hash, page.id)
    found = _ROWS.get(key)
    if found is None:
        rows = tuple((fld.pointer, fld, fld.revealed_by is not None, _how(fld)) for fld in page.fields)
        found = (rows, tuple(pointer for pointer, _, revealed, _ in rows if revealed))
        if len(_ROWS) > 50_000:
            _ROWS.clear()
        _ROWS[key] = found
    return found


def _how(fld: Field) -> int:
    if fld.widget in OWN_RULES:
        return AS_DISPLAYED
    if fld.options:
        return AS_OPTION
    return AS_TYPED if fld.widget in TYPED else AS_DISPLAYED


_TITLES: dict[tuple[str, str, str], dict[str, str]] = {}


def _escaped_titles(service: Service, fld: Field, language: str) -> dict[str, str]:
    """views.option_titles, escaped: built once per definition, question and language."""
    key = (service.hash, fld.key, language)
    found = _TITLES.get(key)
    if found is None:
        found = {code: _escaped(title) for code, title in option_titles(service, fld, language).items()}
        if len(_TITLES) > 50_000:
            _TITLES.clear()
        _TITLES[key] = found
    return found


def _option_html(value: Any, titles: dict[str, str], not_provided: str) -> str:
    """display_value then value_html, for the answer to a question with options."""
    if value is MISSING or value == "" or value == []:
        return not_provided
    if isinstance(value, list):
        return "<br>".join(_title(item, titles) for item in value)
    return _title(value, titles)


def _title(value: Any, titles: dict[str, str]) -> str:
    found = titles.get(encode_option(value))
    return found if found is not None else _escaped(str(value))


def _escaped(value: str) -> str:
    """`value` escaped exactly as Jinja's autoescape (markupsafe) writes a plain string."""
    return (value.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")
            .replace("'", "&#39;").replace('"', "&#34;"))


def _typed_html(value: Any, not_provided: str) -> str:
    """display_value then value_html, for an answer shown as typed (the common case)."""
    if value is MISSING or value == "" or value == []:
        return not_provided
    if isinstance(value, list):
        return "<br>".join(_escaped(str(item)) for item in value)
    typed = str(value)
    if "\n" in typed:
        return "<br>".join(_escaped(line) for line in typed.split("\n"))
    return _escaped(typed)


def value_html(value: dict[str, Any]) -> str:
    """A summary-list value as the template writes it: escaped text, or escaped lines with <br>."""
    if "lines" in value:
        return "<br>".join(text(line) for line in value["lines"])
    return text(value["text"])


def _item_value(ctx: PageContext, page: Page, item: dict[str, Any], files: dict[str, str]) -> str:
    """An item's row, as runtime.resident.add_another.item_rows words it."""
    details = answer_rows(ctx.service, page, item, ctx.language, files, "")
    return "<br>".join(
        text(f"{row['key']}: {row['value'].get('text') or ', '.join(row['value'].get('lines', []))}")
        for row in details
    )


def shape_and_values(ctx: PageContext, plan: Plan, files: dict[str, str]) -> tuple[tuple[Any, ...], list[str]]:
    """The rows' shape (what decides their keys and links) and each row's value, in page order."""
    service, language, answers = ctx.service, ctx.language, plan.answers
    not_provided = _escaped(ui(language, "not_provided"))
    shape: list[Any] = []
    values: list[str] = []
    add = values.append
    for page in plan.pages:
        if page.kind == "content":
            shape.append(page.id)
            continue
        if page.kind == "add-another" and page.answer:
            items = items_of(answers, page)
            shape.append((page.id, len(items)))
            values.extend(_item_value(ctx, page, item, files) for item in items)
            continue
        rows, revealed = _rows(service, page)
        if revealed:
            shape.append((page.id, tuple(get(answers, pointer) is not MISSING for pointer in revealed)))
        else:
            shape.append(page.id)
        for pointer, fld, only_answered, how in rows:
            value = get(answers, pointer)
            if value is MISSING:
                if not only_answered:
                    add(not_provided)
            elif how == AS_TYPED:
                add(_typed_html(value, not_provided))
            elif how == AS_OPTION:
                add(_option_html(value, _escaped_titles(service, fld, language), not_provided))
            else:
                add(value_html(display_value(service, fld, value, language, files)))
    return tuple(shape), values


def projected_check_answers(ctx: PageContext, plan: Plan, quote: Quote, will_pay: bool,
                            files: dict[str, str], payload: Payload) -> Response:
    """The page from the projection of its shape; `payload` (the JSON twin's) builds a new one."""
    shape, values = shape_and_values(ctx, plan, files)
    council = ctx.council
    key = (
        "check-answers", council.id, council.slug, council.name, ctx.service.hash, ctx.language, shape,
        tuple((charge.id, charge.quantity) for charge in quote.charges), bool(quote.total), will_pay,
    )

    def build(slot: Slots) -> str:
        full = payload()
        rows = 0
        sections = []
        for section in full["sections"]:
            slotted = []
            for row in section["rows"]:
                slotted.append({**row, "value": {"text": slot(f"row:{rows}")}})
                rows += 1
            sections.append({"title": section["title"], "rows": slotted})
        if rows != len(values):  # the shape must decide the rows; never serve a wrong page
            raise AssertionError(f"check answers has {rows} rows, its shape {len(values)}")
        fees = full["fees"]
        slotted_fees = None
        if fees:
            slotted_fees = {**fees, "total_text": slot("total"),
                            "lines": [{**line, "amount_text": slot(f"fee:{k}")} for k, line in enumerate(fees["lines"])]}
        browser = {"csrf_token": slot("csrf"), "ui_language": ctx.language,
                   "switch_language": web.language_switch(ctx.language, ctx.service.languages)}
        context = {**full, "sections": sections, "fees": slotted_fees, **browser, "request_path": slot("path")}
        return ctx.renderer.render("pages/check_answers.html", context)

    projection = ctx.projections.get(key, build)
    path = ctx.path
    names = _ROW_HOLES if len(values) <= len(_ROW_HOLES) else [f"row:{n}" for n in range(len(values))]
    holes = dict(zip(names, values, strict=False))
    holes["csrf"] = ctx.csrf_token()
    holes["path"] = text(path)
    if quote.charges:
        holes["total"] = text(format_pence(quote.total))
        for k, charge in enumerate(quote.charges):
            holes[f"fee:{k}"] = text(format_pence(charge.amount))
    response = HTMLResponse(projection.fill(holes))
    response.headers["Link"] = f'<{path}.json>; rel="alternate"; type="application/json"'
    return ctx.finish(response)
