"""Page cursors: where a keyset page ended, as text for a link, read back under one rule.

Every list that pages by keyset reads its cursor here: the caseworkers' inbox and the JSON
API by ``(submitted_at, id)`` (:class:`Cursor`), the audit log, the outbox and the webhook
messages not delivered by id alone (:func:`row_id`). So they refuse the same things:

- text longer than :data:`MAX_LENGTH` characters, or empty;
- an id that is not written in the digits 0-9, or is outside 1 to :data:`MAX_ID` (the id
  columns are 32-bit integers, and PostgreSQL refuses a larger number outright);
- a time without a time zone, or anything else :meth:`Cursor.encode` never writes.

A refused cursor is :class:`InvalidCursor`, never a crash; each page says so its own way (an
error summary, a 400 page, the API's ``bad_cursor``). A cursor handed to another program is
signed (:class:`SignedCursors`), so that it can be neither edited nor used by another council.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import UTC, datetime

MAX_LENGTH = 200
MAX_ID = 2**31 - 1
DIGITS = re.compile(r"[0-9]+")


class InvalidCursor(ValueError):
    """A page link whose cursor we did not make (or cannot read)."""


def row_id(text: str) -> int:
    """The id in an id cursor (the last id of the page before, for rows newest first)."""
    if not DIGITS.fullmatch(text) or len(text) > MAX_LENGTH:
        raise InvalidCursor("not a whole number")
    number = int(text)
    if not 0 < number <= MAX_ID:
        raise InvalidCursor(f"not an id from 1 to {MAX_ID}")
    return number


@dataclass(frozen=True)
class Cursor:
    """The sort key ``(submitted_at, id)`` of the row a page ended (or started) on."""

    submitted_at: datetime
    id: int

    def plain(self) -> str:
        return f"{self.submitted_at.astimezone(UTC).isoformat()}|{self.id}"

    def encode(self) -> str:
        return _base64(self.plain())

    @classmethod
    def decode(cls, text: str) -> Cursor:
        _check_length(text)
        return cls.from_plain(_unbase64(text))

    @classmethod
    def from_plain(cls, plain: str) -> Cursor:
        moment_text, _, id_text = plain.partition("|")
        try:
            moment = datetime.fromisoformat(moment_text)
        except ValueError as error:
            raise InvalidCursor(str(error)) from None
        if moment.tzinfo is None:
            raise InvalidCursor("a time without a time zone")
        return cls(moment.astimezone(UTC), row_id(id_text))


@dataclass(frozen=True)
class SignedCursors:
    """Cursors for another program: the encoded cursor, a dot, and a MAC over the cursor and
    the owner it was made for (a council's id), keyed by the installation's secret and a
    purpose, so a cursor made for one council means nothing to another."""

    secret: str
    purpose: str

    def _mac(self, owner: int, plain: str) -> str:
        key = hashlib.sha256(f"{self.purpose}:{self.secret}".encode()).digest()
        return _base64(hmac.new(key, f"{owner}|{plain}".encode(), hashlib.sha256).digest()[:16])

    def encode(self, cursor: Cursor, owner: int) -> str:
        plain = cursor.plain()
        return f"{_base64(plain)}.{self._mac(owner, plain)}"

    def decode(self, text: str, owner: int) -> Cursor:
        _check_length(text)
        body, _, mac = text.partition(".")
        plain = _unbase64(body)
        if not hmac.compare_digest(mac.encode(), self._mac(owner, plain).encode()):
            raise InvalidCursor("not signed for this owner")
        return Cursor.from_plain(plain)


def _check_length(text: str) -> None:
    if not text or len(text) > MAX_LENGTH:
        raise InvalidCursor("empty or too long")


def _base64(text: str | bytes) -> str:
    data = text.encode() if isinstance(text, str) else text
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _unbase64(text: str) -> str:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError) as error:
        raise InvalidCursor(str(error)) from None
