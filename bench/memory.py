"""`python -m bench.memory`: one worker's resident memory over 100,000 requests across every
shipped service.

It starts one real `borough serve --workers 1` process on SQLite (in a temporary folder, the
demo council with every shipped service), walks a few residents of each service to check
answers, then drives the server with `wrk` through all of their pages in turn: each question
(and content) page GET, check answers GET, and each question page's valid answer POST (the
body the resident's browser would send, CSRF token included; saved before the 303). The
requests are interleaved across residents, so no resident has two requests in flight at once
for long.

After about every `--every` requests (wrk runs for a time, paced by the rate so far) it reads
the server's resident set (VmRSS in /proc/PID/status) and prints the series, then the growth
after the warm-up (the first `--warmup-samples` samples). It reports; it never asserts.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx2 as httpx
from bs4 import BeautifulSoup, Tag

from bench.http import HOST, borough_env, form_body, free_port, process, process_tree, serve_borough
from bench.journey import walk_to_check_answers
from borough.demo import DEMO_SLUG, shipped_definitions
from runtime.core.service import Service, compile_service

LIMIT_MB = 150  # issue 13: one worker under 150 MB resident after 100,000 requests


@dataclass
class Step:
    method: str
    path: str
    cookie: str
    body: str = ""


@dataclass
class Sample:
    requests: int  # requests answered so far
    rss_mb: float
    rate: float  # requests a second over the chunk just finished
    bad: int  # responses with a status above 399 (none is expected: pages 200, answers 303), socket errors


def services() -> list[Service]:
    return [compile_service(json.loads(path.read_text())) for path in shipped_definitions()]


async def resident_steps(base_url: str, service: Service) -> list[Step]:
    """One resident walked to check answers on `service`; every page they answered (GET),
    each question page's answer as their browser posts it (POST), and check answers (GET),
    each sent once here and checked for its status (200, and 303 for an answer)."""
    steps: list[Step] = []
    async with httpx.AsyncClient(base_url=base_url, follow_redirects=True) as client:
        visited = await walk_to_check_answers(client, service, DEMO_SLUG)
        cookie = "; ".join(f"{name}={value}" for name, value in client.cookies.items())
        for page_id in visited:
            page = service.page(page_id)
            assert page is not None
            path = f"/{DEMO_SLUG}/{service.id}/{page_id}"
            if page.kind == "add-another":
                continue  # its summary and items are another journey shape; their pages are GETs below
            shown = await client.get(path)
            assert shown.status_code == 200, (path, shown.status_code)
            steps.append(Step("GET", path, cookie))
            if page.kind != "question" or any(fld.widget == "file" for fld in page.fields):
                continue
            form = BeautifulSoup(shown.text, "html.parser").find("form", attrs={"method": "post"})
            assert isinstance(form, Tag), f"{path} has no form"
            body = form_body(form)
            sent = await client.post(path, content=body, follow_redirects=False,
                                     headers={"Content-Type": "application/x-www-form-urlencoded"})
            assert sent.status_code == 303, (path, sent.status_code, sent.text[:2000])
            steps.append(Step("POST", path, cookie, body))
        check = f"/{DEMO_SLUG}/{service.id}/check-answers"
        assert (await client.get(check)).status_code == 200, check
        steps.append(Step("GET", check, cookie))
    return steps


async def all_steps(base_url: str, residents: int) -> tuple[list[Step], dict[str, int]]:
    """Every resident's steps, interleaved (one step of each resident in turn)."""
    walks: list[list[Step]] = []
    per_service: dict[str, int] = {}
    for service in services():
        for _ in range(residents):
            steps = await resident_steps(base_url, service)
            walks.append(steps)
            per_service[service.id] = per_service.get(service.id, 0) + len(steps)
    interleaved: list[Step] = []
    for turn in range(max(len(steps) for steps in walks)):
        interleaved += [steps[turn] for steps in walks if turn < len(steps)]
    return interleaved, per_service


def lua_script(steps: list[Step]) -> str:
    rows = ",\n".join(
        "{" + ", ".join(f"{key} = {json.dumps(value)}" for key, value in
                        (("method", s.method), ("path", s.path), ("cookie", s.cookie), ("body", s.body),
                         )) + "}"
        for s in steps)
    # Every status expected is a 200 or a 303: wrk counts any above 399 in summary.errors.status.
    return f"""
local steps = {{
{rows}
}}
local next_one = 0
request = function()
  next_one = next_one % #steps + 1
  local s = steps[next_one]
  local headers = {{ ["Cookie"] = s.cookie }}
  if s.method == "POST" then headers["Content-Type"] = "application/x-www-form-urlencoded" end
  return wrk.format(s.method, s.path, headers, s.body ~= "" and s.body or nil)
end
done = function(summary, latency, requests)
  io.write(string.format("BENCH %d %f %d %d\\n", summary.requests, summary.duration / 1e6,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status))
end
"""


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for {pid}")


def worker_pid(server: subprocess.Popen[bytes]) -> int:
    """The process serving requests: the largest in the server's tree (with one worker,
    uvicorn serves in the process it started in)."""
    return max(process_tree(server.pid), key=lambda pid: _rss_or_zero(pid))


def _rss_or_zero(pid: int) -> float:
    try:
        return rss_mb(pid)
    except (OSError, RuntimeError):
        return 0.0


def run(requests: int, every: int, residents: int, connections: int) -> tuple[list[Sample], dict[str, int], float]:
    """The samples (the first at 0 requests, after the walk), the steps per service in one
    cycle, and the RSS just after the server started."""
    with tempfile.TemporaryDirectory(prefix="borough-bench-memory-") as scratch:
        folder = Path(scratch)
        url = f"sqlite:///{folder / 'borough.db'}"
        port = free_port()
        base = f"http://{HOST}:{port}"
        with process(serve_borough(url, folder, port, 1), borough_env(url, folder, port), f"{base}/{DEMO_SLUG}",
                     folder / "server.log") as server:
            pid = worker_pid(server)
            started_mb = rss_mb(pid)
            steps, per_service = asyncio.run(all_steps(base, residents))
            script = folder / "memory.lua"
            script.write_text(lua_script(steps))
            samples = [Sample(0, rss_mb(pid), 0.0, 0)]
            done, seconds_per_chunk = 0, 2  # wrk runs for a time, not a count: the first chunk sets the pace
            while done < requests:
                ran = subprocess.run(["wrk", "-t1", f"-c{connections}", f"-d{seconds_per_chunk}s", "--timeout", "10s",
                                      "-s", str(script), base], capture_output=True, text=True, check=True)
                line = next((row for row in ran.stdout.splitlines() if row.startswith("BENCH ")), None)
                if line is None:
                    raise RuntimeError(f"wrk printed no summary:\n{ran.stdout}\n{ran.stderr}")
                count, seconds, errors, status_errors = line.split()[1:]
                done += int(count)
                rate = int(count) / float(seconds)
                samples.append(Sample(done, rss_mb(pid), rate, int(errors) + int(status_errors)))
                seconds_per_chunk = max(1, round(min(every, requests - done) / max(rate, 1)))
            return samples, per_service, started_mb


def growth(samples: list[Sample], warmup_samples: int) -> tuple[float, float]:
    """The growth in MB from the end of the warm-up to the last sample, and the largest sample
    after the warm-up minus the warm-up's."""
    after = samples[min(warmup_samples, len(samples) - 1):]
    return after[-1].rss_mb - after[0].rss_mb, max(s.rss_mb for s in after) - after[0].rss_mb


def format_report(samples: list[Sample], per_service: dict[str, int], started_mb: float, warmup_samples: int) -> str:
    lines = [f"one worker on SQLite: {started_mb:.1f} MB resident when it answered its first page",
             f"one cycle of {sum(per_service.values())} requests: "
             + ", ".join(f"{service} {count}" for service, count in per_service.items()),
             f"{'requests':>9} {'RSS MB':>8} {'req/s':>7} {'bad':>5}"]
    for sample in samples:
        lines.append(f"{sample.requests:9d} {sample.rss_mb:8.1f} {sample.rate:7.0f} {sample.bad:5d}")
    grew, peak = growth(samples, warmup_samples)
    last = samples[-1]
    warm = samples[min(warmup_samples, len(samples) - 1)]
    lines.append(f"after the warm-up (from {warm.requests} requests, {warm.rss_mb:.1f} MB) to {last.requests}:"
                 f" {grew:+.1f} MB (largest {peak:+.1f} MB); {last.rss_mb:.1f} MB at the end,"
                 f" {'under' if last.rss_mb < LIMIT_MB else 'over'} {LIMIT_MB} MB")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.memory", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=100_000, help="requests in all (default 100,000)")
    parser.add_argument("--every", type=int, default=10_000, help="requests between samples (default 10,000)")
    parser.add_argument("--residents", type=int, default=4, help="residents walked per service (default 4)")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections (default 16)")
    parser.add_argument("--warmup-samples", type=int, default=2,
                        help="samples counted as warm-up before growth is judged (default 2)")
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        print("bench-memory: wrk is not installed (Debian: apt-get install -y wrk)", file=sys.stderr)
        return 1
    started = time.perf_counter()
    samples, per_service, started_mb = run(args.requests, args.every, args.residents, args.connections)
    print(format_report(samples, per_service, started_mb, args.warmup_samples))
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs;"
          f" bench.memory ran in {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
