"""Payloads: the data a page shows, built once and rendered as HTML or returned as JSON."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from runtime.core.answers import MISSING, encode_option, get
from runtime.core.fees import Quote, format_pence
from runtime.core.messages import format_date
from runtime.core.service import Field, Page, Service
from runtime.core.ui_text import ui
from runtime.core.validation import FieldError

WIDTHS = {
    2: "govuk-input--width-2", 3: "govuk-input--width-3", 4: "govuk-input--width-4",
    5: "govuk-input--width-5", 10: "govuk-input--width-10", 20: "govuk-input--width-20",
    30: "govuk-input--width-30", "full": "govuk-!-width-full",
    "three-quarters": "govuk-!-width-three-quarters", "two-thirds": "govuk-!-width-two-thirds",
    "one-half": "govuk-!-width-one-half", "one-third": "govuk-!-width-one-third",
    "one-quarter": "govuk-!-width-one-quarter",
}
DEFAULT_WIDTHS = {"postcode": 10, "tel": 20, "number": 10, "money": 10}

# Widget → the partial that renders it (themes/default/templates/fields/).
PARTIALS = {
    "text": "fields/_text.html", "email": "fields/_text.html", "tel": "fields/_text.html",
    "postcode": "fields/_text.html", "number": "fields/_text.html", "money": "fields/_text.html",
    "textarea": "fields/_textarea.html", "date": "fields/_date.html",
    "radios": "fields/_choices.html", "yes-no": "fields/_choices.html",
    "checkboxes": "fields/_choices.html", "declaration": "fields/_choices.html",
    "select": "fields/_select.html", "file": "fields/_file.html",
}
INLINE_VALIDATION = {"text", "email", "tel", "postcode", "number", "money"}


def option_text(service: Service, fld: Field, value: Any, title: str, language: str) -> str:
    if isinstance(value, bool):
        return ui(language, "yes" if value else "no")
    return service.text(f"options.{fld.key}.{value}", title, language)


_TITLES: dict[tuple[str, str, str], dict[str, str]] = {}


def option_titles(service: Service, fld: Field, language: str) -> dict[str, str]:
    """A question's option titles by encoded value, in `language`: built once per definition."""
    key = (service.hash, fld.key, language)
    titles = _TITLES.get(key)
    if titles is None:
        titles = {encode_option(v): option_text(service, fld, v, t, language) for v, t in fld.options}
        if len(_TITLES) > 50_000:
            _TITLES.clear()
        _TITLES[key] = titles
    return titles


def field_view(
    service: Service,
    fld: Field,
    shown: Mapping[str, Any],
    errors: Mapping[str, str],
    language: str,
    *,
    heading: bool,
    fields: Sequence[Field],
    files: Mapping[str, str],
    validate: str | None = None,
) -> dict[str, Any]:
    """One question, ready to render: label, hint, value as typed, error, options."""
    spec = fld.spec

    def text(key: str, default: str) -> str:
        return service.text(f"fields.{fld.key}.{key}", default, language)

    value = shown.get(fld.name, "")
    view: dict[str, Any] = {
        "name": fld.name,
        "id": fld.html_id,
        "widget": fld.widget,
        "partial": PARTIALS[fld.widget],
        "label": text("label", fld.label),
        "hint": text("hint", spec["hint"]) if "hint" in spec else None,
        "optional": not fld.required and fld.widget != "declaration" and fld.revealed_by is None,
        "heading": heading,
        "value": value,
        "error": errors.get(fld.name),
        "autocomplete": spec.get("autocomplete"),
        "spellcheck": spec.get("spellcheck"),
        "prefix": text("prefix", spec["prefix"]) if "prefix" in spec else ("£" if fld.widget == "money" else None),
        "suffix": text("suffix", spec["suffix"]) if "suffix" in spec else None,
        "width": WIDTHS.get(spec.get("width", DEFAULT_WIDTHS.get(fld.widget, ""))),
        "rows": spec.get("rows", 5),
        "max_length": fld.schema.get("maxLength"),
        "inline": bool(spec.get("inline")),
        "validate": validate if fld.widget in INLINE_VALIDATION else None,
    }
    if fld.widget in ("radios", "select", "yes-no", "checkboxes"):
        chosen = value if isinstance(value, list) else [value]
        hints = spec.get("optionHints", {})
        view["options"] = []
        for option_value, title in fld.options:
            code = encode_option(option_value)
            revealed = [
                other for other in fields
                if other.revealed_by == (fld.name, code)
            ]
            view["options"].append({
                "value": code,
                "text": option_text(service, fld, option_value, title, language),
                "hint": service.text(f"fields.{fld.key}.optionHints.{code}", hints[code], language) if code in hints else None,
                "checked": code in chosen,
                "reveals": [
                    field_view(service, other, shown, errors, language, heading=False, fields=fields, files=files,
                               validate=validate)
                    for other in revealed
                ],
            })
    if fld.widget == "file":
        view["accept"] = spec.get("accept", ["image/jpeg", "image/png", "application/pdf"])
        view["file_name"] = files.get(str(value)) if value else None
    if fld.widget == "declaration":
        view["options"] = [{"value": "yes", "text": view["label"], "hint": None, "checked": value == "yes", "reveals": []}]
    return view


def page_fields(
    service: Service,
    page: Page,
    shown: Mapping[str, Any],
    errors: Sequence[FieldError],
    language: str,
    files: Mapping[str, str],
    validate: str | None = None,
) -> list[dict[str, Any]]:
    by_name = {error.field.name: error.message for error in errors}
    top = [fld for fld in page.fields if fld.revealed_by is None]
    single = len(top) == 1 and not page.title
    return [
        field_view(service, fld, shown, by_name, language, heading=single, fields=page.fields, files=files,
                   validate=validate)
        for fld in top
    ]


def error_list(errors: Sequence[FieldError]) -> list[dict[str, str]]:
    """The error summary: one link per field, to the first input of that field."""
    result = []
    for error in errors:
        target = error.field.html_id
        if error.field.widget == "date":
            part = error.keyword.removeprefix("date-") if error.keyword.startswith("date-") else "day"
            target = f"{target}-{part}"
        elif error.field.widget in ("radios", "checkboxes", "yes-no", "declaration"):
            target = target  # the first option carries the field's id
        result.append({"field": error.field.name, "href": f"#{target}", "message": error.message, "keyword": error.keyword})
    return result


def display_value(service: Service, fld: Field, value: Any, language: str, files: Mapping[str, str]) -> dict[str, Any]:
    """An answer as check-your-answers shows it: text, or a list of lines."""
    if value is MISSING or value == "" or value == []:
        return {"text": ui(language, "not_provided"), "missing": True}
    if fld.widget == "date" and isinstance(value, str):
        try:
            return {"text": format_date(value, language)}
        except ValueError:
            return {"text": value}
    if fld.widget == "money" and isinstance(value, int):
        return {"text": format_pence(value)}
    if fld.widget == "file":
        return {"text": files.get(str(value), ui(language, "uploaded", name=""))}
    if fld.widget == "declaration":
        return {"text": ui(language, "yes")}
    titles = option_titles(service, fld, language)
    if isinstance(value, list):
        return {"lines": [titles.get(encode_option(v), str(v)) for v in value]}
    if titles:
        return {"text": titles.get(encode_option(value), str(value))}
    text = str(value)
    return {"lines": text.split("\n")} if "\n" in text else {"text": text}


def quote_view(quote: Quote) -> dict[str, Any]:
    return {
        "total": quote.total,
        "total_text": format_pence(quote.total),
        "lines": [
            {**charge.as_json(), "amount_text": format_pence(charge.amount), "unit_text": format_pence(charge.unit)}
            for charge in quote.charges
        ],
    }


def answer_rows(service: Service, page: Page, answers: Any, language: str, files: Mapping[str, str], change_url: str) -> list[dict[str, Any]]:
    rows = []
    for fld in page.fields:
        if fld.revealed_by is not None and get(answers, fld.pointer) is MISSING:
            continue
        label = service.text(f"fields.{fld.key}.label", fld.label, language)
        rows.append({
            "key": label,
            "value": display_value(service, fld, get(answers, fld.pointer), language, files),
            "change": f"{change_url}#{fld.html_id}" if change_url else None,
        })
    return rows
