"""Webhook messages for staff (admins only): each endpoint's recent messages with their state,
the council's dead letters, and "Send again" (POST with CSRF, audited), which puts a dead
message back in the queue with the same event id. Other roles get 403; another council's
admin gets 404 and changes nothing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from bs4 import BeautifulSoup
from staff_client import StaffClient, make_user

from runtime import store
from runtime.core.links import Links
from runtime.store import workflow as flow
from runtime.store.models import WebhookDelivery

BOX = store.SecretBox("staff-test-secret-" + "y" * 32)  # the staff app's own key (tests/staff/conftest.py)
LINKS = Links("http://127.0.0.1:8000", "staff-test-secret-" + "y" * 32)
WORKFLOW = {
    "id": "permit",
    "initial": "received",
    "states": {
        "received": {"on": {"DONE": {"target": "done"}}, "meta": {"label": "New", "residentText": "Got it.", "tag": "blue"}},
        "done": {"type": "final", "meta": {"label": "Done", "residentText": "Done.", "tag": "green"}},
    },
}
DEFINITION = {"id": "apply-for-a-permit", "version": "1.0.0", "title": "Apply for a permit", "workflow": WORKFLOW}


@dataclass
class World:
    north: store.Council
    south: store.Council
    endpoint: store.WebhookEndpoint
    south_endpoint: store.WebhookEndpoint
    by_state: dict[str, WebhookDelivery]
    south_dead: WebhookDelivery


async def queue_messages(council: store.Council, count: int) -> list[WebhookDelivery]:
    version = await store.publish_version(council, DEFINITION, "e" * 64)
    for _ in range(count):
        journey = await store.start_journey(council, version)
        await store.submit(journey, {"name": "Pat"}, "received", links=LINKS)
    return await WebhookDelivery.filter(council_id=council.id).order_by("id")


async def settle(delivery: WebhookDelivery, state: str, moment: datetime) -> None:
    """Bring a queued message to ``state`` through the workers' own store calls."""
    if state == store.webhooks.PENDING:
        return
    claimed = await store.webhooks.claim_delivery(delivery.id, delivery.attempts, moment, timedelta(minutes=2))
    assert claimed is not None
    if state == store.webhooks.DELIVERED:
        assert await store.webhooks.mark_delivered(claimed, moment, 204)
    elif state == store.webhooks.RETRYING:
        assert await store.webhooks.mark_failed(claimed, 503, "HTTP 503: busy", moment + timedelta(minutes=1), moment)
    else:
        assert await store.webhooks.mark_failed(claimed, None, "ConnectError: refused", None, moment)


@pytest.fixture
async def world(staff_app: Any) -> World:
    north = await store.create_council("north", "Northshire Council")
    south = await store.create_council("south", "Southshire Council")
    await make_user("admin@north.test", north, ["admin"])
    await make_user("caseworker@north.test", north, ["caseworker", "designer", "publisher"])
    await make_user("admin@south.test", south, ["admin"])
    endpoint = await store.webhooks.add_endpoint(north, BOX, "https://crm.north.example/hook", "s3cret",
                                                 list(store.webhooks.EVENTS))
    south_endpoint = await store.webhooks.add_endpoint(south, BOX, "https://crm.south.example/hook", "s3cret",
                                                       list(store.webhooks.EVENTS))
    rows = await queue_messages(north, 4)
    [south_row] = await queue_messages(south, 1)
    moment = datetime.now(UTC)
    by_state = dict(zip(store.webhooks.STATES, rows, strict=True))
    for state, row in by_state.items():
        await settle(row, state, moment)
    await settle(south_row, store.webhooks.DEAD, moment)
    fresh = {state: await WebhookDelivery.get(id=row.id) for state, row in by_state.items()}
    return World(north, south, endpoint, south_endpoint, fresh, await WebhookDelivery.get(id=south_row.id))


async def signed_in(new_client: Callable[[], StaffClient], email: str) -> StaffClient:
    client = new_client()
    assert (await client.sign_in(email)).status_code == 303
    return client


def rows_of(html: str) -> dict[str, dict[str, Any]]:
    page = BeautifulSoup(html, "html.parser")
    found = {}
    for row in page.select("tbody tr"):
        cells = [cell.get_text(" ", strip=True) for cell in row.select("td")]
        found[row.select_one("code").get_text(strip=True)] = {  # type: ignore[union-attr]
            "cells": cells, "tag": row.select_one(".govuk-tag").get_text(strip=True),  # type: ignore[union-attr]
            "send_again": row.select_one("form") is not None}
    return found


async def test_an_endpoints_messages_show_state_attempts_and_last_answer(
        world: World, new_client: Callable[[], StaffClient]) -> None:
    admin = await signed_in(new_client, "admin@north.test")
    listing = await admin.http.get("/staff/north/webhooks")
    links = {a.get_text(" ", strip=True): a["href"] for a in BeautifulSoup(listing.text, "html.parser").select("main a")}
    assert links["Messages sent to https://crm.north.example/hook"] == f"/staff/north/webhooks/{world.endpoint.id}"
    assert "Messages not delivered" in listing.text and "(1)" in listing.text
    assert (await admin.http.get("/staff/north/webhooks.json")).json()["dead_letters"] == 1

    url = f"/staff/north/webhooks/{world.endpoint.id}"
    page = await admin.http.get(url)
    assert page.status_code == 200 and page.headers["link"] == f'<{url}.json>; rel="alternate"; type="application/json"'
    rows = rows_of(page.text)
    tags = {row.event_id: rows[row.event_id]["tag"] for row in world.by_state.values()}
    assert tags == {world.by_state["pending"].event_id: "Waiting to send",
                    world.by_state["retrying"].event_id: "Retrying",
                    world.by_state["delivered"].event_id: "Delivered",
                    world.by_state["dead"].event_id: "Not delivered"}
    assert [rows[row.event_id]["send_again"] for row in world.by_state.values()] == [False, False, False, True]
    assert "HTTP 503: busy" in rows[world.by_state["retrying"].event_id]["cells"][3]
    assert "HTTP 204" in rows[world.by_state["delivered"].event_id]["cells"][3]
    assert "s3cret" not in page.text

    twin = (await admin.http.get(url + ".json")).json()
    by_id = {d["event_id"]: d for d in twin["deliveries"]}
    assert [d["id"] for d in twin["deliveries"]] == sorted((r.id for r in world.by_state.values()), reverse=True)
    retrying = by_id[world.by_state["retrying"].event_id]
    assert (retrying["state"], retrying["attempts"], retrying["last_status"]) == ("retrying", 1, 503)
    assert retrying["next_attempt_at"] is not None
    dead = by_id[world.by_state["dead"].event_id]
    assert dead["state"] == "dead" and dead["send_again"] == f"/staff/north/webhooks/messages/{dead['id']}/send-again"
    assert dead["last_error"] == "ConnectError: refused" and dead["next_attempt_at"] is None
    assert by_id[world.by_state["pending"].event_id]["attempts"] == 0
    assert "s3cret" not in str(twin) and "secret" not in twin["endpoint"]


async def test_dead_letters_are_listed_and_sent_again_with_the_same_event_id(
        world: World, new_client: Callable[[], StaffClient]) -> None:
    admin = await signed_in(new_client, "admin@north.test")
    dead = world.by_state["dead"]
    listing = await admin.http.get("/staff/north/webhooks/not-delivered")
    assert listing.status_code == 200
    assert list(rows_of(listing.text)) == [dead.event_id]
    assert "crm.north.example/hook" in listing.text and "crm.south.example" not in listing.text
    twin = (await admin.http.get("/staff/north/webhooks/not-delivered.json")).json()
    assert [d["event_id"] for d in twin["deliveries"]] == [dead.event_id]

    # The form on the page sends it again.
    form = BeautifulSoup(listing.text, "html.parser").select_one("tbody form")
    assert form is not None and form["action"] == f"/staff/north/webhooks/messages/{dead.id}/send-again"
    fields = {i["name"]: i["value"] for i in form.select("input")}
    sent = await admin.http.post(str(form["action"]), data=fields)
    assert sent.status_code == 303
    assert sent.headers["location"] == "/staff/north/webhooks/not-delivered"
    again = await WebhookDelivery.get(id=dead.id)
    assert (again.event_id, again.dead_at, again.attempts, again.delivered_at) == (dead.event_id, None, 0, None)
    assert again.payload == dead.payload and store.webhooks.state_of(again) == "pending"
    assert again.next_attempt_at is not None and again.next_attempt_at >= dead.dead_at  # type: ignore[operator]
    [entry] = [e for e in await store.audit.entries(world.north) if e.action == "webhook-resent"]
    assert entry.target == dead.event_id and entry.actor_label == "admin@north.test"
    assert entry.before == {"state": "dead", "attempts": 1, "last_status": None, "last_error": "ConnectError: refused"}
    assert entry.after == {"endpoint": "https://crm.north.example/hook", "event_type": "submission.created",
                           "delivery": dead.id}
    banner = await admin.http.get(sent.headers["location"])
    assert f"Message {dead.event_id} will be sent again" in banner.text
    assert rows_of(banner.text) == {}

    # Twice is refused and changes nothing more.
    twice = await admin.post(f"/staff/north/webhooks/messages/{dead.id}/send-again")
    assert twice.status_code == 409 and "cannot be sent again" in twice.text
    for row in (world.by_state["delivered"], world.by_state["retrying"], world.by_state["pending"]):
        refused = await admin.post(f"/staff/north/webhooks/messages/{row.id}/send-again")
        assert refused.status_code == 409
        assert (await WebhookDelivery.get(id=row.id)).attempts == row.attempts
    assert len([e for e in await store.audit.entries(world.north) if e.action == "webhook-resent"]) == 1


async def test_send_again_from_the_endpoint_page_returns_there(world: World, new_client: Callable[[], StaffClient]) -> None:
    admin = await signed_in(new_client, "admin@north.test")
    page = await admin.http.get(f"/staff/north/webhooks/{world.endpoint.id}")
    form = BeautifulSoup(page.text, "html.parser").select_one("tbody form")
    assert form is not None
    fields = {i["name"]: i["value"] for i in form.select("input")}
    assert fields["back"] == "endpoint"
    sent = await admin.http.post(str(form["action"]), data=fields)
    assert sent.status_code == 303 and sent.headers["location"] == f"/staff/north/webhooks/{world.endpoint.id}"
    # An unknown "back" cannot send the browser elsewhere.
    await settle(await WebhookDelivery.get(id=world.by_state["pending"].id), "dead", datetime.now(UTC))
    elsewhere = await admin.post(f"/staff/north/webhooks/messages/{world.by_state['pending'].id}/send-again",
                                 {"back": "https://evil.example/"})
    assert elsewhere.status_code == 303 and elsewhere.headers["location"].startswith("/staff/north/webhooks/not-delivered")


async def test_forged_wrong_role_and_other_councils_requests_change_nothing(
        world: World, new_client: Callable[[], StaffClient]) -> None:
    dead, south_dead = world.by_state["dead"], world.south_dead
    url = f"/staff/north/webhooks/messages/{dead.id}/send-again"
    admin = await signed_in(new_client, "admin@north.test")
    assert (await admin.post(url, {"back": "list"}, csrf=False)).status_code == 403  # no CSRF token
    assert (await admin.post(url, {"csrf_token": "forged"}, csrf=False)).status_code == 403
    caseworker = await signed_in(new_client, "caseworker@north.test")
    assert (await caseworker.post(url)).status_code == 403
    for page in (f"/staff/north/webhooks/{world.endpoint.id}", "/staff/north/webhooks/not-delivered"):
        assert (await caseworker.http.get(page)).status_code == 403
    south = await signed_in(new_client, "admin@south.test")
    for target in (url, f"/staff/south/webhooks/messages/{dead.id}/send-again"):
        assert (await south.post(target)).status_code == 404
    for page in (f"/staff/north/webhooks/{world.endpoint.id}", f"/staff/south/webhooks/{world.endpoint.id}",
                 "/staff/north/webhooks/not-delivered"):
        assert (await south.http.get(page)).status_code == 404
        assert (await south.http.get(page + ".json")).json()["error"]["code"] == "page_not_found"
    theirs = await south.http.get("/staff/south/webhooks/not-delivered.json")
    assert [d["event_id"] for d in theirs.json()["deliveries"]] == [south_dead.event_id]
    # North's admin cannot reach south's message through north's URL either.
    assert (await admin.post(f"/staff/north/webhooks/messages/{south_dead.id}/send-again")).status_code == 404
    assert "crm.south.example" not in (await admin.http.get("/staff/north/webhooks/not-delivered")).text
    for row in (dead, south_dead):
        unchanged = await WebhookDelivery.get(id=row.id)
        assert (unchanged.dead_at, unchanged.attempts) == (row.dead_at, row.attempts)
    assert [e for e in await store.audit.entries(world.north) if e.action == "webhook-resent"] == []
    assert [e for e in await store.audit.entries(world.south) if e.action == "webhook-resent"] == []


async def test_a_removed_endpoints_messages_leave_the_dead_letters(world: World, new_client: Callable[[], StaffClient]) -> None:
    admin = await signed_in(new_client, "admin@north.test")
    assert (await admin.post(f"/staff/north/webhooks/{world.endpoint.id}/remove")).status_code == 303
    listing = await admin.http.get("/staff/north/webhooks/not-delivered.json")
    assert listing.json()["deliveries"] == []
    refused = await admin.post(f"/staff/north/webhooks/messages/{world.by_state['dead'].id}/send-again")
    assert refused.status_code == 409
    assert (await admin.http.get(f"/staff/north/webhooks/{world.endpoint.id}")).status_code == 404
    # What was still to send was stopped with the endpoint.
    for state in ("pending", "retrying"):
        row = await WebhookDelivery.get(id=world.by_state[state].id)
        assert row.dead_at is not None and row.last_error == store.webhooks.REMOVED
    submission = await store.Submission.filter(council_id=world.north.id).order_by("id").first()
    assert submission is not None
    before = await WebhookDelivery.all().count()
    await flow.transition(world.north, submission.id, flow.Move("DONE"), LINKS)
    assert await WebhookDelivery.all().count() == before  # nothing queued for a removed endpoint
