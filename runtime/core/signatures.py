"""Signatures on Borough's back-office webhooks, for the sender and for receivers.

A webhook carries ``Borough-Signature: t=<unix seconds>,v1=<hex>``, where each ``v1`` is the
lower-case hex HMAC-SHA256, keyed with an endpoint's signing secret, of ``f"{t}."`` followed by
the raw body bytes. While a secret is being replaced there is one ``v1`` per secret. Signing
the timestamp with the body lets a receiver refuse a captured message replayed later: it
accepts only timestamps within ``tolerance`` seconds of its own clock (5 minutes by default).
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Iterable, Mapping
from typing import Final

SIGNATURE_HEADER: Final = "Borough-Signature"
TIMESTAMP_HEADER: Final = "Borough-Timestamp"
EVENT_ID_HEADER: Final = "Borough-Event-Id"
EVENT_TYPE_HEADER: Final = "Borough-Event-Type"
SCHEME: Final = "v1"
TOLERANCE: Final = 300  # seconds either side of the receiver's clock


class SignatureRefused(ValueError):
    """A webhook whose signature does not hold; ``code`` says why, in one stable word."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The ``v1`` value: hex HMAC-SHA256 of ``"<timestamp>."`` and the body, keyed with ``secret``."""
    return hmac.new(secret.encode("utf-8"), f"{timestamp}.".encode("ascii") + body, hashlib.sha256).hexdigest()


def signature_header(secrets: Iterable[str], timestamp: int, body: bytes) -> str:
    """The ``Borough-Signature`` value: the timestamp, then one ``v1`` per secret."""
    values = [f"{SCHEME}={sign(secret, timestamp, body)}" for secret in secrets]
    if not values:
        raise ValueError("at least one signing secret is needed")
    return ",".join([f"t={timestamp}", *values])


def parse_signature(value: str) -> tuple[int, list[str]]:
    """The timestamp and the ``v1`` signatures of a ``Borough-Signature`` value."""
    timestamp: int | None = None
    signatures: list[str] = []
    for part in value.split(","):
        key, found, item = part.strip().partition("=")
        if not found:
            raise SignatureRefused("malformed", "The Borough-Signature header is not t=…,v1=…")
        if key == "t":
            if timestamp is not None or not item.isascii() or not item.isdigit() or len(item) > 12:
                raise SignatureRefused("malformed", "The Borough-Signature timestamp is not a number of seconds")
            timestamp = int(item)
        elif key == SCHEME:
            signatures.append(item)
        # other schemes are ignored, so a later scheme can be added beside v1
    if timestamp is None or not signatures:
        raise SignatureRefused("malformed", "The Borough-Signature header needs t= and at least one v1=")
    return timestamp, signatures


def verify_signature(secret: str | Iterable[str], headers: Mapping[str, str], body: bytes, *,
                     tolerance: int = TOLERANCE, now: float | None = None) -> int:
    """Check a received webhook's signature over its raw ``body``; return its timestamp.

    ``secret`` is the endpoint's signing secret (or several, while replacing one). Raises
    :class:`SignatureRefused` when the header is missing or malformed, the timestamp is more
    than ``tolerance`` seconds from ``now`` (either way), or no signature matches.
    """
    lowered = {name.lower(): value for name, value in headers.items()}
    value = lowered.get(SIGNATURE_HEADER.lower())
    if not value:
        raise SignatureRefused("missing", "There is no Borough-Signature header")
    timestamp, signatures = parse_signature(value)
    stated = lowered.get(TIMESTAMP_HEADER.lower())
    if stated is not None and stated.strip() != str(timestamp):
        raise SignatureRefused("malformed", "Borough-Timestamp does not match the signed timestamp")
    moment = time.time() if now is None else now
    if abs(moment - timestamp) > tolerance:
        raise SignatureRefused("timestamp", "The signed timestamp is outside the replay window")
    keys = [secret] if isinstance(secret, str) else list(secret)
    for key in keys:
        expected = sign(key, timestamp, body)
        if any(hmac.compare_digest(expected.encode("ascii"), given.strip().encode("ascii", "replace"))
               for given in signatures):
            return timestamp
    raise SignatureRefused("mismatch", "The signature does not match the body and secret")
