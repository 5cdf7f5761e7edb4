"""Issue 10: a Welsh resident reads the state of their application in Welsh — the status tag,
the history and the subject of the status emails — while staff keep the English label."""

from __future__ import annotations

from typing import Any

import httpx2 as httpx
from bs4 import BeautifulSoup
from resident import REFERENCE, Page, Resident, text_of
from walker import walk

from runtime import store
from runtime.store import workflow as workflows
from runtime.store.models import OutboxMessage
from runtime.store.workflow import Move

BIN = "report-missed-bin"


async def send_in_welsh(resident: Resident, service_id: str) -> str:
    """Start in Welsh (the application's language is the one it starts in), answer through the
    English labels the walker knows, and send from a Welsh check-your-answers page. Returns the
    reference."""
    welsh_start = await resident.open(f"/demo/{service_id}?lang=cy")
    assert welsh_start.soup.html["lang"] == "cy"
    switched: list[str] = []

    async def in_english(question: Page, _: Any) -> Page:
        if switched:
            return question
        switched.append(question.url)
        return await resident.open(question.url + "?lang=en")

    async def back_to_welsh(check_answers: Page) -> None:
        assert (await resident.open(check_answers.url + "?lang=cy")).soup.html["lang"] == "cy"

    confirmation = await walk(resident, service_id, at_question=in_english, at_check=back_to_welsh)
    assert confirmation.soup.html["lang"] == "cy"
    found = REFERENCE.search(text_of(confirmation.soup.select_one(".govuk-panel")))
    assert found is not None
    return found.group(0)


async def test_a_welsh_application_has_welsh_state_labels_on_its_page_and_in_its_emails(
        app: Any, resident: Resident, client: httpx.AsyncClient) -> None:
    reference = await send_in_welsh(resident, BIN)
    council = await store.get_council("demo")
    assert council is not None
    submission = await store.get_by_reference(council, reference)
    assert submission is not None and submission.language == "cy"
    caseworker = await store.staff.create_user("sam@demo.borough.test", "Sam Caseworker", None)
    await store.staff.grant(caseworker, council, ["caseworker"])
    await workflows.transition(council, submission.id, Move("SCHEDULE", actor=caseworker), app.state.links)

    link = app.state.links.status_path("demo", reference)
    page = BeautifulSoup((await client.get(link + "?lang=cy")).text, "html.parser")
    assert page.html["lang"] == "cy"
    assert text_of(page.select_one("main .govuk-tag")) == "Ymweliad arall wedi'i drefnu"
    history = [text_of(entry.find("h3")) for entry in page.select(".borough-timeline li")]
    assert history[:2] == ["Ymweliad arall wedi'i drefnu", "Adroddiad newydd"], history
    assert "Return visit booked" not in text_of(page.body) and "New report" not in text_of(page.body)

    subjects = [m.subject for m in await OutboxMessage.filter(subject__contains=reference).order_by("id")]
    assert subjects == [
        f"Rhoi gwybod am gasgliad bin a fethwyd: Adroddiad newydd ({reference})",
        f"Rhoi gwybod am gasgliad bin a fethwyd: Ymweliad arall wedi'i drefnu ({reference})",
    ]

    # Staff read the English label, whatever language the resident chose.
    english = (await client.get(link + ".json?lang=en")).json()
    assert english["status"]["label"] == "Return visit booked"
    moved = await store.get_by_reference(council, reference)
    assert moved is not None
    workflow, _ = await workflows.workflow_of(moved.service_version_id)
    assert workflow.state(moved.state).label == "Return visit booked"
