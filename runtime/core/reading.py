"""Reading untrusted definition text: size, nesting and syntax are checked before anything else."""

from __future__ import annotations

import json
import math
from typing import Any

from runtime.core.problems import DefinitionError, pointer_join

MAX_BYTES = 2 * 1024 * 1024
MAX_DEPTH = 64
MAX_NUMBER_DIGITS = 100


def nesting_depth(text: str, limit: int) -> int:
    """The deepest nesting of JSON arrays and objects in `text`, scanning no further than `limit`."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > limit:
                    return deepest
        elif char in "]}":
            depth -= 1
    return deepest


def read_definition(data: bytes | str, *, max_bytes: int = MAX_BYTES) -> dict[str, Any]:
    """Parse a definition document, refusing what is too big, too deep, not UTF-8 or not JSON."""
    size = len(data.encode("utf-8")) if isinstance(data, str) else len(data)
    if size > max_bytes:
        raise DefinitionError(
            "too-large",
            f"the definition is {size:,} bytes; the most Borough reads is {max_bytes:,} bytes",
        )
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as error:
            raise DefinitionError(
                "not-utf8", f"the definition is not UTF-8 text (byte {error.start})"
            ) from None
    else:
        text = data
    if nesting_depth(text, MAX_DEPTH) > MAX_DEPTH:
        raise DefinitionError("too-deep", f"the definition nests deeper than {MAX_DEPTH} levels")
    refused: list[_RefusedNumber] = []
    try:
        document = json.loads(
            text,
            parse_constant=_refuse_constant,
            parse_int=lambda literal: _integer(literal, refused),
            parse_float=lambda literal: _decimal(literal, refused),
        )
    except json.JSONDecodeError as error:
        raise DefinitionError(
            "not-json",
            f"the definition is not JSON: {error.msg} at line {error.lineno} column {error.colno}",
        ) from None
    except ValueError as error:
        raise DefinitionError("not-json", f"the definition is not JSON: {error}") from None
    if refused:
        pointer, number = _first_refused(document)
        raise DefinitionError(number.code, f"the number at {pointer or '/'} {number.reason}")
    if not isinstance(document, dict):
        raise DefinitionError("not-object", "the definition must be a JSON object")
    return document


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


class _RefusedNumber:
    """Stands in for a number too long or too large to hold, until its place is found."""

    def __init__(self, code: str, reason: str) -> None:
        self.code = code
        self.reason = reason


def _integer(literal: str, refused: list[_RefusedNumber]) -> int | _RefusedNumber:
    # Converting a long integer costs time that grows with the square of its length: count first.
    digits = len(literal) - literal.startswith("-")
    if digits > MAX_NUMBER_DIGITS:
        return _refuse(refused, "number-too-long", _too_many_digits(digits))
    return int(literal)


def _decimal(literal: str, refused: list[_RefusedNumber]) -> float | _RefusedNumber:
    digits = sum(char.isdigit() for char in literal.partition("e")[0].partition("E")[0])
    if digits > MAX_NUMBER_DIGITS:
        return _refuse(refused, "number-too-long", _too_many_digits(digits))
    value = float(literal)
    if not math.isfinite(value):
        return _refuse(refused, "number-too-large", f"is too large: {literal}")
    return value


def _too_many_digits(digits: int) -> str:
    return (
        f"has {digits:,} digits; a number in a definition may have at most {MAX_NUMBER_DIGITS}"
    )


def _refuse(refused: list[_RefusedNumber], code: str, reason: str) -> _RefusedNumber:
    number = _RefusedNumber(code, reason)
    refused.append(number)
    return number


def _first_refused(document: Any) -> tuple[str, _RefusedNumber]:
    """The JSON Pointer of the first refused number, in the order the document is written."""
    stack: list[tuple[Any, tuple[str | int, ...]]] = [(document, ())]
    while stack:
        value, path = stack.pop()
        if isinstance(value, _RefusedNumber):
            return pointer_join(*path), value
        if isinstance(value, dict):
            stack.extend(reversed([(child, (*path, name)) for name, child in value.items()]))
        elif isinstance(value, list):
            stack.extend(reversed([(child, (*path, index)) for index, child in enumerate(value)]))
    raise AssertionError("a refused number was parsed but is not in the document")
