"""A publisher's index: one entry per published service version, as the catalogue lists it.

The index is a target of the publisher's own delegated role (`{council}/index.json`), so the
operator who hosts the catalogue can no more forge an entry than a definition. It is the only
target a publisher changes: definitions are added, never changed or removed, and withdrawing a
version marks its entry.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from typing import Any

SLUG = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
SEMVER = re.compile(r"^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$")
HEX64 = re.compile(r"^[0-9a-f]{64}$")
MAX_INDEX_BYTES = 4 * 1024 * 1024
MAX_ENTRIES = 10_000
DEFAULT_LICENCE = "OGL-3.0"


class BadIndex(ValueError):
    code = "bad-index"


@dataclass(frozen=True)
class Setting:
    """A council-specific value left out of the shared definition, for the importer to fill."""

    name: str  # e.g. "council.name", "contact.phone", "payment.account"
    description: str
    pointers: tuple[str, ...] = ()  # where a placeholder stands in the definition


@dataclass(frozen=True)
class Entry:
    service: str
    version: str
    council: str
    title: str
    summary: str
    address: str  # SHA-256 of the definition's canonical JSON
    path: str  # the TUF target path
    lgsl: int | None = None
    tags: tuple[str, ...] = ()
    languages: tuple[str, ...] = ("en",)
    licence: str = DEFAULT_LICENCE
    change_note: str = ""
    fee: bool = False
    settings: tuple[Setting, ...] = ()
    published_at: str = ""
    withdrawn: bool = False
    withdrawn_reason: str = ""

    @property
    def key(self) -> str:
        return f"{self.service}@{self.version}"

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["tags"] = list(self.tags)
        data["languages"] = list(self.languages)
        data["settings"] = [{**asdict(setting), "pointers": list(setting.pointers)} for setting in self.settings]
        return data


@dataclass
class Index:
    council: str
    name: str
    entries: list[Entry] = field(default_factory=list)

    def find(self, service: str, version: str) -> Entry | None:
        return next((entry for entry in self.entries
                     if entry.service == service and entry.version == version), None)

    def to_bytes(self) -> bytes:
        document = {"council": self.council, "name": self.name,
                    "entries": [entry.as_json() for entry in self.entries]}
        return json.dumps(document, ensure_ascii=False, sort_keys=True, indent=1).encode("utf-8")


def target_path(council: str, service: str, version: str) -> str:
    return f"{council}/{service}/{version}.json"


def index_path(council: str) -> str:
    return f"{council}/index.json"


def read_index(data: bytes, council: str) -> Index:
    """An index fetched from anywhere: every field checked, nothing trusted beyond its shape."""
    if len(data) > MAX_INDEX_BYTES:
        raise BadIndex(f"the index of {council} is larger than {MAX_INDEX_BYTES:,} bytes")
    try:
        document = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        raise BadIndex(f"the index of {council} is not JSON: {error}") from None
    except RecursionError:  # lists or objects nested deeper than the parser recurses
        raise BadIndex(f"the index of {council} is nested too deeply") from None
    if not isinstance(document, dict) or document.get("council") != council:
        raise BadIndex(f"the index of {council} names another council")
    raw_entries = document.get("entries")
    if not isinstance(raw_entries, list) or len(raw_entries) > MAX_ENTRIES:
        raise BadIndex(f"the index of {council} has no list of entries")
    entries = [_entry(raw, council) for raw in raw_entries]
    return Index(council, _text(document.get("name"), "name", 200), entries)


def _entry(raw: Any, council: str) -> Entry:
    if not isinstance(raw, dict):
        raise BadIndex("an index entry is not an object")
    service = _text(raw.get("service"), "service", 64)
    version = _text(raw.get("version"), "version", 32)
    if not SLUG.match(service) or not SEMVER.match(version):
        raise BadIndex(f"an index entry has a bad service id or version: {service}@{version}")
    if raw.get("council") != council:
        raise BadIndex(f"the entry {service}@{version} names another council")
    address = _text(raw.get("address"), "address", 64)
    if not HEX64.match(address):
        raise BadIndex(f"the entry {service}@{version} has a bad content address")
    if raw.get("path") != target_path(council, service, version):
        raise BadIndex(f"the entry {service}@{version} points outside its own place")
    lgsl = raw.get("lgsl")
    if lgsl is not None and (not isinstance(lgsl, int) or isinstance(lgsl, bool) or not 0 < lgsl < 100_000):
        raise BadIndex(f"the entry {service}@{version} has a bad LGSL code")
    settings = raw.get("settings", [])
    if not isinstance(settings, list) or len(settings) > 100:
        raise BadIndex(f"the entry {service}@{version} has bad settings")
    return Entry(
        service=service, version=version, council=council,
        title=_text(raw.get("title"), "title", 500), summary=_text(raw.get("summary"), "summary", 2000),
        address=address, path=raw["path"], lgsl=lgsl,
        tags=tuple(_texts(raw.get("tags", []), "tags", 64)),
        languages=tuple(_texts(raw.get("languages", ["en"]), "languages", 8)),
        licence=_text(raw.get("licence", DEFAULT_LICENCE), "licence", 32),
        change_note=_text(raw.get("change_note", ""), "change note", 5000),
        fee=bool(raw.get("fee", False)),
        settings=tuple(_setting(item) for item in settings),
        published_at=_text(raw.get("published_at", ""), "published_at", 40),
        withdrawn=raw.get("withdrawn") is True,
        withdrawn_reason=_text(raw.get("withdrawn_reason", ""), "withdrawn reason", 2000),
    )


def _setting(raw: Any) -> Setting:
    if not isinstance(raw, dict):
        raise BadIndex("a setting is not an object")
    return Setting(_text(raw.get("name"), "setting name", 64), _text(raw.get("description"), "setting", 500),
                   tuple(_texts(raw.get("pointers", []), "pointers", 1000)))


def _text(value: Any, what: str, most: int) -> str:
    if not isinstance(value, str) or len(value) > most:
        raise BadIndex(f"an index's {what} is not text of at most {most} characters")
    return value


def _texts(value: Any, what: str, most: int) -> list[str]:
    if not isinstance(value, list) or len(value) > 200:
        raise BadIndex(f"an index's {what} is not a list")
    return [_text(item, what, most) for item in value]
