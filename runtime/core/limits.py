"""The format's limits, counted in one quick pass before the meta-schema and the linter.

The meta-schema states most of these limits (`maxItems`, `maxLength`), but a JSON Schema
validator checks every value before it reports anything: a definition with 100,000 pages
would be checked 100,000 times over, and come back with 200,001 problems. This pass counts
first, so a definition over a limit gets one problem per limit, in the definition's terms,
and no deeper check. It also refuses what is not a number or not text (a 5,000-digit
integer, a lone surrogate), so nothing later has to convert or encode them.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

from runtime.core.problems import Problem, pointer_join
from runtime.core.reading import MAX_DEPTH, MAX_NUMBER_DIGITS

MAX_PAGES = 200  # also the meta-schema's maxItems for `pages`
MAX_QUESTIONS = 500  # fields on all pages (each page: 30 at most)
MAX_ANSWERS = 500  # answers declared in `answers`, however nested (each object: 200 at most)
MAX_ENTRIES = 5_000  # items of one list, or members of one object (the translations of a language)
MAX_TEXT = 20_000  # characters of one text (the longest the meta-schema allows: Markdown)
MAX_VALUES = 30_000  # values of every kind (texts, numbers, lists, objects) in a definition

KEYWORD = "limit"
_LARGEST_INTEGER = 10**MAX_NUMBER_DIGITS


def limit_problems(document: dict[str, Any]) -> list[Problem]:
    """One problem for each limit the definition goes over, or none."""
    counted = [*_pages(document), *_answers(document)]
    walked, values = _walk(document, already={problem.pointer for problem in counted})
    if values > MAX_VALUES and not counted:  # 100,000 pages are also too many values: say it once
        walked.append(
            Problem(
                "",
                KEYWORD,
                f"the definition holds more than {MAX_VALUES:,} values (texts, numbers, lists "
                f"and objects); a definition may hold at most {MAX_VALUES:,}",
            )
        )
    return sorted({*counted, *walked})


def _pages(document: dict[str, Any]) -> Iterator[Problem]:
    pages = document.get("pages")
    if not isinstance(pages, list):
        return
    if len(pages) > MAX_PAGES:
        yield Problem(
            "/pages",
            KEYWORD,
            f"the service has {len(pages):,} pages; a service may have at most {MAX_PAGES}",
        )
    questions = sum(
        len(page["fields"])
        for page in pages
        if isinstance(page, dict) and isinstance(page.get("fields"), list)
    )
    if questions > MAX_QUESTIONS:
        yield Problem(
            "/pages",
            KEYWORD,
            f"the service asks {questions:,} questions; a service may ask at most {MAX_QUESTIONS}",
        )


def _answers(document: dict[str, Any]) -> Iterator[Problem]:
    """Answers are the names in `properties`, through nested objects and list items."""
    count = 0
    schemas: list[Any] = [document.get("answers")]
    while schemas:
        schema = schemas.pop()
        if not isinstance(schema, dict):
            continue
        properties = schema.get("properties")
        if isinstance(properties, dict):
            count += len(properties)
            schemas.extend(properties.values())
        schemas.append(schema.get("items"))
    if count > MAX_ANSWERS:
        yield Problem(
            "/answers",
            KEYWORD,
            f"the service has {count:,} answers; a service may have at most {MAX_ANSWERS}",
        )


def _walk(document: dict[str, Any], already: set[str]) -> tuple[list[Problem], int]:
    """Each value once, without recursion, counting no further than one past MAX_VALUES:
    the problems of single values (too many entries, too long, too deep, not text, not a
    number), and how many values were counted."""
    found: list[Problem] = []
    values = 0
    stack: list[tuple[Any, tuple[str | int, ...]]] = [(document, ())]
    while stack and values <= MAX_VALUES:
        value, path = stack.pop()
        values += 1
        if isinstance(value, dict | list):
            if len(path) >= MAX_DEPTH:
                found.append(
                    Problem(
                        pointer_join(*path), KEYWORD, f"this nests deeper than {MAX_DEPTH} levels"
                    )
                )
                continue
            found.extend(_entries(value, path, already))
            if isinstance(value, dict):
                for name in value:
                    found.extend(_text(str(name), (*path, name), "name"))
                children = [(child, (*path, name)) for name, child in value.items()]
            else:
                children = [(child, (*path, index)) for index, child in enumerate(value)]
            stack.extend(reversed(children))
        elif isinstance(value, str):
            found.extend(_text(value, path, "text"))
        elif isinstance(value, int) and not isinstance(value, bool):
            if abs(value) >= _LARGEST_INTEGER:
                found.append(
                    Problem(
                        pointer_join(*path),
                        KEYWORD,
                        f"this number has more than {MAX_NUMBER_DIGITS} digits; "
                        f"a number in a definition may have at most {MAX_NUMBER_DIGITS}",
                    )
                )
        elif isinstance(value, float) and not math.isfinite(value):
            found.append(
                Problem(
                    pointer_join(*path), KEYWORD, f"{value} is not a number a definition may hold"
                )
            )
    return found, values


def _entries(
    value: dict[str, Any] | list[Any], path: tuple[str | int, ...], already: set[str]
) -> Iterator[Problem]:
    pointer = pointer_join(*path)
    if len(value) > MAX_ENTRIES and not any(
        pointer == said or pointer.startswith(said + "/") for said in already
    ):
        what = "members" if isinstance(value, dict) else "items"
        yield Problem(
            pointer,
            KEYWORD,
            f"this {'object' if isinstance(value, dict) else 'list'} has {len(value):,} {what}; "
            f"one may have at most {MAX_ENTRIES:,}",
        )


def _text(text: str, path: tuple[str | int, ...], what: str) -> Iterator[Problem]:
    if len(text) > MAX_TEXT:
        yield Problem(
            pointer_join(*path),
            KEYWORD,
            f"this {what} is {len(text):,} characters long; one may be at most {MAX_TEXT:,}",
        )
    elif not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as error:
            yield Problem(
                pointer_join(*path),
                KEYWORD,
                f"this {what} holds half of a character (a lone surrogate, "
                f"\\u{ord(text[error.start]):04x}), which is not text",
            )
