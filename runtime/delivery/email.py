"""Email delivery from the outbox: `deliver_due` sends what is due through one transport.

Transports (one small interface, `Transport`, in `email_base.py`):

- ``dev`` — the development outbox. Nothing leaves the machine: delivering marks the message
  sent (transport "dev") with one UPDATE, and it stays readable at /staff/outbox.
- ``smtp`` — any SMTP server (`email_smtp.py`), with a stable Message-ID per message.
- ``notify`` — GOV.UK Notify's REST API (`email_notify.py`), one generic template.

Guarantees. A worker claims a message with a conditional UPDATE (a lease, see
`runtime/store/outbox.py`), so several workers never send the same message at once. A message
is marked sent only after the transport accepted it, so a crash never loses one. A message
that was tried before — a failure, or a worker that died holding it — is looked up at the
transport by its idempotency key before it is sent again: with Notify (which keeps our key as
the notification's ``reference``) a crash between "accepted" and "marked sent" never sends
twice. SMTP has no such lookup: there delivery is at-least-once, and every try carries the
same Message-ID so receiving systems can drop the duplicate.

Failures are retried with exponential backoff (1 minute, doubling, at most an hour apart) for
`MAX_ATTEMPTS` tries, which spans more than a day; then, or at once for a permanent error
(Notify's 400 and 403, an SMTP 5xx refusal of the address or message), the message is dead:
staff see it, with the reason, at /staff/outbox and can send it again.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Final, Protocol

from runtime.delivery.email_base import DeliveryError, Email, Sender, Transport, stable_message_id
from runtime.delivery.email_notify import NotifyTransport
from runtime.delivery.email_settings import SMTP_TLS, TRANSPORTS, EmailSettings
from runtime.delivery.email_smtp import SmtpTransport
from runtime.delivery.retries import backoff
from runtime.store import outbox

__all__ = [
    "MAX_ATTEMPTS",
    "DeliveryError",
    "DevTransport",
    "Email",
    "NotifyTransport",
    "Sender",
    "SmtpTransport",
    "Transport",
    "deliver_due",
    "retry_delay",
    "transport_from_settings",
]

log = logging.getLogger("borough.email")

MAX_ATTEMPTS: Final = 30  # 1+2+4+…+32 minutes, then hourly: the last try is over 24 hours after the first


def retry_delay(attempts: int) -> timedelta:
    """How long to wait after the ``attempts``-th failed try: the shared schedule
    (runtime/delivery/retries.py), not stretched."""
    return backoff(attempts)


class DevTransport:
    """The development outbox: accepts everything, sends nothing. Marking the message sent is
    the whole delivery (one UPDATE), so it can neither be lost nor sent twice."""

    name = "dev"

    def __init__(self, sender: Sender | None = None) -> None:
        self.sender = sender or Sender.parse(EmailSettings().email_from)

    async def send(self, email: Email) -> str | None:
        return f"dev:{email.idempotency_key}"[:200]

    async def find(self, email: Email) -> str | None:
        return None


def email_for(claim: outbox.Claimed, default: Sender) -> Email:
    """The message as sent: the council's sender and reply-to, else the installation's."""
    address = claim.sender_address or default.address
    name = claim.sender_name or claim.council_name or default.name
    return Email(
        recipient=claim.recipient, subject=claim.subject, body=claim.body_text,
        idempotency_key=claim.idempotency_key, sender=Sender(name, address), reply_to=claim.reply_to,
        message_id=stable_message_id(claim.idempotency_key, default.domain), language=claim.language,
    )


async def deliver_due(transport: Transport, *, limit: int = 50, now: datetime | None = None) -> int:
    """Send up to ``limit`` due messages; returns how many were marked sent. Safe to run in any
    number of workers at once.

    Messages are claimed one at a time, just before each is sent, so a slow transport never
    lets a lease run out on a message still waiting its turn in this worker."""
    sent = 0
    for _ in range(limit):
        moment = now or datetime.now(UTC)
        claims = await outbox.claim_due(moment, 1)
        if not claims:
            break
        if await _deliver(transport, claims[0], now):
            sent += 1
    return sent


async def _deliver(transport: Transport, claim: outbox.Claimed, now: datetime | None) -> bool:
    email = email_for(claim, transport.sender)
    if claim.attempts > MAX_ATTEMPTS:  # only workers dying while holding it get here
        await _failed(claim, "every worker that took this message stopped before finishing", True,
                      now or datetime.now(UTC))
        return False
    try:
        found = await transport.find(email) if claim.resumed else None
        transport_id = found if found is not None else await transport.send(email)
    except DeliveryError as error:
        await _failed(claim, str(error), error.permanent, now or datetime.now(UTC))
        return False
    except Exception as error:  # a bug or an unexpected answer: retry, never lose it
        log.exception("sending outbox message %s failed unexpectedly", claim.id)
        await _failed(claim, f"{type(error).__name__}: {error}", False, now or datetime.now(UTC))
        return False
    if found is not None:
        log.info("outbox message %s was already accepted by %s (%s)", claim.id, transport.name, found)
    return await outbox.mark_sent(claim, transport.name, transport_id, now or datetime.now(UTC))


async def _failed(claim: outbox.Claimed, error: str, permanent: bool, moment: datetime) -> None:
    if permanent or claim.attempts >= MAX_ATTEMPTS:
        reason = error if permanent else f"gave up after {claim.attempts} tries: {error}"
        log.warning("outbox message %s is dead: %s", claim.id, reason)
        await outbox.mark_failed(claim, reason, moment, None)
    else:
        retry_at = moment + retry_delay(claim.attempts)
        log.info("outbox message %s failed (try %s), retrying at %s: %s", claim.id, claim.attempts,
                 retry_at.isoformat(), error)
        await outbox.mark_failed(claim, error, moment, retry_at)


class _HasEmail(Protocol):
    @property
    def email(self) -> EmailSettings: ...

    @property
    def production(self) -> bool: ...


def transport_from_settings(settings: _HasEmail | EmailSettings, *, production: bool = False) -> Transport:
    """The transport the settings name. Accepts the web app's Settings (``.email``) or an
    EmailSettings. Refuses incomplete settings with a message naming the variable."""
    if isinstance(settings, EmailSettings):
        chosen = settings
    else:
        chosen, production = settings.email, settings.production
    if chosen.transport not in TRANSPORTS:
        raise ValueError(f"BOROUGH_EMAIL_TRANSPORT must be one of {', '.join(TRANSPORTS)}, not {chosen.transport!r}")
    try:
        sender = Sender.parse(chosen.email_from)
    except ValueError:
        raise ValueError(f"BOROUGH_EMAIL_FROM is not an email address: {chosen.email_from!r}") from None
    if chosen.transport == "smtp":
        if not chosen.smtp_host:
            raise ValueError("BOROUGH_SMTP_HOST must be set for BOROUGH_EMAIL_TRANSPORT=smtp")
        if chosen.smtp_tls not in SMTP_TLS:
            raise ValueError(f"BOROUGH_SMTP_TLS must be one of {', '.join(SMTP_TLS)}, not {chosen.smtp_tls!r}")
        return SmtpTransport(chosen.smtp_host, chosen.smtp_port, username=chosen.smtp_username,
                             password=chosen.smtp_password, tls=chosen.smtp_tls, sender=sender)
    if chosen.transport == "notify":
        if not chosen.notify_api_key or not chosen.notify_template_id:
            raise ValueError("BOROUGH_NOTIFY_API_KEY and BOROUGH_NOTIFY_TEMPLATE_ID must be set "
                             "for BOROUGH_EMAIL_TRANSPORT=notify")
        return NotifyTransport(chosen.notify_api_key, chosen.notify_template_id,
                               base_url=chosen.notify_base_url, sender=sender)
    if production:
        log.warning("BOROUGH_EMAIL_TRANSPORT is dev in production: no email leaves this installation; "
                    "set it to smtp or notify")
    return DevTransport(sender)
