"""Casework: the inbox (filters, search, keyset pages, forged cursors), workflow actions on an
application (each event, guards, stale forms, forged events, CSRF), files for staff only,
assigning to a colleague. Real app, real database (SQLite and PostgreSQL), real forms."""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from bs4 import BeautifulSoup
from staff_client import StaffClient, make_user

from runtime import store
from runtime.core.workflow import AWAITING_PAYMENT
from runtime.settings import Settings
from runtime.store.cursors import Cursor, InvalidCursor
from runtime.store.models import AuditEntry, Submission

PERMIT = "apply-parking-permit"
KERB = "apply-dropped-kerb"


async def send(council: store.Council, service: str, answers: dict[str, Any] | None = None, *,
               at: datetime | None = None, state: str | None = None) -> Submission:
    """An application as the resident app stores it, optionally back-dated."""
    version = await store.get_latest(council, service)
    assert version is not None
    journey = await store.start_journey(council, version)
    initial = version.definition["workflow"]["initial"]  # type: ignore[index]
    submission, _ = await store.submit(journey, answers or {"name": "Ann", "email": "ann@example.org"},
                                       state or initial, awaiting_payment=state == AWAITING_PAYMENT)
    if at is not None:
        await Submission.filter(id=submission.id).update(submitted_at=at)
        submission.submitted_at = at
    return submission


async def state_of(submission: Submission) -> tuple[str, int]:
    fresh = await Submission.get(id=submission.id)
    return fresh.state, fresh.version


@dataclass
class Desk:
    council: store.Council
    other: store.Council
    caseworker: StaffClient
    user: store.StaffUser


@pytest.fixture
async def desk(demo: store.Council, staff_app: Any, new_client: Callable[[], StaffClient]) -> Desk:
    council = demo
    other = await store.create_council("other", "Other Council")
    user = await make_user("cas@demo.test", council, ["caseworker"])
    client = new_client()
    assert (await client.sign_in("cas@demo.test")).status_code == 303
    return Desk(council, other, client, user)


def soup(response: Any) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


def references(response: Any) -> list[str]:
    return [row["reference"] for row in response.json()["applications"]]


# The inbox -----------------------------------------------------------------------------------

async def test_the_inbox_filters_by_service_state_date_assignee_and_overdue(desk: Desk) -> None:
    council = desk.council
    day = datetime(2026, 11, 2, 10, tzinfo=UTC)
    permit = await send(council, PERMIT, at=day)
    kerb = await send(council, KERB, at=day + timedelta(days=3))
    late = await send(council, PERMIT, at=day + timedelta(days=5))
    waiting = await send(council, PERMIT, at=day + timedelta(days=6), state=AWAITING_PAYMENT)
    await Submission.filter(id=late.id).update(due_at=datetime.now(UTC) - timedelta(hours=1))
    await Submission.filter(id=permit.id).update(due_at=datetime.now(UTC) + timedelta(days=1))
    await Submission.filter(id=kerb.id).update(assigned_to_id=desk.user.id)
    http = desk.caseworker.http
    url = "/staff/demo/applications.json"

    assert references(await http.get(url)) == [late.reference, kerb.reference, permit.reference]
    assert references(await http.get(url, params={"service": PERMIT})) == [late.reference, permit.reference]
    assert references(await http.get(url, params={"state": "received", "service": KERB})) == [kerb.reference]
    assert references(await http.get(url, params={"state": "checking", "service": PERMIT})) == []
    assert references(await http.get(url, params={"overdue": "1"})) == [late.reference]
    assert references(await http.get(url, params={"assigned": "me"})) == [kerb.reference]
    assert references(await http.get(url, params={"assigned": "none"})) == [late.reference, permit.reference]
    assert references(await http.get(url, params={"from": "05/11/2026", "to": "2026-11-07"})) == [late.reference, kerb.reference]
    assert references(await http.get(url, params={"to": "02/11/2026"})) == [permit.reference]
    # Waiting for payment: hidden unless asked for.
    assert waiting.reference not in references(await http.get(url))
    assert references(await http.get(url, params={"awaiting": "1"}))[0] == waiting.reference
    assert references(await http.get(url, params={"state": AWAITING_PAYMENT})) == [waiting.reference]

    twin = (await http.get(url, params={"overdue": "1"})).json()["applications"][0]
    assert twin["overdue"] is True and twin["state_label"] == "New application" and twin["service"]
    page = soup(await http.get("/staff/demo/applications", params={"assigned": "me"}))
    row = page.select_one("table.govuk-table tbody tr")
    assert row is not None and kerb.reference in row.get_text() and "Cas" in row.get_text()
    assert row.select_one(".govuk-tag") is not None
    # The form works without JavaScript: a GET form whose fields keep their values.
    form = page.select_one("form.borough-filters")
    assert form is not None and form["method"] == "get"
    assert page.select_one("select#assigned option[selected]")["value"] == "me"  # type: ignore[index]


async def test_searching_by_reference_normalises_what_was_typed(desk: Desk) -> None:
    first = await send(desk.council, PERMIT)
    await send(desk.council, PERMIT)
    http = desk.caseworker.http
    typed = first.reference.replace("-", " ").lower()
    assert references(await http.get("/staff/demo/applications.json", params={"reference": typed})) == [first.reference]
    bad = await http.get("/staff/demo/applications", params={"reference": "not-a-ref!"})
    assert bad.status_code == 400
    summary = soup(bad).select_one(".govuk-error-summary")
    assert summary is not None and "Enter a reference like ABCD-2345" in summary.get_text()
    bad_date = await http.get("/staff/demo/applications.json", params={"from": "31/02/2026"})
    assert bad_date.status_code == 400 and bad_date.json()["errors"][0]["field"] == "from"


async def test_keyset_pages_walk_forward_and_back_through_ties(desk: Desk) -> None:
    moment = datetime(2026, 10, 1, 9, tzinfo=UTC)
    made = []
    for number in range(60):
        # Many applications share a sent time: ties are broken by id.
        made.append(await send(desk.council, PERMIT if number % 2 else KERB, at=moment + timedelta(minutes=number // 7)))
    expected = [s.reference for s in sorted(made, key=lambda s: (s.submitted_at, s.id), reverse=True)]
    http = desk.caseworker.http
    pages: list[list[str]] = []
    url: str | None = "/staff/demo/applications.json"
    while url:
        body = (await http.get(url)).json()
        pages.append([row["reference"] for row in body["applications"]])
        url = body["links"]["next"] and body["links"]["next"].replace("/staff/demo/applications?", "/staff/demo/applications.json?")
    assert [len(p) for p in pages] == [25, 25, 10]
    assert [ref for p in pages for ref in p] == expected
    # Back from the last page, by the "Previous" links.
    last_url = "/staff/demo/applications.json?" + urlsplit(
        (await http.get("/staff/demo/applications.json?" + urlsplit(
            (await http.get("/staff/demo/applications.json")).json()["links"]["next"]).query)).json()["links"]["next"]).query
    back = []
    url = last_url
    while url:
        body = (await http.get(url)).json()
        back.append([row["reference"] for row in body["applications"]])
        previous = body["links"]["previous"]
        url = previous and "/staff/demo/applications.json?" + urlsplit(previous).query
    assert back == list(reversed(pages))
    # The cursor is opaque and carries the filters along.
    html = soup(await http.get("/staff/demo/applications", params={"service": PERMIT}))
    link = html.select_one("a[rel=next]")
    assert link is not None
    query = parse_qs(urlsplit(str(link["href"])).query)
    assert query["service"] == [PERMIT] and "after" in query


@pytest.mark.parametrize("cursor", [
    "not base64!", "AAAA", base64.urlsafe_b64encode(b"2026-01-01T00:00:00+00:00|-5").decode(),
    base64.urlsafe_b64encode(b"2026-01-01T00:00:00|5").decode(), base64.urlsafe_b64encode(b"yesterday|5").decode(),
    base64.urlsafe_b64encode(b"2026-01-01T00:00:00+00:00|99999999999").decode(), "x" * 500, "",
])
async def test_a_forged_cursor_is_a_clear_400(desk: Desk, cursor: str) -> None:
    await send(desk.council, PERMIT)
    http = desk.caseworker.http
    for direction in ("after", "before"):
        page = await http.get("/staff/demo/applications", params={direction: cursor})
        assert page.status_code == 400
        assert "The link to this page of applications is not valid" in soup(page).select_one(".govuk-error-summary").get_text()  # type: ignore[union-attr]
        twin = await http.get("/staff/demo/applications.json", params={direction: cursor})
        assert twin.status_code == 400 and twin.json()["errors"][0]["keyword"] == "cursor"


async def test_cursors_round_trip_and_refuse_naive_times() -> None:
    cursor = Cursor(datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC), 42)
    assert Cursor.decode(cursor.encode()) == cursor
    with pytest.raises(InvalidCursor):
        Cursor.decode(base64.urlsafe_b64encode(b"2026-01-02T03:04:05|42").decode())


# Actions --------------------------------------------------------------------------------------

def action_form(page: BeautifulSoup, event: str) -> dict[str, Any]:
    for form in page.select("form"):
        hidden = form.select_one("input[name=event]")
        if hidden is not None and hidden["value"] == event:
            return {"action": form["action"], "version": form.select_one("input[name=version]")["value"]}  # type: ignore[index]
    raise AssertionError(f"no form for {event}")


async def act(desk: Desk, submission: Submission, event: str, **fields: Any) -> Any:
    page = soup(await desk.caseworker.http.get(f"/staff/demo/applications/{submission.reference}"))
    form = action_form(page, event)
    return await desk.caseworker.post(str(form["action"]), {"event": event, "version": form["version"], **fields})


async def test_each_allowed_event_moves_the_application_with_its_note(desk: Desk) -> None:
    submission = await send(desk.council, PERMIT)
    page = soup(await desk.caseworker.http.get(f"/staff/demo/applications/{submission.reference}"))
    buttons = [b.get_text(strip=True) for b in page.select("form button")]
    assert "Start checking evidence" in buttons and "Refuse the application" in buttons
    labels = {str(label["for"]): label.get_text(" ", strip=True) for label in page.select("form label")}
    assert labels["event-REJECT-note"] == "Note (required) for refuse the application", labels
    moved = await act(desk, submission, "START_CHECKS", note="Looking now", visible="yes")
    assert moved.status_code == 303, moved.text[:500]
    assert await state_of(submission) == ("checking", 2)
    moved = await act(desk, submission, "REQUEST_EVIDENCE", note="Send a council tax bill", visible="yes",
                      pages=["proof-of-address", "vehicle"])
    assert moved.status_code == 303
    fresh = await Submission.get(id=submission.id)
    assert fresh.state == "awaitingEvidence" and fresh.request == {"pages": ["proof-of-address", "vehicle"],
                                                                    "note": "Send a council tax bill"}
    assert (await act(desk, submission, "EVIDENCE_RECEIVED", note="")).status_code == 303
    assert (await act(desk, submission, "ISSUE", note="Private note")).status_code == 303
    assert (await state_of(submission))[0] == "issued"
    twin = (await desk.caseworker.http.get(f"/staff/demo/applications/{submission.reference}.json")).json()
    history = twin["casework"]["history"]
    assert [e["event"] for e in history] == ["ISSUE", "EVIDENCE_RECEIVED", "REQUEST_EVIDENCE", "START_CHECKS", "submitted"]
    assert history[0]["by"] == "Cas" and history[0]["note"] == "Private note" and history[0]["visible_to_resident"] is False
    assert history[3]["note"] == "Looking now" and history[3]["visible_to_resident"] is True
    assert twin["casework"]["actions"] == [] and twin["casework"]["state"]["final"] is True
    audited = await AuditEntry.filter(council_id=desk.council.id, action="application-action").order_by("id")
    assert [a.after["event"] for a in audited] == ["START_CHECKS", "REQUEST_EVIDENCE", "EVIDENCE_RECEIVED", "ISSUE"]  # type: ignore[index]


async def test_a_failing_guard_shows_the_error_and_changes_nothing(desk: Desk) -> None:
    submission = await send(desk.council, PERMIT)
    refused = await act(desk, submission, "REJECT", note="   ")
    assert refused.status_code == 422
    page = soup(refused)
    summary = page.select_one(".govuk-error-summary")
    assert summary is not None and "Write a note to say why" in summary.get_text()
    link = summary.select_one("a")
    assert link is not None and page.select_one(str(link["href"])) is not None  # the link finds the note box
    assert page.title is not None and page.title.get_text().startswith("Error")
    assert await state_of(submission) == ("received", 1)
    # Asking for information needs real pages of the service.
    await act(desk, submission, "START_CHECKS")
    for pages in ([], ["no-such-page"]):
        refused = await act(desk, submission, "REQUEST_EVIDENCE", note="Need more", pages=pages)
        assert refused.status_code == 422 and (await state_of(submission))[0] == "checking"


async def test_a_stale_form_a_forged_event_and_a_missing_token_are_refused(desk: Desk) -> None:
    submission = await send(desk.council, PERMIT)
    page = soup(await desk.caseworker.http.get(f"/staff/demo/applications/{submission.reference}"))
    stale = action_form(page, "START_CHECKS")
    assert (await act(desk, submission, "START_CHECKS")).status_code == 303
    before = await state_of(submission)
    # The same form again: someone (here, us) moved it since.
    again = await desk.caseworker.post(str(stale["action"]), {"event": "START_CHECKS", "version": stale["version"]})
    assert again.status_code == 422 and "changed since you opened it" in again.text
    assert await state_of(submission) == before
    # A version that is not plain digits ("²" passes str.isdigit(); int() refuses it and 5,000 digits).
    for version in ("²", "9" * 5000):
        odd = await desk.caseworker.post(str(stale["action"]), {"event": "START_CHECKS", "version": version})
        assert odd.status_code == 422 and "changed since you opened it" in odd.text
    assert await state_of(submission) == before
    # Forged events: unknown, or real but not allowed now, or payment events.
    for event in ("DELETE_EVERYTHING", "EVIDENCE_RECEIVED", "payment.succeeded", ""):
        forged = await desk.caseworker.post(str(stale["action"]), {"event": event, "version": str(before[1])})
        assert forged.status_code == 422 and "cannot be taken" in forged.text
    assert await state_of(submission) == before
    # Without the CSRF token.
    refused = await desk.caseworker.post(str(stale["action"]), {"event": "ISSUE", "version": str(before[1])}, csrf=False)
    assert refused.status_code == 403
    assert await state_of(submission) == before


async def test_roles_that_do_not_do_casework_cannot_act(desk: Desk, new_client: Callable[[], StaffClient]) -> None:
    submission = await send(desk.council, PERMIT)
    await make_user("des@demo.test", desk.council, ["designer"])
    designer = new_client()
    await designer.sign_in("des@demo.test")
    url = f"/staff/demo/applications/{submission.reference}/actions"
    assert (await designer.post(url, {"event": "START_CHECKS", "version": "1"})).status_code == 403
    assert (await designer.http.get("/staff/demo/applications")).status_code == 403
    assert await state_of(submission) == ("received", 1)


# Files ----------------------------------------------------------------------------------------

async def test_files_are_downloadable_by_the_councils_staff_only(desk: Desk, staff_settings: Settings,
                                                                 new_client: Callable[[], StaffClient]) -> None:
    files = store.FileStore(staff_settings.files_dir)
    version = await store.get_latest(desk.council, PERMIT)
    assert version is not None
    journey = await store.start_journey(desk.council, version)
    data = b"%PDF-1.4 proof of address\n" * 100
    saved = await files.save_upload(desk.council, journey, "/proofOfAddress", 'bill "2026".pdf', "application/pdf", data)
    submission, _ = await store.submit(journey, {"proofOfAddress": str(saved.id), "email": "a@b.org"}, "received")
    elsewhere = await send(desk.council, PERMIT)
    twin = (await desk.caseworker.http.get(f"/staff/demo/applications/{submission.reference}.json")).json()
    [listed] = twin["casework"]["files"]
    assert listed["name"] == 'bill "2026".pdf'
    assert any(row["value"].get("text") == 'bill "2026".pdf' for row in twin["answers"])
    got = await desk.caseworker.http.get(listed["href"])
    assert got.status_code == 200 and got.content == data
    assert got.headers["content-disposition"].startswith("attachment;")
    assert got.headers["x-content-type-options"] == "nosniff"
    # The same file through another application of the council: not found.
    assert (await desk.caseworker.http.get(
        f"/staff/demo/applications/{elsewhere.reference}/files/{saved.id}")).status_code == 404
    assert (await desk.caseworker.http.get(
        f"/staff/demo/applications/{submission.reference}/files/not-a-uuid")).status_code == 404
    # Staff of another council: not found, by their own council's URL or ours.
    await make_user("olly@other.test", desk.other, ["admin", "caseworker"])
    olly = new_client()
    await olly.sign_in("olly@other.test")
    assert (await olly.http.get(listed["href"])).status_code == 404
    assert (await olly.http.get(listed["href"].replace("/staff/demo/", "/staff/other/"))).status_code == 404
    # A resident (no staff session): sent to sign in, never given the file.
    resident = new_client()
    refused = await resident.http.get(listed["href"])
    assert refused.status_code == 303 and "/staff/sign-in" in refused.headers["location"]
    assert (await resident.http.get(listed["href"] + ".json")).status_code == 401


# Assigning ------------------------------------------------------------------------------------

async def test_assigning_to_a_colleague_who_does_casework_here(desk: Desk) -> None:
    submission = await send(desk.council, PERMIT)
    colleague = await make_user("col@demo.test", desk.council, ["admin"])
    designer = await make_user("des@demo.test", desk.council, ["designer"])
    stranger = await make_user("str@other.test", desk.other, ["caseworker"])
    url = f"/staff/demo/applications/{submission.reference}/assign"
    page = soup(await desk.caseworker.http.get(f"/staff/demo/applications/{submission.reference}"))
    offered = [o["value"] for o in page.select("select#assignee option")]
    assert str(colleague.id) in offered and str(desk.user.id) in offered
    assert str(designer.id) not in offered and str(stranger.id) not in offered
    assert (await desk.caseworker.post(url, {"assignee": str(colleague.id)})).status_code == 303
    assert (await Submission.get(id=submission.id)).assigned_to_id == colleague.id
    for refused_id in (designer.id, stranger.id, 999999, "x"):
        refused = await desk.caseworker.post(url, {"assignee": str(refused_id)})
        assert refused.status_code == 422 and "Choose a colleague" in refused.text
        assert (await Submission.get(id=submission.id)).assigned_to_id == colleague.id
    assert (await desk.caseworker.post(url, {"assignee": ""})).status_code == 303
    assert (await Submission.get(id=submission.id)).assigned_to_id is None
    audited = await AuditEntry.filter(council_id=desk.council.id, action="application-assigned").order_by("id")
    assert [a.after["assigned_to"] for a in audited] == [colleague.id, None]  # type: ignore[index]
