"""The builder's drafts: each service's one working draft per council, changed only by recorded
steps under an optimistic version check, with undo and redo that survive any session.

Every change is a row of `draft_change` (append-only) holding the operation's name, its words,
the JSON Patch that made it and the patch that undoes it. The draft's `version` goes up with
every change, undo and redo; a change sent for an older version is refused with
`DraftConflict`, which carries the steps made since, so nothing is overwritten silently.
`head_change_id` is the change the draft now ends with: undo applies its inverse and steps back
to its parent; redo applies the newest change made on top of the head.

The store does not know JSON Patch: the caller hands in the function that applies one (the
builder's `builder.patch.apply`), so the runtime never imports the builder.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from runtime.core.definition import report
from runtime.core.problems import Problem
from runtime.core.service import content_hash
from runtime.store.errors import StoreError
from runtime.store.lookups import could_exist
from runtime.store.models import Council, DraftChange, ServiceDraft, ServiceVersion, StaffUser
from runtime.store.scope import owned
from runtime.store.services import get_latest, latest_versions, publish_version, semver_key

Definition = dict[str, Any]
Patcher = Callable[[Definition, Sequence[Mapping[str, Any]]], Definition]


class DraftExists(StoreError):
    """The council already has a draft, or a published service, with this id."""

    code = "draft-exists"

    def __init__(self, service_id: str) -> None:
        self.service_id = service_id
        super().__init__(f"There is already a service called {service_id}")


class DraftConflict(StoreError):
    """The draft moved on since the caller read it: `changes` are the steps made since."""

    code = "draft-conflict"

    def __init__(self, expected: int, current: int, changes: list[DraftChange]) -> None:
        self.expected = expected
        self.current = current
        self.changes = changes
        super().__init__(f"The draft is at version {current}, not {expected}")


class NothingToStep(StoreError):
    """There is no change to undo (or to redo)."""

    code = "nothing-to-step"


class NotPublishable(StoreError):
    """The draft cannot be published as it is: `problems` say why."""

    code = "not-publishable"

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("; ".join(problem.message for problem in problems))


@dataclass(frozen=True)
class Step:
    """What the caller records for one change: an operation's name, words, patch and inverse."""

    operation: str
    description: str
    patch: list[dict[str, Any]]
    inverse: list[dict[str, Any]]
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ServiceState:
    """One service of a council as the services list shows it."""

    service_id: str
    title: str
    published: ServiceVersion | None
    draft: ServiceDraft | None
    last_change: DraftChange | None

    @property
    def state(self) -> str:
        """`draft-only`, `published` or `draft-ahead` (a draft changed since it was published)."""
        if self.published is None:
            return "draft-only"
        if self.draft is not None and self.draft.version != self.draft.published_draft_version:
            return "draft-ahead"
        return "published"


def _label(actor: StaffUser | None) -> str:
    return actor.email if actor else "system"


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


async def create_draft(
    council: Council,
    definition: Definition,
    *,
    source: str,
    actor: StaffUser | None,
    from_published: bool = False,
) -> ServiceDraft:
    """Start the draft of the service `definition["id"]`. `from_published`: the definition is
    the council's published version (so the draft starts level with it); otherwise the id must
    be new to the council. Raises `DraftExists`."""
    service_id = str(definition["id"])
    if not from_published and await get_latest(council, service_id) is not None:
        raise DraftExists(service_id)
    try:
        async with in_transaction():
            return await ServiceDraft.create(
                council=council, service_id=service_id, definition=definition, version=1, source=source,
                published_draft_version=1 if from_published else None, updated_at=_now(),
                updated_by=actor, updated_by_label=_label(actor),
            )
    except IntegrityError:
        raise DraftExists(service_id) from None


async def get_draft(council: Council, service_id: str) -> ServiceDraft | None:
    if not could_exist(ServiceDraft, "service_id", service_id):
        return None
    return await owned(ServiceDraft, council).get_or_none(service_id=service_id)


async def changes_since(draft: ServiceDraft, version: int) -> list[DraftChange]:
    """The steps that took the draft past `version`, oldest first."""
    return await DraftChange.filter(draft_id=draft.id, version__gt=version).order_by("version")


async def history(draft: ServiceDraft, *, limit: int = 50) -> list[DraftChange]:
    """The draft's steps, newest first."""
    return await DraftChange.filter(draft_id=draft.id).order_by("-version").limit(limit)


async def next_undo(draft: ServiceDraft) -> DraftChange | None:
    """The change undo would undo: the one the draft ends with."""
    if draft.head_change_id is None:
        return None
    return await DraftChange.get_or_none(id=draft.head_change_id, draft_id=draft.id)


async def next_redo(draft: ServiceDraft) -> DraftChange | None:
    """The change redo would redo: the newest change made on top of the draft's head."""
    query = DraftChange.filter(draft_id=draft.id, kind="change")
    if draft.head_change_id is None:
        query = query.filter(parent_id__isnull=True)
    else:
        query = query.filter(parent_id=draft.head_change_id)
    return await query.order_by("-id").first()


async def apply_change(
    council: Council, service_id: str, expected_version: int, step: Step, *,
    actor: StaffUser | None, patched: Patcher,
) -> ServiceDraft:
    """Record `step` on the draft if it is still at `expected_version`; else `DraftConflict`."""

    def decide(draft: ServiceDraft) -> tuple[str, Step, int | None, int | None, int | None]:
        return "change", step, draft.head_change_id, None, None

    return await _advance(council, service_id, expected_version, actor, patched, decide)


async def undo(
    council: Council, service_id: str, expected_version: int, *, actor: StaffUser | None, patched: Patcher,
) -> ServiceDraft:
    """Undo the change the draft ends with (`NothingToStep` when there is none)."""
    async def target(draft: ServiceDraft) -> DraftChange | None:
        return await next_undo(draft)

    return await _step(council, service_id, expected_version, actor, patched, "undo", target)


async def redo(
    council: Council, service_id: str, expected_version: int, *, actor: StaffUser | None, patched: Patcher,
) -> ServiceDraft:
    """Redo the change last undone (`NothingToStep` when there is none)."""
    async def target(draft: ServiceDraft) -> DraftChange | None:
        return await next_redo(draft)

    return await _step(council, service_id, expected_version, actor, patched, "redo", target)


async def _step(
    council: Council, service_id: str, expected_version: int, actor: StaffUser | None, patched: Patcher,
    kind: str, target: Callable[[ServiceDraft], Any],
) -> ServiceDraft:
    draft = await _current(council, service_id, expected_version)
    change: DraftChange | None = await target(draft)
    if change is None:
        raise NothingToStep(f"There is nothing to {kind}")
    undoing = kind == "undo"
    step = Step(change.operation, change.description,
                _patch(change.inverse if undoing else change.patch),
                _patch(change.patch if undoing else change.inverse), change.params)
    head = change.parent_id if undoing else change.id

    def decide(_: ServiceDraft) -> tuple[str, Step, int | None, int | None, int | None]:
        return kind, step, None, change.id, head

    return await _advance(council, service_id, expected_version, actor, patched, decide)


def _patch(value: Any) -> list[dict[str, Any]]:
    return [dict(operation) for operation in value]


async def _current(council: Council, service_id: str, expected_version: int) -> ServiceDraft:
    draft = await get_draft(council, service_id)
    if draft is None:
        raise LookupError(service_id)
    if draft.version != expected_version:
        raise DraftConflict(expected_version, draft.version, await changes_since(draft, expected_version))
    return draft


async def _advance(
    council: Council, service_id: str, expected_version: int, actor: StaffUser | None, patched: Patcher,
    decide: Callable[[ServiceDraft], tuple[str, Step, int | None, int | None, int | None]],
) -> ServiceDraft:
    """Apply one step under the version check: the draft row moves only if it is still at
    `expected_version`, and the step is recorded in the same transaction."""
    draft = await _current(council, service_id, expected_version)
    kind, step, parent_id, target_id, head = decide(draft)
    after = patched(draft.definition, step.patch)
    version = expected_version + 1
    try:
        async with in_transaction():
            change = await DraftChange.create(
                council_id=council.id, draft_id=draft.id, version=version, kind=kind, operation=step.operation,
                description=step.description, params=dict(step.params), patch=step.patch, inverse=step.inverse,
                parent_id=parent_id, target_id=target_id, actor=actor, actor_label=_label(actor),
            )
            moved = await ServiceDraft.filter(id=draft.id, version=expected_version).update(
                definition=after, version=version, head_change_id=change.id if kind == "change" else head,
                updated_at=_now(), updated_by_id=actor.id if actor else None, updated_by_label=_label(actor),
            )
            if moved != 1:
                raise _Lost()
    except (IntegrityError, _Lost):
        # Another designer's step took this version first: say what it was.
        current = await owned(ServiceDraft, council).get(id=draft.id)
        raise DraftConflict(expected_version, current.version, await changes_since(current, expected_version)) from None
    return await owned(ServiceDraft, council).get(id=draft.id)


class _Lost(Exception):
    """The draft row moved between reading and writing (rolls the step back)."""


async def publish_draft(
    council: Council, service_id: str, expected_version: int, *, version: str, note: str,
    actor: StaffUser | None,
) -> ServiceVersion:
    """Publish the draft, as it is at `expected_version`, as `version` of its service, after the
    same limits, meta-schema and lint as any definition: `NotPublishable` with the problems
    otherwise. The version must be newer than the latest published one."""
    draft = await _current(council, service_id, expected_version)
    document = {**draft.definition, "version": version}
    try:
        key = semver_key(version)
    except ValueError:
        raise NotPublishable([Problem("/version", "version", "Enter a version like 1.2.0")]) from None
    latest = await get_latest(council, service_id)
    if latest is not None and key <= semver_key(latest.version):
        raise NotPublishable([Problem("/version", "version",
                                      f"The version must be newer than {latest.version}, the one published now")])
    problems = report(document).listed
    if problems:
        raise NotPublishable(problems)
    try:
        async with in_transaction():
            published = await publish_version(council, document, content_hash(document), published_by=actor,
                                              change_note=note)
            moved = await ServiceDraft.filter(id=draft.id, version=expected_version).update(
                published_draft_version=expected_version)
            if moved != 1:
                raise _Lost()
    except _Lost:
        current = await owned(ServiceDraft, council).get(id=draft.id)
        raise DraftConflict(expected_version, current.version, await changes_since(current, expected_version)) from None
    return published


async def services(council: Council) -> list[ServiceState]:
    """Every service of the council, published or in draft, by title."""
    published = {row.service_id: row for row in await latest_versions(council)}
    drafts = {row.service_id: row for row in await owned(ServiceDraft, council)}
    last: dict[int, DraftChange] = {}
    for draft in drafts.values():
        change = await DraftChange.get_or_none(draft_id=draft.id, version=draft.version)
        if change is not None:
            last[draft.id] = change
    states = []
    for service_id in set(published) | set(drafts):
        in_draft = drafts.get(service_id)
        version = published.get(service_id)
        title = (str(in_draft.definition.get("title", service_id)) if in_draft
                 else version.title if version else service_id)
        states.append(ServiceState(service_id, title, version, in_draft, last.get(in_draft.id) if in_draft else None))
    return sorted(states, key=lambda state: (state.title.casefold(), state.service_id))
