"""Replacing a webhook endpoint's signing secret (admins only): "Rotate signing secret" makes a
new secret, shows it once, and from then on each message carries a v1 signature made with the
new secret and one with the old; "Stop signing with the old secret" keeps only the new. Both
are POSTs with CSRF and audited; other roles get 403, another council's admin gets 404 and
changes nothing."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from bs4 import BeautifulSoup
from staff_client import StaffClient, make_user

from runtime import store
from runtime.core.signatures import (
    SIGNATURE_HEADER,
    SignatureRefused,
    parse_signature,
    verify_signature,
)
from runtime.delivery.webhooks import body_of, headers_for

BOX = store.SecretBox("staff-test-secret-" + "y" * 32)  # the staff app's own key (tests/staff/conftest.py)
OLD = "s3cret-the-first-one"


@dataclass
class World:
    north: store.Council
    south: store.Council
    endpoint: store.WebhookEndpoint
    south_endpoint: store.WebhookEndpoint


@pytest.fixture
async def world(staff_app: Any) -> World:
    north = await store.create_council("north", "Northshire Council")
    south = await store.create_council("south", "Southshire Council")
    await make_user("admin@north.test", north, ["admin"])
    await make_user("caseworker@north.test", north, ["caseworker", "designer", "publisher"])
    await make_user("admin@south.test", south, ["admin"])
    endpoint = await store.webhooks.add_endpoint(north, BOX, "https://crm.north.example/hook", OLD,
                                                 list(store.webhooks.EVENTS))
    south_endpoint = await store.webhooks.add_endpoint(south, BOX, "https://crm.south.example/hook", "south-secret",
                                                       list(store.webhooks.EVENTS))
    return World(north, south, endpoint, south_endpoint)


async def signed_in(new_client: Callable[[], StaffClient], email: str) -> StaffClient:
    client = new_client()
    assert (await client.sign_in(email)).status_code == 303
    return client


async def secrets_of(endpoint: store.WebhookEndpoint) -> list[str]:
    fresh = await store.WebhookEndpoint.get(id=endpoint.id)
    return store.webhooks.endpoint_secrets(fresh, BOX)


async def signed_message(endpoint: store.WebhookEndpoint) -> tuple[dict[str, str], bytes]:
    """A message as the delivery worker would sign it now, with the endpoint's stored secrets."""
    body = body_of({"id": "WXYZ-1.1", "type": "submission.created", "created_at": "2026-12-01T00:00:00Z",
                    "data": {"reference": "WXYZ-1"}})
    return headers_for("WXYZ-1.1", "submission.created", body, await secrets_of(endpoint), int(time.time())), body


def form_on(html: str, button: str) -> tuple[str, dict[str, str]]:
    page = BeautifulSoup(html, "html.parser")
    for form in page.select("main form"):
        if button in form.get_text(" ", strip=True):
            return str(form["action"]), {str(i["name"]): str(i.get("value", "")) for i in form.select("input")}
    raise AssertionError(f"no form with {button!r}")


def audited(entries: list[Any], action: str) -> list[Any]:
    return [entry for entry in entries if entry.action == action]


async def test_rotate_shows_the_new_secret_once_and_signs_with_both(
        world: World, new_client: Callable[[], StaffClient]) -> None:
    admin = await signed_in(new_client, "admin@north.test")
    endpoint_page = f"/staff/north/webhooks/{world.endpoint.id}"
    page = await admin.http.get(endpoint_page)
    assert page.status_code == 200 and "Stop signing with the old secret" not in page.text
    link = BeautifulSoup(page.text, "html.parser").select_one("main a[role=button]")
    assert link is not None and link.get_text(strip=True) == "Rotate signing secret"
    assert link["href"] == f"{endpoint_page}/rotate-secret"
    assert (await admin.http.get(endpoint_page + ".json")).json()["signing"]["secrets"] == 1

    confirm = await admin.http.get(str(link["href"]))
    assert confirm.status_code == 200 and "Are you sure you want to make a new signing secret?" in confirm.text
    assert await secrets_of(world.endpoint) == [OLD]  # asking changes nothing
    action, fields = form_on(confirm.text, "Make a new signing secret")
    rotated = await admin.http.post(action, data=fields)
    assert rotated.status_code == 200 and rotated.headers["cache-control"] == "no-store"
    shown = BeautifulSoup(rotated.text, "html.parser").select_one("#signing-secret")
    assert shown is not None
    new = shown.get_text(strip=True)
    assert len(new) >= 40 and new != OLD
    assert await secrets_of(world.endpoint) == [new, OLD]
    sealed = (await store.WebhookEndpoint.get(id=world.endpoint.id)).secret
    assert new not in sealed and OLD not in sealed

    # Shown once: the endpoint's pages and twins never show either secret again.
    for url in (endpoint_page, endpoint_page + ".json", f"{endpoint_page}/rotate-secret",
                f"{endpoint_page}/rotate-secret.json", "/staff/north/webhooks", "/staff/north/webhooks.json"):
        later = await admin.http.get(url)
        assert later.status_code == 200 and new not in later.text and OLD not in later.text, url
    assert (await admin.http.get(endpoint_page + ".json")).json()["signing"]["secrets"] == 2

    # Each message now carries two v1 signatures; a receiver holding either secret accepts it.
    headers, body = await signed_message(world.endpoint)
    assert len(parse_signature(headers[SIGNATURE_HEADER])[1]) == 2
    for secret in (new, OLD, [new, OLD], ["unknown", OLD]):
        assert verify_signature(secret, headers, body) == int(headers["Borough-Timestamp"])
    with pytest.raises(SignatureRefused):
        verify_signature("unknown", headers, body)

    entries = audited(await store.audit.entries(world.north), "webhook-secret-rotated")
    assert len(entries) == 1 and entries[0].target == str(world.endpoint.id)
    assert entries[0].actor_label == "admin@north.test"
    assert entries[0].before == {"url": "https://crm.north.example/hook", "secrets": 1}
    assert entries[0].after == {"url": "https://crm.north.example/hook", "secrets": 2, "secret": "generated"}
    assert new not in str(entries[0].after) and OLD not in str(entries[0].before)

    # Rotating again keeps the newest two: the one before the new, never the first.
    again = await admin.post(f"{endpoint_page}/rotate-secret")
    newest = BeautifulSoup(again.text, "html.parser").select_one("#signing-secret").get_text(strip=True)  # type: ignore[union-attr]
    assert await secrets_of(world.endpoint) == [newest, new]


async def test_stop_signing_with_the_old_secret(world: World, new_client: Callable[[], StaffClient]) -> None:
    admin = await signed_in(new_client, "admin@north.test")
    endpoint_page = f"/staff/north/webhooks/{world.endpoint.id}"
    rotated = await admin.post(f"{endpoint_page}/rotate-secret")
    new = BeautifulSoup(rotated.text, "html.parser").select_one("#signing-secret").get_text(strip=True)  # type: ignore[union-attr]
    page = await admin.http.get(endpoint_page)
    action, fields = form_on(page.text, "Stop signing with the old secret")
    assert action == f"{endpoint_page}/stop-old-secret"
    stopped = await admin.http.post(action, data=fields)
    assert stopped.status_code == 303 and stopped.headers["location"] == endpoint_page
    assert "Messages are now signed with the new secret only" in (await admin.http.get(stopped.headers["location"])).text
    assert await secrets_of(world.endpoint) == [new]

    headers, body = await signed_message(world.endpoint)
    assert len(parse_signature(headers[SIGNATURE_HEADER])[1]) == 1
    verify_signature(new, headers, body)
    with pytest.raises(SignatureRefused) as refused:
        verify_signature(OLD, headers, body)
    assert refused.value.code == "mismatch"

    [entry] = audited(await store.audit.entries(world.north), "webhook-old-secret-stopped")
    assert entry.target == str(world.endpoint.id) and entry.before["secrets"] == 2 and entry.after["secrets"] == 1

    # Once more: nothing to stop, said plainly, nothing changes.
    twice = await admin.post(f"{endpoint_page}/stop-old-secret")
    assert twice.status_code == 409 and "already signed with one secret only" in twice.text
    assert await secrets_of(world.endpoint) == [new]
    assert len(audited(await store.audit.entries(world.north), "webhook-old-secret-stopped")) == 1


async def test_forged_wrong_role_and_other_councils_requests_change_nothing(
        world: World, new_client: Callable[[], StaffClient]) -> None:
    rotate = f"/staff/north/webhooks/{world.endpoint.id}/rotate-secret"
    stop = f"/staff/north/webhooks/{world.endpoint.id}/stop-old-secret"
    await store.webhooks.rotate_secret(world.north, BOX, world.endpoint.id, "second-secret")
    await store.webhooks.rotate_secret(world.south, BOX, world.south_endpoint.id, "south-second")
    north_before = await secrets_of(world.endpoint)
    south_before = await secrets_of(world.south_endpoint)

    admin = await signed_in(new_client, "admin@north.test")
    for url in (rotate, stop):
        assert (await admin.post(url, {"confirm": "yes"}, csrf=False)).status_code == 403  # no CSRF token
        assert (await admin.post(url, {"csrf_token": "forged"}, csrf=False)).status_code == 403
    caseworker = await signed_in(new_client, "caseworker@north.test")
    assert (await caseworker.http.get(rotate)).status_code == 403
    for url in (rotate, stop):
        assert (await caseworker.post(url)).status_code == 403

    south = await signed_in(new_client, "admin@south.test")
    theirs = f"/staff/south/webhooks/{world.endpoint.id}"  # north's endpoint through south's URLs
    for url in (rotate, stop, f"{theirs}/rotate-secret", f"{theirs}/stop-old-secret"):
        response = await south.post(url)
        assert response.status_code == 404 and "#signing-secret" not in response.text
    for url in (rotate, f"{theirs}/rotate-secret"):
        assert (await south.http.get(url)).status_code == 404
        assert (await south.http.get(url + ".json")).json()["error"]["code"] == "page_not_found"

    # North's admin cannot reach south's endpoint through north's URLs either.
    for url in (f"/staff/north/webhooks/{world.south_endpoint.id}/rotate-secret",
                f"/staff/north/webhooks/{world.south_endpoint.id}/stop-old-secret"):
        assert (await admin.post(url)).status_code == 404

    assert await secrets_of(world.endpoint) == north_before
    assert await secrets_of(world.south_endpoint) == south_before
    for council in (world.north, world.south):
        actions = {entry.action for entry in await store.audit.entries(council)}
        assert not actions & {"webhook-secret-rotated", "webhook-old-secret-stopped"}


async def test_a_removed_endpoints_secret_cannot_be_rotated(world: World, new_client: Callable[[], StaffClient]) -> None:
    admin = await signed_in(new_client, "admin@north.test")
    assert (await admin.post(f"/staff/north/webhooks/{world.endpoint.id}/remove")).status_code == 303
    assert (await admin.post(f"/staff/north/webhooks/{world.endpoint.id}/rotate-secret")).status_code == 404
    assert (await store.WebhookEndpoint.get(id=world.endpoint.id)).secret == ""


async def test_the_store_lets_only_one_of_two_changes_at_once_win(world: World) -> None:
    stale = await store.webhooks.get_endpoint(world.north, world.endpoint.id)
    assert stale is not None
    assert await store.webhooks.rotate_secret(world.north, BOX, world.endpoint.id, "second") is not None
    # A change made from what was read before the first one is refused, not merged.
    assert await store.webhooks._replace_secret(world.north, stale, BOX.seal("lost")) is None
    assert await secrets_of(world.endpoint) == ["second", OLD]
    assert await store.webhooks.rotate_secret(world.south, BOX, world.endpoint.id, "theirs") is None
    assert await store.webhooks.drop_old_secrets(world.south, BOX, world.endpoint.id) is None
    with pytest.raises(ValueError):
        await store.webhooks.rotate_secret(world.north, BOX, world.endpoint.id, "a,b")
    assert await secrets_of(world.endpoint) == ["second", OLD]
