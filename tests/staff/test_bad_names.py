"""Issue 10: names in the staff app's URLs that nothing could have. A council's slug and a
service's id are columns of 64 characters; a longer name, or text no database keeps, names
nothing: 404 in a path, 400 (with the form's error) in the inbox's filters, never the 500 of
a query the ORM or the database refuses. Signed in as the demo council's admin."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx2 as httpx
import pytest
from bs4 import BeautifulSoup
from staff_client import StaffClient, make_user

from runtime import store

UNKNOWABLE = {
    "65 letters": "a" * 65,
    "65 letters, not ASCII": "é" * 65,
    "10,000 letters": "x" * 10_000,
    "a NUL character": "demo%00",
}


@pytest.fixture
async def admin(demo: store.Council, staff_app: Any, new_client: Callable[[], StaffClient]) -> StaffClient:
    await make_user("admin@demo.borough.test", demo, list(store.staff.ROLES))
    client = new_client()
    assert (await client.sign_in("admin@demo.borough.test")).status_code == 303
    return client


def assert_refused(response: httpx.Response, status: int) -> None:
    assert response.status_code == status, (str(response.url)[:120], response.status_code, response.text[:300])
    assert "Traceback" not in response.text and "ValidationError" not in response.text


@pytest.mark.parametrize("name", UNKNOWABLE.values(), ids=UNKNOWABLE.keys())
async def test_a_council_or_service_nothing_could_be_called_is_not_found(admin: StaffClient, name: str) -> None:
    for url in (f"/staff/{name}", f"/staff/{name}/applications", f"/staff/demo/services/{name}/export.csv",
                f"/staff/demo/services/{name}/export", f"/staff/demo/services/{name}/export.json"):
        assert_refused(await admin.http.get(url), 404)
    known = await admin.http.get("/staff/demo/services/report-missed-bin/export.csv")
    assert known.status_code == 200, known.text[:300]


@pytest.mark.parametrize("name", UNKNOWABLE.values(), ids=UNKNOWABLE.keys())
@pytest.mark.parametrize("parameter", ["service", "state"])
async def test_an_inbox_filter_nothing_could_match_is_refused_by_the_form(admin: StaffClient, parameter: str,
                                                                          name: str) -> None:
    response = await admin.http.get(f"/staff/demo/applications?{parameter}={name}")
    assert_refused(response, 400)
    summary = BeautifulSoup(response.text, "html.parser").select_one(".govuk-error-summary")
    assert summary is not None and f"Choose a {parameter} from the list" in summary.get_text(" ")
    assert_refused(await admin.http.get(f"/staff/demo/applications.json?{parameter}={name}"), 400)
    fine = await admin.http.get(f"/staff/demo/applications?{parameter}=no-such-{parameter}")
    assert fine.status_code == 200, fine.text[:300]  # a name that could exist: simply no applications
