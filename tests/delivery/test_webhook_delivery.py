"""Back-office webhooks, end to end: an application is sent and moved through its workflow, the
worker signs and posts each event to a receiving server on 127.0.0.1, which verifies the
signature and replay window as the docs tell councils to. Failures are retried with backoff
for over a day, then dead-lettered; a dead one sent again keeps its event id; two workers
never send one delivery twice; one council's events never reach another's endpoint."""

from __future__ import annotations

import asyncio
import json
import re
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx2 as httpx
import pytest
from local_http import free_port
from webhook_receiver import Receiver
from webhook_world import BOX, LINKS, SECRET_A, SECRET_B, application

from runtime.core.signatures import (
    SignatureRefused,
    parse_signature,
    sign,
    signature_header,
    verify_signature,
)
from runtime.delivery import webhooks as delivery
from runtime.delivery.webhooks import LEASE, MAX_ATTEMPTS, deliver_due, retry_delay
from runtime.store import Council, webhooks
from runtime.store import workflow as flow
from runtime.store.models import SubmissionEvent, WebhookDelivery

ROOT = Path(__file__).resolve().parents[2]
BOTH = list(webhooks.EVENTS)


async def send(now: datetime | None = None, **options: object) -> int:
    return await deliver_due(BOX, now=now, production=False, **options)  # type: ignore[arg-type]


async def only_delivery() -> WebhookDelivery:
    [row] = await WebhookDelivery.all()
    return row


# Delivered, signed, verified --------------------------------------------------------------

async def test_a_sent_and_moved_application_is_delivered_signed(alpha: Council, receiver: Receiver) -> None:
    endpoint = await webhooks.add_endpoint(alpha, BOX, receiver.hook, SECRET_A, BOTH)
    submission = await application(alpha, {"name": "Pat Example", "street": "1 Rhodfa'r Môr"})
    assert await send() == 1
    assert await send() == 0  # nothing is sent twice

    [created] = receiver.accepted()
    first = await SubmissionEvent.filter(submission_id=submission.id).order_by("id").first()
    assert first is not None
    event_id = f"{submission.reference}.{first.id}"
    assert created.path == "/hook"
    assert created.headers["content-type"] == "application/json"
    assert created.headers["user-agent"] == "Borough-Webhooks/1"
    assert created.headers["borough-event-id"] == event_id
    assert created.headers["borough-event-type"] == "submission.created"
    timestamp = int(created.headers["borough-timestamp"])
    assert abs(time.time() - timestamp) < 60
    assert created.headers["borough-signature"] == f"t={timestamp},v1={sign(SECRET_A, timestamp, created.body)}"
    # Compact UTF-8 JSON, envelope first.
    assert created.body.startswith(b'{"id":"' + event_id.encode() + b'","type":"submission.created","created_at":"')
    assert b": " not in created.body and "Môr".encode() in created.body
    body = created.event
    assert body["data"]["reference"] == submission.reference and body["data"]["council"] == "alpha"
    assert body["data"]["state"] == {"id": "received", "label": "New", "final": False}
    assert body["data"]["answers"]["street"] == "1 Rhodfa'r Môr"
    row = await only_delivery()
    assert (row.endpoint_id, row.attempts, row.last_status, row.last_error) == (endpoint.id, 1, 200, None)
    assert row.delivered_at is not None and row.claimed_until is None
    assert webhooks.state_of(row) == webhooks.DELIVERED

    _, moved = await flow.transition(alpha, submission.id, flow.Move("DONE", note="All checked"), LINKS)
    assert await send() == 1
    changed = receiver.accepted()[-1]
    assert changed.headers["borough-event-type"] == "submission.status_changed"
    assert changed.event["id"] == f"{submission.reference}.{moved.id}"
    assert changed.event["data"]["event"]["from"] == "received" and changed.event["data"]["event"]["to"] == "done"
    assert changed.event["data"]["state"]["final"] is True
    assert len(receiver.received) == 2


async def test_an_endpoint_gets_only_the_events_it_chose(alpha: Council, receiver: Receiver) -> None:
    await webhooks.add_endpoint(alpha, BOX, receiver.hook, SECRET_A, ["submission.status_changed"])
    submission = await application(alpha)
    assert await send() == 0 and receiver.received == []
    await flow.transition(alpha, submission.id, flow.Move("LOOK"), LINKS)
    assert await send() == 1
    assert [r.headers["borough-event-type"] for r in receiver.accepted()] == ["submission.status_changed"]


async def test_one_councils_events_never_reach_another_councils_endpoint(
        alpha: Council, beta: Council, receiver: Receiver, beta_receiver: Receiver) -> None:
    await webhooks.add_endpoint(alpha, BOX, receiver.hook, SECRET_A, BOTH)
    await webhooks.add_endpoint(beta, BOX, beta_receiver.hook, SECRET_B, BOTH)
    mine = await application(alpha)
    await flow.transition(alpha, mine.id, flow.Move("DONE"), LINKS)
    assert await send() == 2
    assert {r.event["data"]["reference"] for r in receiver.accepted()} == {mine.reference}
    assert beta_receiver.received == []
    theirs = await application(beta)
    assert await send() == 1
    assert [r.event["data"]["council"] for r in beta_receiver.accepted()] == ["beta"]
    assert {r.event["data"]["reference"] for r in receiver.received} == {mine.reference}
    assert theirs.reference != mine.reference
    # Staff of one council never see the other's deliveries.
    [beta_delivery] = await WebhookDelivery.filter(council_id=beta.id)
    assert await webhooks.get_delivery(alpha, beta_delivery.id) is None
    assert await webhooks.resend(alpha, beta_delivery.id) is None


# The receiver's check ------------------------------------------------------------------------

async def test_the_verifier_refuses_tampering_wrong_secrets_and_replays(alpha: Council, receiver: Receiver) -> None:
    await webhooks.add_endpoint(alpha, BOX, receiver.hook, SECRET_A, BOTH)
    await application(alpha)
    assert await send() == 1
    [got] = receiver.accepted()
    headers, body = got.headers, got.body
    timestamp = int(headers["borough-timestamp"])
    assert verify_signature(SECRET_A, headers, body) == timestamp

    def refused(code: str, *args: object, **kwargs: object) -> None:
        with pytest.raises(SignatureRefused) as caught:
            verify_signature(*args, **kwargs)  # type: ignore[arg-type]
        assert caught.value.code == code, caught.value

    tampered = body.replace(b"Pat Example", b"Pat Exampel")
    assert tampered != body
    refused("mismatch", SECRET_A, headers, tampered)
    refused("mismatch", SECRET_A, headers, body + b" ")
    refused("mismatch", SECRET_B, headers, body)
    refused("timestamp", SECRET_A, headers, body, now=timestamp + 301)  # an old message replayed
    refused("timestamp", SECRET_A, headers, body, now=timestamp - 301)  # from the future
    assert verify_signature(SECRET_A, headers, body, now=timestamp + 300) == timestamp
    refused("timestamp", SECRET_A, headers, body, now=timestamp + 61, tolerance=60)
    refused("missing", SECRET_A, {k: v for k, v in headers.items() if k != "borough-signature"}, body)
    for broken in ("v1=abc", f"t={timestamp}", "t=soon,v1=abc", f"t={timestamp},t={timestamp},v1=ab", "nonsense"):
        refused("malformed", SECRET_A, {**headers, "borough-signature": broken}, body)
    # The signed time is the one that counts: changing Borough-Timestamp alone is refused.
    refused("malformed", SECRET_A, {**headers, "borough-timestamp": str(timestamp + 1)}, body)
    # Re-signing with a new time needs the secret.
    later = timestamp + 1000
    forged = {**headers, "borough-timestamp": str(later),
              "borough-signature": f"t={later},v1={parse_signature(headers['borough-signature'])[1][0]}"}
    refused("mismatch", SECRET_A, forged, body, now=later)
    # While a secret is replaced, either secret verifies a message signed with both.
    rotated = {"Borough-Signature": signature_header(["new-secret", SECRET_A], timestamp, body)}
    assert verify_signature("new-secret", rotated, body, now=timestamp) == timestamp
    assert verify_signature(SECRET_A, rotated, body, now=timestamp) == timestamp
    assert verify_signature(["x", "new-secret"], rotated, body, now=timestamp) == timestamp
    refused("mismatch", "another", rotated, body, now=timestamp)


async def test_a_receiver_whose_clock_disagrees_refuses_and_it_is_retried(alpha: Council, receiver: Receiver) -> None:
    await webhooks.add_endpoint(alpha, BOX, receiver.hook, SECRET_A, BOTH)
    await application(alpha)
    receiver.clock_offset = 600  # ten minutes ahead: every message looks replayed
    moment = datetime.now(UTC)
    assert await send(moment) == 0
    [refusal] = receiver.received
    assert (refusal.verified, refusal.refusal, refusal.answered) == (False, "timestamp", 400)
    row = await only_delivery()
    assert row.last_status == 400 and webhooks.state_of(row) == webhooks.RETRYING
    receiver.clock_offset = 0
    assert row.next_attempt_at is not None
    assert await send(row.next_attempt_at) == 1
    assert len(receiver.accepted()) == 1


async def test_the_documented_snippet_verifies_a_real_delivery(alpha: Council, receiver: Receiver) -> None:
    """docs/webhooks.md shows receivers how to check a signature: that code, run here."""
    docs = (ROOT / "docs" / "webhooks.md").read_text(encoding="utf-8")
    [snippet] = re.findall(r"```python\n(.*?)```", docs, flags=re.S)
    namespace: dict[str, object] = {}
    exec(compile(snippet, "docs/webhooks.md", "exec"), namespace)
    check = namespace["is_genuine"]
    await webhooks.add_endpoint(alpha, BOX, receiver.hook, SECRET_A, BOTH)
    await application(alpha)
    assert await send() == 1
    [got] = receiver.accepted()
    assert check(SECRET_A, got.headers, got.body) is True  # type: ignore[operator]
    assert check(SECRET_B, got.headers, got.body) is False  # type: ignore[operator]
    assert check(SECRET_A, got.headers, got.body.replace(b"Pat", b"Pam")) is False  # type: ignore[operator]
    stale = int(got.headers["borough-timestamp"]) - 301
    old = {**got.headers, "borough-timestamp": str(stale),
           "borough-signature": signature_header([SECRET_A], stale, got.body)}
    assert check(SECRET_A, old, got.body) is False  # type: ignore[operator]
    assert verify_signature(SECRET_A, old, got.body, now=stale) == stale  # genuine, but too old


# Retries, backoff, dead letters ----------------------------------------------------------------

def test_the_retry_schedule_covers_more_than_a_day() -> None:
    waits = [retry_delay(n, 0.0) for n in range(1, MAX_ATTEMPTS)]
    assert [w.total_seconds() / 60 for w in waits[:8]] == [1, 2, 4, 8, 16, 32, 60, 60]
    assert max(waits) == timedelta(hours=1)
    assert sum(waits, timedelta()) >= timedelta(hours=26)
    assert sum((retry_delay(n, 1.0) for n in range(1, MAX_ATTEMPTS)), timedelta()) < timedelta(hours=32)
    for n in (1, 5, 12):
        assert retry_delay(n, 0.0) <= retry_delay(n) <= retry_delay(n, 1.0) == retry_delay(n, 0.0) * 1.2


async def test_failures_are_retried_with_backoff_then_dead_lettered(alpha: Council, receiver: Receiver) -> None:
    await webhooks.add_endpoint(alpha, BOX, receiver.hook, SECRET_A, BOTH)
    await application(alpha)
    receiver.fail_next(MAX_ATTEMPTS, 503)
    moment = datetime.now(UTC)
    first = moment
    for attempt in range(1, MAX_ATTEMPTS + 1):
        assert await send(moment) == 0
        row = await only_delivery()
        assert row.attempts == attempt and row.last_status == 503
        assert row.last_error is not None and row.last_error.startswith("HTTP 503")
        assert len(receiver.received) == attempt
        if attempt == MAX_ATTEMPTS:
            break
        assert row.dead_at is None and row.next_attempt_at is not None and row.claimed_until is None
        wait = row.next_attempt_at - moment
        assert retry_delay(attempt, 0.0) <= wait <= retry_delay(attempt, 1.0), (attempt, wait)
        # Not before its time.
        assert await send(row.next_attempt_at - timedelta(seconds=1)) == 0
        assert len(receiver.received) == attempt
        moment = row.next_attempt_at
    assert moment - first >= timedelta(hours=24)
    assert row.dead_at is not None and webhooks.state_of(row) == webhooks.DEAD
    assert await send(moment + timedelta(days=3)) == 0
    assert len(receiver.received) == MAX_ATTEMPTS
    assert [d.id for d in await webhooks.dead_letters(alpha)] == [row.id]
    assert all(r.verified for r in receiver.received)  # every retry was signed afresh
    assert len({r.headers["borough-event-id"] for r in receiver.received}) == 1


async def test_timeouts_and_unreachable_endpoints_are_retried(alpha: Council, receiver: Receiver) -> None:
    endpoint = await webhooks.add_endpoint(alpha, BOX, receiver.hook, SECRET_A, ["submission.created"])
    await application(alpha)
    receiver.hang_next(1, seconds=2.0)
    async with httpx.AsyncClient(timeout=0.3) as impatient:
        assert await send(client=impatient) == 0
    row = await only_delivery()
    assert row.last_status is None and row.last_error is not None and row.last_error.startswith("Timed out")
    assert webhooks.state_of(row) == webhooks.RETRYING

    port = free_port()  # nothing listens here
    await move_endpoint(endpoint.id, f"http://127.0.0.1:{port}/hook")
    assert row.next_attempt_at is not None
    assert await send(row.next_attempt_at) == 0
    row = await only_delivery()
    assert row.attempts == 2 and row.last_error is not None and "Connect" in row.last_error
    await move_endpoint(endpoint.id, receiver.hook)
    assert row.next_attempt_at is not None
    assert await send(row.next_attempt_at) == 1
    row = await only_delivery()
    assert row.attempts == 3 and row.last_status == 200 and row.last_error is None


async def move_endpoint(endpoint_id: int, url: str) -> None:
    from runtime.store.models import WebhookEndpoint

    await WebhookEndpoint.filter(id=endpoint_id).update(url=url)


async def test_gone_dead_letters_at_once_and_sending_again_keeps_the_event_id(alpha: Council, receiver: Receiver) -> None:
    await webhooks.add_endpoint(alpha, BOX, receiver.hook, SECRET_A, BOTH)
    await application(alpha)
    receiver.fail_next(1, 410)
    assert await send() == 0
    row = await only_delivery()
    assert row.dead_at is not None and row.attempts == 1 and row.last_status == 410
    [dead] = await webhooks.dead_letters(alpha)
    assert dead.id == row.id and dead.endpoint.url == receiver.hook

    again = await webhooks.resend(alpha, row.id)
    assert again is not None and webhooks.state_of(again) == webhooks.PENDING
    assert await webhooks.resend(alpha, row.id) is None  # not dead any more
    assert await webhooks.dead_letters(alpha) == []
    assert await send() == 1
    first, second = receiver.received
    assert first.headers["borough-event-id"] == second.headers["borough-event-id"] == row.event_id
    assert first.body == second.body and second.answered == 200
    row = await only_delivery()
    assert row.delivered_at is not None and row.dead_at is None and row.attempts == 1
    assert await webhooks.resend(alpha, row.id) is None  # a delivered one is not sent again


async def test_production_sends_only_to_https(alpha: Council, receiver: Receiver) -> None:
    await webhooks.add_endpoint(alpha, BOX, receiver.hook, SECRET_A, BOTH)
    await application(alpha)
    assert await deliver_due(BOX, production=True) == 0
    assert receiver.received == []
    row = await only_delivery()
    assert row.dead_at is not None and row.last_error is not None and "https://" in row.last_error
    assert delivery.url_refused("https://crm.example/hook", True) is None
    assert delivery.url_refused("http://127.0.0.1:8000/hook", False) is None
    assert delivery.url_refused("ftp://crm.example/hook", False) is not None


async def test_a_removed_endpoint_is_sent_nothing_more(alpha: Council, receiver: Receiver) -> None:
    endpoint = await webhooks.add_endpoint(alpha, BOX, receiver.hook, SECRET_A, BOTH)
    submission = await application(alpha)
    assert await webhooks.remove_endpoint(alpha, endpoint.id) is not None
    await flow.transition(alpha, submission.id, flow.Move("DONE"), LINKS)  # queues nothing for it
    assert await send() == 0 and receiver.received == []
    row = await only_delivery()
    assert row.dead_at is not None and row.last_error == webhooks.REMOVED
    assert await webhooks.dead_letters(alpha) == []  # nothing there staff could send again
    assert await webhooks.resend(alpha, row.id) is None
    [(secret, active)] = await type(endpoint).filter(id=endpoint.id).values_list("secret", "active")
    assert (secret, active) == ("", False)


# Several workers ---------------------------------------------------------------------------------

async def test_two_workers_deliver_each_delivery_once(alpha: Council, receiver: Receiver, second_worker: object) -> None:
    await webhooks.add_endpoint(alpha, BOX, receiver.hook, SECRET_A, BOTH)
    for _ in range(4):
        submission = await application(alpha)
        await flow.transition(alpha, submission.id, flow.Move("LOOK"), LINKS)
    total = await WebhookDelivery.all().count()
    assert total == 8
    receiver.hang_next(total, seconds=0.05)  # keep each send open so the workers overlap
    mine, theirs = await asyncio.gather(send(), second_worker(send))  # type: ignore[operator]
    assert mine + theirs == total and mine > 0 and theirs > 0, (mine, theirs)
    ids = [r.headers["borough-event-id"] for r in receiver.received]
    assert len(ids) == total and len(set(ids)) == total
    assert await WebhookDelivery.filter(attempts=1, delivered_at__isnull=False).count() == total


async def test_a_worker_that_died_mid_send_is_taken_over_after_its_lease(alpha: Council, receiver: Receiver) -> None:
    await webhooks.add_endpoint(alpha, BOX, receiver.hook, SECRET_A, BOTH)
    await application(alpha)
    moment = datetime.now(UTC)
    [(delivery_id, attempts)] = await webhooks.due_deliveries(moment, 10)
    crashed = await webhooks.claim_delivery(delivery_id, attempts, moment, LEASE)
    assert crashed is not None and crashed.attempt == 1
    assert await webhooks.claim_delivery(delivery_id, attempts, moment, LEASE) is None
    assert await send(moment + LEASE - timedelta(seconds=1)) == 0  # still held
    assert receiver.received == []
    assert await send(moment + LEASE + timedelta(seconds=1)) == 1
    # The dead worker's late word changes nothing.
    assert await webhooks.mark_failed(crashed, 500, "late", None, moment) is False
    row = await only_delivery()
    assert row.delivered_at is not None and row.dead_at is None and row.attempts == 2
    assert json.loads(receiver.received[0].body)["id"] == row.event_id
