"""The catalogues an installation subscribes to, at /staff/{council}/catalogue/catalogues: each
with its URL, its pinned root keys and whose keys sign its services, and how its last sync went;
the built-in catalogue of the services Borough ships first. What `borough catalogue subscribe`
and `borough catalogue sync` do, from the staff pages.

Subscriptions are the installation's, not a council's: every council on it searches the same
catalogues, and what a subscription pins decides what they all trust. So anyone who may browse
the catalogue sees this list, and only an installation operator (`borough create-user
--operator`) subscribes or syncs, as only an operator creates councils.

Subscribing takes two steps, so trust is never implied: the URL (and, optionally, the root
metadata file the catalogue's operator handed over) is checked and its root keys are shown;
only the confirmation pins them. Without a file, the root pinned is the one the catalogue serves
at that moment (trust on first use), and the page says so. The root shown travels in the
confirmation form, so what is pinned is exactly what was shown, checked again before it is kept.

Unsubscribing is asked on a page of its own first, which says what stays: the services councils
imported from the catalogue are their own copies, in their own databases, so they keep working
and keep the record of where they came from; only their updates are no longer checked. What
goes is the subscription, its pinned root and everything synced from it. A catalogue being
synced is not unsubscribed from until the sync is done (the sync's lock).

"Sync now" starts the sync in the background (builder/catalogue/syncing.py) and shows its
progress on a page that works without JavaScript (a refresh link; htmx fetches it again every
two seconds when JavaScript runs). Screen readers are told only how the sync ended, not each
fetch: a polite live region outside the part htmx swaps stays empty until a fetch finds the
sync over, and that response fills it (htmx's out-of-band swap), with the sync's result.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import urllib.parse
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response

from builder.catalogue import shipped_catalogue, syncing
from builder.catalogue.client import (
    MAX_ROOT_BYTES,
    CatalogueError,
    Client,
    RootFile,
    Subscription,
    catalogue_name,
    read_root,
)
from builder.catalogue_pages import client
from builder.draft_requests import council_of
from runtime.staff.context import Staff, audit, page, path
from runtime.staff.forms import Errors, error, form_page
from runtime.staff.notices import redirect_with_notice
from runtime.store import catalogue as catalogue_store
from runtime.web import context as web
from runtime.web.context import ClientError

LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
MAX_URL = 300  # an audit entry's target holds 300
FIRST_USE, FROM_FILE = "first use", "file"


def short(keyid: str) -> str:
    """A key id as people compare it: its first 16 hex digits, as the CLI prints it."""
    return keyid[:16] + "…"


def when(text: str) -> str:
    """An ISO time kept by the catalogue's client, as people read it (UTC)."""
    try:
        moment = datetime.datetime.fromisoformat(text)
    except ValueError:
        return text
    return moment.astimezone(datetime.UTC).strftime("%-d %B %Y %H:%M UTC")


def checked_url(text: str) -> tuple[str, str | None]:
    """The catalogue's URL as it is kept (no trailing slash), and what is wrong with it, if
    anything: https, or http only for a catalogue on this machine (127.0.0.1, localhost)."""
    url = text.strip().rstrip("/")
    if not url:
        return url, "Enter the catalogue's URL"
    if len(url) > MAX_URL:
        return url, f"The catalogue's URL must be {MAX_URL} characters or fewer"
    try:
        parts = urllib.parse.urlsplit(url)
        host = parts.hostname or ""
        parts.port  # noqa: B018 - a port that is not a number raises here
    except ValueError:
        return url, "Enter the catalogue's URL in full, like https://catalogue.example.gov.uk/catalogue"
    if parts.scheme not in ("https", "http") or not host or parts.username is not None or parts.password is not None \
            or parts.query or parts.fragment or any(character.isspace() for character in url):
        return url, "Enter the catalogue's URL in full, like https://catalogue.example.gov.uk/catalogue"
    if parts.scheme == "http" and host not in LOCAL_HOSTS:
        return url, ("The catalogue's URL must start with https:// (http:// is only for a catalogue on this "
                     "machine, at 127.0.0.1 or localhost)")
    return url, None


def _subscription(found: Client, request: Request) -> Subscription:
    name = request.path_params["subscription"]
    held = next((item for item in found.subscriptions() if item.name == name), None)
    if held is None:
        raise ClientError(404, "page_not_found")
    return held


def _last_sync(request: Request, slug: str, found: Client, subscription: Subscription) -> dict[str, Any] | None:
    state = syncing.last_sync(found, subscription)
    if state is None:
        return None
    return {**_state(state), "href": path(request, "catalogue_sync_status", council=slug, subscription=subscription.name)}


def _state(state: syncing.SyncState) -> dict[str, Any]:
    summary = {
        "running": "Running",
        "stopped": "Stopped before it finished (the worker running it stopped): sync again",
        "failed": f"Failed: {state.error}",
        "done": (f"{len(state.publishers)} {'publisher' if len(state.publishers) == 1 else 'publishers'}, "
                 f"{state.added_count} new {'version' if state.added_count == 1 else 'versions'}, "
                 f"{state.fetched_count} {'file' if state.fetched_count == 1 else 'files'} fetched, "
                 f"{state.refused_count} refused"),
    }[state.state]
    return {"state": state.state, "running": state.running, "summary": summary,
            "started": when(state.started_at), "finished": when(state.finished_at) if state.finished_at else ""}


async def catalogues(request: Request, staff: Staff) -> Response:
    """Every catalogue the installation lists: the built-in one, then each subscription."""
    slug = council_of(staff).slug
    found = client()
    built_in = found.built_in()
    operator = staff.user.is_operator
    rows = []
    for subscription in found.subscriptions():
        rows.append({
            "name": subscription.name, "url": subscription.url,
            "root_keys": [short(keyid) for keyid in subscription.root_keyids],
            "pinned": when(subscription.pinned_at), "pinned_from": subscription.pinned_from,
            "publishers": [{"slug": council, "name": name, "keys": [short(keyid) for keyid in keyids]}
                           for council, name, keyids in found.publishers(subscription)],
            "last_sync": _last_sync(request, slug, found, subscription),
            "sync": path(request, "catalogue_sync", council=slug, subscription=subscription.name) if operator else None,
            "unsubscribe": path(request, "catalogue_unsubscribe", council=slug, subscription=subscription.name)
            if operator else None,
        })
    payload = {
        "page": {"heading": "Catalogues"},
        "built_in": {"title": shipped_catalogue.TITLE, "publisher": shipped_catalogue.PUBLISHER_NAME,
                     "services": len({entry.service for entry in built_in.index.entries}) if built_in else 0},
        "subscriptions": rows,
        "operator": operator,
        "links": {"back": path(request, "catalogue", council=slug),
                  "subscribe": path(request, "catalogue_subscribe", council=slug) if operator else None},
    }
    return page(request, "builder/catalogue/catalogues.html", payload, staff)


async def subscribe(request: Request, staff: Staff) -> Response:
    """Subscribe to a catalogue: its URL and, optionally, its root file; then its root keys
    shown, to be confirmed before they are pinned."""
    slug = council_of(staff).slug
    found = client()
    errors: Errors = []
    url = ""
    if request.method == "POST":
        form = await web.checked_form(request)
        url, wrong = checked_url(str(form.get("url") or ""))
        if form.get("confirm") == "yes":
            return await _confirmed(request, staff, found, url, wrong, form)
        upload = form.get("root")
        data: bytes | None = None
        if isinstance(upload, UploadFile) and upload.filename:
            data = await upload.read(MAX_ROOT_BYTES + 1)
            if not data:
                error(errors, "root", "The root metadata file is empty: choose the file the catalogue's operator "
                                      "sent you, or leave it out to trust the keys the catalogue serves now", "required")
            elif len(data) > MAX_ROOT_BYTES:
                error(errors, "root", f"The root metadata file must be smaller than {MAX_ROOT_BYTES // 1000} KB",
                      "maxLength")
        if wrong:
            error(errors, "url", wrong, "format")
        elif any(item.name == catalogue_name(url) for item in found.subscriptions()):
            error(errors, "url", f"Your installation already subscribes to {url}", "subscribed")
        if not errors:
            try:
                root = await run_in_threadpool(read_root, url, data)
            except CatalogueError as refused:
                field = "root" if data is not None and refused.code != "unreachable" else "url"
                error(errors, field, _said(refused, data is not None), refused.code)
            else:
                return _confirmation(request, staff, root, FIRST_USE if data is None else FROM_FILE)
    payload = {
        "page": {"heading": "Subscribe to a catalogue"},
        "url": url,
        "max_kb": MAX_ROOT_BYTES // 1000,
        "errors": errors,
        "links": {"action": path(request, "catalogue_subscribe", council=slug),
                  "back": path(request, "catalogue_subscriptions", council=slug)},
    }
    return form_page(request, "builder/catalogue/subscribe.html", payload, staff)


def _said(refused: CatalogueError, from_file: bool) -> str:
    """Why a catalogue's root was refused, as the form says it."""
    if refused.code == "unreachable":
        return f"The catalogue cannot be reached: {refused.message}. Check its URL, or try again later"
    if refused.code == "bad-root" and from_file:
        return f"The file is not the catalogue's root metadata: {refused.message}"
    if refused.code == "bad-root":
        return (f"The catalogue does not serve valid root metadata: {refused.message}. "
                "Check its URL, or ask its operator for its root file")
    return refused.message[0].upper() + refused.message[1:]


def _confirmation(request: Request, staff: Staff, root: RootFile, how: str) -> Response:
    slug = council_of(staff).slug
    payload = {
        "page": {"heading": "Check the catalogue's keys"},
        "url": root.url,
        "how": how,
        "first_use": how == FIRST_USE,
        "root": base64.b64encode(root.data).decode("ascii"),
        "root_keys": list(root.keyids),
        "root_keys_short": [short(keyid) for keyid in root.keyids],
        "version": root.version,
        "expires": when(root.expires),
        "errors": [],
        "links": {"action": path(request, "catalogue_subscribe", council=slug),
                  "back": path(request, "catalogue_subscribe", council=slug),
                  "cancel": path(request, "catalogue_subscriptions", council=slug)},
    }
    return page(request, "builder/catalogue/subscribe_confirm.html", payload, staff)


async def _confirmed(request: Request, staff: Staff, found: Client, url: str, wrong: str | None,
                     form: Any) -> Response:
    """Pin the root shown on the confirmation page, checked again, and keep the subscription."""
    slug = council_of(staff).slug
    how = form.get("how")
    try:
        data = base64.b64decode(str(form.get("root") or ""), validate=True)
    except (binascii.Error, ValueError):
        data = b""
    if wrong or how not in (FIRST_USE, FROM_FILE) or not data:
        raise ClientError(400, "bad_request")  # not a form this page sent
    try:
        subscription = await run_in_threadpool(found.subscribe, url, data, first_use=how == FIRST_USE)
    except CatalogueError as refused:
        errors: Errors = []
        error(errors, "url", _said(refused, how == FROM_FILE), refused.code)
        payload = {"page": {"heading": "Subscribe to a catalogue"}, "url": url, "max_kb": MAX_ROOT_BYTES // 1000,
                   "errors": errors,
                   "links": {"action": path(request, "catalogue_subscribe", council=slug),
                             "back": path(request, "catalogue_subscriptions", council=slug)}}
        return form_page(request, "builder/catalogue/subscribe.html", payload, staff)
    await audit(request, staff, "catalogue-subscribed", subscription.url,
                after={"root_keyids": list(subscription.root_keyids), "pinned_from": subscription.pinned_from})
    return redirect_with_notice(
        request, path(request, "catalogue_subscriptions", council=slug),
        f"Subscribed to {subscription.url}, its root keys pinned. Sync it now to list its services.")


async def sync_now(request: Request, staff: Staff) -> Response:
    """Start syncing a catalogue in the background, unless a sync of it is running already."""
    slug = council_of(staff).slug
    found = client()
    subscription = _subscription(found, request)
    await web.checked_form(request)
    status = path(request, "catalogue_sync_status", council=slug, subscription=subscription.name)
    try:
        started = syncing.start(found, subscription)
    except CatalogueError as refused:  # unsubscribed from since it was looked up
        raise ClientError(404, "page_not_found") from refused
    if not started:
        return redirect_with_notice(request, status, f"{subscription.url} is being synced already: "
                                                     "its progress is below")
    await audit(request, staff, "catalogue-sync-started", subscription.url)
    return redirect_with_notice(request, status, f"Sync of {subscription.url} started")


async def sync_status(request: Request, staff: Staff) -> Response:
    """How the catalogue's last sync (from these pages or the command line) is going, or how it went."""
    slug = council_of(staff).slug
    found = client()
    subscription = _subscription(found, request)
    state = syncing.last_sync(found, subscription)
    here = path(request, "catalogue_sync_status", council=slug, subscription=subscription.name)
    payload: dict[str, Any] = {
        "page": {"heading": f"Syncing {subscription.url}" if state and state.running else f"Sync of {subscription.url}"},
        "url": subscription.url,
        "sync": None,
        "links": {"self": here, "back": path(request, "catalogue_subscriptions", council=slug),
                  "sync": path(request, "catalogue_sync", council=slug, subscription=subscription.name),
                  "search": path(request, "catalogue", council=slug)},
    }
    polled = request.headers.get("hx-request") == "true" and request.headers.get("hx-target") == "sync-progress"
    if state is not None and not state.running and polled:  # it ended since the page was loaded
        payload["announce"] = {
            "done": f"The sync has finished: {_state(state)['summary']}.",
            "failed": f"The sync failed: {state.error}.",
            "stopped": "The sync stopped before it finished: sync again.",
        }[state.state]
    if state is not None:
        step = state.step
        payload["sync"] = {
            **_state(state),
            "publishers_done": step.get("publishers_done", 0), "publishers_total": step.get("publishers", 0),
            "targets_done": step.get("targets_done", 0), "targets_total": step.get("targets", 0),
            "what": step.get("what", ""),
            "publishers": state.publishers, "added": state.added, "added_count": state.added_count,
            "fetched_count": state.fetched_count,
            "refused": [{"what": what, "why": why} for what, why in state.refused],
            "refused_count": state.refused_count, "error": state.error,
        }
    return page(request, "builder/catalogue/sync.html", payload, staff)


async def unsubscribe(request: Request, staff: Staff) -> Response:
    """GET: what unsubscribing from a catalogue does, asked first. POST: forget it and what was
    synced from it, unless a sync of it is running."""
    slug = council_of(staff).slug
    found = client()
    subscription = _subscription(found, request)
    errors: Errors = []
    forks = await catalogue_store.forks_from(subscription.url)
    if request.method == "POST":
        await web.checked_form(request)
        try:
            await run_in_threadpool(syncing.unsubscribe, found, subscription)
        except CatalogueError as refused:
            if refused.code != "syncing":
                raise
            error(errors, "unsubscribe", f"{subscription.url} is being synced: you can unsubscribe once the "
                                         "sync is done", refused.code)
        else:
            await audit(request, staff, "catalogue-unsubscribed", subscription.url,
                        before={"root_keyids": list(subscription.root_keyids),
                                "pinned_from": subscription.pinned_from},
                        after={"imported_services": len(forks)})
            kept = ("" if not forks else " The service imported from it keeps working as its council's own."
                    if len(forks) == 1 else f" The {len(forks)} services imported from it keep working as "
                    "their councils' own.")
            return redirect_with_notice(request, path(request, "catalogue_subscriptions", council=slug),
                                        f"Unsubscribed from {subscription.url}: its services are no longer "
                                        f"listed in the catalogue.{kept}")
    councils: dict[str, list[str]] = {}
    for fork in forks:
        councils.setdefault(fork.council.name, []).append(fork.service_id)
    payload = {
        "page": {"heading": f"Unsubscribe from {subscription.url}?"},
        "url": subscription.url,
        "imported": [{"council": name, "services": services} for name, services in councils.items()],
        "imported_count": len(forks),
        "errors": errors,
        "links": {"action": path(request, "catalogue_unsubscribe", council=slug, subscription=subscription.name),
                  "back": path(request, "catalogue_subscriptions", council=slug),
                  "sync": path(request, "catalogue_sync_status", council=slug, subscription=subscription.name)},
    }
    return form_page(request, "builder/catalogue/unsubscribe.html", payload, staff)
