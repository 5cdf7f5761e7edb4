"""Page projections: a page's markup rendered once per definition version, page and language,
with holes where each request's values go; a request only fills the holes.

The holes are random tokens no definition text can contain. Every value put into one is
escaped here, so the result is exactly what the full template render would give for a page
without errors. Pages with errors, and pages with files, take the full render path.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Hashable, Mapping
from typing import Any

from markupsafe import escape


class Slots:
    """Hands out tokens while a projection is being rendered."""

    def __init__(self) -> None:
        self._prefix = "bslot" + secrets.token_hex(8)
        self.names: dict[str, str] = {}

    def __call__(self, name: str) -> str:
        token = f"{self._prefix}x{len(self.names)}y"
        self.names[token] = name
        return token


class Projection:
    def __init__(self, html: str, slots: Slots) -> None:
        self.parts: list[str] = []
        self.holes: list[str] = []
        position = 0
        if slots.names:
            for match in re.finditer("|".join(map(re.escape, slots.names)), html):
                self.parts.append(html[position : match.start()])
                self.holes.append(slots.names[match.group()])
                position = match.end()
        self.parts.append(html[position:])
        # The markup as one format string, each hole a numbered field: filling is one C call.
        self.names = list(dict.fromkeys(self.holes))
        number = {name: index for index, name in enumerate(self.names)}
        pieces = [_literal(self.parts[0])]
        for hole, part in zip(self.holes, self.parts[1:], strict=True):
            pieces.append(f"{{{number[hole]}}}")
            pieces.append(_literal(part))
        self._format = "".join(pieces)

    def fill(self, values: Mapping[str, str]) -> str:
        """The page, with each hole given its (already escaped) value; a missing one is empty."""
        return self._format.format(*[values.get(name, "") for name in self.names])


def _literal(text: str) -> str:
    return text.replace("{", "{{").replace("}", "}}")


class Projections:
    """Projections by key; a key holds a definition's content hash, so entries never go stale."""

    def __init__(self, size: int = 1024) -> None:
        self._entries: dict[Hashable, Projection] = {}
        self._size = size

    def get(self, key: Hashable, build: Callable[[Slots], str]) -> Projection:
        found = self._entries.get(key)
        if found is None:
            slots = Slots()
            found = Projection(build(slots), slots)
            if len(self._entries) >= self._size:
                self._entries.pop(next(iter(self._entries)))
            self._entries[key] = found
        return found


def text(value: Any) -> str:
    return str(escape("" if value is None else value))
