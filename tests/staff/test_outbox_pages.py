"""The outbox in the staff app: a council's admins see their council's emails, the operator
every email; each message shows its text; a dead one can be sent again (CSRF, audited);
another council's messages are not found; other roles are refused."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
from bs4 import BeautifulSoup
from staff_client import StaffClient, make_user

from borough.app import assemble
from runtime import store
from runtime.delivery.email import DevTransport, deliver_due
from runtime.settings import ROOT, Settings
from runtime.store.models import OutboxMessage


@dataclass
class Mail:
    alpha: store.Council
    beta: store.Council
    queued: OutboxMessage
    sent: OutboxMessage
    dead: OutboxMessage
    retrying: OutboxMessage
    beta_dead: OutboxMessage
    reset: OutboxMessage  # installation mail


async def message(council: store.Council | None, key: str, subject: str, **state: Any) -> OutboxMessage:
    queued = await store.enqueue_email(council, f"{key}@example.org", subject,
                                       f"Dear resident,\n\n{subject} body line.\nSecond line.", key)
    if state:
        await OutboxMessage.filter(id=queued.id).update(**state)
    return await OutboxMessage.get(id=queued.id)


@pytest.fixture
async def mail(staff_app: Any) -> Mail:
    alpha = await store.create_council("alpha", "Alpha Borough Council")
    beta = await store.create_council("beta", "Beta District Council")
    await make_user("alice@alpha.test", alpha, ["admin"])
    await make_user("carol@alpha.test", alpha, ["caseworker", "designer", "publisher"])
    await make_user("bob@beta.test", beta, ["admin"])
    now = datetime.now(UTC)
    return Mail(
        alpha, beta,
        queued=await message(alpha, "a-queued", "Application received"),
        sent=await message(alpha, "a-sent", "Status changed", sent_at=now, attempts=1, transport="notify",
                           transport_id="7a1d-notify-id"),
        dead=await message(alpha, "a-dead", "We need more information", attempts=1, dead_at=now,
                           last_error="GOV.UK Notify answered 400: ValidationError: email_address Not a valid email address"),
        retrying=await message(alpha, "a-retrying", "Payment received", attempts=2, next_attempt_at=now + timedelta(minutes=2),
                               last_error="GOV.UK Notify answered 503"),
        beta_dead=await message(beta, "b-dead", "Beta secret subject", attempts=1, dead_at=now, last_error="550"),
        reset=await message(None, "reset-1", "Choose a new password for Borough"),
    )


async def signed_in(new_client: Callable[[], StaffClient], email: str) -> StaffClient:
    client = new_client()
    response = await client.sign_in(email)
    assert response.status_code == 303, response.text[:300]
    return client


def rows(html: str) -> list[list[str]]:
    table = BeautifulSoup(html, "html.parser").find("table")
    assert table is not None
    return [[cell.get_text(" ", strip=True) for cell in row.find_all("td")] for row in table.find("tbody").find_all("tr")]


async def test_admins_see_their_councils_emails_newest_first(mail: Mail, new_client: Callable[[], StaffClient]) -> None:
    alice = await signed_in(new_client, "alice@alpha.test")
    page = await alice.http.get("/staff/alpha/outbox")
    assert page.status_code == 200
    found = rows(page.text)
    assert [row[0].split(" GOV.UK")[0] for row in found] == [
        "Payment received", "We need more information", "Status changed", "Application received"]
    assert [row[3] for row in found] == ["Retrying", "Not sent", "Sent", "Queued"]
    assert "a-dead@example.org" in found[1][1] and "Not a valid email address" in found[1][0]
    assert "Beta secret subject" not in page.text and "Choose a new password" not in page.text
    twin = (await alice.http.get("/staff/alpha/outbox.json")).json()
    assert [(m["subject"], m["state"], m["attempts"]) for m in twin["messages"]] == [
        ("Payment received", "retrying", 2), ("We need more information", "dead", 1),
        ("Status changed", "sent", 1), ("Application received", "queued", 0)]
    dead_only = (await alice.http.get("/staff/alpha/outbox.json?state=dead")).json()
    assert [m["id"] for m in dead_only["messages"]] == [mail.dead.id]
    assert (await alice.http.get("/staff/alpha/outbox?state=nonsense")).status_code == 400
    assert (await alice.http.get("/staff/alpha/outbox?before=x")).status_code == 400


async def test_a_message_shows_its_text_and_delivery(mail: Mail, new_client: Callable[[], StaffClient]) -> None:
    alice = await signed_in(new_client, "alice@alpha.test")
    page = await alice.http.get(f"/staff/alpha/outbox/{mail.sent.id}")
    assert page.status_code == 200
    text = BeautifulSoup(page.text, "html.parser").get_text(" ", strip=True)
    assert "Status changed body line. Second line." in text and "7a1d-notify-id" in text
    assert "Send again" not in text  # only for dead messages
    twin = (await alice.http.get(f"/staff/alpha/outbox/{mail.sent.id}.json")).json()
    assert twin["message"]["body"] == "Dear resident,\n\nStatus changed body line.\nSecond line."
    assert twin["message"]["transport"] == "notify" and twin["links"]["send_again"] is None
    dead = (await alice.http.get(f"/staff/alpha/outbox/{mail.dead.id}.json")).json()
    assert dead["message"]["state"] == "dead" and dead["links"]["send_again"].endswith(f"/outbox/{mail.dead.id}/send-again")


async def test_another_councils_messages_are_not_found(mail: Mail, new_client: Callable[[], StaffClient]) -> None:
    alice = await signed_in(new_client, "alice@alpha.test")
    for url in (f"/staff/alpha/outbox/{mail.beta_dead.id}", f"/staff/beta/outbox/{mail.beta_dead.id}",
                "/staff/beta/outbox", f"/staff/alpha/outbox/{mail.reset.id}"):
        assert (await alice.http.get(url)).status_code == 404, url
        assert (await alice.http.get(url + ".json")).json()["error"]["code"] == "page_not_found"
    for url in (f"/staff/alpha/outbox/{mail.beta_dead.id}/send-again", f"/staff/beta/outbox/{mail.beta_dead.id}/send-again"):
        assert (await alice.post(url, {})).status_code == 404
    still = await OutboxMessage.get(id=mail.beta_dead.id)
    assert still.dead_at is not None and still.attempts == 1


async def test_send_again_requeues_a_dead_message_audited(mail: Mail, new_client: Callable[[], StaffClient]) -> None:
    alice = await signed_in(new_client, "alice@alpha.test")
    url = f"/staff/alpha/outbox/{mail.dead.id}/send-again"
    refused = await alice.post(url, {"send": "again"}, csrf=False)
    assert refused.status_code == 403 and (await OutboxMessage.get(id=mail.dead.id)).dead_at is not None
    done = await alice.post(url, {})
    assert done.status_code == 303 and done.headers["location"] == f"/staff/alpha/outbox/{mail.dead.id}"
    again = await OutboxMessage.get(id=mail.dead.id)
    assert again.dead_at is None and again.attempts == 0 and again.next_attempt_at is not None
    assert again.last_error is not None  # kept: the next worker first asks whether it went after all
    [entry] = [e for e in await store.audit.entries(mail.alpha) if e.action == "email-sent-again"]
    assert entry.target == str(mail.dead.id) and entry.actor_label == "alice@alpha.test"
    assert entry.before is not None and entry.before["state"] == "dead"
    banner = await alice.http.get(done.headers["location"])
    assert "back in the queue" in banner.text
    assert (await alice.post(url, {})).status_code == 404  # no longer dead
    assert (await alice.post(f"/staff/alpha/outbox/{mail.sent.id}/send-again", {})).status_code == 404
    assert await deliver_due(DevTransport()) >= 1
    assert (await OutboxMessage.get(id=mail.dead.id)).sent_at is not None


async def test_only_admins_see_the_outbox(mail: Mail, new_client: Callable[[], StaffClient]) -> None:
    carol = await signed_in(new_client, "carol@alpha.test")
    assert (await carol.http.get("/staff/alpha/outbox")).status_code == 403
    assert (await carol.http.get(f"/staff/alpha/outbox/{mail.dead.id}")).status_code == 403
    assert (await carol.post(f"/staff/alpha/outbox/{mail.dead.id}/send-again", {})).status_code == 403
    assert (await carol.http.get("/staff/outbox")).status_code == 403
    visitor = new_client()
    assert (await visitor.http.get("/staff/outbox.json")).status_code == 401


async def test_the_operator_sees_every_email(mail: Mail, new_client: Callable[[], StaffClient]) -> None:
    alice = await signed_in(new_client, "alice@alpha.test")
    assert (await alice.http.get("/staff/outbox")).status_code == 403
    assert (await alice.http.get(f"/staff/outbox/{mail.dead.id}")).status_code == 403
    assert (await alice.post(f"/staff/outbox/{mail.dead.id}/send-again", {})).status_code == 403
    await make_user("olu@borough.test", operator=True)
    olu = await signed_in(new_client, "olu@borough.test")
    listing = (await olu.http.get("/staff/outbox.json")).json()
    assert {m["id"] for m in listing["messages"]} == {
        mail.queued.id, mail.sent.id, mail.dead.id, mail.retrying.id, mail.beta_dead.id, mail.reset.id}
    assert listing["installation"] is True and listing["messages"][0]["href"] == f"/staff/outbox/{mail.reset.id}"
    reset = (await olu.http.get(f"/staff/outbox/{mail.reset.id}.json")).json()
    assert "Choose a new password" in reset["message"]["body"]  # not production: readable
    done = await olu.post(f"/staff/outbox/{mail.beta_dead.id}/send-again", {})
    assert done.status_code == 303
    assert (await OutboxMessage.get(id=mail.beta_dead.id)).dead_at is None
    assert [e.action for e in await store.audit.entries(mail.beta)] == ["email-sent-again"]


async def test_in_production_installation_mail_text_is_not_shown(db: str, tmp_path: Path) -> None:
    settings = Settings(database_url=db, base_url="https://borough.example", secret_key="outbox-pages-" + "q" * 32,
                        environment="production", files_dir=tmp_path / "files", themes_dir=ROOT / "themes")
    app = assemble(settings, "all", connect_database=False)
    alpha = await store.create_council("alpha", "Alpha Borough Council")
    council_mail = await message(alpha, "a-1", "Application received")
    reset = await message(None, "reset-1", "Choose a new password for Borough")
    await make_user("olu@borough.test", operator=True)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="https://borough.example") as http:
        olu = StaffClient(http)
        assert (await olu.sign_in("olu@borough.test")).status_code == 303
        hidden = (await http.get(f"/staff/outbox/{reset.id}.json")).json()
        assert hidden["message"]["body"] is None and hidden["message"]["body_hidden"] is True
        page = await http.get(f"/staff/outbox/{reset.id}")
        assert "body line" not in page.text and "not shown in production" in page.text
        shown = (await http.get(f"/staff/outbox/{council_mail.id}.json")).json()
        assert "body line" in shown["message"]["body"]
