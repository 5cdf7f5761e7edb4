"""Whole numbers typed or sent as text: ASCII digits only, and few enough to convert.

`str.isdigit()` alone says yes to "²" (which `int()` refuses) and to "١٢" (Arabic-Indic
digits, which `int()` reads), and `int()` refuses a text of more than 4,300 digits: a check
with `isdigit()` before `int()` turns either into an error page. Every number a form, a path
or a pointer sends is checked here first.
"""

from __future__ import annotations


def is_digits(text: str) -> bool:
    """Whether `text` is one or more of the digits 0 to 9, and nothing else."""
    return text.isascii() and text.isdigit()


def whole_number(text: str, most_digits: int = 9) -> int | None:
    """`text` as a whole number when it is 1 to `most_digits` digits 0 to 9, else None."""
    return int(text) if is_digits(text) and len(text) <= most_digits else None
