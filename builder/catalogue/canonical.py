"""Canonical JSON (RFC 8785, the JSON Canonicalization Scheme) and content addresses.

A catalogue names every definition by the SHA-256 of one byte form of it, so the same
definition has the same address wherever it was written. RFC 8785's form: object members
sorted by the UTF-16 code units of their names, no whitespace, strings escaped only where JSON
requires it (and as short as possible), UTF-8, numbers written as ECMAScript writes a double.

Borough's definitions hold integers (pence, limits, codes) and rarely a decimal. An integer
no double holds exactly (2**53 + 1) would have a canonical form that is not the number
written: such a number, NaN and the infinities are refused rather than silently changed.
"""

from __future__ import annotations

import hashlib
import math
from typing import Any

MAX_SAFE_INTEGER = 2**53 - 1
_SHORT_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


class NotCanonical(ValueError):
    """The value has no RFC 8785 form: `pointer` says where."""

    code = "not-canonical"

    def __init__(self, pointer: str, reason: str) -> None:
        self.pointer = pointer
        super().__init__(f"the value at {pointer or '/'} {reason}")


def canonical(document: Any) -> bytes:
    """The RFC 8785 bytes of a JSON value."""
    parts: list[str] = []
    _write(document, parts, "")
    try:
        return "".join(parts).encode("utf-8")
    except UnicodeEncodeError as error:  # a lone surrogate slipped past the string check
        raise NotCanonical("", "holds text that is not Unicode") from error


def content_address(document: Any) -> str:
    """The SHA-256, in hex, of a document's canonical bytes: its name in a catalogue."""
    return hashlib.sha256(canonical(document)).hexdigest()


def _write(value: Any, parts: list[str], pointer: str) -> None:
    if value is None:
        parts.append("null")
    elif value is True:
        parts.append("true")
    elif value is False:
        parts.append("false")
    elif isinstance(value, int):
        if abs(value) <= MAX_SAFE_INTEGER:
            parts.append(str(value))
        elif abs(value) < 2**1024 and int(float(value)) == value:  # a double holds it exactly
            parts.append(number(float(value), pointer))
        else:
            raise NotCanonical(pointer, f"is an integer no double holds exactly ({value})")
    elif isinstance(value, float):
        parts.append(number(value, pointer))
    elif isinstance(value, str):
        parts.append(string(value, pointer))
    elif isinstance(value, dict):
        names = list(value)
        for name in names:
            if not isinstance(name, str):
                raise NotCanonical(pointer, f"has a member name that is not text ({name!r})")
        names.sort(key=lambda name: name.encode("utf-16-be", "surrogatepass"))
        parts.append("{")
        for index, name in enumerate(names):
            if index:
                parts.append(",")
            child = f"{pointer}/{_escape_pointer(name)}"
            parts.append(string(name, child))
            parts.append(":")
            _write(value[name], parts, child)
        parts.append("}")
    elif isinstance(value, (list, tuple)):
        parts.append("[")
        for index, item in enumerate(value):
            if index:
                parts.append(",")
            _write(item, parts, f"{pointer}/{index}")
        parts.append("]")
    else:
        raise NotCanonical(pointer, f"is not a JSON value ({type(value).__name__})")


def string(text: str, pointer: str = "") -> str:
    """A JSON string as RFC 8785 writes it."""
    out = ['"']
    for char in text:
        code = ord(char)
        if char in _SHORT_ESCAPES:
            out.append(_SHORT_ESCAPES[char])
        elif code < 0x20:
            out.append(f"\\u{code:04x}")
        elif 0xD800 <= code <= 0xDFFF:
            raise NotCanonical(pointer, "holds a lone surrogate, which is not Unicode text")
        else:
            out.append(char)
    out.append('"')
    return "".join(out)


def number(value: float, pointer: str = "") -> str:
    """A double as ECMAScript's Number.prototype.toString writes it (RFC 8785, 3.2.2.3)."""
    if not math.isfinite(value):
        raise NotCanonical(pointer, f"is not a finite number ({value})")
    if value == 0:
        return "0"  # and -0 too
    sign = "-" if value < 0 else ""
    # Python's repr is the shortest text that reads back as the same double: its digits are
    # the ones ECMAScript picks; only where the point and exponent go differs.
    mantissa, _, exponent_text = repr(abs(value)).partition("e")
    whole, _, fraction = mantissa.partition(".")
    written = whole + fraction
    digits = written.lstrip("0")
    leading_zeros = len(written) - len(digits)
    # n: where the decimal point falls relative to the digits (ECMAScript's "n")
    point = len(whole) + (int(exponent_text) if exponent_text else 0) - leading_zeros
    digits = digits.rstrip("0") or "0"
    k = len(digits)
    if k <= point <= 21:
        return sign + digits + "0" * (point - k)
    if 0 < point <= 21:
        return sign + digits[:point] + "." + digits[point:]
    if -6 < point <= 0:
        return sign + "0." + "0" * -point + digits
    exponent = point - 1
    shown = digits[0] + ("." + digits[1:] if k > 1 else "")
    return f"{sign}{shown}e{'+' if exponent > 0 else '-'}{abs(exponent)}"


def _escape_pointer(name: str) -> str:
    return name.replace("~", "~0").replace("/", "~1")
