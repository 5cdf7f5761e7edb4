"""Money as designers type it (pounds: "15", "£12.50", "1,000") and as definitions keep it
(whole pence, an integer from 0 to 100,000,000)."""

from __future__ import annotations

import decimal
import re

from builder.change import Refused

MAX_PENCE = 100_000_000  # £1,000,000, the format's largest amount

_POUNDS = re.compile(r"^\d{1,3}(,\d{3})*(\.\d{1,2})?$|^\d+(\.\d{1,2})?$")


def pence(pounds: str | int | decimal.Decimal) -> int:
    """Whole pence from an amount in pounds: "12.50" → 1250, "£1,000" → 100000, 15 → 1500.

    Refuses negative amounts, fractions of a penny and amounts over £1,000,000.
    """
    if isinstance(pounds, bool):
        raise Refused("amount", "Enter an amount of money, like 15 or 12.50")
    if isinstance(pounds, int):
        amount = decimal.Decimal(pounds)
    elif isinstance(pounds, decimal.Decimal):
        amount = pounds
    else:
        text = pounds.strip().removeprefix("£").strip()
        if not _POUNDS.match(text):
            raise Refused("amount", "Enter an amount of money in pounds, like 15 or 12.50")
        amount = decimal.Decimal(text.replace(",", ""))
    value = amount * 100
    if value != value.to_integral_value():
        raise Refused("amount", "An amount cannot have fractions of a penny")
    if value < 0:
        raise Refused("amount", "An amount cannot be less than £0")
    if value > MAX_PENCE:
        raise Refused("amount", "An amount must be £1,000,000 or less")
    return int(value)


def pounds(amount: int) -> str:
    """Pence as people read them: 1500 → £15, 1250 → £12.50, 100000 → £1,000."""
    whole, part = divmod(amount, 100)
    return f"£{whole:,}" if part == 0 else f"£{whole:,}.{part:02d}"
