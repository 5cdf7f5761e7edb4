"""A quick first look at a page's answers, so that jsonschema only runs for pages with errors.

jsonschema, with Borough's keywords, is the judge: it finds each failure and says where it
is, and only its failures are ever worded for residents. Most pages a resident sends have
nothing wrong, and for those its work is the larger part of the request. A screen runs the
same schema, compiled by jsonschema-rs (in Rust), and answers one question: may the answers
break a rule at or below one of these pointers (a page's fields)? When it says no, there is
nothing to word; when it says maybe, the judge runs as before.

A screen must never clear answers the judge would refuse, so nothing is left to the Rust
engine where the two could differ:

- the formats are checked by the judge's own format functions; the keywords whose meaning is Borough's or Python's (``pattern`` on RE2,
  ``formatMinimum``, ``formatMaximum``, and the number bounds) are handed back to the very
  functions the judge's validator calls for them;
- answers the engine would read differently from Python (a lone surrogate in a text, a
  number that is not finite, anything JSON cannot hold) are not screened at all;
- any error the engine reports at, above or below one of the pointers counts, whatever its
  kind; only a missing answer (``required``) is placed exactly, at the answer it names;
- anything the engine cannot compile or run leaves the judge to decide.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import jsonschema_rs
from jsonschema import Draft202012Validator

from runtime.core.problems import pointer_join

# The keywords the screen hands back to the judge's own functions.
DELEGATED = (
    "pattern",
    "formatMinimum",
    "formatMaximum",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
)

KeywordCheck = Callable[[Any, Any, Any, dict[str, Any]], Iterator[Any]]


class Screen:
    """A schema compiled by jsonschema-rs, which tells when answers certainly break no rule
    at or below some pointers; built from the judge (the jsonschema validator) of the same
    schema."""

    def __init__(self, judge: Draft202012Validator, registry: jsonschema_rs.Registry | None = None) -> None:
        keywords = {
            name: _delegated(name, type(judge).VALIDATORS[name], judge)
            for name in DELEGATED
            if name in type(judge).VALIDATORS
        }
        checker = judge.format_checker
        formats = {name: check for name, (check, _) in checker.checkers.items()} if checker else {}
        self._engine = jsonschema_rs.Draft202012Validator(
            judge.schema, formats=formats, validate_formats=checker is not None, keywords=keywords,
            registry=registry,
        )

    def clears(self, answers: Any, pointers: Sequence[str]) -> bool:
        """True when `answers` certainly break no rule at or below any of `pointers`; False
        when they may (the judge then decides)."""
        if not _plain_json(answers):
            return False
        try:
            return not any(
                _related(_pointer(error), pointers) for error in self._engine.iter_errors(answers)
            )
        except Exception:  # whatever the engine cannot read or run, the judge decides
            return False


# Screens by the content hash of their schema's definition (and the add-another page, for an
# item's schema), compiled once, as the services themselves are; bounded like them.
CACHE_SIZE = 512
_screens: dict[tuple[str, str], Screen | None] = {}


def screen_for(key: tuple[str, str], judge: Draft202012Validator) -> Screen | None:
    """The screen of the judge's schema, compiled the first time `key` (the definition's
    content hash, and the page of an item's schema or "") is asked for; None when
    jsonschema-rs cannot compile it, and the judge then checks every page alone."""
    if key in _screens:
        return _screens[key]
    try:
        found: Screen | None = Screen(judge)
    except Exception:
        found = None
    while len(_screens) >= CACHE_SIZE:
        _screens.pop(next(iter(_screens)), None)  # the oldest entry
    return _screens.setdefault(key, found)


def _delegated(name: str, check: KeywordCheck, judge: Draft202012Validator) -> type:
    """A jsonschema-rs keyword that fails exactly when the judge's function for it yields."""

    class Delegated:
        def __init__(self, parent_schema: dict[str, Any], value: Any, schema_path: list[str | int]) -> None:
            self._schema = parent_schema
            self._value = value

        def validate(self, instance: Any) -> None:
            for error in check(judge, self._value, instance, self._schema):
                raise ValueError(f"{name}: {error.message}")

    Delegated.__name__ = Delegated.__qualname__ = f"Delegated_{name}"
    return Delegated


def _plain_json(answers: Any) -> bool:
    """Whether the answers are JSON that reads the same in Rust as in Python: text without
    lone surrogates, finite numbers, objects with text keys, and nothing else."""
    try:
        json.dumps(answers, ensure_ascii=False, allow_nan=False, default=_refuse).encode("utf-8")
    except (TypeError, ValueError):  # UnicodeEncodeError is a ValueError
        return False
    return _text_keys(answers)


def _refuse(value: Any) -> Any:
    raise TypeError(f"{type(value).__name__} is not JSON")


def _text_keys(value: Any) -> bool:
    """Only dicts with str keys, lists and scalars (json.dumps would write a tuple as an
    array, and an int key as text, where the judge sees neither)."""
    if isinstance(value, dict):
        return all(type(key) is str and _text_keys(item) for key, item in value.items())
    if isinstance(value, list):
        return all(_text_keys(item) for item in value)
    return not isinstance(value, tuple)


def _pointer(error: jsonschema_rs.ValidationError) -> str:
    """Where an error is: its answer's pointer, or for a missing answer the answer it names."""
    parts = list(error.instance_path)
    if isinstance(error.kind, jsonschema_rs.ValidationErrorKind.Required):
        parts.append(error.kind.property)
    return pointer_join(*parts)


def _related(pointer: str, pointers: Sequence[str]) -> bool:
    """Whether `pointer` is one of `pointers`, or above or below one of them."""
    for other in pointers:
        if pointer == other or other.startswith(pointer + "/") or pointer.startswith(other + "/"):
            return True
    return pointer == ""
