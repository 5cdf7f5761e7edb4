"""The answers validator: JSON Schema 2020-12, a format checker that really checks, `pattern`
run on RE2 (never a backtracking engine), and two keywords for dates (`formatMinimum`,
`formatMaximum`, where `today` means the day it runs)."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator
from typing import Any

from jsonschema import Draft202012Validator, validators
from jsonschema.exceptions import ValidationError

from runtime.core.formats import FORMAT_CHECKER, is_date
from runtime.core.patterns import search

Today = Callable[[], datetime.date]


def _bound(value: str, today: Today) -> datetime.date:
    return today() if value == "today" else datetime.date.fromisoformat(value)


def _date_keyword(earliest: bool, today: Today) -> Callable[..., Iterator[ValidationError]]:
    def check(
        validator: Any, bound: str, instance: Any, schema: dict[str, Any]
    ) -> Iterator[ValidationError]:
        if not isinstance(instance, str) or not instance or not is_date(instance):
            return
        try:
            given = datetime.date.fromisoformat(instance)
        except ValueError:
            return
        limit = _bound(bound, today)
        if (earliest and given < limit) or (not earliest and given > limit):
            word = "on or after" if earliest else "on or before"
            yield ValidationError(f"{instance} must be {word} {limit.isoformat()}")

    return check


def pattern_keyword(
    validator: Any, pattern: str, instance: Any, schema: dict[str, Any]
) -> Iterator[ValidationError]:
    """JSON Schema's `pattern` (a match anywhere in a string), run on RE2."""
    if isinstance(instance, str) and not search(pattern, instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


def answers_validator_class(today: Today = datetime.date.today) -> type[Draft202012Validator]:
    cls: type[Draft202012Validator] = validators.extend(
        Draft202012Validator,
        {
            "pattern": pattern_keyword,
            "formatMinimum": _date_keyword(True, today),
            "formatMaximum": _date_keyword(False, today),
        },
    )
    return cls


AnswersValidator = answers_validator_class()


def answers_validator(schema: dict[str, Any]) -> Draft202012Validator:
    """A validator for a definition's answers (or a condition), built once and reused."""
    return AnswersValidator(schema, format_checker=FORMAT_CHECKER)
