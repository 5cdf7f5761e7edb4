"""The catalogue at scale: `python -m bench.catalogue --services 10000`.

Builds a catalogue of generated services (copies of the shipped ones under new ids, spread
over several publishing councils), serves it with the standard library's static server in a
process of its own (threaded, keeping connections alive and sending without Nagle's delay, as
nginx and uvicorn do), and reports: the time to publish (the catalogue checks every definition), a first sync, a sync
after a few services changed (with the files fetched and the requests the server answered),
and a staff search's median time over the cache (a new client for each search, as the staff
pages make one per request). Syncs also report their CPU time (this process and the
checking processes it started), which moves less than wall time on a shared machine.
It reports; it never asserts on time.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import json
import multiprocessing
import os
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing.sharedctypes import Synchronized
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
    first_sync_cpu_seconds: float
    first_sync_files: int
    first_sync_requests: int
    second_sync_seconds: float
    second_sync_files: int
    second_sync_requests: int
    first_search_ms: float  # the first search after the sync: it makes the listing
    search_median_ms: float
    found: int


def generated(count: int) -> Iterator[dict[str, Any]]:
    shipped = [json.loads(path.read_text(encoding="utf-8")) for path in shipped_definitions()]
    for number in range(count):
        base = shipped[number % len(shipped)]
        yield {**base, "id": f"{base['id'][:50]}-{number}", "version": "1.0.0", "title": f"{base['title']} {number}"}


class _Counted(http.server.SimpleHTTPRequestHandler):
    """Static files over HTTP/1.1 (connections kept alive), each request counted, none logged.

    With TCP_NODELAY, as nginx (`tcp_nodelay on`) and uvicorn set it. Without it, the handler's
    two writes (headers, then the file) met the client's delayed acknowledgement: every file
    waited about 40 ms, and a first sync of 10,000 took 66 s instead of 18."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    requests: Synchronized[int] | None = None

    def do_GET(self) -> None:
        if self.requests is not None:
            with self.requests.get_lock():
                self.requests.value += 1
        super().do_GET()

    def log_message(self, format: str, *args: Any) -> None:
        pass


def _serve(folder: str, ports: Any, requests: Synchronized[int]) -> None:
    handler = type("Handler", (_Counted,), {"requests": requests})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=folder))
    server.daemon_threads = True
    ports.put(server.server_address[1])
    server.serve_forever()


@dataclass
class Served:
    url: str
    requests: Synchronized[int]

    def count(self) -> int:
        with self.requests.get_lock():
            return int(self.requests.value)


@contextmanager
def static_server(folder: Path) -> Iterator[Served]:
    """`folder` served as static files by another process; its URL and request count."""
    context = multiprocessing.get_context("spawn")
    ports = context.Queue()
    requests: Synchronized[int] = context.Value("q", 0)
    process = context.Process(target=_serve, args=(str(folder), ports, requests), daemon=True)
    process.start()
    try:
        yield Served(f"http://127.0.0.1:{ports.get(timeout=60)}", requests)
    finally:
        process.terminate()
        process.join()


def _cpu_seconds() -> float:
    """CPU time of this process and of its children that have ended (the checking processes)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _timed(work: Callable[[], Any]) -> tuple[Any, float, float]:
    wall, cpu = time.perf_counter(), _cpu_seconds()
    result = work()
    return result, time.perf_counter() - wall, _cpu_seconds() - cpu


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
    with static_server(repo.public_dir) as served:
        client = Client(folder / "cache")
        subscription = client.subscribe(served.url)
        before = served.count()
        first, first_seconds, first_cpu = _timed(lambda: client.sync(subscription))
        first_requests = served.count() - before
        council = next(iter(signers))
        newer = [{**definition, "version": "1.0.1", "publisher": {"id": council, "name": council.title()},
                  "summary": "Changed."} for definition in shares[council][:changed]]
        publication, _ = publishing.publish_many(repo.published_role(council), repo.index(council), council=council,
                                                 council_name=council.title(), signer=signers[council],
                                                 versions=[(definition, (), "Changed") for definition in newer])
        repo.accept(publication)
        before = served.count()
        second, second_seconds, _ = _timed(lambda: client.sync(subscription))
        second_requests = served.count() - before
    timings = []
    found = 0
    for _ in range(searches + 1):
        started = time.perf_counter()
        found = len(Client(folder / "cache").search("pothole"))
        timings.append((time.perf_counter() - started) * 1000)
    return Report(services, councils, changed, publish_seconds, first_seconds, first_cpu, len(first.fetched),
                  first_requests, second_seconds, len(second.fetched), second_requests, timings[0],
                  statistics.median(timings[1:]), found)


def format_report(report: Report) -> str:
    return "\n".join([
        f"catalogue of {report.services:,} services from {report.councils} councils",
        f"  publish (the catalogue checks every definition): {report.publish_seconds:.1f} s",
        f"  first sync: {report.first_sync_seconds:.1f} s ({report.first_sync_cpu_seconds:.1f} s CPU), "
        f"{report.first_sync_files:,} files fetched, {report.first_sync_requests:,} requests",
        f"  sync after {report.changed} changed: {report.second_sync_seconds:.2f} s, "
        f"{report.second_sync_files} files fetched, {report.second_sync_requests} requests",
        f"  search 'pothole': median {report.search_median_ms:.1f} ms, the first (making the listing) "
        f"{report.first_search_ms:.0f} ms ({report.found:,} found)",
    ])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.catalogue", description=__doc__)
    parser.add_argument("--services", type=int, default=10_000)
    parser.add_argument("--councils", type=int, default=10)
    parser.add_argument("--changed", type=int, default=10)
    args = parser.parse_args(argv)
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs at the start", flush=True)
    with tempfile.TemporaryDirectory() as folder:
        report = run(Path(folder), args.services, args.councils, args.changed)
    print(format_report(report))
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs at the end")
    return 0


if __name__ == "__main__":
    sys.exit(main())
