"""`make bench-http` runs end to end: a real Borough process on SQLite, residents walked to
check answers, wrk driving every scenario, the static limit measured beside it. Nothing about
speed is asserted: the harness must measure what it says (statuses, counts, ratios)."""

from __future__ import annotations

import os
import shutil

import pytest

from bench import http as bench_http


@pytest.fixture
def wrk_installed() -> None:
    if shutil.which("wrk") is None:
        message = "wrk is not installed (apt-get install -y wrk; .ci/run installs it)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)


def test_the_http_benchmark_measures_every_scenario_against_the_static_limit(wrk_installed: None) -> None:
    report = bench_http.run(["sqlite"], [1], seconds=1, warmup=0, residents=2)

    assert report.limit is not None and report.limit.requests > 0 and report.limit.unexpected == 0
    results = report.results["sqlite"]
    assert [result.name for result in results] == [
        "question page GET, 1 worker", "check answers GET, 1 worker",
        "valid answer POST, 1 worker", "answer with errors POST, 1 worker",
    ]
    for result in results:
        assert result.requests > 0, result.name
        # Every response had the status the scenario expects: pages 200, a saved answer's
        # redirect 303, an answer with errors 422. Anything else means the walk or the bodies
        # were wrong and the figures would measure error pages.
        assert result.unexpected == 0 and result.errors == 0, result
        assert result.cpu_ms > 0 and result.rss_mb > 0
        # Each run's ratio is to the static limit measured just before it, not at the start only.
        assert result.limit is not None and result.limit > 0 and result.ratio > 0
    assert len(report.limits) == 1 + len(results) and report.limits[0] is report.limit
    text = bench_http.format_report(report)
    assert "÷ limit" in text and "valid answer POST, 1 worker" in text
