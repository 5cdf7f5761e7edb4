"""Where a page's time goes: cProfile over our own requests, per request, in milliseconds."""

from __future__ import annotations

import cProfile
import pstats
import time
from collections.abc import Sequence
from pathlib import Path

from bench.timing import Target
from runtime.settings import ROOT

TOP = 25
SITE = "site-packages/"


def _where(filename: str, line: int, function: str) -> str:
    if filename.startswith(str(ROOT)):
        filename = str(Path(filename).relative_to(ROOT))
    elif SITE in filename:
        filename = filename.split(SITE, 1)[1]
    elif filename == "~":
        return function
    return f"{filename}:{line} {function}"


async def profile_requests(targets: Sequence[Target], requests: int) -> list[str]:
    """For each target, `requests` GETs under cProfile; the functions with the most time
    inside them (cumulative) and of their own (total), per request."""
    lines: list[str] = []
    for target in targets:
        for _ in range(5):
            await target.client.get(target.url)
        profiler = cProfile.Profile()
        started = time.perf_counter()
        profiler.enable()
        for _ in range(requests):
            await target.client.get(target.url)
        profiler.disable()
        total = time.perf_counter() - started
        raw = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
        lines.append(f"profile of GET {target.url}: {requests} requests under cProfile, "
                     f"{total * 1000 / requests:.2f} ms per request including profiling overhead")
        lines.append("  (coroutines count one call per resume; times include the profiler's overhead)")
        for title, column in (("cumulative", 3), ("own time", 2)):
            lines.append(f"  by {title}:        ms/req  calls/req  function")
            ranked = sorted(raw.items(), key=lambda item: item[1][column], reverse=True)
            shown = 0
            for (filename, line, function), (_, calls, tt, ct, _) in ranked:
                if column == 3 and not _ours(filename):
                    continue
                value = ct if column == 3 else tt
                lines.append(f"  {value * 1000 / requests:20.3f}  {calls / requests:9.1f}  {_where(filename, line, function)}")
                shown += 1
                if shown == TOP:
                    break
        lines.append("")
    return lines


def _ours(filename: str) -> bool:
    """Our code and our templates (compiled Jinja templates carry their file's path)."""
    return filename.startswith(str(ROOT)) and "/.venv/" not in filename and "/bench/" not in filename
