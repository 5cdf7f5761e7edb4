"""When to try a failed delivery again: the one schedule emails and webhooks share.

A wait of 1 minute after the first failure, doubling after each one, never more than an hour;
optionally stretched (never shortened) by up to a fraction, so that many deliveries that
failed together do not all come back at the same moment.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Final

FIRST_RETRY: Final = timedelta(minutes=1)
LONGEST_RETRY: Final = timedelta(hours=1)


def backoff(failed_attempt: int, *, stretch: float = 0.0) -> timedelta:
    """How long to wait after attempt number ``failed_attempt`` (1 for the first) failed,
    times ``1 + stretch``."""
    base: timedelta = min(FIRST_RETRY * 2 ** max(failed_attempt - 1, 0), LONGEST_RETRY)
    return base * (1 + stretch)
