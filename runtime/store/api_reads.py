"""What the JSON API reads: a council's sent applications a page at a time, and their files.

Pages are keyset pages in the order (submitted_at desc, id desc), which the submission
indexes serve, so the thousandth page costs what the first does. Applications still waiting
for their payment are left out: back-office systems hear of an application once it is sent.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime

from tortoise.expressions import Q
from tortoise.queryset import QuerySet

from runtime.core.workflow import AWAITING_PAYMENT
from runtime.store.cursors import Cursor
from runtime.store.models import Council, Submission, UploadedFile
from runtime.store.references import normalise_reference
from runtime.store.scope import owned


def _sent(council: Council) -> QuerySet[Submission]:
    return owned(Submission, council).filter(awaiting_payment=False).exclude(state=AWAITING_PAYMENT)


async def submissions_page(council: Council, *, limit: int, service: str | None = None, state: str | None = None,
                           since: datetime | None = None, after: Cursor | None = None,
                           ) -> list[Submission]:
    """Up to ``limit`` of the council's sent applications, newest first, after the keyset ``after``
    (the cursor of the last one of the previous page)."""
    query = _sent(council)
    if service:
        query = query.filter(service_id=service)
    if state:
        query = query.filter(state=state)
    if since is not None:
        query = query.filter(submitted_at__gte=since)
    if after is not None:
        query = query.filter(Q(submitted_at__lt=after.submitted_at) | Q(submitted_at=after.submitted_at, id__lt=after.id))
    return await query.order_by("-submitted_at", "-id").limit(limit).select_related("service_version")


async def sent_submission(council: Council, reference: str) -> Submission | None:
    """The council's sent application with this reference, or None (also while it awaits payment)."""
    normalised = normalise_reference(reference)
    if normalised is None:
        return None
    return await _sent(council).get_or_none(reference=normalised).select_related("service_version")


def _strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


async def files_of(submission: Submission) -> list[UploadedFile]:
    """The files that are answers of ``submission`` (not ones the resident replaced), oldest first."""
    ids = set()
    for text in _strings(submission.answers):
        try:
            ids.add(uuid.UUID(text))
        except ValueError:
            continue
    if not ids:
        return []
    return await (UploadedFile.filter(council_id=submission.council_id, journey_id=submission.journey_id, id__in=ids)
                  .order_by("created_at", "id"))
