"""The JSON Patch that turns one document into another, matching list items by their ids.

A definition's lists hold things with stable keys: pages and fee lines by `id`, a page's
fields by `answer`, options by `const`. Matching items by those keys makes the patch say what
happened in a designer's terms: moving a page up is one `move`, changing a hint is one
`replace` at that field's hint, deleting an option is one `remove`. Lists without keys
(`required`, `tags`, `allOf`) are matched item by item along their longest common run.

`make_patch(old, new)` always satisfies `apply(old, make_patch(old, new)) == new`.
"""

from __future__ import annotations

import json
from typing import Any

from builder.patch import Patch, copy_json, pointer

# The members that identify list items, tried in this order.
ITEM_KEYS = ("id", "answer", "const")


def make_patch(old: Any, new: Any) -> Patch:
    """A patch that turns `old` into `new` (neither is changed)."""
    operations: Patch = []
    _diff(old, new, (), operations)
    return operations


def same(left: Any, right: Any) -> bool:
    """The same JSON value with the same Python types (1 and 1.0 differ; member order does not)."""
    if type(left) is not type(right):
        return False
    if isinstance(left, dict):
        return left.keys() == right.keys() and all(same(left[k], right[k]) for k in left)
    if isinstance(left, list):
        return len(left) == len(right) and all(same(a, b) for a, b in zip(left, right, strict=True))
    return bool(left == right)


def _diff(old: Any, new: Any, where: tuple[str, ...], out: Patch) -> None:
    if same(old, new):
        return
    if isinstance(old, dict) and isinstance(new, dict):
        for key in old:
            if key not in new:
                out.append({"op": "remove", "path": pointer(*where, key)})
        for key, value in new.items():
            if key not in old:
                out.append({"op": "add", "path": pointer(*where, key), "value": copy_json(value)})
            else:
                _diff(old[key], value, (*where, key), out)
        return
    if isinstance(old, list) and isinstance(new, list):
        key = _item_key(old, new)
        if key is not None:
            _diff_keyed(old, new, key, where, out)
        else:
            _diff_sequence(old, new, where, out)
        return
    out.append({"op": "replace", "path": pointer(*where), "value": copy_json(new)})


def _item_key(old: list[Any], new: list[Any]) -> str | None:
    """The member every item of both lists has, with distinct values in each list."""
    items = old + new
    if not items or not all(isinstance(item, dict) for item in items):
        return None
    for key in ITEM_KEYS:
        if all(key in item for item in items):
            for side in (old, new):
                values = [_identity(item[key]) for item in side]
                if len(set(values)) != len(values):
                    break
            else:
                return key
    return None


def _identity(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def _diff_keyed(
    old: list[Any], new: list[Any], key: str, where: tuple[str, ...], out: Patch
) -> None:
    new_ids = [_identity(item[key]) for item in new]
    old_ids = [_identity(item[key]) for item in old]
    wanted = set(new_ids)
    current = list(old_ids)
    # 1. Items that are gone, from the end so the indexes stay right.
    for index in range(len(old_ids) - 1, -1, -1):
        if old_ids[index] not in wanted:
            out.append({"op": "remove", "path": pointer(*where, index)})
            del current[index]
    # 2. Kept items into their new order, one move each.
    kept = set(current)
    order = [identity for identity in new_ids if identity in kept]
    for index, identity in enumerate(order):
        if current[index] != identity:
            source = current.index(identity)
            out.append(
                {"op": "move", "from": pointer(*where, source), "path": pointer(*where, index)}
            )
            current.insert(index, current.pop(source))
    # 3. New items at their places, first to last.
    for index, identity in enumerate(new_ids):
        if identity not in kept:
            out.append(
                {"op": "add", "path": pointer(*where, index), "value": copy_json(new[index])}
            )
    # 4. What changed inside the kept items, now at their new indexes.
    by_identity = dict(zip(old_ids, old, strict=True))
    for index, identity in enumerate(new_ids):
        if identity in kept:
            _diff(by_identity[identity], new[index], (*where, str(index)), out)


def _diff_sequence(old: list[Any], new: list[Any], where: tuple[str, ...], out: Patch) -> None:
    """Along the longest common run of equal items; the stretches between are paired up."""
    matches = [*_common_run(old, new), (len(old), len(new))]
    old_at = new_at = position = 0
    for old_match, new_match in matches:
        olds, news = old[old_at:old_match], new[new_at:new_match]
        paired = min(len(olds), len(news))
        for offset in range(paired):
            _diff(olds[offset], news[offset], (*where, str(position)), out)
            position += 1
        for _ in range(paired, len(olds)):
            out.append({"op": "remove", "path": pointer(*where, position)})
        for value in news[paired:]:
            out.append({"op": "add", "path": pointer(*where, position), "value": copy_json(value)})
            position += 1
        position += 1  # the matching item itself
        old_at, new_at = old_match + 1, new_match + 1


def _common_run(old: list[Any], new: list[Any]) -> list[tuple[int, int]]:
    """Index pairs of the longest common subsequence of equal items."""
    left = [_identity(item) for item in old]
    right = [_identity(item) for item in new]
    rows, cols = len(left), len(right)
    lengths = [[0] * (cols + 1) for _ in range(rows + 1)]
    for i in range(rows - 1, -1, -1):
        for j in range(cols - 1, -1, -1):
            if left[i] == right[j] and same(old[i], new[j]):
                lengths[i][j] = lengths[i + 1][j + 1] + 1
            else:
                lengths[i][j] = max(lengths[i + 1][j], lengths[i][j + 1])
    pairs = []
    i = j = 0
    while i < rows and j < cols:
        if left[i] == right[j] and same(old[i], new[j]):
            pairs.append((i, j))
            i, j = i + 1, j + 1
        elif lengths[i + 1][j] >= lengths[i][j + 1]:
            i += 1
        else:
            j += 1
    return pairs
