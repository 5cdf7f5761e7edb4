"""A council's side of publishing: its role's next metadata, signed with the council's key.

`publish` adds one service version (never changing what is there); `withdraw` marks a version
withdrawn in the council's index. Each returns a `Publication` for the catalogue to `accept`,
so the same checks run whether the catalogue is a folder on this machine or another host.
"""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from securesystemslib.signer import Signer
from tuf.api.metadata import Metadata, TargetFile, Targets

from builder.catalogue.canonical import canonical
from builder.catalogue.entries import Entry, Index, Setting, index_path, target_path
from builder.catalogue.repository import PUBLISHER_DAYS, SPEC_VERSION, Publication, Refused, in_days


def publish(previous: Metadata[Targets] | None, index: Index | None, *, council: str, council_name: str,
            signer: Signer, definition: Mapping[str, Any], settings: tuple[Setting, ...] = (),
            change_note: str = "") -> tuple[Publication, Entry]:
    publication, entries = publish_many(previous, index, council=council, council_name=council_name,
                                        signer=signer, versions=[(definition, settings, change_note)])
    return publication, entries[0]


def publish_many(previous: Metadata[Targets] | None, index: Index | None, *, council: str, council_name: str,
                 signer: Signer, versions: Sequence[tuple[Mapping[str, Any], tuple[Setting, ...], str]]
                 ) -> tuple[Publication, list[Entry]]:
    """Several service versions in one signed publication (a council sharing its services
    for the first time): each checked as `publish` checks one."""
    index = index or Index(council, council_name)
    index.name = council_name
    files: dict[str, bytes] = {}
    entries: list[Entry] = []
    published_at = datetime.datetime.now(datetime.UTC).replace(microsecond=0).isoformat()
    for definition, settings, change_note in versions:
        data = canonical(definition)
        address = hashlib.sha256(data).hexdigest()  # content_address, without writing it twice
        service, version = str(definition.get("id")), str(definition.get("version"))
        existing = index.find(service, version)
        if existing is not None:
            if existing.address == address:
                raise Refused("already-published", f"{service}@{version} is already in the catalogue, unchanged")
            raise Refused("version-exists", f"{service}@{version} was published with other content; "
                                            "publish the service as a new version")
        lgsl = definition.get("lgsl")
        entry = Entry(
            service=service, version=version, council=council,
            title=str(definition.get("title", "")), summary=str(definition.get("summary", "")),
            address=address, path=target_path(council, service, version),
            lgsl=lgsl if isinstance(lgsl, int) else None,
            tags=tuple(definition.get("tags", ())), languages=tuple(definition.get("languages", ("en",))),
            licence=str(definition.get("licence", "OGL-3.0")), change_note=change_note,
            fee=bool(definition.get("fees")), settings=settings, published_at=published_at,
        )
        index.entries.append(entry)
        entries.append(entry)
        files[entry.path] = data
    return _sign(previous, index, council, signer, files), entries


def withdraw(previous: Metadata[Targets] | None, index: Index | None, *, council: str, signer: Signer,
             service: str, version: str, reason: str) -> Publication:
    entry = index.find(service, version) if index else None
    if previous is None or index is None or entry is None:
        raise Refused("not-published", f"{council} has not published {service}@{version}")
    if entry.withdrawn:
        raise Refused("already-withdrawn", f"{service}@{version} is already withdrawn")
    if not reason.strip():
        raise Refused("no-reason", "say why the version is withdrawn")
    index.entries = [replace(item, withdrawn=True, withdrawn_reason=reason.strip()) if item is entry else item
                     for item in index.entries]
    return _sign(previous, index, council, signer, {})


def resign(previous: Metadata[Targets] | None, index: Index | None, *, council: str,
           signer: Signer) -> Publication:
    """The council's role signed again with its new key, nothing else changed (after its key
    was rotated, or replaced because it was lost or leaked)."""
    if previous is None or index is None:
        raise Refused("not-published", f"{council} has published nothing to sign again")
    return _sign(previous, index, council, signer, {})


def _sign(previous: Metadata[Targets] | None, index: Index, council: str, signer: Signer,
          files: dict[str, bytes]) -> Publication:
    targets = dict(previous.signed.targets) if previous else {}
    for path, data in files.items():
        targets[path] = TargetFile.from_data(path, data, ["sha256"])
    index_bytes = index.to_bytes()
    targets[index_path(council)] = TargetFile.from_data(index_path(council), index_bytes, ["sha256"])
    files = {**files, index_path(council): index_bytes}
    role = Metadata(Targets(version=(previous.signed.version + 1) if previous else 1,
                            spec_version=SPEC_VERSION, expires=in_days(PUBLISHER_DAYS), targets=targets))
    role.sign(signer)
    return Publication(council, role, files)
