"""The services Borough ships (schemas/services/), which a designer can start a service from."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from builder.patch import copy_json
from runtime.core.definition import load
from runtime.settings import ROOT

SERVICES_DIR = ROOT / "schemas" / "services"


@dataclass(frozen=True)
class Shipped:
    service_id: str
    title: str
    version: str
    definition: dict[str, Any]


@functools.cache
def _read() -> tuple[Shipped, ...]:
    found = []
    for path in sorted(SERVICES_DIR.glob("*.json")):
        document = load(path.read_bytes())
        found.append(Shipped(document["id"], document["title"], document["version"], document))
    return tuple(sorted(found, key=lambda shipped: shipped.title.casefold()))


def shipped_services() -> tuple[Shipped, ...]:
    """Every shipped service, by title."""
    return _read()


def shipped_definition(service_id: str) -> dict[str, Any] | None:
    """A private copy of the shipped service `service_id`, or None."""
    for shipped in _read():
        if shipped.service_id == service_id:
            copied: dict[str, Any] = copy_json(shipped.definition)
            return copied
    return None
