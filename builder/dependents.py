"""What depends on an answer: the conditions that test it and the fees that count it.

Before a question or a page is deleted, the builder asks what would be left pointing at
nothing: a page shown only if the answer is given, a fee line charged per item or only when
an option is chosen, a rule that makes another answer required. Each is said in words, so
the designer can change it first (or the operation can refuse and list them).
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from dataclasses import dataclass
from typing import Any

from builder.locations import page_name, question_label
from builder.patch import pointer

Definition = dict[str, Any]


@dataclass(frozen=True)
class Dependent:
    """Something that depends on an answer: where it is in the definition, and in words."""

    pointer: str
    words: str


def tested_paths(condition: Any, prefix: str = "") -> set[str]:
    """The answer paths a condition tests (list items unindexed: /items/type)."""
    found: set[str] = set()
    if not isinstance(condition, dict):
        return found
    for name in condition.get("required") or []:
        if isinstance(name, str):
            found.add(f"{prefix}/{name}")
    for name, sub in (condition.get("properties") or {}).items():
        found.add(f"{prefix}/{name}")
        found |= tested_paths(sub, f"{prefix}/{name}")
    for keyword in ("contains", "items", "not", "if", "then", "else"):
        found |= tested_paths(condition.get(keyword), prefix)
    for keyword in ("allOf", "anyOf", "oneOf"):
        for sub in condition.get(keyword) or []:
            found |= tested_paths(sub, prefix)
    return found


def touches(tested: Collection[str], removed: Collection[str]) -> bool:
    """Whether any tested path is a removed answer or inside one."""
    return any(t == r or t.startswith(r + "/") for t in tested for r in removed)


def conditions(definition: Definition) -> Iterator[tuple[str, Any, str]]:
    """Every condition with its pointer and what it decides, in words."""
    for index, page in enumerate(definition.get("pages", [])):
        if "when" in page:
            yield (
                pointer("pages", index, "when"),
                page["when"],
                f"Page '{page_name(page)}' is shown or not depending on it",
            )
    for index, line in enumerate((definition.get("fees") or {}).get("lines", [])):
        if "when" in line:
            yield (
                pointer("fees", "lines", index, "when"),
                line["when"],
                f"The fee '{line.get('description')}' is charged or not depending on it",
            )
    answers = definition.get("answers") or {}
    rules = [("", answers)] + [
        (f"/allOf/{index}", rule) for index, rule in enumerate(answers.get("allOf") or [])
    ]
    for where, rule in rules:
        if isinstance(rule, dict) and "if" in rule:
            needed = (rule.get("then") or {}).get("required") or []
            named = ", ".join(f"'{question_label(definition, '/' + n)}'" for n in needed)
            yield (
                f"/answers{where}/if",
                rule["if"],
                f"The rule that makes {named or 'other answers'} required depends on it",
            )


def dependents(
    definition: Definition, removed: Collection[str], *, except_pages: Collection[str] = ()
) -> list[Dependent]:
    """What would be left depending on the removed answers (pages in `except_pages` go too)."""
    found = []
    leaving = set(except_pages)
    for where, condition, words in conditions(definition):
        if where.startswith("/pages/"):
            page = definition["pages"][int(where.split("/")[2])]
            if page.get("id") in leaving:
                continue
        if touches(tested_paths(condition), removed):
            found.append(Dependent(where, words))
    for index, line in enumerate((definition.get("fees") or {}).get("lines", [])):
        for key, words in (
            ("multiplier", "is multiplied by"),
            ("amountFrom", "takes its amount from"),
        ):
            if key in line and touches([line[key]], removed):
                found.append(
                    Dependent(
                        pointer("fees", "lines", index, key),
                        f"The fee '{line.get('description')}' {words} it",
                    )
                )
    return found
