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
never merged inside: a condition changed on both sides is one collision, not a mix of two.

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

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from builder.diff import diff, english_changed
from builder.keyed_patch import ITEM_KEYS, same
from builder.locations import (
    answer_path,
    asked,
    page_name,
    page_paths,
    question_label,
    schema_keys,
)
from builder.patch import copy_json, escape, pointer
from runtime.core.definition import report
from runtime.core.problems import Problem
from runtime.core.strings import resident_strings

Definition = dict[str, Any]

# The members that name the service itself: always the council's own.
IDENTITY = ("id", "version", "publisher", "provenance")
# Members holding one condition: merged whole, never inside.
CONDITIONS = ("when", "if", "then", "else", "not", "contains", "dependentSchemas")
# Members whose members are each one named thing (an answer, a state, an event, a timer).
NAMED = ("properties", "states", "on", "after")
# The last part of a collision id that concerns the order of a list rather than an item.
ORDER = "(order)"
# What a definition too broken to read raises when read as a good one.
BROKEN = (KeyError, TypeError, AttributeError, IndexError, ValueError)
# The middle part of a collision id that concerns which page asks a question.
ASKED = "(asked on)"
SIDES = ("ours", "theirs")


class _Absent:
    """Where one side has nothing: a member or item that was never there or was removed."""

    _instance: _Absent | None = None

    def __new__(cls) -> _Absent:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "ABSENT"


ABSENT: Any = _Absent()


@dataclass(frozen=True)
class Item:
    """A list item, named by its key member and that member's value (`id` = `contact`)."""

    key: str
    value: Any

    @property
    def identity(self) -> str:
        return _identity(self.value)


Part = str | Item


@dataclass(frozen=True)
class Custom:
    """A value of the designer's own for a collision (needed only for the texts "ours" and
    "theirs", which would otherwise name a side)."""

    value: Any


@dataclass(frozen=True)
class Collision:
    """Something both sides changed differently, or one removed while the other changed it.

    `id` is stable for the same three definitions (a path through the definition with list
    items named by their key, such as `/pages/id=contact/fields/answer=~1email/hint`): the
    key of a choice. `where` says it in words, `pointer` is where it is in the merged
    definition (or, if the merged definition does not have it, where it is in ours or
    theirs). `base`, `ours` and `theirs` are the three values, ABSENT where a side has none;
    for an order they are lists of the items' keys.
    """

    id: str
    where: str
    pointer: str
    kind: str
    base: Any
    ours: Any
    theirs: Any

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
    may need updating), and what the definition checks find wrong with the merged definition."""

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


def resolve(result: MergeResult, choices: Mapping[str, Any]) -> Definition:
    """The definition with every collision decided: by id, "ours", "theirs" or a value of the
    designer's own (`Custom(value)` for a text that reads "ours" or "theirs"; a list of the
    items' keys for an order). Refused with MergeRefused when a choice names no collision,
    a collision has no choice, a choice leads to another collision (which the refusal
    carries, to be chosen too), or the definition made fails the definition checks."""
    missing = [c for c in result.collisions if c.id not in choices]
    if missing:
        more = f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""
        raise MergeRefused("unchosen", f"Choose what to keep for {missing[0].where}{more}")
    definition, merger = _merged(result.base, result.ours, result.theirs, dict(choices))
    unknown = sorted(set(choices) - merger.met)
    if unknown:
        raise MergeRefused("unknown-collision", f"There is no collision {unknown[0]} to choose for")
    if merger.found:  # a choice that opened another, such as which page asks a question
        opened = _collisions(merger, (definition, result.ours, result.theirs, result.base))
        raise MergeRefused(
            "unchosen",
            f"Your choices leave one more to make: {opened[0].where}",
            collisions=opened,
        )
    found = report(definition).listed
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
) -> tuple[Definition, _Merger]:
    merger = _Merger(choices)
    if same(ours, base):
        return copy_json(theirs), merger
    strip = [{k: v for k, v in side.items() if k not in IDENTITY} for side in (base, ours, theirs)]
    merged = merger.value(strip[0], strip[1], strip[2], ())
    definition: Definition = copy_json(merged)
    for key in IDENTITY:
        if key in ours:
            definition[key] = copy_json(ours[key])
    try:
        _follow_upstream(definition, base, theirs)
        _asked_once(definition, merger, base, ours, theirs)
        _restore_answers(definition, ours, theirs)
        _restore_welsh(definition, ours, theirs)
    except BROKEN:
        pass  # a merged definition too broken to repair: the checks say why
    return definition, merger


def _follow_upstream(definition: Definition, base: Definition, theirs: Definition) -> None:
    """A fork of base now follows theirs: its provenance names the new upstream version."""
    provenance = definition.get("provenance")
    if not isinstance(provenance, dict):
        return
    if provenance.get("forkedFrom") == f"{base.get('id')}@{base.get('version')}":
        provenance["forkedFrom"] = f"{theirs.get('id')}@{theirs.get('version')}"
        publisher = theirs.get("publisher")
        if "publisher" in provenance and isinstance(publisher, dict) and "id" in publisher:
            provenance["publisher"] = publisher["id"]


class _Merger:
    """One walk over the three definitions, collecting the collisions it meets."""

    def __init__(self, choices: dict[str, Any]) -> None:
        self.choices = choices
        self.met: set[str] = set()  # every collision met, chosen or not
        self.found: list[tuple[str, tuple[Part, ...], str, Any, Any, Any]] = []

    def value(self, base: Any, ours: Any, theirs: Any, path: tuple[Part, ...]) -> Any:
        if _same(ours, theirs):
            return ours
        if _same(base, ours):
            return theirs
        if _same(base, theirs):
            return ours
        if not _condition(path) and not (base is ABSENT and _named_thing(path)):
            if isinstance(ours, dict) and isinstance(theirs, dict) and _fits(base, dict):
                return self.members({} if base is ABSENT else base, ours, theirs, path)
            if isinstance(ours, list) and isinstance(theirs, list) and _fits(base, list):
                return self.items([] if base is ABSENT else base, ours, theirs, path)
        return self.collide(path, base, ours, theirs)

    def collide(self, path: tuple[Part, ...], base: Any, ours: Any, theirs: Any) -> Any:
        if base is ABSENT:
            kind = "added"
        elif ours is ABSENT:
            kind = "removed-by-us"
        elif theirs is ABSENT:
            kind = "removed-by-them"
        else:
            kind = "changed"
        key = collision_id(path)
        self.met.add(key)
        if key in self.choices:
            return _chosen(self.choices[key], ours, theirs)
        self.found.append((key, path, kind, base, ours, theirs))
        return ours

    def members(
        self,
        base: dict[str, Any],
        ours: dict[str, Any],
        theirs: dict[str, Any],
        path: tuple[Part, ...],
    ) -> dict[str, Any]:
        merged: dict[str, Any] = {}
        for name in dict.fromkeys([*ours, *theirs, *base]):
            value = self.value(
                base.get(name, ABSENT),
                ours.get(name, ABSENT),
                theirs.get(name, ABSENT),
                (*path, name),
            )
            if value is not ABSENT:
                merged[name] = value
        return merged

    def items(
        self, base: list[Any], ours: list[Any], theirs: list[Any], path: tuple[Part, ...]
    ) -> Any:
        key = _list_key(base, ours, theirs)
        sides = [_by_identity(side, key) for side in (base, ours, theirs)]
        if key is None and not all(_plain(item) for item in [*base, *ours, *theirs]):
            # Rules without names (allOf): both rewrote the same one, so one collision.
            before = sides[0].keys()
            gone = [before - side.keys() for side in sides[1:]]
            new = [side.keys() - before for side in sides[1:]]
            if gone[0] & gone[1] and new[0] != new[1]:
                return self.collide(path, base, ours, theirs)
        kept: dict[str, Any] = {}
        names: dict[str, Item] = {}
        for identity in dict.fromkeys([*sides[1], *sides[2], *sides[0]]):
            values = [side.get(identity, ABSENT) for side in sides]
            item = _item_name(key, next(v for v in values if v is not ABSENT))
            names[identity] = item
            value = self.value(values[0], values[1], values[2], (*path, item))
            if value is not ABSENT:
                kept[identity] = value
        order = self.order([list(side) for side in sides], path, names, ordered=key is not None)
        return [kept[identity] for identity in order if identity in kept]

    def order(
        self,
        sides: list[list[str]],
        path: tuple[Part, ...],
        names: dict[str, Item],
        *,
        ordered: bool,
    ) -> list[str]:
        base, ours, theirs = sides
        primary, secondary = ours, theirs
        ours_moved, theirs_moved = _reordered(base, ours), _reordered(base, theirs)
        if theirs_moved and not ours_moved:
            primary, secondary = theirs, ours
        elif ordered and ours_moved and theirs_moved and _reordered(ours, theirs, within=base):
            key = collision_id((*path, ORDER))
            self.met.add(key)
            if key in self.choices:
                choice = self.choices[key]
                if choice == "theirs":
                    primary, secondary = theirs, ours
                elif choice != "ours":
                    wanted = choice.value if isinstance(choice, Custom) else choice
                    primary = (
                        [_identity(value) for value in wanted] if isinstance(wanted, list) else ours
                    )
            else:
                self.found.append(
                    (
                        key,
                        (*path, ORDER),
                        "order",
                        [names[i].value for i in base],
                        [names[i].value for i in ours],
                        [names[i].value for i in theirs],
                    )
                )
        return _arrange(primary, secondary)


def _arrange(primary: list[str], secondary: list[str]) -> list[str]:
    """Primary's order, with secondary's other items each put after the item it follows there."""
    arranged = list(dict.fromkeys(primary))
    placed = set(arranged)
    for index, identity in enumerate(secondary):
        if identity in placed:
            continue
        at = 0
        for before in reversed(secondary[:index]):
            if before in placed:
                at = arranged.index(before) + 1
                break
        arranged.insert(at, identity)
        placed.add(identity)
    return arranged


def _reordered(base: list[str], side: list[str], within: list[str] | None = None) -> bool:
    """Whether the items both lists have (and `within` has, when given) are in another order."""
    common = set(base) & set(side) & (set(within) if within is not None else set(base))
    return [i for i in base if i in common] != [i for i in side if i in common]


def _chosen(choice: Any, ours: Any, theirs: Any) -> Any:
    if isinstance(choice, Custom):
        return copy_json(choice.value)
    if choice == "ours":
        return ours
    if choice == "theirs":
        return theirs
    return copy_json(choice)


def _same(left: Any, right: Any) -> bool:
    if left is ABSENT or right is ABSENT:
        return left is right
    return same(left, right)


def _named_thing(path: tuple[Part, ...]) -> bool:
    """Whether the path ends at one named thing (a page, question, option, fee line, answer,
    state or event): added on both sides differently, it collides whole, never mixed."""
    if not path:
        return False
    return isinstance(path[-1], Item) or (len(path) > 1 and path[-2] in NAMED)


def _fits(base: Any, kind: type) -> bool:
    return base is ABSENT or isinstance(base, kind)


def _plain(value: Any) -> bool:
    return not isinstance(value, dict | list)


def _condition(path: tuple[Part, ...]) -> bool:
    """Whether the path ends at a condition (not at an answer or state with such a name)."""
    if not path or not isinstance(path[-1], str) or path[-1] not in CONDITIONS:
        return False
    if path[0] in ("translations", "workflow"):
        return False
    return len(path) < 2 or path[-2] != "properties"


def _identity(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def _list_key(*lists: list[Any]) -> str | None:
    """The member naming every item of each list (distinct within each), as the diff uses."""
    items = [item for side in lists for item in side]
    if not items or not all(isinstance(item, dict) for item in items):
        return None
    for key in ITEM_KEYS:
        if all(key in item for item in items) and all(
            len({_identity(item[key]) for item in side}) == len(side) for side in lists
        ):
            return key
    return None


def _by_identity(items: list[Any], key: str | None) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for item in items:
        # Plain lists may repeat a value: a set keeps it once.
        found.setdefault(_identity(item[key] if key else item), item)
    return found


def _item_name(key: str | None, item: Any) -> Item:
    return Item(key, item[key]) if key else Item("value", item)


def collision_id(path: Iterable[Part]) -> str:
    """A collision's stable id: the path, list items written as key=value."""
    written = []
    for part in path:
        if isinstance(part, Item):
            value = part.value if isinstance(part.value, str) else _identity(part.value)
            written.append(f"{part.key}={escape(value)}")
        else:
            written.append(escape(part))
    return "/" + "/".join(written)


# After the merge.


def _asked_once(definition: Definition, merger: _Merger, *sides: Definition) -> None:
    """A question both sides put on different pages (added on both, or moved on both) is asked
    on one of them: a collision, the council's page until chosen. A question page left with no
    questions goes too."""
    pages = definition.get("pages")
    if not isinstance(pages, list):
        return
    try:
        homes: dict[str, list[str]] = {}
        for found in asked(definition):
            homes.setdefault(found.path, []).append(str(found.page.get("id")))
        side_homes = [{found.path: found.page.get("id") for found in asked(side)} for side in sides]
    except BROKEN:
        return  # too broken to list its questions: the checks will say so
    for path, ids in homes.items():
        if len(set(ids)) < 2:
            continue
        was, mine, new = (found.get(path, ABSENT) for found in side_homes)
        chosen = merger.collide(("pages", ASKED, Item("answer", path)), was, mine, new)
        keep = chosen if chosen in ids else ids[0]
        for page in [page for page in pages if page.get("id") in ids and page.get("id") != keep]:
            page["fields"] = [
                field
                for field in page.get("fields", [])
                if answer_path(page, field.get("answer", "")) != path
            ]
            if not page["fields"]:
                pages.remove(page)


def _restore_answers(definition: Definition, *sides: Definition) -> None:
    """Give every question asked the answer schema a side still has (with its requiredness),
    when the merge took it away along with a question a choice kept."""
    answers = definition.get("answers")
    if not isinstance(answers, dict):
        return
    for page in definition.get("pages", []):
        try:
            paths = page_paths(page)
        except (KeyError, TypeError):
            continue
        for path in paths:
            if schema_keys(answers, path) is not None:
                continue
            for side in sides:
                keys = schema_keys(side.get("answers") or {}, path)
                if keys is not None:
                    _copy_schema(answers, side["answers"], keys)
                    break


def _copy_schema(answers: dict[str, Any], source: dict[str, Any], keys: list[str]) -> None:
    target: Any = answers
    origin: Any = source
    for index, key in enumerate(keys):
        if index + 2 == len(keys) and key == "properties":
            name = keys[-1]
            required = target.get("required") or []
            if name in (origin.get("required") or []) and name not in required:
                target["required"] = [*required, name]
        if key not in target:
            target[key] = copy_json(origin[key])
            return
        target, origin = target[key], origin[key]


def _restore_welsh(definition: Definition, *sides: Definition) -> None:
    """Translations for the strings the merged definition has: those missing taken from a side
    whose English for the key is the same; those for strings that are gone dropped."""
    tables = definition.get("translations")
    if not isinstance(tables, dict):
        return
    try:
        texts = {text.key: text.text for text in resident_strings(definition)}
        sides_texts = [{t.key: t.text for t in resident_strings(side)} for side in sides]
    except BROKEN:
        return  # too broken to list its strings: the checks will say so
    for language, table in tables.items():
        if not isinstance(table, dict):
            continue
        for key in [key for key in table if key not in texts]:
            del table[key]
        for key, text in texts.items():
            if key in table:
                continue
            for side, side_texts in zip(sides, sides_texts, strict=True):
                other = (side.get("translations") or {}).get(language) or {}
                if side_texts.get(key) == text and key in other:
                    table[key] = other[key]
                    break


def _collisions(merger: _Merger, views: tuple[Definition, ...]) -> tuple[Collision, ...]:
    def said(key: str, path: tuple[Part, ...]) -> tuple[str, str]:
        try:
            return _where(path, views), _locate(path, views)
        except BROKEN:  # a definition too broken to name things in: the path will do
            return key, ""

    return tuple(
        Collision(
            key,
            *said(key, path),
            kind,
            copy_json(was) if was is not ABSENT else ABSENT,
            copy_json(mine) if mine is not ABSENT else ABSENT,
            copy_json(new) if new is not ABSENT else ABSENT,
        )
        for key, path, kind, was, mine, new in merger.found
    )


def _result(
    base: Definition, ours: Definition, theirs: Definition, definition: Definition, merger: _Merger
) -> MergeResult:
    collisions = _collisions(merger, (definition, ours, theirs, base))
    try:
        applied = tuple(
            difference.words
            for difference in diff(ours, definition).differences
            if not (difference.subject == "service" and difference.key in IDENTITY)
        )
        notes = tuple(
            f"The English of {key} changed upstream; check its Welsh"
            for key in english_changed(ours, definition)
        )
    except BROKEN:
        applied, notes = (), ()  # a merged definition too broken to compare: its problems say why
    return MergeResult(
        definition,
        collisions,
        applied,
        notes,
        tuple(report(definition).listed),
        copy_json(base),
        copy_json(ours),
        copy_json(theirs),
    )


def _step(node: Any, part: Part) -> tuple[Any, str | int] | None:
    """The child of `node` at `part`, and its pointer part; None when there is none."""
    if isinstance(part, Item):
        if not isinstance(node, list):
            return None
        for index, item in enumerate(node):
            if part.key == "value":
                if _identity(item) == part.identity:
                    return item, index
            elif isinstance(item, dict) and _identity(item.get(part.key)) == part.identity:
                return item, index
        return None
    if isinstance(node, dict) and part in node:
        return node[part], part
    return None


def _locate(path: tuple[Part, ...], views: tuple[Definition, ...]) -> str:
    """The JSON Pointer of the path in the first definition that has it (the list, for an order)."""
    wanted = path[:-1] if path and path[-1] == ORDER else path
    if len(path) == 3 and path[1] == ASKED and isinstance(path[2], Item):
        for view in views:
            for question in asked(view):
                if question.path == path[2].value:
                    return pointer("pages", question.page_index, "fields", question.field_index)
    for view in views:
        node: Any = view
        found: list[str | int] = []
        for part in wanted:
            step = _step(node, part)
            if step is None:
                break
            node, at = step
            found.append(at)
        else:
            return pointer(*found)
    return collision_id(wanted)


_TOP = {
    "title": "Service name",
    "summary": "Service summary",
    "start": "Start page",
    "declaration": "Declaration",
    "confirmation": "Confirmation page",
    "answers": "Answers",
    "pages": "Pages",
    "fees": "Fees",
    "workflow": "Workflow",
    "translations": "Translations",
    "languages": "Languages",
    "lgsl": "LGSL code",
    "tags": "Tags",
    "licence": "Licence",
}
_MEMBERS = {
    "label": "question",
    "hint": "hint",
    "title": "title",
    "content": "content",
    "errors": "error messages",
    "optionHints": "option hints",
    "reveals": "revealed questions",
    "residentText": "resident text",
    "description": "description",
    "amount": "amount",
    "when": "condition",
    "allOf": "rules for when answers are required",
    "if": "rule's condition",
    "then": "rule's requirement",
    "else": "rule's other requirement",
    "oneOf": "options",
    "minLength": "shortest length",
    "maxLength": "longest length",
    "minimum": "smallest value",
    "maximum": "largest value",
    "minItems": "fewest items",
    "maxItems": "most items",
    "formatMinimum": "earliest date",
    "formatMaximum": "latest date",
    "anyOf": "options",
    "required": "required answers",
    "fields": "questions",
    "lines": "lines",
    "meta": "",
    "properties": "",
    "items": "",
}

_WORKFLOW_MEMBERS = {
    "initial": "first state",
    "label": "label",
    "residentText": "resident text",
    "tag": "tag colour",
    "notify": "notification",
    "targetDays": "target days",
    "type": "final or not",
    "target": "target",
    "guard": "guard",
    "actions": "actions",
    "description": "button text",
}


def _where(path: tuple[Part, ...], views: tuple[Definition, ...]) -> str:
    """The path in a designer's words: "Page 'Your contact details', question 'Email', hint"."""
    if not path:
        return "The service"
    if len(path) == 3 and path[1] == ASKED and isinstance(path[2], Item):
        label = question_label(views[0], str(path[2].value)) if views else path[2].value
        return f"Question '{label}': the page that asks it"
    words: list[str] = []
    nodes: list[Any] = list(views)
    answer: list[str] = []
    for index, part in enumerate(path):
        parent = path[index - 1] if index else None
        looked = [step for step in (_step(node, part) for node in nodes) if step is not None]
        found = looked[0][0] if looked else None
        following = path[index + 1] if index + 1 < len(path) else None
        if (
            isinstance(following, Item)
            or (part, following) in (("answers", "properties"), ("fees", "lines"))
            or (path[0] == "workflow" and part in ("states", "on", "after", "meta"))
            or (path[0] == "translations" and index < 2 and following is not None)
        ):
            pass  # the item, answer, state, event or string names itself
        elif isinstance(part, Item):
            words.append(_item_words(parent, part, found))
        elif part == ORDER:
            words.append("order")
        elif index == 0:
            words.append(_TOP.get(part, part))
        elif path[0] == "translations" and index == 2:
            words.append(f"{'Welsh' if path[1] == 'cy' else path[1]} of {part}")
        elif path[0] == "workflow" and parent == "states":
            label = (
                (found or {}).get("meta", {}).get("label", part)
                if isinstance(found, dict)
                else part
            )
            words.append(f"state '{label}'")
        elif path[0] == "workflow" and parent == "on":
            words.append(f"event {part}")
        elif path[0] == "workflow" and parent == "after":
            words.append(f"timer after {int(part) // 86_400_000} days" if part.isdigit() else part)
        elif parent == "properties" and path[0] == "answers":
            answer.append(part)
            label = question_label(views[0], "/" + "/".join(answer)) if views else part
            words.append(f"answer '{label}'")
        elif path[0] == "workflow":
            words.append(_WORKFLOW_MEMBERS.get(part, part))
        elif _MEMBERS.get(part, part):
            words.append(_MEMBERS.get(part, part))
        nodes = [step[0] for step in looked] or nodes
    said = ", ".join(word for word in words if word)
    return said[0].upper() + said[1:] if said else "The service"


def _item_words(parent: Part | None, part: Item, found: Any) -> str:
    item = found if isinstance(found, dict) else {}
    if parent == "pages":
        return f"page '{page_name(item) if item else part.value}'"
    if parent == "fields":
        return f"question '{item.get('label', part.value)}'"
    if parent == "lines":
        return f"fee '{item.get('description', part.value)}'"
    if part.key == "const":
        return f"option '{item.get('title', part.value)}'"
    if part.key == "value":
        return f"'{part.value}'"
    return f"{part.key} {part.value}"
