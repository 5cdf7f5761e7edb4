"""Regular expressions written by designers run on RE2, never on a backtracking engine.

RE2 checks a text in time that grows with the length of the text times the size of the
compiled pattern, whatever the pattern: `^(a|a)+$` cannot hang a worker, because RE2 never
tries one alternative after another. The price is that it has no back-references and no
look-around, so a pattern using them is refused, as is a pattern whose compiled program is
so big that each character would cost too many steps.

`pattern_problem` says why a pattern is refused (the linter's rule); `search` runs one with
JSON Schema's meaning: the pattern may match anywhere in the text (anchor it with ^ and $).
"""

from __future__ import annotations

import functools
import re
from typing import Any

import re2  # type: ignore[import-untyped]

# The most steps (RE2 instructions) a pattern may compile to. `^[A-Za-z0-9 ]{2,8}$` is 32,
# `^\pL+$` 1,199; `^.{1,1000}$` is 9,001 and is what minLength and maxLength are for.
MAX_PROGRAM_SIZE = 2_000

# Checking compiles with a small memory budget, so a huge pattern fails in a millisecond;
# running compiles with room for RE2's cache of states, which keeps searches fast.
_CHECK_MEMORY = 128 * 1024
_RUN_MEMORY = 4 * 1024 * 1024

_TOO_LARGE = (
    f"this pattern is too large to run safely (it compiles to more than {MAX_PROGRAM_SIZE:,} "
    "steps): use minLength and maxLength for lengths instead of counted repeats such as {1,1000}"
)

# RE2's refusals of the features it leaves out on purpose, by the start of its message.
_FEATURES = (
    (re.compile(r"invalid escape sequence: (\\[1-9k])"), "the back-reference {0}"),
    (re.compile(r"invalid perl operator: (\(\?P)"), "the back-reference {0}"),
    (re.compile(r"invalid perl operator: (\(\?[=!])"), "the look-ahead {0}"),
    (re.compile(r"invalid perl operator: (\(\?<[=!])"), "the look-behind {0}"),
    (re.compile(r"invalid perl operator: (\(\?>)"), "the atomic group {0}"),
    (re.compile(r"invalid perl operator: (\(\?\()"), "the conditional {0}"),
    (re.compile(r"bad repetition operator: (\S*\+)"), "the possessive repeat {0}"),
)


def _options(max_mem: int) -> Any:
    options = re2.Options()
    options.max_mem = max_mem
    options.never_capture = True  # a pattern only matches or not: groups are never read
    options.log_errors = False  # a refused pattern is a value, not a line on standard error
    return options


_CHECK_OPTIONS = _options(_CHECK_MEMORY)
_RUN_OPTIONS = _options(_RUN_MEMORY)


@functools.lru_cache(maxsize=4096)
def pattern_problem(pattern: str) -> str | None:
    """Why `pattern` cannot be run, in a designer's words, or None when it can."""
    try:
        compiled = re2.compile(pattern, _CHECK_OPTIONS)
    except UnicodeEncodeError:
        return "this pattern is not text: it holds half of a character (a lone surrogate)"
    except re2.error as error:
        return _refusal(_reason(error))
    if compiled.programsize > MAX_PROGRAM_SIZE:
        return _TOO_LARGE
    return None


def _reason(error: Exception) -> str:
    reason = error.args[0] if error.args else ""
    return reason.decode("utf-8", "replace") if isinstance(reason, bytes) else str(reason)


def _refusal(reason: str) -> str:
    if reason.startswith("pattern too large"):
        return _TOO_LARGE
    for shape, feature in _FEATURES:
        found = shape.match(reason)
        if found:
            return (
                "this pattern uses a feature Borough cannot run safely "
                f"(back-references or look-around): {feature.format(found.group(1))}"
            )
    return f"this pattern does not compile: {reason}"


@functools.lru_cache(maxsize=256)
def _runnable(pattern: str) -> Any:
    """The pattern compiled for searching, or None when it is refused."""
    if pattern_problem(pattern) is not None:
        return None
    return re2.compile(pattern, _RUN_OPTIONS)


def search(pattern: str, text: str) -> bool:
    """Whether `pattern` matches somewhere in `text`, as JSON Schema's `pattern` means it.

    A refused pattern matches nothing, and so does a text that is not text (one holding a
    lone surrogate): an answer is never accepted by a rule that could not be checked.
    """
    compiled = _runnable(pattern)
    if compiled is None:
        return False
    try:
        return compiled.search(text) is not None
    except UnicodeEncodeError:
        return False
