"""``{name:id}`` in a route's path: a row's id, from 1 to the largest the id columns hold
(``runtime.store.cursors.MAX_ID``), written in the digits 0-9 without leading zeros.

Starlette's ``int`` takes any run of digits, and PostgreSQL refuses a number past its integer
column outright, so ``/outbox/99999999999`` was a server error there. A path with such a
number now matches no route: it is not found, before any query, like an id no row has.
"""

from __future__ import annotations

from starlette.convertors import Convertor, register_url_convertor

from runtime.store.cursors import MAX_ID


def at_most(limit: int) -> str:
    """A regular expression for the whole numbers from 1 to ``limit``, as written by ``str``."""
    digits = str(limit)
    shorter = [f"[1-9][0-9]{{0,{len(digits) - 2}}}"] if len(digits) > 1 else []
    same_length = []
    for place, digit in enumerate(digits):
        low = "1" if place == 0 else "0"
        top = int(digit) - (0 if place == len(digits) - 1 else 1)
        if top >= int(low):
            rest = len(digits) - place - 1
            same_length.append(digits[:place] + f"[{low}-{top}]" + (f"[0-9]{{{rest}}}" if rest else ""))
    return "|".join(f"(?:{part})" for part in shorter + same_length)


class RowId(Convertor[int]):
    regex = at_most(MAX_ID)

    def convert(self, value: str) -> int:
        return int(value)

    def to_string(self, value: int) -> str:
        number = int(value)  # URLs are built from strings too, as Starlette's int allows
        if not 0 < number <= MAX_ID:
            raise ValueError(f"a row id is from 1 to {MAX_ID}")
        return str(number)


def register() -> None:
    """Make ``{name:id}`` known to route tables built from now on (registering twice is harmless)."""
    register_url_convertor("id", RowId())
