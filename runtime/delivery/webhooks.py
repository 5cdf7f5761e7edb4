"""Sending queued back-office webhooks: signed, retried with backoff, dead-lettered at the end.

:func:`deliver_due` is called by the background worker. Each due delivery is claimed by one
conditional update (``runtime/store/webhooks.py``), so several workers never send one at once;
a worker that dies mid-send leaves a lease that runs out after :data:`LEASE`, and the delivery
is tried again (receivers de-duplicate on ``Borough-Event-Id``).

The body is the stored payload as compact UTF-8 JSON, sent with ``Borough-Event-Id``,
``Borough-Event-Type``, ``Borough-Timestamp`` and ``Borough-Signature`` (see
``runtime/core/signatures.py``). A 2xx answer delivers it. Anything else, a timeout or a
network error is retried after :func:`retry_delay`: 1, 2, 4, 8, 16 and 32 minutes, then every
hour, each stretched by up to a fifth at random so that endpoints coming back are not hit by
every retry at once; after :data:`MAX_ATTEMPTS` attempts (over 26 hours) it is dead. ``410
Gone`` dead-letters at once. Staff can send a dead delivery again, with the same event id.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final
from urllib.parse import urlsplit

import httpx2 as httpx

from runtime.core.signatures import (
    EVENT_ID_HEADER,
    EVENT_TYPE_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    signature_header,
)
from runtime.delivery.retries import backoff
from runtime.store import webhooks
from runtime.store.secrets import SecretBox

log = logging.getLogger("borough.webhooks")

USER_AGENT: Final = "Borough-Webhooks/1"
TIMEOUT: Final = httpx.Timeout(10.0, connect=5.0)
ATTEMPT_LIMIT_SECONDS: Final = 20.0  # the most one attempt may take, whatever the server does
LEASE: Final = timedelta(minutes=2)  # longer than one attempt can take
JITTER: Final = 0.2  # each wait is stretched by up to this fraction, never shortened
MAX_ATTEMPTS: Final = 32  # waits of 1 to 32 minutes (63 in all), then 25 of an hour: over 26 hours
RESPONSE_SNIPPET: Final = 200  # characters of a refusal's body kept for staff


@dataclass(frozen=True)
class Outcome:
    delivered: bool
    status: int | None = None
    error: str = ""
    final: bool = False  # no retry: dead-letter now


def retry_delay(failed_attempt: int, jitter: float | None = None) -> timedelta:
    """How long to wait after attempt number ``failed_attempt`` (1 for the first) failed:
    the shared schedule (runtime/delivery/retries.py), stretched by ``jitter`` (0 to 1; random if None)
    times :data:`JITTER`."""
    stretch = random.random() if jitter is None else jitter
    return backoff(failed_attempt, stretch=JITTER * stretch)


def body_of(payload: dict[str, object]) -> bytes:
    """The bytes sent: compact UTF-8 JSON, envelope keys first in a fixed order."""
    ordered: dict[str, object] = {key: payload[key] for key in ("id", "type", "created_at", "data") if key in payload}
    ordered.update((key, value) for key, value in payload.items() if key not in ordered)
    return json.dumps(ordered, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def headers_for(event_id: str, event_type: str, body: bytes, secrets: list[str], timestamp: int) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        EVENT_ID_HEADER: event_id,
        EVENT_TYPE_HEADER: event_type,
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: signature_header(secrets, timestamp, body),
    }


def url_refused(url: str, production: bool) -> str | None:
    """Why ``url`` may not be sent to, or None. In production only https:// is sent to."""
    scheme = urlsplit(url).scheme.lower()
    if scheme == "https" or (scheme == "http" and not production):
        return None
    return "Not sent: in production webhooks are sent only to https:// addresses"


async def deliver_due(box: SecretBox, *, client: httpx.AsyncClient | None = None, limit: int = 50,
                      now: datetime | None = None, production: bool = True) -> int:
    """Send up to ``limit`` deliveries due by ``now``; return how many were delivered.

    ``client`` lets the caller share one httpx client (it is not closed here). Signatures
    always carry the real clock's time, which is what receivers check; ``now`` only decides
    what is due and when to retry. ``production`` refuses plain http:// addresses.
    """
    moment = now or datetime.now(UTC)
    delivered = 0
    sender = client or httpx.AsyncClient(timeout=TIMEOUT, follow_redirects=False)
    try:
        for delivery_id, attempts in await webhooks.due_deliveries(moment, limit):
            claimed = await webhooks.claim_delivery(delivery_id, attempts, moment, LEASE)
            if claimed is None:
                continue  # another worker has it
            outcome = await _attempt(sender, box, claimed, production)
            if outcome.delivered:
                assert outcome.status is not None
                if await webhooks.mark_delivered(claimed, moment, outcome.status):
                    delivered += 1
                continue
            dead = outcome.final or claimed.attempt >= MAX_ATTEMPTS
            retry_at = None if dead else moment + retry_delay(claimed.attempt)
            await webhooks.mark_failed(claimed, outcome.status, outcome.error, retry_at, moment)
            log.warning("webhook %s to endpoint %s: attempt %s failed (%s)%s", claimed.delivery.event_id,
                        claimed.endpoint.id, claimed.attempt, outcome.error,
                        ", dead-lettered" if dead else f", retrying at {retry_at:%H:%M:%S}")
    finally:
        if client is None:
            await sender.aclose()
    return delivered


async def _attempt(sender: httpx.AsyncClient, box: SecretBox, claimed: webhooks.Claimed, production: bool) -> Outcome:
    endpoint, delivery = claimed.endpoint, claimed.delivery
    if not endpoint.active:
        return Outcome(False, error=webhooks.REMOVED, final=True)
    refused = url_refused(endpoint.url, production)
    if refused:
        return Outcome(False, error=refused, final=True)
    try:
        secrets = webhooks.endpoint_secrets(endpoint, box)
    except ValueError as error:  # sealed with another installation key: fixable, so retried
        return Outcome(False, error=f"Not sent: the signing secret cannot be read ({error})")
    if not secrets:
        return Outcome(False, error="Not sent: the endpoint has no signing secret", final=True)
    body = body_of(dict(delivery.payload))
    headers = headers_for(delivery.event_id, delivery.event_type, body, secrets, int(time.time()))
    try:
        async with asyncio.timeout(ATTEMPT_LIMIT_SECONDS):
            async with sender.stream("POST", endpoint.url, content=body, headers=headers) as response:
                status = response.status_code
                if 200 <= status < 300:
                    return Outcome(True, status)
                snippet = await _snippet(response)
    except TimeoutError:
        return Outcome(False, error=f"No answer within {ATTEMPT_LIMIT_SECONDS:.0f} seconds")
    except httpx.TimeoutException as error:
        return Outcome(False, error=f"Timed out: {type(error).__name__}")
    except (httpx.HTTPError, httpx.InvalidURL, OSError) as error:
        return Outcome(False, error=f"{type(error).__name__}: {error}" if str(error) else type(error).__name__)
    reason = f"HTTP {status}" + (f": {snippet}" if snippet else "")
    return Outcome(False, status, reason, final=status == 410)


async def _snippet(response: httpx.Response) -> str:
    """The start of a refusal's body, for staff; never more than a few kilobytes is read."""
    read = b""
    async for chunk in response.aiter_bytes():
        read += chunk
        if len(read) >= 4096:
            break
    text = read.decode("utf-8", "replace").strip().replace("\n", " ")
    return text[:RESPONSE_SNIPPET]
