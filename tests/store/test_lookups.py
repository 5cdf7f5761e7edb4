"""Issue 10: looking up by a value from outside (a URL, a query string) that no row could hold
finds nothing, on SQLite and PostgreSQL alike, instead of a query the ORM or the database
refuses."""

from __future__ import annotations

import pytest

from runtime.store import Council, ServiceVersion, get_council, get_latest, inbox
from runtime.store import payments as records
from runtime.store.lookups import could_exist
from runtime.store.models import SandboxPayment, Submission, SubmissionEvent

UNKNOWABLE = {
    "65 letters": "a" * 65,
    "65 letters, not ASCII": "é" * 65,
    "10,000 letters": "x" * 10_000,
    "a NUL character": "northshire\x00",
    "half a character": "northshire\ud800",
}


def test_a_value_could_exist_only_within_its_column_and_as_text_a_database_keeps() -> None:
    assert could_exist(Council, "slug", "a" * 64) and could_exist(Council, "slug", "é" * 64)
    assert not could_exist(Council, "slug", "a" * 65)
    assert could_exist(SandboxPayment, "id", "a" * 40) and not could_exist(SandboxPayment, "id", "a" * 41)
    assert not could_exist(Council, "slug", "a\x00") and not could_exist(Council, "slug", "a\udfff")
    assert could_exist(SubmissionEvent, "note", "x" * 10_000)  # a text column without a length


@pytest.mark.parametrize("value", UNKNOWABLE.values(), ids=UNKNOWABLE.keys())
async def test_lookups_by_a_value_nothing_could_have_find_nothing(council: Council, service_version: ServiceVersion,
                                                                  value: str) -> None:
    assert await get_council(value) is None
    assert await get_latest(council, value) is None
    assert await records.sandbox_get(value) is None
    assert await inbox.service_versions(council, value) == []
    assert [rows async for rows in inbox.export_rows(council, value)] == []
    assert await inbox.states_of(council, value) == []
    for filters in (inbox.Filters(service=value), inbox.Filters(state=value)):
        assert filters.unmatchable() == ["service" if filters.service else "state"]
        found = await inbox.page(council, filters)
        assert found.rows == [] and found.next is None and found.previous is None
    assert inbox.Filters(service="apply-for-a-permit", state="received").unmatchable() == []
    assert await get_council("northshire") == council  # what exists is still found
    assert await get_latest(council, "apply-for-a-permit") == service_version
    assert {"received", "done"} <= {state for state, _ in await inbox.states_of(council, "apply-for-a-permit")}


def test_the_columns_named_are_the_models() -> None:
    with pytest.raises(KeyError):
        could_exist(Submission, "no_such_column", "x")
