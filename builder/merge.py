"""Upgrading a fork: a structural three-way merge of service definitions.

`merge(base, ours, theirs)` takes the upstream version a council's service was forked from
(`base`), the council's current service (`ours`) and the new upstream version (`theirs`). It
compares them the way a designer thinks of a service, as the diff does: pages by id,
questions by their answer, options by value, fee lines by id, answers by name, workflow
states and events by name, Welsh strings by key. What only one side changed is taken from that
side; what both changed in the same way is taken once; what both changed differently, or what
one side removed while the other changed it, is a **collision**: the council's value stays in
the merged definition until someone chooses, and `resolve(result, choices)` merges again with
the choices made.

Lists keep the council's order: the upstream's new pages (or questions, options, fee lines)
go in after the item they follow upstream. When only the upstream reordered a list, its order
is taken; when both reordered it differently, the order is a collision too. Lists of plain
values (`required`, `tags`) merge as sets. Conditions (`when`, `if`, `then`, `else`) are
never merged inside: a condition changed on both sides is one collision, not a mix of two;
nor is a page, question, option, fee line, answer, state or event both sides added. A question
both sides put on different pages is asked on one of them: which one is a collision too.

A service's own identity (`id`, `version`, `publisher`, `provenance`) is the council's: the
merge keeps it, and moves `provenance.forkedFrom` on to the new upstream version. A council
that changed nothing at all (`ours == base`) gets the upstream version exactly.

Two repairs follow a merge, each one undoing a side effect the merge itself would cause: a
question kept by a choice gets back the answer schema the other side removed with it, and a
Welsh string missing from the merge is taken from a side whose English is the same. Welsh
left for strings that are gone is dropped. Whatever else the merge leaves wrong (an answer one
side removed that the other side's new fee uses, say) is not hidden: the result carries the
problems the definition checks find, and `resolve` refuses a choice that leaves any.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from builder._merge_notes import notes
from builder._merge_repairs import asked_once, follow_upstream, restore_answers, restore_welsh
from builder._merge_walk import ABSENT, BROKEN, Custom, Part, Walk
from builder._merge_words import locate, said, where
from builder.diff import diff
from builder.keyed_patch import same
from builder.patch import copy_json
from runtime.core.definition import report
from runtime.core.problems import Problem

__all__ = ["ABSENT", "Collision", "Custom", "MergeRefused", "MergeResult", "merge", "resolve"]

Definition = dict[str, Any]

# The members that name the service itself: always the council's own.
IDENTITY = ("id", "version", "publisher", "provenance")


@dataclass(frozen=True)
class Collision:
    """Something both sides changed differently, or one removed while the other changed it.

    `id` is stable for the same three definitions (a path through the definition with list
    items named by their key, such as `/pages/id=contact/fields/answer=~1email/hint`): the
    key of a choice. `where` says it in words, `pointer` is where it is in the merged
    definition (or, if the merged definition does not have it, where it is in ours or
    theirs). `base`, `ours` and `theirs` are the three values, ABSENT where a side has none;
    for an order they are lists of the items' keys. `said` gives each of them in words
    (an amount in pounds, a condition as a sentence, a page or question by its name).
    """

    id: str
    where: str
    pointer: str
    kind: str
    base: Any
    ours: Any
    theirs: Any
    said: Mapping[str, str] = field(default_factory=dict)

    @property
    def words(self) -> str:
        said = {
            "changed": "you and the publisher both changed it",
            "added": "you and the publisher both added it, differently",
            "removed-by-us": "you removed it; the publisher changed it",
            "removed-by-them": "the publisher removed it; you changed it",
            "order": "you and the publisher both reordered it",
        }[self.kind]
        return f"{self.where}: {said}"

    def as_json(self) -> dict[str, Any]:
        found: dict[str, Any] = {
            "id": self.id,
            "where": self.where,
            "pointer": self.pointer,
            "kind": self.kind,
            "words": self.words,
            "said": dict(self.said),
        }
        for name in ("base", "ours", "theirs"):
            value = getattr(self, name)
            if value is not ABSENT:
                found[name] = copy_json(value)
        return found


@dataclass(frozen=True)
class MergeResult:
    """The merged definition (each collision holding the council's value until chosen), the
    collisions, the upstream changes applied (in words), notes for the designer (Welsh that
    may need updating, conditions testing for an option that is gone), and what the definition checks find wrong with the merged definition."""

    definition: Definition
    collisions: tuple[Collision, ...]
    applied: tuple[str, ...]
    notes: tuple[str, ...]
    problems: tuple[Problem, ...]
    base: Definition = field(repr=False)
    ours: Definition = field(repr=False)
    theirs: Definition = field(repr=False)

    @property
    def clean(self) -> bool:
        """Nothing to choose and nothing wrong: the merged definition can be used as it is."""
        return not self.collisions and not self.problems

    def as_json(self) -> dict[str, Any]:
        return {
            "definition": self.definition,
            "collisions": [collision.as_json() for collision in self.collisions],
            "applied": list(self.applied),
            "notes": list(self.notes),
            "problems": [problem.as_json() for problem in self.problems],
        }


class MergeRefused(Exception):
    """Choices that cannot be used: `code` is stable, `message` for people, `problems` what the
    definition checks found in the definition the choices would make, `collisions` the ones
    the choices led to that need a choice too."""

    def __init__(
        self,
        code: str,
        message: str,
        problems: tuple[Problem, ...] = (),
        collisions: tuple[Collision, ...] = (),
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.problems = problems
        self.collisions = collisions

    def as_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "message": self.message,
            "problems": [problem.as_json() for problem in self.problems],
            "collisions": [collision.as_json() for collision in self.collisions],
        }


def merge(base: Definition, ours: Definition, theirs: Definition) -> MergeResult:
    """Merge the upstream's changes (base → theirs) into the council's service (ours)."""
    definition, merger = _merged(base, ours, theirs, {})
    return _result(base, ours, theirs, definition, merger)


def resolve(result: MergeResult, choices: Mapping[str, Any], *, checked: bool = True) -> Definition:
    """The definition with every collision decided: by id, "ours", "theirs" or a value of the
    designer's own (`Custom(value)` for a text that reads "ours" or "theirs"; a list of the
    items' keys for an order). Refused with MergeRefused when a choice names no collision,
    a collision has no choice, a choice leads to another collision (which the refusal
    carries, to be chosen too), or the definition made fails the definition checks.

    `checked=False` gives the definition even when it fails the checks, for a draft whose
    problems the designer fixes in the builder (Welsh for the publisher's new question in a
    service the council translated, say); publishing checks it as it checks any draft."""
    missing = [c for c in result.collisions if c.id not in choices]
    if missing:
        more = f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""
        raise MergeRefused("unchosen", f"Choose what to keep for {missing[0].where}{more}")
    definition, merger = _merged(result.base, result.ours, result.theirs, dict(choices))
    # A collision the merge listed may be gone once the others are chosen (the council's page
    # chosen without the question the publisher asks elsewhere): its choice is not needed.
    unknown = sorted(set(choices) - merger.met - {collision.id for collision in result.collisions})
    if unknown:
        raise MergeRefused("unknown-collision", f"There is no collision {unknown[0]} to choose for")
    if merger.found:  # a choice that opened another, such as which page asks a question
        opened = _collisions(merger, (definition, result.ours, result.theirs, result.base))
        raise MergeRefused(
            "unchosen",
            f"Your choices leave one more to make: {opened[0].where}",
            collisions=opened,
        )
    found = report(definition).listed if checked else []
    if found:
        raise MergeRefused(
            "invalid-result",
            f"The choices leave {len(found)} problem{'s' if len(found) != 1 else ''} "
            f"in the service: {found[0].pointer or '/'}: {found[0].message}",
            tuple(found),
        )
    return definition


# The merge itself.


def _merged(
    base: Definition, ours: Definition, theirs: Definition, choices: dict[str, Any]
) -> tuple[Definition, Walk]:
    merger = Walk(choices)
    if same(ours, base):
        return copy_json(theirs), merger
    strip = [{k: v for k, v in side.items() if k not in IDENTITY} for side in (base, ours, theirs)]
    merged = merger.value(strip[0], strip[1], strip[2], ())
    definition: Definition = copy_json(merged)
    for key in IDENTITY:
        if key in ours:
            definition[key] = copy_json(ours[key])
    try:
        follow_upstream(definition, base, theirs)
        asked_once(definition, merger, base, ours, theirs)
        restore_answers(definition, ours, theirs)
        restore_welsh(definition, ours, theirs)
    except BROKEN:
        pass  # a merged definition too broken to repair: the checks say why
    return definition, merger


def _collisions(merger: Walk, views: tuple[Definition, ...]) -> tuple[Collision, ...]:
    def placed(key: str, path: tuple[Part, ...]) -> tuple[str, str]:
        try:
            return where(path, views), locate(path, views)
        except BROKEN:  # a definition too broken to name things in: the path will do
            return key, ""

    def in_words(path: tuple[Part, ...], values: dict[str, Any], had: bool) -> dict[str, str]:
        found = {}
        for (name, value), view in zip(values.items(), (views[3], views[1], views[2]), strict=True):
            try:
                found[name] = said(path, value, view, had=had)
            except BROKEN:
                found[name] = "(cannot be said in words)"
        return found

    return tuple(
        Collision(
            key,
            *placed(key, path),
            kind,
            copy_json(was) if was is not ABSENT else ABSENT,
            copy_json(mine) if mine is not ABSENT else ABSENT,
            copy_json(new) if new is not ABSENT else ABSENT,
            in_words(path, {"base": was, "ours": mine, "theirs": new}, was is not ABSENT),
        )
        for key, path, kind, was, mine, new in merger.found
    )


def _result(
    base: Definition, ours: Definition, theirs: Definition, definition: Definition, merger: Walk
) -> MergeResult:
    collisions = _collisions(merger, (definition, ours, theirs, base))
    try:
        applied = tuple(
            difference.words
            for difference in diff(ours, definition).differences
            if not (difference.subject == "service" and difference.key in IDENTITY)
        )
        noted = notes(ours, definition)
    except BROKEN:
        applied, noted = (), ()  # a merged definition too broken to compare: its problems say why
    return MergeResult(
        definition,
        collisions,
        applied,
        noted,
        tuple(report(definition).listed),
        copy_json(base),
        copy_json(ours),
        copy_json(theirs),
    )
