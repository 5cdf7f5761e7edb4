"""Many syncs of one paid attempt at once promote its submission exactly once.

On PostgreSQL the syncs truly run in parallel and meet at the attempt's row lock; on SQLite
the writers serialise. Both must give one move to succeeded, one history event, and one
promotion.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
from sandbox_fixtures import (
    COUNCIL_TAX,
    Resident,
    assert_one_way,
    assert_paid_once,
    attempts,
    client_for,
    count_promotions,
    latest_submission,
    moves,
    path_of,
    pay_and_leave,
    post_webhook,
    retarget,
    sandbox_app,
    signed,
    to_card_page,
)

from runtime import store
from runtime.store import payments as records

SYNCS = 50


@pytest.fixture
async def app(tmp_path: Path, db: str) -> Any:
    return await sandbox_app(tmp_path, db)


@pytest.fixture
async def client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(app) as http:
        yield http


@pytest.fixture
def resident(client: httpx.AsyncClient) -> Resident:
    return Resident(client)


@pytest.fixture
def promotions(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    return count_promotions(monkeypatch)


async def paid_but_unheard(resident: Resident, app: Any, policy: str) -> tuple[Any, str]:
    """An application paid at the sandbox whose attempt has not heard yet: (submission, return URL)."""
    app.state.sandbox.policy = policy
    card = await to_card_page(resident, COUNCIL_TAX)
    submission = await latest_submission()
    return_url = await pay_and_leave(resident, card)
    (attempt,) = await attempts(submission)
    assert attempt.state == "created" and (await store.models.Submission.get(id=submission.id)).awaiting_payment
    return submission, return_url


async def test_fifty_concurrent_syncs_promote_once(resident: Resident, app: Any, promotions: list[int]) -> None:
    submission, _ = await paid_but_unheard(resident, app, "drop")
    (attempt,) = await attempts(submission)
    copies = [await records.get_attempt(attempt.id) for _ in range(SYNCS)]  # as 50 requests would load it

    results = await asyncio.gather(*(app.state.payments.sync(copy, "webhook") for copy in copies))

    assert [r.promoted for r in results].count(True) == 1
    assert [r.moved for r in results].count(True) == 1
    assert {r.attempt.state for r in results} == {"succeeded"}
    kept = await assert_paid_once(submission, promotions)
    assert kept.id == attempt.id and not kept.flagged_for_refund
    history = await moves(kept)
    assert_one_way(history)
    assert [m for m in history if m[1] == "succeeded"] == [("created", "succeeded", "webhook")], history
    assert promotions == [submission.id]


async def test_return_webhooks_and_reconciler_racing_promote_once(resident: Resident, app: Any,
                                                                  client: httpx.AsyncClient,
                                                                  promotions: list[int]) -> None:
    submission, return_url = await paid_but_unheard(resident, app, "hold")
    council_slug, headers, body = app.state.sandbox.held.pop()
    council = await store.get_council(council_slug)
    assert council is not None
    secret = app.state.payments.account(council).webhook_secret
    # The same webhook replayed, and the provider's retries of it under new message ids.
    deliveries = [(headers, body)] * 5
    for n in range(10):
        again = retarget(body, webhook_message_id=f"{json.loads(body)['webhook_message_id']}-retry{n}")
        deliveries.append((signed(secret, again), again))

    racing: list[Any] = [post_webhook(client, council_slug, h, b) for h, b in deliveries]
    racing += [client.get(path_of(return_url)) for _ in range(10)]
    racing += [app.state.payments.reconcile() for _ in range(5)]
    outcomes = await asyncio.gather(*racing)

    webhook_replies, returns, reconciles = outcomes[:15], outcomes[15:25], outcomes[25:]
    assert [r.status_code for r in webhook_replies] == [200] * 15
    assert all(r.status_code == 303 and r.headers["location"].endswith("/confirmation") for r in returns), [
        (r.status_code, r.headers.get("location")) for r in returns]
    assert sum(counts["promoted"] for counts in reconciles) <= 1
    kept = await assert_paid_once(submission, promotions)
    history = await moves(kept)
    assert_one_way(history)
    assert [m[1] for m in history].count("succeeded") == 1, history
    assert promotions == [submission.id]
