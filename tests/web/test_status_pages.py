"""A resident following an application after sending it (issue 6): the status page reached by
the signed link on the confirmation page, answering the council's request for more
information, finding the link again by reference and email address, and a printable copy
of the answers. Real shipped services are sent through the app first, as a resident would."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx2 as httpx
import pytest
from bs4 import BeautifulSoup
from resident import REFERENCE, Page, Resident, text_of
from walker import walk

from runtime import store
from runtime.core.ui_text import ui
from runtime.store import workflow as workflows
from runtime.store.models import OutboxMessage, SubmissionEvent, UploadedFile
from runtime.store.workflow import Move

PERMIT = "apply-parking-permit"  # paid for, asks for evidence
BIN = "report-missed-bin"  # free
EMAIL = "resident@example.com"  # what the walker answers
LINK_TEXT = re.compile("check the progress of your application")


async def send(resident: Resident, service_id: str) -> tuple[str, str]:
    """Send `service_id` through the app; the reference and the status link on the confirmation page."""
    confirmation = await walk(resident, service_id)
    reference = REFERENCE.search(text_of(confirmation.soup.select_one(".govuk-panel")))
    assert reference is not None
    link = confirmation.soup.find("a", string=LINK_TEXT)
    assert link is not None, "the confirmation page does not link to the status page"
    return reference.group(0), str(link["href"])


async def submission_of(reference: str) -> store.Submission:
    council = await store.get_council("demo")
    assert council is not None
    found = await store.get_by_reference(council, reference)
    assert found is not None
    return found


async def move(app: Any, reference: str, event: str, **options: Any) -> store.Submission:
    council = await store.get_council("demo")
    submission = await submission_of(reference)
    moved, _ = await workflows.transition(council, submission.id, Move(event, **options), app.state.links)
    return moved


def soup(response: httpx.Response) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


def main_text(response: httpx.Response) -> str:
    main = soup(response).find("main")
    assert main is not None
    return text_of(main)


async def caseworker(name: str = "Sam Caseworker") -> store.StaffUser:
    council = await store.get_council("demo")
    user = await store.staff.create_user(f"{name.split()[0].lower()}@demo.borough.test", name, None)
    await store.staff.grant(user, council, ["caseworker"])
    return user


# The status page --------------------------------------------------------------------------

async def test_the_signed_link_shows_the_status_what_happens_next_the_history_and_the_payment(
        resident: Resident, client: httpx.AsyncClient) -> None:
    reference, link = await send(resident, PERMIT)
    assert link.startswith(f"/demo/status/{reference}/")
    response = await client.get(link)
    assert response.status_code == 200
    page = soup(response)
    assert text_of(page.find("h1")) == "Your application"
    rows = {text_of(row.select_one(".govuk-summary-list__key")): row.select_one(".govuk-summary-list__value")
            for row in page.select(".govuk-summary-list__row")}
    assert text_of(rows["Reference number"]) == reference
    assert text_of(rows["Service"]) == "Apply for a resident parking permit"
    tag = rows["Status"].select_one("strong.govuk-tag")
    assert tag is not None and text_of(tag) == "New application"
    text = main_text(response)
    assert "We have received your application." in text
    submission = await submission_of(reference)
    assert submission.due_at is not None
    assert re.search(r"What happens next We aim to finish this step by \d{1,2} \w+ \d{4}\.", text), text
    # Paid with the sandbox: the amount, the date and the payment's own reference.
    attempts = await store.payments.attempts_for(submission)
    paid = [a for a in attempts if a.state == "succeeded"]
    assert len(paid) == 1
    assert "Payment" in text and f"Payment reference {paid[0].reference}" in text
    assert re.search(r"Amount paid £[\d,]+(\.\d\d)?", text)
    # The history: the application sent, then (once paid) received.
    timeline = [text_of(item.find("h3")) for item in page.select(".borough-timeline li")]
    assert timeline[0] == "New application"
    assert "Waiting for payment" in timeline
    # Contact details and the copy of the answers.
    assert "Contact the council" in text and f"Quote your reference number {reference}" in text
    answers = page.find("a", string="View or print a copy of your answers")
    assert answers is not None and answers["href"] == f"{link}/answers"


async def test_a_free_service_has_no_payment_and_the_status_email_carries_the_same_link(
        resident: Resident, client: httpx.AsyncClient) -> None:
    reference, link = await send(resident, BIN)
    response = await client.get(link)
    assert response.status_code == 200
    assert "Amount paid" not in main_text(response)
    emails = [m for m in await store.list_for_recipient(EMAIL) if reference in m.subject]
    assert emails, "no status email was queued"
    assert f"http://127.0.0.1:8000{link}" in emails[0].body_text


async def test_a_wrong_token_an_unknown_reference_and_another_councils_reference_get_the_same_404(
        app: Any, resident: Resident, client: httpx.AsyncClient) -> None:
    reference, link = await send(resident, BIN)
    token = link.rsplit("/", 1)[1]
    await store.create_council("other", "Other Borough Council")
    unknown = "ABCD-2345" if reference != "ABCD-2345" else "ABCD-2346"
    wrong = [
        f"/demo/status/{reference}/{token[:-2]}xx",  # a wrong token
        f"/demo/status/{reference}",  # none: the reference alone
        f"/demo/status/{unknown}/{app.state.links.status_token(unknown)}",  # signed, but no such application
        f"/other/status/{reference}/{token}",  # another council's
        f"/nowhere/status/{reference}/{token}",
        f"/demo/status/{reference.lower()}/{token}",  # not the reference the link was signed for
        f"/demo/status/{reference}/t%C3%B6ken",  # not ASCII
        f"/demo/status/{reference}/{token[:-2]}xx/answers",
        f"/demo/status/{reference}/{token[:-2]}xx/provide",
        f"/other/status/{reference}/{token}/answers",
    ]
    for url in wrong:
        response = await client.get(url)
        assert response.status_code == 404, url
        # The page echoes nothing but its own address (in its alternate link).
        assert reference not in main_text(response) and "resident@example.com" not in response.text, url
        assert text_of(soup(response).find("h1")) == "Page not found", url
        as_json = await client.get(url, headers={"accept": "application/json"})
        assert as_json.status_code == 404
        assert as_json.json()["error"]["code"] == "page_not_found"
        assert reference not in as_json.text
    forged = await client.post(f"/demo/status/{reference}/{token[:-2]}xx/provide", data={"csrf_token": "x"})
    assert forged.status_code == 404


async def test_staff_only_notes_and_staff_names_never_reach_the_resident(
        app: Any, resident: Resident, client: httpx.AsyncClient) -> None:
    reference, link = await send(resident, BIN)
    sam = await caseworker("Sam Secretname")
    await move(app, reference, "SCHEDULE", actor=sam, note="Resident is rude on the phone: staff only",
               visible_to_resident=False)
    await move(app, reference, "COLLECTED", actor=sam, note="Emptied on Tuesday morning.")
    response = await client.get(link)
    as_json = await client.get(link + ".json")
    for shown in (response.text, as_json.text):
        assert "Secretname" not in shown and "Sam" not in shown
        assert "staff only" not in shown and "rude" not in shown
        assert "Emptied on Tuesday morning." in shown
    timeline = as_json.json()["timeline"]
    assert timeline[0]["what"] == "Collected" and timeline[0]["by"] == "council"
    assert "Return visit booked" not in [entry["what"] for entry in timeline]  # its move was staff-only
    # Final: no "what happens next" date.
    assert as_json.json()["next"] is None
    assert "What happens next" not in main_text(response)


async def test_after_a_staff_move_the_page_shows_the_new_status(app: Any, resident: Resident,
                                                                client: httpx.AsyncClient) -> None:
    reference, link = await send(resident, BIN)
    await move(app, reference, "SCHEDULE", actor=await caseworker())
    response = await client.get(link)
    tag = soup(response).select_one("main .govuk-tag")
    assert tag is not None and text_of(tag) == "Return visit booked"
    assert "govuk-tag--yellow" in tag["class"]
    assert "A crew will come back to empty your bin." in main_text(response)
    await move(app, reference, "NOT_COLLECTED", actor=await caseworker("Kim Crew"), note="The bin was not out.")
    response = await client.get(link)
    assert text_of(soup(response).select_one("main .govuk-tag")) == "Not collected"
    assert "The bin was not out." in main_text(response)


async def test_welsh_and_the_json_twin(resident: Resident, client: httpx.AsyncClient) -> None:
    reference, link = await send(resident, PERMIT)
    welsh = await client.get(link + "?lang=cy")
    assert welsh.status_code == 200
    page = soup(welsh)
    assert page.find("html")["lang"] == "cy"
    assert text_of(page.find("h1")) == "Eich cais"
    assert "Beth sydd wedi digwydd" in main_text(welsh)
    assert "Cysylltu â'r cyngor" in main_text(welsh)
    english = await client.get(link + "?lang=en")
    assert text_of(soup(english).find("h1")) == "Your application"
    assert english.headers["link"] == f'<{link}.json>; rel="alternate"; type="application/json"'

    for response in (await client.get(link + ".json"), await client.get(link, headers={"accept": "application/json"})):
        assert response.status_code == 200
        data = response.json()
        assert data["reference"] == reference
        assert data["status"]["id"] == "received" and data["status"]["label"] == "New application"
        assert data["status"]["tag"] == "blue" and data["status"]["final"] is False
        assert data["next"]["due_at"]
        assert data["payments"] and data["payments"][0]["reference"].startswith(reference)
        assert [entry["by"] for entry in data["timeline"]][-1] == "resident"
        assert data["links"]["answers"] == f"{link}/answers"
        assert data["action"] is None
        assert "answers" not in data  # the answers are on their own page, behind the same link


async def test_the_printable_copy_of_the_answers(resident: Resident, client: httpx.AsyncClient) -> None:
    reference, link = await send(resident, BIN)
    response = await client.get(f"{link}/answers")
    assert response.status_code == 200
    page = soup(response)
    assert text_of(page.find("h1")) == "A copy of your answers"
    keys = [text_of(key) for key in page.select(".govuk-summary-list__key")]
    assert "Which bins were missed?" in keys and "Email address" in keys
    assert EMAIL in main_text(response) and reference in main_text(response)
    assert not page.find("a", string=re.compile("Change")), "a sent application cannot be changed from its copy"
    printing = page.find("a", string="Print this page")
    assert printing is not None and printing.has_attr("data-borough-print")
    assert not page.find("script", string=True), "no inline script: the CSP forbids it"
    data = (await client.get(f"{link}/answers.json")).json()
    rows = {row["key"]: row["value"] for section in data["sections"] for row in section["rows"]}
    assert rows["Email address"] == {"text": EMAIL}
    assert all(row["change"] is None for section in data["sections"] for row in section["rows"])
    welsh = await client.get(f"{link}/answers?lang=cy")
    assert text_of(soup(welsh).find("h1")) == "Copi o'ch atebion"


# Answering a request for more information ------------------------------------------------

async def ask_for_evidence(app: Any, reference: str, note: str = "Send a clearer proof of address, and check the registration.",
                           pages: tuple[str, ...] = ("registration", "proof-of-address"), visible: bool = True) -> None:
    sam = await caseworker()
    await move(app, reference, "START_CHECKS", actor=sam)
    await move(app, reference, "REQUEST_EVIDENCE", actor=sam, note=note, data={"pages": list(pages)},
               visible_to_resident=visible)


async def test_answering_a_request_for_information_merges_the_answers_and_moves_the_workflow(
        app: Any, resident: Resident, client: httpx.AsyncClient) -> None:
    reference, link = await send(resident, PERMIT)
    await ask_for_evidence(app, reference)
    before = await submission_of(reference)
    assert before.state == "awaitingEvidence" and before.request is not None

    status = await client.get(link)
    text = main_text(status)
    assert "You need to Send a clearer proof of address, and check the registration." in text
    button = soup(status).find("a", string=re.compile("Provide the information"))
    assert button is not None and "govuk-button" in button["class"]
    assert button["href"] == f"{link}/provide"

    provide = await resident.open(button["href"])
    assert provide.status == 200
    assert provide.heading == "Provide the information"
    form = provide.form()
    assert form.get("enctype") == "multipart/form-data"
    registration = provide.soup.find("input", attrs={"name": "registration"})
    assert registration is not None and registration["value"] == before.answers["registration"]
    assert "Uploaded: photo.png" in text_of(provide.soup.find("main"))

    provide.fill("What is the vehicle's registration number?", "CY12 ABC")
    provide.attach("Upload a proof of your address", "council-tax.pdf", b"%PDF-1.4 clearer", "application/pdf")
    done = await resident.submit(provide)
    assert done.status == 200
    assert done.url.endswith(f"{link}?sent=1")
    assert "We have received the information you sent." in text_of(done.soup.find("main"))
    assert text_of(done.soup.select_one("main .govuk-tag")) == "Checking evidence"
    assert "You need to" not in text_of(done.soup.find("main"))

    after = await submission_of(reference)
    assert after.state == "checking" and after.request is None
    assert after.answers["registration"] == "CY12 ABC"
    assert after.answers["proofOfAddress"] != before.answers["proofOfAddress"]
    new_file = await UploadedFile.get(id=after.answers["proofOfAddress"])
    assert new_file.filename == "council-tax.pdf" and new_file.journey_id == after.journey_id
    unchanged = {k: v for k, v in before.answers.items() if k not in ("registration", "proofOfAddress")}
    assert {k: v for k, v in after.answers.items() if k in unchanged} == unchanged
    answered = await SubmissionEvent.filter(submission_id=after.id).order_by("-id").first()
    assert answered is not None
    assert (answered.event, answered.actor_label, answered.from_state, answered.to_state) == (
        "EVIDENCE_RECEIVED", "resident", "awaitingEvidence", "checking")
    assert answered.data == {"pages": ["registration", "proof-of-address"]}
    entries = [text_of(item.find("h3")) for item in done.soup.select(".borough-timeline li")]
    assert entries[0] == "You sent the information the council asked for"

    # The request is answered: the page says so, and a second post changes nothing.
    again = await client.get(f"{link}/provide")
    assert again.status_code == 409
    assert text_of(soup(again).find("h1")) == "The council no longer needs this information"
    replay = await resident.submit(provide)
    assert replay.status == 409
    assert (await submission_of(reference)).version == after.version


async def test_a_bad_or_forged_answer_gets_errors_and_loses_nothing(
        app: Any, resident: Resident, client: httpx.AsyncClient) -> None:
    reference, link = await send(resident, PERMIT)
    await ask_for_evidence(app, reference)
    before = await submission_of(reference)

    provide = await resident.open(f"{link}/provide")
    provide.fill("What is the vehicle's registration number?", "")
    failed = await resident.submit(provide)
    assert failed.status == 422
    assert failed.title.startswith("Error: ")
    summary = failed.error_summary()
    assert ("Enter the vehicle's registration number", "#registration") in summary
    assert failed.soup.find(id="registration") is not None

    # Another application's file id in the hidden field is ignored: this one keeps its own.
    other_reference, _ = await send(Resident(resident.client), PERMIT)
    other = await submission_of(other_reference)
    provide = await resident.open(f"{link}/provide")
    forged = await resident.submit(provide, extra={"registration": ["AB12 CDE"],
                                                   "proofOfAddress": [str(other.answers["proofOfAddress"])]})
    assert forged.status == 200, forged.error_summary()
    after = await submission_of(reference)
    assert after.answers["proofOfAddress"] == before.answers["proofOfAddress"]
    assert after.answers["registration"] == "AB12 CDE" and after.state == "checking"

    # Empty and unreadable posts, and posts without the CSRF token, change nothing.
    await ask_for_evidence_again(app, reference)
    asked = await submission_of(reference)
    page = await resident.open(f"{link}/provide")
    token = page.soup.find("input", attrs={"name": "csrf_token"})["value"]
    for data, status in (({}, 400), ({"csrf_token": "forged"}, 403), ({"registration": "AB12 CDE"}, 403)):
        response = await client.post(f"{link}/provide", data=data)
        assert response.status_code == status
    empty = await client.post(f"{link}/provide", data={"csrf_token": token})
    assert empty.status_code == 422
    assert "Enter the vehicle's registration number" in main_text(empty)
    duplicate = await client.post(f"{link}/provide", data={"csrf_token": token, "registration": ["A1", "B2"]})
    assert duplicate.status_code == 400
    unreadable = await client.post(f"{link}/provide", content=b"\xff\xfe", headers={"content-type": "text/plain"})
    assert unreadable.status_code == 415
    still = await submission_of(reference)
    assert (still.version, still.state, still.answers, still.request) == (asked.version, "awaitingEvidence",
                                                                          asked.answers, asked.request)


async def test_a_file_uploaded_with_a_post_that_had_errors_is_kept(
        app: Any, resident: Resident, client: httpx.AsyncClient) -> None:
    reference, link = await send(resident, PERMIT)
    await ask_for_evidence(app, reference)
    before = await submission_of(reference)
    provide = await resident.open(f"{link}/provide")
    provide.fill("What is the vehicle's registration number?", "")
    provide.attach("Upload a proof of your address", "bank-statement.png", b"\x89PNG\r\n\x1a\n" + b"\x01" * 32, "image/png")
    failed = await resident.submit(provide)
    assert failed.status == 422
    assert "Uploaded: bank-statement.png" in text_of(failed.soup.find("main"))
    assert (await submission_of(reference)).answers == before.answers  # nothing saved yet
    failed.fill("What is the vehicle's registration number?", "AB12 CDE")
    done = await resident.submit(failed)
    assert done.status == 200, done.error_summary()
    after = await submission_of(reference)
    stored = await UploadedFile.get(id=after.answers["proofOfAddress"])
    assert stored.filename == "bank-statement.png"


async def ask_for_evidence_again(app: Any, reference: str) -> None:
    await move(app, reference, "REQUEST_EVIDENCE", actor=await caseworker("Pat Again"), note="One more time, please.",
               data={"pages": ["registration"]})


async def test_a_request_withdrawn_while_the_resident_answers_says_so_and_changes_nothing(
        app: Any, resident: Resident, client: httpx.AsyncClient) -> None:
    reference, link = await send(resident, PERMIT)
    await ask_for_evidence(app, reference)
    provide = await resident.open(f"{link}/provide")
    provide.fill("What is the vehicle's registration number?", "ZZ99 ZZZ")
    # Meanwhile the council moves on without the answer.
    await move(app, reference, "EVIDENCE_RECEIVED", actor=await caseworker("Lee Fast"))
    before = await submission_of(reference)
    late = await resident.submit(provide)
    assert late.status == 409
    assert late.heading == "The council no longer needs this information"
    assert late.soup.find("a", string="Go to your application")["href"] == link
    after = await submission_of(reference)
    assert after.answers == before.answers and after.version == before.version


async def test_a_staff_only_request_note_is_not_shown_but_the_request_is(
        app: Any, resident: Resident, client: httpx.AsyncClient) -> None:
    reference, link = await send(resident, PERMIT)
    await ask_for_evidence(app, reference, note="Looks forged to me: staff only", visible=False)
    response = await client.get(link)
    text = main_text(response)
    assert "forged" not in response.text
    assert "The council needs more information from you." in text
    provide = await client.get(f"{link}/provide")
    assert provide.status_code == 200 and "forged" not in provide.text


async def test_the_welsh_provide_page(app: Any, resident: Resident, client: httpx.AsyncClient) -> None:
    reference, link = await send(resident, PERMIT)
    await ask_for_evidence(app, reference, pages=("registration",))
    response = await client.get(f"{link}/provide?lang=cy")
    assert response.status_code == 200
    page = soup(response)
    assert text_of(page.find("h1")) == "Rhoi'r wybodaeth"
    assert page.find("button", string=re.compile("Anfon yr wybodaeth")) is not None
    assert page.find("form").get("enctype") is None  # no file asked for: a plain form


# Finding the link again ---------------------------------------------------------------------

SAME_ANSWER = "If the details match an application, we have emailed a link to it."


async def look_up(resident: Resident, reference: str, email: str) -> Page:
    form = await resident.open("/demo/status")
    assert form.status == 200
    form.fill("Reference number", reference)
    form.fill("Email address", email)
    return await resident.submit(form)


async def link_emails(reference: str) -> list[OutboxMessage]:
    return [m for m in await OutboxMessage.all().order_by("id") if m.idempotency_key.startswith("status-link:")
            and reference in m.subject]


async def test_looking_up_always_gives_the_same_answer_and_emails_only_a_match(
        resident: Resident, client: httpx.AsyncClient) -> None:
    reference, link = await send(resident, BIN)
    other = "ABCD-2345" if reference != "ABCD-2345" else "ABCD-2346"
    answers = []
    for ref, email in ((other, EMAIL), (reference, "someone.else@example.com"), (reference.lower().replace("-", " "), "Resident@Example.com")):
        page = await look_up(resident, ref, email)
        assert page.status == 200
        answers.append(text_of(page.soup.find("main")))
    assert answers[0] == answers[1] == answers[2]
    assert SAME_ANSWER in answers[0] and reference not in answers[0]
    emails = await link_emails(reference)
    assert len(emails) == 1
    assert emails[0].recipient == EMAIL
    assert emails[0].subject == f"Your application {reference}"
    assert f"http://127.0.0.1:8000{link}\n" in emails[0].body_text
    # Asked again soon after: still one email.
    await look_up(resident, reference, EMAIL)
    assert len(await link_emails(reference)) == 1
    # Never reachable by the reference alone.
    assert (await client.get(f"/demo/status/{reference}")).status_code == 404


async def test_the_lookup_form_checks_its_fields_and_its_csrf_token(resident: Resident, client: httpx.AsyncClient) -> None:
    page = await look_up(resident, "", "")
    assert page.status == 422
    assert page.error_summary() == [("Enter your reference number", "#reference"), ("Enter your email address", "#email")]
    page = await look_up(resident, "not a reference", "not an email")
    assert page.error_summary() == [
        ("Enter a reference number in the correct format, like ABCD-2345", "#reference"),
        ("Enter an email address in the correct format, like name@example.com", "#email"),
    ]
    forged = await client.post("/demo/status", data={"reference": "ABCD-2345", "email": EMAIL})
    assert forged.status_code == 403
    welsh = await client.get("/demo/status?lang=cy")
    assert text_of(soup(welsh).find("h1")) == "Gwirio sut mae eich cais yn dod yn ei flaen"
    assert (await client.get("/nowhere/status")).status_code == 404
    data = (await client.get("/demo/status.json")).json()
    assert data["values"] == {"reference": "", "email": ""}


async def test_too_many_lookups_for_one_email_address_send_nothing(resident: Resident, caplog: pytest.LogCaptureFixture) -> None:
    reference, _ = await send(resident, BIN)
    wrong = "ABCD-2345" if reference != "ABCD-2345" else "ABCD-2346"
    for _ in range(5):
        await look_up(resident, wrong, EMAIL)
    page = await look_up(resident, reference, EMAIL)  # the right details, over the limit
    assert page.status == 200 and SAME_ANSWER in text_of(page.soup.find("main"))
    assert await link_emails(reference) == []
    assert any("over the limit" in record.getMessage() for record in caplog.records)
    assert EMAIL not in caplog.text


async def test_too_many_lookups_from_one_address_send_nothing(resident: Resident) -> None:
    reference, _ = await send(resident, BIN)
    for number in range(20):
        await look_up(resident, reference, f"guess{number}@example.com")
    page = await look_up(resident, reference, EMAIL)
    assert SAME_ANSWER in text_of(page.soup.find("main"))
    assert await link_emails(reference) == []


async def test_the_json_twin_of_the_lookup_answer_is_the_same_whatever_the_details(
        resident: Resident, client: httpx.AsyncClient) -> None:
    reference, _ = await send(resident, BIN)
    form = await resident.open("/demo/status")
    token = form.soup.find("input", attrs={"name": "csrf_token"})["value"]
    bodies = []
    for ref in (reference, "ABCD-2345" if reference != "ABCD-2345" else "ABCD-2346"):
        response = await client.post("/demo/status", data={"csrf_token": token, "reference": ref, "email": EMAIL},
                                     headers={"accept": "application/json"})
        assert response.status_code == 200
        bodies.append(response.json())
    assert bodies[0] == bodies[1]
    assert bodies[0]["message"] == SAME_ANSWER
    assert json.dumps(bodies[0]).count(reference) == 0


def test_every_new_resident_string_is_in_english_and_welsh() -> None:
    from runtime.core.ui_text import TEXT

    assert set(TEXT["en"]) == set(TEXT["cy"])
    for key in ("status_title", "provide_title", "lookup_sent_body", "answers_title", "print_page"):
        assert ui("cy", key) != ui("en", key), key



class Stop(Exception):
    """Raised to leave a walk on the payment provider's page, without paying."""


async def test_an_application_waiting_for_payment_says_so_in_welsh_too(app: Any, resident: Resident,
                                                                      client: httpx.AsyncClient) -> None:
    async def leave_at_payment(check_answers: Page) -> None:
        paying = await resident.submit(check_answers)
        assert "/_sandbox/pay/" in paying.url
        raise Stop

    with pytest.raises(Stop):
        await walk(resident, PERMIT, at_check=leave_at_payment)
    council = await store.get_council("demo")
    [pending] = await store.recent(council, 1)
    assert pending.awaiting_payment
    link = app.state.links.status_path("demo", pending.reference)
    data = (await client.get(link + ".json")).json()
    assert data["status"]["label"] == "Waiting for payment" and data["payments"] == []
    welsh = await client.get(link + "?lang=cy")
    assert text_of(soup(welsh).select_one("main .govuk-tag")) == "Aros am daliad"
    assert "Rydym yn aros i'ch taliad gael ei gadarnhau." in main_text(welsh)


async def test_the_council_page_links_to_the_lookup(client: httpx.AsyncClient) -> None:
    page = soup(await client.get("/demo"))
    link = page.find("a", string="Check the progress of your application")
    assert link is not None and link["href"] == "/demo/status"
    assert (await client.get("/demo.json")).json()["links"]["status_lookup"] == "/demo/status"


def test_the_documented_lookup_limits_are_the_real_ones() -> None:
    from pathlib import Path

    from runtime.resident import status_lookup

    doc = (Path(__file__).resolve().parents[2] / "docs" / "status-pages.md").read_text(encoding="utf-8")
    assert f"per email address ({status_lookup.PER_EMAIL} an hour)" in doc
    assert f"per network address ({status_lookup.PER_ADDRESS} an hour)" in doc
    assert status_lookup.WINDOW.total_seconds() == 3600
    assert f"within the same {status_lookup.EMAIL_EVERY // 60} minutes" in doc


async def test_answer_request_changes_nothing_when_refused_and_only_once_when_raced(
        app: Any, resident: Resident) -> None:
    import asyncio

    from runtime.store.submissions import RequestClosed, answer_request

    reference, _ = await send(resident, PERMIT)
    await ask_for_evidence(app, reference)
    council = await store.get_council("demo")
    asked = await submission_of(reference)
    changed = {**asked.answers, "registration": "NEW 1"}
    with pytest.raises(RequestClosed):  # an event the state does not take: the answers roll back
        await answer_request(council, asked.id, version=asked.version, answers=changed, event="ISSUE",
                             pages=["registration"], links=app.state.links)
    assert (await submission_of(reference)).answers == asked.answers
    other = await store.create_council("other", "Other Borough Council")
    with pytest.raises(RequestClosed):  # another council's application
        await answer_request(other, asked.id, version=asked.version, answers=changed, event="EVIDENCE_RECEIVED",
                             pages=["registration"], links=app.state.links)
    results = await asyncio.gather(*(
        answer_request(council, asked.id, version=asked.version, answers={**asked.answers, "registration": f"RACE {n}"},
                       event="EVIDENCE_RECEIVED", pages=["registration"], links=app.state.links)
        for n in range(2)), return_exceptions=True)
    assert sorted(type(r).__name__ for r in results) == ["RequestClosed", "Submission"]
    after = await submission_of(reference)
    assert after.state == "checking" and after.version == asked.version + 1
    assert after.answers["registration"] in ("RACE 0", "RACE 1")
