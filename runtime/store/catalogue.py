"""The catalogue's records in an installation: each council's signing keys, sealed with the
installation's SecretBox as its payment keys are, and the upstream of each imported service.

The store does not know Ed25519 or TUF: the builder makes the key and hands in its PEM, id and
public form; the store seals the private part and gives it back only to the code that signs.
"""

from __future__ import annotations

import datetime
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from runtime.store.drafts import Patcher, Step, apply_change, create_draft
from runtime.store.errors import StoreError
from runtime.store.models import CatalogueFork, CatalogueKey, Council, ServiceDraft, StaffUser
from runtime.store.secrets import SecretBox


class ForkExists(StoreError):
    code = "fork-exists"


async def current_key(council: Council) -> CatalogueKey | None:
    """The council's key in use, or None before it first publishes."""
    return await CatalogueKey.filter(council_id=council.id, retired_at=None).order_by("-id").first()


async def add_key(council: Council, box: SecretBox, *, keyid: str, public_key: str, private_pem: str) -> CatalogueKey:
    """Store a new key as the council's current one, retiring the one before (a rotation)."""
    async with in_transaction():
        await CatalogueKey.filter(council_id=council.id, retired_at=None).update(
            retired_at=datetime.datetime.now(datetime.UTC))
        return await CatalogueKey.create(council=council, keyid=keyid, public_key=public_key,
                                         sealed_private_key=box.seal(private_pem))


def private_key(key: CatalogueKey, box: SecretBox) -> str:
    """The PEM of a council's key, for signing only: never shown, logged or sent anywhere."""
    return box.open(key.sealed_private_key)


async def import_fork(council: Council, definition: dict[str, Any], *, catalogue: str, publisher: str,
                      upstream_service: str, upstream_version: str, address: str,
                      actor: StaffUser | None) -> tuple[ServiceDraft, CatalogueFork]:
    """The council's new service from a catalogue: its builder draft and the record of its
    upstream, both or neither. Raises `DraftExists` when the council has the id already."""
    service_id = str(definition["id"])
    async with in_transaction():
        draft = await create_draft(council, definition, actor=actor,
                                   source=f"catalogue: {publisher}/{upstream_service}@{upstream_version}"[:200])
        try:
            fork = await CatalogueFork.create(
                council=council, service_id=service_id, catalogue=catalogue, publisher=publisher,
                upstream_service=upstream_service, upstream_version=upstream_version, address=address)
        except IntegrityError:
            raise ForkExists(f"{council.slug} already has a service called {service_id}") from None
    return draft, fork


async def get_fork(council: Council, service_id: str) -> CatalogueFork | None:
    return await CatalogueFork.filter(council_id=council.id, service_id=service_id).first()


async def forks(council: Council) -> list[CatalogueFork]:
    return await CatalogueFork.filter(council_id=council.id).order_by("service_id")


async def apply_upgrade(council: Council, service_id: str, expected_version: int, step: Step, *,
                        patched: Patcher, upstream_version: str, address: str,
                        actor: StaffUser | None) -> ServiceDraft:
    """The merged upstream version recorded on the council's draft, and the fork moved on to
    that version: both or neither."""
    async with in_transaction():
        draft = await apply_change(council, service_id, expected_version, step, actor=actor, patched=patched)
        await CatalogueFork.filter(council_id=council.id, service_id=service_id).update(
            upstream_version=upstream_version, address=address)
    return draft
