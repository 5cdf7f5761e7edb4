"""Every keyword of the definition format is documented for service designers.

Walks each meta-schema in schemas/format-1/ and collects every property name it declares (at
any depth: inside `$defs`, `oneOf` branches, `items`, `additionalProperties`, ...) and every
allowed value of the `widget` and `format` keywords. Each must appear in
docs/definition-format.md written as code, such as `amountFrom`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
FORMAT_DIR = ROOT / "schemas" / "format-1"
DOC = ROOT / "docs" / "definition-format.md"

# Where a JSON Schema keeps its subschemas.
SCHEMA_MAPS = ("properties", "$defs", "dependentSchemas", "patternProperties")
SCHEMA_VALUES = (
    "items",
    "additionalProperties",
    "not",
    "if",
    "then",
    "else",
    "contains",
    "propertyNames",
)
SCHEMA_LISTS = ("oneOf", "anyOf", "allOf", "prefixItems")
ENUMERATED = ("widget", "format")


def subschemas(schema: Any) -> Iterator[dict[str, Any]]:
    """`schema` and every schema inside it, however deep."""
    if not isinstance(schema, dict):
        return
    yield schema
    for keyword in SCHEMA_MAPS:
        for sub in (schema.get(keyword) or {}).values():
            yield from subschemas(sub)
    for keyword in SCHEMA_VALUES:
        yield from subschemas(schema.get(keyword))
    for keyword in SCHEMA_LISTS:
        for sub in schema.get(keyword) or []:
            yield from subschemas(sub)


def format_keywords(meta_schema: Any) -> set[str]:
    """Property names declared anywhere in a meta-schema, and the values of `widget` and `format`."""
    found: set[str] = set()
    for schema in subschemas(meta_schema):
        for name, sub in (schema.get("properties") or {}).items():
            found.add(name)
            if name in ENUMERATED and isinstance(sub, dict):
                found.update(str(value) for value in sub.get("enum", []))
    return found


def all_format_keywords() -> set[str]:
    keywords: set[str] = set()
    for path in sorted(FORMAT_DIR.glob("*.json")):
        keywords |= format_keywords(json.loads(path.read_text(encoding="utf-8")))
    return keywords


def code_spans(markdown: str) -> set[str]:
    return set(re.findall(r"`([^`\n]+)`", markdown))


def undocumented(keywords: set[str], markdown: str) -> list[str]:
    spans = code_spans(markdown)
    return sorted(keyword for keyword in keywords if keyword not in spans)


def test_every_format_keyword_is_documented_as_code() -> None:
    missing = undocumented(all_format_keywords(), DOC.read_text(encoding="utf-8"))
    assert not missing, (
        f"docs/definition-format.md does not mention these keywords as `code`: {', '.join(missing)}"
    )


def test_the_walk_reaches_every_corner_of_the_meta_schemas() -> None:
    keywords = all_format_keywords()
    expected = {
        "lgsl",  # definition.json, top level
        "forkedFrom",  # definition.json, a nested object
        "amountFrom",  # fees.json, inside items
        "residentText",  # workflow.json, inside $defs and additionalProperties
        "guard",  # workflow.json, a transition
        "fileSize",  # field.json, inside errors
        "stop",  # page.json, inside a oneOf branch
        "addAnother",  # page.json, another oneOf branch
        "formatMinimum",  # answers.json, inside $defs
        "before",  # content.json, inside $defs
        "cy",  # translations.json
        "yes-no",  # a widget
        "uk-postcode",  # a format
    }
    assert expected <= keywords, sorted(expected - keywords)
    assert len([p for p in FORMAT_DIR.glob("*.json")]) >= 9


def test_a_keyword_left_out_of_the_doc_is_reported() -> None:
    text = DOC.read_text(encoding="utf-8")
    assert "`amountFrom`" in text
    without = text.replace("`amountFrom`", "amountFrom")
    assert undocumented(all_format_keywords(), without) == ["amountFrom"]


def test_a_keyword_only_in_plain_text_does_not_count() -> None:
    assert undocumented({"multiplier"}, "Set the multiplier to /bins.") == ["multiplier"]
    assert undocumented({"multiplier"}, "Set `multiplier` to `/bins`.") == []
