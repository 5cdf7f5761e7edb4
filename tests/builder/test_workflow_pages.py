"""The workflow page over HTTP, JavaScript off: states in order with labels, residents' texts,
tag colours, notifications and targets; caseworkers' buttons between them with their checks;
problems shown at the state they concern; adding, changing and removing states and buttons
through the workflow operations, refusals said in place with what was typed kept; stale forms
refused with what changed; publishers only look."""

from __future__ import annotations

from typing import Any

import httpx2 as httpx
from designers import person, press, text_of

from runtime import store
from runtime.store import drafts

SERVICE = "report-missed-bin"
DRAFT = f"/staff/northshire/services/{SERVICE}"
WORKFLOW = DRAFT + "/workflow"


async def states(council: store.Council) -> dict[str, Any]:
    draft = await drafts.get_draft(council, SERVICE)
    assert draft is not None
    workflow: Any = draft.definition["workflow"]
    return dict(workflow["states"])


def card(page: Any, name: str) -> str:
    return text_of(page.soup.find(id=f"state-{name}"))


async def test_states_and_buttons_read_back_and_change_through_operations(
        app: Any, council: store.Council, browsers: list[httpx.AsyncClient]) -> None:
    designer = await person(app, browsers, "designer")
    overview = await designer.open(DRAFT)
    workflow = await designer.open(overview.soup.find("a", string="Workflow")["href"])
    titles = [text_of(h) for h in workflow.soup.select(".borough-builder-states .govuk-summary-card__title")]
    assert titles[0] == "New report (applications start here)" and "Collected (final)" in titles
    received = card(workflow, "received")
    assert "We have received your report." in received and "Yes, on entering it" in received
    assert "1 working day " in received + " " and "blue" in received
    assert "'Reject the report' leads to 'Not collected'. The caseworker must write a note" in received

    form = await designer.open(workflow.soup.find("a", string="Add a state")["href"])
    form.fill("What the resident is told", "We need a photo of your bin.")
    form.fill("Target", "400")
    refused = await designer.submit(form)
    assert refused.status == 422
    assert refused.error_summary() == [("Enter the name of the state", "#label"),  # as its label says
                                       ("Enter the target as a whole number of working days from 1 to 365", "#target_days")]
    assert refused.soup.find(id="resident_text").get_text() == "We need a photo of your bin."
    refused.fill("Name of the state", "Waiting for a photo")
    refused.fill("Target", "5")
    refused.values["tag"] = ["yellow"]
    refused.values["from_state"] = ["received"]
    refused.fill("The button's text", "Ask for a photo")
    saved = await designer.submit(refused)
    assert saved.url.endswith(WORKFLOW) and "Added state 'Waiting for a photo', reached from 'New report'" in text_of(saved.soup)
    now = await states(council)
    added = now["waitingForAPhoto"]
    assert added["meta"] == {"label": "Waiting for a photo", "residentText": "We need a photo of your bin.",
                             "tag": "yellow", "targetDays": 5}
    assert any(t["target"] == "waitingForAPhoto" for t in now["received"]["on"].values())
    # Its problems are shown where it is: it leads nowhere yet, and it has no Welsh.
    problems = card(saved, "waitingForAPhoto")
    assert "Welsh" in problems

    # A button from it back to the new state; then a stale page's button is refused.
    add = await designer.open(next(a["href"] for a in saved.soup.select("a")
                                   if text_of(a) == "Add a button to state Waiting for a photo"))
    empty = await designer.submit(add)
    # In the order the form asks them: the button's text, then where it leads.
    assert empty.status == 422 and [href for _, href in empty.error_summary()] == ["#description", "#target"]
    empty.fill("The button's text", "Photo received")
    empty.values["target"] = ["scheduled"]
    empty.choose("Check before it moves", "The caseworker must write a note")
    done = await designer.submit(empty)
    assert "Photo received" in card(done, "waitingForAPhoto")
    event = next(iter((await states(council))["waitingForAPhoto"]["on"].items()))
    assert event[1] == {"target": "scheduled", "description": "Photo received", "guard": "noteGiven"}

    # Removing a state something leads to is refused with what leads there; the draft is unchanged.
    before = await states(council)
    blocked = await press(designer, done, "Remove state Return visit booked")
    assert blocked.status == 422 and "cannot be removed while other states lead to it" in blocked.error_summary()[0][0]
    assert await states(council) == before

    removed = await press(designer, done, "Remove button Photo received from Waiting for a photo")
    assert removed.status == 200 and "on" not in (await states(council))["waitingForAPhoto"]
    stale = await press(designer, done, "Start applications here: state Return visit booked")  # the page before the removal
    assert stale.status == 409 and "your change was not saved" in stale.error_summary()[0][0]

    # Change an existing button: its text and its check.
    edit = await designer.open(next(a["href"] for a in removed.soup.select("a")
                                    if text_of(a) == "Change button Schedule a return visit of New report"))
    assert edit.soup.find(id="description")["value"] == "Schedule a return visit"
    edit.fill("The button's text", "Book a return visit")
    edit.choose("Check before it moves", "The caseworker must write a note")
    edited = await designer.submit(edit)
    assert "Changed event SCHEDULE of 'New report'" in text_of(edited.soup)
    assert (await states(council))["received"]["on"]["SCHEDULE"] == {
        "target": "scheduled", "description": "Book a return visit", "guard": "noteGiven"}

    # A timer: after 28 days waiting for a photo, the report is rejected; then removed again.
    timer = await designer.open(next(a["href"] for a in removed.soup.select("a")
                                     if text_of(a) == "Add a timer to state Waiting for a photo"))
    timer.fill("After how many days?", "0")
    refused = await designer.submit(timer)
    assert refused.status == 422 and [href for _, href in refused.error_summary()] == ["#days", "#target"]
    refused.fill("After how many days?", "28")
    refused.values["target"] = ["rejected"]
    timed = await designer.submit(refused)
    assert "After 28 days in 'Waiting for a photo', applications move to 'Not collected'" in text_of(timed.soup)
    assert (await states(council))["waitingForAPhoto"]["after"] == {"2419200000": {"target": "rejected"}}
    assert "After 28 days, moves to 'Not collected'" in card(timed, "waitingForAPhoto")
    untimed = await press(designer, timed, "Remove the 28-day timer from Waiting for a photo")
    assert untimed.status == 200 and "after" not in (await states(council))["waitingForAPhoto"]

    # Change the state: red, final, no email.
    change = await designer.open(next(a["href"] for a in untimed.soup.select("a")
                                      if text_of(a) == "Change state Waiting for a photo"))
    assert change.soup.find(id="label")["value"] == "Waiting for a photo"
    change.values["tag"] = ["red"]
    change.choose("Is it final?", "Yes")
    changed = await designer.submit(change)
    assert changed.status == 200 and "Waiting for a photo (final)" in text_of(changed.soup)
    final = (await states(council))["waitingForAPhoto"]
    assert final["type"] == "final" and final["meta"]["tag"] == "red"


async def test_roles_and_unknown_states(app: Any, council: store.Council, browsers: list[httpx.AsyncClient]) -> None:
    publisher = await person(app, browsers, "publisher")
    page = await publisher.open(WORKFLOW)
    assert page.status == 200 and not page.soup.find("a", string="Add a state")
    assert (await publisher.client.get(WORKFLOW + "/received")).status_code == 403
    assert (await publisher.client.post(WORKFLOW + "/scheduled/remove", data={"version": "1"})).status_code == 403
    designer = await person(app, browsers, "designer")
    assert (await designer.client.get(WORKFLOW + "/nowhere")).status_code == 404
    form = await designer.open(WORKFLOW + "/received")
    token = form.soup.find("input", attrs={"name": "csrf_token"})["value"]
    missing = await designer.client.post(WORKFLOW + "/received/events/NOPE/remove", data={"version": "1", "csrf_token": token})
    assert missing.status_code == 404
    forged = await designer.client.post(WORKFLOW + "/received/events/SCHEDULE/remove", data={"version": "1", "csrf_token": "x"})
    assert forged.status_code == 403 and "SCHEDULE" in (await states(council))["received"]["on"]
