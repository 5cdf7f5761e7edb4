"""Links a resident can follow back to their application, signed so a reference alone is
never enough (references are printed on receipts and read out on the phone)."""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass


@dataclass(frozen=True)
class Links:
    """What the installation needs to write links into emails: its public address and key."""

    base_url: str
    secret_key: str

    def status_token(self, reference: str) -> str:
        digest = hmac.new(self._key(), reference.encode("ascii"), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest[:18]).decode("ascii")

    def status_token_valid(self, reference: str, token: str) -> bool:
        return hmac.compare_digest(self.status_token(reference), token)

    def status_path(self, council: str, reference: str) -> str:
        return f"/{council}/status/{reference}/{self.status_token(reference)}"

    def status_url(self, council: str, reference: str) -> str:
        return self.base_url.rstrip("/") + self.status_path(council, reference)

    def _key(self) -> bytes:
        return hashlib.sha256(b"borough.status:" + self.secret_key.encode()).digest()
