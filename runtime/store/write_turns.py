"""Taking turns to write to a SQLite file, among the processes of one machine.

SQLite lets one connection write at a time. A connection that finds another process writing
waits in SQLite's busy handler, which sleeps 1, 2, 5, 10 ms and longer between tries rather than
waking when the write ends. Tortoise runs a worker's statements one at a time in one thread, so
while that thread sleeps every other save of the worker waits behind it: with two workers
saving answers, each spent much of its time asleep, and two workers saved hardly more than one.

A `WriteTurn` is an advisory lock (`flock`) on a file beside the database, taken before a save
and released when it has committed. A worker waiting for it waits in a thread of its own, not
in the database's, and wakes the moment the other worker's turn ends; its reads go on
meanwhile. It only decides who goes first: SQLite's own locking still keeps the database
correct, so a save that cannot have its turn in time goes ahead without it.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
from collections.abc import AsyncIterator

# How long a save waits for its turn before going ahead without it (SQLite's busy handler then
# waits as before). A turn lasts one UPDATE and its commit: well under a millisecond.
PATIENCE_SECONDS = 1.0


class WriteTurn:
    """Turns to write to the SQLite file at `database`, for this process's saves."""

    def __init__(self, database: str, *, patience: float = PATIENCE_SECONDS) -> None:
        self.path = f"{database}-turn"
        self.patience = patience
        self._descriptor = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        self._ours: asyncio.Lock | None = None  # one of this process's saves at a time asks

    def close(self) -> None:
        os.close(self._descriptor)

    @contextlib.asynccontextmanager
    async def taken(self) -> AsyncIterator[bool]:
        """Hold the turn for the block (True), or go ahead without it (False) after waiting
        `patience` seconds; released when the block ends, however it ends."""
        if self._ours is None:
            self._ours = asyncio.Lock()
        async with self._ours:
            held = await self._take()
            try:
                yield held
            finally:
                if held:
                    fcntl.flock(self._descriptor, fcntl.LOCK_UN)

    async def _take(self) -> bool:
        try:
            fcntl.flock(self._descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            pass
        waiting = asyncio.ensure_future(asyncio.to_thread(fcntl.flock, self._descriptor, fcntl.LOCK_EX))
        try:
            await asyncio.wait_for(asyncio.shield(waiting), self.patience)
            return True
        except TimeoutError:
            waiting.add_done_callback(self._give_back)
            return False
        except asyncio.CancelledError:
            waiting.add_done_callback(self._give_back)
            raise

    def _give_back(self, waited: asyncio.Future[None]) -> None:
        """A turn that came after its save stopped waiting for it: released at once."""
        if not waited.cancelled() and waited.exception() is None:
            with contextlib.suppress(OSError):  # closed meanwhile (the store disconnected): nothing held
                fcntl.flock(self._descriptor, fcntl.LOCK_UN)
