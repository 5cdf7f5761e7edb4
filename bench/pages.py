"""The first benchmark: a question page and the check-answers page of the largest shipped
service, ours against the hand-written baseline of the same markup, in the same run."""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2 as httpx
from bs4 import BeautifulSoup
from starlette.requests import Request

from bench.baseline import EMPTY_PATH, WHAT_IT_DOES, Template, baseline_app, template_from
from bench.journey import BASE, Journey, at_check_answers, field_count
from bench.timing import (
    CompileCosts,
    Queries,
    Stats,
    Target,
    compile_costs,
    counting_compiles,
    counting_queries,
    interleaved,
)
from runtime import store
from runtime.web.sessions import CSRF_COOKIE, JOURNEY_COOKIE, Signer

TARGET_RATIO = 0.9  # issue 13: at least 0.9 of the hand-written page


@dataclass
class PageResult:
    name: str
    url: str
    status: int
    heading: str
    same_markup: bool
    slots: int
    queries_ours: Queries
    queries_baseline: Queries
    ours: Stats | None = None
    baseline: Stats | None = None

    @property
    def ratio(self) -> float | None:
        if self.ours is None or self.baseline is None:
            return None
        return self.baseline.median / self.ours.median


@dataclass
class Report:
    service_id: str
    service_fields: int
    question_page: str
    question_fields: int
    requests: int
    warmup: int
    pages: list[PageResult]
    floor: Stats | None
    compiles_while_timed: int | None
    compile: CompileCosts
    profile: list[str] | None = None


async def run(requests: int = 300, warmup: int = 30, *, profile_requests: int = 0,
              compile_hits: int = 20000) -> Report:
    with tempfile.TemporaryDirectory(prefix="borough-bench-") as directory:
        async with at_check_answers(Path(directory)) as journey:
            return await _measure(journey, requests, warmup, profile_requests, compile_hits)


async def _measure(journey: Journey, requests: int, warmup: int, profile_requests: int,
                   compile_hits: int) -> Report:
    signer: Signer = journey.app.state.signer
    ours = journey.client
    question = journey.question_page
    urls = {"question": journey.url(question.id), "check answers": journey.check_answers_url}
    answers = await _answers(journey, signer)
    csrf_token = signer.csrf_token(ours.cookies.get(CSRF_COOKIE) or "")
    captured: dict[str, httpx.Response] = {}
    templates: dict[str, Template] = {}
    for name, url in urls.items():
        response = await ours.get(url)
        captured[name] = response
        templates[url] = template_from(response.text, csrf_token, answers)
    app = baseline_app(templates, journey.council, signer)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE,
                                 cookies=journey.cookies()) as base:
        results = []
        for name, url in urls.items():
            with counting_queries() as queries_ours:
                await ours.get(url)
            with counting_queries() as queries_base:
                plain = await base.get(url)
            response = captured[name]
            results.append(PageResult(
                name=name, url=url, status=response.status_code, heading=_heading(response.text),
                same_markup=plain.status_code == 200 and plain.text == response.text,
                slots=templates[url].slots, queries_ours=queries_ours, queries_baseline=queries_base,
            ))
        targets = [Target(client, url) for url in urls.values() for client in (ours, base)]
        floor = None
        compiles = None
        if requests > 0 and all(result.status == 200 for result in results):
            with counting_compiles() as counted:
                stats = await interleaved([*targets, Target(base, EMPTY_PATH)], requests, warmup)
            compiles = counted.count
            for index, result in enumerate(results):
                result.ours, result.baseline = stats[2 * index], stats[2 * index + 1]
            floor = stats[-1]
        profile = None
        if profile_requests > 0:
            from bench.profiling import profile_requests as profiled

            profile = await profiled([Target(ours, url) for url in urls.values()], profile_requests)
    return Report(
        service_id=journey.service.id, service_fields=field_count(journey.service),
        question_page=question.id, question_fields=len(question.fields),
        requests=requests, warmup=warmup, pages=results, floor=floor, compiles_while_timed=compiles,
        compile=compile_costs(journey.service.document, journey.service.hash, hits=compile_hits),
        profile=profile,
    )


async def _answers(journey: Journey, signer: Signer) -> dict[str, Any]:
    """The resident's saved answers, read as the app reads them: through the signed cookie."""
    cookie = journey.client.cookies.get(JOURNEY_COOKIE) or ""
    request = Request({"type": "http", "headers": [(b"cookie", f"{JOURNEY_COOKIE}={cookie}".encode())]})
    journey_id = signer.journey_id(request)
    row = await store.get_journey(journey.council, journey_id) if journey_id else None
    assert row is not None, "the walked journey is not in the database"
    return dict(row.answers)


def _heading(html: str) -> str:
    h1 = BeautifulSoup(html, "html.parser").find("h1")
    return " ".join(h1.get_text(" ").split()) if h1 else ""


def _ms(value: float) -> str:
    return f"{value:.2f}"


def format_report(report: Report, services: int | None = None) -> str:
    of = f" of {services} services" if services else ""
    lines = [
        f"Borough bench: {report.service_id}, the largest shipped service ({report.service_fields} fields{of})",
        f"question page: {report.question_page} ({report.question_fields} fields, the most of any page answered)",
        f"{report.requests} timed sequential GETs per page after {report.warmup} warm-up, in-process ASGI "
        "through httpx2, ours and baseline taking turns",
        "",
    ]
    header = ("page", "ours med", "ours p90", "base med", "base p90", "ratio", "queries", "markup")
    rows: list[Sequence[str]] = [header]
    for page in report.pages:
        timed = page.ours is not None and page.baseline is not None
        rows.append((
            f"{page.name} {page.url}",
            _ms(page.ours.median) if page.ours else "-", _ms(page.ours.p90) if page.ours else "-",
            _ms(page.baseline.median) if page.baseline else "-", _ms(page.baseline.p90) if page.baseline else "-",
            f"{page.ratio:.2f}" if timed and page.ratio is not None else "-",
            f"{page.queries_ours.count} / {page.queries_baseline.count}",
            "same" if page.same_markup else "DIFFERS",
        ))
    if report.floor:
        rows.append(("empty route (client + transport floor)", "", "", _ms(report.floor.median),
                     _ms(report.floor.p90), "", "0", ""))
    widths = [max(len(row[column]) for row in rows) for column in range(len(header))]
    for row in rows:
        cells = [row[0].ljust(widths[0])] + [cell.rjust(width) for cell, width in zip(row[1:], widths[1:], strict=True)]
        lines.append("  ".join(cells).rstrip())
    lines += [
        "",
        f"times in ms per request; ratio = baseline median / ours median (target >= {TARGET_RATIO}, higher is better)",
        f"baseline: {WHAT_IT_DOES}",
    ]
    for page in report.pages:
        lines.append(
            f"  {page.name}: {page.slots} templated places; queries ours: {', '.join(page.queries_ours.tables()) or 'none'}"
            f"; baseline: {', '.join(page.queries_baseline.tables()) or 'none'}"
        )
    worst = [page for page in report.pages if page.ratio is not None and page.ratio < TARGET_RATIO]
    if report.floor and report.pages and all(page.ratio is not None for page in report.pages):
        verdict = "below target: " + ", ".join(page.name for page in worst) if worst else "on target"
        lines.append(f"verdict: {verdict}")
    costs = report.compile
    compiled = "not watched" if report.compiles_while_timed is None else str(report.compiles_while_timed)
    lines += [
        "",
        "compile cache (compile_service on the published definition, per call):",
        f"  cache hit with the stored hash  {costs.hit * 1000:10.2f} µs   (what a request pays)",
        f"  cache hit, hashing the document {costs.hit_hashing * 1000:10.2f} µs",
        f"  cold compile (new content hash) {costs.cold * 1000:10.2f} µs   ({costs.cold / costs.hit:,.0f}x a hit)",
        f"  compiles during the timed requests: {compiled}",
    ]
    if report.profile:
        lines += ["", *report.profile]
    return "\n".join(lines)
