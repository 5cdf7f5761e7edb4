"""Applications moving through their workflow in the store: history, refusals, concurrency,
timers that fire once, and the messages each move queues in its own transaction."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import asyncpg
import pytest
from tortoise.exceptions import BaseORMException
from tortoise.transactions import in_transaction

from runtime.core.links import Links
from runtime.core.workflow import AWAITING_PAYMENT, Refused
from runtime.store import (
    Council,
    OutboxMessage,
    SecretBox,
    Submission,
    create_council,
    publish_version,
    start_journey,
    submit,
    webhooks,
)
from runtime.store import payments as records
from runtime.store import workflow as flow
from runtime.store.models import SubmissionEvent, WebhookDelivery, WorkflowTimer

LINKS = Links("https://borough.example", "the installation's key")
DAY_MS = 86_400_000

WORKFLOW = {
    "id": "permit",
    "initial": "received",
    "states": {
        "received": {
            "on": {
                "ASK": {"target": "waiting", "guard": "noteGiven", "actions": ["requestInformation"]},
                "ISSUE": {"target": "issued", "guard": "paymentSettled"},
                "REFUSE": {"target": "refused", "guard": "noteGiven"},
            },
            "meta": {"label": "New", "residentText": "We have your application.", "tag": "blue", "notify": True,
                     "targetDays": 5},
        },
        "waiting": {
            "on": {"ANSWERED": {"target": "received"}},
            "after": {str(7 * DAY_MS): {"target": "refused"}},
            "meta": {"label": "Waiting for you", "residentText": "We need more from you.", "tag": "yellow",
                     "notify": True},
        },
        "issued": {"type": "final", "meta": {"label": "Issued", "residentText": "Issued.", "tag": "green", "notify": True}},
        "refused": {"type": "final", "meta": {"label": "Refused", "residentText": "Refused.", "tag": "red"}},
    },
}

DEFINITION = {"id": "apply-for-a-permit", "version": "1.0.0", "title": "Apply for a permit", "workflow": WORKFLOW,
              "languages": ["en", "cy"],
              "translations": {"cy": {"title": "Gwneud cais am drwydded",
                                      "workflow.received.residentText": "Mae eich cais gennym."}}}


async def _submission(council: Council, *, email: str | None = "pat@example.com", language: str = "en",
                      state: str = "received", awaiting_payment: bool = False) -> Submission:
    version = await publish_version(council, DEFINITION, "a" * 64)
    journey = await start_journey(council, version, language)
    answers: dict[str, Any] = {"name": "Pat"}
    if email:
        answers["email"] = email
    submission, _ = await submit(journey, answers, state, awaiting_payment=awaiting_payment, links=LINKS)
    return submission


async def _counts(submission: Submission) -> tuple[str, int, int, int, int]:
    fresh = await Submission.get(id=submission.id)
    return (fresh.state, fresh.version, await SubmissionEvent.filter(submission_id=submission.id).count(),
            await OutboxMessage.all().count(), await WorkflowTimer.filter(submission_id=submission.id).count())


async def test_submitting_starts_the_history_and_tells_the_resident(council: Council) -> None:
    submission = await _submission(council)
    [start] = await flow.history(submission)
    assert (start.from_state, start.to_state, start.event, start.actor_label) == ("", "received", "submitted", "resident")
    assert submission.state_entered_at is not None
    assert submission.due_at is not None and submission.due_at > submission.state_entered_at
    [email] = await OutboxMessage.filter(recipient="pat@example.com")
    assert email.subject == f"Apply for a permit: New ({submission.reference})"
    assert "We have your application." in email.body_text
    assert LINKS.status_url("northshire", submission.reference) in email.body_text
    assert email.idempotency_key == f"status:{submission.id}:{start.id}"


async def test_the_resident_is_written_to_in_their_language(council: Council) -> None:
    submission = await _submission(council, language="cy")
    [email] = await OutboxMessage.filter(recipient="pat@example.com")
    assert email.language == "cy"
    assert email.subject.startswith("Gwneud cais am drwydded: ")
    assert "Mae eich cais gennym." in email.body_text and "Eich cyfeirnod yw" in email.body_text
    assert submission.reference in email.body_text


async def test_moves_write_history_and_refusals_change_nothing(council: Council) -> None:
    submission = await _submission(council)
    before = await _counts(submission)
    with pytest.raises(Refused, match="Write a note"):
        await flow.transition(council, submission.id, flow.Move("REFUSE", note="  "), LINKS)
    with pytest.raises(Refused, match="cannot happen while the application is: New"):
        await flow.transition(council, submission.id, flow.Move("ANSWERED"), LINKS)
    assert await _counts(submission) == before

    moved, record = await flow.transition(council, submission.id, flow.Move(
        "ASK", note="Send a photo of your permit", data={"pages": ["vehicle"]}), LINKS)
    assert (moved.state, moved.version, record.from_state, record.to_state) == ("waiting", 2, "received", "waiting")
    assert moved.request == {"pages": ["vehicle"], "note": "Send a photo of your permit"}
    assert (await Submission.get(id=submission.id)).request == moved.request
    email = await OutboxMessage.get(idempotency_key=f"status:{submission.id}:{record.id}")
    assert "Send a photo of your permit" in email.body_text

    moved, _ = await flow.transition(council, submission.id, flow.Move("ANSWERED", actor_label="resident"), LINKS)
    assert moved.state == "received" and moved.request is None
    assert [e.event for e in await flow.history(submission)] == ["submitted", "ASK", "ANSWERED"]


async def test_a_long_title_with_line_breaks_still_submits_and_makes_a_one_line_subject(council: Council) -> None:
    """A Welsh title may be 20,000 characters (and the format does not forbid line breaks in
    it): submitting must not fail on the subject's 500-character column, nor queue a subject no
    SMTP message can carry."""
    long_title = "Gwneud cais\r\nam drwydded " + "hir " * 3_000
    definition = {**DEFINITION, "translations": {"cy": {**DEFINITION["translations"]["cy"], "title": long_title}}}
    version = await publish_version(council, definition, "b" * 64)
    journey = await start_journey(council, version, "cy")
    submission, _ = await submit(journey, {"name": "Pat", "email": "pat@example.com"}, "received", links=LINKS)
    [email] = await OutboxMessage.filter(recipient="pat@example.com")
    assert email.subject.startswith("Gwneud cais am drwydded hir hir ")
    assert len(email.subject) <= 500 and "\n" not in email.subject and "\r" not in email.subject
    assert submission.reference


async def test_a_note_hidden_from_the_resident_stays_out_of_their_email(council: Council) -> None:
    submission = await _submission(council)
    _, record = await flow.transition(council, submission.id, flow.Move(
        "ASK", note="Suspect a fake", visible_to_resident=False), LINKS)
    email = await OutboxMessage.get(idempotency_key=f"status:{submission.id}:{record.id}")
    assert "Suspect a fake" not in email.body_text
    assert (await Submission.get(id=submission.id)).request == {"pages": [], "note": ""}
    assert [e.event for e in await flow.history(submission, resident_only=True)] == ["submitted"]


async def test_a_stale_form_is_refused(council: Council) -> None:
    submission = await _submission(council)
    await flow.transition(council, submission.id, flow.Move("ASK", note="more", expected_version=1), LINKS)
    before = await _counts(submission)
    with pytest.raises(Refused, match="changed since you opened it"):
        await flow.transition(council, submission.id, flow.Move("ANSWERED", expected_version=1), LINKS)
    assert await _counts(submission) == before


async def test_another_councils_application_cannot_be_moved(council: Council, other_council: Council) -> None:
    submission = await _submission(council)
    before = await _counts(submission)
    with pytest.raises(Refused, match="no such application"):
        await flow.transition(other_council, submission.id, flow.Move("REFUSE", note="x"), LINKS)
    assert await _counts(submission) == before


async def test_payment_must_be_settled_before_issuing(council: Council) -> None:
    submission = await _submission(council, state=AWAITING_PAYMENT, awaiting_payment=True)
    assert await OutboxMessage.all().count() == 0  # no status email before it is really sent
    attempt, _ = await records.begin_attempt(council, submission, "sandbox", 3000, {}, timedelta(minutes=90))
    failed, _ = await records.begin_attempt(council, submission, "sandbox", 3000, {}, timedelta(minutes=90))
    await records.apply(failed.id, records.PaymentState.FAILED, source="webhook", reason="declined", links=LINKS)
    assert (await Submission.get(id=submission.id)).state == AWAITING_PAYMENT
    await records.apply(attempt.id, records.PaymentState.SUCCEEDED, source="webhook", links=LINKS)
    paid = await Submission.get(id=submission.id)
    assert paid.state == "received" and not paid.awaiting_payment
    assert [(e.event, e.to_state) for e in await flow.history(paid)] == [
        ("submitted", AWAITING_PAYMENT), ("payment.failed", AWAITING_PAYMENT), ("payment.succeeded", "received")]
    assert await OutboxMessage.filter(recipient="pat@example.com", idempotency_key__startswith="status:").count() == 1
    moved, _ = await flow.transition(council, paid.id, flow.Move("ISSUE"), LINKS)
    assert moved.state == "issued"


async def test_an_unpaid_application_cannot_be_issued(council: Council) -> None:
    submission = await _submission(council, state=AWAITING_PAYMENT, awaiting_payment=True)
    await Submission.filter(id=submission.id).update(state="received")  # as if staff reached it somehow
    with pytest.raises(Refused, match="payment has not been settled"):
        await flow.transition(council, submission.id, flow.Move("ISSUE"), LINKS)


async def test_history_is_append_only(council: Council) -> None:
    submission = await _submission(council)
    [entry] = await flow.history(submission)
    refused = (BaseORMException, asyncpg.PostgresError)  # as in test_audit: each backend its own way
    with pytest.raises(refused, match="append-only"):
        async with in_transaction():
            await SubmissionEvent.filter(id=entry.id).update(note="rewritten")
    with pytest.raises(refused, match="append-only"):
        async with in_transaction():
            await SubmissionEvent.filter(id=entry.id).delete()
    assert (await SubmissionEvent.get(id=entry.id)).note == ""


async def test_two_staff_moving_at_once_move_it_once(council: Council, second_worker: Any) -> None:
    submission = await _submission(council)

    async def take(event: str) -> str:
        try:
            await flow.transition(council, submission.id, flow.Move(event, note="why", expected_version=1), LINKS)
            return "moved"
        except Refused as refused:
            return refused.message

    results = await asyncio.gather(take("REFUSE"), second_worker(lambda: take("ASK")))
    assert sorted(results).count("moved") == 1
    fresh = await Submission.get(id=submission.id)
    assert fresh.version == 2
    assert len(await flow.history(submission)) == 2


async def test_timers_fire_once_and_only_while_the_state_lasts(council: Council, second_worker: Any) -> None:
    submission = await _submission(council)
    await flow.transition(council, submission.id, flow.Move("ASK", note="more"), LINKS)
    [timer] = await flow.timers(submission)
    assert (timer.state, timer.delay_ms, timer.fired_at) == ("waiting", 7 * DAY_MS, None)
    entered = (await Submission.get(id=submission.id)).state_entered_at
    assert entered is not None and timer.due_at == entered + timedelta(days=7)

    assert await flow.fire_due_timers(LINKS, at=timer.due_at - timedelta(seconds=1)) == 0
    later = timer.due_at + timedelta(seconds=1)
    fired = await asyncio.gather(flow.fire_due_timers(LINKS, at=later),
                                 second_worker(lambda: flow.fire_due_timers(LINKS, at=later)))
    assert sum(fired) == 1
    fresh = await Submission.get(id=submission.id)
    assert fresh.state == "refused"
    assert [(e.event, e.actor_label) for e in await flow.history(submission)][-1] == (f"after.{7 * DAY_MS}", "system")
    assert await flow.fire_due_timers(LINKS, at=later + timedelta(days=30)) == 0


async def test_a_timer_from_a_state_already_left_never_fires(council: Council) -> None:
    submission = await _submission(council)
    await flow.transition(council, submission.id, flow.Move("ASK", note="more"), LINKS)
    await flow.transition(council, submission.id, flow.Move("ANSWERED"), LINKS)
    [timer] = await flow.timers(submission)
    assert timer.outcome == "left" and timer.fired_at is not None
    assert await flow.fire_due_timers(LINKS, at=timer.due_at + timedelta(days=1)) == 0
    assert (await Submission.get(id=submission.id)).state == "received"


async def test_each_move_queues_a_delivery_for_subscribed_endpoints(council: Council, other_council: Council) -> None:
    box = SecretBox("the installation's key")
    created = await webhooks.add_endpoint(council, box, "https://crm.example/in", "s" * 32, ["submission.created"])
    changed = await webhooks.add_endpoint(council, box, "https://crm.example/st", "t" * 32,
                                          ["submission.status_changed"])
    theirs = await webhooks.add_endpoint(other_council, box, "https://them.example/in", "u" * 32,
                                         ["submission.created", "submission.status_changed"])
    submission = await _submission(council)
    _, record = await flow.transition(council, submission.id, flow.Move("REFUSE", note="Not eligible"), LINKS)
    deliveries = await WebhookDelivery.all().order_by("id")
    assert [(d.endpoint_id, d.event_type) for d in deliveries] == [
        (created.id, "submission.created"), (changed.id, "submission.status_changed")]
    assert theirs.id not in {d.endpoint_id for d in deliveries}
    payload = deliveries[1].payload
    assert payload["id"] == f"{submission.reference}.{record.id}" == deliveries[1].event_id
    data: Any = payload["data"]
    assert data["reference"] == submission.reference
    assert data["state"] == {"id": "refused", "label": "Refused", "final": True}
    assert data["event"]["name"] == "REFUSE" and data["event"]["note"] == "Not eligible"


async def test_a_move_that_fails_leaves_no_message_behind(council: Council) -> None:
    box = SecretBox("the installation's key")
    await webhooks.add_endpoint(council, box, "https://crm.example/st", "t" * 32, ["submission.status_changed"])
    submission = await _submission(council)
    before = (await OutboxMessage.all().count(), await WebhookDelivery.all().count())
    # The other council's staff member cannot move it, and nothing is queued for the attempt.
    stranger = await create_council("eastshire", "Eastshire Council")
    with pytest.raises(Refused):
        await flow.transition(stranger, submission.id, flow.Move("ISSUE"), LINKS)
    assert (await OutboxMessage.all().count(), await WebhookDelivery.all().count()) == before


async def test_a_reminder_timer_keeps_the_state_and_its_other_timers(council: Council) -> None:
    reminding = {**WORKFLOW, "states": {**WORKFLOW["states"], "waiting": {
        **WORKFLOW["states"]["waiting"],
        "after": {str(2 * DAY_MS): {"target": "waiting", "actions": ["notifyResident"]},
                  str(7 * DAY_MS): {"target": "refused"}}}}}
    version = await publish_version(council, {**DEFINITION, "version": "2.0.0", "workflow": reminding}, "c" * 64)
    journey = await start_journey(council, version, "en")
    submission, _ = await submit(journey, {"email": "pat@example.com"}, "received", links=LINKS)
    await flow.transition(council, submission.id, flow.Move("ASK", note="A photo"), LINKS)
    entered = (await Submission.get(id=submission.id)).state_entered_at
    assert entered is not None
    emails = await OutboxMessage.filter(recipient="pat@example.com").count()

    assert await flow.fire_due_timers(LINKS, at=entered + timedelta(days=3)) == 1
    reminded = await Submission.get(id=submission.id)
    assert reminded.state == "waiting" and reminded.state_entered_at == entered
    assert reminded.request == {"pages": [], "note": "A photo"}  # still asked for
    assert await OutboxMessage.filter(recipient="pat@example.com").count() == emails + 1

    assert await flow.fire_due_timers(LINKS, at=entered + timedelta(days=8)) == 1
    assert (await Submission.get(id=submission.id)).state == "refused"
    assert [e.event for e in await flow.history(submission)][-2:] == [f"after.{2 * DAY_MS}", f"after.{7 * DAY_MS}"]
