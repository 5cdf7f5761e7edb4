"""The services Borough ships (schemas/services/), which a designer can start a service from,
and which the staff catalogue lists as its built-in catalogue (builder/catalogue/shipped_catalogue.py).

    schemas/services/<id>.json                 the version this release ships
    schemas/services/earlier/<id>@<v>.json     versions earlier releases shipped, kept so a council's
                                               copy of one can be upgraded by three-way merge
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from builder.patch import copy_json
from runtime.core.definition import load
from runtime.settings import ROOT

SERVICES_DIR = ROOT / "schemas" / "services"
EARLIER = "earlier"


@dataclass(frozen=True)
class Shipped:
    service_id: str
    title: str
    version: str
    definition: dict[str, Any]


def _read_folder(folder: Path) -> list[Shipped]:
    found = []
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        document = load(path.read_bytes())
        found.append(Shipped(document["id"], document["title"], document["version"], document))
    return found


@functools.cache
def _read() -> tuple[Shipped, ...]:
    return tuple(sorted(_read_folder(SERVICES_DIR), key=lambda shipped: shipped.title.casefold()))


def shipped_services() -> tuple[Shipped, ...]:
    """Every shipped service, by title."""
    return _read()


@functools.cache
def shipped_versions(folder: Path) -> tuple[Shipped, ...]:
    """Every version of every service shipped in `folder` (a release's schemas/services): the
    current ones, then those kept from earlier releases, each version once (the current wins).
    Read once per folder: the installed code does not change under a running installation."""
    seen: dict[tuple[str, str], Shipped] = {}
    for shipped in [*_read_folder(folder), *_read_folder(folder / EARLIER)]:
        seen.setdefault((shipped.service_id, shipped.version), shipped)
    return tuple(seen.values())


def shipped_definition(service_id: str) -> dict[str, Any] | None:
    """A private copy of the shipped service `service_id`, or None."""
    for shipped in _read():
        if shipped.service_id == service_id:
            copied: dict[str, Any] = copy_json(shipped.definition)
            return copied
    return None
