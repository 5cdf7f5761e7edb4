"""`borough catalogue`: host a catalogue, publish a council's services to it, subscribe to
catalogues and unsubscribe, sync, search, show and import. Each command prints what it did; a
refusal is one line on stderr and exit status 1.

Where things are: a hosted catalogue in `--catalogue DIR` (else BOROUGH_CATALOGUE_DIR, else
var/catalogue); the installation's subscriptions and their verified cache in
BOROUGH_CATALOGUE_CACHE (else var/catalogues). Search, show, import, updates and upgrade also see
the built-in catalogue of the services Borough ships, as the staff pages do, so a new
installation can import one before it subscribes to anything.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from borough.catalogue_progress import SyncProgress
from builder.catalogue import syncing
from builder.catalogue.client import CatalogueError, Client, Found, default_cache
from builder.catalogue.keys import BadKey, public_json, public_key
from builder.catalogue.repository import Refused, Repository
from runtime import store
from runtime.settings import ROOT, Settings


def catalogue_dir(given: Path | None = None) -> Path:
    return given or Path(os.environ.get("BOROUGH_CATALOGUE_DIR") or ROOT / "var" / "catalogue")


def cache_dir() -> Path:
    return default_cache()


def client() -> Client:
    """The catalogues this installation knows: the built-in one of the services this release
    ships (builder/shipped.py, read when called), and those subscribed to, as synced."""
    from builder import shipped

    return Client(cache_dir(), shipped=shipped.SERVICES_DIR)


def add_commands(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    catalogue = commands.add_parser("catalogue", help="the shared catalogue: host, publish, subscribe, sync, search, import",
                                    description="The shared catalogue of council services (docs/catalogue.md).")
    actions = catalogue.add_subparsers(dest="action", metavar="ACTION", required=True)

    def where(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--catalogue", type=Path, metavar="DIR",
                            help="the catalogue's folder (default: BOROUGH_CATALOGUE_DIR, else var/catalogue)")

    init = actions.add_parser("init", help="create a catalogue: TUF metadata and the operator's keys")
    init.add_argument("dir", type=Path, metavar="DIR")
    init.set_defaults(run=_init)

    add = actions.add_parser("add-publisher", help="let a council publish: register its public key")
    add.add_argument("council", metavar="COUNCIL", help="the council's slug")
    add.add_argument("key", metavar="PUBKEY", help="the key line `publisher-key` printed, 64 hex digits, or a file holding either")
    add.add_argument("--replace", action="store_true",
                     help="the council is a publisher already: revoke its key and register this one")
    where(add)
    add.set_defaults(run=_add_publisher)

    revoke = actions.add_parser("revoke-key", help="revoke a publisher's lost or leaked key, registering none")
    revoke.add_argument("council", metavar="COUNCIL")
    where(revoke)
    revoke.set_defaults(run=_revoke)

    resign = actions.add_parser("resign", help="sign a council's published services again with its current key")
    resign.add_argument("--council", required=True, metavar="SLUG")
    where(resign)
    resign.set_defaults(run=_resign)

    refresh = actions.add_parser("refresh", help="sign the snapshot and timestamp again (daily, from cron)")
    where(refresh)
    refresh.set_defaults(run=_refresh)

    serve = actions.add_parser("serve", help="serve a catalogue on its own, at URL/catalogue (no database needed)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8100)
    where(serve)
    serve.set_defaults(run=_serve)

    key = actions.add_parser("publisher-key", help="print a council's public signing key (made the first time)")
    key.add_argument("--council", required=True, metavar="SLUG")
    key.add_argument("--rotate", action="store_true", help="make a new key; the operator must register it")
    key.set_defaults(run=_publisher_key)

    publish = actions.add_parser("publish", help="publish a council's latest published version of a service")
    publish.add_argument("service", metavar="SERVICE")
    publish.add_argument("--council", required=True, metavar="SLUG")
    publish.add_argument("--note", help="the change note (default: the one it was published with)")
    publish.add_argument("--to", metavar="URL", help="a catalogue another installation hosts (subscribed to), "
                                                     "instead of a folder on this machine")
    where(publish)
    publish.set_defaults(run=_publish)

    withdraw = actions.add_parser("withdraw", help="mark a published version withdrawn, with a reason")
    withdraw.add_argument("service", metavar="SERVICE@VERSION")
    withdraw.add_argument("--council", required=True, metavar="SLUG")
    withdraw.add_argument("--reason", required=True)
    where(withdraw)
    withdraw.set_defaults(run=_withdraw)

    subscribe = actions.add_parser("subscribe", help="subscribe to a catalogue, pinning its root keys")
    subscribe.add_argument("url", metavar="URL", help="the catalogue's URL (it serves URL/metadata/ and URL/targets/)")
    subscribe.add_argument("--root", type=Path, metavar="FILE", help="the catalogue's root metadata, from its operator")
    subscribe.set_defaults(run=_subscribe)

    unsubscribe = actions.add_parser("unsubscribe", help="forget a catalogue and what was synced from it")
    unsubscribe.add_argument("catalogue", metavar="URL", help="the catalogue's URL, or its name as the staff pages show it")
    unsubscribe.set_defaults(run=_unsubscribe)

    sync = actions.add_parser("sync", help="fetch and verify what changed in the catalogues subscribed to")
    sync.set_defaults(run=_sync)

    search = actions.add_parser("search", help="find services by words, LGSL code, tag or council")
    search.add_argument("words", nargs="*", metavar="WORDS")
    search.add_argument("--tag")
    search.add_argument("--publisher", metavar="COUNCIL")
    search.add_argument("--language", choices=["en", "cy"])
    search.add_argument("--lgsl", type=int, metavar="CODE")
    paid = search.add_mutually_exclusive_group()
    paid.add_argument("--fee", dest="fee", action="store_const", const=True, help="only services with a fee")
    paid.add_argument("--no-fee", dest="fee", action="store_const", const=False, help="only free services")
    search.set_defaults(run=_search)

    show = actions.add_parser("show", help="a service's versions, settings and notes")
    show.add_argument("service", metavar="SERVICE", help="its id, or COUNCIL/ID")
    show.set_defaults(run=_show)

    updates = actions.add_parser("updates", help="a council's imported services whose upstream has a newer version")
    updates.add_argument("--council", required=True, metavar="SLUG")
    updates.set_defaults(run=_updates)

    upgrade = actions.add_parser("upgrade", help="merge an imported service's newer upstream version into the council's draft")
    upgrade.add_argument("service", metavar="SERVICE", help="the council's service id")
    upgrade.add_argument("--council", required=True, metavar="SLUG")
    upgrade.add_argument("--set", action="append", default=[], metavar="NAME=VALUE", help="a setting's value")
    upgrade.set_defaults(run=_upgrade)

    use = actions.add_parser("import", help="import a service into a council as a builder draft")
    use.add_argument("service", metavar="SERVICE[@VERSION]", help="its id or COUNCIL/ID, optionally @VERSION")
    use.add_argument("--council", required=True, metavar="SLUG")
    use.add_argument("--set", action="append", default=[], metavar="NAME=VALUE", help="a setting's value")
    use.set_defaults(run=_import)


def refusing(run: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    def guarded(args: argparse.Namespace) -> int:
        try:
            return run(args)
        except (Refused, CatalogueError) as error:
            print(f"borough: {error.message}", file=sys.stderr)
        except (BadKey, store.StoreError, OSError) as error:
            print(f"borough: {error}", file=sys.stderr)
        return 1
    return guarded


@refusing
def _init(args: argparse.Namespace) -> int:
    repo = Repository.init(args.dir)
    print(f"borough: created a catalogue in {args.dir}")
    print(f"borough: the operator's keys are in {repo.keys_dir} (readable by you only): keep them safe")
    print(f"borough: serve {repo.public_dir} as the catalogue's URL (URL/metadata/, URL/targets/)")
    print(f"borough: installations pin its root: {repo.metadata_dir / '1.root.json'}")
    return 0


@refusing
def _add_publisher(args: argparse.Namespace) -> int:
    repo = Repository.open(catalogue_dir(args.catalogue))
    text = args.key
    if not text.lstrip().startswith("{") and Path(text).is_file():
        text = Path(text).read_text(encoding="utf-8")
    key = public_key(text)
    if args.replace:
        repo.replace_publisher_key(args.council, key)
        print(f"borough: revoked {args.council}'s old key; it publishes with key {key.keyid[:16]}… "
              f"and must sign its services again (`borough catalogue resign --council {args.council}`)")
        return 0
    repo.add_publisher(args.council, key)
    print(f"borough: {args.council} may now publish to {repo.path} with key {key.keyid[:16]}…")
    return 0


@refusing
def _revoke(args: argparse.Namespace) -> int:
    repo = Repository.open(catalogue_dir(args.catalogue))
    repo.replace_publisher_key(args.council, None)
    print(f"borough: revoked {args.council}'s key: installations refuse its services until a new key is "
          f"registered (`add-publisher {args.council} KEY --replace`) and the council signs them again")
    return 0


@refusing
def _resign(args: argparse.Namespace) -> int:
    from builder.catalogue import council as catalogue_council
    from builder.catalogue import publishing

    repo = Repository.open(catalogue_dir(args.catalogue))

    async def work(council: store.Council, box: store.SecretBox) -> int:
        key = await catalogue_council.council_key(council, box)
        repo.accept(publishing.resign(repo.published_role(council.slug), repo.index(council.slug),
                                      council=council.slug, signer=key.signer))
        print(f"borough: signed {council.slug}'s published services again with key {key.signer.public_key.keyid[:16]}…")
        return 0

    return _with_council(args.council, work)


@refusing
def _refresh(args: argparse.Namespace) -> int:
    repo = Repository.open(catalogue_dir(args.catalogue))
    version = repo.refresh()
    print(f"borough: signed timestamp version {version} of {repo.path}")
    return 0


@refusing
def _serve(args: argparse.Namespace) -> int:
    import uvicorn
    from starlette.applications import Starlette

    from borough.app import catalogue_routes

    repo = Repository.open(catalogue_dir(args.catalogue))
    print(f"borough: serving the catalogue in {repo.path} at http://{args.host}:{args.port}/catalogue")
    uvicorn.run(Starlette(routes=catalogue_routes(repo.path)), host=args.host, port=args.port, log_level="info")
    return 0


def _with_council(slug: str, work: Callable[[store.Council, store.SecretBox], Awaitable[int]]) -> int:
    settings = Settings.from_environment()

    async def run() -> int:
        await store.connect(settings.database_url)
        try:
            council = await store.get_council(slug)
            if council is None:
                raise Refused("no-council", f"there is no council {slug}")
            return await work(council, store.SecretBox(settings.secret_key))
        finally:
            await store.disconnect()

    return asyncio.run(run())


@refusing
def _publisher_key(args: argparse.Namespace) -> int:
    from builder.catalogue import council as catalogue_council

    async def work(council: store.Council, box: store.SecretBox) -> int:
        if args.rotate:
            signer = await catalogue_council.rotate_key(council, box)
            print(f"borough: made a new signing key for {council.slug}; the old one is retired", file=sys.stderr)
        else:
            key = await catalogue_council.council_key(council, box)
            signer = key.signer
            if key.created:
                print(f"borough: made a signing key for {council.slug}, sealed in the database", file=sys.stderr)
        print(public_json(signer.public_key))
        return 0

    return _with_council(args.council, work)


@refusing
def _publish(args: argparse.Namespace) -> int:
    from builder.catalogue import council as catalogue_council
    from builder.catalogue.hosting import RemoteCatalogue

    def publishing_to(repo: catalogue_council.Catalogue) -> int:
        async def work(council: store.Council, box: store.SecretBox) -> int:
            entry = await catalogue_council.publish_service(council, box, repo, args.service, args.note)
            print(f"borough: published {council.slug}/{entry.key} to {repo.path} as {entry.address}")
            for setting in entry.settings:
                print(f"borough: left out as a setting: {setting.name} ({setting.description})")
            return 0

        return _with_council(args.council, work)

    if args.to:  # synced, and no other sync of it until the publication is uploaded
        with RemoteCatalogue.held(Client(cache_dir()), args.to) as remote:
            return publishing_to(remote)
    return publishing_to(Repository.open(catalogue_dir(args.catalogue)))


@refusing
def _withdraw(args: argparse.Namespace) -> int:
    from builder.catalogue import council as catalogue_council
    from builder.catalogue import publishing

    service, _, version = args.service.partition("@")
    if not version:
        raise Refused("no-version", "name the version to withdraw: SERVICE@VERSION")
    repo = Repository.open(catalogue_dir(args.catalogue))

    async def work(council: store.Council, box: store.SecretBox) -> int:
        key = await catalogue_council.council_key(council, box)
        repo.accept(publishing.withdraw(repo.published_role(council.slug), repo.index(council.slug),
                                        council=council.slug, signer=key.signer, service=service,
                                        version=version, reason=args.reason))
        print(f"borough: withdrew {council.slug}/{service}@{version}: {args.reason}")
        return 0

    return _with_council(args.council, work)


@refusing
def _subscribe(args: argparse.Namespace) -> int:
    root = args.root.read_bytes() if args.root else None
    subscription = Client(cache_dir()).subscribe(args.url, root)
    how = f"from {args.root}" if args.root else "as it serves it now (trust on first use)"
    print(f"borough: subscribed to {subscription.url}, its root pinned {how}")
    print(f"borough: root keys: {', '.join(keyid[:16] + '…' for keyid in subscription.root_keyids)}")
    return 0


@refusing
def _unsubscribe(args: argparse.Namespace) -> int:
    known = Client(cache_dir())
    wanted = args.catalogue.rstrip("/")
    subscription = next((item for item in known.subscriptions() if wanted in (item.url, item.name)), None)
    if subscription is None:
        raise CatalogueError("not-subscribed", f"this installation does not subscribe to {args.catalogue}")
    syncing.unsubscribe(known, subscription)  # refused while a sync of it runs
    print(f"borough: unsubscribed from {subscription.url}: its pinned root and what was synced from it are removed")
    print("borough: services councils imported from it keep working as their own; their updates are no longer checked")
    return 0


@refusing
def _sync(args: argparse.Namespace) -> int:
    synced = Client(cache_dir())
    subscriptions = synced.subscriptions()
    if not subscriptions:
        raise CatalogueError("no-subscriptions", "no catalogues subscribed to: run `borough catalogue subscribe URL`")
    refused = 0
    for subscription in subscriptions:
        progress = SyncProgress(sys.stderr)
        try:
            report = syncing.run(synced, subscription, progress=progress)  # one at a time, shown on the staff pages
        finally:
            progress.done()
        print(f"borough: {subscription.url}: {len(report.publishers)} publishers, {len(report.added)} new "
              f"versions, {len(report.fetched)} files fetched")
        for what, why in report.refused:
            print(f"borough: refused {what}: {why}", file=sys.stderr)
        refused += len(report.refused)
    return 1 if refused else 0


def _catalogue_title(found: Found) -> str:
    from builder.catalogue import shipped_catalogue

    return shipped_catalogue.TITLE if found.catalogue == shipped_catalogue.CATALOGUE else found.catalogue


def _line(found: Found) -> str:
    entry = found.entry
    extra = f" (LGSL {entry.lgsl})" if entry.lgsl else ""
    return f"{entry.council}/{entry.service}@{entry.version}  {entry.title}{extra}"


@refusing
def _search(args: argparse.Namespace) -> int:
    found = client().search(" ".join(args.words), tag=args.tag, council=args.publisher,
                                       language=args.language, lgsl=args.lgsl, fee=args.fee)
    for item in found:
        print(_line(item))
    print(f"borough: {len(found)} service{'s' if len(found) != 1 else ''} found", file=sys.stderr)
    return 0


@refusing
def _show(args: argparse.Namespace) -> int:
    versions = client().versions(args.service)
    if not versions:
        raise CatalogueError("not-found", f"no service {args.service} in the catalogues subscribed to")
    latest = versions[0].entry
    print(f"{latest.title}\n{latest.summary}\n")
    print(f"publisher: {latest.council}    catalogue: {_catalogue_title(versions[0])}")
    print(f"LGSL: {latest.lgsl or '-'}    tags: {', '.join(latest.tags) or '-'}    "
          f"languages: {', '.join(latest.languages)}    licence: {latest.licence}    fee: {'yes' if latest.fee else 'no'}")
    if latest.settings:
        print("settings an importing council fills in:")
        for setting in latest.settings:
            print(f"  {setting.name}: {setting.description}")
    print("versions:")
    for found in versions:
        entry = found.entry
        state = f"  WITHDRAWN: {entry.withdrawn_reason}" if entry.withdrawn else ""
        print(f"  {entry.version}  {entry.published_at[:10]}  {entry.change_note or '-'}{state}")
        print(f"         {entry.address}")
    return 0


@refusing
def _import(args: argparse.Namespace) -> int:
    from builder.catalogue import council as catalogue_council

    name, _, version = args.service.partition("@")
    known = client()
    versions = [found for found in known.versions(name) if not found.entry.withdrawn or version]
    chosen = next((found for found in versions if not version or found.entry.version == version), None)
    if chosen is None:
        raise CatalogueError("not-found", f"no service {args.service} in the catalogues subscribed to")
    councils = {found.entry.council for found in versions}
    if len(councils) > 1 and "/" not in name:
        raise CatalogueError("ambiguous", f"{name} is published by {', '.join(sorted(councils))}: say COUNCIL/{name}")
    values: dict[str, Any] = dict(item.partition("=")[::2] for item in args.set)
    definition = known.definition(chosen)

    async def work(council: store.Council, box: store.SecretBox) -> int:
        draft, fork = await catalogue_council.import_service(council, chosen, definition, values=values)
        print(f"borough: {council.slug} now has a draft of {draft.service_id}, forked from "
              f"{fork.publisher}/{fork.upstream_service}@{fork.upstream_version}: open it in the builder")
        for setting in catalogue_council.settings_to_set(council, chosen.entry):
            print(f"borough: before residents use it, set the council's {setting.name}: {setting.description}")
        return 0

    return _with_council(args.council, work)


@refusing
def _updates(args: argparse.Namespace) -> int:
    from builder.catalogue import council as catalogue_council
    from builder.catalogue.upgrade import publisher_name

    known = client()

    async def work(council: store.Council, box: store.SecretBox) -> int:
        found = await catalogue_council.updates(council, known)
        for update in found:
            entry = update.newer.entry
            named = publisher_name(known, update.newer.catalogue, entry.council)
            print(f"{update.fork.service_id}: {update.fork.upstream_version} -> {entry.version} "
                  f"from {named} ({entry.change_note or 'no change note'})")
        for fork in await catalogue_council.unsubscribed(council, known):
            print(f"{fork.service_id}: from {fork.catalogue}, no longer subscribed to: its updates cannot be checked")
        print(f"borough: {len(found)} update{'s' if len(found) != 1 else ''} available for {council.slug} "
              "(run `borough catalogue sync` first to see the newest)", file=sys.stderr)
        return 0

    return _with_council(args.council, work)


@refusing
def _upgrade(args: argparse.Namespace) -> int:
    from builder.catalogue.upgrade import publisher_name, upgrade

    known = client()
    values: dict[str, Any] = dict(item.partition("=")[::2] for item in args.set)

    async def work(council: store.Council, box: store.SecretBox) -> int:
        done = await upgrade(council, known, args.service, values=values)
        entry = done.upstream.entry
        named = publisher_name(known, done.upstream.catalogue, entry.council)
        for line in done.result.applied:
            print(f"  {line}")
        for note in done.result.notes:
            print(f"  note: {note}")
        if done.applied:
            print(f"borough: {council.slug}'s draft of {args.service} now has {entry.council}/{entry.service}"
                  f"@{entry.version}: preview it and publish it in the builder")
            return 0
        for collision in done.result.collisions:
            print(f"  {collision.words}")
            print(f"      yours: {collision.said.get('ours', collision.ours)}")
            print(f"      {named}'s: {collision.said.get('theirs', collision.theirs)}")
        for problem in done.result.problems:
            print(f"  problem: {problem.pointer or '/'}: {problem.message}")
        count = len(done.result.collisions)
        print(f"borough: {count} collision{'s' if count != 1 else ''} need a choice; nothing was changed",
              file=sys.stderr)
        return 1

    return _with_council(args.council, work)
