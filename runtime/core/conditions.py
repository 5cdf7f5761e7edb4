"""`when` conditions, compiled once: a page's or a fee line's condition decides on every
request whether it applies, so the common shapes are turned into plain Python tests.

The shapes compiled are the ones conditions are written in: an object with `properties`
and `required`, each property a `const` or a `contains` of such a schema. They keep JSON
Schema's meaning exactly (`true` is not `1`, a missing property passes `properties`, a
non-object passes both). Any other schema is checked by the answers validator itself.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from jsonschema import Draft202012Validator

from runtime.core.keywords import answers_validator

Test = Callable[[Any], bool]


class Condition:
    """A `when` schema, ready to test answers against: `is_valid(answers)`."""

    def __init__(self, schema: Any) -> None:
        self.schema = schema
        self._validator: Draft202012Validator | None = None
        compiled = _compile(schema)
        self._test: Test = compiled if compiled is not None else self._validate
        self.compiled = compiled is not None

    @property
    def validator(self) -> Draft202012Validator:
        if self._validator is None:
            self._validator = answers_validator(self.schema)
        return self._validator

    def _validate(self, instance: Any) -> bool:
        return bool(self.validator.is_valid(instance))

    def is_valid(self, instance: Any) -> bool:
        return self._test(instance)


def _compile(schema: Any) -> Test | None:
    if not isinstance(schema, dict):
        return None
    if set(schema) == {"const"}:
        return _const(schema["const"])
    if set(schema) == {"contains"}:
        inner = _compile(schema["contains"])
        return None if inner is None else _contains(inner)
    if set(schema) <= {"properties", "required"}:
        return _object(schema.get("properties", {}), schema.get("required", []))
    return None


def _const(expected: Any) -> Test | None:
    if expected is None or isinstance(expected, bool):
        return lambda value: value is expected
    if isinstance(expected, str):
        return lambda value: isinstance(value, str) and value == expected
    if type(expected) is int:
        return lambda value: isinstance(value, int | float) and not isinstance(value, bool) and value == expected
    return None  # floats, arrays and objects: the validator's own equality


def _contains(inner: Test) -> Test:
    return lambda value: not isinstance(value, list) or any(inner(item) for item in value)


def _object(properties: Any, required: Any) -> Test | None:
    if not isinstance(properties, dict) or not isinstance(required, list):
        return None
    if not all(isinstance(name, str) for name in required):
        return None
    tests: list[tuple[str, Test]] = []
    for name, subschema in properties.items():
        test = _compile(subschema)
        if test is None:
            return None
        tests.append((name, test))
    names = tuple(required)

    def check(value: Any) -> bool:
        if not isinstance(value, dict):
            return True
        for name in names:
            if name not in value:
                return False
        return all(name not in value or test(value[name]) for name, test in tests)

    return check
