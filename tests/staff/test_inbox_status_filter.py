"""The inbox's status filter offers each label once ("Not collected" is a state of two
services, named differently in each) and finds every service's applications in a state with
that label, and only those: "New report" is not "New application", though both are a state
called "received"."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bs4 import BeautifulSoup
from sent_applications import send
from staff_client import StaffClient, make_user

from runtime import store
from runtime.store import inbox


async def test_each_label_once_and_the_filter_finds_them_all(demo: store.Council, staff_app: Any,
                                                            new_client: Callable[[], StaffClient]) -> None:
    council = demo
    await make_user("cas@demo.test", council, ["caseworker"])
    client = new_client()
    assert (await client.sign_in("cas@demo.test")).status_code == 303
    missed_bin = await send(council, "report-missed-bin", state="rejected")
    bulky = await send(council, "book-bulky-waste", state="notCollected")
    permit = await send(council, "apply-parking-permit")
    pothole = await send(council, "report-pothole")

    async def found(**query: str) -> set[str]:
        twin = await client.http.get("/staff/demo/applications.json", params=query)
        assert twin.status_code == 200, twin.text[:300]
        return {row["reference"] for row in twin.json()["applications"]}

    page = BeautifulSoup((await client.http.get("/staff/demo/applications")).text, "html.parser")
    offered = [option.get_text(strip=True) for option in page.select("select#state option")]
    assert offered[0] == "Any status" and len(offered) == len(set(offered))
    assert {"Not collected", "New application", "New report", "Waiting for payment"} <= set(offered)

    assert await found(state="Not collected") == {missed_bin.reference, bulky.reference}
    assert await found(state="New report") == {pothole.reference}
    assert await found(state="New application") == {permit.reference}
    assert await found(state="Not collected", service="book-bulky-waste") == {bulky.reference}
    # A state's own name still works, across the services that have it.
    assert await found(state="received") == {permit.reference, pothole.reference}
    assert await found(state="rejected", service="report-missed-bin") == {missed_bin.reference}

    # The form shows the choice back, and one service's labels when a service is chosen.
    chosen = BeautifulSoup((await client.http.get("/staff/demo/applications", params={
        "state": "Not collected", "service": "report-missed-bin"})).text, "html.parser")
    selected = chosen.select_one("select#state option[selected]")
    assert selected is not None and selected.get_text(strip=True) == "Not collected"
    labels = {option.get_text(strip=True) for option in chosen.select("select#state option")}
    assert "New application" not in labels and "Collection booked" not in labels
    rows = chosen.select("main table tbody tr")
    assert [row.select_one("a").get_text(strip=True) for row in rows] == [missed_bin.reference]  # type: ignore[union-attr]

    # A status no service has matches nothing, as an unknown service does.
    assert await found(state="Lost in the post") == set()


async def test_labelled_states_name_each_service_and_its_newest_label(demo: store.Council, staff_app: Any) -> None:
    council = demo
    states = await inbox.labelled_states(council, "report-missed-bin")
    assert ("report-missed-bin", "rejected", "Not collected") in states
    assert {service for service, _, _ in states} == {"report-missed-bin"}
    assert await inbox.labelled_states(council, "no-such-service") == []
