"""Upgrading an imported service to its upstream's newer version, by three-way merge.

The three definitions `builder.merge` takes: the upstream version the council's copy was
forked from, and the newer one, each with the council's settings filled in as on import (the
values its copy holds where a filled text is unchanged, else its current name and contacts, and
any values given again), and the council's own current service
(its draft, else its published version). What merges cleanly becomes one recorded change on
the council's draft (undoable like any other), and the fork moves on to the new version. What
collides is shown and nothing changes until someone chooses.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from builder import patch
from builder.catalogue import sharing, shipped_catalogue
from builder.catalogue.client import Client, Found
from builder.catalogue.council import council_settings, updates
from builder.catalogue.repository import Refused
from builder.merge import MergeResult, merge
from runtime import store
from runtime.store import catalogue as catalogue_store
from runtime.store import drafts
from runtime.store.models import CatalogueFork


@dataclass(frozen=True)
class Upgrade:
    result: MergeResult
    upstream: Found  # the newer version merged in
    applied: bool  # recorded on the draft (no collisions, nothing wrong)


async def upgrade(council: store.Council, client: Client, service_id: str, *,
                  values: dict[str, str] | None = None, actor: store.StaffUser | None = None) -> Upgrade:
    fork = await catalogue_store.get_fork(council, service_id)
    if fork is None:
        raise Refused("not-a-fork", f"{council.slug} did not import {service_id} from a catalogue")
    if not client.subscribed(fork.catalogue):
        raise Refused("unsubscribed", no_longer_subscribed(fork))
    newer = next((update.newer for update in await updates(council, client) if update.fork.id == fork.id), None)
    if newer is None:
        raise Refused("up-to-date", f"{service_id} is up to date with {fork.publisher}/{fork.upstream_service}"
                                    f"@{fork.upstream_version} (sync first to see newer versions)")
    old = next((item for item in client.versions(f"{fork.publisher}/{fork.upstream_service}")
                if item.catalogue == fork.catalogue and item.entry.address == fork.address), None)
    if old is None:
        raise Refused("base-missing", base_missing(fork))
    draft = await drafts.get_draft(council, service_id)
    if draft is not None:
        ours: dict[str, Any] = dict(draft.definition)
    else:
        published = await store.get_latest(council, service_id)
        if published is None:
            raise Refused("no-service", f"{council.slug} has no service {service_id}")
        ours = dict(published.definition)
    forked_from = client.definition(old)
    # The values the council's copy holds (typed on import, maybe not its settings), then any given now.
    given = {**council_settings(council), **sharing.filled_values(forked_from, ours), **(values or {})}
    base = _as_imported(forked_from, given, council, old)
    theirs = _as_imported(client.definition(newer), given, council, newer)
    if draft is None:
        draft = await drafts.create_draft(council, dict(ours), source="published", actor=actor, from_published=True)
    result = merge(base, ours, theirs)
    if not result.clean:
        return Upgrade(result, newer, False)
    applied = patch.apply_with_inverse(ours, [{"op": "replace", "path": "", "value": result.definition}])
    step = drafts.Step(operation="upgrade-from-catalogue",
                       description=f"Upgraded to {newer.entry.council}/{newer.entry.service}@{newer.entry.version}",
                       patch=[{"op": "replace", "path": "", "value": result.definition}], inverse=applied.inverse,
                       params={"catalogue": newer.catalogue, "version": newer.entry.version})
    await catalogue_store.apply_upgrade(council, service_id, draft.version, step, patched=patch.apply,
                                        upstream_version=newer.entry.version, address=newer.entry.address,
                                        actor=actor, publisher_name=newer.publisher_name)
    return Upgrade(result, newer, True)


def publisher_name(client: Client, catalogue: str, publisher: str, recorded: str | None = None) -> str:
    """A publisher as people know it: "Borough" for the built-in catalogue, else the name its
    signed index gives ("Westshire Council"); when the cache has no index for it (the catalogue
    unsubscribed from), the name `recorded` on import, else its slug."""
    if catalogue == shipped_catalogue.CATALOGUE:
        return shipped_catalogue.PUBLISHER_NAME
    for subscription, index in client.indexes():
        if subscription.url == catalogue and index.council == publisher:
            return index.name or recorded or publisher
    return recorded or publisher


def fork_publisher(client: Client, fork: CatalogueFork) -> str:
    """The publisher of the service a council imported, as people know it (`publisher_name`),
    with the name the fork recorded on import for when the cache no longer has it."""
    return publisher_name(client, fork.catalogue, fork.publisher, fork.publisher_name)


def no_longer_subscribed(fork: CatalogueFork) -> str:
    """Why a fork's updates cannot be checked once the installation unsubscribed from its
    catalogue, in words."""
    return (f"this installation no longer subscribes to {fork.catalogue}, the catalogue {fork.service_id} was "
            "imported from, so its updates cannot be checked. The service keeps working as your council's "
            "own: an installation operator can subscribe to the catalogue again to see its updates")


def base_missing(fork: CatalogueFork) -> str:
    """Why the version a fork came from cannot be read, in words: the merge needs it to tell
    the council's changes from the publisher's."""
    forked_from = f"{fork.upstream_service} {fork.upstream_version}"
    if fork.catalogue == shipped_catalogue.CATALOGUE:
        return (f"this release of Borough no longer ships {forked_from}, the version your service was "
                "copied from (it is not kept in schemas/services/earlier/), so Borough cannot tell your "
                "changes from the new version's: ask whoever installs Borough to keep that version, or "
                "use the new version as a new service and make your changes to it again")
    return (f"the copy of {forked_from}, the version your service was copied from, is missing from this "
            "installation's catalogue cache: run `borough catalogue sync` and try again")


def _as_imported(upstream: dict[str, Any], given: dict[str, str], council: store.Council,
                 found: Found) -> dict[str, Any]:
    try:
        definition = sharing.fill(upstream, given)
    except ValueError as error:
        raise Refused("settings-needed", str(error)) from None
    definition["publisher"] = {"id": council.slug, "name": council.name}
    definition["provenance"] = {"forkedFrom": found.entry.key, "publisher": found.entry.council}
    return definition
