"""The definition format's meta-schemas, loaded once into an immutable registry.

Nothing is fetched from the network: every `$ref` resolves inside `schemas/format-N/`. Their
`pattern`s run on RE2, like every regular expression Borough runs on a definition.

A definition is checked often (every change a designer makes in the builder, every catalogue
version read, every publish), and nearly always passes. So the meta-schema is also compiled by
jsonschema-rs, as a screen (runtime/core/screening.py): a definition it clears has no problem
to word and jsonschema does not run; anything else, jsonschema judges and words, as before.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema_rs
from jsonschema import Draft202012Validator, validators
from jsonschema.exceptions import ValidationError, best_match
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from runtime.core.keywords import pattern_keyword
from runtime.core.problems import Problem, pointer_join
from runtime.core.screening import Screen

SCHEMAS_DIR = Path(__file__).resolve().parents[2] / "schemas"
CURRENT_FORMAT = 1
BASE_URI = "https://borough.invalid/schemas/{format}/"


def schema_files(format_version: int = CURRENT_FORMAT) -> list[Path]:
    return sorted((SCHEMAS_DIR / f"format-{format_version}").glob("*.json"))


@functools.cache
def registry(format_version: int = CURRENT_FORMAT) -> Registry:
    """The format's meta-schemas, each a 2020-12 resource.

    Their `$schema` (kept in the files for editors) is left out here: jsonschema would answer
    it by switching to its stock validator inside each file, and so to Python's `re`.
    """
    resources = []
    for path in schema_files(format_version):
        contents = json.loads(path.read_text(encoding="utf-8"))
        contents.pop("$schema", None)
        resources.append((contents["$id"], DRAFT202012.create_resource(contents)))
    return Registry().with_resources(resources).crawl()


def meta_schema(name: str, format_version: int = CURRENT_FORMAT) -> dict[str, Any]:
    uri = BASE_URI.format(format=format_version) + name
    contents: dict[str, Any] = registry(format_version).contents(uri)
    return contents


_MetaSchemaValidator = validators.extend(Draft202012Validator, {"pattern": pattern_keyword})


@functools.cache
def definition_validator(format_version: int = CURRENT_FORMAT) -> Draft202012Validator:
    validator: Draft202012Validator = _MetaSchemaValidator(
        meta_schema("definition.json", format_version), registry=registry(format_version)
    )
    return validator


@functools.cache
def definition_screen(format_version: int = CURRENT_FORMAT) -> Screen | None:
    """The meta-schema compiled by jsonschema-rs, over the same files (None if it cannot be:
    jsonschema then checks every definition alone)."""
    try:
        resources = [(uri, registry(format_version).contents(uri)) for uri in _uris(format_version)]
        return Screen(definition_validator(format_version), registry=jsonschema_rs.Registry(resources))
    except Exception:
        return None


def _uris(format_version: int) -> list[str]:
    base = BASE_URI.format(format=format_version)
    return [base + path.name for path in schema_files(format_version)]


def check_document(document: dict[str, Any]) -> list[Problem]:
    """Problems with a definition against its format's meta-schema, in document order."""
    version = document.get("format")
    if version != CURRENT_FORMAT:
        return [
            Problem(
                "/format",
                "format",
                f"format must be {CURRENT_FORMAT}, the only definition format this Borough reads",
            )
        ]
    screen = definition_screen()
    if screen is not None and screen.clears(document, [""]):
        return []
    problems = {
        problem
        for error in definition_validator().iter_errors(document)
        for problem in _describe(error)
    }
    return sorted(problems)


def _describe(error: ValidationError) -> Iterator[Problem]:
    pointer = pointer_join(*error.absolute_path)
    keyword = str(error.validator)
    value = error.validator_value
    if keyword in ("oneOf", "anyOf") and error.context:
        yield from _describe(_choose_branch(error))
        return
    if keyword == "required":
        instance = error.instance if isinstance(error.instance, dict) else {}
        for name in value:
            if name not in instance:
                yield Problem(
                    pointer_join(*error.absolute_path, name), "required", f"{name} is missing"
                )
        return
    if keyword == "additionalProperties" and isinstance(error.instance, dict):
        allowed = error.schema.get("properties", {})
        for name in error.instance:
            if name not in allowed:
                yield Problem(
                    pointer_join(*error.absolute_path, name),
                    "additionalProperties",
                    _unknown_property_message(name),
                )
        return
    if keyword == "False schema" or (keyword == "not" and value is True):
        name = error.absolute_path[-1] if error.absolute_path else ""
        yield Problem(pointer, "not", _unknown_property_message(str(name)))
        return
    yield Problem(pointer, keyword, _message(keyword, value, error))


def _choose_branch(error: ValidationError) -> ValidationError:
    """For oneOf/anyOf, report the branch the author most likely meant, not the union."""
    by_branch: dict[int, list[ValidationError]] = {}
    for sub in error.context or ():
        by_branch.setdefault(int(sub.relative_schema_path[0]), []).append(sub)
    # A branch whose `const` discriminator failed is not the one meant.
    instance = error.instance if isinstance(error.instance, dict) else {}
    meant = {
        branch: errors
        for branch, errors in by_branch.items()
        if not any(_misses_discriminator(e, instance) for e in errors)
    }
    candidates = [e for errors in (meant or by_branch).values() for e in errors]
    chosen = best_match(candidates) or error
    return chosen


def _names_required(schema: Any) -> list[str]:
    """The property names a `not` schema forbids: {required: [...]} or anyOf of those."""
    if not isinstance(schema, dict):
        return []
    names = list(schema.get("required") or [])
    for branch in schema.get("anyOf") or []:
        names.extend(_names_required(branch))
    return names


def _misses_discriminator(error: ValidationError, instance: dict[str, Any]) -> bool:
    """Whether a branch failed on `type`, the discriminator of pages (absent means the default)."""
    if error.validator == "const" and list(error.relative_path) == ["type"]:
        return True
    return (
        error.validator == "required" and "type" in error.validator_value and "type" not in instance
    )


def _unknown_property_message(name: str) -> str:
    if name == "dependencies":
        return (
            "the legacy `dependencies` keyword is ignored by JSON Schema 2020-12: "
            "use dependentRequired or dependentSchemas"
        )
    return f"{name} is not allowed here"


def _message(keyword: str, value: Any, error: ValidationError) -> str:
    instance = error.instance
    if keyword == "type":
        expected = value if isinstance(value, str) else " or ".join(value)
        return f"must be of type {expected}"
    if keyword == "const":
        return f"must be {json.dumps(value)}"
    if keyword == "enum":
        shown = ", ".join(json.dumps(v) for v in value[:20])
        return f"must be one of {shown}{', …' if len(value) > 20 else ''}"
    if keyword == "pattern":
        return f"{json.dumps(instance)[:80]} is not in the expected form"
    if keyword in ("minLength", "maxLength"):
        return f"must be {'at least' if keyword == 'minLength' else 'at most'} {value} characters"
    if keyword in ("minItems", "maxItems"):
        return f"must have {'at least' if keyword == 'minItems' else 'at most'} {value} items"
    if keyword in ("minProperties", "maxProperties"):
        return (
            f"must have {'at least' if keyword == 'minProperties' else 'at most'} {value} entries"
        )
    if keyword in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        words = {
            "minimum": "at least",
            "maximum": "at most",
            "exclusiveMinimum": "more than",
            "exclusiveMaximum": "less than",
        }
        return f"must be {words[keyword]} {value}"
    if keyword == "uniqueItems":
        return "must not repeat an item"
    if keyword == "propertyNames":
        return f"{json.dumps(instance)[:80]} has a name that is not allowed"
    if keyword in ("oneOf", "anyOf"):
        return "does not match any of the allowed shapes"
    if keyword == "not":
        forbidden = _names_required(value)
        if forbidden:
            return f"cannot also have {' or '.join(forbidden)}"
        if isinstance(value, dict) and "enum" in value:
            return f"{json.dumps(instance)} is a name Borough keeps for its own steps"
        return "is not allowed here"
    return f"fails the {keyword} rule"
