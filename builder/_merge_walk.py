"""The walk over three definitions that a merge is: what each side changed, taken from the
side that changed it, and the collisions where both did (see builder/merge.py).

Values are compared by their place in the service: object members by name, list items by the
member that names them (`id`, `answer`, `const`, as builder.keyed_patch matches them), lists of
plain values as sets. A path through the definition (`Part`s: member names, and `Item`s for
list items) names each place, and `collision_id` writes it as a collision's stable id.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from builder.keyed_patch import ITEM_KEYS, same
from builder.patch import copy_json, escape

# Members holding one condition: merged whole, never inside.
CONDITIONS = ("when", "if", "then", "else", "not", "contains", "dependentSchemas")
# Members whose members are each one named thing (an answer, a state, an event, a timer).
NAMED = ("properties", "states", "on", "after")
# The last part of a collision id that concerns the order of a list rather than an item.
ORDER = "(order)"
# The middle part of a collision id that concerns which page asks a question.
ASKED = "(asked on)"
# What a definition too broken to read raises when read as a good one.
BROKEN = (KeyError, TypeError, AttributeError, IndexError, ValueError)


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
        return identity(self.value)


Part = str | Item


@dataclass(frozen=True)
class Custom:
    """A value of the designer's own for a collision (needed only for the texts "ours" and
    "theirs", which would otherwise name a side)."""

    value: Any


class Walk:
    """One walk over the three definitions, collecting the collisions it meets."""

    def __init__(self, choices: dict[str, Any]) -> None:
        self.choices = choices
        self.met: set[str] = set()  # every collision met, chosen or not
        self.found: list[tuple[str, tuple[Part, ...], str, Any, Any, Any]] = []

    def value(self, base: Any, ours: Any, theirs: Any, path: tuple[Part, ...]) -> Any:
        """The merged value at `path` (ABSENT when it is gone): one side's when only it
        changed, inside objects and lists when both did, a collision when that cannot be."""
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
        for name in dict.fromkeys([*sides[1], *sides[2], *sides[0]]):
            values = [side.get(name, ABSENT) for side in sides]
            item = _item_name(key, next(v for v in values if v is not ABSENT))
            names[name] = item
            value = self.value(values[0], values[1], values[2], (*path, item))
            if value is not ABSENT:
                kept[name] = value
        order = self.order([list(side) for side in sides], path, names, ordered=key is not None)
        # A designer's own order that leaves items out still keeps them, at the end.
        order += [name for name in kept if name not in set(order)]
        return [kept[name] for name in dict.fromkeys(order) if name in kept]

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
                    if isinstance(wanted, list):  # the designer's own order, the rest after it
                        primary, secondary = [identity(value) for value in wanted], []
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
    for index, name in enumerate(secondary):
        if name in placed:
            continue
        at = 0
        for before in reversed(secondary[:index]):
            if before in placed:
                at = arranged.index(before) + 1
                break
        arranged.insert(at, name)
        placed.add(name)
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


def identity(value: Any) -> str:
    """What a list item is matched by: its key's value (or the item itself) as JSON."""
    return json.dumps(value, sort_keys=True)


def _list_key(*lists: list[Any]) -> str | None:
    """The member naming every item of each list (distinct within each), as the diff uses."""
    items = [item for side in lists for item in side]
    if not items or not all(isinstance(item, dict) for item in items):
        return None
    for key in ITEM_KEYS:
        if all(key in item for item in items) and all(
            len({identity(item[key]) for item in side}) == len(side) for side in lists
        ):
            return key
    return None


def _by_identity(items: list[Any], key: str | None) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for item in items:
        # Plain lists may repeat a value: a set keeps it once.
        found.setdefault(identity(item[key] if key else item), item)
    return found


def _item_name(key: str | None, item: Any) -> Item:
    return Item(key, item[key]) if key else Item("value", item)


def collision_id(path: Iterable[Part]) -> str:
    """A collision's stable id: the path, list items written as key=value."""
    written = []
    for part in path:
        if isinstance(part, Item):
            value = part.value if isinstance(part.value, str) else identity(part.value)
            written.append(f"{part.key}={escape(value)}")
        else:
            written.append(escape(part))
    return "/" + "/".join(written)
