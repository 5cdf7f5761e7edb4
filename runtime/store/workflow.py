"""Moving applications through their workflow: one function, one transaction per move.

Every change of state goes through :func:`_enter`, inside the transaction that caused it,
and in that same transaction it writes the history entry, arms the new state's timers,
queues the resident's email (when the state says to notify) and queues a delivery for each
of the council's back-office webhook endpoints. So a move is never recorded without its
messages, nor a message sent for a move that rolled back.

Timers (``after`` in the statechart) are rows with a due time; :func:`fire_due_timers`,
run by any number of workers, claims each with a conditional update so it fires once, and
only if the application is still in the visit to the state that armed it. A timer that leads
back to its own state (a reminder, with ``notifyResident``) leaves the state's other timers armed.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import F
from tortoise.transactions import in_transaction

from runtime.core.links import Links
from runtime.core.ui_text import ui
from runtime.core.workflow import (
    AWAITING_PAYMENT,
    SUBMITTED,
    Facts,
    Refused,
    Transition,
    Workflow,
    compile_workflow,
)
from runtime.store.models import (
    Council,
    OutboxMessage,
    PaymentAttempt,
    ServiceVersion,
    StaffUser,
    Submission,
    SubmissionEvent,
    WebhookDelivery,
    WebhookEndpoint,
    WorkflowTimer,
)
from runtime.store.outbox import subject_line
from runtime.store.scope import owned

log = logging.getLogger("borough.workflow")

SYSTEM = "system"
RESIDENT = "resident"
CREATED = "submission.created"
STATUS_CHANGED = "submission.status_changed"

_workflows: dict[str, Workflow] = {}


def now() -> datetime:
    return datetime.now(UTC)


async def workflow_of(service_version_id: int, connection: BaseDBAsyncClient | None = None) -> tuple[Workflow, dict[str, Any]]:
    """The compiled workflow and the definition of a published version (each workflow compiled once)."""
    version = await ServiceVersion.filter(id=service_version_id).using_db(connection).get()
    definition: dict[str, Any] = version.definition
    # Keyed by the workflow itself, not the stored hash: it is small, and a row's hash is only
    # as true as whoever published it.
    key = json.dumps(definition["workflow"], sort_keys=True)
    known = _workflows.get(key)
    if known is None:
        if len(_workflows) > 1000:
            _workflows.clear()
        known = _workflows[key] = compile_workflow(definition["workflow"])
    return known, definition


@dataclass(frozen=True)
class Move:
    """Who asks for an event, and with what."""

    event: str
    actor: StaffUser | None = None
    actor_label: str = SYSTEM
    note: str = ""
    visible_to_resident: bool = True
    data: dict[str, Any] | None = None
    expected_version: int | None = None  # the version the person saw: refuse if it moved since


async def started(submission: Submission, links: Links | None, connection: BaseDBAsyncClient) -> SubmissionEvent:
    """Record that ``submission`` was sent (or, after payment, promoted) and enter its state.

    Called inside the transaction that created or promoted it."""
    workflow, definition = await workflow_of(submission.service_version_id, connection)
    state = submission.state
    target = Transition(SUBMITTED, state, None, (), None)
    return await _enter(submission, workflow, definition, target, Move(SUBMITTED, actor_label=RESIDENT),
                        links, connection, from_state="", webhook_type=CREATED)


async def transition(council: Council, submission_id: int, move: Move, links: Links | None) -> tuple[Submission, SubmissionEvent]:
    """Take ``move.event`` for the council's submission, or raise :class:`Refused` saying why not."""
    async with in_transaction() as connection:
        # A write comes first: on SQLite the transaction takes the write lock at once (a read
        # lock cannot be upgraded while another writer waits); on PostgreSQL it locks the row.
        mine = owned(Submission, council).filter(id=submission_id).using_db(connection)
        if await mine.update(version=F("version")) != 1:
            raise Refused("There is no such application")
        submission = await mine.get()
        return submission, await _take(submission, move, links, connection)


async def take_in(submission: Submission, move: Move, links: Links | None, connection: BaseDBAsyncClient) -> SubmissionEvent:
    """Take ``move`` inside the caller's transaction (the caller has locked ``submission``)."""
    return await _take(submission, move, links, connection)


async def _take(submission: Submission, move: Move, links: Links | None, connection: BaseDBAsyncClient) -> SubmissionEvent:
    if move.expected_version is not None and move.expected_version != submission.version:
        raise Refused("This application has changed since you opened it. Check its status and try again")
    workflow, definition = await workflow_of(submission.service_version_id, connection)
    facts = Facts(note=move.note, payment_settled=await payment_settled(submission, connection))
    target = workflow.decide(submission.state, move.event, facts)
    return await _enter(submission, workflow, definition, target, move, links, connection,
                        from_state=submission.state, webhook_type=STATUS_CHANGED)


async def payment_settled(submission: Submission, connection: BaseDBAsyncClient | None = None) -> bool:
    """True when the application needed no payment, or one of its payments succeeded."""
    if submission.awaiting_payment:
        return False
    attempts = await PaymentAttempt.filter(submission_id=submission.id).using_db(connection).values_list("state", "flagged_for_refund")
    return not attempts or any(state == "succeeded" and not flagged for state, flagged in attempts)


async def _enter(submission: Submission, workflow: Workflow, definition: dict[str, Any], transition: Transition,
                 move: Move, links: Links | None, connection: BaseDBAsyncClient, *, from_state: str,
                 webhook_type: str) -> SubmissionEvent:
    moment = now()
    target = workflow.state(transition.target)
    moved = from_state != target.name
    changes: dict[str, Any] = {"version": submission.version + 1}
    if moved or from_state == "":
        changes.update(state=target.name, state_entered_at=moment, due_at=workflow.due(target.name, moment))
    data = dict(move.data or {})
    if "requestInformation" in transition.actions:
        # The note is the resident's to read only when the move is marked visible to them.
        changes["request"] = {"pages": list(data.get("pages", [])),
                              "note": move.note.strip() if move.visible_to_resident else ""}
    elif moved and submission.request is not None:
        changes["request"] = None
    updated = await Submission.filter(id=submission.id, version=submission.version).using_db(connection).update(**changes)
    if updated != 1:
        raise Refused("Someone else has just changed this application. Check its status and try again")
    for key, value in changes.items():
        setattr(submission, key, value)
    record = await SubmissionEvent.create(
        council_id=submission.council_id, submission_id=submission.id, from_state=from_state, to_state=target.name,
        event=move.event, actor=move.actor, actor_label=move.actor_label if move.actor is None else move.actor.name,
        note=move.note.strip(), visible_to_resident=move.visible_to_resident, data=data, using_db=connection,
    )
    if moved or from_state == "":
        # Leaving a state disarms its timers; entering one arms its own.
        await WorkflowTimer.filter(submission_id=submission.id, fired_at=None).using_db(connection).update(
            fired_at=moment, outcome="left")
        for timer in target.after:
            assert timer.delay_ms is not None
            await WorkflowTimer.create(
                council_id=submission.council_id, submission_id=submission.id, state=target.name,
                entered_version=submission.version, delay_ms=timer.delay_ms,
                due_at=moment + timedelta(milliseconds=timer.delay_ms), using_db=connection,
            )
    if target.name != AWAITING_PAYMENT and ((moved and target.notify) or "notifyResident" in transition.actions):
        await _email_resident(submission, definition, workflow, record, links, connection)
    if target.name != AWAITING_PAYMENT:
        # Back-office systems hear of an application once it is really sent: after payment.
        first = from_state in ("", AWAITING_PAYMENT)
        await _queue_webhooks(submission, definition, workflow, record, CREATED if first else webhook_type, connection)
    log.info("application %s: %s -> %s by %s", submission.reference, from_state or "(new)", target.name, record.actor_label)
    return record


def resident_text(definition: dict[str, Any], workflow: Workflow, state: str, language: str) -> str:
    english = workflow.state(state).resident_text
    return _translated(definition, f"workflow.{state}.residentText", english, language)


def resident_label(definition: dict[str, Any], workflow: Workflow, state: str, language: str) -> str:
    english = workflow.state(state).label
    return _translated(definition, f"workflow.{state}.label", english, language)


def service_title(definition: dict[str, Any], language: str) -> str:
    return _translated(definition, "title", str(definition["title"]), language)


def _translated(definition: dict[str, Any], key: str, english: str, language: str) -> str:
    if language == "en":
        return english
    value = definition.get("translations", {}).get(language, {}).get(key)
    return value if isinstance(value, str) and value else english


def resident_email(submission: Submission) -> str | None:
    email = submission.answers.get("email")
    return email if isinstance(email, str) and "@" in email else None


async def _email_resident(submission: Submission, definition: dict[str, Any], workflow: Workflow,
                          record: SubmissionEvent, links: Links | None, connection: BaseDBAsyncClient) -> None:
    email = resident_email(submission)
    if email is None:
        return
    council = await Council.filter(id=submission.council_id).using_db(connection).get()
    language = submission.language if submission.language in ("en", "cy") else "en"
    note = ui(language, "status_email_note", note=record.note) if record.note and record.visible_to_resident else ""
    link = links.status_url(council.slug, submission.reference) if links is not None else ""
    words = {
        "service": service_title(definition, language), "reference": submission.reference, "council": council.name,
        "status": resident_label(definition, workflow, record.to_state, language),
        "resident_text": resident_text(definition, workflow, record.to_state, language), "note": note, "link": link,
    }
    key = f"status:{submission.id}:{record.id}"
    # Inside the caller's transaction: the email exists exactly when the move does.
    if not await OutboxMessage.filter(idempotency_key=key).using_db(connection).exists():
        await OutboxMessage.create(
            council_id=submission.council_id, recipient=email, subject=subject_line(ui(language, "status_email_subject", **words)),
            body_text=ui(language, "status_email_body", **words), idempotency_key=key, language=language,
            next_attempt_at=now(), using_db=connection,
        )


def webhook_payload(submission: Submission, definition: dict[str, Any], workflow: Workflow,
                    record: SubmissionEvent | None, council_slug: str) -> dict[str, Any]:
    """What a back-office system receives (and the JSON API returns) for an application."""
    state = workflow.state(submission.state)
    body: dict[str, Any] = {
        "reference": submission.reference,
        "council": council_slug,
        "service": {"id": definition["id"], "version": definition["version"], "title": definition["title"]},
        "state": {"id": state.name, "label": state.label, "final": state.final},
        "submitted_at": _iso(submission.submitted_at),
        "language": submission.language,
        "version": submission.version,
        "answers": submission.answers,
    }
    if record is not None:
        body["event"] = {
            "id": record.id, "name": record.event, "from": record.from_state or None, "to": record.to_state,
            "by": record.actor_label, "note": record.note, "visible_to_resident": record.visible_to_resident,
            "at": _iso(record.at),
        }
    return body


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z") if moment else None


async def _queue_webhooks(submission: Submission, definition: dict[str, Any], workflow: Workflow,
                          record: SubmissionEvent, webhook_type: str, connection: BaseDBAsyncClient) -> None:
    endpoints = await WebhookEndpoint.filter(council_id=submission.council_id, active=True).using_db(connection)
    wanted = [endpoint for endpoint in endpoints if webhook_type in (endpoint.events or [])]
    if not wanted:
        return
    council = await Council.filter(id=submission.council_id).using_db(connection).get()
    event_id = f"{submission.reference}.{record.id}"
    payload = {"id": event_id, "type": webhook_type, "created_at": _iso(record.at),
               "data": webhook_payload(submission, definition, workflow, record, council.slug)}
    for endpoint in wanted:
        await WebhookDelivery.create(council_id=submission.council_id, endpoint_id=endpoint.id, event_id=event_id,
                                     event_type=webhook_type, payload=payload, next_attempt_at=record.at,
                                     using_db=connection)


async def fire_due_timers(links: Links | None, *, at: datetime | None = None, limit: int = 100) -> int:
    """Fire every timer due by ``at``; returns how many moved an application. Safe to run in
    any number of workers at once: each timer is claimed by one conditional update."""
    moment = at or now()
    fired = 0
    due = await WorkflowTimer.filter(fired_at=None, due_at__lte=moment).order_by("due_at", "id").limit(limit)
    for timer in due:
        async with in_transaction() as connection:
            claimed = await WorkflowTimer.filter(id=timer.id, fired_at=None).using_db(connection).update(
                fired_at=moment, outcome="claimed")
            if claimed != 1:
                continue  # another worker has it
            submission = await Submission.filter(id=timer.submission_id).using_db(connection).select_for_update().get()
            # Leaving a state disarms its timers in the same transaction, so a timer still armed
            # belongs to the current visit; the check is a guard against hand-edited rows.
            if submission.state != timer.state:
                await WorkflowTimer.filter(id=timer.id).using_db(connection).update(outcome="stale")
                continue
            try:
                await _take(submission, Move(f"after.{timer.delay_ms}"), links, connection)
            except Refused as refused:  # a definition changed under it: record, never crash the loop
                await WorkflowTimer.filter(id=timer.id).using_db(connection).update(outcome="refused")
                log.warning("timer %s for %s refused: %s", timer.id, submission.reference, refused.message)
                continue
            await WorkflowTimer.filter(id=timer.id).using_db(connection).update(outcome="fired")
            fired += 1
    return fired


async def history(submission: Submission, *, resident_only: bool = False) -> list[SubmissionEvent]:
    query = SubmissionEvent.filter(submission_id=submission.id, council_id=submission.council_id)
    if resident_only:
        query = query.filter(visible_to_resident=True)
    return await query.order_by("id")


async def timers(submission: Submission) -> list[WorkflowTimer]:
    return await WorkflowTimer.filter(submission_id=submission.id, council_id=submission.council_id).order_by("id")
