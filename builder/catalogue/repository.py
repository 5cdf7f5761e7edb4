"""A catalogue on disk: TUF metadata over content-addressed service definitions.

    DIR/keys/               the operator's keys (root, targets, snapshot, timestamp), 0600
    DIR/public/             what is served, by Borough or any static server: nothing else
    DIR/public/metadata/    N.root.json, timestamp.json, N.snapshot.json, N.targets.json,
                            N.<council>.json (consistent snapshots), and unversioned copies
                            of the newest of each for the operator's own reading
    DIR/public/targets/     <council>/<service>/<sha256>.<version>.json and
                            <council>/<sha256>.index.json, as TUF lays targets out

The operator's top-level targets role delegates `<council>/...` to one role per publishing
council, with the council's own Ed25519 key: the operator hosts councils' services but cannot
sign them. A council's publication reaches the catalogue as its role's new metadata, signed
by the council, and the files it names; `accept` checks all of it before anything is written.
"""

from __future__ import annotations

import contextlib
import datetime
import fcntl
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from securesystemslib.signer import CryptoSigner, Key
from tuf.api.exceptions import UnsignedMetadataError
from tuf.api.metadata import (
    TOP_LEVEL_ROLE_NAMES,
    DelegatedRole,
    Delegations,
    Metadata,
    MetaFile,
    Root,
    Snapshot,
    TargetFile,
    Targets,
    Timestamp,
)
from tuf.api.serialization.json import JSONSerializer

from builder.catalogue import checking
from builder.catalogue import keys as catalogue_keys
from builder.catalogue.canonical import NotCanonical, canonical
from builder.catalogue.entries import SLUG, BadIndex, Index, index_path, read_index
from runtime.core.definition import report
from runtime.core.limits import limit_problems
from runtime.core.lint import lint
from runtime.core.problems import DefinitionError
from runtime.core.reading import read_definition

ROOT_DAYS = 365
TARGETS_DAYS = 365
PUBLISHER_DAYS = 365
SNAPSHOT_DAYS = 30
TIMESTAMP_DAYS = 7
SPEC_VERSION = "1.0.31"
RESERVED = frozenset(TOP_LEVEL_ROLE_NAMES) | {"index"}


class Refused(Exception):
    """The catalogue refuses an operation: one line saying why; nothing was written."""

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        self.message = message
        super().__init__(message)


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC).replace(microsecond=0)


def in_days(days: float) -> datetime.datetime:
    return _now() + datetime.timedelta(days=days)


def publisher_paths(council: str) -> list[str]:
    """What a council's role may sign: its index and its services' versions, nothing else."""
    return [f"{council}/index.json", f"{council}/*/*.json"]


@dataclass(frozen=True)
class Publication:
    """What a council sends a catalogue: its role's new metadata, and the files it names."""

    council: str
    role: Metadata[Targets]
    files: Mapping[str, bytes]  # target path -> bytes


class Repository:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.public_dir = path / "public"
        self.metadata_dir = self.public_dir / "metadata"
        self.targets_dir = self.public_dir / "targets"
        self.keys_dir = path / "keys"

    # -- creating and opening ------------------------------------------------------------------

    @classmethod
    def init(cls, path: Path) -> Repository:
        repo = cls(path)
        if repo.metadata_dir.exists() and any(repo.metadata_dir.iterdir()):
            raise Refused("exists", f"{path} already holds a catalogue")
        repo.metadata_dir.mkdir(parents=True, exist_ok=True)
        repo.targets_dir.mkdir(exist_ok=True)
        signers = {}
        for role in TOP_LEVEL_ROLE_NAMES:
            signer = catalogue_keys.generate()
            catalogue_keys.write_private(repo.keys_dir / f"{role}.pem", signer)
            signers[role] = signer
        root = Metadata(Root(expires=in_days(ROOT_DAYS), consistent_snapshot=True))
        for role, signer in signers.items():
            root.signed.add_key(signer.public_key, role)
        targets = Metadata(Targets(expires=in_days(TARGETS_DAYS), delegations=Delegations(keys={}, roles={})))
        snapshot = Metadata(Snapshot(expires=in_days(SNAPSHOT_DAYS)))
        timestamp = Metadata(Timestamp(expires=in_days(TIMESTAMP_DAYS)))
        with repo._lock():
            repo._sign_write(root, signers["root"])
            repo._sign_write(targets, signers["targets"])
            repo._sign_write(snapshot, signers["snapshot"])
            repo._sign_write(timestamp, signers["timestamp"])
        return repo

    @classmethod
    def open(cls, path: Path) -> Repository:
        repo = cls(path)
        if not (repo.metadata_dir / "root.json").is_file():
            raise Refused("not-a-catalogue", f"{path} holds no catalogue (run `borough catalogue init {path}`)")
        return repo

    # -- reading ---------------------------------------------------------------------------------

    def current(self, role: str) -> Metadata[Any]:
        return Metadata.from_file(str(self.metadata_dir / f"{quote(role, '')}.json"))

    def root_bytes(self) -> bytes:
        return (self.metadata_dir / "1.root.json").read_bytes()

    def publishers(self) -> dict[str, list[str]]:
        """Each publishing council's slug and the key ids its role accepts."""
        delegations = self.current("targets").signed.delegations
        roles = delegations.roles if delegations and delegations.roles else {}
        return {name: list(role.keyids) for name, role in roles.items()}

    def published_role(self, council: str) -> Metadata[Targets] | None:
        """The council's role as the catalogue last accepted it, or None before it published."""
        if not (self.metadata_dir / f"{quote(council, '')}.json").is_file():
            return None
        return self.current(council)

    def index(self, council: str) -> Index | None:
        role = self.published_role(council)
        if role is None:
            return None
        info = role.signed.targets.get(index_path(council))
        if info is None:
            return None
        return read_index(self._target_file(info).read_bytes(), council)

    # -- the operator's changes ------------------------------------------------------------------

    def add_publisher(self, council: str, key: Key) -> None:
        if not SLUG.match(council) or council in RESERVED:
            raise Refused("bad-council", f"{council!r} cannot name a publisher: use the council's slug")
        with self._lock():
            targets = self.current("targets")
            delegations = targets.signed.delegations
            assert delegations is not None and delegations.roles is not None
            if council in delegations.roles:
                raise Refused("publisher-exists", f"{council} is already a publisher in this catalogue")
            delegations.keys[key.keyid] = key
            delegations.roles[council] = DelegatedRole(
                council, [key.keyid], 1, terminating=True, paths=publisher_paths(council))
            targets.signed.version += 1
            targets.signed.expires = in_days(TARGETS_DAYS)
            self._sign_write(targets, self._signer("targets"))
            self._snapshot_and_timestamp({"targets.json": targets.signed.version})

    def replace_publisher_key(self, council: str, key: Key | None) -> None:
        """Revoke the council's key (a lost or leaked one) and register `key` instead, or none.
        Installations then refuse the council's role until the council signs it again with
        the new key: nothing only the old key signed is trusted any more."""
        with self._lock():
            targets = self.current("targets")
            delegations = targets.signed.delegations
            assert delegations is not None and delegations.roles is not None
            role = delegations.roles.get(council)
            if role is None:
                raise Refused("not-a-publisher", f"{council} is not a publisher in this catalogue")
            old = set(role.keyids)
            role.keyids = [key.keyid] if key is not None else []
            if key is not None:
                delegations.keys[key.keyid] = key
            still_used = {keyid for other in delegations.roles.values() for keyid in other.keyids}
            for keyid in old - still_used:
                delegations.keys.pop(keyid, None)
            targets.signed.version += 1
            targets.signed.expires = in_days(TARGETS_DAYS)
            self._sign_write(targets, self._signer("targets"))
            self._snapshot_and_timestamp({"targets.json": targets.signed.version})

    def refresh(self, *, timestamp_expires: datetime.datetime | None = None) -> int:
        """Sign the snapshot and timestamp again so installations see the catalogue is live.
        Returns the new timestamp version."""
        with self._lock():
            return self._snapshot_and_timestamp({}, timestamp_expires=timestamp_expires)

    # -- publishing ------------------------------------------------------------------------------

    def accept(self, publication: Publication) -> None:
        """Take a council's publication after checking everything; refuse with `Refused` else."""
        council = publication.council
        with self._lock():
            targets = self.current("targets")
            try:
                role = targets.signed.get_delegated_role(council)
            except ValueError:
                raise Refused("not-a-publisher", f"{council} is not a publisher in this catalogue") from None
            assert isinstance(role, DelegatedRole)
            new = publication.role
            try:
                targets.signed.verify_delegate(council, new.signed_bytes, new.signatures)
            except UnsignedMetadataError:
                raise Refused("bad-signature",
                              f"the publication is not signed with {council}'s registered key") from None
            previous = self.published_role(council)
            expected = previous.signed.version + 1 if previous else 1
            if new.signed.version != expected:
                raise Refused("bad-version", f"the publication is version {new.signed.version} of "
                                             f"{council}'s role; the catalogue expects {expected}")
            if new.signed.is_expired(_now()):
                raise Refused("expired", "the publication has already expired")
            if new.signed.delegations is not None:
                raise Refused("delegates", "a publisher cannot delegate further")
            self._check_targets(council, role, previous, new, publication.files)
            for path, info in new.signed.targets.items():
                destination = self._target_file(info)
                if not destination.exists():
                    _write_new(destination, publication.files[path])
            self._write(new, council)
            self._snapshot_and_timestamp({f"{council}.json": new.signed.version})

    def _check_targets(self, council: str, role: DelegatedRole, previous: Metadata[Targets] | None,
                       new: Metadata[Targets], files: Mapping[str, bytes]) -> None:
        before = previous.signed.targets if previous else {}
        after = new.signed.targets
        for path in after:
            if not role.is_delegated_path(path):
                raise Refused("outside-delegation", f"{council} may not publish {path}: it is not under {council}/")
        for path, info in before.items():
            if path == index_path(council):
                continue
            if after.get(path) != info:
                raise Refused("immutable", f"{path} was published already and cannot be changed or removed")
        if index_path(council) not in after:
            raise Refused("no-index", f"the publication has no {index_path(council)}")
        for path, info in after.items():
            if before.get(path) == info and self._target_file(info).exists():
                continue
            data = files.get(path)
            if data is None:
                raise Refused("missing-file", f"the publication names {path} but does not include it")
            try:
                info.verify_length_and_hashes(data)
            except Exception:
                raise Refused("hash-mismatch", f"{path} does not match the hash the publication signed") from None
            if list(info.hashes) != ["sha256"]:
                raise Refused("bad-hashes", f"{path} must be named by its SHA-256 alone")
        index = read_checked_index(files.get(index_path(council)) or self._target_file(after[index_path(council)]).read_bytes(), council)
        listed = {entry.path: entry for entry in index.entries}
        definitions = {path for path in after if path != index_path(council)}
        if set(listed) != definitions:
            raise Refused("index-mismatch", "the index must list exactly the definitions the role signs")
        added = sorted(definitions - set(before))
        outcomes = checking.check_all([(files[path], listed[path].service, listed[path].version) for path in added])
        for path, outcome in zip(added, outcomes, strict=True):
            if outcome is not None and outcome[0] != "entry-mismatch":
                raise Refused(*outcome)
            # its bytes are canonical and match the signed SHA-256 (checked above): that hash is
            # the definition's content address, and must be the one its entry names
            if after[path].hashes["sha256"] != listed[path].address:
                raise Refused("address-mismatch", f"{path} is not stored by its content address")
            if outcome is not None:
                raise Refused("entry-mismatch", f"{path} {outcome[1]}")

    # -- files -----------------------------------------------------------------------------------

    def _target_file(self, info: TargetFile) -> Path:
        parent, _, name = info.path.rpartition("/")
        return self.targets_dir / parent / f"{info.hashes['sha256']}.{name}"

    def _signer(self, role: str) -> CryptoSigner:
        return catalogue_keys.read_private(self.keys_dir / f"{role}.pem")

    def _snapshot_and_timestamp(self, changed: Mapping[str, int], *,
                                timestamp_expires: datetime.datetime | None = None) -> int:
        snapshot = self.current("snapshot")
        for name, version in changed.items():
            snapshot.signed.meta[name] = MetaFile(version)
        snapshot.signed.version += 1
        snapshot.signed.expires = in_days(SNAPSHOT_DAYS)
        self._sign_write(snapshot, self._signer("snapshot"))
        timestamp = self.current("timestamp")
        timestamp.signed.snapshot_meta = MetaFile(snapshot.signed.version)
        timestamp.signed.version += 1
        timestamp.signed.expires = timestamp_expires or in_days(TIMESTAMP_DAYS)
        self._sign_write(timestamp, self._signer("timestamp"))
        current: int = timestamp.signed.version
        return current

    def _sign_write(self, metadata: Metadata[Any], signer: CryptoSigner) -> None:
        metadata.signed.spec_version = SPEC_VERSION
        metadata.sign(signer)
        self._write(metadata, metadata.signed.type)

    def _write(self, metadata: Metadata[Any], role: str) -> None:
        data = metadata.to_bytes(JSONSerializer(compact=False))
        name = quote(role, "")
        if role != "timestamp":
            _write_new(self.metadata_dir / f"{metadata.signed.version}.{name}.json", data)
        _replace(self.metadata_dir / f"{name}.json", data)

    @contextlib.contextmanager
    def _lock(self) -> Iterator[None]:
        self.path.mkdir(parents=True, exist_ok=True)
        with (self.path / ".lock").open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


def check_definition(data: bytes) -> dict[str, Any]:
    """A definition from a catalogue: the same limits, meta-schema and lint as any other, and in
    canonical form. Raises `Refused` with the first reason."""
    try:
        document = read_definition(data)
    except DefinitionError as error:
        raise Refused("hostile-definition", f"the definition is refused: {error.message}") from None
    # The quick path passes only what the full report would pass; anything else is reported in full.
    quick = not limit_problems(document) and checking.valid(document) and not lint(document)
    found = report(document) if not quick else None
    if found is not None and found.total:
        first = found.shown[0]
        raise Refused("hostile-definition", f"the definition is refused ({found.total} problem"
                      f"{'s' if found.total != 1 else ''}): {first.pointer or '/'}: {first.message}")
    if checking.surely_canonical(document, data):
        return document
    try:
        if canonical(document) != data:
            raise Refused("not-canonical", "the definition is not stored in its canonical form")
    except NotCanonical as error:
        raise Refused("not-canonical", f"the definition has no canonical form: {error}") from None
    return document


def read_checked_index(data: bytes, council: str) -> Index:
    try:
        return read_index(data, council)
    except BadIndex as error:
        raise Refused("bad-index", str(error)) from None


def _write_new(path: Path, data: bytes) -> None:
    """Write a file that must not exist yet (published files never change)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("xb") as handle:
        handle.write(data)


def _replace(path: Path, data: bytes) -> None:
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)
