"""The catalogue's records in an installation: each council's signing keys, sealed with the
installation's SecretBox as its payment keys are, the upstream of each imported service, and
the changes other councils suggest to a council's published services.

The store does not know Ed25519 or TUF: the builder makes the key and hands in its PEM, id and
public form; the store seals the private part and gives it back only to the code that signs.
"""

from __future__ import annotations

import datetime
from collections.abc import Awaitable, Callable
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from runtime.store.drafts import Patcher, Step, apply_change, create_draft
from runtime.store.errors import StoreError
from runtime.store.models import (
    CatalogueFork,
    CatalogueKey,
    CatalogueSuggestion,
    Council,
    ServiceDraft,
    StaffUser,
)
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
                      actor: StaffUser | None, publisher_name: str = "") -> tuple[ServiceDraft, CatalogueFork]:
    """The council's new service from a catalogue: its builder draft and the record of its
    upstream (with the publisher's name as the catalogue gave it, kept for when the catalogue is
    gone), both or neither. Raises `DraftExists` when the council has the id already."""
    service_id = str(definition["id"])
    async with in_transaction():
        draft = await create_draft(council, definition, actor=actor,
                                   source=f"catalogue: {publisher}/{upstream_service}@{upstream_version}"[:200])
        try:
            fork = await CatalogueFork.create(
                council=council, service_id=service_id, catalogue=catalogue, publisher=publisher,
                publisher_name=publisher_name[:200] or None, upstream_service=upstream_service,
                upstream_version=upstream_version, address=address)
        except IntegrityError:
            raise ForkExists(f"{council.slug} already has a service called {service_id}") from None
    return draft, fork


async def get_fork(council: Council, service_id: str) -> CatalogueFork | None:
    return await CatalogueFork.filter(council_id=council.id, service_id=service_id).first()


async def forks(council: Council) -> list[CatalogueFork]:
    return await CatalogueFork.filter(council_id=council.id).order_by("service_id")


async def forks_from(catalogue: str) -> list[CatalogueFork]:
    """Every council's services imported from `catalogue` (its URL), with their councils: the
    installation's, for an operator deciding to unsubscribe from it."""
    return await CatalogueFork.filter(catalogue=catalogue).prefetch_related("council").order_by("council_id", "service_id")


async def apply_upgrade(council: Council, service_id: str, expected_version: int, step: Step, *,
                        patched: Patcher, upstream_version: str, address: str,
                        actor: StaffUser | None, publisher_name: str = "") -> ServiceDraft:
    """The merged upstream version recorded on the council's draft, and the fork moved on to
    that version (and to the publisher's name as the catalogue gives it now, if it gives one):
    both or neither."""
    moved: dict[str, Any] = {"upstream_version": upstream_version, "address": address}
    if publisher_name:
        moved["publisher_name"] = publisher_name[:200]
    async with in_transaction():
        draft = await apply_change(council, service_id, expected_version, step, actor=actor, patched=patched)
        await CatalogueFork.filter(council_id=council.id, service_id=service_id).update(**moved)
    return draft


SUGGESTION_STATES = ("open", "applied", "dismissed")


class SuggestionDecided(StoreError):
    code = "suggestion-decided"


async def add_suggestion(council: Council, *, service: str, version: str, address: str, from_council: str,
                         from_name: str, via: str, message: str, patch: list[Any]) -> CatalogueSuggestion:
    """A suggestion for the publisher `council` to read, open until its staff decide."""
    return await CatalogueSuggestion.create(council=council, service=service, version=version, address=address,
                                            from_council=from_council, from_name=from_name, via=via,
                                            message=message, patch=patch)


async def suggestions(council: Council, state: str = "open") -> list[CatalogueSuggestion]:
    """The council's suggestions in `state`, oldest first: only ever its own."""
    return await CatalogueSuggestion.filter(council_id=council.id, state=state).order_by("id")


async def get_suggestion(council: Council, suggestion_id: int) -> CatalogueSuggestion | None:
    """One of the council's suggestions; another council's is not found."""
    return await CatalogueSuggestion.filter(council_id=council.id, id=suggestion_id).first()


async def decide_suggestion(council: Council, suggestion_id: int, state: str, *, actor: StaffUser | None,
                            then: Callable[[], Awaitable[None]] | None = None) -> CatalogueSuggestion:
    """Close an open suggestion as applied or dismissed, after awaiting `then()` (the draft
    change that applies it) in the same transaction: both or neither. Raises
    `SuggestionDecided` when someone decided it meanwhile."""
    if state not in SUGGESTION_STATES[1:]:
        raise ValueError(state)
    async with in_transaction():
        changed = await CatalogueSuggestion.filter(council_id=council.id, id=suggestion_id, state="open").update(
            state=state, decided_at=datetime.datetime.now(datetime.UTC),
            decided_by_label=(actor.email if actor is not None else "")[:300])
        if not changed:
            raise SuggestionDecided("someone decided this suggestion already")
        if then is not None:
            await then()
    found = await get_suggestion(council, suggestion_id)
    assert found is not None
    return found
