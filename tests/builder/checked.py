"""What the builder's tests share: the shipped services and a blank one, and a check that a
change applies, passes the real meta-schema and lint, and undoes exactly."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from builder.blank import blank_definition
from builder.change import Change
from builder.keyed_patch import same
from runtime.core.definition import problems
from runtime.core.problems import Problem

SERVICES = Path(__file__).resolve().parents[2] / "schemas" / "services"


def shipped(name: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((SERVICES / f"{name}.json").read_text(encoding="utf-8"))
    return document


def blank() -> dict[str, Any]:
    return blank_definition(
        title="Request a replacement wheelie bin",
        summary="Ask for a new bin when yours is lost or broken.",
        lgsl=524,
        publisher_id="demo",
        publisher_name="Demo Borough Council",
    )


def untranslated(found: list[Problem]) -> bool:
    """Whether every problem is a string still waiting for its Welsh."""
    return all(
        p.keyword == "translation" and "has no Welsh translation" in p.message for p in found
    )


def applied(
    definition: dict[str, Any], change: Change, *, welsh_pending: bool = False
) -> dict[str, Any]:
    """The definition after the change, having checked that it passes the meta-schema and
    lint (only missing Welsh allowed when `welsh_pending`), that the input was left alone,
    and that undoing gives back the definition exactly."""
    before = json.dumps(definition, sort_keys=True)
    after = change.apply(definition)
    assert json.dumps(definition, sort_keys=True) == before, "the operation changed its input"
    found = problems(after)
    if welsh_pending:
        assert untranslated(found), [p for p in found if p.keyword != "translation"]
    else:
        assert found == [], "\n".join(p.line(change.name) for p in found)
    assert same(change.undo(after), definition), "undo did not give back the definition"
    assert change.description
    return after
