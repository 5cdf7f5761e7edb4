"""The benchmark machinery runs: with a handful of requests it serves both pages, ours and
the baseline's, and reports a ratio for each. No timing is asserted: benchmarks report."""

from __future__ import annotations

import pytest

from bench import inbox as inbox_bench
from bench.journey import largest_service
from bench.pages import format_report, run
from runtime.core.ui_text import ui


async def test_the_page_benchmark_reports_a_ratio_for_a_question_page_and_check_answers() -> None:
    report = await run(requests=3, warmup=1, compile_hits=100)

    service = largest_service()
    assert report.service_id == service.id
    question = service.page(report.question_page)
    assert question is not None and question.kind == "question"
    expected = {
        "question": question.title or question.fields[0].label,
        "check answers": ui("en", "check_answers_title"),
    }
    assert [page.name for page in report.pages] == list(expected)
    for page in report.pages:
        assert page.status == 200, page.url
        assert page.heading == expected[page.name]
        assert page.same_markup, f"the baseline's {page.name} page differs from ours"
        assert page.ours is not None and len(page.ours.samples) == 3
        assert page.baseline is not None and len(page.baseline.samples) == 3
        assert page.ratio is not None and page.ratio > 0
        assert page.queries_baseline.count == 1
    assert report.compiles_while_timed == 0, "a timed request compiled a definition"
    assert "ratio" in format_report(report)


@pytest.mark.parametrize("database_url", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)
async def test_the_inbox_benchmark_seeds_and_times_every_page_on_postgresql(database_url: str) -> None:
    report = await inbox_bench.run(database_url, rows=20_000, services=50, runs=3)

    assert report.rows == 20_000 and report.other_rows == 2_000 and len(report.baseline) == 3
    assert [case.name for case in report.cases] == [
        "service + state, first page", "service + state, deep page", "overdue, first page", "overdue, deep page",
        "no filter, first page", "no filter, deep page"]
    for case in report.cases:
        assert len(case.samples) == 3 and case.median > 0
        assert any("Index Scan" in line for line in case.plan), case.plan  # never a sequential scan of submissions
        assert not any("Seq Scan on submission" in line for line in case.plan), case.plan
        if case.deep:
            assert case.cursor is not None and case.rows_before > 0
    text = inbox_bench.format_report(report)
    assert "ratio" in text and "target: median < 50 ms" in text
