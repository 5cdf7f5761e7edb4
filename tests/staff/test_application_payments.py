"""Staff see an application's payments and refund them, in full or in part; the day's
payments are set against the provider's own record, with every disagreement shown."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
from staff_client import StaffClient, make_user

from runtime import store
from runtime.store import payments as records
from runtime.store.models import SandboxPayment

WEB_TESTS = Path(__file__).resolve().parents[1] / "web"


def _load(name: str) -> Any:
    """The resident test harness (tests/web), to pay for an application as a resident would."""
    if str(WEB_TESTS) not in sys.path:
        sys.path.insert(0, str(WEB_TESTS))
    return importlib.import_module(name)


@pytest.fixture
async def paid(demo: store.Council, staff_app: Any) -> tuple[store.Council, store.Submission]:
    """A garden waste subscription, paid through the sandbox by a resident."""
    resident_module, walker = _load("resident"), _load("walker")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=staff_app), base_url="http://127.0.0.1:8000") as http:
        confirmation = await walker.walk(resident_module.Resident(http), "subscribe-garden-waste")
    reference = resident_module.REFERENCE.search(confirmation.soup.select_one(".govuk-panel").get_text(" ")).group(0)
    council = await store.get_council("demo")
    assert council is not None
    submission = await store.get_by_reference(council, reference)
    assert submission is not None and not submission.awaiting_payment
    return council, submission


async def admin(new_client: Callable[[], StaffClient], council: store.Council) -> StaffClient:
    await make_user("ann@demo.test", council, ["admin"])
    client = new_client()
    assert (await client.sign_in("ann@demo.test")).status_code == 303
    return client


async def test_the_application_shows_its_payment_and_history(paid: Any, new_client: Callable[[], StaffClient]) -> None:
    council, submission = paid
    client = await admin(new_client, council)
    twin = (await client.http.get(f"/staff/demo/applications/{submission.reference}.json")).json()
    [payment] = twin["payments"]
    assert payment["state"] == "succeeded" and payment["amount"] > 0
    assert payment["provider"] == "sandbox" and payment["provider_reference"].startswith("sbx_")
    assert payment["history"][0]["to"] == "created" and payment["history"][-1]["to"] == "succeeded"
    assert payment["refundable"] == payment["amount"]
    page = await client.http.get(f"/staff/demo/applications/{submission.reference}")
    assert page.status_code == 200 and payment["amount_text"] in page.text and "Refund" in page.text


async def test_refunds_in_part_then_in_full_and_never_more_than_was_paid(paid: Any,
                                                                        new_client: Callable[[], StaffClient]) -> None:
    council, submission = paid
    client = await admin(new_client, council)
    [attempt] = await records.attempts_for(submission)
    url = f"/staff/demo/applications/{submission.reference}/payments/{attempt.id}/refund"
    too_much = await client.post(url, {"amount": f"{attempt.amount / 100 + 1:.2f}", "reason": "Overcharged"})
    assert too_much.status_code == 422 and "must be between" in too_much.text
    no_reason = await client.post(url, {"amount": "1.00"})
    assert no_reason.status_code == 422 and "Enter the reason" in no_reason.text
    part = await client.post(url, {"amount": "10.00", "reason": "One bin returned"})
    assert part.status_code == 303
    rest = await client.post(url, {"amount": "", "reason": "Subscription cancelled"})
    assert rest.status_code == 303
    refunds = await records.refunds_for(attempt)
    assert [(r.amount, r.state) for r in refunds] == [(1000, "succeeded"), (attempt.amount - 1000, "succeeded")]
    sandbox = await SandboxPayment.get(id=attempt.provider_payment_id)
    assert sandbox.refunded == attempt.amount
    nothing_left = await client.post(url, {"amount": "1.00", "reason": "Again"})
    assert nothing_left.status_code == 422 and "nothing left to refund" in nothing_left.text
    actions = [e.action for e in await store.audit.entries(council, limit=50)]
    assert actions.count("refund") == 2


async def test_a_refund_the_provider_refuses_is_recorded_as_failed(paid: Any, new_client: Callable[[], StaffClient]) -> None:
    council, submission = paid
    client = await admin(new_client, council)
    [attempt] = await records.attempts_for(submission)
    # Someone refunded at the provider directly: what we think is available is now stale.
    await SandboxPayment.filter(id=attempt.provider_payment_id).update(refunded=500)
    response = await client.post(f"/staff/demo/applications/{submission.reference}/payments/{attempt.id}/refund",
                                 {"amount": "1.00", "reason": "Goodwill"})
    assert response.status_code == 422 and "The refund was not made" in response.text
    [refund] = await records.refunds_for(attempt)
    assert refund.state == "failed"
    assert (await SandboxPayment.get(id=attempt.provider_payment_id)).refunded == 500


async def test_reconciliation_agrees_then_shows_each_disagreement(paid: Any, new_client: Callable[[], StaffClient]) -> None:
    council, submission = paid
    client = await admin(new_client, council)
    [attempt] = await records.attempts_for(submission)
    day = attempt.created_at.date().isoformat()
    agreed = (await client.http.get(f"/staff/demo/payments/reconciliation.json?date={day}")).json()
    assert agreed["mismatches"] == 0 and [row["problems"] for row in agreed["rows"]] == [[]]
    await SandboxPayment.filter(id=attempt.provider_payment_id).update(amount=attempt.amount + 1, refunded=0)
    await records.sandbox_create(council.id, 999, "not-ours", "Taken elsewhere", "https://x.test", timedelta(minutes=90))
    found = (await client.http.get(f"/staff/demo/payments/reconciliation.json?date={day}")).json()
    problems = {row["provider_reference"]: row["problems"] for row in found["rows"]}
    assert found["mismatches"] == 2
    assert any("the provider has" in p for p in problems[attempt.provider_payment_id])
    assert ["only in the provider's record"] in problems.values()
    page = await client.http.get(f"/staff/demo/payments/reconciliation?date={day}")
    assert page.status_code == 200 and "only in the provider&#39;s record" in page.text


async def test_the_payer_is_emailed_once_when_the_payment_settles(paid: Any, staff_app: Any) -> None:
    _, submission = paid
    [attempt] = await records.attempts_for(submission)

    def receipts(messages: list[Any]) -> list[Any]:
        return [m for m in messages if m.subject == f"Payment received: {submission.reference}"]

    [email] = receipts(await store.list_for_recipient("resident@example.com"))
    assert "We have received your payment of £" in email.body_text and submission.reference in email.body_text
    council = await store.get_council_by_id(submission.council_id)
    assert council is not None
    link = staff_app.state.payments.links.status_url(council.slug, submission.reference)
    assert f"See the progress of your application:\n{link}" in email.body_text
    await staff_app.state.payments.sync(attempt, "reconciler")  # a later sync sends nothing more
    assert len(receipts(await store.list_for_recipient("resident@example.com"))) == 1
