"""Workers writing to one SQLite file take turns (runtime/store/write_turns.py): a save waits
for another process's save to end, in a thread of its own, and goes the moment it does; it
never waits long, and a turn it stopped waiting for is given back."""

from __future__ import annotations

import asyncio
import fcntl
import os
from pathlib import Path

from runtime.store import Journey, page_answered, save_answers
from runtime.store.write_turns import WriteTurn

# Each WriteTurn opens the file anew, so two of them in one process exclude each other as two
# processes would (flock belongs to the open file, not to the process).


def _free(path: str) -> bool:
    """Whether nobody holds the turn at `path` now (taken and released at once)."""
    descriptor = os.open(path, os.O_RDWR)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(descriptor)
    return True


async def _given_back(path: str) -> bool:
    """Whether the turn at `path` is free within a second: a turn a thread took after its save
    stopped waiting is released by a callback on the event loop, so it takes a moment."""
    for _ in range(50):
        if _free(path):
            return True
        await asyncio.sleep(0.02)
    return False


async def test_a_save_waits_for_the_other_workers_turn_and_goes_when_it_ends(tmp_path: Path) -> None:
    first, second = WriteTurn(str(tmp_path / "b.db")), WriteTurn(str(tmp_path / "b.db"))
    order: list[str] = []

    async def other() -> None:
        async with second.taken() as held:
            order.append(f"second {held}")

    async with first.taken() as held:
        assert held
        waiting = asyncio.create_task(other())
        await asyncio.sleep(0.2)
        assert not waiting.done(), "the second went while the first held the turn"
        order.append("first done")
    await waiting
    assert order == ["first done", "second True"]  # it went once the first's turn ended, with the turn
    assert _free(first.path)
    first.close()
    second.close()


async def test_a_save_waits_no_longer_than_its_patience_and_the_late_turn_is_given_back(tmp_path: Path) -> None:
    first, second = WriteTurn(str(tmp_path / "b.db")), WriteTurn(str(tmp_path / "b.db"), patience=0.1)
    async with first.taken():
        async with second.taken() as held:
            assert held is False  # went ahead without it: SQLite's own lock still decides
        assert not _free(first.path)
    # the turn the second's thread got after it stopped waiting is released at once
    assert await _given_back(first.path)
    first.close()
    second.close()


async def test_a_save_cancelled_while_it_waits_gives_the_turn_back(tmp_path: Path) -> None:
    first, second = WriteTurn(str(tmp_path / "b.db")), WriteTurn(str(tmp_path / "b.db"))

    async def other() -> None:
        async with second.taken():
            raise AssertionError("never reached")

    async with first.taken():
        waiting = asyncio.create_task(other())
        await asyncio.sleep(0.1)
        waiting.cancel()
        await asyncio.gather(waiting, return_exceptions=True)
    assert await _given_back(first.path)
    first.close()
    second.close()


async def test_a_turn_is_released_when_the_save_fails(tmp_path: Path) -> None:
    turn = WriteTurn(str(tmp_path / "b.db"))
    try:
        async with turn.taken():
            raise ValueError("the save failed")
    except ValueError:
        pass
    assert _free(turn.path)
    turn.close()


async def test_saving_answers_on_sqlite_takes_the_turn(db: str, journey: Journey) -> None:
    """The hot path takes its turn: held by another worker, a save waits for it (on
    PostgreSQL there are no turns: the save goes at once)."""
    if not db.startswith("sqlite:///"):
        saved = await asyncio.wait_for(save_answers(journey, page_answered("p", {"/name": "Ada"})), 5)
        assert saved.answers["name"] == "Ada"
        return
    other_worker = WriteTurn(db.removeprefix("sqlite:///"))
    async with other_worker.taken():
        saving = asyncio.create_task(save_answers(journey, page_answered("p", {"/name": "Ada"})))
        await asyncio.sleep(0.3)
        assert not saving.done(), "the save did not wait for the other worker's turn"
    saved = await asyncio.wait_for(saving, 5)
    assert saved.answers["name"] == "Ada"
    assert (await Journey.get(id=journey.id)).answers["name"] == "Ada"
    other_worker.close()
