"""One catalogue for many installations: a council on one installation publishes to a
catalogue another installation hosts.

The council's installation signs its role's next metadata with the council's key and sends it,
with the files it names, to `POST {catalogue}/publish`. The host checks it exactly as a local
publication (`Repository.accept`: the council's registered key, its own paths, nothing changed,
hashes, limits and lint) and refuses anything else. The signature is the credential: no
account on the host is needed, and nobody but the council can publish as the council.
Anyone can send, so the endpoint is held to limits before it reads or checks anything: a body's
size, uploads per client address (a token bucket), and uploads read and checked at once in a
worker (`UploadLimits`; docs/catalogue.md, "Limits on publishing").

The publishing side reads what the catalogue already holds for the council through TUF (its
subscription, synced first, under the catalogue's sync lock as every sync is: syncing.py),
never from unverified files.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import ipaddress
import json
import math
import time
import urllib.error
import urllib.request
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
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

# What `POST /catalogue/publish` takes, in each worker process (docs/catalogue.md, "Serving"):
MAX_UPLOAD_BYTES = 8 * 1024 * 1024  # one publication's body; a larger one is refused (413) unread
UPLOAD_BURST = 10  # uploads from one client address at once ...
UPLOAD_EVERY = 6.0  # ... then one every this many seconds (10 a minute)
UPLOADS_CHECKED_AT_ONCE = 2  # bodies read and checked at once: each costs a few times its size in memory
UPLOAD_SECONDS = 60.0  # to send a body: a sender slower than this gives up its place (408)
MOST_ADDRESSES = 10_000  # client addresses remembered; the one seen longest ago is forgotten first
BUSY_RETRY = 5  # seconds an upload refused for want of a place is told to wait


@dataclass(frozen=True)
class UploadLimits:
    """The upload endpoint's limits (the module's constants unless a test lowers them)."""

    max_bytes: int = MAX_UPLOAD_BYTES
    burst: int = UPLOAD_BURST
    every: float = UPLOAD_EVERY
    checked_at_once: int = UPLOADS_CHECKED_AT_ONCE
    seconds: float = UPLOAD_SECONDS


class Buckets:
    """A token bucket for each client address: `burst` uploads, then one more every `every`
    seconds. IPv6 addresses are counted by their /64 network, the block one machine is given.
    At most `most` addresses are remembered: past that, the one seen longest ago is forgotten
    (so it may send a full burst again), which keeps memory bounded whoever sends."""

    def __init__(self, burst: int, every: float, *, most: int = MOST_ADDRESSES,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.burst, self.every, self.most, self.clock = burst, every, most, clock
        self._held: OrderedDict[str, tuple[float, float]] = OrderedDict()  # address: (tokens, when counted)

    def __len__(self) -> int:
        """The addresses remembered now."""
        return len(self._held)

    def take(self, address: str) -> float:
        """0 when an upload from `address` may go ahead (its token taken); else the seconds
        until one may, and nothing taken."""
        key = bucket_key(address)
        now = self.clock()
        tokens, then = self._held.pop(key, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + max(0.0, now - then) / self.every)
        wait = 0.0 if tokens >= 1 else (1 - tokens) * self.every
        self._held[key] = (tokens - 1 if wait == 0 else tokens, now)  # the newest last
        while len(self._held) > self.most:
            self._held.popitem(last=False)
        return wait


def bucket_key(address: str) -> str:
    """The bucket an address counts against: itself, or its /64 network for IPv6."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.IPv6Network(f"{parsed}/64", strict=False))
    return str(parsed)


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
    except (ValueError, TypeError, KeyError, RecursionError, binascii.Error, RepositoryError) as error:
        raise Refused("bad-upload", f"the publication cannot be read: {error}") from None


class _Refusal(Exception):
    """An upload refused before it is read or checked: an HTTP status and its headers."""

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.headers = status, code, message, headers or {}

    def response(self) -> JSONResponse:
        return JSONResponse({"error": {"code": self.code, "message": self.message}}, status_code=self.status,
                            headers=self.headers)


def upload_route(folder: Path, limits: UploadLimits | None = None) -> Route:
    """`POST /catalogue/publish` for a catalogue this installation hosts. Before anything is
    read, each client address is held to its token bucket (429, with Retry-After), a declared
    length over the limit is refused (413), and at most `checked_at_once` uploads are read and
    checked at once in this worker (503, with Retry-After); a body is read only up to the limit
    (413 past it, also without a declared length) and for `seconds` at most (408)."""
    limits = limits or UploadLimits()
    buckets = Buckets(limits.burst, limits.every)
    checking = 0  # uploads being read or checked now, in this worker (counted on its event loop)
    too_large = f"a publication may be at most {limits.max_bytes:,} bytes"
    closing = {"Connection": "close"}  # the rest of a body refused unread is not read either

    async def upload(request: Request) -> JSONResponse:
        nonlocal checking
        try:
            wait = buckets.take(request.client.host if request.client else "")
            if wait:
                raise _Refusal(429, "too-many-uploads", f"too many uploads from your address: try again in "
                               f"{math.ceil(wait)} seconds", {"Retry-After": str(math.ceil(wait))})
            declared = request.headers.get("content-length", "")
            if declared and not (declared.isascii() and declared.isdigit()):
                raise _Refusal(400, "bad-upload", "its Content-Length is not a number", closing)
            if declared and int(declared) > limits.max_bytes:
                raise _Refusal(413, "too-large", too_large, closing)
            if checking >= limits.checked_at_once:
                raise _Refusal(503, "busy", "the catalogue is checking other uploads: try again in a few seconds",
                               {"Retry-After": str(BUSY_RETRY)})
            checking += 1
            try:
                body = await _body(request, limits, too_large, closing)
                publication = await run_in_threadpool(_accepted, folder, body)
            finally:
                checking -= 1
        except _Refusal as refusal:
            return refusal.response()
        except Refused as refused:
            status = 404 if refused.code == "not-a-catalogue" else 403 if refused.code in {
                "bad-signature", "not-a-publisher", "outside-delegation"} else 409 if refused.code in {
                "bad-version", "immutable"} else 422
            return JSONResponse({"error": {"code": refused.code, "message": refused.message}}, status_code=status)
        return JSONResponse({"accepted": publication.council, "version": publication.role.signed.version},
                            status_code=201)

    return Route("/catalogue/publish", upload, methods=["POST"], name="catalogue_publish")


async def _body(request: Request, limits: UploadLimits, too_large: str, closing: dict[str, str]) -> bytes:
    """The request's body, read as it comes, up to `limits.max_bytes` and for `limits.seconds`."""
    received = bytearray()
    try:
        async with asyncio.timeout(limits.seconds):
            async for chunk in request.stream():
                if len(received) + len(chunk) > limits.max_bytes:
                    raise _Refusal(413, "too-large", too_large, closing)
                received += chunk
    except TimeoutError:
        raise _Refusal(408, "too-slow", f"the publication was not sent within {limits.seconds:g} seconds",
                       closing) from None
    return bytes(received)


def _accepted(folder: Path, body: bytes) -> Publication:
    """The publication read and taken by the catalogue (in a thread: both take CPU)."""
    publication = from_json(body)
    Repository.open(folder).accept(publication)
    return publication


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
        subscription = cls._subscription(client, url)
        # under the catalogue's sync lock, recorded as any sync is: refused while another runs
        syncing.run(client, subscription)
        return cls(client, subscription)

    @classmethod
    @contextlib.contextmanager
    def held(cls, client: Client, url: str) -> Iterator[RemoteCatalogue]:
        """The catalogue synced, its sync lock kept until the block ends: a publication reads
        the council's role from the cache, signs the next one and uploads it, and no other sync
        or unsubscribe of the catalogue changes the cache meanwhile."""
        subscription = cls._subscription(client, url)
        with syncing.held_after_sync(client, subscription):
            yield cls(client, subscription)

    @staticmethod
    def _subscription(client: Client, url: str) -> Subscription:
        subscription = next((item for item in client.subscriptions() if item.url == url.rstrip("/")), None)
        if subscription is None:
            raise CatalogueError("not-subscribed", f"subscribe to {url} first (`borough catalogue subscribe {url}`)")
        return subscription

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
