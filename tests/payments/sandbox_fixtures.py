"""Helpers for paying on the built-in sandbox through the resident app.

The resident app's fixtures live in tests/web/conftest.py, which tests here do not see: a
test module declares its own small fixtures with `sandbox_app`, `client_for` and
`count_promotions`, and drives the journey with tests/web's Resident and walker (put on the
path here). Only the services these tests pay for are published, which keeps setup short.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import re
import shutil
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from unittest import mock
from urllib.parse import urlsplit

import httpx2 as httpx
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "web"))

import walker
from resident import REFERENCE, Page, Resident
from walker import SERVICES, answer_page, page_id, service

from borough.app import assemble
from borough.demo import load_demo
from runtime import store
from runtime.payments.sandbox import sign
from runtime.settings import ROOT, Settings
from runtime.store import payments as records
from runtime.store.models import PaymentAttempt, PaymentEvent, SandboxPayment, Submission

BASE = "http://127.0.0.1:8000"
COUNCIL_TAX = "pay-council-tax"  # three pages; the resident says how much (the walker: £25.50)
GARDEN_WASTE = "subscribe-garden-waste"  # fixed fees per bin, priced by the server
PAID_SERVICES = (COUNCIL_TAX, GARDEN_WASTE)

SUCCESS = "4444333322221111"
DECLINED = "4000000000000002"
EXPIRED_CARD = "4000000000000069"
CVC_REJECTED = "4000000000000127"
PROCESSING_ERROR = "4000000000000119"


async def sandbox_app(tmp_path: Path, database_url: str) -> Any:
    """The resident app with the demo council (on the sandbox) and only the paid services,
    on the test's migrated database (the `db` fixture's URL)."""
    services = tmp_path / "services"
    services.mkdir()
    for service_id in PAID_SERVICES:
        shutil.copy(SERVICES / f"{service_id}.json", services)
    await load_demo(services)
    settings = Settings(
        database_url=database_url, base_url=BASE, secret_key="test-secret-" + "x" * 32, environment="test",
        files_dir=tmp_path / "files", themes_dir=ROOT / "themes",
    )
    return assemble(settings, connect_database=False)


@contextlib.asynccontextmanager
async def client_for(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    """An in-process client for the app, as tests/web uses."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=BASE) as http:
        yield http


def count_promotions(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """From now on, the submission id of every `apply` that promotes a pending submission.

    The payment service calls `records.apply` through the module, so every path (return,
    webhook, reconciler) is counted."""
    promoted: list[int] = []
    original = records.apply

    async def counting(attempt_id: int, *args: Any, **kwargs: Any) -> records.Applied:
        applied = await original(attempt_id, *args, **kwargs)
        if applied.promoted:
            promoted.append(applied.attempt.submission_id)
        return applied

    monkeypatch.setattr(records, "apply", counting)
    return promoted


# Driving the journey ----------------------------------------------------------------------

_text_values: dict[str, str] = {}
KNOWN_TEXT = {"accountNumber": "12345678"}


def _remembered_text_value(fld: Any) -> str:
    """The walker's answer to a text question, found once per session (the walker searches
    for a string matching a pattern with Hypothesis, which takes seconds each time), or a
    known answer that matches the question's pattern."""
    known = KNOWN_TEXT.get(fld.name)
    if known is not None and re.fullmatch(fld.schema.get("pattern", ".*"), known):
        return known
    key = json.dumps([fld.name, fld.schema], sort_keys=True, default=str)
    if key not in _text_values:
        _text_values[key] = _walker_text_value(fld)
    return _text_values[key]


_walker_text_value = walker.text_value

Hook = Callable[[Page], Awaitable[None]]


async def to_card_page(payer: Resident, service_id: str, *, council: str = "demo", page: Page | None = None,
                       at_check: Hook | None = None, limit: int = 40) -> Page:
    """Answer `service_id` (from its start, or on from `page`) and send it from check answers;
    returns the sandbox's card page, opened but not paid."""
    compiled = service(service_id)
    page = page or await payer.start(council, service_id)
    for _ in range(limit):
        assert page.status == 200, (page.url, page.status, page.error_summary())
        if "/_sandbox/pay/" in page.url:
            return page
        step, item = page_id(page.url, service_id)
        if step == "check-answers":
            if at_check is not None:
                await at_check(page)
            page = await payer.submit(page)
            continue
        definition_page = compiled.page(step)
        assert definition_page is not None, (page.url, page.heading)
        assert definition_page.kind == "question" and item is None, page.url
        with mock.patch.object(walker, "text_value", _remembered_text_value):
            answer_page(page, definition_page)
        page = await payer.submit(page)
    raise AssertionError(f"{service_id} did not reach the card page in {limit} pages")


async def pay(payer: Resident, card_page: Page, card: str = SUCCESS) -> Page:
    """Pay on the card page and follow where the sandbox sends the resident."""
    walker.fill_card(card_page, card)
    return await payer.submit(card_page)


async def pay_and_leave(payer: Resident, card_page: Page, card: str = SUCCESS) -> str:
    """Pay on the card page, then close the browser: the redirect back is never followed.
    Returns the return URL the sandbox sent the resident to."""
    walker.fill_card(card_page, card)
    form = card_page.form()
    response = await payer.client.post(form.get("action") or card_page.url, data=card_page.form_data())
    assert response.status_code == 303, response.text[-2000:]
    return response.headers["location"]


def reference_on(page: Page) -> str:
    """The application reference shown on a page."""
    found = REFERENCE.search(page.soup.get_text(" "))
    assert found, page.url
    return found.group(0)


def csrf_of(page: Page) -> str:
    control = page.soup.find("input", attrs={"name": "csrf_token"})
    assert control is not None, page.url
    return str(control["value"])


def path_of(url: str) -> str:
    return urlsplit(url).path


# What is stored ---------------------------------------------------------------------------

def payment_id_of(card_page: Page) -> str:
    return path_of(card_page.url).rsplit("/", 1)[-1]


async def sandbox_payment(payment_id: str) -> SandboxPayment:
    payment = await records.sandbox_get(payment_id)
    assert payment is not None, payment_id
    return payment


async def latest_submission() -> Submission:
    submission = await Submission.all().order_by("-id").first()
    assert submission is not None
    return submission


async def reload(submission: Submission) -> Submission:
    return await Submission.get(id=submission.id)


async def attempts(submission: Submission) -> list[PaymentAttempt]:
    return await records.attempts_for(submission)


async def moves(attempt: PaymentAttempt) -> list[tuple[str, str, str]]:
    """The attempt's history as (from, to, source)."""
    return [(e.from_state, e.to_state, e.source) for e in await records.history(attempt)]


@dataclass(frozen=True)
class Picture:
    """Everything a webhook or sync could change, to compare before and after."""

    attempts: tuple[tuple[Any, ...], ...]
    events: int
    submission: tuple[Any, ...]
    webhooks: int

    @classmethod
    async def of(cls, submission: Submission) -> Picture:
        rows = await attempts(submission)
        fresh = await reload(submission)
        return cls(
            attempts=tuple((a.id, a.state, a.failure_reason, a.amount, a.flagged_for_refund, a.last_four)
                           for a in rows),
            events=await PaymentEvent.filter(attempt_id__in=[a.id for a in rows]).count(),
            submission=(fresh.awaiting_payment, fresh.state, fresh.submitted_at),
            webhooks=await store.models.WebhookMessage.all().count(),
        )


async def assert_paid_once(submission: Submission, promotions: list[int], *, initial: str = "received") -> PaymentAttempt:
    """The submission was promoted exactly once, by its one kept successful attempt: returned."""
    fresh = await reload(submission)
    assert not fresh.awaiting_payment
    assert fresh.state == initial
    assert promotions.count(submission.id) == 1, promotions
    rows = await attempts(submission)
    kept = [a for a in rows if a.state == "succeeded" and not a.flagged_for_refund]
    assert len(kept) == 1, [(a.state, a.flagged_for_refund) for a in rows]
    successes = [m for a in rows for m in await moves(a) if m[1] == "succeeded"]
    assert len(successes) == len([a for a in rows if a.state == "succeeded"]), successes
    return kept[0]


def assert_one_way(history: list[tuple[str, str, str]]) -> None:
    """A history starts at created, chains each move from the last, and moves only forward."""
    order = ["created", "in_progress", "authorised"]
    assert history[0] == ("", "created", "service"), history
    for before, after in itertools.pairwise(history):
        assert after[0] == before[1], history
        assert after[0] in order, history  # never out of a final state
        assert after[1] not in order or order.index(after[1]) > order.index(after[0]), history


# Webhooks ------------------------------------------------------------------------------

def webhook_url(council: str, provider: str = "sandbox") -> str:
    return f"/payments/{provider}/{council}/webhook"


async def post_webhook(client: httpx.AsyncClient, council: str, headers: dict[str, str], body: bytes,
                       provider: str = "sandbox") -> httpx.Response:
    return await client.post(webhook_url(council, provider), content=body, headers=headers)


def signed(secret: str, body: bytes) -> dict[str, str]:
    return {"pay-signature": sign(secret, body), "content-type": "application/json"}


def retarget(body: bytes, **changes: Any) -> bytes:
    message = json.loads(body)
    message.update(changes)
    return json.dumps(message).encode()
