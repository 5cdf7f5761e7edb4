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


# Turning an English question into the words an error message holds ("Select which bin you
# need", not "Select which bin do you need"): only where the subject is a pronoun, so the words
# can be put in order without knowing the sentence's grammar; any other question is left as it is.
_WH_WORDS = frozenset({"what", "which", "when", "where", "why", "how", "who", "whose", "whom"})
_PRONOUNS = frozenset({"you", "we", "they", "i", "it", "he", "she"})
_PLAIN_PRONOUNS = frozenset({"you", "we", "they", "i"})  # "do you need" -> "you need" (not "it need")
_MOVED = frozenset({"should", "would", "can", "could", "will", "must", "shall", "may", "might",
                    "is", "are", "was", "were", "have", "has", "am"})
_AUXILIARIES = _MOVED | {"do", "does", "did", "had"}
_BE = frozenset({"is", "are", "was", "were"})
_DETERMINERS = frozenset({"your", "the", "this", "their", "our", "his", "her", "its", "my"})


def english_clause(label: str, *, yes_no: bool = False) -> str | None:
    """An English question as the clause an error message holds, or None when no rule fits:
    "What is your name?" -> "your name"; "Which bin do you need?" -> "which bin you need";
    "Where should we leave it?" -> "where we should leave it"; for a yes or no question,
    "Do you want vouchers?" -> "yes if you want vouchers" (GOV.UK's "Select yes if ...")."""
    words = label.strip().rstrip("?").split()
    if len(words) < 2 or not label.strip().endswith("?"):
        return None
    low = [word.lower() for word in words]
    if yes_no:
        swapped = _subject_first(words, 0) if len(words) >= 3 else None
        return f"yes if {swapped}" if swapped is not None else None
    if len(words) >= 3 and low[0] == "what" and low[1] in ("is", "are") and low[2] in _DETERMINERS:
        return " ".join(words[2:])
    if low[0] == "what's" and low[1] in _DETERMINERS:
        return " ".join(words[1:])
    if low[0] not in _WH_WORDS:
        return None
    for at in range(1, len(words) - 1):
        if low[at] in _AUXILIARIES:
            return _subject_first(words, at)
    return None


def _subject_first(words: list[str], at: int) -> str | None:
    """`words` with the auxiliary at `at` put after the pronoun that follows it ("should we
    leave" -> "we should leave"), or dropped when it is "do" ("do you need" -> "you need");
    None when what follows it is not a pronoun, or the verb would need another form."""
    auxiliary, subject = words[at].lower(), words[at + 1]
    if subject.lower() == "there" and auxiliary in _BE:  # "is there anything" -> "there is anything"
        return " ".join([*words[:at], subject, auxiliary, *words[at + 2:]])
    if subject.lower() not in _PRONOUNS:
        return None
    if auxiliary == "do" and subject.lower() in _PLAIN_PRONOUNS:
        return " ".join(words[:at] + words[at + 1:])
    if auxiliary in _MOVED:
        return " ".join([*words[:at], subject, auxiliary, *words[at + 2:]])
    return None  # "does it need", "did you see": the verb would change ("it needs", "you saw")


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
        text = service.text(f"fields.{fld.key}.label", fld.label, language)
        yes_no = tuple(value for value, _ in fld.options) == (True, False)
        clause = english_clause(text, yes_no=yes_no) if language == "en" else None
        label = label_in_sentence(clause if clause is not None else text)
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
