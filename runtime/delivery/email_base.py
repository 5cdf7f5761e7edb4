"""The one interface every email transport implements, and the values that cross it."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from email.utils import formataddr, parseaddr
from typing import Protocol


@dataclass(frozen=True)
class Sender:
    name: str
    address: str

    @classmethod
    def parse(cls, text: str) -> Sender:
        """``"Name <address>"`` or a bare address."""
        name, address = parseaddr(text)
        if "@" not in address:
            raise ValueError(f"not an email address: {text!r}")
        return cls(name, address)

    def header(self) -> str:
        return formataddr((self.name, self.address)) if self.name else self.address

    @property
    def domain(self) -> str:
        return self.address.rsplit("@", 1)[1].lower()


@dataclass(frozen=True)
class Email:
    """One message as a transport sends it. ``idempotency_key`` is the outbox's: the same
    message always has the same key, so a transport can recognise an earlier send."""

    recipient: str
    subject: str
    body: str
    idempotency_key: str
    sender: Sender
    reply_to: str | None
    message_id: str  # the RFC 5322 Message-ID, stable per idempotency key
    language: str = "en"


def stable_message_id(idempotency_key: str, domain: str) -> str:
    """The same Message-ID for every try of one message, so receivers can drop duplicates."""
    digest = hashlib.sha256(idempotency_key.encode()).hexdigest()[:40]
    return f"<{digest}.outbox@{domain}>"


class DeliveryError(Exception):
    """The transport did not accept the message. ``permanent``: trying again cannot help (a
    refused address, a rejected request), so the message goes to the dead list at once."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


class Transport(Protocol):
    name: str  # recorded on the message: "dev", "smtp", "notify"
    sender: Sender  # the installation's From, for mail whose council has none

    async def send(self, email: Email) -> str | None:
        """Hand the message over; return the transport's id for it. Raises DeliveryError."""
        ...

    async def find(self, email: Email) -> str | None:
        """The transport's id for an earlier accepted send of this message (looked up by its
        idempotency key), or None when there was none or the transport cannot tell."""
        ...
