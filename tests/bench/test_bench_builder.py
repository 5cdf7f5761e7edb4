"""The builder benchmark runs: each timed change is saved through the builder's own handler (the
draft records one change for each, warm-up included) and its page rendered, the baseline page
too, and the report gives a median, a p95 and a ratio. No timing is asserted: benchmarks report."""

from __future__ import annotations

from pathlib import Path

from bench import builder as builder_bench
from bench.journey import largest_service


async def test_the_builder_benchmark_saves_each_change_and_reports_a_ratio(tmp_path: Path) -> None:
    report = await builder_bench.run(changes=3, warmup=1, directory=tmp_path)

    assert report.service_id == largest_service().id
    assert len(report.round_trip) == 3 and len(report.baseline) == 3
    assert len(report.saves) == 3 and all(save < whole for save, whole in zip(report.saves, report.round_trip, strict=True))
    assert all(sample > 0 for sample in report.round_trip + report.baseline)
    assert report.changes == 4, "every change, warm-up included, is one change of the draft"
    assert report.ratio > 0
    text = builder_bench.format_report(report)
    assert "median" in text and "p95" in text and "ratio" in text and "target: median < 50 ms" in text
