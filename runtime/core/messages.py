"""Error messages in the resident's words: the definition's own, or GOV.UK-style defaults
built from the failed rule and the field's label. Never the validator's text."""

from __future__ import annotations

import datetime
from typing import Any

from runtime.core.service import Field, Service
from runtime.core.ui_text import ui

CHOICE_WIDGETS = {"radios", "select", "yes-no", "checkboxes"}

# Which of the definition's own messages answer for a rule, in the order they are looked up.
OVERRIDES = {
    "date-day": ("required",),
    "date-month": ("required",),
    "date-year": ("required",),
    "oneOf": ("enum", "required"),
    "anyOf": ("enum", "required"),
    "enum": ("enum", "required"),
    "minLength": ("minLength", "required"),
    "minItems": ("minItems", "required"),
}

MONTH_NAMES = {
    "en": [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ],
    "cy": [
        "Ionawr",
        "Chwefror",
        "Mawrth",
        "Ebrill",
        "Mai",
        "Mehefin",
        "Gorffennaf",
        "Awst",
        "Medi",
        "Hydref",
        "Tachwedd",
        "Rhagfyr",
    ],
}


def label_in_sentence(label: str) -> str:
    """A label as it reads mid-sentence: no question mark, lower-case unless it starts with an acronym."""
    text = label.strip().rstrip("?").rstrip(":")
    first = text.split(" ", 1)[0]
    if len(first) > 1 and first.isupper():
        return text
    return text[:1].lower() + text[1:]


def format_date(iso: str, language: str) -> str:
    date = datetime.date.fromisoformat(iso)
    return f"{date.day} {MONTH_NAMES.get(language, MONTH_NAMES['en'])[date.month - 1]} {date.year}"


def _pounds(pence: Any) -> str:
    value = int(pence)
    return f"{value // 100:,}" if value % 100 == 0 else f"{value // 100:,}.{value % 100:02d}"


def message(service: Service, fld: Field, keyword: str, limit: Any, language: str) -> str:
    for own in OVERRIDES.get(keyword, (keyword,)):
        text = fld.spec.get("errors", {}).get(own)
        if text:
            return service.text(f"fields.{fld.key}.errors.{own}", text, language)
    if "errorName" in fld.spec:
        label = service.text(f"fields.{fld.key}.errorName", fld.spec["errorName"], language)
    else:
        label = label_in_sentence(service.text(f"fields.{fld.key}.label", fld.label, language))
    values = {"label": label, "Label": label[:1].upper() + label[1:], "limit": limit}

    def say(key: str, **extra: Any) -> str:
        return ui(language, key, **{**values, **extra})

    widget = fld.widget
    if keyword == "required" or (keyword == "minLength" and limit == 1):
        if widget in CHOICE_WIDGETS or widget == "declaration":
            return say("err_required_choice")
        return say("err_required_file") if widget == "file" else say("err_required_text")
    if keyword.startswith("date-"):
        return say("err_date_part", part=ui(language, keyword.removeprefix("date-")).lower())
    if keyword in ("enum", "oneOf", "anyOf", "const"):
        return say("err_choice")
    if keyword == "minItems":
        return say("err_required_choice") if int(limit) <= 1 else say("err_min_items")
    if keyword == "maxItems":
        return say("err_max_items")
    if keyword == "minLength":
        return say("err_min_length")
    if keyword == "maxLength":
        return say("err_max_length")
    if keyword == "pattern":
        return say("err_pattern")
    if keyword == "format":
        fmt = fld.schema.get("format")
        by_format = {
            "date": "err_date_real",
            "email": "err_email",
            "uk-phone": "err_phone",
            "uk-postcode": "err_postcode",
            "file": "err_required_file",
        }
        return say(by_format.get(str(fmt), "err_generic"))
    if keyword == "type":
        if widget == "money":
            return say("err_money")
        kind = fld.schema.get("type")
        return say(
            "err_integer"
            if kind == "integer"
            else "err_number"
            if kind == "number"
            else "err_generic"
        )
    if keyword in ("minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum"):
        lowest = keyword.endswith("inimum")
        if widget == "money":
            return say("err_money_minimum" if lowest else "err_money_maximum", limit=_pounds(limit))
        return say("err_minimum" if lowest else "err_maximum")
    if keyword in ("formatMinimum", "formatMaximum"):
        if limit == "today":
            return say("err_date_after" if keyword == "formatMinimum" else "err_date_before")
        return say(
            "err_date_from" if keyword == "formatMinimum" else "err_date_until",
            limit=format_date(str(limit), language),
        )
    if keyword == "fileSize":
        return say("err_file_size", limit=f"{int(limit) // (1024 * 1024)}MB")
    if keyword == "fileType":
        return say("err_file_type", types=str(limit))
    if keyword == "fileEmpty":
        return say("err_file_empty")
    return say("err_generic")
