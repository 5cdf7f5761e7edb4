"""One rule for page cursors (issue 10): the caseworkers' inbox, the JSON API, the audit log,
the outbox and the webhook messages not delivered refuse the same cursors with a 400 and take
the same largest id. Before, the messages not delivered ignored a malformed cursor, the API
took an empty one for none, and on PostgreSQL an id past 2**31 - 1 was a server error on
every list that pages by id."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from staff_client import StaffClient, make_user

from runtime import store
from runtime.settings import Settings
from runtime.staff.app import staff_routes
from runtime.store import api_keys
from runtime.store.cursors import MAX_ID, Cursor, InvalidCursor, SignedCursors, row_id

MOMENT = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
ID_LISTS = ("/staff/alpha/audit", "/staff/alpha/outbox", "/staff/alpha/webhooks/not-delivered")
INBOX = "/staff/alpha/applications"
API = "/staff/api/v1/submissions"
API_CURSOR_PURPOSE = "borough-api-cursor"  # as runtime/api/app.py signs its cursors


@dataclass
class Lists:
    council: store.Council
    admin: StaffClient
    key: str
    cursors: SignedCursors


@pytest.fixture
async def lists(staff_app: Any, staff_settings: Settings, new_client: Callable[[], StaffClient]) -> Lists:
    council = await store.create_council("alpha", "Alpha Borough Council")
    await make_user("ann@alpha.test", council, ["admin"])
    admin = new_client()
    assert (await admin.sign_in("ann@alpha.test")).status_code == 303
    _, key = await api_keys.create_key(council, "CRM", ["submissions:read"])
    return Lists(council, admin, key, SignedCursors(staff_settings.secret_key, API_CURSOR_PURPOSE))


async def statuses(lists: Lists, id_text: str, inbox_text: str, api_text: str) -> dict[str, int]:
    """What each list answers to a cursor: the id lists to ``id_text``, the inbox (both ways)
    to ``inbox_text``, the API to ``api_text``."""
    http = lists.admin.http
    found = {url: (await http.get(url, params={"before": id_text})).status_code for url in ID_LISTS}
    for direction in ("after", "before"):
        found[f"{INBOX}?{direction}"] = (await http.get(INBOX, params={direction: inbox_text})).status_code
    answer = await http.get(API, params={"cursor": api_text}, headers={"Authorization": f"Bearer {lists.key}"})
    if answer.status_code == 400:
        assert answer.json()["error"]["code"] == "bad_cursor", answer.text
    found[API] = answer.status_code
    return found


@pytest.mark.parametrize("number", [0, -1, MAX_ID + 1, 10**18])
async def test_an_id_out_of_range_is_refused_by_every_list(lists: Lists, number: int) -> None:
    keyset = Cursor(MOMENT, number)
    found = await statuses(lists, str(number), keyset.encode(), lists.cursors.encode(keyset, lists.council.id))
    assert set(found.values()) == {400}, found


async def test_the_largest_id_is_taken_by_every_list(lists: Lists) -> None:
    keyset = Cursor(MOMENT, MAX_ID)
    found = await statuses(lists, str(MAX_ID), keyset.encode(), lists.cursors.encode(keyset, lists.council.id))
    assert set(found.values()) == {200}, found


@pytest.mark.parametrize("text", ["", "abc", "1.5", " 7", "²", "٣", "1" * 201, "A" * 201])
async def test_a_malformed_or_overlong_cursor_is_refused_by_every_list(lists: Lists, text: str) -> None:
    found = await statuses(lists, text, text, text)
    assert set(found.values()) == {400}, found


def test_cursors_round_trip_within_the_limits() -> None:
    signed = SignedCursors("secret", API_CURSOR_PURPOSE)
    long_ago = Cursor(datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC), MAX_ID)
    assert Cursor.decode(long_ago.encode()) == long_ago
    assert signed.decode(signed.encode(long_ago, 7), 7) == long_ago
    with pytest.raises(InvalidCursor):
        signed.decode(signed.encode(long_ago, 7), 8)  # another council's
    with pytest.raises(InvalidCursor):
        Cursor.decode(long_ago.encode() + "=" * 200)
    with pytest.raises(InvalidCursor):
        row_id("0" * 200 + "1")  # a number in range, written longer than any cursor may be
    assert row_id(str(MAX_ID)) == MAX_ID


@pytest.mark.parametrize("limit", ["²", "٣", "1" * 5000])
async def test_the_api_page_size_is_whole_digits_too(lists: Lists, limit: str) -> None:
    answer = await lists.admin.http.get(API, params={"limit": limit}, headers={"Authorization": f"Bearer {lists.key}"})
    assert answer.status_code == 400 and answer.json()["error"]["code"] == "bad_parameter", answer.text



def id_paths(number: int) -> list[str]:
    """Every staff path that names a row by id, with ``number`` as that id."""
    paths = []
    for route in staff_routes():
        template = str(getattr(route, "path", ""))
        if ":id}" in template:
            filled = re.sub(r"\{\w+:id\}", str(number), template)
            paths.append("/staff" + filled.replace("{council}", "alpha").replace("{reference}", "ABCD-2345"))
    return paths


async def test_an_id_in_a_path_past_the_largest_is_not_found_on_every_route(
        lists: Lists, new_client: Callable[[], StaffClient]) -> None:
    await make_user("op@borough.test", operator=True)
    operator = new_client()
    assert (await operator.sign_in("op@borough.test")).status_code == 303
    paths = id_paths(MAX_ID + 1)
    assert len(paths) >= 10 and any("/people/" in path for path in paths) and any("/staff/outbox/" in path for path in paths)
    for path in paths:
        client = lists.admin if path.startswith("/staff/alpha/") else operator
        # Past the largest id: no route matches, so no query is made (PostgreSQL refused it: a 500).
        assert (await client.http.get(path)).status_code == 404, path
        # The largest id: the route matches and finds nothing (or takes only GET, or only POST).
        largest = path.replace(str(MAX_ID + 1), str(MAX_ID))
        assert (await client.http.get(largest)).status_code in (404, 405), largest
        assert (await client.post(largest, {})).status_code in (404, 405), largest
