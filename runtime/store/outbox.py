"""The email outbox: messages are enqueued here and sent by a separate worker.

Enqueueing is idempotent on ``idempotency_key`` (for example ``"submitted:ABCD-2345"``),
so retried requests and racing workers enqueue each email once. Delivery (claiming, marking
sent or failed) is here too; the transports and the retry policy are in
``runtime/delivery/email.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from runtime.store.leases import Lease, LeasedQueue
from runtime.store.models import Council, OutboxMessage
from runtime.store.scope import owned

EMAIL = "email"
MAX_SUBJECT = 500  # OutboxMessage.subject's column


def subject_line(text: str) -> str:
    """A subject as one line that fits its column. Subjects are made from designers' and
    admins' words (a service's title, a Welsh one up to 20,000 characters, a council's name):
    a line break would be refused by every SMTP message (a header cannot hold one), and more
    than MAX_SUBJECT characters by the column. Runs of spaces and line breaks become one space;
    a longer subject is cut, ending in an ellipsis."""
    line = " ".join(text.split())
    return line if len(line) <= MAX_SUBJECT else line[: MAX_SUBJECT - 1].rstrip() + "…"


async def enqueue_email(
    council: Council | None,
    recipient: str,
    subject: str,
    body_text: str,
    idempotency_key: str,
    language: str = "en",
) -> OutboxMessage:
    """Queue an email, or return the one already queued under ``idempotency_key``.

    ``council`` is None for installation mail (for example to staff of no council yet).
    """
    existing = await OutboxMessage.get_or_none(idempotency_key=idempotency_key)
    if existing is not None:
        return existing
    try:
        # A savepoint when the caller is in a transaction, so a duplicate does not abort it.
        async with in_transaction():
            return await OutboxMessage.create(
                council=council,
                kind=EMAIL,
                recipient=recipient,
                subject=subject_line(subject),
                body_text=body_text,
                idempotency_key=idempotency_key,
                language=language,
            )
    except IntegrityError:
        existing = await OutboxMessage.get_or_none(idempotency_key=idempotency_key)
        if existing is None:
            raise
        return existing


async def list_messages(limit: int = 50) -> list[OutboxMessage]:
    """The most recent messages of the whole installation, newest first."""
    return await OutboxMessage.all().order_by("-created_at", "-id").limit(limit)


async def list_for_recipient(recipient: str) -> list[OutboxMessage]:
    """Every message to ``recipient``, newest first."""
    return await OutboxMessage.filter(recipient=recipient).order_by("-created_at", "-id")


# Delivery ------------------------------------------------------------------------------------
#
# The outbox is a leased queue (``leases.py``): a worker claims due messages with a
# conditional UPDATE (a lease), so any number of workers can run at once and none sends a
# message another is sending. Each claim counts an attempt, so a message a worker died holding
# is known to have been tried: the next worker looks for the earlier send (where the
# transport can) before sending again.

LEASE = timedelta(minutes=5)  # far longer than any send may take (transports time out at 30 s)

QUEUE = LeasedQueue(OutboxMessage, done="sent_at", scope={"kind": EMAIL})

QUEUED, RETRYING, SENT, DEAD = "queued", "retrying", "sent", "dead"


@dataclass(frozen=True)
class Claimed:
    """A message this worker holds until ``lease``, with what sending it needs."""

    id: int
    recipient: str
    subject: str
    body_text: str
    idempotency_key: str
    language: str
    attempts: int  # counting this one
    resumed: bool  # tried before, or a worker died holding it: it may have been sent already
    lease: datetime
    council_name: str | None
    sender_name: str | None
    sender_address: str | None
    reply_to: str | None

    @property
    def held(self) -> Lease:
        return Lease(self.id, self.attempts, self.lease)


async def claim_due(now: datetime, limit: int = 50, lease: timedelta = LEASE) -> list[Claimed]:
    """Claim up to ``limit`` due messages, oldest first, for this worker until ``now + lease``.

    A message is claimed only by the UPDATE that finds it still due and its attempt count
    unchanged since it was read, so of two workers racing for it exactly one wins.
    """
    candidates = await QUEUE.due_rows(now, limit, ["id"])
    councils: dict[int, Council] = {}
    ids = {m.council_id for m in candidates if m.council_id is not None}
    if ids:
        councils = {c.id: c for c in await Council.filter(id__in=ids)}
    claimed: list[Claimed] = []
    for message in candidates:
        held = await QUEUE.claim(message.id, message.attempts, now, lease)
        if held is None:
            continue  # another worker has it
        council = councils.get(message.council_id) if message.council_id is not None else None
        claimed.append(Claimed(
            id=message.id, recipient=message.recipient, subject=message.subject, body_text=message.body_text,
            idempotency_key=message.idempotency_key, language=message.language,
            attempts=held.attempt,
            resumed=message.attempts > 0 or message.claimed_until is not None or message.last_error is not None,
            lease=held.until,
            council_name=council.name if council else None,
            sender_name=council.email_sender_name if council else None,
            sender_address=council.email_sender_address if council else None,
            reply_to=council.email_reply_to if council else None,
        ))
    return claimed


async def mark_sent(claim: Claimed, transport: str, transport_id: str | None, now: datetime) -> bool:
    """Record that the transport accepted the message, even if the lease ran out meanwhile:
    it was sent. False when it was already marked."""
    return await QUEUE.mark_done(claim.id, now, transport=transport, transport_id=transport_id,
                                 next_attempt_at=None, dead_at=None)


async def mark_failed(claim: Claimed, error: str, now: datetime, retry_at: datetime | None) -> bool:
    """Record a failed try: retry at ``retry_at``, or give up (dead) when it is None.

    Only while this worker still holds the lease and the message is unsent, so a slow worker
    never overwrites what a later one recorded."""
    return await QUEUE.failed(claim.held, now, retry_at, last_error=error[:2000])


def state_of(message: OutboxMessage) -> str:
    """queued, retrying, sent or dead: what staff see."""
    if message.sent_at is not None:
        return SENT
    if message.dead_at is not None:
        return DEAD
    if message.attempts > 0 or message.last_error is not None:
        return RETRYING
    return QUEUED


# Staff pages ---------------------------------------------------------------------------------

def _scoped(council: Council | None) -> QuerySet[OutboxMessage]:
    """A council's messages; None means every message (the installation operator's view)."""
    return owned(OutboxMessage, council) if council is not None else OutboxMessage.all()


_STATES: dict[str, Q] = {
    SENT: ~Q(sent_at=None),
    DEAD: Q(sent_at=None) & ~Q(dead_at=None),
    RETRYING: Q(sent_at=None, dead_at=None) & (Q(attempts__gt=0) | ~Q(last_error=None)),
    QUEUED: Q(sent_at=None, dead_at=None, attempts=0, last_error=None),
}
STATES = tuple(_STATES)


async def page_of_messages(council: Council | None, *, limit: int = 50, before_id: int | None = None,
                           state: str | None = None) -> list[OutboxMessage]:
    """Newest first, ``limit`` at a time (keyset: ids below ``before_id``), optionally only
    those in ``state`` (one of STATES)."""
    query = _scoped(council)
    if state is not None:
        query = query.filter(_STATES[state])
    if before_id is not None:
        query = query.filter(id__lt=before_id)
    return await query.order_by("-id").limit(limit)


async def get_message(council: Council | None, message_id: int) -> OutboxMessage | None:
    return await _scoped(council).get_or_none(id=message_id)


async def send_again(council: Council | None, message_id: int, now: datetime) -> OutboxMessage | None:
    """Put a dead message back in the queue with a fresh retry budget; None when there is no
    such dead message (sent, still queued, or another council's). Its last error stays, so the
    next worker first asks the transport whether an earlier try was in fact accepted."""
    if not await QUEUE.send_again(_scoped(council), message_id, now):
        return None
    return await _scoped(council).get_or_none(id=message_id)
