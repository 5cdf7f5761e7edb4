"""The question form's settings: what a designer can set on each kind of question (lengths,
ranges, patterns, dates, choices, files, rows), each read from the draft as the text the form
shows and parsed back from what was typed into an `edit-question` parameter; the rules each kind
can fail (one error message box each); and dates as designers write them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from builder.amounts import pounds
from builder.question_kinds import KINDS
from builder.question_operations import MEGABYTE
from runtime.core.digits import is_digits

MAX_LABEL = 500
TEXT_KINDS = ("text", "long-text", "email", "phone")
FILE_NAMES = {"image/jpeg": "JPEG image", "image/png": "PNG image", "image/heic": "HEIC image (iPhone photo)",
              "application/pdf": "PDF document"}

# The error messages a designer can give, by kind of question: the rules that can fail.
ERROR_RULES: dict[str, tuple[str, ...]] = {
    "text": ("required", "minLength", "maxLength", "pattern"),
    "long-text": ("required", "minLength", "maxLength", "pattern"),
    "email": ("required", "format", "maxLength"),
    "phone": ("required", "format", "maxLength"),
    "postcode": ("required", "format"),
    "number": ("required", "type", "minimum", "maximum"),
    "money": ("required", "type", "minimum", "maximum"),
    "date": ("required", "format", "formatMinimum", "formatMaximum"),
    "yes-no": ("required",),
    "one-of": ("required",),
    "select": ("required",),
    "several-of": ("required", "minItems", "maxItems"),
    "file": ("required", "fileType", "fileSize"),
    "declaration": ("required",),
}
RULE_WORDS = {
    "required": "When nothing is given", "type": "When the answer is not a number", "format": "When the answer is not real",
    "pattern": "When the text does not match the pattern", "minLength": "When the text is too short",
    "maxLength": "When the text is too long", "minimum": "When the answer is too small",
    "maximum": "When the answer is too big", "formatMinimum": "When the date is too early",
    "formatMaximum": "When the date is too late", "minItems": "When too few are ticked",
    "maxItems": "When too many are ticked", "fileType": "When the file is not an accepted type",
    "fileSize": "When the file is too big",
}



def question_key(answer: str) -> str:
    """A field's answer as it appears in a URL: /address/postcode → address.postcode."""
    return answer.strip("/").replace("/", ".")


# What a question accepts: each setting, the kinds it is for, how it is read and parsed.


@dataclass(frozen=True)
class Setting:
    """One setting of the question form: its form name (the edit_question parameter), its
    words, the kinds it is for, its current value as text and the parameter from text."""

    name: str
    label: str
    hint: str
    kinds: tuple[str, ...]
    read: Callable[[dict[str, Any], dict[str, Any], str], str]
    parse: Callable[[str, str], Any]
    width: int = 5


class Invalid(ValueError):
    """A setting typed in a way that cannot be used: the message says how to write it."""


def _whole(text: str, what: str) -> int:
    cleaned = text.replace(",", "")
    if not is_digits(cleaned) or len(cleaned) > 9:
        raise Invalid(f"{what} must be a whole number, like 10")
    return int(cleaned)


def _schema_text(key: str) -> Callable[[dict[str, Any], dict[str, Any], str], str]:
    def read(schema: dict[str, Any], field: dict[str, Any], kind: str) -> str:
        value = schema.get(key)
        if value is None:
            return ""
        if kind == "money" and isinstance(value, int):
            return pounds(value).removeprefix("£")
        return str(value)
    return read


def _field_text(key: str) -> Callable[[dict[str, Any], dict[str, Any], str], str]:
    def read(schema: dict[str, Any], field: dict[str, Any], kind: str) -> str:
        value = field.get(key)
        return "" if value is None else str(value)
    return read


def _count(what: str) -> Callable[[str, str], Any]:
    return lambda text, kind: None if not text else _whole(text, what)


def _text(text: str, kind: str) -> Any:
    return text or None


def _amount(text: str, kind: str) -> Any:
    if not text:
        return None
    if kind == "money":
        return text
    try:
        float(text.replace(",", ""))
    except ValueError:
        raise Invalid("Enter a number, like 3 or 2.5") from None
    return text


def _date(text: str, kind: str) -> Any:
    if not text:
        return None
    if text.lower() == "today":
        return "today"
    parts = text.replace("/", " ").replace("-", " ").split()
    if len(parts) == 3 and all(is_digits(part) and len(part) <= 4 for part in parts):
        day, month, year = (parts[2], parts[1], parts[0]) if len(parts[0]) == 4 else parts
        return f"{int(year):04d}-{int(month):02d}-{int(day):02d}"
    raise Invalid("Enter today, or a date like 27 3 2026")


def typed_date(text: str) -> str:
    """A date as a designer writes it (today, 27 3 2026, 2026-03-27) as the format keeps it."""
    found = _date(text.strip(), "date")
    if found is None:
        raise Invalid("Enter today, or a date like 27 3 2026")
    return str(found)


def _date_text(key: str) -> Callable[[dict[str, Any], dict[str, Any], str], str]:
    def read(schema: dict[str, Any], field: dict[str, Any], kind: str) -> str:
        value = schema.get(key)
        if not isinstance(value, str):
            return ""
        pieces = value.split("-")
        if value == "today" or len(pieces) != 3 or not all(is_digits(piece) and len(piece) <= 4 for piece in pieces):
            return value
        return f"{int(pieces[2])} {int(pieces[1])} {pieces[0]}"
    return read


def _megabytes(schema: dict[str, Any], field: dict[str, Any], kind: str) -> str:
    size = field.get("maxBytes")
    return str(size // MEGABYTE) if isinstance(size, int) else ""


def _whole_numbers(schema: dict[str, Any], field: dict[str, Any], kind: str) -> str:
    return "yes" if schema.get("type") == "integer" else "no"


def _yes(text: str, kind: str) -> Any:
    if text not in ("yes", "no"):
        raise Invalid("Choose whether only whole numbers are allowed")
    return text == "yes"


SETTINGS = (
    Setting("error_name", "Name used in error messages (optional)",
            "Used in default messages, like 'Enter the date your bin was due'. Leave blank to use the question.",
            tuple(KINDS), _field_text("errorName"), _text, 20),
    Setting("min_length", "Fewest characters (optional)", "", TEXT_KINDS, _schema_text("minLength"),
            _count("The fewest characters")),
    Setting("max_length", "Most characters (optional)", "", TEXT_KINDS, _schema_text("maxLength"),
            _count("The most characters")),
    Setting("pattern", "Pattern the answer must match (optional)",
            "A regular expression, like ^[0-9]{8}$ for 8 digits. Give a message for it below.",
            ("text", "long-text"), _schema_text("pattern"), _text, 20),
    Setting("minimum", "Smallest allowed (optional)", "For money, in pounds, like 10 or 12.50",
            ("number", "money"), _schema_text("minimum"), _amount, 10),
    Setting("maximum", "Largest allowed (optional)", "For money, in pounds, like 10 or 12.50",
            ("number", "money"), _schema_text("maximum"), _amount, 10),
    Setting("whole_number", "Only whole numbers?", "", ("number",), _whole_numbers, _yes),
    Setting("earliest", "Earliest date allowed (optional)", "Write today, or a date like 27 3 2026",
            ("date",), _date_text("formatMinimum"), _date, 10),
    Setting("latest", "Latest date allowed (optional)", "Write today, or a date like 27 3 2026",
            ("date",), _date_text("formatMaximum"), _date, 10),
    Setting("min_items", "Fewest options to tick (optional)", "", ("several-of",), _schema_text("minItems"),
            _count("The fewest options")),
    Setting("max_items", "Most options to tick (optional)", "", ("several-of",), _schema_text("maxItems"),
            _count("The most options")),
    Setting("rows", "Rows of the text box (optional)", "From 2 to 20", ("long-text",), _field_text("rows"),
            _count("The number of rows")),
    Setting("prefix", "Text before the box (optional)", "Like 'Ref'", ("text", "number"), _field_text("prefix"),
            _text, 10),
    Setting("suffix", "Text after the box (optional)", "Like 'bins' or 'per week'", ("text", "number"),
            _field_text("suffix"), _text, 10),
    Setting("max_megabytes", "Largest file, in MB (optional)", "From 1 to 20. 10 MB when left blank",
            ("file",), _megabytes, _count("The largest file")),
)
# The form field a refusal of edit_question is shown on, by its code.
REFUSAL_FIELD = {"range": "min", "pattern": "pattern", "file-types": "accept", "date": "earliest",
                  "amount": "minimum", "not-a-number": "minimum", "out-of-range": None}
