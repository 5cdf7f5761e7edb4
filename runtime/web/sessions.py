"""Signed cookies and CSRF tokens.

A resident's journey cookie holds only the journey id, signed, HttpOnly and SameSite=Lax, with
its path set to the service so each service keeps its own. CSRF tokens are HMACs of a random
per-browser cookie, checked on every POST.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from starlette.requests import Request
from starlette.responses import Response

from runtime.settings import Settings

JOURNEY_COOKIE = "borough_journey"
CSRF_COOKIE = "borough_csrf"
LANGUAGE_COOKIE = "borough_lang"
JOURNEY_MAX_AGE = 28 * 24 * 3600
RESUME_MAX_AGE = 28 * 24 * 3600
LANGUAGE_MAX_AGE = 365 * 24 * 3600
VERIFIED_COOKIES = 4096  # journey cookies whose signature this worker has checked, kept (see journey_id)


class Signer:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._journeys = URLSafeTimedSerializer(settings.secret_key, salt="borough.journey")
        self._resume = URLSafeTimedSerializer(settings.secret_key, salt="borough.resume")
        self._csrf_key = hashlib.sha256(b"borough.csrf:" + settings.secret_key.encode()).digest()
        self._verified: dict[str, tuple[str, float]] = {}

    # Journey cookie -----------------------------------------------------------------
    def journey_id(self, request: Request) -> str | None:
        """The journey id the request's cookie holds, if its signature is good and younger than
        JOURNEY_MAX_AGE. A cookie already checked is not checked again (the same bytes always
        verify the same way), only its age; a forged one is never kept."""
        value = request.cookies.get(JOURNEY_COOKIE)
        if not value:
            return None
        known = self._verified.get(value)
        if known is None:
            try:
                journey_id, signed = self._journeys.loads(value, max_age=JOURNEY_MAX_AGE, return_timestamp=True)
            except (BadSignature, SignatureExpired):
                return None
            if len(self._verified) >= VERIFIED_COOKIES:
                self._verified.pop(next(iter(self._verified)))
            known = self._verified[value] = (str(journey_id), signed.timestamp())
        elif time.time() - known[1] > JOURNEY_MAX_AGE:
            del self._verified[value]
            return None
        return known[0]

    def set_journey(self, response: Response, journey_id: str, path: str) -> None:
        response.set_cookie(
            JOURNEY_COOKIE, self._journeys.dumps(journey_id), max_age=JOURNEY_MAX_AGE,
            path=path, httponly=True, samesite="lax", secure=self.settings.secure_cookies,
        )

    # Save and come back later ---------------------------------------------------------
    def resume_token(self, journey_id: str) -> str:
        return self._resume.dumps(journey_id)

    def resume_journey_id(self, token: str) -> str | None:
        try:
            journey_id: str = self._resume.loads(token, max_age=RESUME_MAX_AGE)
        except (BadSignature, SignatureExpired):
            return None
        return journey_id

    # CSRF -----------------------------------------------------------------------------
    def csrf_seed(self, request: Request) -> tuple[str, bool]:
        """The browser's CSRF seed, and whether it is new (and so must be set as a cookie)."""
        seed = request.cookies.get(CSRF_COOKIE, "")
        if len(seed) == 43 and seed.replace("-", "").replace("_", "").isalnum():
            return seed, False
        return secrets.token_urlsafe(32), True

    def csrf_token(self, seed: str) -> str:
        return hmac.new(self._csrf_key, seed.encode(), hashlib.sha256).hexdigest()

    def csrf_valid(self, request: Request, token: str) -> bool:
        seed = request.cookies.get(CSRF_COOKIE, "")
        return bool(seed) and bool(token) and hmac.compare_digest(self.csrf_token(seed), token)

    def set_csrf(self, response: Response, seed: str) -> None:
        response.set_cookie(
            CSRF_COOKIE, seed, max_age=JOURNEY_MAX_AGE, path="/", httponly=True,
            samesite="lax", secure=self.settings.secure_cookies,
        )
