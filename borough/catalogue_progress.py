"""How far `borough catalogue sync` has got, on stderr.

On a terminal, one bar updated in place (a carriage return, then the line again) and ended with a
newline once the catalogue is done. Anywhere else (a log file, cron's mail) a carriage return
makes a mess, so a plain line is written at most every `EVERY` seconds, and none at all for a
sync quicker than that: the summary line that follows says what was done.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TextIO

from builder.catalogue.client import SyncStep

EVERY = 5.0  # seconds between plain lines when stderr is not a terminal
WIDTH = 24  # the bar's cells


def bar(step: SyncStep, width: int = WIDTH) -> str:
    """The progress line: a bar filled by the share of publishers read, then the counts.

    >>> bar(SyncStep(1, 4, 3, 10, "northshire/report-pothole@1.0.0"), width=8)
    '[##------] 1/4 publishers, 3/10 services  northshire/report-pothole@1.0.0'
    """
    share = step.publishers_done / step.publishers if step.publishers else 1.0
    filled = min(width, int(share * width))
    counts = f"{step.publishers_done}/{step.publishers} publishers, {step.targets_done}/{step.targets} services"
    tail = f"  {step.what}" if step.what else ""
    return f"[{'#' * filled}{'-' * (width - filled)}] {counts}{tail}"


class SyncProgress:
    """The `progress` callback of `Client.sync`, writing to `stream` as the module says."""

    def __init__(self, stream: TextIO, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.stream = stream
        self.clock = clock
        self.terminal = stream.isatty()
        self.last = clock()  # a plain line only once EVERY seconds have passed since the start
        self.shown = 0  # the length of the bar last drawn, to blank what a shorter one leaves

    def __call__(self, step: SyncStep) -> None:
        line = bar(step)
        if self.terminal:
            self.stream.write("\r" + line.ljust(self.shown))
            self.shown = len(line)
            self.stream.flush()
            return
        now = self.clock()
        if now - self.last >= EVERY:
            self.last = now
            self.stream.write(f"borough: syncing: {line}\n")
            self.stream.flush()

    def done(self) -> None:
        """End the bar's line, so the summary starts on its own."""
        if self.terminal and self.shown:
            self.stream.write("\n")
            self.stream.flush()
            self.shown = 0
