"""The background worker: fires workflow timers, sends queued emails and webhooks, and
reconciles unfinished payments. Everything it does is claimed row by row in the database,
so one worker per machine, or several, never do the same thing twice, and a restart loses
nothing: the work is the rows."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from runtime import store
from runtime.delivery import email, webhooks
from runtime.delivery.email_base import Transport
from runtime.payments.service import Payments
from runtime.store import workflow

log = logging.getLogger("borough.worker")


@dataclass
class Background:
    payments: Payments
    transport: Transport
    box: store.SecretBox
    production: bool


async def deliver_once(work: Background) -> dict[str, int]:
    """One round of the quick jobs: timers, emails, webhooks. Each job's failure is logged
    and leaves the others to run."""
    counts: dict[str, int] = {}
    jobs: dict[str, Callable[[], Awaitable[int]]] = {
        "timers": lambda: workflow.fire_due_timers(work.payments.links),
        "emails": lambda: email.deliver_due(work.transport),
        "webhooks": lambda: webhooks.deliver_due(work.box, production=work.production),
    }
    for name, job in jobs.items():
        try:
            counts[name] = await job()
        except Exception:  # the next round retries; one broken job must not stop the others
            log.exception("background job %s failed", name)
            counts[name] = 0
    return counts


async def run(work: Background, *, every: float = 5.0, reconcile_every: float = 60.0,
              stop: asyncio.Event | None = None) -> None:
    """Work until ``stop`` is set: deliveries every ``every`` seconds, payment reconciliation
    every ``reconcile_every``."""
    stop = stop or asyncio.Event()
    reconciled_at = float("-inf")
    while not stop.is_set():
        counts = await deliver_once(work)
        if any(counts.values()):
            log.info("background work done: %s", counts)
        if time.monotonic() - reconciled_at >= reconcile_every:
            reconciled_at = time.monotonic()
            try:
                moved = await work.payments.reconcile()
                if moved["moved"]:
                    log.info("reconciled payments: %s", moved)
            except Exception:
                log.exception("payment reconciliation failed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=every)
