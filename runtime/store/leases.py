"""Work queues kept in a table: rows that any number of workers claim with a lease, try, and
settle as done, to be retried at a time the caller chose, or dead for staff to send again.

The email outbox (``outbox.py``) and webhook deliveries (``webhooks.py``) are two such queues.
A queue's table has ``attempts``, ``next_attempt_at``, ``claimed_until`` and ``dead_at``
columns, and one column set once the work is done (``sent_at``, ``delivered_at``).

A row is due while it is neither done nor dead, its next attempt is not in the future and no
lease on it is still running (a lease is held until, not including, ``claimed_until``).

Claiming is one conditional UPDATE that also counts the attempt: it changes the row only if
it is still due and its ``attempts`` is still the number the worker read. Of two workers
racing for a row exactly one wins, on both backends and without ``SELECT … FOR UPDATE``
(which SQLite lacks): PostgreSQL makes the second UPDATE wait for the first and re-check its
WHERE against the row the first committed, where ``attempts`` has moved on; SQLite lets one
writer in at a time. A worker whose lease ran out cannot overwrite what a later claim
recorded, because an outcome is recorded only while the row still carries this lease's
attempt number and end.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Generic, TypeVar

from tortoise.expressions import Q
from tortoise.models import Model
from tortoise.queryset import QuerySet

RowT = TypeVar("RowT", bound=Model)


@dataclass(frozen=True)
class Lease:
    """One worker's hold on one row for one attempt: ``attempt`` counts this one, and the hold
    runs out at ``until``."""

    row_id: int
    attempt: int
    until: datetime


@dataclass(frozen=True, eq=False)
class LeasedQueue(Generic[RowT]):
    """The rows of ``model`` (those matching ``scope``) worked through as one queue, with
    ``done`` the column set when a row's work is done."""

    model: type[RowT]
    done: str
    scope: dict[str, Any] = field(default_factory=dict)

    def open(self) -> Q:
        """Rows still to do: neither done nor dead."""
        still: dict[str, Any] = {self.done: None, "dead_at": None}
        return Q(**still)

    def due(self, moment: datetime) -> Q:
        """Open rows whose next attempt is due by ``moment`` and that no lease holds."""
        due = (
            self.open()
            & (Q(next_attempt_at=None) | Q(next_attempt_at__lte=moment))
            & (Q(claimed_until=None) | Q(claimed_until__lte=moment))
        )
        return due & Q(**self.scope) if self.scope else due

    def due_rows(self, moment: datetime, limit: int, order: Sequence[str]) -> QuerySet[RowT]:
        """Up to ``limit`` rows due by ``moment``, in ``order`` (not yet claimed: see ``claim``)."""
        return self.model.filter(self.due(moment)).order_by(*order).limit(limit)

    async def claim(self, row_id: int, seen_attempts: int, moment: datetime, lease: timedelta) -> Lease | None:
        """Hold a due row until ``moment + lease`` for one more attempt, or None when another
        worker took it first (or it moved on since ``seen_attempts`` was read)."""
        until = moment + lease
        won = await self.model.filter(self.due(moment), id=row_id, attempts=seen_attempts).update(
            attempts=seen_attempts + 1, claimed_until=until)
        return Lease(row_id, seen_attempts + 1, until) if won == 1 else None

    async def succeeded(self, lease: Lease, moment: datetime, **record: object) -> bool:
        """Mark the row done by this attempt (with ``record`` besides); False when the lease
        was lost: the row is another attempt's now, or settled."""
        return await self._settle(lease, **{self.done: moment}, **record)

    async def failed(self, lease: Lease, moment: datetime, retry_at: datetime | None, **record: object) -> bool:
        """Record a failed attempt (``record``: what went wrong): try again at ``retry_at``, or
        give up now (dead) when it is None. False when the lease was lost."""
        if retry_at is None:
            return await self._settle(lease, dead_at=moment, **record)
        return await self._settle(lease, next_attempt_at=retry_at, **record)

    async def mark_done(self, row_id: int, moment: datetime, **record: object) -> bool:
        """Mark the row done whoever holds it now, even dead: for work known to have been
        done although the lease may have run out (a transport accepted the message). False
        when it was done already."""
        done = await self.model.filter(id=row_id, **{self.done: None}).update(
            **{self.done: moment}, claimed_until=None, **record)
        return done == 1

    async def send_again(self, rows: QuerySet[RowT], row_id: int, moment: datetime) -> bool:
        """Put a dead row among ``rows`` back in the queue, due at ``moment``, with a fresh
        attempt budget; False when there is no such dead row."""
        done = await rows.filter(id=row_id, dead_at__isnull=False, **{self.done: None}).update(
            dead_at=None, attempts=0, next_attempt_at=moment, claimed_until=None)
        return done == 1

    async def _settle(self, lease: Lease, **changes: object) -> bool:
        held = await self.model.filter(self.open(), id=lease.row_id, attempts=lease.attempt,
                                       claimed_until=lease.until).update(claimed_until=None, **changes)
        return held == 1
