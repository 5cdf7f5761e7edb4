"""`make bench-http` runs end to end: a real Borough process on SQLite, residents walked to
check answers, wrk driving every scenario, the static limit measured beside it. Nothing about
speed is asserted: the harness must measure what it says (statuses, counts, ratios)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from bench import http as bench_http


def test_the_http_benchmark_measures_every_scenario_against_the_static_limit(wrk_installed: None) -> None:
    report = bench_http.run(["sqlite"], [1, 2], seconds=1, warmup=0, residents=2)

    assert report.limit is not None and report.limit.requests > 0 and report.limit.unexpected == 0
    results = report.results["sqlite"]
    assert [result.name for result in results] == [
        "question page GET, 1 worker", "check answers GET, 1 worker",
        "valid answer POST, 1 worker", "answer with errors POST, 1 worker",
        "question page GET, 2 workers", "valid answer POST, 2 workers",
    ]
    for result in results:
        assert result.requests > 0, result.name
        # Every response had the status the scenario expects: pages 200, a saved answer's
        # redirect 303, an answer with errors 422. Anything else means the walk or the bodies
        # were wrong and the figures would measure error pages.
        assert result.unexpected == 0 and result.errors == 0, result
        assert result.cpu_ms > 0 and result.rss_mb > 0
        assert result.server_cores > 0 and result.wrk_cores > 0
        # Each run's ratio is to the static limit measured just before it, not at the start only.
        assert result.limit is not None and result.limit > 0 and result.ratio > 0
    assert len(report.limits) == 1 + len(results) and report.limits[0] is report.limit
    text = bench_http.format_report(report)
    assert "÷ limit" in text and "valid answer POST, 1 worker" in text
    assert "question page GET: 2 workers ÷ 1 worker = " in text and "valid answer POST: 2 workers ÷ 1 worker = " in text


def test_a_response_of_another_status_is_counted(wrk_installed: None, tmp_path: Path) -> None:
    """wrk runs done() in its main Lua state: the count of unexpected statuses, kept by each
    thread, must reach it (the static page answers 200, never the 404 asked for here)."""
    port = bench_http.free_port()
    base = f"http://{bench_http.HOST}:{port}"
    command = [sys.executable, "-m", "uvicorn", bench_http.STATIC_APP, "--host", bench_http.HOST, "--port", str(port),
               "--no-access-log", "--log-level", "warning"]
    with bench_http.process(command, dict(os.environ), f"{base}/", tmp_path / "static.log") as static:
        result = bench_http.wrk(base, [bench_http.Request("GET", "/", "")], 404, 1, 0, static, "static", tmp_path)

    assert result.requests > 0 and result.unexpected == result.requests
