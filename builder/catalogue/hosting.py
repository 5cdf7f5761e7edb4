"""One catalogue for many installations: a council on one installation publishes to a
catalogue another installation hosts.

The council's installation signs its role's next metadata with the council's key and sends it,
with the files it names, to `POST {catalogue}/publish`. The host checks it exactly as a local
publication (`Repository.accept`: the council's registered key, its own paths, nothing changed,
hashes, limits and lint) and refuses anything else. The signature is the credential: no
account on the host is needed, and nobody but the council can publish as the council.

The publishing side reads what the catalogue already holds for the council through TUF (its
subscription, synced first, under the catalogue's sync lock as every sync is: syncing.py),
never from unverified files.
"""

from __future__ import annotations

import base64
import binascii
import json
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from tuf.api.exceptions import RepositoryError
from tuf.api.metadata import Metadata, Snapshot, Targets

from builder.catalogue import syncing
from builder.catalogue.client import CatalogueError, Client, Subscription
from builder.catalogue.entries import Index
from builder.catalogue.repository import Publication, Refused, Repository

MAX_UPLOAD_BYTES = 8 * 1024 * 1024


def to_json(publication: Publication) -> bytes:
    return json.dumps({
        "council": publication.council,
        "role": json.loads(publication.role.to_bytes()),
        "files": {path: base64.b64encode(data).decode("ascii") for path, data in publication.files.items()},
    }).encode("utf-8")


def from_json(data: bytes) -> Publication:
    try:
        document = json.loads(data)
        if not isinstance(document, dict) or not isinstance(document.get("council"), str):
            raise ValueError("no council")
        files = document.get("files")
        if not isinstance(files, dict) or len(files) > 100:
            raise ValueError("no files")
        role = Metadata[Targets].from_bytes(json.dumps(document.get("role")).encode("utf-8"))
        if role.signed.type != "targets":
            raise ValueError("not targets metadata")
        return Publication(document["council"], role,
                           {str(path): base64.b64decode(text, validate=True) for path, text in files.items()})
    except (ValueError, TypeError, KeyError, binascii.Error, RepositoryError) as error:
        raise Refused("bad-upload", f"the publication cannot be read: {error}") from None


def upload_route(folder: Path) -> Route:
    """`POST /catalogue/publish` for a catalogue this installation hosts."""

    async def upload(request: Request) -> JSONResponse:
        body = await request.body()
        try:
            if len(body) > MAX_UPLOAD_BYTES:
                raise Refused("too-large", f"a publication may be at most {MAX_UPLOAD_BYTES:,} bytes")
            publication = from_json(body)
            await run_in_threadpool(Repository.open(folder).accept, publication)
        except Refused as refused:
            status = 404 if refused.code == "not-a-catalogue" else 403 if refused.code in {
                "bad-signature", "not-a-publisher", "outside-delegation"} else 409 if refused.code in {
                "bad-version", "immutable"} else 422
            return JSONResponse({"error": {"code": refused.code, "message": refused.message}}, status_code=status)
        return JSONResponse({"accepted": publication.council, "version": publication.role.signed.version},
                            status_code=201)

    return Route("/catalogue/publish", upload, methods=["POST"], name="catalogue_publish")


class RemoteCatalogue:
    """A catalogue on another host, as the publishing side sees it: read through TUF from the
    installation's subscription, written by `POST {url}/publish`."""

    def __init__(self, client: Client, subscription: Subscription) -> None:
        self.client = client
        self.subscription = subscription
        self.path = subscription.url  # what `publish` prints
        self._metadata = client.cache / subscription.name / "metadata"

    @classmethod
    def synced(cls, client: Client, url: str) -> RemoteCatalogue:
        subscription = next((item for item in client.subscriptions() if item.url == url.rstrip("/")), None)
        if subscription is None:
            raise CatalogueError("not-subscribed", f"subscribe to {url} first (`borough catalogue subscribe {url}`)")
        # under the catalogue's sync lock, recorded as any sync is: refused while another runs
        syncing.run(client, subscription)
        return cls(client, subscription)

    def publishers(self) -> dict[str, list[str]]:
        targets = Metadata[Targets].from_file(str(self._metadata / "targets.json"))
        roles = targets.signed.delegations.roles if targets.signed.delegations else None
        return {name: list(role.keyids) for name, role in (roles or {}).items()}

    def published_role(self, council: str) -> Metadata[Targets] | None:
        snapshot = Metadata[Snapshot].from_file(str(self._metadata / "snapshot.json"))
        path = self._metadata / f"{council}.json"
        if f"{council}.json" not in snapshot.signed.meta or not path.is_file():
            return None
        role = Metadata[Targets].from_file(str(path))  # written by ngclient once verified
        if role.signed.version != snapshot.signed.meta[f"{council}.json"].version:
            raise CatalogueError("stale", f"{council}'s role could not be verified: sync and try again")
        return role

    def index(self, council: str) -> Index | None:
        for subscription, index in self.client.indexes():
            if subscription.name == self.subscription.name and index.council == council:
                return index
        return None

    def accept(self, publication: Publication) -> None:
        request = urllib.request.Request(f"{self.subscription.url}/publish", data=to_json(publication),
                                         headers={"Content-Type": "application/json"}, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=60):
                return
        except urllib.error.HTTPError as error:
            answer: Any = _error_of(error.read(64_000))
            raise Refused(answer.get("code", "refused"), answer.get("message", f"the catalogue answered {error.code}")) from None
        except urllib.error.URLError as error:
            raise CatalogueError("unreachable", f"cannot reach {self.subscription.url}: {error.reason}") from None


def _error_of(data: bytes) -> dict[str, str]:
    try:
        error = json.loads(data).get("error", {})
    except (ValueError, AttributeError):
        return {}
    return {key: str(value) for key, value in error.items()} if isinstance(error, dict) else {}
