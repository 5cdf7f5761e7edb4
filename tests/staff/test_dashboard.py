"""The dashboard's recent applications show each status by its staff label and tag colour, as
the inbox does, never the workflow's state name."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bs4 import BeautifulSoup
from sent_applications import send
from staff_client import StaffClient, make_user

from runtime import store


async def test_recent_applications_show_state_labels(demo: store.Council, staff_app: Any, new_client: Callable[[], StaffClient]) -> None:
    council = demo
    await make_user("cas@demo.test", council, ["caseworker"])
    permit = await send(council, "apply-parking-permit")
    report = await send(council, "report-missed-bin", state="rejected")
    client = new_client()
    assert (await client.sign_in("cas@demo.test")).status_code == 303

    page = BeautifulSoup((await client.http.get("/staff/demo")).text, "html.parser")
    rows = {}
    [table] = [t for t in page.select("main table") if "newest applications" in t.caption.get_text()]  # type: ignore[union-attr]
    for row in table.select("tbody tr"):
        link = row.select_one("a")
        if link is not None:
            rows[link.get_text(strip=True)] = row
    assert set(rows) == {permit.reference, report.reference}
    tags = {reference: row.select_one(".govuk-tag") for reference, row in rows.items()}
    assert {reference: tag.get_text(strip=True) for reference, tag in tags.items() if tag} == {
        permit.reference: "New application", report.reference: "Not collected"}
    assert "govuk-tag--red" in tags[report.reference]["class"]  # type: ignore[index]
    for row in rows.values():
        cells = [cell.get_text(strip=True) for cell in row.select("td")]
        assert "received" not in cells and "rejected" not in cells

    twin = (await client.http.get("/staff/demo.json")).json()
    assert {s["reference"]: s["state_label"] for s in twin["submissions"]} == {
        permit.reference: "New application", report.reference: "Not collected"}
