"""The formats Borough checks, each one small function in one table.

JSON Schema's own `email` check only looks for an @; councils need real checks, and UK ones.
"""

from __future__ import annotations

import datetime
import re
import uuid
from collections.abc import Callable

from jsonschema import FormatChecker

_EMAIL = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@"
    r"(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.[A-Za-z]{2,63}$"
)
_POSTCODE = re.compile(
    r"^(GIR ?0AA|[A-PR-UWYZ](?:[0-9]{1,2}|[A-HK-Y][0-9]{1,2}|[0-9][A-HJKPS-UW]|[A-HK-Y][0-9][ABEHMNPRV-Y])"
    r" ?[0-9][ABD-HJLNP-UW-Z]{2})$"
)
_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


def is_date(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if not _DATE.match(value):
        return False
    try:
        datetime.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def is_email(value: object) -> bool:
    if not isinstance(value, str):
        return True
    return bool(_EMAIL.match(value)) and ".." not in value.split("@")[0]


def normalise_postcode(value: str) -> str:
    """Upper-case a postcode and put one space before its inward code."""
    compact = re.sub(r"\s+", "", value).upper()
    return f"{compact[:-3]} {compact[-3:]}" if len(compact) > 3 else compact


def is_uk_postcode(value: object) -> bool:
    if not isinstance(value, str):
        return True
    return bool(_POSTCODE.match(normalise_postcode(value)))


def normalise_phone(value: str) -> str:
    """Keep the digits and a leading +, dropping spaces, dashes and brackets."""
    return re.sub(r"[\s()\-.]", "", value)


def is_uk_phone(value: object) -> bool:
    if not isinstance(value, str):
        return True
    digits = normalise_phone(value)
    if digits.startswith("+44"):
        digits = "0" + digits[3:].lstrip("0")
    elif digits.startswith("0044"):
        digits = "0" + digits[4:].lstrip("0")
    return bool(re.fullmatch(r"0[1-9][0-9]{8,9}", digits))


def is_file_id(value: object) -> bool:
    if not isinstance(value, str):
        return True
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


CHECKS: dict[str, Callable[[object], bool]] = {
    "date": is_date,
    "email": is_email,
    "uk-postcode": is_uk_postcode,
    "uk-phone": is_uk_phone,
    "file": is_file_id,
}


def format_checker() -> FormatChecker:
    """A checker for exactly the formats a definition may name."""
    checker = FormatChecker(formats=())
    for name, check in CHECKS.items():
        checker.checks(name)(check)
    return checker


FORMAT_CHECKER = format_checker()
