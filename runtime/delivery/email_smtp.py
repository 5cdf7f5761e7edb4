"""SMTP behind the transport interface, with aiosmtplib.

TLS: ``ssl`` (implicit TLS, usually port 465), ``starttls`` (upgrade a plain connection, usually
587; refused if the server does not offer it) or ``none`` (plain, usually 25; only for a relay
on a trusted network). Username and password are sent only when a username is set.

SMTP has no way to ask a server whether it already took a message, so after a crash between
the server's "250 OK" and the outbox marking the message sent, the message is sent again:
delivery over SMTP is at-least-once. Every try carries the same Message-ID (derived from the
outbox's idempotency key), so mail systems and readers that de-duplicate on it see one.

Errors: a 5xx refusal of the sender, the address or the message is permanent; anything else
(refused connection, timeouts, 4xx, a failed sign-in) is retried.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Final

import aiosmtplib

from runtime.delivery.email_base import DeliveryError, Email, Sender
from runtime.store.outbox import subject_line

PORTS: Final = {"none": 25, "starttls": 587, "ssl": 465}
TIMEOUT: Final = 30.0


def message_of(email: Email) -> EmailMessage:
    """The RFC 5322 message for an outbox email: plain text, UTF-8."""
    message = EmailMessage()
    message["From"] = email.sender.header()
    message["To"] = email.recipient
    message["Subject"] = subject_line(email.subject)  # one line: queued before subjects were made so, too
    if email.reply_to:
        message["Reply-To"] = email.reply_to
    message["Message-ID"] = email.message_id
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Content-Language"] = email.language
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(email.body)
    return message


class SmtpTransport:
    name = "smtp"

    def __init__(self, host: str, port: int = 0, *, sender: Sender, username: str = "", password: str = "",
                 tls: str = "starttls", timeout: float = TIMEOUT, validate_certs: bool = True) -> None:
        if tls not in PORTS:
            raise ValueError(f"tls must be one of {', '.join(PORTS)}")
        self.host, self.port, self.tls = host, port or PORTS[tls], tls
        self.sender = sender
        self._username, self._password = username, password
        self._timeout, self._validate_certs = timeout, validate_certs

    def __repr__(self) -> str:
        return f"SmtpTransport(host={self.host!r}, port={self.port!r}, tls={self.tls!r})"

    async def send(self, email: Email) -> str | None:
        try:
            await aiosmtplib.send(
                message_of(email), sender=email.sender.address, recipients=[email.recipient],
                hostname=self.host, port=self.port, username=self._username or None,
                password=self._password if self._username else None, use_tls=self.tls == "ssl",
                start_tls=self.tls == "starttls", timeout=self._timeout, validate_certs=self._validate_certs,
            )
        except aiosmtplib.SMTPRecipientsRefused as error:
            codes = [refused.code for refused in error.recipients]
            said = "; ".join(f"{refused.code} {refused.message}" for refused in error.recipients)
            raise DeliveryError(f"the SMTP server refused the address: {said}",
                                permanent=all(code >= 500 for code in codes)) from error
        except (aiosmtplib.SMTPSenderRefused, aiosmtplib.SMTPRecipientRefused, aiosmtplib.SMTPDataError) as error:
            raise DeliveryError(f"the SMTP server refused the message: {error.code} {error.message}",
                                permanent=error.code >= 500) from error
        except (aiosmtplib.SMTPException, OSError) as error:
            raise DeliveryError(f"SMTP to {self.host}:{self.port} failed: {type(error).__name__}: {error}") from error
        return email.message_id

    async def find(self, email: Email) -> str | None:
        return None  # SMTP cannot tell: at-least-once, de-duplicated by Message-ID
