"""Email delivery from the outbox through GOV.UK Notify, SMTP and the development outbox,
against local servers speaking each protocol, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from typing import Any

import httpx2 as httpx
import pytest
from local_http import free_port
from local_smtp import SmtpServer
from notify_server import API_KEY, SECRET, SERVICE_ID, TEMPLATE_ID, NotifyServer

from runtime.delivery.email import (
    MAX_ATTEMPTS,
    DevTransport,
    NotifyTransport,
    Sender,
    SmtpTransport,
    deliver_due,
    retry_delay,
    transport_from_settings,
)
from runtime.delivery.email_base import stable_message_id
from runtime.delivery.email_notify import parse_api_key
from runtime.delivery.email_settings import EmailSettings
from runtime.settings import Settings
from runtime.store import Council, OutboxMessage, enqueue_email
from runtime.store.outbox import state_of

pytest_plugins = ["email_fixtures"]  # council, notify, smtp_server, other_worker

INSTALLATION = Sender("Borough", "noreply@borough.example")


def notify_transport(notify: NotifyServer, api_key: str = API_KEY, **kwargs: Any) -> NotifyTransport:
    return NotifyTransport(api_key, TEMPLATE_ID, base_url=notify.url, sender=INSTALLATION, **kwargs)


async def reloaded(message: OutboxMessage) -> OutboxMessage:
    return await OutboxMessage.get(id=message.id)


async def queue(council: Council | None, key: str = "status:1:1", recipient: str = "ada@example.org") -> OutboxMessage:
    return await enqueue_email(council, recipient, "Your application has been received",
                               "Your reference is ABCD-2345.\n\nNorthshire Council", key)


# GOV.UK Notify --------------------------------------------------------------------------------

async def test_notify_receives_the_message_with_a_valid_token(council: Council, notify: NotifyServer) -> None:
    message = await queue(council)
    assert await deliver_due(notify_transport(notify)) == 1
    [sent] = notify.notifications
    assert (sent.email_address, sent.template_id, sent.reference) == ("ada@example.org", TEMPLATE_ID, "status:1:1")
    assert sent.personalisation == {"subject": "Your application has been received",
                                    "body": "Your reference is ABCD-2345.\n\nNorthshire Council"}
    [claims] = notify.tokens
    assert claims["iss"] == SERVICE_ID and abs(claims["iat"] - time.time()) < 10
    stored = await reloaded(message)
    assert stored.sent_at is not None and stored.dead_at is None and state_of(stored) == "sent"
    assert (stored.transport, stored.transport_id, stored.attempts) == ("notify", sent.id, 1)
    assert await deliver_due(notify_transport(notify)) == 0  # nothing is sent twice
    assert len(notify.posts) == 1


async def test_a_refused_api_key_makes_the_message_dead_with_notifys_reason(council: Council,
                                                                           notify: NotifyServer) -> None:
    message = await queue(council)
    wrong = API_KEY.replace(SECRET, "00000000-0000-4000-8000-000000000000")
    assert await deliver_due(notify_transport(notify, wrong)) == 0
    stored = await reloaded(message)
    assert stored.dead_at is not None and stored.sent_at is None and state_of(stored) == "dead"
    assert "403" in (stored.last_error or "") and "API key not found" in (stored.last_error or "")
    assert notify.notifications == [] and notify.posts == []  # refused before the body was read


async def test_notify_refuses_a_stale_token(notify: NotifyServer) -> None:
    from runtime.delivery.email_notify import token

    stale = token(SERVICE_ID, SECRET, at=time.time() - 60)
    async with httpx.AsyncClient() as client:
        response = await client.get(f"{notify.url}/v2/notifications", headers={"Authorization": f"Bearer {stale}"})
    assert response.status_code == 403
    assert response.json()["errors"][0]["message"].startswith("Error: Your system clock")


async def test_a_request_notify_rejects_is_dead_at_once(council: Council, notify: NotifyServer) -> None:
    message = await queue(council, recipient="not an address")
    assert await deliver_due(notify_transport(notify)) == 0
    stored = await reloaded(message)
    assert stored.dead_at is not None and stored.attempts == 1
    assert "ValidationError: email_address Not a valid email address" in (stored.last_error or "")


async def test_server_errors_are_retried_with_backoff_and_sent_once(council: Council, notify: NotifyServer) -> None:
    message = await queue(council)
    transport = notify_transport(notify)
    start = datetime.now(UTC)
    notify.fail_next(500)
    notify.fail_next(429)
    assert await deliver_due(transport, now=start) == 0
    stored = await reloaded(message)
    assert state_of(stored) == "retrying" and stored.attempts == 1
    assert stored.next_attempt_at == start + timedelta(minutes=1)
    assert "500" in (stored.last_error or "")
    assert await deliver_due(transport, now=start + timedelta(seconds=59)) == 0  # not yet due
    assert len(notify.posts) == 1
    assert await deliver_due(transport, now=start + timedelta(minutes=1)) == 0  # the 429
    stored = await reloaded(message)
    assert stored.next_attempt_at == start + timedelta(minutes=3) and stored.attempts == 2
    assert await deliver_due(transport, now=start + timedelta(minutes=3)) == 1
    assert len(notify.with_reference("status:1:1")) == 1
    assert state_of(await reloaded(message)) == "sent"


async def test_a_timeout_after_notify_accepted_is_found_not_sent_again(council: Council,
                                                                       notify: NotifyServer) -> None:
    """Notify took the message but the answer never came: the retry finds it by reference."""
    message = await queue(council)
    notify.stall("after")
    impatient = notify_transport(notify, timeout=httpx.Timeout(1.0, connect=1.0))
    start = datetime.now(UTC)
    assert await deliver_due(impatient, now=start) == 0
    notify.release()
    assert state_of(await reloaded(message)) == "retrying"
    assert await deliver_due(notify_transport(notify), now=start + timedelta(minutes=1)) == 1
    [only] = notify.with_reference("status:1:1")
    stored = await reloaded(message)
    assert stored.transport_id == only.id and len(notify.posts) == 1


def test_retries_span_more_than_a_day() -> None:
    delays = [retry_delay(attempt) for attempt in range(1, MAX_ATTEMPTS)]
    assert delays[:3] == [timedelta(minutes=1), timedelta(minutes=2), timedelta(minutes=4)]
    assert max(delays) == timedelta(hours=1)
    assert sum(delays, timedelta()) >= timedelta(days=1)


async def test_a_message_notify_never_takes_goes_dead_after_a_day(council: Council, notify: NotifyServer) -> None:
    message = await queue(council)
    notify.fail_next(503, times=MAX_ATTEMPTS)
    transport = notify_transport(notify)
    moment = start = datetime.now(UTC)
    for _ in range(MAX_ATTEMPTS):
        await deliver_due(transport, now=moment)
        stored = await reloaded(message)
        if stored.dead_at is not None:
            break
        assert stored.next_attempt_at is not None
        moment = stored.next_attempt_at
    assert stored.dead_at is not None and stored.attempts == MAX_ATTEMPTS
    assert stored.dead_at - start >= timedelta(days=1)
    assert (stored.last_error or "").startswith(f"gave up after {MAX_ATTEMPTS} tries")
    assert notify.notifications == []


async def test_installation_mail_is_sent_too(db: str, notify: NotifyServer) -> None:
    await queue(None, key="reset:abc", recipient="staff@borough.example")
    assert await deliver_due(notify_transport(notify)) == 1
    assert notify.notifications[0].email_address == "staff@borough.example"


async def test_two_workers_at_once_send_each_message_once(council: Council, notify: NotifyServer,
                                                          other_worker: Any) -> None:
    for number in range(20):
        await queue(council, key=f"status:{number}:1")
    mine, theirs = await asyncio.gather(
        deliver_due(notify_transport(notify), limit=50),
        other_worker(lambda: deliver_due(notify_transport(notify), limit=50)),
    )
    assert mine + theirs == 20
    assert sorted(n.reference or "" for n in notify.notifications) == sorted(f"status:{n}:1" for n in range(20))
    assert await OutboxMessage.filter(sent_at=None).count() == 0


def test_an_api_key_is_the_name_and_two_uuids() -> None:
    assert parse_api_key(API_KEY) == (SERVICE_ID, SECRET)
    assert parse_api_key(f"my-key-with-hyphens-{SERVICE_ID}-{SECRET}") == (SERVICE_ID, SECRET)
    with pytest.raises(ValueError):
        parse_api_key("not-a-key")
    assert SECRET not in repr(NotifyTransport(API_KEY, TEMPLATE_ID, sender=INSTALLATION))


# SMTP -----------------------------------------------------------------------------------------

def smtp_transport(server: SmtpServer) -> SmtpTransport:
    return SmtpTransport(server.host, server.port, tls="none", sender=INSTALLATION, timeout=5)


async def test_smtp_delivers_from_the_council_with_a_stable_message_id(council: Council,
                                                                      smtp_server: SmtpServer) -> None:
    message = await queue(council)
    assert await deliver_due(smtp_transport(smtp_server)) == 1
    [envelope] = smtp_server.mailbox.envelopes
    assert envelope.mail_from == "noreply@northshire.example" and envelope.rcpt_tos == ["ada@example.org"]
    received = message_from_bytes(envelope.original_content or b"", policy=policy.default)
    assert received["Subject"] == "Your application has been received"
    assert received["From"] == "Northshire Council <noreply@northshire.example>"
    assert received["Reply-To"] == "help@northshire.example"
    assert received["Message-ID"] == stable_message_id("status:1:1", "borough.example")
    assert received.get_content().replace("\r\n", "\n").strip() == "Your reference is ABCD-2345.\n\nNorthshire Council"
    stored = await reloaded(message)
    assert (stored.transport, stored.transport_id) == ("smtp", received["Message-ID"])


async def test_a_subject_queued_with_a_line_break_is_sent_on_one_line(council: Council,
                                                                     smtp_server: SmtpServer) -> None:
    """A subject stored before subjects were made one line (a service title may hold a line
    break) is still sent, on one line, not refused by every try: a header cannot hold one."""
    message = await queue(council)
    await OutboxMessage.filter(id=message.id).update(subject="Report a pothole\r\nBcc: victim@example.org")
    assert await deliver_due(smtp_transport(smtp_server)) == 1
    [envelope] = smtp_server.mailbox.envelopes
    assert envelope.rcpt_tos == ["ada@example.org"]
    received = message_from_bytes(envelope.original_content or b"", policy=policy.default)
    assert received["Subject"] == "Report a pothole Bcc: victim@example.org" and received["Bcc"] is None


async def test_installation_mail_comes_from_the_installation(db: str, smtp_server: SmtpServer) -> None:
    await queue(None, key="reset:abc")
    assert await deliver_due(smtp_transport(smtp_server)) == 1
    received = message_from_bytes(smtp_server.mailbox.envelopes[0].original_content or b"", policy=policy.default)
    assert received["From"] == "Borough <noreply@borough.example>" and received["Reply-To"] is None


async def test_a_refused_connection_is_retried(council: Council, smtp_server: SmtpServer) -> None:
    message = await queue(council)
    nobody = SmtpTransport("127.0.0.1", free_port(), tls="none", sender=INSTALLATION, timeout=5)
    start = datetime.now(UTC)
    assert await deliver_due(nobody, now=start) == 0
    stored = await reloaded(message)
    assert state_of(stored) == "retrying" and stored.next_attempt_at == start + timedelta(minutes=1)
    assert "SMTP to 127.0.0.1" in (stored.last_error or "")
    assert await deliver_due(smtp_transport(smtp_server), now=start + timedelta(minutes=1)) == 1
    assert len(smtp_server.mailbox.envelopes) == 1


async def test_an_address_the_server_refuses_for_good_is_dead(council: Council, smtp_server: SmtpServer) -> None:
    smtp_server.mailbox.refuse["gone@example.org"] = "550 5.1.1 No such mailbox"
    smtp_server.mailbox.refuse["busy@example.org"] = "450 4.2.1 Mailbox busy, try later"
    gone = await queue(council, key="k-gone", recipient="gone@example.org")
    busy = await queue(council, key="k-busy", recipient="busy@example.org")
    assert await deliver_due(smtp_transport(smtp_server)) == 0
    assert state_of(await reloaded(gone)) == "dead" and "550" in ((await reloaded(gone)).last_error or "")
    assert state_of(await reloaded(busy)) == "retrying"


# The development outbox and settings ------------------------------------------------------------

async def test_the_dev_transport_marks_sent_and_sends_nothing(council: Council) -> None:
    message = await queue(council)
    assert await deliver_due(DevTransport()) == 1
    stored = await reloaded(message)
    assert stored.sent_at is not None and stored.transport == "dev"
    assert await deliver_due(DevTransport()) == 0


def test_settings_choose_the_transport() -> None:
    assert isinstance(transport_from_settings(Settings()), DevTransport)
    env = {"BOROUGH_SECRET_KEY": "k" * 32, "BOROUGH_EMAIL_TRANSPORT": "smtp", "BOROUGH_SMTP_HOST": "mail.example",
           "BOROUGH_SMTP_TLS": "ssl", "BOROUGH_SMTP_USERNAME": "u", "BOROUGH_SMTP_PASSWORD": "p4ss",
           "BOROUGH_EMAIL_FROM": "Town Hall <town@example.gov.uk>"}
    settings = Settings.from_environment(env)
    smtp = transport_from_settings(settings)
    assert isinstance(smtp, SmtpTransport) and (smtp.host, smtp.port, smtp.tls) == ("mail.example", 465, "ssl")
    assert smtp.sender == Sender("Town Hall", "town@example.gov.uk")
    assert "p4ss" not in repr(settings) and "p4ss" not in repr(smtp)
    notify = transport_from_settings(Settings.from_environment(
        {"BOROUGH_SECRET_KEY": "k" * 32, "BOROUGH_EMAIL_TRANSPORT": "notify", "BOROUGH_NOTIFY_API_KEY": API_KEY,
         "BOROUGH_NOTIFY_TEMPLATE_ID": TEMPLATE_ID, "BOROUGH_NOTIFY_BASE_URL": "http://127.0.0.1:9/"}))
    assert isinstance(notify, NotifyTransport) and notify.base_url == "http://127.0.0.1:9"
    for broken, says in [({"transport": "pigeon"}, "BOROUGH_EMAIL_TRANSPORT"),
                         ({"transport": "smtp"}, "BOROUGH_SMTP_HOST"),
                         ({"transport": "smtp", "smtp_host": "h", "smtp_tls": "maybe"}, "BOROUGH_SMTP_TLS"),
                         ({"transport": "notify"}, "BOROUGH_NOTIFY_API_KEY"),
                         ({"email_from": "nobody"}, "BOROUGH_EMAIL_FROM")]:
        with pytest.raises(ValueError, match=says):
            transport_from_settings(EmailSettings(**broken))
    with pytest.raises(RuntimeError, match="BOROUGH_SMTP_PORT"):
        Settings.from_environment({"BOROUGH_SECRET_KEY": "k" * 32, "BOROUGH_SMTP_PORT": "twenty-five"})


def test_a_dev_transport_in_production_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level("WARNING", logger="borough.email"):
        transport_from_settings(Settings(environment="production"))
    assert "no email leaves this installation" in caplog.text


async def test_a_message_every_worker_dies_on_goes_dead_not_round_forever(council: Council) -> None:
    message = await queue(council)
    past = datetime.now(UTC) - timedelta(minutes=1)
    await OutboxMessage.filter(id=message.id).update(attempts=MAX_ATTEMPTS, claimed_until=past)  # died holding it
    assert await deliver_due(DevTransport()) == 0
    stored = await reloaded(message)
    assert state_of(stored) == "dead" and "stopped before finishing" in (stored.last_error or "")
