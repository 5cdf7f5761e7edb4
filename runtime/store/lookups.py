"""Looking rows up by a value from outside: a council's slug or a service's id in a URL, a
filter in a query string, a payment id. Such a value is anything a browser can send; one
that no row could hold names nothing, so the lookup finds nothing, as for any unknown name.

Without this check the query itself fails: Tortoise validates a filter's value against the
column before it asks the database (a ``CharField(max_length=64)`` refuses 65 characters),
and PostgreSQL's text refuses a NUL character or half of one (a lone surrogate).
"""

from __future__ import annotations

from tortoise.models import Model


def could_exist(model: type[Model], field: str, value: str) -> bool:
    """Whether a row of `model` could hold `value` in its text column `field`."""
    limit: int | None = getattr(model._meta.fields_map[field], "max_length", None)
    if limit is not None and len(value) > limit:
        return False
    return storable_text(value)


def storable_text(value: str) -> bool:
    """Text every database keeps: encodable as UTF-8, and without NUL."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return "\x00" not in value
