"""Problems are values: every check yields them, and only the boundary raises."""

from __future__ import annotations

import functools
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong, found at a JSON Pointer of the document or the answers.

    `keyword` names the rule that failed (a JSON Schema keyword or a lint rule such as
    `unreachable-state`), so callers can choose their own wording; `message` is the
    default wording for people.
    """

    pointer: str
    keyword: str
    message: str

    def line(self, source: str) -> str:
        return f"{source}: {self.pointer or '/'}: {self.message}"

    def as_json(self) -> dict[str, str]:
        return {"pointer": self.pointer, "keyword": self.keyword, "message": self.message}


class DefinitionError(Exception):
    """A definition could not be read or used at all; `code` is stable, `message` is for people."""

    def __init__(self, code: str, message: str, problems: tuple[Problem, ...] = ()) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.problems = problems


def pointer_join(*parts: str | int) -> str:
    """Build a JSON Pointer from unescaped parts."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


@functools.lru_cache(maxsize=8192)
def pointer_parts(pointer: str) -> tuple[str, ...]:
    """Split a JSON Pointer into unescaped parts (pure, so remembered)."""
    if not pointer:
        return ()
    return tuple(p.replace("~1", "/").replace("~0", "~") for p in pointer.split("/")[1:])


@dataclass(frozen=True)
class Failure:
    """An answer that breaks a rule: where, which rule, and the rule's value (its limit)."""

    pointer: str
    keyword: str
    limit: object = None
