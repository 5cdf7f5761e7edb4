"""Checking what a designer typed before it goes into a definition, with messages in their
words: the format's limits (short texts 1 to 500 characters, Markdown up to 20,000) and safe
patterns, refused before the draft would fail its meta-schema."""

from __future__ import annotations

import datetime
import functools
import re
from typing import Any

from jsonschema import Draft202012Validator

from builder.change import Refused
from runtime.core.metaschema import BASE_URI, CURRENT_FORMAT, registry
from runtime.core.patterns import pattern_problem

MAX_TEXT = 500
MAX_MARKDOWN = 20_000


def short_text(value: str, what: str) -> str:
    """A label, hint, title or message: 1 to 500 characters once trimmed."""
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        raise Refused("text-missing", f"Enter {what}")
    if len(text) > MAX_TEXT:
        raise Refused(
            "text-too-long", f"{what[0].upper()}{what[1:]} must be {MAX_TEXT} characters or fewer"
        )
    return text


def markdown(value: str, what: str) -> str:
    """Page content, a start page or a confirmation: 1 to 20,000 characters once trimmed."""
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        raise Refused("text-missing", f"Enter {what}")
    if len(text) > MAX_MARKDOWN:
        raise Refused(
            "text-too-long",
            f"{what[0].upper()}{what[1:]} must be {MAX_MARKDOWN:,} characters or fewer",
        )
    return text


def count(value: int, what: str, *, least: int = 0, most: int = 1_000_000) -> int:
    """A whole number in range (lengths, numbers of items, days)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise Refused("not-a-whole-number", f"{what[0].upper()}{what[1:]} must be a whole number")
    if not least <= value <= most:
        raise Refused(
            "out-of-range", f"{what[0].upper()}{what[1:]} must be between {least:,} and {most:,}"
        )
    return value


def number(value: float, what: str) -> int | float:
    """A finite number; a whole one is kept as an integer (3, not 3.0)."""
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
        raise Refused("not-a-number", f"{what[0].upper()}{what[1:]} must be a number")
    if isinstance(value, float) and value in (float("inf"), float("-inf")):
        raise Refused("not-a-number", f"{what[0].upper()}{what[1:]} must be a number")
    return int(value) if float(value).is_integer() else value


def condition(value: Any) -> dict[str, Any]:
    """A condition (a `when`): a JSON Schema the format accepts, checked by its meta-schema."""
    if not isinstance(value, dict) or not value:
        raise Refused(
            "condition", "A condition must be a JSON Schema object with at least one rule"
        )
    errors = sorted(
        _condition_validator().iter_errors(value), key=lambda error: list(error.absolute_path)
    )
    if errors:
        first = errors[0]
        where = "/".join(str(part) for part in first.absolute_path)
        raise Refused(
            "condition",
            f"The condition cannot be used: {where + ': ' if where else ''}{first.message}",
        )
    return value


@functools.cache
def _condition_validator() -> Any:
    reference = BASE_URI.format(format=CURRENT_FORMAT) + "common.json#/$defs/condition"
    return Draft202012Validator({"$ref": reference}, registry=registry())


def safe_pattern(value: str) -> str:
    """A regular expression the runtime will run: it must compile on RE2 and stay small."""
    if not isinstance(value, str) or not value:
        raise Refused("pattern", "Enter a pattern")
    reason = pattern_problem(value)
    if reason:
        raise Refused("pattern", f"The pattern cannot be used: {reason}")
    return value


_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


def date_bound(value: str, what: str) -> str:
    """`today`, or a real date written YYYY-MM-DD."""
    if value == "today":
        return value
    if isinstance(value, str) and _DATE.match(value):
        try:
            datetime.date.fromisoformat(value)
        except ValueError:
            pass
        else:
            return value
    raise Refused(
        "date", f"{what[0].upper()}{what[1:]} must be today or a real date, like 2026-04-01"
    )
