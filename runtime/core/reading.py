"""Reading untrusted definition text: size, nesting and syntax are checked before anything else."""

from __future__ import annotations

import json
from typing import Any

from runtime.core.problems import DefinitionError

MAX_BYTES = 2 * 1024 * 1024
MAX_DEPTH = 64


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
    try:
        document = json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as error:
        raise DefinitionError(
            "not-json",
            f"the definition is not JSON: {error.msg} at line {error.lineno} column {error.colno}",
        ) from None
    except ValueError as error:
        raise DefinitionError("not-json", f"the definition is not JSON: {error}") from None
    if not isinstance(document, dict):
        raise DefinitionError("not-object", "the definition must be a JSON object")
    return document


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")
