"""A council's back-office webhook endpoints and the deliveries queued for them.

Signing secrets are sealed at rest. Deliveries are queued by the workflow, in the transaction
that changed the application (``runtime/store/workflow.py``); the queries here let any number
of workers claim, send and settle them (``runtime/delivery/webhooks.py``), and let staff see
them and send a dead one again.

Deliveries are a leased queue (``leases.py``): a delivery is claimed by one conditional update
that also counts the attempt: it succeeds only for the worker that read the row's current
``attempts`` while it was due and unclaimed, so two workers never send one delivery at once.
The outcome is recorded only while the row still carries the claimed attempt and lease: a
worker whose lease ran out cannot overwrite a later attempt.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tortoise.transactions import in_transaction

from runtime.store.leases import Lease, LeasedQueue
from runtime.store.models import Council, WebhookDelivery, WebhookEndpoint
from runtime.store.scope import owned
from runtime.store.secrets import SecretBox

EVENTS = ("submission.created", "submission.status_changed")
PENDING, RETRYING, DELIVERED, DEAD = "pending", "retrying", "delivered", "dead"
STATES = (PENDING, RETRYING, DELIVERED, DEAD)
ERROR_LIMIT = 500  # characters of an error kept on the row
REMOVED = "Not sent: the webhook was removed"


async def endpoints(council: Council) -> list[WebhookEndpoint]:
    return await owned(WebhookEndpoint, council).filter(active=True).order_by("id")


async def add_endpoint(council: Council, box: SecretBox, url: str, secret: str, events: list[str]) -> WebhookEndpoint:
    unknown = set(events) - set(EVENTS)
    if unknown:
        raise ValueError(f"unknown events: {', '.join(sorted(unknown))}")
    return await WebhookEndpoint.create(council=council, url=url, secret=box.seal(secret), events=events)


async def get_endpoint(council: Council, endpoint_id: int) -> WebhookEndpoint | None:
    return await owned(WebhookEndpoint, council).filter(active=True).get_or_none(id=endpoint_id)


async def remove_endpoint(council: Council, endpoint_id: int, *, at: datetime | None = None) -> WebhookEndpoint | None:
    """Stop sending to an endpoint: its secret is deleted and what was still to send is
    dead-lettered. The row stays (its deliveries' history points at it), inactive."""
    found = await get_endpoint(council, endpoint_id)
    if found is None:
        return None
    moment = at or _now()
    async with in_transaction() as connection:
        updated = await owned(WebhookEndpoint, council).filter(id=endpoint_id, active=True).using_db(connection).update(
            active=False, secret="")
        if updated != 1:
            return None  # removed by someone else just now
        await owned(WebhookDelivery, council).filter(endpoint_id=endpoint_id, delivered_at=None, dead_at=None).using_db(
            connection).update(dead_at=moment, claimed_until=None, last_error=REMOVED)
    return found


def endpoint_secret(endpoint: WebhookEndpoint, box: SecretBox) -> str:
    return box.open(endpoint.secret)


def endpoint_secrets(endpoint: WebhookEndpoint, box: SecretBox) -> list[str]:
    """The secrets to sign with: one, or (while replacing one) the new and the old, comma-separated."""
    return [secret for secret in (part.strip() for part in endpoint_secret(endpoint, box).split(",")) if secret]


async def rotate_secret(council: Council, box: SecretBox, endpoint_id: int, new_secret: str) -> WebhookEndpoint | None:
    """Sign with ``new_secret`` from now on, and with the newest secret before it until
    :func:`drop_old_secrets`: the sealed value becomes "new,old" (older ones are let go).
    None when the endpoint is not the council's, or another change to its secret won."""
    if not new_secret or "," in new_secret:
        raise ValueError("a signing secret is not empty and has no comma")
    found = await get_endpoint(council, endpoint_id)
    if found is None:
        return None
    kept = [new_secret, *endpoint_secrets(found, box)[:1]]
    return await _replace_secret(council, found, box.seal(",".join(kept)))


async def drop_old_secrets(council: Council, box: SecretBox, endpoint_id: int) -> WebhookEndpoint | None:
    """Stop signing with anything but the newest secret. None when the endpoint is not the
    council's, it has only one secret, or another change to its secret won."""
    found = await get_endpoint(council, endpoint_id)
    if found is None:
        return None
    current = endpoint_secrets(found, box)
    if len(current) < 2:
        return None
    return await _replace_secret(council, found, box.seal(current[0]))


async def _replace_secret(council: Council, found: WebhookEndpoint, sealed: str) -> WebhookEndpoint | None:
    # Only over the sealed value just read: of two changes at once, one wins and the other is told.
    updated = await owned(WebhookEndpoint, council).filter(id=found.id, active=True, secret=found.secret).update(
        secret=sealed)
    if updated != 1:
        return None
    return await get_endpoint(council, found.id)


# Delivery by the workers -------------------------------------------------------------------

@dataclass(frozen=True)
class Claimed:
    """A delivery one worker holds until ``lease_until``: its ``attempt`` is the number of this try."""

    delivery: WebhookDelivery
    endpoint: WebhookEndpoint
    attempt: int
    lease_until: datetime

    @property
    def held(self) -> Lease:
        return Lease(self.delivery.id, self.attempt, self.lease_until)


QUEUE = LeasedQueue(WebhookDelivery, done="delivered_at")


async def due_deliveries(moment: datetime, limit: int) -> list[tuple[int, int]]:
    """``(id, attempts)`` of deliveries due by ``moment`` and not held by a worker, oldest first."""
    rows = await QUEUE.due_rows(moment, limit, ["next_attempt_at", "id"]).values_list("id", "attempts")
    return [(int(row_id), int(attempts)) for row_id, attempts in rows]


async def claim_delivery(delivery_id: int, seen_attempts: int, moment: datetime, lease: timedelta) -> Claimed | None:
    """Take a due delivery for one attempt, or None when another worker has it (or it moved on)."""
    held = await QUEUE.claim(delivery_id, seen_attempts, moment, lease)
    if held is None:
        return None
    delivery = await WebhookDelivery.get(id=delivery_id)
    endpoint = await WebhookEndpoint.get(id=delivery.endpoint_id, council_id=delivery.council_id)
    return Claimed(delivery, endpoint, held.attempt, held.until)


async def mark_delivered(claimed: Claimed, moment: datetime, status: int) -> bool:
    return await QUEUE.succeeded(claimed.held, moment, last_status=status, last_error=None)


async def mark_failed(claimed: Claimed, status: int | None, error: str, retry_at: datetime | None,
                      moment: datetime) -> bool:
    """Record a failed attempt: try again at ``retry_at``, or (None) dead-letter it now."""
    return await QUEUE.failed(claimed.held, moment, retry_at, last_status=status, last_error=error[:ERROR_LIMIT])


# What staff see and do ---------------------------------------------------------------------

def state_of(delivery: WebhookDelivery) -> str:
    if delivery.delivered_at is not None:
        return DELIVERED
    if delivery.dead_at is not None:
        return DEAD
    return RETRYING if delivery.attempts > 0 else PENDING


async def deliveries_for(council: Council, endpoint: WebhookEndpoint, *, limit: int = 50) -> list[WebhookDelivery]:
    """An endpoint's newest deliveries first."""
    return await owned(WebhookDelivery, council).filter(endpoint_id=endpoint.id).order_by("-id").limit(limit)


async def dead_letters(council: Council, *, limit: int = 100,
                       before_id: int | None = None) -> list[WebhookDelivery]:
    """The council's dead deliveries to endpoints still in use, newest first (keyset by id)."""
    query = owned(WebhookDelivery, council).filter(dead_at__isnull=False, endpoint__active=True)
    if before_id is not None:
        query = query.filter(id__lt=before_id)
    return await query.order_by("-id").limit(limit).select_related("endpoint")


async def count_dead_letters(council: Council) -> int:
    return await owned(WebhookDelivery, council).filter(dead_at__isnull=False, endpoint__active=True).count()


async def get_delivery(council: Council, delivery_id: int) -> WebhookDelivery | None:
    return await owned(WebhookDelivery, council).filter(id=delivery_id).select_related("endpoint").first()


async def resend(council: Council, delivery_id: int, *, at: datetime | None = None) -> WebhookDelivery | None:
    """Queue a dead delivery again, with the same event id and a fresh retry budget. None
    unless it is the council's, dead, and its endpoint still in use."""
    moment = at or _now()
    live = await owned(WebhookEndpoint, council).filter(active=True).values_list("id", flat=True)
    if not await QUEUE.send_again(owned(WebhookDelivery, council).filter(endpoint_id__in=list(live)), delivery_id,
                                  moment):
        return None
    return await get_delivery(council, delivery_id)


def _now() -> datetime:
    return datetime.now(UTC)
