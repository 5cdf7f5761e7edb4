"""Submissions: a journey's answers, sent, with a reference the resident can quote.

A journey has at most one submission, enforced by a unique constraint on ``journey_id``.
That constraint, not process memory, is what turns a replayed or doubled POST (from any
number of workers) into the one submission that already exists.
"""

from __future__ import annotations

from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F
from tortoise.transactions import in_transaction

from runtime.core.links import Links
from runtime.core.workflow import Refused
from runtime.store import workflow
from runtime.store.errors import ConcurrentUpdate
from runtime.store.models import Council, Journey, ServiceVersion, Submission
from runtime.store.references import new_reference, normalise_reference
from runtime.store.scope import owned

REFERENCE_ATTEMPTS = 5


async def submit(journey: Journey, answers: dict[str, Any], state: str, *,
                 awaiting_payment: bool = False, links: Links | None = None) -> tuple[Submission, bool]:
    """Submit ``journey`` with ``answers`` in workflow ``state``: ``(submission, created)``.

    In one transaction the submission is created with a fresh reference and the journey
    marked submitted. If the journey was already submitted, by this or any concurrent call,
    the existing submission comes back with ``created`` False.
    """
    existing = await get_for_journey(journey)
    if existing is not None:
        return existing, False
    service_id = await _service_id(journey)
    for attempt in range(1, REFERENCE_ATTEMPTS + 1):
        try:
            async with in_transaction() as connection:
                # The insert comes first so that, on SQLite, the transaction takes the write
                # lock at once instead of upgrading a read lock (which cannot wait).
                submission = await Submission.create(
                    council_id=journey.council_id,
                    service_version_id=journey.service_version_id,
                    journey_id=journey.id,
                    reference=new_reference(),
                    answers=answers,
                    language=journey.language,
                    state=state,
                    awaiting_payment=awaiting_payment,
                    service_id=service_id,
                    using_db=connection,
                )
                await (
                    Journey.filter(id=journey.id, council_id=journey.council_id)
                    .using_db(connection)
                    .update(submitted=True, lock_version=F("lock_version") + 1)
                )
                # The history starts, the first state's timers and messages are queued.
                await workflow.started(submission, links, connection)
        except IntegrityError:
            existing = await get_for_journey(journey)
            if existing is not None:
                return existing, False
            if attempt == REFERENCE_ATTEMPTS:
                raise
            continue  # the reference was taken: draw another
        await journey.refresh_from_db(fields=["submitted", "lock_version"])
        return submission, True
    raise AssertionError("unreachable")  # pragma: no cover


async def _service_id(journey: Journey) -> str:
    values = await ServiceVersion.filter(id=journey.service_version_id).values_list("service_id", flat=True)
    return str(values[0])


async def get_by_reference(council: Council, reference: str) -> Submission | None:
    """The council's submission with this reference (as a resident typed it), or None."""
    normalised = normalise_reference(reference)
    if normalised is None:
        return None
    return await owned(Submission, council).get_or_none(reference=normalised)


class RequestClosed(ConcurrentUpdate):
    """The council's request for information was answered, withdrawn or changed meanwhile."""

    code = "request-closed"


async def answer_request(council: Council, submission_id: int, *, version: int, answers: dict[str, Any],
                         event: str, pages: list[str], links: Links | None) -> Submission:
    """The resident's answer to the council's request for information, in one transaction:
    the submission's answers become ``answers`` and the workflow takes ``event``.

    Only while the submission is still at ``version`` (what the resident answered) with a
    request open; otherwise :class:`RequestClosed` and nothing changes. A move the workflow
    refuses rolls the answers back too.
    """
    try:
        async with in_transaction() as connection:
            # The conditional write comes first: it takes the write lock at once on SQLite, and
            # on PostgreSQL the row lock, so nothing can move the application in between.
            updated = await (owned(Submission, council).filter(id=submission_id, version=version)
                             .using_db(connection).update(answers=answers))
            if updated != 1:
                raise RequestClosed("the application has changed since the resident answered")
            submission = await Submission.filter(id=submission_id).using_db(connection).get()
            if submission.request is None:
                raise RequestClosed("the request for information is no longer open")  # rolls the answers back
            await workflow.take_in(submission, workflow.Move(event, actor_label=workflow.RESIDENT,
                                                             data={"pages": list(pages)}), links, connection)
            return submission
    except Refused as refused:
        raise RequestClosed(refused.message) from None


async def get_for_journey(journey: Journey) -> Submission | None:
    return await Submission.get_or_none(journey_id=journey.id, council_id=journey.council_id)


async def journey_of(submission: Submission) -> Journey:
    """The journey ``submission`` was sent from, expired or not: files the resident adds later
    (in answer to a request for information) are recorded against it, like the first ones."""
    return await Journey.get(id=submission.journey_id, council_id=submission.council_id)


async def recent(council: Council, limit: int = 10) -> list[Submission]:
    """The council's newest submissions, with their service versions."""
    return await owned(Submission, council).order_by("-submitted_at", "-id").limit(limit).select_related("service_version")
