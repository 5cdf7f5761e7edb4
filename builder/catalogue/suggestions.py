"""A council hands a change back to the publisher of a service it imported, as a suggestion.

A catalogue is static and signed: nobody writes to it but its publishers. So a suggestion
travels beside it. It is the council's changes as a JSON Patch against the version it copied,
*as the catalogue holds it* (the council's own name, phone and email turned back into
placeholders with `sharing.share`, and the service's id, version, publisher and provenance left
out), with a message and who sent it:

    {"format": "borough-catalogue-suggestion", "formatVersion": 1,
     "catalogue": URL, "publisher": SLUG, "service": ID, "version": "1.0.0", "address": SHA256,
     "council": {"slug": SLUG, "name": NAME}, "message": TEXT, "patch": [JSON Patch]}

When the publisher is a council on the same installation, it is stored for its staff. Else the
suggesting council downloads it as a file and sends it however councils talk (email); the
publisher's staff upload it, and `read_suggestion` checks it as untrusted input: its size, its
JSON, its shape, that it names this council and one of its services' versions as the
catalogue holds them, and that its patch applies to that version, keeps the service's identity
and leaves a valid service. Applying it merges it into the publisher's draft
(builder/merge.py), as an upgrade does, so the publisher's own changes since are kept.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import jsonschema

from builder import patch as json_patch
from builder.catalogue import sharing
from builder.catalogue.canonical import content_address
from builder.catalogue.council import council_settings, council_values
from builder.catalogue.entries import SEMVER, SLUG
from builder.catalogue.repository import Refused
from builder.diff import diff
from builder.keyed_patch import make_patch
from runtime import store
from runtime.core.definition import report
from runtime.core.problems import DefinitionError
from runtime.core.reading import read_definition
from runtime.store.services import service_versions

FORMAT = "borough-catalogue-suggestion"
MAX_FILE_BYTES = 256 * 1024
MAX_MESSAGE = 2000
MAX_OPERATIONS = 500
# The service's identity and where it came from: the publisher's, never a suggestion's.
KEPT = ("id", "version", "publisher", "provenance")

_OPERATION = {
    "type": "object",
    "required": ["op", "path"],
    "additionalProperties": False,
    "properties": {
        # The operations a council's changes are made of (builder/keyed_patch.py). Not "copy":
        # 500 copies of a subtree into itself would double it 500 times.
        "op": {"enum": ["add", "remove", "replace", "move", "test"]},
        "path": {"type": "string", "maxLength": 1000},
        "from": {"type": "string", "maxLength": 1000},
        "value": {},
    },
}
SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["format", "formatVersion", "catalogue", "publisher", "service", "version", "address",
                 "council", "message", "patch"],
    "additionalProperties": False,
    "properties": {
        "format": {"const": FORMAT},
        "formatVersion": {"const": 1},
        "catalogue": {"type": "string", "maxLength": 500},
        "publisher": {"type": "string", "maxLength": 64, "pattern": SLUG.pattern},
        "service": {"type": "string", "maxLength": 64, "pattern": SLUG.pattern},
        "version": {"type": "string", "maxLength": 32, "pattern": SEMVER.pattern},
        "address": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
        "council": {"type": "object", "required": ["slug", "name"], "additionalProperties": False,
                    "properties": {"slug": {"type": "string", "maxLength": 64, "pattern": SLUG.pattern},
                                   "name": {"type": "string", "minLength": 1, "maxLength": 200}}},
        "message": {"type": "string", "maxLength": MAX_MESSAGE},
        "patch": {"type": "array", "minItems": 1, "maxItems": MAX_OPERATIONS, "items": _OPERATION},
    },
}
_VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)


@dataclass(frozen=True)
class Suggestion:
    catalogue: str
    publisher: str
    service: str
    version: str
    address: str
    council: str
    council_name: str
    message: str
    patch: list[dict[str, Any]]

    def as_json(self) -> dict[str, Any]:
        return {"format": FORMAT, "formatVersion": 1, "catalogue": self.catalogue, "publisher": self.publisher,
                "service": self.service, "version": self.version, "address": self.address,
                "council": {"slug": self.council, "name": self.council_name}, "message": self.message,
                "patch": self.patch}


def _identity_left_out(shared_upstream: Mapping[str, Any], ours: dict[str, Any]) -> dict[str, Any]:
    kept = dict(ours)
    for key in KEPT:
        if key in shared_upstream:
            kept[key] = shared_upstream[key]
        else:
            kept.pop(key, None)
    return kept


def changes(shared_upstream: dict[str, Any], ours: Mapping[str, Any], council: store.Council) -> list[dict[str, Any]]:
    """The council's changes to the version it copied, as a patch against that version as the
    catalogue holds it: its own name and contacts back to placeholders, its identity left out."""
    shared_ours, _ = sharing.share(ours, council_values(council))
    return make_patch(shared_upstream, _identity_left_out(shared_upstream, shared_ours))


def readable(shared: Mapping[str, Any], values: Mapping[str, str]) -> dict[str, Any]:
    """A shared definition with `values` filled in, and a placeholder without one left showing."""
    unset = {name: sharing.placeholder(name) for name in sharing.placeholders(shared)}
    return sharing.fill(shared, {**unset, **values})


def in_words(shared_upstream: dict[str, Any], patch: Sequence[Mapping[str, Any]],
             values: Mapping[str, str]) -> list[str]:
    """What the patch changes, in a designer's words, with `values` filled in (the reader's)."""
    after = json_patch.apply(shared_upstream, patch)
    return [word for word in diff(readable(shared_upstream, values), readable(after, values)).words
            if not word.startswith("Service version")]


def _touches_identity(where: str) -> bool:
    parts = where.split("/")
    return where == "" or (len(parts) > 1 and parts[1] in KEPT)


def suggested(shared_upstream: dict[str, Any], patch: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The version as the catalogue holds it with the suggestion applied; refused, in words, when
    the patch does not apply, touches the service's identity, or leaves an invalid service."""
    for operation in patch:
        for where in (operation.get("path"), operation.get("from")):
            if isinstance(where, str) and _touches_identity(where):
                raise Refused("identity", f"the suggestion changes {where or 'the whole service'}: a suggestion "
                                          "may change a service's pages, questions and texts, not its identity")
    problem = json_patch.problem(shared_upstream, patch)
    if problem is not None:
        raise Refused("does-not-apply", f"the suggested changes do not apply to the version they name: {problem}")
    after: dict[str, Any] = json_patch.apply(shared_upstream, patch)
    found = report(readable(after, {name: "x" for name in sharing.DESCRIPTIONS}))
    if found.total:
        first = found.shown[0]
        raise Refused("invalid", f"with the suggested changes the service is not valid: "
                                 f"{first.pointer or '/'}: {first.message}")
    return after


async def published_as_shared(council: store.Council, service: str, address: str) -> dict[str, Any] | None:
    """The council's published version of `service` that the catalogue holds with content
    `address` (each version shared as publishing shares it), or None: so a suggestion can only
    name what this council published."""
    for version in await service_versions(council, service):
        shared, _ = sharing.share(dict(version.definition), council_values(council))
        if content_address(shared) == address:
            return shared
    return None


def _refuse_file(message: str) -> Refused:
    return Refused("bad-suggestion", f"The file is not a suggestion Borough can read: {message}")


async def read_suggestion(data: bytes, council: store.Council) -> tuple[Suggestion, dict[str, Any]]:
    """An uploaded suggestion file, checked as untrusted input, and the version it is for as the
    catalogue holds it. Raises `Refused` saying what is wrong, in words."""
    if len(data) > MAX_FILE_BYTES:
        raise _refuse_file(f"it is larger than {MAX_FILE_BYTES // 1024} KB")
    try:
        document = read_definition(data, max_bytes=MAX_FILE_BYTES)
    except DefinitionError as error:
        raise _refuse_file(error.message.replace("the definition", "the file")) from None
    wrong = jsonschema.exceptions.best_match(_VALIDATOR.iter_errors(document))
    if wrong is not None:
        where = "/".join(str(part) for part in wrong.absolute_path) or "the file"
        raise _refuse_file(f"{where}: {wrong.message[:200]}")
    found = Suggestion(document["catalogue"], document["publisher"], document["service"], document["version"],
                       document["address"], document["council"]["slug"], document["council"]["name"],
                       document["message"], document["patch"])
    if found.publisher != council.slug:
        raise Refused("not-ours", f"The suggestion is for {found.publisher}'s service, not {council.name}'s")
    if found.council == council.slug:
        raise Refused("own", "The suggestion comes from your own council: change your draft instead")
    shared = await published_as_shared(council, found.service, found.address)
    if shared is None:
        raise Refused("unknown-version", f"{council.name} has not published {found.service} {found.version} "
                                         "as the suggestion names it: it may be for another council's service")
    if shared.get("version") != found.version:
        raise Refused("unknown-version", f"the suggestion names version {found.version}, but its content is "
                                         f"{found.service} {shared.get('version')}")
    suggested(shared, found.patch)
    return found, shared


def publisher_values(council: store.Council, shared: Mapping[str, Any], ours: Mapping[str, Any]) -> dict[str, str]:
    """The values the publisher's own service fills the placeholders with."""
    return {**council_settings(council), **sharing.filled_values(shared, ours)}
