"""The order the suite's tests are handed to xdist's workers in, so that the browser tests do not
all land on one worker.

xdist's default (`load`) scheduling first sends each worker a run of consecutive tests, a
quarter of its share (2,764 tests over 4 workers: runs of 172), then tops workers up as they
finish. In collection order the first run held every browser test, so one worker walked them
all (about 410 s) while the others ran out of work 110 s earlier, and the run waited for it.

So the browser tests are put in two groups of about the same length (tests/conftest.py says
which), each at the head of its own run. Each group starts Chromium and the servers it uses once,
on its worker. The rest of each group's run is filled with the cheapest tests there are (the
theme tests, a few milliseconds each), so that the workers with browser tests have little else
queued; everything else follows in collection order.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

Item = TypeVar("Item")


def first_run_length(tests: int, workers: int) -> int:
    """How many tests xdist's `load` scheduling first sends each worker (xdist/scheduler/load.py)."""
    return max(tests // workers // 4, 2)


def spread(
    items: Sequence[Item],
    workers: int,
    group_of: Callable[[Item], str | None],
    filler: Callable[[Item], bool],
) -> list[Item]:
    """`items` reordered so that each group (by `group_of`; None is no group) starts a first run
    of its own, its run filled up with `filler` tests; the rest keep their order after them.
    With fewer workers than groups, or fewer tests than runs, the order is left as it is."""
    groups: dict[str, list[Item]] = {}
    for item in items:
        name = group_of(item)
        if name is not None:
            groups.setdefault(name, []).append(item)
    run = first_run_length(len(items), workers)
    if len(groups) < 2 or workers < len(groups) or len(items) < run * len(groups):
        return list(items)
    grouped = {id(item) for members in groups.values() for item in members}
    fillers = [item for item in items if id(item) not in grouped and filler(item)]
    ordered: list[Item] = []
    for members in sorted(groups.values(), key=len, reverse=True):
        ordered.extend(members)
        while len(ordered) % run and fillers:
            ordered.append(fillers.pop(0))
    placed = {id(item) for item in ordered}
    return ordered + [item for item in items if id(item) not in placed]
