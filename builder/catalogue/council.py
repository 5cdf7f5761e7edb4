"""A council and a catalogue: its signing key, publishing its services, importing others'.

The council's key is made here the first time it is needed, sealed by the store, and opened
only to sign. Publishing shares a published version (council values out as settings) and signs
it with the council's delegated role; importing fills the settings with the council's values,
checks the result like any definition, and opens it in the builder as a draft that remembers
its upstream.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from securesystemslib.signer import CryptoSigner
from tuf.api.metadata import Metadata, Targets

from builder.catalogue import keys, publishing, sharing
from builder.catalogue.client import Client, Found
from builder.catalogue.entries import Entry, Index, Setting
from builder.catalogue.repository import Publication, Refused
from runtime import store
from runtime.core.definition import report
from runtime.store import catalogue as catalogue_store
from runtime.store.models import CatalogueFork, ServiceDraft


class Catalogue(Protocol):
    """Where a council publishes: a catalogue folder on this machine (`Repository`) or one
    another installation hosts (`hosting.RemoteCatalogue`)."""

    path: Any

    def publishers(self) -> dict[str, list[str]]: ...
    def published_role(self, council: str) -> Metadata[Targets] | None: ...
    def index(self, council: str) -> Index | None: ...
    def accept(self, publication: Publication) -> None: ...


@dataclass(frozen=True)
class CouncilKey:
    signer: CryptoSigner
    created: bool  # made just now


async def council_key(council: store.Council, box: store.SecretBox) -> CouncilKey:
    """The council's signing key, made and sealed the first time."""
    stored = await catalogue_store.current_key(council)
    if stored is not None:
        return CouncilKey(keys.signer_from_pem(catalogue_store.private_key(stored, box)), False)
    return CouncilKey(await rotate_key(council, box), True)


async def rotate_key(council: store.Council, box: store.SecretBox) -> CryptoSigner:
    """A new key for the council; the catalogue's operator must register its public part."""
    signer = keys.generate()
    await catalogue_store.add_key(council, box, keyid=signer.public_key.keyid,
                                  public_key=keys.public_json(signer.public_key),
                                  private_pem=keys.private_pem(signer))
    return signer


def council_values(council: store.Council) -> sharing.Council:
    return sharing.Council(council.slug, council.name, council.contact_email, council.contact_phone)


def council_settings(council: store.Council) -> dict[str, str]:
    """The settings an imported service's placeholders take from the council's own values."""
    given = {sharing.COUNCIL_NAME: council.name}
    if council.contact_email:
        given[sharing.CONTACT_EMAIL] = council.contact_email
    if council.contact_phone:
        given[sharing.CONTACT_PHONE] = council.contact_phone
    return given


def as_the_council_reads_it(upstream: dict[str, Any], council: store.Council) -> dict[str, Any]:
    """A catalogue definition as the council would read it before using it: its own name and
    contacts where the publisher's stood, and the placeholder still showing for a setting it
    has not set (so a preview says what the importer will be asked for)."""
    unset = {name: sharing.placeholder(name) for name in sharing.placeholders(upstream)}
    return sharing.fill(upstream, {**unset, **council_settings(council)})


async def publish_service(council: store.Council, box: store.SecretBox, repo: Catalogue, service_id: str,
                          change_note: str | None = None) -> Entry:
    """Share the council's latest published version of a service in the catalogue."""
    version = await store.get_latest(council, service_id)
    if version is None:
        raise Refused("not-published", f"{council.slug} has no published service {service_id}")
    key = await council_key(council, box)
    registered = repo.publishers().get(council.slug)
    if registered is None:
        raise Refused("not-a-publisher", f"{council.slug} is not a publisher in this catalogue: its operator "
                                         f"must run `borough catalogue add-publisher {council.slug} KEY`")
    if key.signer.public_key.keyid not in registered:
        raise Refused("key-not-registered", f"the catalogue does not know {council.slug}'s current key: "
                                            "its operator must register it")
    shared, settings = sharing.share(dict(version.definition), council_values(council))
    publication, entry = publishing.publish(
        repo.published_role(council.slug), repo.index(council.slug), council=council.slug,
        council_name=council.name, signer=key.signer, definition=shared, settings=settings,
        change_note=change_note if change_note is not None else (version.change_note or ""))
    repo.accept(publication)
    return entry


def settings_to_set(council: store.Council, entry: Entry) -> list[Setting]:
    """The council settings an imported service needs that the council has not set yet (its
    email sender; a payment account when the service has fees): told, not silently missing."""
    have = {sharing.EMAIL_SENDER: bool(council.email_sender_address),
            sharing.PAYMENT_ACCOUNT: bool(council.payment_provider)}
    return [setting for setting in entry.settings if setting.name in have and not have[setting.name]]


async def import_service(council: store.Council, found: Found, upstream: dict[str, Any], *,
                         values: dict[str, str] | None = None,
                         actor: store.StaffUser | None = None) -> tuple[ServiceDraft, CatalogueFork]:
    """The council's own copy of a catalogue service, as a builder draft with its upstream."""
    entry = found.entry
    given = {**council_settings(council), **(values or {})}
    try:
        definition = sharing.fill(upstream, given)
    except ValueError as error:
        raise Refused("settings-needed", str(error)) from None
    definition["publisher"] = {"id": council.slug, "name": council.name}
    definition["provenance"] = {"forkedFrom": entry.key, "publisher": entry.council}
    found_problems = report(definition)
    if found_problems.total:
        first = found_problems.shown[0]
        raise Refused("invalid", f"the filled-in service is not valid: {first.pointer or '/'}: {first.message}")
    try:
        return await catalogue_store.import_fork(
            council, definition, catalogue=found.catalogue, publisher=entry.council,
            publisher_name=found.publisher_name, upstream_service=entry.service,
            upstream_version=entry.version, address=entry.address, actor=actor)
    except store.StoreError as error:
        raise Refused(error.code, str(error)) from None


@dataclass(frozen=True)
class Update:
    """A newer upstream version of a service the council imported."""

    fork: CatalogueFork
    newer: Found


async def updates(council: store.Council, client: Client) -> list[Update]:
    """For each imported service whose upstream published a newer version (not withdrawn) in
    the catalogue it came from: the newest one, with its change note."""
    found: list[Update] = []
    for fork in await catalogue_store.forks(council):
        versions = [item for item in client.versions(f"{fork.publisher}/{fork.upstream_service}")
                    if item.catalogue == fork.catalogue and not item.entry.withdrawn]
        if versions and _semver(versions[0].entry.version) > _semver(fork.upstream_version):
            found.append(Update(fork, versions[0]))
    return found


async def unsubscribed(council: store.Council, client: Client) -> list[CatalogueFork]:
    """The council's imported services whose catalogue the installation no longer subscribes
    to: they keep working as the council's own, but their updates cannot be checked."""
    return [fork for fork in await catalogue_store.forks(council) if not client.subscribed(fork.catalogue)]


def _semver(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))
