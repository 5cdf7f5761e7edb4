"""Pricing: every amount is computed here from the definition and the saved answers, in pence."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from runtime.core.answers import MISSING, get
from runtime.core.service import Answers, Service


@dataclass(frozen=True)
class Charge:
    id: str
    description: str
    unit: int  # pence
    quantity: int
    amount: int  # pence

    def as_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "description": self.description,
            "unit": self.unit,
            "quantity": self.quantity,
            "amount": self.amount,
        }


@dataclass(frozen=True)
class Quote:
    charges: tuple[Charge, ...]

    @cached_property
    def total(self) -> int:
        return sum(charge.amount for charge in self.charges)

    def as_json(self) -> dict[str, object]:
        return {
            "currency": "GBP",
            "total": self.total,
            "lines": [c.as_json() for c in self.charges],
        }


def price(service: Service, answers: Answers, language: str = "en") -> Quote:
    """The charges that apply to `answers` (already pruned to the pages that apply)."""
    charges = []
    for line in service.fee_lines:
        if line.when is not None and not line.when.is_valid(answers):
            continue
        spec = line.spec
        description = service.text(f"fees.{line.id}.description", spec["description"], language)
        if "amountFrom" in spec:
            value = get(answers, spec["amountFrom"])
            if isinstance(value, int) and not isinstance(value, bool) and value > 0:
                charges.append(Charge(line.id, description, value, 1, value))
            continue
        quantity = 1
        if "multiplier" in spec:
            factor = get(answers, spec["multiplier"])
            if factor is MISSING:
                continue
            quantity = (
                len(factor)
                if isinstance(factor, list)
                else int(factor)
                if isinstance(factor, int | float) and not isinstance(factor, bool)
                else 0
            )
        if quantity > 0:
            charges.append(
                Charge(line.id, description, spec["amount"], quantity, spec["amount"] * quantity)
            )
    return Quote(tuple(charges))


def format_pence(pence: int) -> str:
    """£12.50, or £12 for whole pounds."""
    pounds, rest = divmod(pence, 100)
    return f"£{pounds:,}" if rest == 0 else f"£{pounds:,}.{rest:02d}"
