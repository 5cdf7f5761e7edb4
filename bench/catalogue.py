"""The catalogue at scale: `python -m bench.catalogue --services 10000`.

Builds a catalogue of generated services (copies of the shipped ones under new ids, spread
over several publishing councils), serves it with the standard library's static server, and
reports: the time to publish (the catalogue checks every definition), a first sync, a sync
after a few services changed (and how many files it fetched), and a search's median time.
It reports; it never asserts on time.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from borough.demo import shipped_definitions
from builder.catalogue import keys, publishing
from builder.catalogue.client import Client
from builder.catalogue.repository import Repository


@dataclass(frozen=True)
class Report:
    services: int
    councils: int
    changed: int
    publish_seconds: float
    first_sync_seconds: float
    first_sync_files: int
    second_sync_seconds: float
    second_sync_files: int
    search_median_ms: float
    found: int


def generated(count: int) -> Iterator[dict[str, Any]]:
    shipped = [json.loads(path.read_text(encoding="utf-8")) for path in shipped_definitions()]
    for number in range(count):
        base = shipped[number % len(shipped)]
        yield {**base, "id": f"{base['id'][:50]}-{number}", "version": "1.0.0", "title": f"{base['title']} {number}"}


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def static_server(folder: Path) -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def run(folder: Path, services: int, councils: int, changed: int, searches: int = 50) -> Report:
    repo = Repository.init(folder / "catalogue")
    signers = {f"council-{number:02d}": keys.generate() for number in range(councils)}
    for council, signer in signers.items():
        repo.add_publisher(council, signer.public_key)
    shares: dict[str, list[dict[str, Any]]] = {council: [] for council in signers}
    for number, definition in enumerate(generated(services)):
        shares[f"council-{number % councils:02d}"].append(definition)
    started = time.perf_counter()
    for council, definitions in shares.items():
        publication, _ = publishing.publish_many(
            None, None, council=council, council_name=council.title(), signer=signers[council],
            versions=[({**definition, "publisher": {"id": council, "name": council.title()}}, (), "")
                      for definition in definitions])
        repo.accept(publication)
    publish_seconds = time.perf_counter() - started
    with static_server(repo.public_dir) as url:
        client = Client(folder / "cache")
        subscription = client.subscribe(url)
        started = time.perf_counter()
        first = client.sync(subscription)
        first_seconds = time.perf_counter() - started
        council = next(iter(signers))
        newer = [{**definition, "version": "1.0.1", "publisher": {"id": council, "name": council.title()},
                  "summary": "Changed."} for definition in shares[council][:changed]]
        publication, _ = publishing.publish_many(repo.published_role(council), repo.index(council), council=council,
                                                 council_name=council.title(), signer=signers[council],
                                                 versions=[(definition, (), "Changed") for definition in newer])
        repo.accept(publication)
        started = time.perf_counter()
        second = client.sync(subscription)
        second_seconds = time.perf_counter() - started
    timings = []
    found = 0
    for _ in range(searches):
        started = time.perf_counter()
        found = len(client.search("pothole"))
        timings.append((time.perf_counter() - started) * 1000)
    return Report(services, councils, changed, publish_seconds, first_seconds, len(first.fetched), second_seconds,
                  len(second.fetched), statistics.median(timings), found)


def format_report(report: Report) -> str:
    return "\n".join([
        f"catalogue of {report.services:,} services from {report.councils} councils",
        f"  publish (the catalogue checks every definition): {report.publish_seconds:.1f} s",
        f"  first sync: {report.first_sync_seconds:.1f} s, {report.first_sync_files:,} files fetched",
        f"  sync after {report.changed} changed: {report.second_sync_seconds:.2f} s, "
        f"{report.second_sync_files} files fetched",
        f"  search 'pothole': median {report.search_median_ms:.1f} ms ({report.found:,} found)",
    ])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.catalogue", description=__doc__)
    parser.add_argument("--services", type=int, default=10_000)
    parser.add_argument("--councils", type=int, default=10)
    parser.add_argument("--changed", type=int, default=10)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        report = run(Path(folder), args.services, args.councils, args.changed)
    print(format_report(report))
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"load average {load:.1f} on {os.cpu_count()} CPUs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
