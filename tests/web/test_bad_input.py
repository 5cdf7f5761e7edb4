"""What a browser would never send, and what an attacker or a confused network might: each
gets a clear answer (a status and a page, or JSON in the one error shape), and nothing stored
changes: the journey's answers and visited pages, the submissions, the uploaded files."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx2 as httpx
import pytest
from bs4 import BeautifulSoup
from resident import REFERENCE, Page, Resident, text_of
from walker import PNG, answer, service

from runtime import store
from runtime.core.ui_text import ui
from runtime.web.sessions import CSRF_COOKIE, JOURNEY_COOKIE

BIN = "/demo/report-missed-bin"
POTHOLE = "/demo/report-pothole"
GARDEN = "/demo/subscribe-garden-waste"
ADDRESS = {
    "address.line1": ["1 High Street"], "address.line2": [""], "address.town": ["Llandrindod Wells"],
    "address.postcode": ["LD1 5LG"],
}


# ---------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------

async def snapshot() -> dict[str, Any]:
    """Everything a refused request must leave as it was."""
    journeys = await store.Journey.all().order_by("id").values(
        "id", "answers", "visited", "lock_version", "submitted", "resume_email",
    )
    return {
        "journeys": journeys,
        "submissions": await store.Submission.all().count(),
        "files": await store.UploadedFile.all().count(),
        "outbox": await store.OutboxMessage.all().count(),
    }


async def journeys() -> list[dict[str, Any]]:
    return list(await store.Journey.all().order_by("created_at").values("id", "answers", "visited", "submitted"))


def soup(response: httpx.Response) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


def assert_error_page(response: httpx.Response, status: int, title_key: str) -> None:
    """A page in the council's layout that says what happened, in the resident's words."""
    assert response.status_code == status, (response.status_code, response.text[:300])
    assert response.headers["content-type"].startswith("text/html")
    html = soup(response)
    heading = html.find("h1")
    assert heading is not None and text_of(heading) == ui("en", title_key), html.find("h1")
    assert ui("en", title_key) in text_of(html.title)
    assert "Traceback" not in response.text and "jsonschema" not in response.text


def assert_error_json(response: httpx.Response, status: int, code: str) -> None:
    assert response.status_code == status, (response.status_code, response.text[:300])
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert list(body) == ["error"]
    assert set(body["error"]) == {"status", "code", "title", "message"}
    assert body["error"]["status"] == status
    assert body["error"]["code"] == code
    assert body["error"]["title"] and body["error"]["message"]


def pairs_of(data: dict[str, list[str]]) -> dict[str, list[str]]:
    return {name: list(values) for name, values in data.items()}


async def answer_until(resident: Resident, service_id: str, stop_at: str) -> Page:
    """Start `service_id` and answer each page sensibly until the page `stop_at` is shown."""
    compiled = service(service_id)
    page = await resident.start("demo", service_id)
    for _ in range(30):
        assert page.status == 200, (page.url, page.status)
        step = page.url.rsplit("/", 1)[-1].split("?")[0]
        if step == stop_at:
            return page
        definition = compiled.page(step)
        assert definition is not None, page.url
        if definition.kind == "add-another":
            page.choose(page.soup.select_one("fieldset legend").get_text(strip=True), "No")
        elif definition.kind == "question":
            for fld in definition.fields:
                if fld.revealed_by is None:
                    answer(page, fld)
        page = await resident.submit(page)
    raise AssertionError(f"never reached {stop_at}")


@pytest.fixture
async def on_bins(resident: Resident) -> Page:
    """A resident who has answered the address page of report-missed-bin and sees the next one."""
    page = await answer_until(resident, "report-missed-bin", "address")
    for name, values in ADDRESS.items():
        page.values[name] = values
    bins = await resident.submit(page)
    assert bins.url.endswith("/bins"), bins.url
    return bins


# ---------------------------------------------------------------------------------------
# Form fields
# ---------------------------------------------------------------------------------------

async def test_unknown_fields_are_ignored(client: httpx.AsyncClient, resident: Resident) -> None:
    page = await answer_until(resident, "report-missed-bin", "address")
    data = {**page.form_data(), **ADDRESS, "is_admin": ["true"], "answers": ['{"binOut": true}'],
            "address.country": ["France"], "binOut": ["yes"], "state": ["collected"]}
    response = await client.post(f"{BIN}/address", data=pairs_of(data))
    assert response.status_code == 303
    assert response.headers["location"] == f"{BIN}/bins"
    [journey] = await journeys()
    assert journey["answers"] == {"address": {"line1": "1 High Street", "town": "Llandrindod Wells", "postcode": "LD1 5LG"}}
    assert journey["visited"] == ["address"]


async def test_a_single_value_field_posted_twice_is_refused(client: httpx.AsyncClient, on_bins: Page) -> None:
    token = on_bins.form_data()["csrf_token"]
    moved = await client.post(f"{BIN}/bins", data={"csrf_token": token, "binTypes": ["general"]})
    assert moved.status_code == 303 and moved.headers["location"] == f"{BIN}/bin-out"
    before = await snapshot()
    twice = {"csrf_token": token, "binOut": ["yes", "no"]}
    response = await client.post(f"{BIN}/bin-out", data=twice)
    assert_error_page(response, 400, "bad_request_title")
    as_json = await client.post(f"{BIN}/bin-out", data=twice, headers={"accept": "application/json"})
    assert_error_json(as_json, 400, "bad_request")
    same_twice = await client.post(f"{BIN}/bin-out", data={"csrf_token": token, "binOut": ["yes", "yes"]})
    assert_error_page(same_twice, 400, "bad_request_title")
    assert await snapshot() == before
    # Ticking several boxes of one checkbox question is what checkboxes are for.
    again = await client.post(f"{BIN}/bins", data={"csrf_token": token, "binTypes": ["general", "food"]})
    assert again.status_code == 303
    [journey] = await journeys()
    assert journey["answers"]["binTypes"] == ["general", "food"]


async def test_a_20mb_body_is_refused_with_413(client: httpx.AsyncClient, on_bins: Page) -> None:
    before = await snapshot()
    token = on_bins.form_data()["csrf_token"][0]
    body = f"csrf_token={token}&binTypes=general&details=".encode() + b"x" * (20 * 1024 * 1024)
    headers = {"content-type": "application/x-www-form-urlencoded"}
    response = await client.post(f"{BIN}/bins", content=body, headers=headers)
    assert_error_page(response, 413, "too_large_title")
    as_json = await client.post(f"{BIN}/bins", content=body, headers={**headers, "accept": "application/json"})
    assert_error_json(as_json, 413, "too_large")
    assert await snapshot() == before


async def test_a_20mb_chunked_body_without_a_length_is_refused_with_413(client: httpx.AsyncClient, on_bins: Page) -> None:
    before = await snapshot()
    token = on_bins.form_data()["csrf_token"][0]
    sent = 0

    async def chunks() -> AsyncIterator[bytes]:
        nonlocal sent
        yield f"csrf_token={token}&binTypes=general&details=".encode()
        for _ in range(20 * 16):
            sent += 64 * 1024
            yield b"x" * (64 * 1024)

    request = client.build_request("POST", f"{BIN}/bins", content=chunks(),
                                   headers={"content-type": "application/x-www-form-urlencoded"})
    assert "content-length" not in request.headers
    assert request.headers.get("transfer-encoding") == "chunked"
    response = await client.send(request)
    assert_error_page(response, 413, "too_large_title")
    assert await snapshot() == before


async def test_invalid_utf8_in_a_urlencoded_body_is_refused(client: httpx.AsyncClient, on_bins: Page) -> None:
    before = await snapshot()
    token = on_bins.form_data()["csrf_token"][0]
    headers = {"content-type": "application/x-www-form-urlencoded"}
    for body in (
        f"csrf_token={token}&binTypes=general&name=%FF%FE".encode(),  # percent-encoded bytes that are not UTF-8
        f"csrf_token={token}&binTypes=general&x=".encode() + b"\xc3\x28",  # a raw broken sequence
        f"csrf_token={token}&binTypes=gen%C3eral".encode(),  # inside an answer the page asks for
    ):
        response = await client.post(f"{BIN}/bins", content=body, headers=headers)
        assert_error_page(response, 400, "bad_request_title")
    assert await snapshot() == before


async def test_a_wrong_content_type_is_refused(client: httpx.AsyncClient, on_bins: Page) -> None:
    before = await snapshot()
    token = on_bins.form_data()["csrf_token"][0]
    as_json = await client.post(f"{BIN}/bins", json={"csrf_token": token, "binTypes": ["general"]})
    assert_error_page(as_json, 415, "bad_request_title")
    as_text = await client.post(f"{BIN}/bins", content=f"csrf_token={token}&binTypes=general",
                                headers={"content-type": "text/plain"})
    assert_error_page(as_text, 415, "bad_request_title")
    as_xml = await client.post(f"{BIN}/bins", content=b"<a/>",
                               headers={"content-type": "application/xml", "accept": "application/json"})
    assert_error_json(as_xml, 415, "bad_request")
    untyped = await client.post(f"{BIN}/bins", content=f"csrf_token={token}&binTypes=general")
    assert "content-type" not in untyped.request.headers
    assert_error_page(untyped, 400, "bad_request_title")
    assert await snapshot() == before


# ---------------------------------------------------------------------------------------
# CSRF and the session cookie
# ---------------------------------------------------------------------------------------

async def test_a_missing_csrf_token_is_refused(client: httpx.AsyncClient, on_bins: Page) -> None:
    before = await snapshot()
    response = await client.post(f"{BIN}/bins", data={"binTypes": ["general"]})
    assert_error_page(response, 403, "forbidden_title")
    empty = await client.post(f"{BIN}/bins", data={"binTypes": ["general"], "csrf_token": [""]})
    assert_error_page(empty, 403, "forbidden_title")
    as_json = await client.post(f"{BIN}/bins", data={"binTypes": ["general"]}, headers={"accept": "application/json"})
    assert_error_json(as_json, 403, "forbidden")
    assert await snapshot() == before


async def test_a_wrong_csrf_token_is_refused(client: httpx.AsyncClient, on_bins: Page) -> None:
    before = await snapshot()
    token = on_bins.form_data()["csrf_token"][0]
    for wrong in ("0" * 64, token[:-1] + ("0" if token[-1] != "0" else "1"), token.upper(), token + "00"):
        response = await client.post(f"{BIN}/bins", data={"binTypes": ["general"], "csrf_token": [wrong]})
        assert_error_page(response, 403, "forbidden_title")
    assert await snapshot() == before


async def test_a_csrf_token_from_another_browser_is_refused(app: Any, client: httpx.AsyncClient, on_bins: Page) -> None:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=str(client.base_url)) as other:
        theirs = await other.get(BIN)
        their_token = soup(theirs).find("input", attrs={"name": "csrf_token"})["value"]
        their_cookie = other.cookies.get(CSRF_COOKIE)
    mine = on_bins.form_data()["csrf_token"][0]
    assert their_token != mine and their_cookie
    before = await snapshot()
    # Their token with my cookie.
    response = await client.post(f"{BIN}/bins", data={"binTypes": ["general"], "csrf_token": [their_token]})
    assert_error_page(response, 403, "forbidden_title")
    # My journey cookie, their CSRF cookie and my token: the pair no longer matches.
    client.cookies.set(CSRF_COOKIE, their_cookie, domain="127.0.0.1", path="/")
    crossed = await client.post(f"{BIN}/bins", data={"binTypes": ["general"], "csrf_token": [mine]})
    assert_error_page(crossed, 403, "forbidden_title")
    assert await snapshot() == before
    # Their token goes with their cookie: the form is accepted.
    accepted = await client.post(f"{BIN}/bins", data={"binTypes": ["general"], "csrf_token": [their_token]})
    assert accepted.status_code == 303


def journey_cookie(client: httpx.AsyncClient) -> tuple[str, str]:
    found = [(c.value, c.path) for c in client.cookies.jar if c.name == JOURNEY_COOKIE]
    assert len(found) == 1, found
    return found[0]


async def test_a_tampered_session_cookie_finds_no_journey(client: httpx.AsyncClient, on_bins: Page) -> None:
    token = on_bins.form_data()["csrf_token"][0]
    value, path = journey_cookie(client)
    before = await snapshot()
    payload, signature = value.rsplit(".", 1)
    flipped = signature[:-2] + ("AA" if signature[-2:] != "AA" else "BB")
    for tampered in (f"{payload}.{flipped}", "not-a-cookie", value[::-1], ""):
        client.cookies.set(JOURNEY_COOKIE, tampered, domain="127.0.0.1", path=path)
        shown = await client.get(f"{BIN}/bins")
        assert_error_page(shown, 404, "session_expired")
        assert soup(shown).find("a", string=ui("en", "start_again"))["href"] == BIN
        posted = await client.post(f"{BIN}/bins", data={"binTypes": ["general"], "csrf_token": [token]})
        assert_error_page(posted, 400, "session_expired")
        check = await client.post(f"{BIN}/check-answers", data={"csrf_token": [token]})
        assert_error_page(check, 400, "session_expired")
    as_json = await client.get(f"{BIN}/bins.json")
    assert_error_json(as_json, 404, "session_expired")
    assert await snapshot() == before


# ---------------------------------------------------------------------------------------
# Pages and steps
# ---------------------------------------------------------------------------------------

async def test_a_page_that_does_not_exist_is_404(client: httpx.AsyncClient, on_bins: Page) -> None:
    before = await snapshot()
    token = on_bins.form_data()["csrf_token"][0]
    for url in (f"{BIN}/no-such-page", f"{BIN}/address%2F..%2Fbins", "/demo/no-such-service", "/nowhere/report-missed-bin",
                f"{BIN}/no-such-page/1"):
        response = await client.get(url)
        assert_error_page(response, 404, "page_not_found")
    posted = await client.post(f"{BIN}/no-such-page", data={"csrf_token": [token], "x": ["y"]})
    assert_error_page(posted, 404, "page_not_found")
    assert await snapshot() == before


async def test_the_404_page_in_json(client: httpx.AsyncClient, on_bins: Page) -> None:
    for url, headers in (
        (f"{BIN}/no-such-page.json", {}),
        (f"{BIN}/no-such-page", {"accept": "application/json"}),
        ("/demo/no-such-service.json", {}),
        ("/nowhere.json", {}),
    ):
        response = await client.get(url, headers=headers)
        assert_error_json(response, 404, "page_not_found")
        assert response.json()["error"]["title"] == ui("en", "page_not_found")
    welsh = await client.get(f"{BIN}/no-such-page.json?lang=cy")
    assert_error_json(welsh, 404, "page_not_found")
    assert welsh.json()["error"]["title"] == ui("cy", "page_not_found")


# Issue 10: a council's slug and a service's id are columns of 64 characters, a sandbox
# payment's id of 40. A longer name in a URL, or one no database keeps, names nothing: 404,
# never the 500 of a query the ORM or the database refuses.
UNKNOWABLE = {
    "65 letters": "a" * 65,
    "65 letters, not ASCII": "é" * 65,
    "10,000 letters": "x" * 10_000,
    "a NUL character": "demo%00",
}


@pytest.mark.parametrize("name", UNKNOWABLE.values(), ids=UNKNOWABLE.keys())
async def test_a_name_nothing_could_have_is_not_found(client: httpx.AsyncClient, name: str) -> None:
    before = await snapshot()
    for url in (f"/demo/{name}", f"/{name}", f"/{name}/status", f"/demo/{name}/status", f"/{name}/report-missed-bin",
                f"/_sandbox/pay/{name}"):
        assert_error_page(await client.get(url), 404, "page_not_found")
    assert_error_json(await client.get(f"/demo/{name}.json"), 404, "page_not_found")
    webhook = await client.post(f"/payments/sandbox/{name}/webhook", content=b"{}")
    assert webhook.status_code == 404, webhook.text[:300]
    assert await snapshot() == before


@pytest.mark.parametrize("name", [*UNKNOWABLE.values(), "nowhere"], ids=[*UNKNOWABLE.keys(), "no such council"])
async def test_the_stylesheet_of_a_council_that_does_not_exist_is_not_found(client: httpx.AsyncClient,
                                                                            name: str) -> None:
    response = await client.get(f"/theme/{name}.css")
    assert response.status_code == 404, response.text[:300]
    assert "--borough-brand" not in response.text
    known = await client.get("/theme/demo.css")
    assert known.status_code == 200 and "--borough-brand" in known.text


async def test_a_step_skipped_by_typing_its_url_goes_back_to_the_first_unanswered(client: httpx.AsyncClient,
                                                                                   on_bins: Page) -> None:
    before = await snapshot()
    token = on_bins.form_data()["csrf_token"][0]
    for later in ("bin-out", "due-date", "details", "contact", "bin-not-out"):
        shown = await client.get(f"{BIN}/{later}")
        assert shown.status_code == 303, (later, shown.status_code)
        assert shown.headers["location"] == f"{BIN}/bins"
    posted = await client.post(f"{BIN}/due-date", data={
        "csrf_token": [token], "dueDate-day": ["1"], "dueDate-month": ["1"], "dueDate-year": ["2025"],
    })
    assert posted.status_code == 303 and posted.headers["location"] == f"{BIN}/bins"
    contact = await client.post(f"{BIN}/contact", data={
        "csrf_token": [token], "name": ["Skipper"], "email": ["skip@example.com"], "phone": [""],
    })
    assert contact.status_code == 303 and contact.headers["location"] == f"{BIN}/bins"
    assert await snapshot() == before


async def test_check_answers_before_the_journey_is_complete_submits_nothing(client: httpx.AsyncClient,
                                                                             on_bins: Page) -> None:
    before = await snapshot()
    token = on_bins.form_data()["csrf_token"][0]
    shown = await client.get(f"{BIN}/check-answers")
    assert shown.status_code == 303 and shown.headers["location"] == f"{BIN}/bins"
    posted = await client.post(f"{BIN}/check-answers", data={"csrf_token": [token]})
    assert posted.status_code == 303 and posted.headers["location"] == f"{BIN}/bins"
    confirmation = await client.get(f"{BIN}/confirmation")
    assert confirmation.status_code == 303 and "confirmation" not in confirmation.headers["location"]
    assert await snapshot() == before
    assert await store.Submission.all().count() == 0


async def at_check_answers(resident: Resident, service_id: str = "report-missed-bin") -> Page:
    page = await answer_until(resident, service_id, "check-answers")
    assert page.heading == ui("en", "check_answers_title")
    return page


async def test_a_replayed_submission_makes_exactly_one(client: httpx.AsyncClient, resident: Resident) -> None:
    check = await at_check_answers(resident)
    data = pairs_of(check.form_data())
    first = await client.post(f"{BIN}/check-answers", data=data)
    second = await client.post(f"{BIN}/check-answers", data=data)
    assert first.status_code == second.status_code == 303
    assert first.headers["location"] == second.headers["location"] == f"{BIN}/confirmation"
    assert await store.Submission.all().count() == 1
    [journey] = await journeys()
    assert journey["submitted"] is True
    shown = await client.get(f"{BIN}/confirmation")
    reference = REFERENCE.search(soup(shown).select_one(".govuk-panel").get_text(" "))
    assert reference is not None
    [submission] = await store.Submission.all()
    assert submission.reference == reference.group(0)
    # Going back to a question after sending changes nothing.
    back = await client.post(f"{BIN}/details", data={"csrf_token": data["csrf_token"], "details": ["later"]})
    assert back.status_code == 303 and back.headers["location"] == f"{BIN}/confirmation"
    [unchanged] = await store.Submission.all()
    assert unchanged.answers == submission.answers and unchanged.answers["details"] != "later"
    [after] = await journeys()
    assert after["answers"] == journey["answers"]


async def test_a_double_click_on_send_makes_exactly_one(client: httpx.AsyncClient, resident: Resident) -> None:
    check = await at_check_answers(resident)
    data = pairs_of(check.form_data())
    responses = await asyncio.gather(*(client.post(f"{BIN}/check-answers", data=data) for _ in range(3)))
    assert [r.status_code for r in responses] == [303, 303, 303], [r.text[:200] for r in responses]
    assert {r.headers["location"] for r in responses} == {f"{BIN}/confirmation"}
    assert await store.Submission.all().count() == 1
    shown = await client.get(f"{BIN}/confirmation.json")
    [submission] = await store.Submission.all()
    assert shown.json()["reference"] == submission.reference


# ---------------------------------------------------------------------------------------
# JSON twins
# ---------------------------------------------------------------------------------------

async def test_the_json_twin_of_the_start_page_shows_what_the_html_shows(client: httpx.AsyncClient) -> None:
    html = await client.get(BIN)
    by_suffix = await client.get(f"{BIN}.json")
    by_accept = await client.get(BIN, headers={"accept": "application/json"})
    assert html.status_code == by_suffix.status_code == by_accept.status_code == 200
    assert by_suffix.headers["content-type"].startswith("application/json")
    assert by_suffix.json() == by_accept.json()
    data = by_suffix.json()
    page = soup(html)
    definition = service("report-missed-bin").document
    assert data["service"]["title"] == definition["title"] == text_of(page.find("h1"))
    assert data["summary"] == definition["summary"]
    # The demo council gives no accessibility statement or privacy notice in its settings.
    assert data["council"] == {"slug": "demo", "name": "Demo Borough Council",
                               "links": {"accessibility": None, "privacy": None}}
    form = page.find("form", attrs={"method": "post"})
    assert form["action"] == data["links"]["begin"] == f"{BIN}/start"
    body = text_of(page.find("main"))
    for line in ("Use this service to report a bin that was not emptied on your collection day.",
                 "your bin was out by 7am on your collection day"):
        assert line in data["start"]["content"] and line in body
    assert "csrf" not in json.dumps(data).lower()  # browser-only things stay out of the data
    assert html.headers["link"] == f'<{BIN}.json>; rel="alternate"; type="application/json"'


async def test_the_json_twin_of_a_question_page_shows_what_the_html_shows(client: httpx.AsyncClient,
                                                                         on_bins: Page) -> None:
    html = await client.get(f"{BIN}/address")
    twin = await client.get(f"{BIN}/address.json")
    assert html.status_code == twin.status_code == 200
    data = twin.json()
    page = soup(html)
    assert data["page"]["id"] == "address"
    assert data["page"]["heading"] == text_of(page.find("h1")) == "What is the address of the missed collection?"
    assert [f["name"] for f in data["fields"]] == ["address.line1", "address.line2", "address.town", "address.postcode"]
    for fld in data["fields"]:
        control = page.find(attrs={"name": fld["name"]})
        assert control is not None, fld["name"]
        label = page.find("label", attrs={"for": control["id"]})
        assert text_of(label).removesuffix(" (optional)") == fld["label"]
        assert control.get("value", "") == fld["value"]
    assert data["fields"][0]["value"] == "1 High Street"
    assert data["fields"][3]["value"] == "LD1 5LG"
    assert data["links"]["back"] == page.select_one(".govuk-back-link")["href"] == BIN
    assert data["errors"] == []


# ---------------------------------------------------------------------------------------
# Uploads and fees
# ---------------------------------------------------------------------------------------

def stored_files(app: Any) -> list[Any]:
    root = app.state.files.root
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


async def on_photo(resident: Resident) -> Page:
    page = await answer_until(resident, "report-pothole", "photo")
    assert page.soup.find("input", attrs={"type": "file"}) is not None
    return page


@pytest.mark.parametrize("content", [
    b"GIF89a\x01\x00\x01\x00\x00\x00\x00;",  # a GIF
    b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n",  # a PDF: allowed elsewhere, not for this question
    b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>",
    b"MZ\x90\x00" + b"\x00" * 60,  # a Windows program
], ids=["gif", "pdf", "svg", "exe"])
async def test_an_upload_that_is_not_an_allowed_type_is_refused_whatever_its_name(
    client: httpx.AsyncClient, resident: Resident, app: Any, content: bytes,
) -> None:
    page = await on_photo(resident)
    before = await snapshot()
    response = await client.post(f"{POTHOLE}/photo", data=pairs_of(page.form_data()),
                                 files=[("photo", ("pothole.png", content, "image/png"))])
    assert response.status_code == 422
    refused = soup(response)
    message = "The selected file must be a JPG, PNG or HEIC"
    assert [text_of(a) for a in refused.select(".govuk-error-summary a")] == [message]
    assert refused.select_one(".govuk-error-summary a")["href"] == "#photo"
    assert message in text_of(refused.select_one(".govuk-error-message"))
    assert text_of(refused.title).startswith("Error: ")
    assert await snapshot() == before
    assert stored_files(app) == []


async def test_an_oversize_upload_is_refused(client: httpx.AsyncClient, resident: Resident, app: Any) -> None:
    page = await on_photo(resident)
    before = await snapshot()
    big = PNG + b"\x00" * (10 * 1024 * 1024 + 1 - len(PNG))
    response = await client.post(f"{POTHOLE}/photo", data=pairs_of(page.form_data()),
                                 files=[("photo", ("pothole.png", big, "image/png"))])
    assert response.status_code == 422
    refused = soup(response)
    assert [text_of(a) for a in refused.select(".govuk-error-summary a")] == ["The selected file must be smaller than 10MB"]
    assert await snapshot() == before
    assert stored_files(app) == []
    # Bigger than the whole request limit: refused before it is read.
    huge = PNG + b"\x00" * (13 * 1024 * 1024)
    too_large = await client.post(f"{POTHOLE}/photo", data=pairs_of(page.form_data()),
                                  files=[("photo", ("pothole.png", huge, "image/png"))])
    assert_error_page(too_large, 413, "too_large_title")
    assert await snapshot() == before
    # And a file that is right is accepted, which shows the refusals were about the files.
    fine = await client.post(f"{POTHOLE}/photo", data=pairs_of(page.form_data()),
                             files=[("photo", ("pothole.png", PNG, "image/png"))])
    assert fine.status_code == 303
    assert await store.UploadedFile.all().count() == 1


async def test_a_tampered_amount_is_ignored_the_server_prices_the_application(
    client: httpx.AsyncClient, resident: Resident,
) -> None:
    tampering = {"amount": ["1"], "fees.total": ["1"], "total": ["1"], "price": ["0"], "quote": ['{"total": 1}']}
    compiled = service("subscribe-garden-waste")
    page = await resident.start("demo", "subscribe-garden-waste")
    for _ in range(12):
        step = page.url.rsplit("/", 1)[-1]
        if step == "check-answers":
            break
        definition = compiled.page(step)
        assert definition is not None, page.url
        for fld in definition.fields:
            answer(page, fld)
        if step == "bins":
            page.fill(definition.fields[0].label, "2")
        if step == "concession":
            page.choose(definition.fields[0].label, "No")
        page = await resident.submit(page, extra=tampering)
        assert page.status == 200, (page.url, page.status)
    check = await client.get(f"{GARDEN}/check-answers.json")
    assert check.status_code == 200
    fees = check.json()["fees"]
    assert fees["total"] == 2 * 5000
    assert [(line["id"], line["quantity"], line["amount"]) for line in fees["lines"]] == [("standard", 2, 10000)]
    html = await client.get(f"{GARDEN}/check-answers")
    assert "£100" in text_of(soup(html).find("main"))
    [journey] = await journeys()
    assert not {"amount", "total", "price", "quote", "fees"} & set(journey["answers"])
    data = {**pairs_of(Page(html, soup(html)).form_data()), **tampering}
    sent = await client.post(f"{GARDEN}/check-answers", data=data)
    assert sent.status_code == 303
    [submission] = await store.Submission.all()
    assert not {"amount", "total", "price", "quote", "fees"} & set(submission.answers)
    assert submission.answers["bins"] == 2
