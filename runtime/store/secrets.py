"""Secrets at rest (payment keys, webhook signing secrets): encrypted with a key derived from
the installation's BOROUGH_SECRET_KEY, never stored or shown back in full."""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken


class SecretBox:
    def __init__(self, secret_key: str) -> None:
        derived = hashlib.sha256(b"borough.secrets.v1:" + secret_key.encode("utf-8")).digest()
        self._fernet = Fernet(base64.urlsafe_b64encode(derived))

    def seal(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode("utf-8")).decode("ascii")

    def open(self, sealed: str) -> str:
        try:
            return self._fernet.decrypt(sealed.encode("ascii")).decode("utf-8")
        except InvalidToken:
            raise ValueError("this secret was sealed with another BOROUGH_SECRET_KEY") from None


def masked(plaintext: str | None) -> str | None:
    """What staff see of a secret: enough to recognise it, never enough to use it."""
    if not plaintext:
        return None
    return "•" * 8 + plaintext[-4:] if len(plaintext) > 8 else "•" * 8
