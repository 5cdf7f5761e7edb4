"""A catalogue on disk with publishing councils, served by the standard library's static file
server on 127.0.0.1 (what any web server does), for the catalogue's tests."""

from __future__ import annotations

import functools
import http.server
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from securesystemslib.signer import CryptoSigner

from builder.catalogue import keys, publishing, sharing
from builder.catalogue.entries import Entry
from builder.catalogue.repository import Publication, Repository

SERVICES = Path(__file__).resolve().parents[2] / "schemas" / "services"


def shipped(name: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((SERVICES / f"{name}.json").read_text(encoding="utf-8"))
    return document


@dataclass
class World:
    repo: Repository
    councils: dict[str, CryptoSigner] = field(default_factory=dict)

    def add(self, council: str) -> CryptoSigner:
        signer = keys.generate()
        self.repo.add_publisher(council, signer.public_key)
        self.councils[council] = signer
        return signer

    def publish(self, council: str, document: dict[str, Any], note: str = "") -> Entry:
        shared, settings = sharing.share(document, sharing.Council(council, f"{council.title()} Council"))
        publication, entry = publishing.publish(
            self.repo.published_role(council), self.repo.index(council), council=council,
            council_name=f"{council.title()} Council", signer=self.councils[council],
            definition=shared, settings=settings, change_note=note)
        self.repo.accept(publication)
        return entry


def make_world(path: Path) -> World:
    world = World(Repository.init(path))
    world.add("northshire")
    world.add("southshire")
    return world


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def static_server(folder: Path) -> Iterator[str]:
    """Serve `folder` as plain static files, as any web server would; yield its URL."""
    handler = functools.partial(_Quiet, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def force(repo: Repository, publication: Publication) -> None:
    """Write a publication as a dishonest host would: no checks, re-signed snapshot and
    timestamp with the operator's keys. What installations must still refuse."""
    for path, info in publication.role.signed.targets.items():
        parent, _, name = path.rpartition("/")
        destination = repo.targets_dir / parent / f"{info.hashes['sha256']}.{name}"
        if path in publication.files and not destination.exists():
            destination.parent.mkdir(parents=True, exist_ok=True)
            destination.write_bytes(publication.files[path])
    repo._write(publication.role, publication.council)
    repo._snapshot_and_timestamp({f"{publication.council}.json": publication.role.signed.version})
