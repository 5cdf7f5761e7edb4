"""A council's back-office system, in a test: receives Borough's webhooks over real HTTP.

It does what the docs ask of a receiver: reads the raw body, checks ``Borough-Signature`` with
the endpoint's secret and the replay window (with ``runtime.core.signatures.verify_signature``),
only then parses the JSON, and answers 2xx. Each request is recorded, accepted or not.

Test controls: ``fail_next(times, status)`` answers ``status`` to the next requests,
``hang_next(times, seconds)`` answers only after ``seconds`` (for timeouts), ``clock_offset``
makes its clock run ahead or behind. ``running()`` serves it on 127.0.0.1 and a free port
(with ``local_http.serving``).
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from local_http import serving
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from runtime.core.signatures import SignatureRefused, verify_signature


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    verified: bool
    refusal: str | None  # the SignatureRefused code, or why it was not accepted
    answered: int

    @property
    def event(self) -> dict[str, Any]:
        parsed: dict[str, Any] = json.loads(self.body)
        return parsed


class Receiver:
    """One endpoint's receiving side; thread-safe (uvicorn's thread records, the test reads)."""

    def __init__(self, secret: str, *, tolerance: int = 300) -> None:
        self.secret = secret
        self.tolerance = tolerance
        self.clock_offset = 0.0
        self.url = ""  # the base URL while served
        self._lock = threading.Lock()
        self.received: list[Received] = []
        self._failures: list[int] = []
        self._hangs: list[float] = []
        self.app = Starlette(routes=[Route("/{path:path}", self._receive, methods=["POST"])])

    @property
    def hook(self) -> str:
        return f"{self.url}/hook"

    def fail_next(self, times: int = 1, status: int = 500) -> None:
        with self._lock:
            self._failures.extend([status] * times)

    def hang_next(self, times: int = 1, seconds: float = 5.0) -> None:
        with self._lock:
            self._hangs.extend([seconds] * times)

    def accepted(self) -> list[Received]:
        with self._lock:
            return [r for r in self.received if r.verified and 200 <= r.answered < 300]

    @contextmanager
    def running(self) -> Iterator[Receiver]:
        with serving(self.app) as url:
            self.url = url
            try:
                yield self
            finally:
                self.url = ""

    async def _receive(self, request: Request) -> Response:
        body = await request.body()
        headers = dict(request.headers)
        with self._lock:
            hang = self._hangs.pop(0) if self._hangs else 0.0
        if hang:
            await asyncio.sleep(hang)
        try:
            verify_signature(self.secret, headers, body, tolerance=self.tolerance, now=time.time() + self.clock_offset)
            json.loads(body)
            verified, refusal = True, None
        except SignatureRefused as refused:
            verified, refusal = False, refused.code
        except ValueError:
            verified, refusal = False, "not_json"
        with self._lock:
            status = self._failures.pop(0) if self._failures and verified else (200 if verified else 400)
            self.received.append(Received(request.url.path, headers, body, verified, refusal, status))
        if status >= 300:
            return JSONResponse({"error": refusal or "told to fail"}, status_code=status)
        return JSONResponse({"received": True}, status_code=status)
