"""The JSON API for councils' systems (runtime/api/app.py), through the assembled app over HTTP,
on SQLite and PostgreSQL: keys made on the staff pages and shown once, scopes, keyset pages
with ties, applications with their history and files, events that move the workflow (and
refused ones that change nothing), and council A's key never seeing council B's."""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx2 as httpx
import pytest
from bs4 import BeautifulSoup
from staff_client import StaffClient, make_user

from borough.app import assemble
from runtime import store
from runtime.settings import Settings
from runtime.store import api_keys
from runtime.store import workflow as engine
from runtime.store.models import ApiKey, AuditEntry, Submission, SubmissionEvent

BASE = "http://127.0.0.1:8000"
API = "/staff/api/v1"
ALL_SCOPES = list(api_keys.SCOPES)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40

WORKFLOW = {
    "id": "permit",
    "initial": "received",
    "states": {
        "received": {"on": {"approve": {"target": "approved"},
                            "reject": {"target": "rejected", "guard": "noteGiven"}},
                     "meta": {"label": "Received", "residentText": "We have it.", "tag": "blue", "targetDays": 5}},
        "approved": {"type": "final", "meta": {"label": "Approved", "residentText": "Yes.", "tag": "green"}},
        "rejected": {"type": "final", "meta": {"label": "Rejected", "residentText": "No.", "tag": "red"}},
    },
}


def definition(service_id: str) -> dict[str, Any]:
    """A stand-in definition: the store and the API read only id, version, title and workflow."""
    return {"id": service_id, "version": "1.0.0", "title": f"Service {service_id}", "workflow": WORKFLOW}


@dataclass
class Tenant:
    """A council with two published services (permit, licence) that share one workflow."""

    council: store.Council
    versions: dict[str, store.ServiceVersion]

    async def submit(self, service: str = "permit", answers: dict[str, Any] | None = None, *,
                     awaiting_payment: bool = False) -> Submission:
        journey = await store.start_journey(self.council, self.versions[service])
        state = "awaiting_payment" if awaiting_payment else "received"
        submission, created = await store.submit(journey, answers or {}, state, awaiting_payment=awaiting_payment)
        assert created
        return submission


async def make_council(slug: str) -> Tenant:
    council = await store.create_council(slug, f"{slug.title()} Council")
    versions = {}
    for service in ("permit", "licence"):
        versions[service] = await store.publish_version(council, definition(service), hashlib.sha256(service.encode()).hexdigest())
    return Tenant(council, versions)


@pytest.fixture
async def http(staff_app: Any) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=staff_app), base_url=BASE) as client:
        yield client


@pytest.fixture
async def alpha(db: str) -> Tenant:
    return await make_council("alpha")


@pytest.fixture
async def beta(db: str) -> Tenant:
    return await make_council("beta")


async def key_for(council: Tenant, scopes: list[str] | None = None, name: str = "CRM") -> str:
    _, key = await api_keys.create_key(council.council, name, scopes or ALL_SCOPES)
    return key


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def error_of(response: httpx.Response, status: int, code: str) -> str:
    assert response.status_code == status, (response.status_code, response.text[:500])
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"status", "code", "message"}
    assert body["error"]["status"] == status and body["error"]["code"] == code, body
    return str(body["error"]["message"])


async def state_of(reference: str) -> tuple[str, int, int]:
    submission = await Submission.get(reference=reference)
    return submission.state, submission.version, await SubmissionEvent.filter(submission_id=submission.id).count()


# Keys ----------------------------------------------------------------------------------------

async def test_an_admin_makes_a_key_that_is_shown_once_and_revokes_it(
        alpha: Tenant, http: httpx.AsyncClient, new_client: Callable[[], StaffClient]) -> None:
    await make_user("ann@alpha.test", alpha.council, ["admin"])
    admin = new_client()
    assert (await admin.sign_in("ann@alpha.test")).status_code == 303
    keys_page = "/staff/alpha/api-keys"

    refused = await admin.post(keys_page, {"name": "", "scopes": []})
    assert refused.status_code == 422 and await ApiKey.all().count() == 0

    created = await admin.post(keys_page, {"name": "Uniform", "scopes": ["submissions:read", "events:write"]})
    assert created.status_code == 200 and created.headers["cache-control"] == "no-store"
    shown = BeautifulSoup(created.text, "html.parser").select_one("#api-key")
    assert shown is not None
    key = shown.get_text(strip=True)
    assert key.startswith("bk_") and "You will not see it again" in created.text
    row = await ApiKey.get(name="Uniform")
    assert row.key_hash == api_keys.key_hash(key) and key not in (row.key_hash, row.prefix)
    assert row.scopes == ["submissions:read", "events:write"] and key.startswith(f"bk_{row.prefix}_")

    # Never shown again: not on the list, nor in its JSON twin, nor in the audit log.
    listing = await admin.http.get(keys_page)
    twin = await admin.http.get(keys_page + ".json")
    assert listing.status_code == twin.status_code == 200
    assert key not in listing.text and key not in twin.text and row.key_hash not in twin.text
    assert f"bk_{row.prefix}_" in listing.text and "Never" in listing.text
    [entry] = await AuditEntry.filter(action="api-key-created")
    assert key not in json.dumps(entry.after) and entry.after["prefix"] == row.prefix  # type: ignore[index]

    assert (await http.get(f"{API}/submissions", headers=bearer(key))).status_code == 200
    # A signed-in admin's session is no key: the API reads no cookies.
    error_of(await admin.http.get(f"{API}/submissions"), 401, "unauthenticated")
    used = (await admin.http.get(keys_page + ".json")).json()["keys"][0]
    assert used["last_used_at"] is not None and used["revoked_at"] is None

    # Revoking asks first, needs the form's CSRF token, and refuses the key from then on.
    revoke = f"/staff/alpha/api-keys/{row.id}/revoke"
    confirm = await admin.http.get(revoke)
    assert confirm.status_code == 200 and "Are you sure" in confirm.text
    forged = await admin.post(revoke, csrf=False)
    assert forged.status_code in (400, 403) and (await ApiKey.get(id=row.id)).revoked_at is None
    assert (await http.get(f"{API}/submissions", headers=bearer(key))).status_code == 200
    done = await admin.post(revoke, csrf=True)
    assert done.status_code == 303 and done.headers["location"] == "/staff/alpha/api-keys"
    assert (await ApiKey.get(id=row.id)).revoked_at is not None
    error_of(await http.get(f"{API}/submissions", headers=bearer(key)), 401, "invalid_key")
    assert await AuditEntry.filter(action="api-key-revoked", target=row.prefix).count() == 1
    again = await admin.post(revoke, csrf=True)  # a second revoke changes nothing
    assert again.status_code == 303 and await AuditEntry.filter(action="api-key-revoked").count() == 1


async def test_missing_wrong_and_revoked_keys_are_refused(alpha: Tenant, http: httpx.AsyncClient) -> None:
    key = await key_for(alpha)
    url = f"{API}/submissions"
    for headers in ({}, {"Authorization": "Basic dXNlcjpwYXNz"}, {"Authorization": "Bearer "}):
        response = await http.get(url, headers=headers)
        error_of(response, 401, "unauthenticated")
        assert response.headers["www-authenticate"].startswith("Bearer")
    prefix = key.split("_")[1]
    for wrong in (key[:-1] + ("A" if key[-1] != "A" else "B"), f"bk_{prefix}_x", "bk_zzzzzzzz_secret", "nonsense",
                  "bk_" + "0" * 8 + "_" + key.split("_", 2)[2]):
        response = await http.get(url, headers=bearer(wrong))
        error_of(response, 401, "invalid_key")
        assert 'error="invalid_token"' in response.headers["www-authenticate"]
    # The staff session cookie is no key: the API reads no cookies.
    response = await http.get(url, headers={"Cookie": "borough_staff=anything"})
    error_of(response, 401, "unauthenticated")
    assert (await http.get(url, headers=bearer(key))).status_code == 200
    row = await ApiKey.get(prefix=prefix)
    await api_keys.revoke(alpha.council, row.id)
    error_of(await http.get(url, headers=bearer(key)), 401, "invalid_key")
    assert await api_keys.verify(key) is None


async def test_scopes_are_enforced(alpha: Tenant, http: httpx.AsyncClient) -> None:
    submission = await alpha.submit()
    reader = await key_for(alpha, ["submissions:read"])
    writer = await key_for(alpha, ["events:write"])
    detail = f"{API}/submissions/{submission.reference}"
    file_url = f"{detail}/files/00000000-0000-4000-8000-000000000000"
    assert (await http.get(detail, headers=bearer(reader))).status_code == 200
    response = await http.get(file_url, headers=bearer(reader))
    assert "files:read" in error_of(response, 403, "insufficient_scope")
    error_of(await http.post(f"{detail}/events", json={"event": "approve"}, headers=bearer(reader)),
             403, "insufficient_scope")
    error_of(await http.get(detail, headers=bearer(writer)), 403, "insufficient_scope")
    error_of(await http.get(f"{API}/submissions", headers=bearer(writer)), 403, "insufficient_scope")
    assert await state_of(submission.reference) == ("received", 1, 1)
    moved = await http.post(f"{detail}/events", json={"event": "approve"}, headers=bearer(writer))
    assert moved.status_code == 201


async def test_last_use_is_recorded_at_most_once_a_minute(alpha: Tenant) -> None:
    row, key = await api_keys.create_key(alpha.council, "CRM", ["submissions:read"])
    assert row.last_used_at is None
    first = await api_keys.verify(key)
    assert first is not None and first.council_id == alpha.council.id
    used = (await ApiKey.get(id=row.id)).last_used_at
    assert used is not None
    await api_keys.verify(key)
    assert (await ApiKey.get(id=row.id)).last_used_at == used
    await ApiKey.filter(id=row.id).update(last_used_at=used - timedelta(minutes=2))
    await api_keys.verify(key)
    assert (await ApiKey.get(id=row.id)).last_used_at > used - timedelta(seconds=1)  # type: ignore[operator]
    with pytest.raises(api_keys.ApiKeyError):
        await api_keys.create_key(alpha.council, "CRM", ["everything:write"])
    with pytest.raises(api_keys.ApiKeyError):
        await api_keys.create_key(alpha.council, " ", ["files:read"])


# Listing -------------------------------------------------------------------------------------

async def all_pages(http: httpx.AsyncClient, key: str, query: str = "", limit: int = 2) -> list[str]:
    seen: list[str] = []
    url: str | None = f"{API}/submissions?limit={limit}{query}"
    for _ in range(50):
        assert url is not None
        response = await http.get(url, headers=bearer(key))
        assert response.status_code == 200, response.text
        body = response.json()
        assert len(body["submissions"]) <= limit
        seen += [item["reference"] for item in body["submissions"]]
        if body["next_cursor"] is None:
            assert body["links"]["next"] is None
            return seen
        link = urlsplit(body["links"]["next"])
        assert f"{link.scheme}://{link.netloc}" == BASE and parse_qs(link.query)["cursor"] == [body["next_cursor"]]
        url = f"{link.path}?{link.query}"
    raise AssertionError("the pages never ended")


async def test_pages_run_newest_first_through_ties_with_filters(alpha: Tenant, http: httpx.AsyncClient) -> None:
    key = await key_for(alpha)
    made = [await alpha.submit("permit" if i % 3 else "licence") for i in range(8)]
    waiting = await alpha.submit(awaiting_payment=True)
    # Three sent at the very same moment, two at another: only the id orders them.
    moment = datetime(2026, 3, 4, 10, 30, 15, 123456, tzinfo=UTC)
    times = [moment, moment, moment, moment - timedelta(hours=1), moment - timedelta(hours=1),
             moment - timedelta(days=1), moment + timedelta(minutes=5), moment - timedelta(days=3)]
    for submission, at in zip(made, times, strict=True):
        await Submission.filter(id=submission.id).update(submitted_at=at)
        submission.submitted_at = at
    expected = [s.reference for s in sorted(made, key=lambda s: (s.submitted_at, s.id), reverse=True)]

    for limit in (1, 2, 3, 100):
        assert await all_pages(http, key, limit=limit) == expected
    assert waiting.reference not in await all_pages(http, key, limit=100)
    permits = [s.reference for s in sorted(made, key=lambda s: (s.submitted_at, s.id), reverse=True)
               if s.service_id == "permit"]
    assert await all_pages(http, key, "&service=permit") == permits
    assert await all_pages(http, key, "&service=nothing") == []
    since = "2026-03-04T09:30:15.123456Z"  # the two an hour before, and everything after
    assert await all_pages(http, key, f"&since={since}") == expected[:6]
    assert await all_pages(http, key, "&since=2026-03-04") == expected[:6]

    await engine.transition(alpha.council, made[0].id, engine.Move("approve"), None)
    assert await all_pages(http, key, "&state=approved") == [made[0].reference]
    assert made[0].reference not in await all_pages(http, key, "&state=received")

    first = (await http.get(f"{API}/submissions?limit=3", headers=bearer(key))).json()
    item = first["submissions"][0]
    assert set(item) == {"reference", "council", "service", "state", "submitted_at", "language", "version",
                         "due_at", "url"}
    assert item["council"] == "alpha" and item["url"] == f"{BASE}{API}/submissions/{item['reference']}"
    assert "answers" not in item


async def test_bad_parameters_and_forged_cursors_get_400(alpha: Tenant, beta: Tenant, http: httpx.AsyncClient) -> None:
    key = await key_for(alpha)
    for _ in range(3):
        await alpha.submit()
        await beta.submit()
    cursor = (await http.get(f"{API}/submissions?limit=1", headers=bearer(key))).json()["next_cursor"]
    assert cursor
    body, mac = cursor.split(".")
    def flipped(text: str) -> str:  # the first character: base64's last may carry bits decoding drops
        return ("B" if text[0] == "A" else "A") + text[1:]

    forged = [body + "." + flipped(mac), body, "nonsense", "a.b", "é.é", flipped(body) + "." + mac]
    for bad in forged:
        response = await http.get(f"{API}/submissions", params={"cursor": bad}, headers=bearer(key))
        error_of(response, 400, "bad_cursor")
    # A cursor made for council A means nothing to council B's key.
    beta_key = await key_for(beta)
    error_of(await http.get(f"{API}/submissions", params={"cursor": cursor}, headers=bearer(beta_key)),
             400, "bad_cursor")
    for query in ("limit=0", "limit=101", "limit=x", "limit=-1", "since=", "stat=received", "=x", "since=yesterday", "since=2026-13-01",
                  "service=" + "x" * 65, "state=%00"):
        error_of(await http.get(f"{API}/submissions?{query}", headers=bearer(key)), 400, "bad_parameter")


# One application -----------------------------------------------------------------------------

async def test_an_application_comes_with_answers_history_and_files(alpha: Tenant, staff_settings: Settings,
                                                                   http: httpx.AsyncClient) -> None:
    key = await key_for(alpha)
    files = store.FileStore(staff_settings.files_dir)
    journey = await store.start_journey(alpha.council, alpha.versions["permit"])
    replaced = await files.save_upload(alpha.council, journey, "/photo", "old.png", "image/png", PNG)
    photo = await files.save_upload(alpha.council, journey, "/photo", 'résumé "scan".png', "image/png", PNG + b"new")
    answers = {"email": "r@example.test", "name": "Robin", "photo": str(photo.id)}
    submission, _ = await store.submit(journey, answers, "received")
    await engine.transition(alpha.council, submission.id, engine.Move("approve", note="Checked", visible_to_resident=False),
                            None)

    url = f"{API}/submissions/{submission.reference.lower().replace('-', '')}"  # as a person might type it
    response = await http.get(url, headers=bearer(key))
    assert response.status_code == 200
    body = response.json()
    assert body["reference"] == submission.reference and body["answers"] == answers
    assert body["service"] == {"id": "permit", "version": "1.0.0", "title": "Service permit"}
    assert body["state"] == {"id": "approved", "label": "Approved", "final": True} and body["actions"] == []
    assert [(e["name"], e["from"], e["to"]) for e in body["history"]] == [
        ("submitted", None, "received"), ("approve", "received", "approved")]
    assert body["history"][1]["note"] == "Checked" and body["history"][1]["visible_to_resident"] is False
    # The core fields are what a webhook carries, so API and webhooks agree.
    workflow, spec = await engine.workflow_of(submission.service_version_id)
    fresh = await Submission.get(id=submission.id)
    core = engine.webhook_payload(fresh, spec, workflow, None, "alpha")
    assert {name: body[name] for name in core} == core
    [file] = body["files"]
    assert file["id"] == str(photo.id) and file["filename"] == 'résumé "scan".png' and file["size"] == len(PNG) + 3
    assert file["url"] == f"{BASE}{API}/submissions/{submission.reference}/files/{photo.id}"

    download = await http.get(file["url"].removeprefix(BASE), headers=bearer(key))
    assert download.status_code == 200 and download.content == PNG + b"new"
    assert download.headers["content-type"] == "image/png"
    assert download.headers["x-content-type-options"] == "nosniff"
    disposition = download.headers["content-disposition"]
    assert disposition.startswith("attachment;") and "filename*=UTF-8''r%C3%A9sum%C3%A9%20%22scan%22.png" in disposition

    # The file the resident replaced is not an answer; nor is a made-up id; nor a file through another reference.
    other = await alpha.submit()
    for path in (f"{url}/files/{replaced.id}", f"{url}/files/{'0' * 32}", f"{url}/files/not-a-uuid",
                 f"{API}/submissions/{other.reference}/files/{photo.id}"):
        error_of(await http.get(path, headers=bearer(key)), 404, "not_found")
    waiting = await alpha.submit(awaiting_payment=True)
    error_of(await http.get(f"{API}/submissions/{waiting.reference}", headers=bearer(key)), 404, "not_found")
    error_of(await http.get(f"{API}/submissions/NOPE-NOPE", headers=bearer(key)), 404, "not_found")


# Events --------------------------------------------------------------------------------------

async def test_posting_an_event_moves_the_workflow(alpha: Tenant, http: httpx.AsyncClient) -> None:
    key = await key_for(alpha, name="Uniform")
    submission = await alpha.submit(answers={"email": "r@example.test"})
    url = f"{API}/submissions/{submission.reference}/events"
    detail = (await http.get(f"{API}/submissions/{submission.reference}", headers=bearer(key))).json()
    assert detail["links"]["events"] == BASE + url
    assert detail["actions"] == [{"event": "approve", "to": "approved", "note_required": False},
                                 {"event": "reject", "to": "rejected", "note_required": True}]

    response = await http.post(url, json={"event": "approve", "note": "All in order", "visible_to_resident": True,
                                          "expected_version": detail["version"]}, headers=bearer(key))
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["event"]["name"] == "approve" and body["event"]["by"] == "API key Uniform"
    assert body["submission"]["state"]["id"] == "approved" and body["submission"]["version"] == detail["version"] + 1
    assert response.headers["location"] == f"{BASE}{API}/submissions/{submission.reference}"
    [record] = await SubmissionEvent.filter(submission_id=submission.id, event="approve")
    assert record.actor_label == "API key Uniform" and record.note == "All in order" and record.actor_id is None


async def test_a_refused_event_gets_409_and_changes_nothing(alpha: Tenant, http: httpx.AsyncClient) -> None:
    key = await key_for(alpha)
    submission = await alpha.submit()
    url = f"{API}/submissions/{submission.reference}/events"
    before = await state_of(submission.reference)
    refusals = [
        ({"event": "reject"}, "note"),  # the guard wants a note
        ({"event": "reject", "note": "   "}, "note"),
        ({"event": "frobnicate"}, "cannot happen"),
        ({"event": "approve", "expected_version": before[1] + 5}, "changed since"),
        ({"event": "payment.succeeded"}, "Borough itself"),
        ({"event": "after.1000"}, "Borough itself"),
        ({"event": "submitted"}, "Borough itself"),
    ]
    for body, words in refusals:
        message = error_of(await http.post(url, json=body, headers=bearer(key)), 409, "refused")
        assert words in message, (body, message)
        assert await state_of(submission.reference) == before
    assert (await http.post(url, json={"event": "reject", "note": "Incomplete"}, headers=bearer(key))).status_code == 201
    after = await state_of(submission.reference)
    message = error_of(await http.post(url, json={"event": "approve"}, headers=bearer(key)), 409, "refused")
    assert "cannot change any more" in message and await state_of(submission.reference) == after


async def test_bad_bodies_get_clear_errors_and_change_nothing(alpha: Tenant, http: httpx.AsyncClient) -> None:
    key = await key_for(alpha)
    submission = await alpha.submit()
    url = f"{API}/submissions/{submission.reference}/events"
    before = await state_of(submission.reference)
    json_headers = {**bearer(key), "Content-Type": "application/json"}
    error_of(await http.post(url, content=b'{"event": "approve",', headers=json_headers), 400, "malformed_json")
    error_of(await http.post(url, content=b"\xff\xfe", headers=json_headers), 400, "malformed_json")
    error_of(await http.post(url, content=b"", headers=json_headers), 400, "malformed_json")
    # Nested deeper than Python's parser recurses (it raises RecursionError, not ValueError).
    error_of(await http.post(url, content=b"[" * 40_000 + b"]" * 20_000, headers=json_headers), 400, "malformed_json")
    error_of(await http.post(url, data={"event": "approve"}, headers=bearer(key)), 415, "unsupported_media_type")
    error_of(await http.post(url, content=b'{"event": "approve"}', headers=bearer(key)), 415, "unsupported_media_type")
    shapes = [
        ([{"event": "approve"}], "JSON object"),
        ("approve", "JSON object"),
        ({}, "event is required"),
        ({"event": None}, "event is required"),
        ({"event": "approve", "by": "someone else"}, "by is not a field"),
        ({"event": 7}, "event must be a string"),
        ({"event": "approve", "note": ["x"]}, "note must be a string"),
        ({"event": "approve", "note": None}, "note must not be null"),
        ({"event": "approve", "visible_to_resident": "yes"}, "visible_to_resident must be true or false"),
        ({"event": "approve", "expected_version": "1"}, "expected_version must be a whole number"),
        ({"event": "approve", "expected_version": True}, "expected_version must be a whole number"),
        ({"event": "approve", "expected_version": 1.5}, "expected_version must be a whole number"),
        ({"event": "approve", "expected_version": -1}, "must not be negative"),
        ({"event": ""}, "1 to 64 characters"),
        ({"event": "x" * 65}, "1 to 64 characters"),
        ({"event": "approve", "note": "n" * 5001}, "5000 characters or fewer"),
        ({"event": "approve", "note": "a\u0000b"}, "note must be text without NUL"),
    ]
    for body, words in shapes:
        message = error_of(await http.post(url, json=body, headers=bearer(key)), 422, "invalid_body")
        assert words in message, (body, message)
    lone = await http.post(url, content=b'{"event": "appro\\ud800ve"}', headers=json_headers)  # JSON allows it
    assert "event must be text without NUL characters or lone surrogates" in error_of(lone, 422, "invalid_body")
    huge = json.dumps({"event": "approve", "note": "n" * 200_000}).encode()
    error_of(await http.post(url, content=huge, headers=json_headers), 413, "too_large")
    assert await state_of(submission.reference) == before
    # Other methods and paths answer in the API's own shape too.
    error_of(await http.get(url, headers=bearer(key)), 405, "method_not_allowed")
    error_of(await http.delete(f"{API}/submissions/{submission.reference}", headers=bearer(key)),
             405, "method_not_allowed")
    error_of(await http.get(f"{API}/nothing-here", headers=bearer(key)), 404, "not_found")


# Tenancy -------------------------------------------------------------------------------------

async def test_council_a_never_sees_council_b(alpha: Tenant, beta: Tenant, staff_settings: Settings,
                                              http: httpx.AsyncClient) -> None:
    alpha_key = await key_for(alpha)
    files = store.FileStore(staff_settings.files_dir)
    journey = await store.start_journey(beta.council, beta.versions["permit"])
    photo = await files.save_upload(beta.council, journey, "/photo", "b.png", "image/png", PNG)
    theirs, _ = await store.submit(journey, {"photo": str(photo.id)}, "received")
    ours = await alpha.submit()
    before = await state_of(theirs.reference)

    listed = await all_pages(http, alpha_key, limit=100)
    assert listed == [ours.reference]
    for reference in (theirs.reference, "ZZZZ-ZZZZ"):  # B's and one nobody has: the same answer
        base = f"{API}/submissions/{reference}"
        answers = [
            await http.get(base, headers=bearer(alpha_key)),
            await http.get(f"{base}/files/{photo.id}", headers=bearer(alpha_key)),
            await http.post(f"{base}/events", json={"event": "approve"}, headers=bearer(alpha_key)),
        ]
        for response in answers:
            error_of(response, 404, "not_found")
            assert theirs.reference not in response.text and "beta" not in response.text
    assert (await http.get(f"{API}/submissions/{ours.reference}/files/{photo.id}", headers=bearer(alpha_key))
            ).status_code == 404
    assert await state_of(theirs.reference) == before


# Serving -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("mode", "served"), [("all", True), ("staff", True), ("public", False)])
async def test_the_description_is_served_where_the_staff_app_is(staff_settings: Settings, db: str, mode: str,
                                                                served: bool) -> None:
    app = assemble(staff_settings, mode, connect_database=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as client:
        response = await client.get(f"{API}/openapi.json")
        if not served:
            assert response.status_code == 404
            return
        assert response.status_code == 200
        description = response.json()
        assert description["openapi"].startswith("3.1")
        assert description["servers"] == [{"url": BASE + API}]
        assert description["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
        assert set(description["paths"]) == {"/openapi.json", "/submissions", "/submissions/{reference}",
                                             "/submissions/{reference}/files/{file_id}",
                                             "/submissions/{reference}/events",
                                             # the builder's, handed to the API by the composition root
                                             "/services", "/services/{service_id}/draft",
                                             "/services/{service_id}/publish", "/services/{service_id}/versions",
                                             "/services/{service_id}/diff"}
        # Without a key, the data routes say how to authenticate.
        error_of(await client.get(f"{API}/submissions"), 401, "unauthenticated")


async def test_any_character_in_a_path_gets_a_404_not_a_server_error(alpha: Tenant, http: httpx.AsyncClient) -> None:
    """Found by schemathesis: a newline (%0A) sent /staff/... past the staff app, and a 404 page
    for a path outside Latin-1 failed while writing its Link header."""
    key = await key_for(alpha)
    for path in (f"{API}/submissions/%0A%E2%82%AC", f"{API}/submissions/a%0Ab/files/x%0A", f"{API}/%0A"):
        error_of(await http.get(path, headers=bearer(key)), 404, "not_found")
    page = await http.get("/%E2%82%AC-nothing")
    assert page.status_code == 404 and page.headers["link"].startswith("</%E2%82%AC-nothing.json>")


def test_every_error_code_is_documented() -> None:
    """docs/api.md and the OpenAPI description name every code the API can answer with."""
    import re
    from pathlib import Path

    import runtime.api.app

    source = Path(runtime.api.app.__file__).read_text()
    codes = set(re.findall(r'(?:ApiError|error_response)\(\s*\d{3},\s*"(\w+)"', source))
    assert {"unauthenticated", "invalid_key", "insufficient_scope", "bad_cursor", "refused"} <= codes
    docs = (Path(runtime.api.app.__file__).parents[2] / "docs" / "api.md").read_text()
    described = runtime.api.app.description()["components"]["schemas"]["Error"]["properties"]["error"]["properties"]
    for code in codes:
        assert f"`{code}`" in docs, f"docs/api.md does not explain {code}"
        assert code in described["code"]["description"], f"the OpenAPI description does not list {code}"
