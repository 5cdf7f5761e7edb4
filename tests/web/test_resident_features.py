"""What a resident relies on beyond answering questions: saving and coming back on another
device, Welsh, changing answers from check answers (and the follow-up questions a change
opens), back links, the headers and cookies that keep them safe, several workers sharing one
journey, and inline validation that never saves."""

from __future__ import annotations

import base64
import datetime
import json
import re
from http.cookies import SimpleCookie
from typing import Any

import httpx2 as httpx
import pytest
from bs4 import BeautifulSoup
from resident import Page, Resident, text_of
from walker import answer, service

from borough.app import assemble
from runtime import store
from runtime.core.strings import resident_strings
from runtime.core.ui_text import ui
from runtime.settings import Settings
from runtime.web.sessions import CSRF_COOKIE, JOURNEY_COOKIE, RESUME_MAX_AGE

BIN = "/demo/report-missed-bin"
FLY = "/demo/report-fly-tipping"
ADDRESS = {"address.line1": ["1 High Street"], "address.line2": [""], "address.town": ["Llandrindod Wells"],
           "address.postcode": ["LD1 5LG"]}


def soup(response: httpx.Response) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


def page_of(response: httpx.Response) -> Page:
    return Page(response, soup(response))


async def journeys() -> list[dict[str, Any]]:
    return list(await store.Journey.all().order_by("created_at").values("id", "answers", "visited", "submitted"))


async def snapshot() -> dict[str, Any]:
    return {
        "journeys": await store.Journey.all().order_by("id").values("id", "answers", "visited", "lock_version"),
        "submissions": await store.Submission.all().count(),
        "outbox": await store.OutboxMessage.all().count(),
    }


def step_of(url: str) -> str:
    return url.split("?")[0].split("#")[0].rstrip("/").rsplit("/", 1)[-1]


async def answer_until(resident: Resident, service_id: str, stop_at: str, choices: dict[str, str] | None = None) -> Page:
    """Answer each page sensibly (`choices`: a page id → the option to choose on it) until
    the page `stop_at` is shown."""
    compiled = service(service_id)
    page = await resident.start("demo", service_id)
    for _ in range(30):
        assert page.status == 200, (page.url, page.status, page.error_summary())
        step = step_of(page.url)
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
            if choices and step in choices:
                page.choose(definition.fields[0].label, choices[step])
        page = await resident.submit(page)
    raise AssertionError(f"never reached {stop_at}")


# ---------------------------------------------------------------------------------------
# Save and come back later
# ---------------------------------------------------------------------------------------

async def on_bins(resident: Resident) -> Page:
    page = await answer_until(resident, "report-missed-bin", "address")
    page.values.update(ADDRESS)
    bins = await resident.submit(page)
    assert step_of(bins.url) == "bins"
    return bins


async def test_save_and_come_back_on_another_device(app: Any, resident: Resident, client: httpx.AsyncClient) -> None:
    bins = await on_bins(resident)
    save_link = bins.soup.find("a", string=ui("en", "save_and_return"))
    assert save_link is not None and save_link["href"] == f"{BIN}/save"
    form = await resident.open(save_link["href"])
    assert form.status == 200 and form.heading == ui("en", "save_title")

    before = await snapshot()
    form.fill(ui("en", "save_email_label"), "")
    empty = await resident.submit(form)
    assert empty.status == 422
    assert empty.error_summary() == [(ui("en", "save_email_required"), "#email")]
    assert empty.title.startswith("Error: ")
    empty.fill(ui("en", "save_email_label"), "not an email")
    wrong = await resident.submit(empty)
    assert wrong.status == 422
    assert wrong.error_summary() == [(ui("en", "save_email_format"), "#email")]
    assert wrong.soup.find("input", id="email")["value"] == "not an email"  # what they typed, kept
    assert await snapshot() == before  # no email sent, nothing saved

    wrong.fill(ui("en", "save_email_label"), "  siân.resident@example.com ".replace("â", "a"))
    saved = await resident.submit(wrong)
    assert saved.status == 200 and saved.heading == ui("en", "saved_title")
    messages = await store.list_for_recipient("sian.resident@example.com")
    assert len(messages) == 1
    link = re.search(r"http://127\.0\.0\.1:8000(/demo/report-missed-bin/resume/[A-Za-z0-9_.\-]+)", messages[0].body_text)
    assert link is not None, messages[0].body_text
    [journey] = await journeys()

    # Another device: no cookies at all.
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=str(client.base_url)) as phone:
        opened = await phone.get(link.group(1))
        assert opened.status_code == 303
        assert opened.headers["location"] == f"{BIN}/bins"  # the first unanswered page
        assert JOURNEY_COOKIE in opened.headers["set-cookie"]
        elsewhere = Resident(phone)
        bins_again = await elsewhere.open(opened.headers["location"])
        assert bins_again.status == 200 and step_of(bins_again.url) == "bins"
        back_to_address = await elsewhere.open(f"{BIN}/address")
        assert back_to_address.soup.find("input", attrs={"name": "address.line1"})["value"] == "1 High Street"
        bins_again = await elsewhere.open(f"{BIN}/bins")
        bins_again.choose("Which bins were missed?", "Food waste caddy")
        moved = await elsewhere.submit(bins_again)
        assert step_of(moved.url) == "bin-out"
    [after] = await journeys()
    assert after["id"] == journey["id"]  # the same application, carried on
    assert after["answers"]["binTypes"] == ["food"]
    assert after["answers"]["address"]["line1"] == "1 High Street"
    # The same link again still works (28 days), and the original device carries on too.
    again = await client.get(link.group(1))
    assert again.status_code == 303 and again.headers["location"] == f"{BIN}/bin-out"


async def test_a_forged_or_expired_resume_link_says_so(app: Any, client: httpx.AsyncClient, resident: Resident,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    await on_bins(resident)
    [journey] = await journeys()
    signer = app.state.signer
    good = signer.resume_token(str(journey["id"]))
    forged = good[:-3] + ("abc" if good[-3:] != "abc" else "xyz")
    other_id = signer.resume_token("00000000-0000-4000-8000-000000000000")
    with monkeypatch.context() as patch:  # a link made 29 days ago
        then = datetime.datetime.now().timestamp() - RESUME_MAX_AGE - 24 * 3600
        patch.setattr("itsdangerous.timed.time.time", lambda: then)
        expired = signer.resume_token(str(journey["id"]))
    for token in (forged, other_id, expired, "nonsense", good.split(".")[0]):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=str(client.base_url)) as fresh:
            response = await fresh.get(f"{BIN}/resume/{token}")
            assert response.status_code == 410, (token, response.status_code)
            shown = soup(response)
            assert text_of(shown.find("h1")) == ui("en", "resume_invalid_title")
            assert shown.find("a", href=BIN) is not None  # start again
            assert JOURNEY_COOKIE not in response.headers.get("set-cookie", "")
            welsh = await fresh.get(f"{BIN}/resume/{token}?lang=cy")
            assert text_of(soup(welsh).find("h1")) == ui("cy", "resume_invalid_title")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=str(client.base_url)) as fresh:
        works = await fresh.get(f"{BIN}/resume/{good}")
        assert works.status_code == 303


# ---------------------------------------------------------------------------------------
# Welsh
# ---------------------------------------------------------------------------------------

def english_only(definition: dict[str, Any]) -> list[str]:
    """The definition's English strings whose Welsh differs: none may show on a Welsh page."""
    welsh = definition["translations"]["cy"]
    found = []
    for item in resident_strings(definition):
        if item.key in welsh and welsh[item.key] != item.text:
            found.extend(line.strip("- ").strip() for line in item.text.split("\n") if len(line.strip("- ").strip()) > 3)
    return found


# The runtime's own English words, written out (not read from the table under test).
ENGLISH_WORDS = ["Continue", "Back", "Save and come back later", "(optional)", "There is a problem", "Start now",
                 "Check your answers", "Change", "Error:", "Yes", "No", "Day", "Month", "Year", "Not provided"]


def assert_welsh(page: Page, definition: dict[str, Any]) -> None:
    assert page.soup.html["lang"] == "cy", page.url
    shown = text_of(page.soup.body)
    leaks = [text for text in english_only(definition) if text in shown]
    leaks += [word for word in ENGLISH_WORDS if re.search(rf"(?<!\w){re.escape(word)}(?!\w)", shown)]
    assert not leaks, (page.url, leaks)


async def test_welsh_switches_every_string_of_report_missed_bin(client: httpx.AsyncClient, resident: Resident) -> None:
    definition = service("report-missed-bin").document
    cy = definition["translations"]["cy"]
    start = await resident.open(f"{BIN}?lang=cy")
    assert start.status == 200
    assert_welsh(start, definition)
    assert start.heading == cy["title"]
    assert text_of(start.form().find("button")) == "Dechrau nawr"
    address = await resident.submit(start)
    assert step_of(address.url) == "address"
    assert_welsh(address, definition)  # the language is remembered without ?lang
    assert address.heading == cy["pages.address.title"]
    for key in ("line1", "town", "postcode"):
        address.label_for(cy[f"fields.address.{key}.label"])
    address.label_for(cy["fields.address.line2.label"] + " (dewisol)")
    assert text_of(address.form().find("button")) == "Parhau"
    assert text_of(address.soup.select_one(".govuk-back-link")) == "Yn ôl"

    failed = await resident.submit(address)
    assert failed.status == 422
    assert_welsh(failed, definition)
    assert failed.title.startswith("Gwall:")
    assert text_of(failed.soup.select_one(".govuk-error-summary__title")) == "Mae problem wedi codi"
    assert [message for message, _ in failed.error_summary()] == [
        cy["fields.address.line1.errors.required"], cy["fields.address.town.errors.required"],
        cy["fields.address.postcode.errors.required"],
    ]
    failed.fill(cy["fields.address.line1.label"], "Tŷ Ŵyn")
    failed.fill(cy["fields.address.town.label"], "Llanfair-ym-Muallt")
    failed.fill(cy["fields.address.postcode.label"], "ZZ1 1ZZ")
    postcode = await resident.submit(failed)
    assert [message for message, _ in postcode.error_summary()] == [cy["fields.address.postcode.errors.format"]]
    postcode.fill(cy["fields.address.postcode.label"], "ld1 5lg")
    bins = await resident.submit(postcode)
    assert_welsh(bins, definition)
    assert bins.heading == cy["fields.binTypes.label"]
    bins.choose(cy["fields.binTypes.label"], cy["options.binTypes.food"], cy["options.binTypes.garden"])
    bin_out = await resident.submit(bins)
    assert_welsh(bin_out, definition)
    bin_out.choose(cy["fields.binOut.label"], "Na")
    not_out = await resident.submit(bin_out)
    assert_welsh(not_out, definition)
    assert not_out.heading == cy["pages.bin-not-out.title"]
    due = await resident.submit(not_out)
    assert_welsh(due, definition)
    future = datetime.date.today() + datetime.timedelta(days=3)
    due.fill_date(cy["fields.dueDate.label"], str(future.day), str(future.month), str(future.year))
    too_late = await resident.submit(due)
    assert [message for message, _ in too_late.error_summary()] == [cy["fields.dueDate.errors.formatMaximum"]]
    too_late.fill_date(cy["fields.dueDate.label"], "3", "Mawrth", "2025")  # a month by its Welsh name
    details = await resident.submit(too_late)
    assert_welsh(details, definition)
    contact = await resident.submit(details)
    assert_welsh(contact, definition)
    contact.fill(cy["fields.name.label"], "Siân ap Rhys")
    contact.fill(cy["fields.email.label"], "nid-ebost")
    bad_email = await resident.submit(contact)
    assert [message for message, _ in bad_email.error_summary()] == [cy["fields.email.errors.format"]]
    bad_email.fill(cy["fields.email.label"], "sian@example.com")
    check = await resident.submit(bad_email)
    assert step_of(check.url) == "check-answers"
    assert_welsh(check, definition)
    assert check.heading == "Gwiriwch eich atebion cyn anfon eich cais"
    shown = text_of(check.soup.find("main"))
    for expected in ("Tŷ Ŵyn", cy["options.binTypes.food"], cy["options.binTypes.garden"], "3 Mawrth 2025",
                     "Heb ei ddarparu", "Newid"):
        assert expected in shown, expected
    confirmation = await resident.submit(check)
    assert_welsh(confirmation, definition)
    assert cy["confirmation.title"] in text_of(confirmation.soup.select_one(".govuk-panel"))
    [submission] = await store.Submission.all()
    assert submission.language == "cy"
    assert submission.answers["address"] == {"line1": "Tŷ Ŵyn", "town": "Llanfair-ym-Muallt", "postcode": "LD1 5LG"}
    assert submission.answers["dueDate"] == "2025-03-03"


async def test_english_comes_back_with_lang_en(resident: Resident) -> None:
    welsh = await resident.open(f"{BIN}?lang=cy")
    assert welsh.soup.html["lang"] == "cy"
    switch = welsh.soup.find("a", hreflang="en")
    assert switch is not None and switch["href"] == "?lang=en"
    english = await resident.open(f"{BIN}?lang=en")
    assert english.soup.html["lang"] == "en"
    assert english.heading == service("report-missed-bin").document["title"]
    unknown = await resident.open(f"{BIN}?lang=fr")
    assert unknown.soup.html["lang"] == "en"


# ---------------------------------------------------------------------------------------
# Changing answers
# ---------------------------------------------------------------------------------------

def change_link(check: Page, label: str) -> str:
    for row in check.soup.select(".govuk-summary-list__row"):
        key = row.select_one(".govuk-summary-list__key")
        if key is not None and text_of(key) == label:
            link = row.select_one(".govuk-summary-list__actions a")
            assert link is not None, label
            return str(link["href"])
    raise AssertionError(f"no row {label!r} on check answers")


def rows(check: Page) -> dict[str, str]:
    return {
        text_of(row.select_one(".govuk-summary-list__key")): text_of(row.select_one(".govuk-summary-list__value"))
        for row in check.soup.select(".govuk-summary-list__row") if row.select_one(".govuk-summary-list__key")
    }


async def test_a_change_link_returns_to_check_answers(resident: Resident) -> None:
    check = await answer_until(resident, "report-missed-bin", "check-answers", {"bin-out": "Yes"})
    href = change_link(check, "Full name")
    assert href == f"{BIN}/contact?return=check#name"
    contact = await resident.open(href)
    assert contact.soup.select_one(".govuk-back-link")["href"] == f"{BIN}/check-answers"
    assert contact.soup.find("input", attrs={"name": "name"})["value"] == "Example answer for the council"
    contact.fill("Full name", "Gwenllian Ŷ Jones")
    back = await resident.submit(contact)
    assert step_of(back.url) == "check-answers"
    assert rows(back)["Full name"] == "Gwenllian Ŷ Jones"
    # A change that leaves the answer invalid keeps the resident on the page, still on the way back.
    again = await resident.open(change_link(back, "Email address"))
    again.fill("Email address", "nope")
    failed = await resident.submit(again)
    assert failed.status == 422 and failed.form().get("action", "").endswith("?return=check")
    failed.fill("Email address", "gwen@example.com")
    done = await resident.submit(failed)
    assert step_of(done.url) == "check-answers" and rows(done)["Email address"] == "gwen@example.com"


async def test_a_change_that_opens_a_new_branch_asks_the_follow_up_first(resident: Resident, client: httpx.AsyncClient) -> None:
    check = await answer_until(resident, "report-missed-bin", "check-answers", {"bin-out": "Yes"})
    href = change_link(check, "Was your bin out by 7am on your collection day?")
    assert href.startswith(f"{BIN}/bin-out?return=check")
    bin_out = await resident.open(href)
    bin_out.choose("Was your bin out by 7am on your collection day?", "No")
    follow_up = await resident.submit(bin_out)
    assert step_of(follow_up.url) == "bin-not-out", follow_up.url  # the new branch first
    assert follow_up.heading == "We may not be able to come back"
    back = await resident.submit(follow_up)
    assert step_of(back.url) == "check-answers", back.url  # then straight back
    assert rows(back)["Was your bin out by 7am on your collection day?"] == "No"
    [journey] = await journeys()
    assert "bin-not-out" in journey["visited"]


async def test_answers_to_pages_that_no_longer_apply_are_not_sent(resident: Resident) -> None:
    check = await answer_until(resident, "report-fly-tipping", "check-answers", {"saw-who": "Yes", "give-contact": "Yes"})
    before = rows(check)
    for key in ("Describe the person or people who dumped it", "Registration number", "Make, model and colour"):
        assert key in before, before
    saw_who = await resident.open(change_link(check, "Did you see who dumped it?"))
    saw_who.choose("Did you see who dumped it?", "No")
    after = await resident.submit(saw_who)
    assert step_of(after.url) == "check-answers"
    shown = rows(after)
    assert shown["Did you see who dumped it?"] == "No"
    for key in ("Describe the person or people who dumped it", "Registration number", "Make, model and colour"):
        assert key not in shown, shown
    [journey] = await journeys()
    assert "personDescription" in journey["answers"]  # kept while in progress, in case they change back
    await resident.submit(after)
    [submission] = await store.Submission.all()
    for dropped in ("personDescription", "vehicleRegistration", "vehicleDescription"):
        assert dropped not in submission.answers
    assert submission.answers["sawWho"] is False
    assert submission.answers["name"] == "Example answer for the council"


async def test_a_revealed_answer_is_dropped_when_its_option_is_unticked(resident: Resident) -> None:
    question = "Where on the road is the pothole?"
    position = await answer_until(resident, "report-pothole", "position")
    position.choose(question, "Somewhere else")
    position.fill("Describe where it is", "On the bridge")
    size = await resident.submit(position)
    assert step_of(size.url) == "size"
    [journey] = await journeys()
    assert journey["answers"]["positionOther"] == "On the bridge"
    position = await resident.open("/demo/report-pothole/position")
    assert position.soup.find("input", attrs={"name": "positionOther"})["value"] == "On the bridge"
    position.choose(question, "In the road, where vehicles drive")
    assert position.form_data()["positionOther"] == ["On the bridge"]  # the hidden box is still sent
    await resident.submit(position)
    [journey] = await journeys()
    assert journey["answers"]["position"] == "road"
    assert "positionOther" not in journey["answers"]


# ---------------------------------------------------------------------------------------
# Back links
# ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(("bin_out", "expected"), [
    ("Yes", {"address": BIN, "bins": "address", "bin-out": "bins", "due-date": "bin-out", "details": "due-date",
             "contact": "details", "check-answers": "contact"}),
    ("No", {"address": BIN, "bins": "address", "bin-out": "bins", "bin-not-out": "bin-out",
            "due-date": "bin-not-out", "details": "due-date", "contact": "details", "check-answers": "contact"}),
])
async def test_the_back_link_points_to_the_previous_page_that_applies(resident: Resident, bin_out: str,
                                                                       expected: dict[str, str]) -> None:
    compiled = service("report-missed-bin")
    page = await resident.start("demo", "report-missed-bin")
    seen = {}
    for _ in range(12):
        step = step_of(page.url)
        link = page.soup.select_one(".govuk-back-link")
        assert link is not None, page.url
        seen[step] = link["href"]
        if step == "check-answers":
            break
        definition = compiled.page(step)
        assert definition is not None
        if definition.kind == "question":
            for fld in definition.fields:
                answer(page, fld)
            if step == "bin-out":
                page.choose(definition.fields[0].label, bin_out)
        page = await resident.submit(page)
    assert seen == {step: target if target.startswith("/") else f"{BIN}/{target}" for step, target in expected.items()}
    # And from a page opened again later, the back link is the same.
    again = await resident.open(f"{BIN}/details")
    assert again.soup.select_one(".govuk-back-link")["href"] == f"{BIN}/due-date"


# ---------------------------------------------------------------------------------------
# Headers and cookies
# ---------------------------------------------------------------------------------------

def assert_secure_headers(response: httpx.Response) -> None:
    csp = response.headers.get("content-security-policy", "")
    directives = {part.strip().split(" ")[0]: part.strip() for part in csp.split(";") if part.strip()}
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp, csp
    assert directives.get("frame-ancestors") == "frame-ancestors 'none'", csp
    assert "default-src" in directives and "script-src" in directives, csp
    assert "*" not in directives["script-src"].split(), csp
    assert response.headers.get("x-content-type-options") == "nosniff"
    assert response.headers.get("referrer-policy") in ("same-origin", "no-referrer", "strict-origin-when-cross-origin")


async def test_security_headers_on_every_kind_of_response(client: httpx.AsyncClient, resident: Resident) -> None:
    bins = await on_bins(resident)
    token = bins.form_data()["csrf_token"]
    responses = [
        await client.get("/"), await client.get(BIN), await client.get(f"{BIN}/bins"), await client.get(f"{BIN}/bins.json"),
        await client.get(f"{BIN}/nope"), await client.get(f"{BIN}/nope.json"),
        await client.post(f"{BIN}/bins", data={"csrf_token": token}),  # 422
        await client.post(f"{BIN}/bins", data={"binTypes": ["food"]}),  # 403
        await client.post(f"{BIN}/bins", content=b"x" * (13 * 1024 * 1024),
                          headers={"content-type": "application/x-www-form-urlencoded"}),  # 413
        await client.get(f"{BIN}/due-date"),  # a redirect
    ]
    assert [r.status_code for r in responses] == [200, 200, 200, 200, 404, 404, 422, 403, 413, 303]
    for response in responses:
        assert_secure_headers(response)
    html = responses[2].text
    assert "<script>" not in html and " onclick=" not in html and " style=" not in html  # nothing inline to allow


def set_cookies(response: httpx.Response) -> dict[str, Any]:
    jar: dict[str, Any] = {}
    for header in response.headers.get_list("set-cookie"):
        cookie: SimpleCookie = SimpleCookie()
        cookie.load(header)
        for name, morsel in cookie.items():
            jar[name] = morsel
    return jar


async def test_cookies_are_httponly_samesite_lax_and_the_journey_cookie_is_only_a_signed_id(client: httpx.AsyncClient) -> None:
    start = await client.get(f"{BIN}?lang=cy")
    first = set_cookies(start)
    assert CSRF_COOKIE in first
    token = soup(start).find("input", attrs={"name": "csrf_token"})["value"]
    begun = await client.post(f"{BIN}/start", data={"csrf_token": token})
    assert begun.status_code == 303
    cookies = {**first, **set_cookies(begun)}
    assert JOURNEY_COOKIE in cookies and "borough_lang" in cookies
    for name, morsel in cookies.items():
        assert morsel["httponly"] is True, name
        assert morsel["samesite"].lower() == "lax", name
    assert cookies[JOURNEY_COOKIE]["path"] == BIN  # each service keeps its own
    [journey] = await journeys()
    value = cookies[JOURNEY_COOKIE].value
    payload, timestamp, _signature = value.split(".")
    decoded = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    assert decoded == str(journey["id"])  # the id, and nothing else
    assert len(value) < 120
    answered = await client.post(f"{BIN}/address", data={"csrf_token": token, **ADDRESS})
    assert answered.status_code == 303
    assert JOURNEY_COOKIE not in set_cookies(answered)  # answers live on the server, not in the cookie
    forged = base64.urlsafe_b64encode(json.dumps(str(journey["id"])).encode()).decode().rstrip("=")
    client.cookies.set(JOURNEY_COOKIE, f"{forged}.{timestamp}.AAAA", domain="127.0.0.1", path=BIN)
    refused = await client.get(f"{BIN}/bins")
    assert refused.status_code == 404


# ---------------------------------------------------------------------------------------
# Two workers
# ---------------------------------------------------------------------------------------

async def test_two_app_instances_share_a_journey(settings: Settings, app: Any, client: httpx.AsyncClient) -> None:
    second = assemble(settings, connect_database=False)
    assert second is not app
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=second), base_url=str(client.base_url)) as other:
        one = Resident(client)
        two = Resident(other)
        address = await one.start("demo", "report-missed-bin")
        address.values.update(ADDRESS)
        bins = await one.submit(address)
        assert step_of(bins.url) == "bins"
        other.cookies = client.cookies  # the same browser, routed to another worker
        on_two = await two.open(f"{BIN}/bins")
        assert on_two.status == 200 and step_of(on_two.url) == "bins"
        on_two.choose("Which bins were missed?", "General waste (black bin)")
        bin_out = await two.submit(on_two)  # the CSRF token from worker one's page works on worker two
        assert step_of(bin_out.url) == "bin-out"
        back_on_one = await one.open(f"{BIN}/bins")
        assert back_on_one.soup.find("input", attrs={"value": "general"}).has_attr("checked")
    [journey] = await journeys()
    assert journey["answers"]["binTypes"] == ["general"] and journey["visited"] == ["address", "bins"]


# ---------------------------------------------------------------------------------------
# Inline validation (htmx)
# ---------------------------------------------------------------------------------------

async def test_inline_validation_returns_the_field_with_its_error_and_saves_nothing(client: httpx.AsyncClient,
                                                                                     resident: Resident) -> None:
    contact = await answer_until(resident, "report-missed-bin", "contact")
    endpoint = f"{BIN}/contact/validate"
    assert contact.soup.find(attrs={"hx-post": endpoint}) is not None  # the page asks for it
    token = contact.form_data()["csrf_token"]
    before = await snapshot()
    form = {"csrf_token": token, "name": [""], "email": ["not-an-email"], "phone": ["12"], "field": ["email"]}
    response = await client.post(endpoint, data=form, headers={"HX-Request": "true"})
    assert response.status_code == 200
    fragment = soup(response)
    assert fragment.find("html") is None  # a fragment, not a page
    control = fragment.find("input", attrs={"name": "email"})
    assert control is not None and control["value"] == "not-an-email"
    error = fragment.select_one(".govuk-error-message")
    assert error is not None
    assert "Enter an email address in the correct format, like name@example.com" in text_of(error)
    assert "phone" not in response.text and "name=\"name\"" not in response.text  # only the field asked about
    phone = await client.post(endpoint, data={**form, "field": ["phone"]})
    assert "Enter a telephone number, like 01632 960 001 or 07700 900 982" in text_of(soup(phone).select_one(".govuk-error-message"))
    # Nothing typed yet is not an error while typing: the full submit says so.
    empty = await client.post(endpoint, data={**form, "field": ["name"]})
    assert empty.status_code == 200 and soup(empty).select_one(".govuk-error-message") is None
    fine = await client.post(endpoint, data={**form, "email": ["gwen@example.com"]})
    assert fine.status_code == 200 and soup(fine).select_one(".govuk-error-message") is None
    welsh = await client.post(f"{endpoint}?lang=cy", data=form)
    cy = service("report-missed-bin").document["translations"]["cy"]
    assert cy["fields.email.errors.format"] in text_of(soup(welsh).select_one(".govuk-error-message"))
    unknown = await client.post(endpoint, data={**form, "field": ["address.line1"]})
    assert unknown.status_code == 400
    no_token = await client.post(endpoint, data={"email": ["x"], "field": ["email"]})
    assert no_token.status_code == 403
    assert await snapshot() == before
