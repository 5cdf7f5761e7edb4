"""Operations on fees: what a service charges, in lines the server prices from the answers.

Designers type amounts in pounds ("15", "12.50"); definitions keep whole pence. A line can be
charged per unit or per item (`per`: a number answer, or an add-another list), only when a
condition holds (`when`), or take its amount from an answer (`amount_from`: paying a bill).
"""

from __future__ import annotations

from typing import Any

from builder.amounts import pence, pounds
from builder.change import UNCHANGED, Definition, Refused, Unchanged, operation
from builder.conditions import describe
from builder.inputs import condition, short_text
from builder.locations import question_label, schema_at
from builder.naming import slug
from builder.patch import copy_json
from runtime.core.schema_paths import primary_type

MAX_LINES = 50


def _lines(definition: Definition) -> list[dict[str, Any]]:
    lines: list[dict[str, Any]] = (definition.get("fees") or {}).get("lines", [])
    return lines


def _line_index(definition: Definition, line: str) -> int:
    for index, found in enumerate(_lines(definition)):
        if found.get("id") == line:
            return index
    raise Refused("no-such-fee", f"There is no fee line called {line}")


def _multiplier(definition: Definition, per: str) -> str:
    schema = schema_at(definition["answers"], per)
    if schema is None or primary_type(schema) not in ("integer", "number", "array"):
        raise Refused(
            "per", "A fee can be charged per unit of a number question, or per item of a list"
        )
    return per


def _amount_from(definition: Definition, path: str) -> str:
    schema = schema_at(definition["answers"], path)
    if (
        schema is None
        or primary_type(schema) != "integer"
        or "minimum" not in schema
        or "maximum" not in schema
    ):
        raise Refused(
            "amount-from",
            "A fee can take its amount from a money question with a smallest and a largest amount",
        )
    return path


def _said(definition: Definition, line: dict[str, Any]) -> str:
    if "amountFrom" in line:
        words = f"the amount given in '{question_label(definition, line['amountFrom'])}'"
    else:
        words = pounds(line["amount"])
    if "multiplier" in line:
        words += f" for each of '{question_label(definition, line['multiplier'])}'"
    if "when" in line:
        words += ", " + describe(line["when"], definition).replace("Only if", "only if", 1)
    return words


@operation("add-fee")
def add_fee(
    definition: Definition,
    *,
    description: str,
    amount: str | int | None = None,
    amount_from: str | None = None,
    per: str | None = None,
    when: dict[str, Any] | None = None,
    line: str | None = None,
) -> tuple[str, Definition]:
    """Add a fee line: `amount` in pounds (or `amount_from` a money answer), charged once or
    `per` unit or item, always or only `when` a condition holds."""
    if (amount is None) == (amount_from is None):
        raise Refused("amount", "Give an amount, or the question the amount comes from")
    if amount_from is not None and per is not None:
        raise Refused("amount", "An amount taken from an answer cannot also be charged per item")
    lines = _lines(definition)
    if len(lines) >= MAX_LINES:
        raise Refused("too-many-fees", f"A service can have at most {MAX_LINES} fee lines")
    text = short_text(description, "what the fee is for")
    taken = [str(found.get("id")) for found in lines]
    if line is None:
        line = slug(text, taken, fallback="fee", most_words=4)
    elif line in taken:
        raise Refused("fee-exists", f"There is already a fee line called {line}")
    new: dict[str, Any] = {"id": line, "description": text}
    if amount is not None:
        new["amount"] = pence(amount)
    else:
        new["amountFrom"] = _amount_from(definition, str(amount_from))
    if per is not None:
        new["multiplier"] = _multiplier(definition, per)
    if when is not None:
        new["when"] = copy_json(condition(when))
    fees = definition.setdefault("fees", {"currency": "GBP", "lines": []})
    fees["lines"].append(new)
    return f"Added fee '{text}': {_said(definition, new)}", definition


@operation("edit-fee")
def edit_fee(
    definition: Definition,
    *,
    line: str,
    description: str | Unchanged = UNCHANGED,
    amount: str | int | Unchanged = UNCHANGED,
    per: str | Unchanged | None = UNCHANGED,
    when: dict[str, Any] | Unchanged | None = UNCHANGED,
) -> tuple[str, Definition]:
    """Change a fee line's description, amount (in pounds), unit or condition (None removes)."""
    found = _lines(definition)[_line_index(definition, line)]
    changed = []
    if not isinstance(description, Unchanged):
        found["description"] = short_text(description, "what the fee is for")
        changed.append("description")
    if not isinstance(amount, Unchanged):
        found.pop("amountFrom", None)
        found["amount"] = pence(amount)
        changed.append("amount")
    if not isinstance(per, Unchanged):
        if per is None:
            found.pop("multiplier", None)
        elif "amountFrom" in found:
            raise Refused(
                "amount", "An amount taken from an answer cannot also be charged per item"
            )
        else:
            found["multiplier"] = _multiplier(definition, per)
        changed.append("unit")
    if not isinstance(when, Unchanged):
        if when is None:
            found.pop("when", None)
        else:
            found["when"] = copy_json(condition(when))
        changed.append("condition")
    return (
        f"Changed {', '.join(changed) or 'nothing'} of fee '{found['description']}': {_said(definition, found)}",
        definition,
    )


@operation("remove-fee")
def remove_fee(definition: Definition, *, line: str) -> tuple[str, Definition]:
    """Remove a fee line; without lines the service is free."""
    lines = _lines(definition)
    removed = lines.pop(_line_index(definition, line))
    if not lines:
        del definition["fees"]
    return f"Removed fee '{removed['description']}'", definition


@operation("move-fee")
def move_fee(definition: Definition, *, line: str, direction: str) -> tuple[str, Definition]:
    """Move a fee line up or down the fees summary."""
    lines = _lines(definition)
    index = _line_index(definition, line)
    other = index - 1 if direction == "up" else index + 1
    if direction not in ("up", "down") or not 0 <= other < len(lines):
        raise Refused("cannot-move", "The fee line cannot move that way")
    lines[index], lines[other] = lines[other], lines[index]
    return f"Moved fee '{lines[other]['description']}' {direction}", definition
