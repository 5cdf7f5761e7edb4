"""A change to a draft: one named operation, said in words, as a JSON Patch and its inverse.

Every operation in the builder (add a question, move a page up, translate a string) is a
function `(definition, **params) -> Change`. It never changes the definition it is given.
The `Change` carries what the store records: the operation's name and parameters, the
designer-facing description ("Added question 'Colour' to page 'About the bin'"), the patch
that makes the change and the patch that undoes it exactly. Undo, redo, the history, the
audit log and the JSON API all stand on this one record.

An operation that cannot be done as asked raises `Refused`, with a stable `code`, a message in
the designer's words and, when something else depends on what would be removed, the list of
those dependents, so the page can show them and let the designer decide.
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Concatenate, ParamSpec

from builder.keyed_patch import make_patch
from builder.patch import Patch, apply, apply_with_inverse, copy_json
from runtime.core.strings import resident_strings

Definition = dict[str, Any]
P = ParamSpec("P")


class Unchanged(enum.Enum):
    """The default of an edit's optional parameters: leave this as it is (None removes it)."""

    UNCHANGED = "unchanged"


UNCHANGED = Unchanged.UNCHANGED


@dataclass(frozen=True)
class Change:
    """One operation on a draft: its name and parameters, its words, its patch and inverse."""

    name: str
    description: str
    patch: Patch
    inverse: Patch
    params: Mapping[str, Any] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        """Whether the operation changed nothing (the store need not record it)."""
        return not self.patch

    def apply(self, definition: Definition) -> Definition:
        """The definition after this change (the one given is left as it was)."""
        result: Definition = apply(definition, self.patch)
        return result

    def undo(self, definition: Definition) -> Definition:
        """The definition before this change, from the definition after it."""
        result: Definition = apply(definition, self.inverse)
        return result

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "description": self.description,
            "params": dict(self.params),
            "patch": self.patch,
            "inverse": self.inverse,
        }


class Refused(Exception):
    """An operation that cannot be done as asked. `code` is stable; `message` is for people;
    `dependents` says, in words, what depends on what would be removed."""

    def __init__(self, code: str, message: str, dependents: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.dependents = dependents

    def as_json(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "dependents": list(self.dependents)}


Edit = Callable[Concatenate[Definition, P], tuple[str, Definition]]
Operation = Callable[Concatenate[Definition, P], Change]

# Every operation by name: what the JSON API and the history call.
OPERATIONS: dict[str, Callable[..., Change]] = {}


def operation(name: str) -> Callable[[Edit[P]], Operation[P]]:
    """Make an edit into a named operation and register it.

    The edit receives a private copy of the definition, changes it in place and returns the
    description and the copy. The operation turns that into a `Change`.
    """

    def register(edit: Edit[P]) -> Operation[P]:
        @functools.wraps(edit)
        def perform(definition: Definition, /, *args: P.args, **params: P.kwargs) -> Change:
            description, changed = edit(copy_json(definition), *args, **params)
            return make_change(name, description, definition, changed, dict(params))

        OPERATIONS[name] = perform
        return perform

    return register


def make_change(
    name: str,
    description: str,
    before: Definition,
    after: Definition,
    params: Mapping[str, Any] | None = None,
) -> Change:
    """The change from `before` to `after`; translations left translating nothing are dropped."""
    _drop_stale_translations(before, after)
    patch = make_patch(before, after)
    inverse = apply_with_inverse(before, patch).inverse
    return Change(name, description, patch, inverse, dict(params or {}))


def _drop_stale_translations(before: Definition, after: Definition) -> None:
    """Remove translations whose English string this change removed (renames move them first)."""
    tables = after.get("translations")
    if not isinstance(tables, dict):
        return
    try:
        had = {text.key for text in resident_strings(before)}
        has = {text.key for text in resident_strings(after)}
    except (KeyError, TypeError, AttributeError):
        return  # a draft too broken to list its strings: leave its translations alone
    for table in tables.values():
        if isinstance(table, dict):
            for key in [key for key in table if key in had and key not in has]:
                del table[key]
