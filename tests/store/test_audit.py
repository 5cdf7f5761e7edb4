"""The audit log: entries per council, newest first, a page at a time; the database itself
refuses to change or delete one."""

from __future__ import annotations

import asyncpg
import pytest
from tortoise.exceptions import BaseORMException

from runtime.store import AuditEntry, Council, audit, staff


async def test_entries_are_the_councils_own_newest_first(council: Council, other_council: Council) -> None:
    ann = await staff.create_user("ann@example.org", "Ann", None)
    await audit.record(council, ann, "settings-changed", "northshire", before={"name": "Old"},
                       after={"name": "New"}, address="192.0.2.1")
    await audit.record(other_council, ann, "settings-changed", "southshire")
    await audit.record(council, None, "user-created", "bo@example.org", actor_label="borough create-user")
    await audit.record(None, ann, "signed-in")
    await audit.record(council, None, "service-published", "apply-for-a-permit")

    mine = await audit.entries(council)
    assert [(e.action, e.target, e.actor_label) for e in mine] == [
        ("service-published", "apply-for-a-permit", "system"),
        ("user-created", "bo@example.org", "borough create-user"),
        ("settings-changed", "northshire", "ann@example.org"),
    ]
    first = mine[-1]
    assert (first.actor_id, first.before, first.after, first.address) == (
        ann.id, {"name": "Old"}, {"name": "New"}, "192.0.2.1")
    assert first.at.tzinfo is not None
    assert [e.target for e in await audit.entries(other_council)] == ["southshire"]
    # Entries without a council (signing in) belong to no council's log.
    assert await AuditEntry.filter(council_id__isnull=True).count() == 1


async def test_entries_come_a_page_at_a_time_by_keyset(council: Council, other_council: Council) -> None:
    for number in range(7):
        await audit.record(council, None, "step", str(number))
        await audit.record(other_council, None, "step", f"other {number}")
    pages: list[list[str]] = []
    before_id: int | None = None
    while page := await audit.entries(council, limit=3, before_id=before_id):
        pages.append([entry.target for entry in page])
        before_id = page[-1].id
    assert pages == [["6", "5", "4"], ["3", "2", "1"], ["0"]]


# SQLite's RAISE(ABORT) comes through Tortoise as an OperationalError; a PL/pgSQL RAISE
# EXCEPTION (SQLSTATE P0001) is not one Tortoise translates, so it arrives as asyncpg's own.
REFUSED = (BaseORMException, asyncpg.PostgresError)


async def test_the_database_refuses_to_change_or_delete_an_entry(council: Council) -> None:
    entry = await audit.record(council, None, "settings-changed", "northshire", after={"name": "New"})
    with pytest.raises(REFUSED, match="append-only"):
        await AuditEntry.filter(id=entry.id).update(action="nothing-happened")
    with pytest.raises(REFUSED, match="append-only"):
        await AuditEntry.filter(id=entry.id).delete()
    entry.after = {"name": "Rewritten"}
    with pytest.raises(REFUSED, match="append-only"):
        await entry.save()
    with pytest.raises(REFUSED, match="append-only"):
        await entry.delete()
    connection = AuditEntry._meta.db
    with pytest.raises(REFUSED, match="append-only"):
        await connection.execute_query("DELETE FROM audit_entry")
    kept = await AuditEntry.get(id=entry.id)
    assert (kept.action, kept.after) == ("settings-changed", {"name": "New"})
