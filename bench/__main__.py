"""`python -m bench`: run the benchmarks and print ratios against the same-run baseline.

Exits 0 whatever the numbers: a benchmark reports, it does not assert.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
import traceback

from bench.pages import format_report, run
from borough.demo import shipped_definitions


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("-n", "--requests", type=int, default=300, help="timed GETs per page (default 300)")
    parser.add_argument("--warmup", type=int, default=30, help="untimed GETs per page first (default 30)")
    parser.add_argument("--profile", type=int, default=0, metavar="N",
                        help="also profile N GETs of each of our pages with cProfile and print where the time goes")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    try:
        report = asyncio.run(run(args.requests, args.warmup, profile_requests=args.profile))
    except Exception:  # report, never fail the build
        traceback.print_exc()
        print("bench: could not run (see above)", file=sys.stderr)
        return 0
    print(format_report(report, services=len(shipped_definitions())))
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"\nload average {load:.1f} on {os.cpu_count()} CPUs: absolute times move with the machine's load;"
          " the ratios compare requests taken in turns, so read those")
    print(f"\n(bench ran in {time.perf_counter() - started:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
