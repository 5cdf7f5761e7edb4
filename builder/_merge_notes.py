"""What a designer should look at after a merge that the definition checks cannot see: Welsh
the council wrote for English the publisher has since changed, and conditions that still test
for an option the publisher removed (they pass the checks, but can no longer match)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from builder.dependents import conditions, tested_paths, touches
from builder.diff import english_changed
from builder.locations import asked, schema_at
from builder.question_kinds import option_list

Definition = dict[str, Any]


def notes(ours: Definition, merged: Definition) -> tuple[str, ...]:
    """The notes for the merge of the council's service `ours` into `merged`, in words."""
    return (
        *(
            f"The English of {key} changed upstream; check its Welsh"
            for key in english_changed(ours, merged)
        ),
        *options_still_tested(ours, merged),
    )


def options_still_tested(ours: Definition, merged: Definition) -> Iterator[str]:
    """An option the council's service had, gone from the merged one, that a condition of the
    merged service still tests for."""
    tests = list(conditions(merged))
    for found in asked(ours):
        before = schema_at(ours.get("answers") or {}, found.path)
        after = schema_at(merged.get("answers") or {}, found.path)
        if before is None or after is None:
            continue  # the whole answer went: the checks say what still points at it
        kept = {str(branch.get("const")) for branch in option_list(after) or []}
        for branch in option_list(before) or []:
            value = str(branch.get("const"))
            if value in kept:
                continue
            for _, condition, words in tests:
                if touches(tested_paths(condition), [found.path]) and _mentions(condition, value):
                    yield (
                        f"Option '{branch.get('title', value)}' of '{found.field.get('label')}' "
                        f"was removed upstream, but a condition still tests for it: {words}"
                    )


def _mentions(condition: Any, value: str) -> bool:
    """Whether a condition names the value (as `const` or in an `enum`), anywhere inside."""
    if isinstance(condition, dict):
        if "const" in condition and str(condition["const"]) == value:
            return True
        enum = condition.get("enum")
        if isinstance(enum, list) and value in [str(item) for item in enum]:
            return True
        return any(_mentions(sub, value) for sub in condition.values())
    if isinstance(condition, list):
        return any(_mentions(sub, value) for sub in condition)
    return False
