"""`make bench-http`: Borough served by real server processes, driven by a real load generator.

For each backend (SQLite in a file, PostgreSQL when reachable) it starts `borough serve` in a
process of its own, walks residents to check answers first, then drives it with `wrk`
(one thread, 32 connections, a warm-up, then a timed run) on:

- a question page (GET), check answers (GET),
- a valid answer (POST, saved durably before the redirect), an answer with errors (POST, 422),

with one worker, and the question page and the valid answer with two (the scaling; wrk's own
CPU is printed beside it, since it shares the machine's cores), and in the same run a minimal
Starlette app serving a static 10 KB page with the same server: the machine's limit. The limit is measured again just before
each of Borough's runs (the machine is shared, and its load moves within minutes), and each
run's ratio is to the limit measured beside it. It prints requests per second, p50 and p99
latency, the server's CPU time per request, resident memory, and those ratios, so a noisy
machine still gives honest ratios. It never asserts: it reports.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import resource
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

import httpx2 as httpx
from bs4 import BeautifulSoup, Tag

from bench.journey import largest_service, walk_to_check_answers
from borough.demo import DEMO_SLUG
from runtime.core.service import Service
from runtime.settings import ROOT

HOST = "127.0.0.1"
POSTGRES_SERVER = os.environ.get("BOROUGH_TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
STATIC_APP = "bench.static_page:app"
START_SECONDS = 60
CONNECTIONS = 32


# Processes ----------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def _wait_for(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    raise RuntimeError(f"the server did not answer within {START_SECONDS} s:\n{log.read_text()[-3000:]}")


@contextmanager
def process(command: list[str], env: dict[str, str], ready: str, log: Path) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("wb") as output:
        server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT,
                                  start_new_session=True)
    try:
        _wait_for(ready, server, log)
        yield server
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def process_tree(pid: int) -> list[int]:
    """`pid` and every process below it (uvicorn's supervisor and its workers)."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents.setdefault(int(fields[1]), []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(parents.get(current, []))
    return found


def cpu_seconds(pids: list[int]) -> float:
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def resident_mb(pids: list[int]) -> float:
    """The largest resident set among the serving processes (a worker's, not their sum)."""
    largest = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    largest = max(largest, int(line.split()[1]))
        except OSError:
            continue
    return largest / 1024


# The load generator -----------------------------------------------------------------------

@dataclass
class Request:
    method: str
    path: str
    cookie: str
    body: str = ""


@dataclass
class Result:
    name: str
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: int  # socket errors and timeouts
    unexpected: int  # responses of another status than the one expected
    cpu_ms: float  # the server's CPU time per request
    rss_mb: float
    limit: float | None = None  # the static page's req/s, measured just before this run
    server_cores: float = 0.0  # the server's CPU seconds per second of the run
    wrk_cores: float = 0.0  # wrk's own CPU seconds per second of the run (it shares the machine)

    @property
    def ratio(self) -> float:
        return self.rate / self.limit if self.limit else float("nan")

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def lua_script(requests: list[Request], expected: int) -> str:
    rows = ",\n".join(
        "{" + ", ".join(f"{key} = {json.dumps(value)}" for key, value in
                        (("method", r.method), ("path", r.path), ("cookie", r.cookie), ("body", r.body))) + "}"
        for r in requests)
    return f"""
local requests = {{
{rows}
}}
local next_one = 0
unexpected = 0 -- a global of each thread's own Lua state, read by done() through thread:get
local threads = {{}}
setup = function(thread) table.insert(threads, thread) end
request = function()
  next_one = next_one % #requests + 1
  local r = requests[next_one]
  local headers = {{ ["Cookie"] = r.cookie }}
  if r.method == "POST" then headers["Content-Type"] = "application/x-www-form-urlencoded" end
  return wrk.format(r.method, r.path, headers, r.body ~= "" and r.body or nil)
end
response = function(status, headers, body)
  if status ~= {expected} then unexpected = unexpected + 1 end
end
done = function(summary, latency, requests)
  -- done() runs in the main Lua state, not the threads': their counts are fetched from them
  local unexpected = 0
  for _, thread in ipairs(threads) do unexpected = unexpected + thread:get("unexpected") end
  io.write(string.format("BENCH %d %f %f %f %d %d\\n", summary.requests, summary.duration / 1e6,
    latency:percentile(50) / 1e3, latency:percentile(99) / 1e3,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout, unexpected))
end
"""


def wrk(base_url: str, requests: list[Request], expected: int, seconds: float, warmup: float,
        server: subprocess.Popen[bytes], name: str, folder: Path) -> Result:
    script = folder / f"{re.sub(r'[^a-z0-9]+', '-', name.lower())}.lua"
    script.write_text(lua_script(requests, expected))
    command = ["wrk", "-t1", f"-c{CONNECTIONS}", "--timeout", "10s", "-s", str(script), base_url]
    if warmup > 0:
        subprocess.run([*command[:1], f"-d{max(1, round(warmup))}s", *command[1:]], capture_output=True, text=True, check=True)
    pids = process_tree(server.pid)
    before, client_before = cpu_seconds(pids), _children_cpu()
    done = subprocess.run([*command[:1], f"-d{max(1, round(seconds))}s", *command[1:]], capture_output=True, text=True,
                          check=True)
    used, client_used = cpu_seconds(pids) - before, _children_cpu() - client_before
    line = next((row for row in done.stdout.splitlines() if row.startswith("BENCH ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no summary:\n{done.stdout}\n{done.stderr}")
    count, duration, p50, p99, errors, unexpected = line.split()[1:]
    return Result(name, int(count), float(duration), float(p50), float(p99), int(errors), int(unexpected),
                  used * 1000 / max(int(count), 1), resident_mb(pids),
                  server_cores=used / max(float(duration), 1e-9), wrk_cores=client_used / max(float(duration), 1e-9))


def _children_cpu() -> float:
    """The CPU seconds of this process's finished children (each wrk run, once waited for)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


# Residents ---------------------------------------------------------------------------------

@dataclass
class Resident:
    cookie: str
    question_body: str
    invalid_body: str


def form_body(form: Tag, *, emptied: str | None = None) -> str:
    """The form as a browser would post it, with `emptied` (a field's name) left blank."""
    pairs: list[tuple[str, str]] = []
    for control in form.find_all(["input", "textarea", "select"]):
        name = control.get("name")
        if not name or control.get("type") in ("submit", "button", "file"):
            continue
        if control.name == "select":
            chosen = control.find("option", selected=True) or control.find("option")
            value = chosen.get("value", "") if chosen else ""
        elif control.name == "textarea":
            value = control.get_text()
        elif control.get("type") in ("radio", "checkbox"):
            if not control.has_attr("checked"):
                continue
            value = control.get("value", "on")
        else:
            value = control.get("value", "")
        pairs.append((name, "" if name == emptied else value))
    return urlencode(pairs)


def required_text_field(form: Tag) -> str:
    for control in form.find_all("input"):
        if control.get("type", "text") in ("text", "email", "tel") and control.get("name") != "csrf_token" \
                and control.get("value"):
            label = form.find("label", attrs={"for": control.get("id")})
            if label is not None and "(optional)" not in label.get_text():
                return str(control["name"])
    raise RuntimeError("the question page has no required text field to leave blank")


async def walk_residents(base_url: str, service: Service, count: int, question: str) -> list[Resident]:
    """`count` residents each at check answers, with the bodies of a valid and an invalid
    answer to the question page, as their browsers would post them."""
    residents = []
    for _ in range(count):
        async with httpx.AsyncClient(base_url=base_url, follow_redirects=True) as client:
            await walk_to_check_answers(client, service, DEMO_SLUG)
            page = await client.get(f"/{DEMO_SLUG}/{service.id}/{question}")
            form = BeautifulSoup(page.text, "html.parser").find("form", attrs={"method": "post"})
            assert isinstance(form, Tag), "the question page has no form"
            cookie = "; ".join(f"{name}={value}" for name, value in client.cookies.items())
            residents.append(Resident(cookie, form_body(form), form_body(form, emptied=required_text_field(form))))
    return residents


# Backends ---------------------------------------------------------------------------------

@contextmanager
def database(backend: str, folder: Path) -> Iterator[str | None]:
    if backend == "sqlite":
        yield f"sqlite:///{folder / 'borough.db'}"
        return
    import asyncpg

    name = f"borough_bench_{secrets.token_hex(4)}"

    async def admin(statement: str) -> bool:
        try:
            connection = await asyncpg.connect(POSTGRES_SERVER, timeout=3)
        except (OSError, asyncpg.PostgresError, TimeoutError):
            return False
        try:
            await connection.execute(statement)
        finally:
            await connection.close()
        return True

    if not asyncio.run(admin(f'CREATE DATABASE "{name}"')):
        yield None
        return
    try:
        yield urlunsplit(urlsplit(POSTGRES_SERVER)._replace(path=f"/{name}"))
    finally:
        asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@dataclass
class Report:
    limit: Result | None = None  # the first measurement of the static page
    results: dict[str, list[Result]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    limits: list[Result] = field(default_factory=list)  # every measurement of it, in order


class Limit:
    """The static page, served all through the run, measured on demand."""

    def __init__(self, base_url: str, server: subprocess.Popen[bytes], folder: Path, report: Report) -> None:
        self.base_url, self.server, self.folder, self.report = base_url, server, folder, report

    def measure(self, seconds: float, warmup: float) -> Result:
        result = wrk(self.base_url, [Request("GET", "/", "")], 200, seconds, warmup, self.server,
                     "static 10 KB page (the machine's limit)", self.folder)
        self.report.limits.append(result)
        if self.report.limit is None:
            self.report.limit = result
        return result


def serve_borough(url: str, folder: Path, port: int, workers: int) -> list[str]:
    return [sys.executable, "-m", "borough", "serve", "--demo", "--host", HOST, "--port", str(port),
            "--workers", str(workers)]


def borough_env(url: str, folder: Path, port: int) -> dict[str, str]:
    return {**os.environ, "BOROUGH_DATABASE_URL": url, "BOROUGH_BASE_URL": f"http://{HOST}:{port}",
            "BOROUGH_SECRET_KEY": "bench-http-" + "x" * 32, "BOROUGH_VAR_DIR": str(folder / "var"),
            "BOROUGH_FILES_DIR": str(folder / "files"), "BOROUGH_ENV": "test"}


def run(backends: list[str], workers: list[int], seconds: float, warmup: float, residents: int) -> Report:
    report = Report()
    service = largest_service()
    with tempfile.TemporaryDirectory(prefix="borough-bench-http-") as scratch:
        folder = Path(scratch)
        port = free_port()
        with process([sys.executable, "-m", "uvicorn", STATIC_APP, "--host", HOST, "--port", str(port),
                      "--no-access-log", "--log-level", "warning"], dict(os.environ), f"http://{HOST}:{port}/",
                     folder / "static.log") as static:
            limit = Limit(f"http://{HOST}:{port}", static, folder, report)
            limit.measure(seconds, warmup)
            for backend in backends:
                (folder / backend).mkdir()
                with database(backend, folder / backend) as url:
                    if url is None:
                        report.notes.append(f"{backend}: not reachable at {POSTGRES_SERVER}, not measured")
                        continue
                    report.results[backend] = run_backend(url, folder / backend, service, workers, seconds, warmup,
                                                          residents, limit)
    return report


def run_backend(url: str, folder: Path, service: Service, workers: list[int], seconds: float, warmup: float,
                residents: int, limit: Limit | None = None) -> list[Result]:
    results: list[Result] = []
    for count in workers:
        port = free_port()
        base = f"http://{HOST}:{port}"
        with process(serve_borough(url, folder, port, count), borough_env(url, folder, port),
                     f"{base}/{DEMO_SLUG}", folder / f"server-{count}.log") as server:
            question = _question_page(service)
            walked = asyncio.run(walk_residents(base, service, residents, question))
            page_path = f"/{DEMO_SLUG}/{service.id}/{question}"
            check_path = f"/{DEMO_SLUG}/{service.id}/check-answers"
            label = f"{count} worker{'s' if count > 1 else ''}"
            scenarios = [
                ([Request("GET", page_path, r.cookie) for r in walked], 200, f"question page GET, {label}"),
                ([Request("GET", check_path, r.cookie) for r in walked], 200, f"check answers GET, {label}"),
                ([Request("POST", page_path, r.cookie, r.question_body) for r in walked], 303,
                 f"valid answer POST, {label}"),
                ([Request("POST", page_path, r.cookie, r.invalid_body) for r in walked], 422,
                 f"answer with errors POST, {label}"),
            ]
            if count > 1:  # the scaling: a page read and an answer saved are enough to compare
                scenarios = [scenarios[0], scenarios[2]]
            for requests, expected, name in scenarios:
                beside = limit.measure(seconds, min(warmup, 1)) if limit is not None else None
                result = wrk(base, requests, expected, seconds, warmup, server, name, folder)
                result.limit = beside.rate if beside is not None else None
                results.append(result)
    return results


def _question_page(service: Service) -> str:
    """The question page with the most fields, as the in-process benchmark picks it."""
    questions = [page for page in service.pages if page.kind == "question" and not page.when]
    return max(questions, key=lambda page: len(page.fields)).id


# The report ---------------------------------------------------------------------------------

def format_report(report: Report) -> str:
    lines = []
    limit = report.limit
    header = (f"{'':44} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'CPU ms/req':>11} {'RSS MB':>7} {'limit':>7}"
              f" {'÷ limit':>8} {'bad':>5}")
    if limit is not None:
        lines += [header, _row(limit, limit)]
        rates = sorted(result.rate for result in report.limits)
        if len(rates) > 1:
            lines.append(f"  the static limit, measured {len(rates)} times through the run: {rates[0]:.0f} to"
                         f" {rates[-1]:.0f} req/s (median {rates[len(rates) // 2]:.0f}); each row's ratio is to the"
                         " one measured just before it")
    for backend, results in report.results.items():
        lines += ["", f"Borough on {backend}", header, *(_row(result, limit) for result in results)]
        by_name = {result.name: result for result in results}
        for what in ("question page GET", "valid answer POST"):
            one, two = by_name.get(f"{what}, 1 worker"), by_name.get(f"{what}, 2 workers")
            if one and two and one.rate:
                lines.append(f"  {what}: 2 workers ÷ 1 worker = {two.rate / one.rate:.2f} (÷ limit"
                             f" {two.ratio / one.ratio:.2f}); the server used {one.server_cores:.2f} → "
                             f"{two.server_cores:.2f} cores, wrk {one.wrk_cores:.2f} → {two.wrk_cores:.2f}"
                             f" of the machine's {os.cpu_count()}")
        valid, invalid = by_name.get("valid answer POST, 1 worker"), by_name.get("answer with errors POST, 1 worker")
        if valid and invalid and invalid.rate:
            lines.append(f"  a POST with errors takes {valid.rate / invalid.rate:.2f} times a valid POST's time")
    lines += [f"note: {note}" for note in report.notes]
    lines.append(f"\n{CONNECTIONS} connections, one wrk thread; 'bad' counts responses with another status than"
                 " expected, and socket errors. Ratios to the static limit are the figures to compare.")
    return "\n".join(lines)


def _row(result: Result, limit: Result | None) -> str:
    beside = result.limit if result.limit is not None else limit.rate if limit is not None else None
    ratio = result.rate / beside if beside else float("nan")
    return (f"{result.name:44} {result.rate:8.0f} {result.p50_ms:8.2f} {result.p99_ms:8.2f} {result.cpu_ms:11.2f}"
            f" {result.rss_mb:7.0f} {beside or float('nan'):7.0f} {ratio:8.3f} {result.errors + result.unexpected:5d}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.http", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=10, help="timed seconds per run (default 10)")
    parser.add_argument("--warmup", type=float, default=3, help="untimed seconds first (default 3)")
    parser.add_argument("--backends", default="sqlite,postgres", help="sqlite,postgres (default both)")
    parser.add_argument("--workers", default="1,2", help="worker counts to measure (default 1,2)")
    parser.add_argument("--residents", type=int, default=64, help="residents walked to check answers (default 64)")
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        print("bench-http: wrk is not installed (Debian: apt-get install -y wrk; `make bench-http` does it)",
              file=sys.stderr)
        return 1
    started = time.perf_counter()
    report = run(args.backends.split(","), [int(n) for n in args.workers.split(",")], args.seconds, args.warmup,
                 args.residents)
    print(format_report(report))
    load = os.getloadavg()[0]
    print(f"load average {load:.1f} on {os.cpu_count()} CPUs; bench-http ran in {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
