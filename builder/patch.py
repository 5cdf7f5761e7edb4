"""JSON Patch (RFC 6902): apply a patch to a plain JSON document, and undo it exactly.

Every change a designer makes to a draft is recorded as a patch and its inverse. `apply`
never touches the document it is given: it works on a copy and returns the new document.
A patch that cannot be applied fails as a whole with a `PatchError` naming the operation
(by its index in the patch) and saying why in plain words, so nothing is half applied.

`apply_with_inverse` also returns the inverse patch, worked out while applying: applying
the inverse to the new document gives back the original exactly (the same keys, the same
values, the same order of list items). Undo and redo both stand on it.

Paths are JSON Pointers (RFC 6901): `/pages/0/title`, `~1` for `/` and `~0` for `~` inside
a name, and `-` for "after the last item" of a list.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from runtime.core.digits import is_digits
from runtime.core.limits import MAX_VALUES

Operation = dict[str, Any]
Patch = list[Operation]

OPERATIONS = ("add", "remove", "replace", "move", "copy", "test")

# Values (texts, numbers, lists, objects) a patch may copy out of the document it changes, by
# `copy` and by the undo record of `test`, summed over its operations. Every other value a patch
# writes is one it carries, so only these multiply: without a bound, 30 `copy` operations of the
# whole document to new members double it 30 times (and its inverse with it) before any check
# of the result's size. Twice what a definition may hold is more than any real change copies.
MAX_COPIED = 2 * MAX_VALUES


class PatchError(Exception):
    """A patch that cannot be applied: `index` is the failing operation's place in the patch
    (None when the patch as a whole is malformed), `code` a stable name for the reason."""

    def __init__(self, code: str, message: str, index: int | None = None) -> None:
        where = f"operation {index}: " if index is not None else ""
        super().__init__(where + message)
        self.code = code
        self.index = index
        self.message = message

    def as_json(self) -> dict[str, Any]:
        return {"code": self.code, "index": self.index, "message": self.message}


@dataclass(frozen=True)
class Applied:
    """The document after a patch, and the patch that takes it back to where it was."""

    document: Any
    inverse: Patch


def escape(name: str) -> str:
    """One JSON Pointer part: `~` becomes `~0`, `/` becomes `~1`."""
    return name.replace("~", "~0").replace("/", "~1")


def pointer(*parts: str | int) -> str:
    """A JSON Pointer built from unescaped parts: pointer("pages", 0, "title") is /pages/0/title."""
    return "".join("/" + escape(str(part)) for part in parts)


def parts(path: str) -> list[str]:
    """The unescaped parts of a JSON Pointer; raises ValueError when it is not one."""
    if path == "":
        return []
    if not path.startswith("/"):
        raise ValueError(f"the path {path!r} must be empty or start with /")
    found = []
    for raw in path.split("/")[1:]:
        if "~" in raw.replace("~0", "").replace("~1", ""):
            raise ValueError(f"the path {path!r} has a ~ not followed by 0 or 1")
        found.append(raw.replace("~1", "/").replace("~0", "~"))
    return found


def count_values(value: Any, stop: int) -> int:
    """How many values `value` holds, itself included; counting stops once past `stop`."""
    count, waiting = 0, [value]
    while waiting and count <= stop:
        item = waiting.pop()
        count += 1
        if isinstance(item, dict):
            waiting.extend(item.values())
        elif isinstance(item, list):
            waiting.extend(item)
    return count


def copy_json(value: Any) -> Any:
    """A deep copy of a JSON value (faster than copy.deepcopy for plain dicts and lists)."""
    if isinstance(value, dict):
        return {key: copy_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [copy_json(item) for item in value]
    return value


def json_equal(left: Any, right: Any) -> bool:
    """Equality with JSON's meaning: `true` is not `1`, but `1` and `1.0` are the same number."""
    if isinstance(left, bool) or isinstance(right, bool):
        return isinstance(left, bool) and isinstance(right, bool) and left is right
    if isinstance(left, int | float) and isinstance(right, int | float):
        return left == right
    if isinstance(left, dict) and isinstance(right, dict):
        return left.keys() == right.keys() and all(json_equal(left[k], right[k]) for k in left)
    if isinstance(left, list) and isinstance(right, list):
        return len(left) == len(right) and all(
            json_equal(a, b) for a, b in zip(left, right, strict=True)
        )
    return type(left) is type(right) and bool(left == right)


def apply(document: Any, patch: Sequence[Mapping[str, Any]]) -> Any:
    """The document with the patch applied; the document given is left as it was."""
    return apply_with_inverse(document, patch).document


def apply_with_inverse(document: Any, patch: Sequence[Mapping[str, Any]]) -> Applied:
    """Apply a patch to a copy of the document, working out the inverse patch on the way."""
    if isinstance(patch, str | bytes) or not isinstance(patch, Sequence):
        raise PatchError("not-a-patch", "a patch is a list of operations")
    state = _State(copy_json(document))
    undo: list[Patch] = []
    for index, operation in enumerate(patch):
        try:
            undo.append(state.perform(_checked(operation)))
        except _Refusal as refusal:
            raise PatchError(refusal.code, refusal.message, index) from None
    inverse = [step for steps in reversed(undo) for step in steps]
    return Applied(state.document, inverse)


def inverse(document: Any, patch: Sequence[Mapping[str, Any]]) -> Patch:
    """The patch that undoes `patch`, for the document it is applied to."""
    return apply_with_inverse(document, patch).inverse


def problem(document: Any, patch: Sequence[Mapping[str, Any]]) -> PatchError | None:
    """Why the patch cannot be applied to the document, or None when it can."""
    try:
        apply_with_inverse(document, patch)
    except PatchError as error:
        return error
    return None


class _Refusal(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _checked(operation: Any) -> Operation:
    """The operation, if it has the members its kind needs (RFC 6902 section 4)."""
    if not isinstance(operation, Mapping):
        raise _Refusal("not-an-operation", "an operation is an object with op and path")
    op = operation.get("op")
    if op not in OPERATIONS:
        raise _Refusal("unknown-op", f"op must be one of {', '.join(OPERATIONS)}, not {op!r}")
    if not isinstance(operation.get("path"), str):
        raise _Refusal("missing-path", f"a {op} operation needs a path, as a string")
    if op in ("add", "replace", "test") and "value" not in operation:
        raise _Refusal("missing-value", f"a {op} operation needs a value")
    if op in ("move", "copy") and not isinstance(operation.get("from"), str):
        raise _Refusal("missing-from", f"a {op} operation needs from, as a string")
    return dict(operation)


def _path(path: str) -> list[str]:
    try:
        return parts(path)
    except ValueError as error:
        raise _Refusal("bad-path", str(error)) from None


def _index(container: list[Any], part: str, path: str, *, end_allowed: bool) -> int:
    """A list index from a pointer part: digits without leading zeros, or `-` when allowed."""
    if part == "-" and end_allowed:
        return len(container)
    if not is_digits(part) or (len(part) > 1 and part.startswith("0")):
        raise _Refusal("bad-index", f"{path}: {part!r} is not an index of a list")
    index = int(part) if len(part) <= 18 else len(container) + 1  # past any list's end
    limit = len(container) if end_allowed else len(container) - 1
    if index > limit:
        raise _Refusal(
            "no-such-index",
            f"{path}: the list has {len(container)} item{'s' if len(container) != 1 else ''}, "
            f"so there is no index {index}",
        )
    return index


class _State:
    """The document being patched (a private copy), changed one operation at a time."""

    def __init__(self, document: Any) -> None:
        self.document = document
        self.copied = 0  # values copied out of the document so far (MAX_COPIED)

    def copy_out(self, value: Any) -> Any:
        """A copy of a value of the document, counted against MAX_COPIED before it is made."""
        self.copied += count_values(value, MAX_COPIED - self.copied)
        if self.copied > MAX_COPIED:
            raise _Refusal(
                "too-much-copied",
                f"the patch copies more than {MAX_COPIED:,} values out of the document; "
                "send the values themselves instead",
            )
        return copy_json(value)

    def _parent(self, path: str) -> tuple[Any, str]:
        """The container holding the last part of `path`, and that part."""
        found = _path(path)
        node = self.document
        for depth, part in enumerate(found[:-1]):
            here = pointer(*found[: depth + 1])
            if isinstance(node, dict):
                if part not in node:
                    raise _Refusal("no-such-path", f"{path}: there is nothing at {here}")
                node = node[part]
            elif isinstance(node, list):
                node = node[_index(node, part, here, end_allowed=False)]
            else:
                raise _Refusal(
                    "no-such-path",
                    f"{path}: {pointer(*found[:depth]) or 'the document'} is not an object or a list",
                )
        if not isinstance(node, dict | list):
            raise _Refusal("no-such-path", f"{path}: the parent is not an object or a list")
        return node, found[-1]

    def get(self, path: str) -> Any:
        if path == "":
            return self.document
        container, last = self._parent(path)
        if isinstance(container, dict):
            if last not in container:
                raise _Refusal("no-such-path", f"{path}: there is nothing there")
            return container[last]
        return container[_index(container, last, path, end_allowed=False)]

    def add(self, path: str, value: Any) -> Patch:
        """Add (or, for an object member, replace); returns the operations that undo it."""
        if path == "":
            old = self.document
            self.document = value
            return [{"op": "replace", "path": "", "value": old}]
        container, last = self._parent(path)
        if isinstance(container, dict):
            if last in container:
                old = container[last]
                container[last] = value
                return [{"op": "replace", "path": path, "value": old}]
            container[last] = value
            return [{"op": "remove", "path": path}]
        index = _index(container, last, path, end_allowed=True)
        container.insert(index, value)
        return [{"op": "remove", "path": _concrete(path, index)}]

    def remove(self, path: str) -> tuple[Any, Patch]:
        if path == "":
            raise _Refusal(
                "remove-root", "the whole document cannot be removed; replace it instead"
            )
        container, last = self._parent(path)
        if isinstance(container, dict):
            if last not in container:
                raise _Refusal("no-such-path", f"{path}: there is nothing to remove")
            value = container.pop(last)
            return value, [{"op": "add", "path": path, "value": value}]
        index = _index(container, last, path, end_allowed=False)
        value = container.pop(index)
        return value, [{"op": "add", "path": path, "value": value}]

    def perform(self, operation: Operation) -> Patch:
        op, path = operation["op"], operation["path"]
        if op == "add":
            return self.add(path, copy_json(operation["value"]))
        if op == "remove":
            return self.remove(path)[1]
        if op == "replace":
            old = self.get(path)
            value = copy_json(operation["value"])
            if path == "":
                self.document = value
            else:
                container, last = self._parent(path)
                if isinstance(container, dict):
                    container[last] = value
                else:
                    container[_index(container, last, path, end_allowed=False)] = value
            return [{"op": "replace", "path": path, "value": old}]
        if op == "test":
            actual = self.get(path)
            if not json_equal(actual, operation["value"]):
                raise _Refusal(
                    "test-failed", f"{path or 'the document'} is not the value the test expects"
                )
            return [{"op": "test", "path": path, "value": self.copy_out(actual)}]
        source = operation["from"]
        if op == "copy":
            return self.add(path, self.copy_out(self.get(source)))
        # move
        if path == source:
            self.get(source)
            return [{"op": "move", "from": path, "path": path}]
        if path.startswith(source + "/") or source == "":
            raise _Refusal("move-into-itself", f"{source} cannot be moved inside itself ({path})")
        value, _ = self.remove(source)
        undo_add = self.add(path, value)
        target = undo_add[0]["path"]
        if undo_add[0]["op"] == "remove" and not source.startswith(target + "/"):
            return [{"op": "move", "from": target, "path": source}]
        # Undo the add (take the value out, or put back the member it replaced), then put the
        # value back where it came from: a move back would overwrite, or move into itself.
        return [*undo_add, {"op": "add", "path": source, "value": self.copy_out(value)}]


def _concrete(path: str, index: int) -> str:
    """The path with its last part (an index or `-`) written as the index actually used."""
    return path[: path.rfind("/") + 1] + str(index)
