"""The built-in catalogue: the services Borough ships, the first catalogue every installation
knows, listed in the staff catalogue before it subscribes to any other.

Each shipped version is shared as a council shares one (builder/catalogue/sharing.py: the names,
emails and phone numbers residents read become settings the importer fills in), published by
"Borough", and named by the SHA-256 of its canonical JSON like any catalogue version. So search,
"Use this service", forks and upgrades work on it as on a subscribed catalogue.

Its trust is the installed code's own: there is no TUF metadata, since whoever can change these
files can change Borough itself. Each version is still checked once, when first read, as every
catalogue definition is (limits, meta-schema, lint, canonical form): a shipped service that
fails is a bug in the release, and is refused loudly rather than listed.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from builder.catalogue import sharing
from builder.catalogue.canonical import canonical, content_address
from builder.catalogue.entries import Entry, Index, target_path
from builder.catalogue.repository import check_definition
from builder.shipped import Shipped, shipped_versions

CATALOGUE = "borough:shipped"  # never an http(s) URL, so no subscription can take its name
TITLE = "Services shipped with Borough"
PUBLISHER = "borough"  # reserved: a subscribed catalogue's publisher of this name is not listed
PUBLISHER_NAME = "Borough"


@dataclass(frozen=True)
class ShippedCatalogue:
    """The built-in catalogue of one release: its index, and each version's canonical bytes."""

    index: Index
    definitions: Mapping[str, bytes]  # content address -> canonical JSON

    def definition(self, address: str) -> dict[str, Any] | None:
        """A private copy of the version with this content address, or None."""
        data = self.definitions.get(address)
        if data is None:
            return None
        document: dict[str, Any] = json.loads(data)
        return document


@functools.cache
def shipped_catalogue(folder: Path) -> ShippedCatalogue:
    """The built-in catalogue of the services shipped in `folder`, made once per folder."""
    entries: list[Entry] = []
    definitions: dict[str, bytes] = {}
    for shipped in shipped_versions(folder):
        entry, data = _share(shipped)
        entries.append(entry)
        definitions[entry.address] = data
    return ShippedCatalogue(Index(PUBLISHER, PUBLISHER_NAME, entries), definitions)


def _share(shipped: Shipped) -> tuple[Entry, bytes]:
    document = shipped.definition
    publisher = document.get("publisher") or {}
    shared, settings = sharing.share(document, sharing.Council(str(publisher.get("id", PUBLISHER)),
                                                               str(publisher.get("name", PUBLISHER_NAME))))
    shared["publisher"] = {"id": PUBLISHER, "name": PUBLISHER_NAME}
    data = canonical(shared)
    check_definition(data)  # raises Refused, naming the first problem
    lgsl = shared.get("lgsl")
    entry = Entry(
        service=shipped.service_id, version=shipped.version, council=PUBLISHER,
        title=str(shared.get("title", "")), summary=str(shared.get("summary", "")),
        address=content_address(shared), path=target_path(PUBLISHER, shipped.service_id, shipped.version),
        lgsl=lgsl if isinstance(lgsl, int) else None, tags=tuple(shared.get("tags", ())),
        languages=tuple(shared.get("languages", ("en",))), licence=str(shared.get("licence", "OGL-3.0")),
        change_note="Shipped with Borough", fee=bool(shared.get("fees")), settings=settings,
    )
    return entry, data
