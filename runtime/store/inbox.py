"""The caseworkers' inbox and the per-service export: a council's applications, filtered and
read a page at a time by keyset, never by OFFSET.

Pages are ordered newest first by ``(submitted_at, id)``. A cursor is the sort key of the
row a page ended on (or started on, to go back), sent to the browser as opaque text and
checked when it comes back (``runtime.store.cursors``): a forged one is refused. The
conditions are written so that the indexes on ``submission`` (council, [service,] [state,]
submitted_at, id) serve them: ``submitted_at <= t`` bounds the index range, and only rows
tied on ``submitted_at`` are compared by id.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from tortoise.expressions import Q
from tortoise.queryset import QuerySet

from runtime.core.workflow import AWAITING_PAYMENT, Workflow
from runtime.store.cursors import Cursor
from runtime.store.lookups import could_exist
from runtime.store.models import (
    Council,
    Membership,
    ServiceVersion,
    StaffUser,
    Submission,
    UploadedFile,
)
from runtime.store.scope import owned
from runtime.store.workflow import workflow_of

PAGE_SIZE = 25
LISTED = ("id", "reference", "service_id", "service_version_id", "state", "submitted_at", "due_at",
          "assigned_to_id", "version", "awaiting_payment", "language")
CASEWORK_ROLES = ("admin", "caseworker")


@dataclass(frozen=True)
class Filters:
    """What a caseworker narrowed the inbox to. ``reference`` is already normalised."""

    service: str | None = None
    state: str | None = None
    submitted_from: datetime | None = None  # inclusive
    submitted_before: datetime | None = None  # exclusive
    overdue: bool = False
    assigned_to: int | None = None
    unassigned: bool = False
    reference: str | None = None
    include_awaiting_payment: bool = False
    # A status chosen by its staff label: the (service, state) pairs that show that label, any
    # of which matches (services may give one label to states of different names). Used
    # instead of ``state`` when given; an empty tuple matches nothing.
    states: tuple[tuple[str, str], ...] | None = None

    def unmatchable(self) -> list[str]:
        """The filters (``service``, ``state``) whose value no application could have: they
        match nothing, and the inbox says so instead of showing an empty page."""
        given = (("service", self.service, "service_id"), ("state", self.state, "state"))
        return [name for name, value, column in given if value and not could_exist(Submission, column, value)]


@dataclass
class InboxPage:
    rows: list[dict[str, Any]]
    next: Cursor | None
    previous: Cursor | None
    assignees: dict[int, str] = field(default_factory=dict)
    versions: dict[int, tuple[str, Workflow]] = field(default_factory=dict)  # id -> (title, workflow)


def now() -> datetime:
    return datetime.now(UTC)


def _filtered(council: Council, filters: Filters, finals: Iterable[str], moment: datetime) -> QuerySet[Submission]:
    query = owned(Submission, council)
    if filters.reference is not None:
        query = query.filter(reference=filters.reference)
    if filters.service:
        query = query.filter(service_id=filters.service)
    if filters.states is not None:
        query = query.filter(_any_of(filters.states))
    elif filters.state:
        query = query.filter(state=filters.state)
    elif not filters.include_awaiting_payment:
        query = query.filter(~Q(state=AWAITING_PAYMENT))
    if filters.submitted_from is not None:
        query = query.filter(submitted_at__gte=filters.submitted_from)
    if filters.submitted_before is not None:
        query = query.filter(submitted_at__lt=filters.submitted_before)
    if filters.overdue:
        query = query.filter(due_at__lt=moment)
        final = sorted(set(finals))
        if final:
            query = query.filter(state__not_in=final)
    if filters.assigned_to is not None:
        query = query.filter(assigned_to_id=filters.assigned_to)
    elif filters.unassigned:
        query = query.filter(assigned_to_id=None)
    return query


def _any_of(pairs: Iterable[tuple[str, str]]) -> Q:
    """Any of these (service, state) pairs: one condition per state, over the services naming it."""
    services: dict[str, set[str]] = {}
    for service, state in pairs:
        services.setdefault(state, set()).add(service)
    if not services:
        return Q(id__in=[])  # nothing
    return Q(*[Q(state=state, service_id__in=sorted(named)) for state, named in services.items()], join_type="OR")


async def final_states(council: Council, service: str | None = None) -> set[str]:
    """The names of the final states in the council's workflows (of one service, when given)."""
    return {name for _, _, workflow in await _versions(council, service) for name, s in workflow.states.items() if s.final}


async def page(council: Council, filters: Filters, *, after: Cursor | None = None, before: Cursor | None = None,
               size: int = PAGE_SIZE, moment: datetime | None = None) -> InboxPage:
    """One page of the council's applications, newest first: the first page, the page after
    ``after`` (older rows) or the page before ``before`` (newer rows)."""
    if filters.unmatchable():
        return InboxPage([], None, None)
    backwards = before is not None
    query = await page_query(council, filters, after=after, before=before, size=size, moment=moment)
    rows = list(await query)
    more = len(rows) > size
    rows = rows[:size]
    if backwards:
        rows.reverse()
    first = Cursor(rows[0]["submitted_at"], rows[0]["id"]) if rows else None
    last = Cursor(rows[-1]["submitted_at"], rows[-1]["id"]) if rows else None
    if backwards:
        result = InboxPage(rows, next=last, previous=first if more else None)
    else:
        result = InboxPage(rows, next=last if more else None, previous=first if after is not None else None)
    result.assignees = await assignee_names(council, {r["assigned_to_id"] for r in rows if r["assigned_to_id"]})
    result.versions = {vid: (title, workflow) for vid, title, workflow in
                       await _versions(council, None, {r["service_version_id"] for r in rows})}
    return result


async def page_query(council: Council, filters: Filters, *, after: Cursor | None = None, before: Cursor | None = None,
                     size: int = PAGE_SIZE, moment: datetime | None = None) -> Any:
    """The query that reads one page (``size`` + 1 rows, to know whether another follows);
    the benchmark EXPLAINs it."""
    finals = await final_states(council, filters.service) if filters.overdue else set()
    query = _filtered(council, filters, finals, moment or now())
    if after is not None:
        query = query.filter(Q(submitted_at__lte=after.submitted_at)).filter(
            Q(submitted_at__lt=after.submitted_at) | Q(id__lt=after.id))
    if before is not None:
        query = query.filter(Q(submitted_at__gte=before.submitted_at)).filter(
            Q(submitted_at__gt=before.submitted_at) | Q(id__gt=before.id))
    order = ("submitted_at", "id") if before is not None else ("-submitted_at", "-id")
    return query.order_by(*order).limit(size + 1).values(*LISTED)


# Published versions are immutable: their workflow is compiled once per content hash.
_by_hash: dict[str, Workflow] = {}


async def _versions(council: Council, service: str | None, ids: set[int] | None = None) -> list[tuple[int, str, Workflow]]:
    """(id, title, workflow) of the council's versions: all, one service's, or these ids. One
    query, plus one per content hash this process has not seen."""
    if (ids is not None and not ids) or (service and not could_exist(ServiceVersion, "service_id", service)):
        return []
    query = owned(ServiceVersion, council)
    if service:
        query = query.filter(service_id=service)
    if ids is not None:
        query = query.filter(id__in=sorted(ids))
    found = []
    for version_id, content_hash, title in await query.order_by("id").values_list("id", "content_hash", "title"):
        workflow = _by_hash.get(content_hash)
        if workflow is None:
            workflow, _ = await workflow_of(version_id)
            _by_hash[content_hash] = workflow
        found.append((version_id, title, workflow))
    return found


async def states_of(council: Council, service: str | None = None) -> list[tuple[str, str]]:
    """(state, label) of every state in the council's workflows, in their order, once each."""
    seen: dict[str, str] = {}
    for _, _, workflow in await _versions(council, service):
        for name, state in workflow.states.items():
            seen.setdefault(name, state.label)
    return list(seen.items())


async def labelled_states(council: Council, service: str | None = None) -> list[tuple[str, str, str]]:
    """(service, state, label) of every state in the council's workflows (of one service, when
    given), once each, in their order; a state's label is its newest version's."""
    versions = await _versions(council, service)
    services = dict(await owned(ServiceVersion, council).filter(id__in=[v[0] for v in versions])
                    .values_list("id", "service_id")) if versions else {}
    labels: dict[tuple[str, str], str] = {}
    for version_id, _, workflow in versions:
        for name, state in workflow.states.items():
            labels[(services[version_id], name)] = state.label
    return [(service_id, name, label) for (service_id, name), label in labels.items()]


async def assignee_names(council: Council, user_ids: set[int]) -> dict[int, str]:
    if not user_ids:
        return {}
    rows = await StaffUser.filter(id__in=sorted(user_ids)).values_list("id", "name")
    return {user_id: name for user_id, name in rows}


async def caseworkers(council: Council) -> list[StaffUser]:
    """The council's active staff who may work on applications (caseworkers and admins)."""
    members = await owned(Membership, council).select_related("user").order_by("id")
    people = [m.user for m in members if set(m.roles) & set(CASEWORK_ROLES) and m.user.active]
    return sorted(people, key=lambda user: (user.name.lower(), user.email))


async def assign(council: Council, submission_id: int, user: StaffUser | None) -> tuple[int | None, int | None] | None:
    """Assign the council's application to ``user`` (None: to nobody). Returns (before, after)
    assignee ids, or None when there is no such application. The caller checks ``user`` may
    work on the council's applications (see :func:`caseworkers`)."""
    current = await owned(Submission, council).filter(id=submission_id).first()
    if current is None:
        return None
    before = current.assigned_to_id
    await owned(Submission, council).filter(id=submission_id).update(assigned_to_id=user.id if user else None)
    return before, user.id if user else None


async def submission_file(council: Council, submission: Submission, file_id: str) -> UploadedFile | None:
    """An uploaded file of this application's journey, in this council, or None."""
    try:
        key = uuid.UUID(file_id)
    except ValueError:
        return None
    return await owned(UploadedFile, council).get_or_none(id=key, journey_id=submission.journey_id)


async def submission_files(council: Council, submission: Submission) -> list[UploadedFile]:
    return await owned(UploadedFile, council).filter(journey_id=submission.journey_id).order_by("created_at", "id")


# The export ------------------------------------------------------------------------------

EXPORTED = ("id", "reference", "submitted_at", "state", "language", "assigned_to_id", "service_version_id", "answers")


async def service_versions(council: Council, service: str) -> list[ServiceVersion]:
    """Every published version of the council's service, oldest first."""
    if not could_exist(ServiceVersion, "service_id", service):
        return []
    return await owned(ServiceVersion, council).filter(service_id=service).order_by("id")


async def export_rows(council: Council, service: str, *, size: int = 500) -> AsyncIterator[list[dict[str, Any]]]:
    """The service's sent applications (not those waiting for payment), oldest first, ``size``
    rows at a time by keyset: only one page is ever held in memory."""
    if not could_exist(Submission, "service_id", service):
        return
    cursor: Cursor | None = None
    while True:
        query = owned(Submission, council).filter(service_id=service).filter(~Q(state=AWAITING_PAYMENT))
        if cursor is not None:
            query = query.filter(submitted_at__gte=cursor.submitted_at).filter(
                Q(submitted_at__gt=cursor.submitted_at) | Q(id__gt=cursor.id))
        rows = list(await query.order_by("submitted_at", "id").limit(size).values(*EXPORTED))
        if not rows:
            return
        yield rows
        if len(rows) < size:
            return
        cursor = Cursor(rows[-1]["submitted_at"], rows[-1]["id"])


async def version_workflows(council: Council, ids: set[int]) -> dict[int, Workflow]:
    return {version_id: workflow for version_id, _, workflow in await _versions(council, None, ids)}
