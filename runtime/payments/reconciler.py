"""The reconciler: every so often, sync every unfinished payment attempt, so a payment whose
payer never came back (and whose webhook was lost) still completes its application."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from runtime.payments.service import Payments

log = logging.getLogger("borough.payments")


async def run(payments: Payments, *, interval: float = 60.0, stop: asyncio.Event | None = None) -> None:
    """Reconcile until `stop` is set. Syncing is idempotent, so several workers doing this at
    once (one per machine) cannot promote anything twice."""
    stop = stop or asyncio.Event()
    while not stop.is_set():
        try:
            counts = await payments.reconcile()
            if counts["moved"]:
                log.info("reconciled payments: %s", counts)
        except Exception:  # keep the loop alive: the next round retries
            log.exception("payment reconciliation failed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=interval)
