"""A catalogue's sync, one at a time, its progress and result kept beside the catalogue's cache
for the staff pages to show: started from the pages in the background (`start`), or run here and
now by `borough catalogue sync` (`run`).

    CACHE/<name>/sync.json    the last sync: running, done or failed, how far it got (a
                              `SyncStep`), and its report or why it failed
    CACHE/<name>/.sync.lock   held (flock) while a sync runs, by whichever process runs it

A sync of a large catalogue takes minutes, so the request that asks for one only starts it, in a
thread of the worker that took the request, and answers at once. The lock is taken before the
thread starts, so a second "Sync now" (another click, another worker, the command line) finds it
held and starts nothing. Unsubscribing takes the lock too, so a catalogue is not forgotten
mid-sync, and a sync that takes the lock after it was forgotten starts nothing. When a process
stops mid-sync its lock goes with it: a state still "running" without the lock held is shown as
stopped.
"""

from __future__ import annotations

import contextlib
import datetime
import fcntl
import json
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from builder.catalogue.client import CatalogueError, Client, Subscription, SyncReport, SyncStep

log = logging.getLogger("borough.catalogue")

STATE = "sync.json"
LOCK = ".sync.lock"
EVERY = 0.5  # seconds between progress writes
MOST_LISTED = 500  # new versions and refused items kept in a report (a first sync adds thousands)


@dataclass
class SyncState:
    state: str  # "running", "done", "failed", or "stopped" (its worker stopped mid-sync)
    started_at: str
    finished_at: str = ""
    step: dict[str, Any] = field(default_factory=dict)  # the last SyncStep, as a dict
    publishers: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    added_count: int = 0
    fetched_count: int = 0
    refused: list[list[str]] = field(default_factory=list)  # [what, why]
    refused_count: int = 0
    error: str = ""

    @property
    def running(self) -> bool:
        return self.state == "running"


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).replace(microsecond=0).isoformat()


def _folder(client: Client, subscription: Subscription) -> Path:
    return client.cache / subscription.name


def _write(client: Client, subscription: Subscription, state: SyncState) -> None:
    folder = _folder(client, subscription)
    folder.mkdir(parents=True, exist_ok=True)
    temporary = folder / f".{STATE}.{os.getpid()}.{threading.get_ident()}.tmp"
    temporary.write_text(json.dumps(asdict(state), indent=1), encoding="utf-8")
    os.replace(temporary, folder / STATE)


def last_sync(client: Client, subscription: Subscription) -> SyncState | None:
    """The last sync started from the staff pages, None when there was none (or it cannot be
    read); "stopped" when it says running but no worker holds its lock."""
    try:
        data = json.loads((_folder(client, subscription) / STATE).read_text(encoding="utf-8"))
        state = SyncState(**data)
    except (OSError, ValueError, TypeError):
        return None
    if state.running and not _held(client, subscription):
        state.state = "stopped"
    return state


def _held(client: Client, subscription: Subscription) -> bool:
    path = _folder(client, subscription) / LOCK
    if not path.exists():
        return False
    descriptor = os.open(path, os.O_RDWR)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(descriptor)  # closing releases a lock taken here
    return False


def _lock(client: Client, subscription: Subscription) -> int | None:
    """The catalogue's sync lock, taken (a descriptor to close to release it); None when a sync
    of it holds it already (in this process or another)."""
    folder = _folder(client, subscription)
    folder.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(folder / LOCK, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(descriptor)
        return None
    return descriptor


def _still_subscribed(client: Client, subscription: Subscription, descriptor: int) -> None:
    """Refuse, the lock released, a sync of a catalogue unsubscribed from since it was looked up
    (its folder, made again by taking the lock, removed)."""
    if any(item.name == subscription.name for item in client.subscriptions()):
        return
    os.close(descriptor)
    folder = _folder(client, subscription)
    with contextlib.suppress(OSError):
        (folder / LOCK).unlink()
        folder.rmdir()
    raise CatalogueError("not-subscribed", f"this installation no longer subscribes to {subscription.url}")


def unsubscribe(client: Client, subscription: Subscription) -> None:
    """Forget `subscription` and everything synced from it (`Client.unsubscribe`), holding its
    sync lock so that no sync of it writes into the cache as it goes; CatalogueError, changing
    nothing, while a sync of it runs."""
    descriptor = _lock(client, subscription)
    if descriptor is None:
        raise CatalogueError("syncing", f"{subscription.url} is being synced: unsubscribe once the sync is done")
    try:
        client.unsubscribe(subscription)
    finally:
        os.close(descriptor)


def start(client: Client, subscription: Subscription) -> bool:
    """Start syncing `subscription` in a background thread; False, starting nothing, when a
    sync of it is already running (in this worker or another process); CatalogueError when the
    installation no longer subscribes to it."""
    descriptor = _lock(client, subscription)
    if descriptor is None:
        return False
    _still_subscribed(client, subscription, descriptor)
    try:
        state = SyncState("running", _now())
        _write(client, subscription, state)
        threading.Thread(target=_in_background, args=(client, subscription, state, descriptor), daemon=True,
                         name=f"catalogue-sync-{subscription.name}").start()
    except BaseException:
        os.close(descriptor)
        raise
    return True


def run(client: Client, subscription: Subscription,
        progress: Callable[[SyncStep], None] | None = None) -> SyncReport:
    """Sync `subscription` here and now (the command line), recorded as a sync from the pages
    is; CatalogueError when a sync of it is already running, or when the sync is refused."""
    with held_after_sync(client, subscription, progress) as report:
        return report


@contextlib.contextmanager
def held_after_sync(client: Client, subscription: Subscription,
                    progress: Callable[[SyncStep], None] | None = None) -> Iterator[SyncReport]:
    """`run`, keeping the catalogue's sync lock until the block ends, so that what the block
    reads of the cache is what this sync verified: no other sync or unsubscribe of it starts
    meanwhile (publishing to another installation reads the council's role, signs, uploads)."""
    descriptor = _lock(client, subscription)
    if descriptor is None:
        raise CatalogueError("syncing", f"{subscription.url} is being synced already (from the staff pages, "
                                        "or by another command): try again once it is done")
    _still_subscribed(client, subscription, descriptor)
    kept = os.dup(descriptor)  # the same lock (flock holds until its last descriptor is closed)
    try:
        try:
            state = SyncState("running", _now())
            _write(client, subscription, state)
        except BaseException:
            os.close(descriptor)
            raise
        yield _synced(client, subscription, state, descriptor, progress)  # closes `descriptor`
    finally:
        os.close(kept)


def _in_background(client: Client, subscription: Subscription, state: SyncState, descriptor: int) -> None:
    """A sync in its own thread: how it ended is in its state, for the status page."""
    try:
        _synced(client, subscription, state, descriptor, None)
    except CatalogueError:
        pass  # refused, and said so in its state
    except Exception:
        log.exception("catalogue sync of %s failed", subscription.url)


def _synced(client: Client, subscription: Subscription, state: SyncState, descriptor: int,
            told: Callable[[SyncStep], None] | None) -> SyncReport:
    """The sync, its progress written at most every EVERY seconds (and told to `told`), then its
    report or why it failed; the lock released last, once the result is written."""
    last = 0.0

    def progress(step: SyncStep) -> None:
        nonlocal last
        state.step = asdict(step)
        if told is not None:
            told(step)
        now = time.monotonic()
        if now - last >= EVERY:
            last = now
            with contextlib.suppress(OSError):
                _write(client, subscription, state)

    try:
        try:
            report = client.sync(subscription, progress=progress)
        except CatalogueError as refused:
            state.state, state.error = "failed", refused.message
            raise
        except Exception as failed:
            state.state, state.error = "failed", f"the sync stopped with an error: {failed}"
            raise
        _reported(state, report)
        return report
    finally:
        state.finished_at = _now()
        with contextlib.suppress(OSError):
            _write(client, subscription, state)
        os.close(descriptor)


def _reported(state: SyncState, report: SyncReport) -> None:
    state.state = "done"
    state.publishers = list(report.publishers)
    state.added, state.added_count = report.added[:MOST_LISTED], len(report.added)
    state.fetched_count = len(report.fetched)
    state.refused = [[what, why] for what, why in report.refused[:MOST_LISTED]]
    state.refused_count = len(report.refused)
