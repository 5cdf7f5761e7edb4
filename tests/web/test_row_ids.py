"""The {name:id} path convertor matches exactly the ids a row can have: 1 to MAX_ID, written
as str writes them (issue 10: a larger number reached PostgreSQL and was a server error)."""

from __future__ import annotations

import re

import pytest
from starlette.routing import Route

from runtime.store.cursors import MAX_ID
from runtime.web import row_ids


@pytest.mark.parametrize("limit", [1, 7, 9, 10, 15, 99, 100, 101, 1000, 2020, 30405])
def test_at_most_matches_exactly_the_numbers_from_one_to_the_limit(limit: int) -> None:
    pattern = re.compile(row_ids.at_most(limit))
    for number in range(-1, limit * 10 + 11):
        assert bool(pattern.fullmatch(str(number))) == (1 <= number <= limit), number
    assert not pattern.fullmatch("0" + str(limit)) and not pattern.fullmatch("")


def test_a_route_takes_the_largest_id_and_no_larger() -> None:
    row_ids.register()
    route = Route("/outbox/{message_id:id}", lambda request: None, name="message")
    assert route.url_path_for("message", message_id=MAX_ID) == f"/outbox/{MAX_ID}"
    assert route.url_path_for("message", message_id=str(MAX_ID)) == f"/outbox/{MAX_ID}"  # as web.path builds them
    pattern = route.path_regex
    for taken in ("1", "9", "10", "999999999", "1000000000", "2000000000", "2147483646", str(MAX_ID)):
        assert pattern.match(f"/outbox/{taken}"), taken
    for refused in ("0", "007", "-1", "1.5", "²", str(MAX_ID + 1), "2147483650", "2200000000", "9999999999", "1" * 11):
        assert not pattern.match(f"/outbox/{refused}"), refused
    with pytest.raises(ValueError):
        route.url_path_for("message", message_id=MAX_ID + 1)
