"""An installation's side of a catalogue: subscribe, sync with python-tuf's ngclient, search.

    CACHE/subscriptions.json        the catalogues subscribed to, with their pinned root keys
    CACHE/<name>/metadata/          ngclient's trusted metadata (root pinned at subscription)
    CACHE/<name>/indexes/<council>.json   each publisher's verified index
    CACHE/<name>/definitions/<address>.json   definitions that passed TUF, limits and lint

Everything fetched is untrusted until TUF has verified it (signatures, versions, expiry,
hashes, delegations) and, for a definition, until it has passed the same limits, meta-schema
and lint as any definition. A definition is written to the cache only after both; a refused
one is named in the sync's report and never stored.

A client made with `shipped=` (a release's schemas/services) also lists the built-in catalogue
of the services Borough ships (builder/catalogue/shipped_catalogue.py), first, as if subscribed.
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import http.client
import io
import json
import os
import re
import shutil
import tempfile
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import tuf
from tuf.api import exceptions as tuf_errors
from tuf.api.metadata import Metadata, Root, Snapshot, TargetFile, Targets
from tuf.ngclient import Updater, Urllib3Fetcher
from tuf.ngclient._internal.proxy import ProxyEnvironment

from builder.catalogue import checking
from builder.catalogue.entries import MAX_INDEX_BYTES, SLUG, Entry, Index, index_path
from builder.catalogue.repository import Refused, check_definition, read_checked_index
from builder.catalogue.shipped_catalogue import CATALOGUE as SHIPPED
from builder.catalogue.shipped_catalogue import PUBLISHER as SHIPPED_PUBLISHER
from builder.catalogue.shipped_catalogue import ShippedCatalogue, shipped_catalogue
from runtime.core.reading import MAX_BYTES
from runtime.settings import ROOT

MAX_ROOT_BYTES = 512_000
# Target files fetched at once: a first sync fetches thousands, each a small file.
FETCHERS = 8
_NAME_UNSAFE = re.compile(r"[^a-z0-9]+")


class CatalogueError(Exception):
    """A subscription or sync refused: one line saying why."""

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        self.message = message
        super().__init__(message)


@dataclass(frozen=True)
class Subscription:
    name: str
    url: str
    root_keyids: tuple[str, ...]
    pinned_at: str
    pinned_from: str = ""  # "first use" or "file" ("" for a subscription made before this was kept)


@dataclass(frozen=True)
class RootFile:
    """A catalogue's root metadata, checked (root metadata signed by its own root keys) but not
    yet pinned: what a person is shown before they trust it."""

    url: str
    data: bytes
    keyids: tuple[str, ...]
    version: int
    expires: str


@dataclass
class SyncReport:
    catalogue: str
    publishers: list[str] = field(default_factory=list)
    fetched: list[str] = field(default_factory=list)  # target paths downloaded this time
    added: list[str] = field(default_factory=list)  # service@version newly in the cache
    refused: list[tuple[str, str]] = field(default_factory=list)  # (what, why)


@dataclass(frozen=True)
class SyncStep:
    """How far a sync has got, told to its `progress` callback: publishers read of those the
    catalogue delegates to, and definitions fetched of those found missing so far (the total
    grows as each publisher's index is read)."""

    publishers_done: int
    publishers: int
    targets_done: int
    targets: int
    what: str  # the publisher or service@version being fetched


@dataclass(frozen=True)
class Found:
    catalogue: str
    entry: Entry
    # the publisher's name, from the index that lists the entry ("" when it gives none)
    publisher_name: str = field(default="", compare=False)


def catalogue_name(url: str) -> str:
    """A folder name for a catalogue URL: readable, and the same every time."""
    bare = url.split("://", 1)[-1].rstrip("/")
    return _NAME_UNSAFE.sub("-", bare.lower()).strip("-")[:100] or "catalogue"


def default_cache() -> Path:
    """Where an installation keeps the catalogues it subscribes to, as verified by sync:
    BOROUGH_CATALOGUE_CACHE, else var/catalogues in the checkout (the CLI and the staff pages
    read the same place)."""
    return Path(os.environ.get("BOROUGH_CATALOGUE_CACHE") or ROOT / "var" / "catalogues")


class Client:
    def __init__(self, cache: Path, *, shipped: Path | None = None) -> None:
        self.cache = cache
        self.shipped = shipped  # a release's schemas/services: its built-in catalogue, listed first
        # Parsed indexes, kept while their file is unchanged (a staff search reads them all).
        self._parsed: dict[Path, tuple[tuple[int, int], Index]] = {}

    # -- subscriptions ---------------------------------------------------------------------------

    def subscriptions(self) -> list[Subscription]:
        path = self.cache / "subscriptions.json"
        if not path.is_file():
            return []
        data = json.loads(path.read_text(encoding="utf-8"))
        return [Subscription(item["name"], item["url"], tuple(item["root_keyids"]), item["pinned_at"],
                             item.get("pinned_from", "")) for item in data.get("catalogues", [])]

    def subscribe(self, url: str, root: bytes | None = None, *, first_use: bool | None = None) -> Subscription:
        """Pin a catalogue's root: from `root` (a file the operator handed over), or the
        catalogue's first root as it is served now (trust on first use). `first_use` says that
        `root` is one fetched from the catalogue itself (the staff pages fetch it, show its keys,
        and pin it once confirmed), so it is held to the same rules as one fetched here."""
        url = url.rstrip("/")
        if not url.startswith(("https://", "http://")):
            raise CatalogueError("bad-url", f"{url} is not an http(s) URL")
        name = catalogue_name(url)
        if any(item.name == name for item in self.subscriptions()):
            raise CatalogueError("subscribed", f"already subscribed to {url}")
        first_use = root is None if first_use is None else first_use
        checked = read_root(url, root, first_use=first_use)
        metadata = self.cache / name / "metadata"
        metadata.mkdir(parents=True, exist_ok=True)
        (metadata / "root.json").write_bytes(checked.data)
        subscription = Subscription(name, url, checked.keyids,
                                    datetime.datetime.now(datetime.UTC).replace(microsecond=0).isoformat(),
                                    "first use" if first_use else "file")
        self._save([*self.subscriptions(), subscription])
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        """Forget a catalogue: its subscription, pinned root and everything synced from it
        (metadata, indexes, definitions, its last sync). Services councils imported from it are their own,
        in their databases, and stay. builder/catalogue/syncing.py `unsubscribe` holds the
        catalogue's sync lock while this runs."""
        kept = [item for item in self.subscriptions() if item.name != subscription.name]
        if len(kept) == len(self.subscriptions()):
            raise CatalogueError("not-subscribed", f"not subscribed to {subscription.url}")
        self._save(kept)
        shutil.rmtree(self.cache / subscription.name, ignore_errors=True)

    def subscribed(self, catalogue: str) -> bool:
        """Whether `catalogue` (a URL as a fork records it) is one this installation still
        subscribes to; the built-in catalogue always is."""
        if catalogue == SHIPPED:
            return True
        return any(item.url == catalogue for item in self.subscriptions())

    def _save(self, subscriptions: list[Subscription]) -> None:
        self.cache.mkdir(parents=True, exist_ok=True)
        data = {"catalogues": [{"name": item.name, "url": item.url, "root_keyids": list(item.root_keyids),
                                "pinned_at": item.pinned_at, **({"pinned_from": item.pinned_from} if item.pinned_from else {})}
                               for item in subscriptions]}
        _replace(self.cache / "subscriptions.json", json.dumps(data, indent=1).encode("utf-8"))

    # -- sync ------------------------------------------------------------------------------------

    def sync(self, subscription: Subscription, progress: Callable[[SyncStep], None] | None = None) -> SyncReport:
        here = self.cache / subscription.name
        report = SyncReport(subscription.name)
        updater = Updater(str(here / "metadata"), f"{subscription.url}/metadata/",
                          target_base_url=f"{subscription.url}/targets/", fetcher=_PooledFetcher(), bootstrap=None)
        try:
            updater.refresh()
        except tuf_errors.ExpiredMetadataError as error:
            raise CatalogueError("expired", f"{subscription.url} serves expired metadata "
                                 f"(a frozen or stale catalogue): {error}") from None
        except tuf_errors.BadVersionNumberError as error:
            raise CatalogueError("rollback", f"{subscription.url} serves older metadata than it "
                                 f"served before (a rollback): {error}") from None
        except tuf_errors.RepositoryError as error:
            raise CatalogueError("refused", f"{subscription.url} failed verification: {error}") from None
        except tuf_errors.DownloadError as error:
            raise CatalogueError("unreachable", f"cannot fetch {subscription.url}: {error}") from None
        publishers = self._publishers(here)
        counts = _Counts(len(publishers), progress)
        plans: list[_Plan] = []
        for council in publishers:
            counts.tell(council)
            try:
                plan = self._plan_publisher(updater, here, council, report, counts)
            except tuf_errors.RepositoryError as error:
                report.refused.append((council, f"its metadata failed verification: {error}"))
            except Refused as refused:
                report.refused.append((council, refused.message))
            else:
                plans += [plan] if plan else []
            counts.publishers_done += 1
        # every publisher's missing definitions fetched and checked together, then each
        # publisher's index kept: it names only definitions that are in the cache or refused
        wanted: dict[str, tuple[Entry, TargetFile]] = {}
        for plan in plans:
            for entry, target in plan.wanted:
                wanted.setdefault(entry.address, (entry, target))  # one fetch for one content address
        for entry, why in self._fetch_and_store(updater, list(wanted.values()), here / "definitions", report):
            counts.tell(entry.key)
            counts.targets_done += 1
            if why is None:
                report.added.append(entry.key)
            else:
                report.refused.append((entry.path, why))
        for plan in plans:
            _replace(plan.kept, plan.index_bytes)
        counts.tell("")
        return report

    def _publishers(self, here: Path) -> list[str]:
        """Publishing councils: delegated by the verified targets and present in the snapshot."""
        targets = Metadata[Targets].from_file(str(here / "metadata" / "targets.json"))
        snapshot = Metadata[Snapshot].from_file(str(here / "metadata" / "snapshot.json"))
        delegations = targets.signed.delegations
        roles = delegations.roles if delegations and delegations.roles else {}
        # a role's name becomes a file name here: only a council slug is taken
        return sorted(name for name in roles if f"{name}.json" in snapshot.signed.meta and SLUG.match(name))

    def _plan_publisher(self, updater: Updater, here: Path, council: str, report: SyncReport,
                        counts: _Counts) -> _Plan | None:
        """The publisher's verified index and the definitions it lists that the cache lacks,
        each with its signed target info; None when the publisher is refused."""
        info = updater.get_targetinfo(index_path(council))
        if info is None:
            report.refused.append((council, "its index is not signed by its own key"))
            return None
        if info.length > MAX_INDEX_BYTES:
            report.refused.append((council, f"its index is larger than {MAX_INDEX_BYTES:,} bytes"))
            return None
        report.publishers.append(council)
        kept = here / "indexes" / f"{council}.json"
        if kept.is_file() and hashlib.sha256(kept.read_bytes()).hexdigest() == info.hashes.get("sha256"):
            index_bytes = kept.read_bytes()  # verified before, and unchanged: not fetched again
        else:
            index_bytes = self._download(updater, info, report)
        index = read_checked_index(index_bytes, council)
        if kept.is_file():
            changed = _changed_after_publication(read_checked_index(kept.read_bytes(), council), index)
            if changed:
                report.refused.append((council, f"its index changes or drops {changed}, published before: "
                                                "published versions never change"))
                return None
        definitions = here / "definitions"
        definitions.mkdir(parents=True, exist_ok=True)
        present = set(os.listdir(definitions))  # one listing, not a look-up per entry
        wanted: list[tuple[Entry, TargetFile]] = []
        for entry in index.entries:
            if f"{entry.address}.json" in present:
                continue
            present.add(f"{entry.address}.json")  # an entry listed twice is fetched once
            target = updater.get_targetinfo(entry.path)  # the council's role is verified once, then looked up
            counts.targets += 1
            if target is None:
                report.refused.append((entry.path, f"not signed by {council}'s key"))
            elif target.length > MAX_BYTES:
                report.refused.append((entry.path, f"it is larger than {MAX_BYTES:,} bytes, the most Borough reads"))
            elif target.hashes.get("sha256") != entry.address:
                report.refused.append((entry.path, "its signed hash is not the index's content address"))
            else:
                wanted.append((entry, target))
                continue
            counts.targets_done += 1
        return _Plan(kept, index_bytes, wanted)

    def _download(self, updater: Updater, info: Any, report: SyncReport) -> bytes:
        with tempfile.TemporaryDirectory(dir=self.cache) as scratch:
            path = updater.download_target(info, filepath=os.path.join(scratch, "target"))
            report.fetched.append(info.path)
            return Path(path).read_bytes()

    def _fetch_and_store(self, updater: Updater, wanted: Sequence[tuple[Entry, TargetFile]], definitions: Path,
                         report: SyncReport) -> Iterator[tuple[Entry, str | None]]:
        """Fetch each wanted definition through TUF (its length and hash checked against the
        council's signed role), check it as any definition is checked, and store it when it
        passes; yield each entry with why it was refused, or None, in the order wanted.

        Several fetches run at once (threads: they wait on the network), and the checks run
        in worker processes when there are many (they are Python, holding the GIL)."""
        if not wanted:
            return
        # the scratch folder beside the definitions: a checked file is renamed into place
        with tempfile.TemporaryDirectory(dir=definitions, prefix=".") as scratch, \
                checking.checkers(len(wanted)) as check:

            def one(number: int) -> tuple[bool, str | None]:
                """(fetched, why refused or None) for the wanted definition `number`."""
                entry, target = wanted[number]
                # ngclient writes the file only once its length and hash match the signed role
                path = Path(scratch) / str(number)
                try:
                    updater.download_target(target, filepath=str(path))
                except tuf_errors.LengthOrHashMismatchError:
                    return False, "the file served does not match what its publisher signed"
                data = path.read_bytes()
                refused = check(data, entry.service, entry.version)
                if refused is not None:
                    path.unlink()
                    return True, ("the definition is not the one its entry names" if refused[0] == "entry-mismatch"
                                  else refused[1])
                # canonical (checked) and matching the signed SHA-256, itself the entry's address:
                # so the definition's content address is the entry's, as its file name says
                os.replace(path, definitions / f"{entry.address}.json")
                return True, None

            with ThreadPoolExecutor(max_workers=FETCHERS) as fetchers:
                for (entry, _), (fetched, why) in zip(wanted, fetchers.map(one, range(len(wanted))), strict=True):
                    if fetched:
                        report.fetched.append(entry.path)
                    yield entry, why

    # -- reading the cache -----------------------------------------------------------------------

    def indexes(self) -> Iterator[tuple[Subscription, Index]]:
        """Each subscribed catalogue's publishers' indexes; a publisher named as the built-in
        catalogue's is left out, so no catalogue can pass itself off as Borough's own."""
        for subscription in self.subscriptions():
            folder = self.cache / subscription.name / "indexes"
            for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
                if path.stem != SHIPPED_PUBLISHER:
                    yield subscription, self._index(path)

    def publishers(self, subscription: Subscription) -> list[tuple[str, str, tuple[str, ...]]]:
        """Whose keys sign a subscribed catalogue's services, as its last sync verified them:
        each publisher its targets delegate to, with its name from its own signed index (its
        slug until one is cached) and its key ids; none before a first sync."""
        kept = self.cache / subscription.name / "metadata" / "targets.json"
        try:
            targets = Metadata[Targets].from_bytes(kept.read_bytes())
        except (OSError, tuf_errors.RepositoryError):
            return []
        delegations = targets.signed.delegations
        roles = delegations.roles if delegations and delegations.roles else {}
        names = {index.council: index.name for held, index in self.indexes() if held.name == subscription.name}
        return [(council, names.get(council, council), tuple(role.keyids))
                for council, role in sorted(roles.items()) if SLUG.match(council)]

    def built_in(self) -> ShippedCatalogue | None:
        """The catalogue of the services this release ships, when the client lists it."""
        return shipped_catalogue(self.shipped) if self.shipped is not None else None

    def _index(self, path: Path) -> Index:
        status = path.stat()
        stamp = (status.st_mtime_ns, status.st_size)
        kept = self._parsed.get(path)
        if kept is not None and kept[0] == stamp:
            return kept[1]
        index = read_checked_index(path.read_bytes(), path.stem)
        self._parsed[path] = (stamp, index)
        return index

    def entries(self, *, withdrawn: bool = False) -> list[Found]:
        """Entries whose definition passed every check and is in the cache: a refused one is
        not listed, whatever its publisher's index says."""
        listed = self._listing().entries
        return list(listed) if withdrawn else [found for found in listed if not found.entry.withdrawn]

    def _listing(self) -> _Listing:
        """What the cache lists, made once per change of the cache (in this process: the staff
        pages make a client per request) rather than read again at every search."""
        key = (self.cache, self.shipped)
        stamp = self._stamp()
        with _LISTINGS_LOCK:
            kept = _LISTINGS.get(key)
        if kept is not None and kept[0] == stamp:
            return kept[1]
        listing = _Listing.of(self._read_entries())
        with _LISTINGS_LOCK:
            if len(_LISTINGS) >= 16:  # a process sees one or two caches; tests see many
                _LISTINGS.clear()
            _LISTINGS[key] = (stamp, listing)
        return listing

    def _stamp(self) -> tuple[Any, ...]:
        """What changes whenever the cache's listing may: the subscriptions, each publisher's
        index (sync writes it after the definitions it lists) and each definitions folder."""
        parts: list[Any] = [_file_stamp(self.cache / "subscriptions.json")]
        for subscription in self.subscriptions():
            here = self.cache / subscription.name
            indexes = here / "indexes"
            files = sorted(os.scandir(indexes), key=lambda item: item.name) if indexes.is_dir() else []
            parts.append(tuple((item.name, _file_stamp(Path(item.path))) for item in files
                               if item.name.endswith(".json") and not item.name.startswith(".")))
            parts.append(_file_stamp(here / "definitions"))
        return tuple(parts)

    def _read_entries(self) -> list[Found]:
        built_in = self.built_in()
        found = [Found(SHIPPED, entry, built_in.index.name) for entry in built_in.index.entries] if built_in else []
        stored: dict[str, set[str]] = {}
        for subscription, index in self.indexes():
            if subscription.name not in stored:
                folder = self.cache / subscription.name / "definitions"
                stored[subscription.name] = set(os.listdir(folder)) if folder.is_dir() else set()
            names = stored[subscription.name]
            found += [Found(subscription.url, entry, index.name) for entry in index.entries
                      if f"{entry.address}.json" in names]
        return found

    def search(self, words: str = "", *, tag: str | None = None, council: str | None = None,
               language: str | None = None, lgsl: int | None = None, fee: bool | None = None) -> list[Found]:
        """Each service's newest version that is not withdrawn, when its id, title, summary, tags,
        council or LGSL code hold every word and it has the tag, council, language, LGSL code
        and fee (or no fee) asked for; by title, then publisher."""
        rows = self._listing().latest
        for word in (word.lower() for word in words.split()):
            rows = tuple(row for row in rows if word in row[1])  # one word at a time, each narrowing
        return [found for found, _ in rows
                if (tag is None or tag in found.entry.tags)
                and (council is None or found.entry.council == council)
                and (language is None or language in found.entry.languages)
                and (lgsl is None or found.entry.lgsl == lgsl)
                and (fee is None or found.entry.fee == fee)]

    def versions(self, service: str) -> list[Found]:
        """Every version of a service (`id` or `council/id`), newest first, withdrawn ones too."""
        council, _, service_id = service.rpartition("/")
        found = [item for item in self.entries(withdrawn=True)
                 if item.entry.service == service_id and (not council or item.entry.council == council)]
        return sorted(found, key=lambda item: _semver(item.entry.version), reverse=True)

    def definition(self, found: Found) -> dict[str, Any]:
        """The definition of a version listed, checked again as it is read from the cache."""
        built_in = self.built_in()
        if found.catalogue == SHIPPED and built_in is not None:
            document = built_in.definition(found.entry.address)
            if document is not None:
                return document
        for subscription in self.subscriptions():
            if subscription.url == found.catalogue:
                path = self.cache / subscription.name / "definitions" / f"{found.entry.address}.json"
                return check_definition(path.read_bytes())
        raise CatalogueError("not-cached", f"{found.entry.key} is not in the cache: run `borough catalogue sync`")


@dataclass(frozen=True)
class _Plan:
    """A publisher's part of a sync: its verified index, to keep once the definitions it
    lists that the cache lacks (each with its signed target info) are fetched."""

    kept: Path
    index_bytes: bytes
    wanted: list[tuple[Entry, TargetFile]]


@dataclass
class _Counts:
    """A sync's running counts, told to its progress callback (if any) as a `SyncStep`."""

    publishers: int
    progress: Callable[[SyncStep], None] | None
    publishers_done: int = 0
    targets: int = 0
    targets_done: int = 0

    def tell(self, what: str) -> None:
        if self.progress is not None:
            self.progress(SyncStep(self.publishers_done, self.publishers, self.targets_done, self.targets, what))


@dataclass(frozen=True)
class _Listing:
    """Every cached entry (withdrawn ones too), and each service's newest version that is not
    withdrawn with the words a search looks in, in the order a search answers."""

    entries: tuple[Found, ...]
    latest: tuple[tuple[Found, str], ...]

    @classmethod
    def of(cls, entries: list[Found]) -> _Listing:
        latest: dict[tuple[str, str, str], Found] = {}
        for found in entries:
            if found.entry.withdrawn:
                continue
            key = (found.catalogue, found.entry.council, found.entry.service)
            if key not in latest or _semver(found.entry.version) > _semver(latest[key].entry.version):
                latest[key] = found
        ordered = sorted(latest.values(), key=lambda found: (found.entry.title.lower(), found.entry.council))
        return cls(tuple(entries), tuple((found, _words(found.entry)) for found in ordered))


def _words(entry: Entry) -> str:
    return " ".join([entry.service, entry.title, entry.summary, entry.council,
                     str(entry.lgsl or ""), *entry.tags]).lower()


_LISTINGS: dict[tuple[Path, Path | None], tuple[tuple[Any, ...], _Listing]] = {}
_LISTINGS_LOCK = threading.Lock()


def _file_stamp(path: Path) -> tuple[int, int] | None:
    try:
        status = path.stat()
    except FileNotFoundError:
        return None
    return status.st_mtime_ns, status.st_size


def _changed_after_publication(before: Index, after: Index) -> str | None:
    """The first version `before` listed that `after` drops or names with other content."""
    now = {entry.key: entry.address for entry in after.entries}
    for entry in before.entries:
        if now.get(entry.key) != entry.address:
            return entry.key
    return None


def _semver(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def read_root(url: str, root: bytes | None = None, *, first_use: bool | None = None) -> RootFile:
    """A catalogue's root metadata, checked and not pinned: `root` (a file from its operator),
    else its first root as `url` serves it now. A first root fetched (trust on first use) must
    not have expired: an expired one may be an old catalogue's, so its operator's file is asked for."""
    url = url.rstrip("/")
    first_use = root is None if first_use is None else first_use
    data = root if root is not None else _get(f"{url}/metadata/1.root.json", MAX_ROOT_BYTES)
    if len(data) > MAX_ROOT_BYTES:
        raise CatalogueError("too-large", f"the root metadata is larger than {MAX_ROOT_BYTES:,} bytes")
    try:
        pinned = Metadata[Root].from_bytes(data)
        if pinned.signed.type != "root":
            raise ValueError("not root metadata")
        pinned.signed.verify_delegate("root", pinned.signed_bytes, pinned.signatures)
    except (ValueError, tuf_errors.RepositoryError, tuf_errors.UnsignedMetadataError) as error:
        raise CatalogueError("bad-root", f"the catalogue's root metadata is not valid: {error}") from None
    if pinned.signed.is_expired(datetime.datetime.now(datetime.UTC)) and first_use:
        raise CatalogueError("bad-root", "the catalogue's first root has expired: ask its operator for its root file")
    return RootFile(url, data, tuple(pinned.signed.roles["root"].keyids), pinned.signed.version,
                    pinned.signed.expires.replace(microsecond=0).isoformat())


def _get(url: str, most: int) -> bytes:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            data: bytes = response.read(most + 1)
    except urllib.error.URLError as error:
        raise CatalogueError("unreachable", f"cannot fetch {url}: {error.reason}") from None
    except (OSError, http.client.HTTPException, ValueError) as error:  # reset, timed out, not a URL
        raise CatalogueError("unreachable", f"cannot fetch {url}: {error or type(error).__name__}") from None
    if len(data) > most:
        raise CatalogueError("too-large", f"{url} is larger than {most:,} bytes")
    return data


def _replace(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)


class _PooledFetcher(Urllib3Fetcher):
    """ngclient's own fetcher (urllib3, proxies from the environment), keeping a connection
    alive for each fetching thread rather than one, and holding what it fetched in memory
    rather than a temporary file (within the same bound on its length): a first sync fetches
    thousands of small files."""

    def __init__(self) -> None:
        super().__init__()
        self._proxy_env = ProxyEnvironment(headers={"User-Agent": f"borough python-tuf/{tuf.__version__}"},
                                           maxsize=FETCHERS, block=True)

    @contextlib.contextmanager
    def download_file(self, url: str, max_length: int) -> Iterator[IO[bytes]]:
        received = io.BytesIO()
        for chunk in self.fetch(url):
            if received.tell() + len(chunk) > max_length:
                raise tuf_errors.DownloadLengthMismatchError(
                    f"Downloaded more than the maximum allowed length of {max_length} bytes")
            received.write(chunk)
        received.seek(0)
        yield received
