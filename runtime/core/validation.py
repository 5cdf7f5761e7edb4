"""Checking a page's answers, or a whole application, and wording what is wrong per field."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from runtime.core.answers import MISSING, Parsed, get, merged, put
from runtime.core.messages import message
from runtime.core.problems import Failure, pointer_join, pointer_parts
from runtime.core.screening import screen_for
from runtime.core.service import Answers, Field, Page, Service

# One message per field: a refused file first (it says why), then a missing answer, then one
# that cannot be right, then the rest.
PRIORITY = {
    "fileType": -1,
    "fileSize": -1,
    "fileEmpty": -1,
    "required": 0,
    "date-day": 0,
    "date-month": 0,
    "date-year": 0,
    "minItems": 1,
    "type": 2,
    "format": 2,
    "enum": 2,
    "oneOf": 2,
    "anyOf": 2,
    "const": 2,
}


@dataclass(frozen=True)
class FieldError:
    field: Field
    keyword: str
    message: str

    def as_json(self) -> dict[str, str]:
        return {
            "field": self.field.name,
            "id": self.field.html_id,
            "keyword": self.keyword,
            "message": self.message,
        }


def schema_failures(validator: Draft202012Validator, instance: Any) -> list[Failure]:
    """Every failure of `instance`, pointing at the answer it concerns.

    A `required` failure points at the missing answer itself (jsonschema points at its parent).
    """
    found: dict[tuple[str, str], Failure] = {}
    for error in validator.iter_errors(instance):
        for failure in _failures(error):
            # jsonschema reports each missing name as its own error carrying the whole list
            key = (failure.pointer, "required" if failure.keyword == "required" else repr(failure))
            found.setdefault(key, failure)
    return list(found.values())


def page_failures(
    key: tuple[str, str], judge: Draft202012Validator, fields: Sequence[Field], instance: Any
) -> list[Failure]:
    """The failures of `instance` that may concern `fields`: none when the screen of the
    judge's schema (compiled once per `key`) clears them, else every failure the judge finds."""
    screen = screen_for(key, judge)
    if screen is not None and screen.clears(instance, [fld.pointer for fld in fields]):
        return []
    return schema_failures(judge, instance)


def _failures(error: ValidationError) -> Iterable[Failure]:
    path = list(error.absolute_path)
    keyword = str(error.validator)
    if keyword == "required":
        present = error.instance if isinstance(error.instance, dict) else {}
        for name in error.validator_value:
            if name not in present:
                yield Failure(pointer_join(*path, name), "required")
        return
    if keyword == "dependentRequired":
        present = error.instance if isinstance(error.instance, dict) else {}
        for names in error.validator_value.values():
            for name in names:
                if name not in present:
                    yield Failure(pointer_join(*path, name), "required")
        return
    yield Failure(pointer_join(*path), keyword, error.validator_value)


def ensure_containers(
    service_answers_schema: dict[str, Any], fields: Sequence[Field], candidate: Answers
) -> None:
    """Create the objects a page's required answers live in, so their own `required` applies."""
    from runtime.core.schema_paths import subschema_at

    for fld in fields:
        parts = pointer_parts(fld.pointer)
        for depth in range(1, len(parts)):
            ancestor = "".join(f"/{p}" for p in parts[:depth])
            parent = "".join(f"/{p}" for p in parts[: depth - 1])
            parent_schema = (
                subschema_at(service_answers_schema, parent) if parent else service_answers_schema
            )
            name = parts[depth - 1]
            if (
                parent_schema
                and name in (parent_schema.get("required") or [])
                and get(candidate, ancestor) is MISSING
            ):
                put(candidate, ancestor, {})


def field_errors(
    service: Service,
    fields: Sequence[Field],
    failures: Iterable[Failure],
    language: str,
    base: str = "",
) -> list[FieldError]:
    """The one error to show per field, in the page's field order."""
    best: dict[str, Failure] = {}
    by_pointer = {base + fld.pointer: fld for fld in fields}
    for failure in failures:
        target = failure.pointer
        while target and target not in by_pointer:
            target = target.rsplit("/", 1)[0]
        if not target:
            continue
        current = best.get(target)
        if current is None or PRIORITY.get(failure.keyword, 3) < PRIORITY.get(current.keyword, 3):
            best[target] = failure
    errors = []
    for fld in fields:
        chosen = best.get(base + fld.pointer)
        if chosen is not None:
            errors.append(
                FieldError(
                    fld,
                    chosen.keyword,
                    message(service, fld, chosen.keyword, chosen.limit, language),
                )
            )
    return errors


def check_page(
    service: Service, page: Page, answers: Answers, parsed: Parsed, language: str
) -> tuple[Answers, list[FieldError]]:
    """The answers with this page's input put in, and what is wrong with this page's fields."""
    candidate = merged(answers, parsed.values)
    ensure_containers(service.document["answers"], page.fields, candidate)
    judge, key = service.validator, (service.hash, "")
    failures = list(parsed.problems) + page_failures(key, judge, page.fields, candidate)
    errors = field_errors(service, page.fields, failures, language)
    return merged(answers, parsed.values), errors


def check_item(
    service: Service, page: Page, item: dict[str, Any], parsed: Parsed, language: str
) -> tuple[dict[str, Any], list[FieldError]]:
    """One add-another item with its input put in, and what is wrong with it."""
    assert page.item_validator is not None
    candidate = merged(item, parsed.values)
    ensure_containers(page.item_validator.schema, page.fields, candidate)
    judge, key = page.item_validator, (service.hash, page.id)
    failures = list(parsed.problems) + page_failures(key, judge, page.fields, candidate)
    return merged(item, parsed.values), field_errors(service, page.fields, failures, language)
