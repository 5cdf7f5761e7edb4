"""`python -m bench.builder`: the builder's change round trip on the largest shipped service.

A designer's change, as the builder serves it in-process (the assembled app through httpx's
ASGI transport, signed in, CSRF and the version check included): the question form of the
largest shipped service's biggest page is posted with a changed question (the handler saves the
change as an operation of the draft, with its undo step and audit, and re-validates the draft),
and the page it redirects to is rendered. That is one round trip: POST then GET, timed together.

The baseline, measured in the same run and taking turns with the round trip, is the same page
rendered with no change (one GET). The ratio says what the change itself costs on top of
showing the page. The issue aims at a median under 50 ms on this machine. Exits 0 whatever the
numbers: a benchmark reports, it does not assert.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import statistics
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

import httpx2 as httpx
from bs4 import BeautifulSoup, Tag

from bench.http import form_body
from bench.journey import BASE, field_count, largest_service
from borough.app import assemble
from borough.demo import load_demo
from runtime import store
from runtime.settings import ROOT, Settings
from runtime.store import drafts

TARGET_MS = 50.0
DESIGNER = "designer@bench.borough.test"
PASSWORD = "Bench designer password 42"


@dataclass(frozen=True)
class Report:
    service_id: str
    fields: int
    page_id: str
    question: str
    round_trip: tuple[float, ...]  # ms: the POST of a change and the GET of the page it leads to
    baseline: tuple[float, ...]  # ms: the same page's GET, no change
    saves: tuple[float, ...]  # ms: the POST alone, within each round trip
    changes: int  # changes the draft recorded while the benchmark ran

    @property
    def ratio(self) -> float:
        return statistics.median(self.round_trip) / statistics.median(self.baseline)


def p95(samples: tuple[float, ...]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _form(html: str, action_ends: str) -> Tag:
    soup = BeautifulSoup(html, "html.parser")
    for form in soup.find_all("form"):
        if str(form.get("action", "")).endswith(action_ends):
            return form
    raise RuntimeError(f"no form posting to …{action_ends}")


def _version_on(html: str) -> str:
    found = BeautifulSoup(html, "html.parser").find("input", attrs={"name": "version"})
    if found is None:
        raise RuntimeError("the page has no version to post against")
    return str(found["value"])


def _biggest_question(definition: dict[str, Any]) -> tuple[str, str, str]:
    """The page with the most fields, and its first question with a label: (page, answer, label)."""
    page = max(definition["pages"], key=lambda page: (len(page.get("fields", [])), page["id"]))
    field = next(field for field in page["fields"] if field.get("label"))
    answer = str(field["answer"]).strip("/").replace("/", ".")
    return str(page["id"]), answer, str(field["label"])


class Designer:
    """A signed-in designer's browser, in-process, and the form it changes."""

    def __init__(self, client: httpx.AsyncClient, question_url: str, page_url: str, label: str) -> None:
        self.client = client
        self.question_url = question_url
        self.page_url = page_url
        self.label = label
        self.pairs: list[tuple[str, str]] = []
        self.turn = 0
        self.saves: list[float] = []

    async def open_form(self) -> None:
        response = await self.client.get(self.question_url)
        if response.status_code != 200:
            raise RuntimeError(f"{self.question_url} answered {response.status_code}")
        self.pairs = parse_qsl(form_body(_form(response.text, self.question_url)), keep_blank_values=True)

    async def change(self) -> httpx.Response:
        """Post the question with its words changed (two wordings in turn), then render the page
        the handler redirects to; the next change is posted at the version that page shows."""
        self.turn += 1
        label = self.label if self.turn % 2 == 0 else f"{self.label} (changed)"
        body = urlencode([(name, label if name == "label" else value) for name, value in self.pairs])
        started = time.perf_counter()
        saved = await self.client.post(self.question_url, content=body,
                                       headers={"content-type": "application/x-www-form-urlencoded"})
        self.saves.append((time.perf_counter() - started) * 1000)
        if saved.status_code != 303:
            raise RuntimeError(f"the change was not saved: {saved.status_code} {saved.text[:300]}")
        shown = await self.client.get(saved.headers["location"])
        if shown.status_code == 200:
            version = _version_on(shown.text)
            self.pairs = [(name, version if name == "version" else value) for name, value in self.pairs]
        return shown

    async def look(self) -> httpx.Response:
        return await self.client.get(self.page_url)


async def _timed(call: Any) -> float:
    started = time.perf_counter()
    response = await call()
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise RuntimeError(f"answered {response.status_code} while timed")
    return elapsed


async def run(changes: int = 200, warmup: int = 10, directory: Path | None = None) -> Report:
    with tempfile.TemporaryDirectory(prefix="bench-builder-") as scratch:
        folder = directory or Path(scratch)
        url = f"sqlite:///{folder / 'borough.db'}"
        await store.migrate(url)
        await store.connect(url)
        try:
            return await _run(folder, url, changes, warmup)
        finally:
            await store.disconnect()


async def _run(folder: Path, url: str, changes: int, warmup: int) -> Report:
    from runtime.staff.passwords import hash_password  # hashes a decoy when imported: only here

    council = await load_demo()
    user = await store.staff.create_user(DESIGNER, "Bench Designer", hash_password(PASSWORD))
    await store.staff.grant(user, council, ["designer"])
    service = largest_service()
    definition = json.loads((ROOT / "schemas" / "services" / f"{service.id}.json").read_text())
    definition["publisher"] = {"id": council.slug, "name": council.name}
    if await drafts.get_draft(council, service.id) is None:  # the demo publishes it: its draft starts level
        await drafts.create_draft(council, definition, source=f"shipped:{service.id}", actor=None, from_published=True)
    page_id, answer, label = _biggest_question(definition)

    settings = Settings(database_url=url, base_url=BASE, secret_key="bench-builder-secret-" + "x" * 32,
                        environment="test", files_dir=folder / "files", themes_dir=ROOT / "themes")
    app = assemble(settings, "all", connect_database=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as client:
        sign_in = await client.get("/staff/sign-in")
        token = _form(sign_in.text, "/staff/sign-in").find("input", attrs={"name": "csrf_token"})
        assert token is not None
        signed = await client.post("/staff/sign-in", data={"csrf_token": str(token["value"]), "email": DESIGNER,
                                                           "password": PASSWORD})
        if signed.status_code != 303:
            raise RuntimeError(f"the designer could not sign in: {signed.status_code}")
        base = f"/staff/{council.slug}/services/{service.id}/pages/{page_id}"
        designer = Designer(client, f"{base}/questions/{answer}", base, label)
        await designer.open_form()
        for _ in range(warmup):
            await designer.change()
            await designer.look()
        round_trip: list[float] = []
        baseline: list[float] = []
        gc.collect()
        designer.saves.clear()
        for _ in range(changes):
            round_trip.append(await _timed(designer.change))
            baseline.append(await _timed(designer.look))
    stored = await drafts.get_draft(council, service.id)
    assert stored is not None
    recorded = len(await drafts.changes_since(stored, 0))
    return Report(service.id, field_count(service), page_id, label, tuple(round_trip), tuple(baseline),
                  tuple(designer.saves), recorded)


def format_report(report: Report) -> str:
    def line(name: str, samples: tuple[float, ...]) -> str:
        return f"  {name:<34} median {statistics.median(samples):7.2f} ms   p95 {p95(samples):7.2f} ms   (n={len(samples)})"

    median = statistics.median(report.round_trip)
    verdict = "within" if median < TARGET_MS else "over"
    return "\n".join([
        f"builder change round trip on {report.service_id} ({report.fields} fields), "
        f"page {report.page_id!r}, question {report.question!r}",
        line("change: save + validate + render", report.round_trip),
        line("  of which the save (POST)", report.saves),
        line("baseline: render, no change", report.baseline),
        f"  ratio (medians) {report.ratio:.2f}x the baseline",
        f"  target: median < {TARGET_MS:.0f} ms: {verdict} ({median:.1f} ms)",
    ])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.builder", description=__doc__)
    parser.add_argument("-n", "--changes", type=int, default=200, help="timed changes, and as many baseline renders")
    parser.add_argument("--warmup", type=int, default=10, help="untimed changes first (default 10)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    try:
        report = asyncio.run(run(args.changes, args.warmup))
    except Exception:  # report, never fail the build
        traceback.print_exc()
        print("bench.builder: could not run (see above)", file=sys.stderr)
        return 0
    print(format_report(report))
    print(f"\n(bench ran in {time.perf_counter() - started:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
