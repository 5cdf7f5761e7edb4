"""The audit log: who changed what, in which council, when, with before and after."""

from __future__ import annotations

from typing import Any

from runtime.store.models import AuditEntry, Council, StaffUser
from runtime.store.scope import owned


async def record(
    council: Council | None,
    actor: StaffUser | None,
    action: str,
    target: str = "",
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    address: str | None = None,
    actor_label: str | None = None,
) -> AuditEntry:
    label = actor_label or (actor.email if actor else "system")
    return await AuditEntry.create(council=council, actor=actor, actor_label=label, action=action, target=target,
                                   before=before, after=after, address=address)


async def entries(council: Council, *, limit: int = 100, before_id: int | None = None) -> list[AuditEntry]:
    """The council's newest entries first, `limit` at a time (keyset: ids below `before_id`)."""
    query = owned(AuditEntry, council)
    if before_id is not None:
        query = query.filter(id__lt=before_id)
    return await query.order_by("-id").limit(limit)
