"""Operations on fees: what a service charges, in lines the server prices from the answers.

Designers type amounts in pounds ("15", "12.50"); definitions keep whole pence. A line can be
charged per unit or per item (`per`: a number answer, or an add-another list), only when a
condition holds, or take its amount from an answer (`amount_from`: paying a bill).

A condition is given as `when`, the format's JSON Schema, or as `rules` the way a designer
builds them ({combine, rules: [{answer, operator, value}]}, written by builder/conditions.py),
exactly as a page's (`set-condition`). Changing only a line's condition is `edit-fee` with just
`line` and `when` or `rules`: one small change, one undo step.

A line added with `rules_later` (the designer chose "Only when some answers are…" and writes
the rules next, on their own page) is saved with `RULES_TO_WRITE`, a condition that is never
true: until the rules are written the fee is never charged, the fees page says so, and the
builder's whole-flow checks refuse to publish it. Were it saved always charged, a designer who
left the rules page would charge every resident without knowing.
"""

from __future__ import annotations

from typing import Any

from builder.amounts import pence, pounds
from builder.change import UNCHANGED, Definition, Refused, Unchanged, operation
from builder.conditions import describe, schema_of
from builder.inputs import condition, short_text
from builder.locations import question_label, schema_at
from builder.naming import slug
from builder.patch import copy_json
from runtime.core.schema_paths import primary_type

MAX_LINES = 50

# The condition of a fee line whose rules are still to be written: never true (nothing matches
# `not {}`), and named by its comment so it is not taken for a condition someone wrote.
RULES_TO_WRITE: dict[str, Any] = {"$comment": "Borough: rules not written yet", "not": {}}
RULES_TO_WRITE_WORDS = "Rules not written yet — this fee is never charged until you write them"


def rules_to_write(line: dict[str, Any]) -> bool:
    """Whether the line waits for its rules (saved with `RULES_TO_WRITE`)."""
    return line.get("when") == RULES_TO_WRITE


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


def _condition(
    definition: Definition, when: dict[str, Any] | None, rules: dict[str, Any] | None
) -> dict[str, Any]:
    """The line's `when` from JSON Schema or rules, checked by the format's meta-schema."""
    checked: dict[str, Any] = copy_json(condition(schema_of(definition, when=when, rules=rules)))
    return checked


def _said(definition: Definition, line: dict[str, Any]) -> str:
    if "amountFrom" in line:
        words = f"the amount given in '{question_label(definition, line['amountFrom'])}'"
    else:
        words = pounds(line["amount"])
    if "multiplier" in line:
        words += f" for each of '{question_label(definition, line['multiplier'])}'"
    if rules_to_write(line):
        words += ", never charged until its rules are written"
    elif "when" in line:
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
    rules: dict[str, Any] | None = None,
    line: str | None = None,
    rules_later: bool = False,
) -> tuple[str, Definition]:
    """Add a fee line: `amount` in pounds (or `amount_from` a money answer), charged once or
    `per` unit or item, always or only when a condition (`when` or `rules`) holds; with
    `rules_later`, never charged until its rules are written."""
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
    if rules_later and (when is not None or rules is not None):
        raise Refused("condition", "Give the condition now or write the rules later, not both")
    if when is not None or rules is not None:
        new["when"] = _condition(definition, when, rules)
    elif rules_later:
        new["when"] = copy_json(RULES_TO_WRITE)
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
    rules: dict[str, Any] | None = None,
) -> tuple[str, Definition]:
    """Change a fee line's description, amount (in pounds), unit or condition (`when` or
    `rules`; `when=None` removes it)."""
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
    if rules is not None:
        if not isinstance(when, Unchanged):
            raise Refused("condition", "Give the condition as rules or as JSON Schema, not both")
        found["when"] = _condition(definition, None, rules)
        changed.append("condition")
    elif not isinstance(when, Unchanged):
        if when is None:
            found.pop("when", None)
        else:
            found["when"] = _condition(definition, when, None)
        changed.append("condition")
    if changed == ["condition"]:
        return f"Fee '{found['description']}' is now {_charged(definition, found)}", definition
    return (
        f"Changed {', '.join(changed) or 'nothing'} of fee '{found['description']}': {_said(definition, found)}",
        definition,
    )


def _charged(definition: Definition, line: dict[str, Any]) -> str:
    """ "charged only if …" or "always charged": a line's condition in words."""
    if "when" not in line:
        return "always charged"
    if rules_to_write(line):
        return "never charged until its rules are written"
    return "charged " + describe(line["when"], definition).replace("Only if", "only if", 1)


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
