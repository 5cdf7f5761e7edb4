"""Regular expressions written by designers must compile and must not backtrack catastrophically."""

from __future__ import annotations

import importlib
import re
from typing import Any

# Python 3.11+ keeps the regular expression parser in private modules; read them, never patch.
sre_constants: Any = importlib.import_module("re._constants")
sre_parse: Any = importlib.import_module("re._parser")

_REPEATS = {sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT}
_POSSESSIVE = getattr(sre_constants, "POSSESSIVE_REPEAT", None)


def pattern_problem(pattern: str) -> str | None:
    """Why `pattern` is not acceptable, or None when it is."""
    try:
        re.compile(pattern)
    except re.error as error:
        return f"the pattern does not compile: {error}"
    parsed = sre_parse.parse(pattern)
    if _nested_unbounded(list(parsed), inside_unbounded=False):
        return (
            "the pattern repeats a group that itself repeats without limit, which can take "
            "forever to check; rewrite it without nested quantifiers such as (a+)+"
        )
    if _has_backrefs(list(parsed)):
        return "the pattern uses back-references, which Borough does not allow"
    return None


def _children(op: Any, arg: Any) -> list[list[Any]]:
    if op in _REPEATS or op == _POSSESSIVE:
        return [list(arg[2])]
    if op == sre_constants.SUBPATTERN:
        return [list(arg[-1])]
    if op == sre_constants.BRANCH:
        return [list(branch) for branch in arg[1]]
    if op in (sre_constants.ASSERT, sre_constants.ASSERT_NOT):
        return [list(arg[1])]
    if op == sre_constants.GROUPREF_EXISTS:
        return [list(part) for part in arg[1:] if part is not None]
    if op == getattr(sre_constants, "ATOMIC_GROUP", None):
        return [list(arg)]
    return []


def _nested_unbounded(items: list[Any], *, inside_unbounded: bool) -> bool:
    for op, arg in items:
        unbounded = op in _REPEATS and arg[1] == sre_constants.MAXREPEAT
        if unbounded and inside_unbounded:
            return True
        for child in _children(op, arg):
            if _nested_unbounded(child, inside_unbounded=inside_unbounded or unbounded):
                return True
    return False


def _has_backrefs(items: list[Any]) -> bool:
    for op, arg in items:
        if op == sre_constants.GROUPREF:
            return True
        for child in _children(op, arg):
            if _has_backrefs(child):
                return True
    return False
