"""Inline edits over HTTP: the builder's own forms posted as htmx posts them (`HX-Request: true`)
are answered with the fragment they changed, carrying the draft's new version, with what was
said and the new version (`HX-Trigger`) beside it; a refused one with its errors and what was
typed; a stale one is refused as a page's would be. The same forms posted without htmx still
redirect. A page's form shows the page as residents will see it, fetched again by htmx. On the
draft's page Undo and Redo are inline edits too, and deleting a page is asked beside the pages
(refused, asked again with why)."""

from __future__ import annotations

import json
from typing import Any

import httpx2 as httpx
from bs4 import BeautifulSoup, Tag
from designers import Page, person, text_of

from runtime import store
from runtime.store import drafts

SERVICE = "pay-council-tax"
DRAFT = f"/staff/northshire/services/{SERVICE}"
ACCOUNT = f"{DRAFT}/pages/account"
HTMX = {"HX-Request": "true"}


async def stored(council: store.Council) -> store.ServiceDraft:
    draft = await drafts.get_draft(council, SERVICE)
    assert draft is not None
    return draft


def form_of(page: Page | BeautifulSoup, button: str) -> tuple[str, dict[str, str]]:
    """The action of the form whose button is called `button`, and its fields as shown."""
    soup = page.soup if isinstance(page, Page) else page
    for form in soup.find_all("form"):
        for found in form.find_all("button"):
            if button in (text_of(found), found.get("aria-label")):
                data = {field["name"]: field.get("value", "") for field in form.find_all("input")
                        if field.get("name") and field.get("type") not in ("radio", "checkbox")}
                data |= {area["name"]: area.get_text() for area in form.find_all("textarea")}
                return str(form["action"]), data
    raise AssertionError(f"no button {button!r}")


def fragment_of(response: httpx.Response) -> BeautifulSoup:
    assert "<html" not in response.text and "<main" not in response.text, "a whole page, not a fragment"
    return BeautifulSoup(response.text, "html.parser")


def versions(soup: BeautifulSoup | Tag) -> set[str]:
    return {str(field["value"]) for field in soup.select('input[name="version"]')}


def saved_event(response: httpx.Response) -> Any:
    return json.loads(response.headers["hx-trigger"])["boroughDraftSaved"]


def questions_in(soup: BeautifulSoup | Tag) -> list[str]:
    return [text_of(key) for key in soup.select(".borough-builder-questions .govuk-summary-list__key")]


async def test_htmx_posts_get_the_changed_fragment_and_the_preview_follows(
        app: Any, council: store.Council, browsers: list[httpx.AsyncClient]) -> None:
    designer = await person(app, browsers, "designer")
    before = await stored(council)
    page = await designer.open(ACCOUNT)
    labels = ["Council tax account number", "Name on the bill", "Postcode of the property"]
    assert questions_in(page.soup) == labels
    # The page as residents will see it, beside its form: the resident app's own fields.
    preview = page.soup.find(id="page-preview")
    assert preview is not None and preview["hx-trigger"] == "boroughDraftSaved from:body"
    assert text_of(preview.find("h3")) == "Your council tax account"
    assert preview.find(id="preview-accountNumber")["name"] == "preview-accountNumber"
    assert page.soup.find(id="accountNumber") is None  # nothing of it clashes with the page's own ids

    # Moving a question: the questions come back in their new order, at the new version.
    action, data = form_of(page, "Move down question Council tax account number")
    moved = await designer.client.post(action, data=data, headers=HTMX)
    assert moved.status_code == 200 and moved.headers["vary"] == "HX-Request"
    swapped = fragment_of(moved)
    part = swapped.find(id="page-questions")
    assert part is not None and questions_in(part) == [labels[1], labels[0], labels[2]]
    after = await stored(council)
    assert [f["label"] for f in after.definition["pages"][0]["fields"]] == [labels[1], labels[0], labels[2]]
    assert after.version == before.version + 1 and versions(part) == {str(after.version)}
    assert saved_event(moved) == {"version": after.version}
    focused = part.select("[data-borough-focus]")
    assert [button["aria-label"] for button in focused] == ["Move down question Council tax account number"]
    said = swapped.find(attrs={"hx-swap-oob": "innerHTML:#builder-status"})
    assert "Moved question 'Council tax account number' down" in text_of(said)
    assert text_of(swapped.find(attrs={"hx-swap-oob": "innerHTML:#builder-errors"})) == ""

    # The heading and text, saved from a form whose version the move left behind (the page's
    # script gives it the new one, as here): the form again, the page's heading out of band.
    action, data = form_of(page, "Save page")
    data |= {"title": "Your account", "version": str(after.version)}
    titled = await designer.client.post(action, data=data, headers=HTMX)
    swapped = fragment_of(titled)
    assert titled.status_code == 200 and swapped.find(id="page-text").find(id="title")["value"] == "Your account"
    assert text_of(swapped.find(id="page-heading").find("h1")) == "Your account"
    assert swapped.find(id="page-heading")["hx-swap-oob"] == "true"
    assert text_of(swapped.find("title")).startswith("Your account")
    after = await stored(council)
    assert after.definition["pages"][0]["title"] == "Your account" and saved_event(titled) == {"version": after.version}
    assert versions(swapped) == {str(after.version)}

    # The preview, fetched again by htmx, shows the change; without htmx it is the page's form.
    refreshed = await designer.client.get(f"{ACCOUNT}/preview", headers=HTMX)
    assert refreshed.status_code == 200 and text_of(fragment_of(refreshed).find("h3")) == "Your account"
    plain = await designer.client.get(f"{ACCOUNT}/preview")
    assert plain.status_code == 303 and plain.headers["location"] == ACCOUNT

    # An empty title is refused (a page of three questions needs one): the form with its error
    # and what was typed, the error summary beside it, nothing saved and no event.
    data |= {"title": "", "content": "Words the designer typed", "version": str(after.version)}
    refused = await designer.client.post(action, data=data, headers=HTMX)
    assert refused.status_code == 422 and "hx-trigger" not in refused.headers
    swapped = fragment_of(refused)
    form = swapped.find(id="page-text")
    assert "This page needs a title" in text_of(form.find(class_="govuk-error-message"))
    assert form.find(id="content").get_text() == "Words the designer typed"
    errors = swapped.find(attrs={"hx-swap-oob": "innerHTML:#builder-errors"})
    assert [a["href"] for a in errors.select(".govuk-error-summary a")] == ["#title"]
    assert text_of(swapped.find("title")).startswith("Error: ")
    assert (await stored(council)).version == after.version

    # Without htmx the same form redirects to the page, which says what changed.
    data |= {"title": "Your council tax account", "content": after.definition["pages"][0]["content"]}
    plain_post = await designer.client.post(action, data=data)
    assert plain_post.status_code == 303 and plain_post.headers["location"] == ACCOUNT
    assert (await stored(council)).definition["pages"][0]["title"] == "Your council tax account"


async def test_a_stale_version_is_refused_on_an_htmx_post_as_on_a_page(
        app: Any, council: store.Council, browsers: list[httpx.AsyncClient]) -> None:
    designer, admin = await person(app, browsers, "designer"), await person(app, browsers, "admin")
    page = await designer.open(ACCOUNT)
    overview = await designer.open(DRAFT)
    # Someone else moves a question meanwhile, without JavaScript: a redirect, as ever.
    action, data = form_of(await admin.open(ACCOUNT), "Move down question Name on the bill")
    elsewhere = await admin.client.post(action, data=data)
    assert elsewhere.status_code == 303 and elsewhere.headers["location"] == ACCOUNT
    current = await stored(council)

    action, data = form_of(page, "Move down question Council tax account number")
    stale = await designer.client.post(action, data=data, headers=HTMX)
    assert stale.status_code == 409 and "hx-trigger" not in stale.headers
    swapped = fragment_of(stale)
    summary = swapped.find(attrs={"hx-swap-oob": "innerHTML:#builder-errors"})
    assert "Someone changed this draft while you were working on it" in text_of(summary)
    assert "Moved question 'Name on the bill' down" in text_of(summary)
    part = swapped.find(id="page-questions")  # the questions as they are now, to try again from
    assert questions_in(part)[1:] == ["Postcode of the property", "Name on the bill"]
    assert versions(part) == {str(current.version)}
    assert (await stored(council)).version == current.version

    # The draft's pages refuse a stale move the same way.
    action, data = form_of(overview, "Move down page Your council tax account")
    stale = await designer.client.post(action, data=data, headers=HTMX)
    assert stale.status_code == 409 and fragment_of(stale).find(id="draft-pages") is not None
    assert (await stored(council)).version == current.version


async def test_htmx_moves_and_duplicates_pages_on_the_draft(
        app: Any, council: store.Council, browsers: list[httpx.AsyncClient]) -> None:
    designer = await person(app, browsers, "designer")
    overview = await designer.open(DRAFT)
    action, data = form_of(overview, "Move down page Your council tax account")
    moved = await designer.client.post(action, data=data, headers=HTMX)
    assert moved.status_code == 200
    swapped = fragment_of(moved)
    titles = [text_of(title) for title in swapped.select("#draft-pages .govuk-summary-card__title")]
    assert titles == ["1. How much do you want to pay?", "2. Your council tax account",
                      "3. What email address should we send your receipt to?"]
    after = await stored(council)
    assert [p["id"] for p in after.definition["pages"]] == ["amount", "account", "email"]
    # Undo now offers the move, and every form that came carries the new version.
    undo = swapped.find(id="draft-undo")
    assert undo["hx-swap-oob"] == "true" and "Undo: Moved page 'Your council tax account' down" in text_of(undo)
    assert versions(swapped) == {str(after.version)} and saved_event(moved) == {"version": after.version}
    assert [b["aria-label"] for b in swapped.select("[data-borough-focus]")] == [
        "Move down page Your council tax account"]

    action, data = form_of(swapped, "Duplicate page Your council tax account")
    copied = await designer.client.post(action, data=data, headers=HTMX)
    assert copied.status_code == 200 and len(fragment_of(copied).select("#draft-pages li.govuk-summary-card")) == 4
    assert len((await stored(council)).definition["pages"]) == 4


async def test_htmx_asks_before_deleting_a_question_beside_the_questions(
        app: Any, council: store.Council, browsers: list[httpx.AsyncClient]) -> None:
    designer = await person(app, browsers, "designer")
    before = await stored(council)
    page = await designer.open(ACCOUNT)
    delete = next(a for a in page.soup.select(".borough-builder-questions a")
                  if text_of(a) == "Delete question Name on the bill")
    assert delete["hx-get"] == delete["href"]  # the confirmation page without htmx, asked in place with it

    asked = await designer.client.get(delete["href"], headers=HTMX)
    assert asked.status_code == 200 and "hx-trigger" not in asked.headers
    part = fragment_of(asked).find(id="page-questions")
    heading = part.find(id="delete-question-heading")
    assert text_of(heading) == "Delete the question 'Name on the bill'?" and heading.has_attr("data-borough-focus")
    action, data = form_of(part, "Delete question")
    assert (await stored(council)).version == before.version  # asking changes nothing

    deleted = await designer.client.post(action, data=data, headers=HTMX)
    assert deleted.status_code == 200
    swapped = fragment_of(deleted)
    part = swapped.find(id="page-questions")
    assert questions_in(part) == ["Council tax account number", "Postcode of the property"]
    assert part.find(id="delete-question-heading") is None and part.find(id="questions").has_attr("data-borough-focus")
    assert "Deleted question 'Name on the bill'" in text_of(swapped.find(attrs={"hx-swap-oob": "innerHTML:#builder-status"}))
    after = await stored(council)
    assert [f["label"] for f in after.definition["pages"][0]["fields"]] == questions_in(part)
    assert saved_event(deleted) == {"version": after.version} and versions(part) == {str(after.version)}

    # The only question of a page cannot go: asked again, with why, the error summary linking to it.
    amount = await designer.open(f"{DRAFT}/pages/amount")
    delete = next(a for a in amount.soup.select(".borough-builder-questions a") if text_of(a).startswith("Delete"))
    action, data = form_of(fragment_of(await designer.client.get(delete["href"], headers=HTMX)), "Delete question")
    refused = await designer.client.post(action, data=data, headers=HTMX)
    assert refused.status_code == 422 and "hx-trigger" not in refused.headers
    swapped = fragment_of(refused)
    assert "delete the page instead" in text_of(swapped.find(id="delete-error"))
    assert swapped.find(id="delete") is not None
    errors = swapped.find(attrs={"hx-swap-oob": "innerHTML:#builder-errors"})
    assert [a["href"] for a in errors.select(".govuk-error-summary a")] == ["#delete"]
    assert (await stored(council)).version == after.version


async def test_htmx_changes_a_questions_wording_beside_the_questions(
        app: Any, council: store.Council, browsers: list[httpx.AsyncClient]) -> None:
    designer = await person(app, browsers, "designer")
    page = await designer.open(ACCOUNT)
    change = next(a for a in page.soup.select(".borough-builder-questions a")
                  if text_of(a) == "Change wording of question Name on the bill")
    assert change["hx-get"] == change["href"]
    own = await designer.open(change["href"])  # without htmx, a small page of its own
    assert own.heading == "Change the wording of 'Name on the bill'" and own.soup.find(id="label")["value"] == "Name on the bill"

    asked = await designer.client.get(change["href"], headers=HTMX)
    part = fragment_of(asked).find(id="page-questions")
    assert asked.status_code == 200 and part.find(id="label").has_attr("data-borough-focus")
    action, data = form_of(part, "Save wording")
    before = await stored(council)

    data |= {"label": "", "hint": "As printed on the bill"}
    refused = await designer.client.post(action, data=data, headers=HTMX)
    assert refused.status_code == 422 and "hx-trigger" not in refused.headers
    swapped = fragment_of(refused)
    assert "Enter the question" in text_of(swapped.find(id="label-error"))
    assert swapped.find(id="hint").get_text() == "As printed on the bill"
    errors = swapped.find(attrs={"hx-swap-oob": "innerHTML:#builder-errors"})
    assert [a["href"] for a in errors.select(".govuk-error-summary a")] == ["#label"]
    assert (await stored(council)).version == before.version

    data |= {"label": "Full name on the bill"}
    saved = await designer.client.post(action, data=data, headers=HTMX)
    assert saved.status_code == 200
    part = fragment_of(saved).find(id="page-questions")
    assert questions_in(part) == ["Council tax account number", "Full name on the bill", "Postcode of the property"]
    assert [text_of(a) for a in part.select("[data-borough-focus]")] == ["Change wording of question Full name on the bill"]
    after = await stored(council)
    field = after.definition["pages"][0]["fields"][1]
    assert (field["label"], field["hint"]) == ("Full name on the bill", "As printed on the bill")
    assert saved_event(saved) == {"version": after.version} and versions(part) == {str(after.version)}

    # Without htmx the same form redirects to the page.
    data |= {"label": "Name on the bill", "version": str(after.version)}
    plain = await designer.client.post(action, data=data)
    assert plain.status_code == 303 and plain.headers["location"] == ACCOUNT
    assert (await stored(council)).definition["pages"][0]["fields"][1]["label"] == "Name on the bill"


def pages_in(soup: BeautifulSoup | Tag) -> list[str]:
    return [text_of(title) for title in soup.select("#draft-pages .govuk-summary-card__title")]


def said_in(soup: BeautifulSoup) -> str:
    return text_of(soup.find(attrs={"hx-swap-oob": "innerHTML:#builder-status"}))


def focused_in(soup: BeautifulSoup | Tag) -> list[str]:
    return [text_of(marked) for marked in soup.select("[data-borough-focus]")]


async def test_htmx_undoes_and_redoes_on_the_draft(
        app: Any, council: store.Council, browsers: list[httpx.AsyncClient]) -> None:
    designer = await person(app, browsers, "designer")
    overview = await designer.open(DRAFT)
    assert overview.soup.find(id="draft-undo").find("form") is None  # nothing to undo yet
    action, data = form_of(overview, "Move down page Your council tax account")
    moved = fragment_of(await designer.client.post(action, data=data, headers=HTMX))
    action, data = form_of(moved, "Duplicate page How much do you want to pay?")
    duplicated = fragment_of(await designer.client.post(action, data=data, headers=HTMX))
    before = await stored(council)
    assert len(before.definition["pages"]) == 4

    # Undo is posted like the other inline edits: the pages come back as they were, and out of
    # band Undo and Redo, the summary and the heading; the focus stays on Undo (more to undo).
    undo_form = duplicated.find(id="draft-undo").find("form")
    assert undo_form["hx-post"] == undo_form["action"] and undo_form["hx-target"] == "#draft-pages"
    action, data = form_of(duplicated, "Undo")
    undone = await designer.client.post(action, data=data, headers=HTMX)
    assert undone.status_code == 200
    swapped = fragment_of(undone)
    assert pages_in(swapped) == ["1. How much do you want to pay?", "2. Your council tax account",
                                 "3. What email address should we send your receipt to?"]
    after = await stored(council)
    assert [p["id"] for p in after.definition["pages"]] == ["amount", "account", "email"]
    assert after.version == before.version + 1 and saved_event(undone) == {"version": after.version}
    assert versions(swapped) == {str(after.version)}
    assert said_in(swapped).startswith("Success Undone: Duplicated page 'How much do you want to pay?'")
    undo = swapped.find(id="draft-undo")
    assert undo["hx-swap-oob"] == "true" and "Undo: Moved page 'Your council tax account' down" in text_of(undo)
    assert "Redo: Duplicated page 'How much do you want to pay?'" in text_of(undo)
    assert focused_in(swapped) == ["Undo"]
    for part in ("draft-heading", "draft-summary", "draft-problems"):
        assert swapped.find(id=part)["hx-swap-oob"] == "true", part

    # Undo once more: nothing is left to undo, so the pages' heading takes the focus.
    action, data = form_of(swapped, "Undo")
    swapped = fragment_of(await designer.client.post(action, data=data, headers=HTMX))
    assert pages_in(swapped)[:2] == ["1. Your council tax account", "2. How much do you want to pay?"]
    assert focused_in(swapped) == ["Pages"] and swapped.find(id="undo-what") is None
    assert said_in(swapped) == "Success Undone: Moved page 'Your council tax account' down"

    # Redo, the same way; Redo stays (one more to redo) and keeps the focus.
    action, data = form_of(swapped, "Redo")
    redone = await designer.client.post(action, data=data, headers=HTMX)
    swapped = fragment_of(redone)
    assert redone.status_code == 200 and focused_in(swapped) == ["Redo"]
    assert said_in(swapped) == "Success Redone: Moved page 'Your council tax account' down"
    after = await stored(council)
    assert [p["id"] for p in after.definition["pages"]] == ["amount", "account", "email"]
    assert saved_event(redone) == {"version": after.version}

    # A stale Undo (the form left behind at the version before the redo) is refused with 409:
    # the pages as they are now, the error summary saying what changed, nothing undone.
    action, data = form_of(duplicated, "Undo")
    stale = await designer.client.post(action, data={**data, "version": str(after.version - 1)}, headers=HTMX)
    assert stale.status_code == 409 and "hx-trigger" not in stale.headers
    swapped = fragment_of(stale)
    errors = swapped.find(attrs={"hx-swap-oob": "innerHTML:#builder-errors"})
    assert "Someone changed this draft while you were working on it" in text_of(errors)
    assert versions(swapped) == {str(after.version)} and (await stored(council)).version == after.version

    # Without htmx the same form still redirects to the draft's page, which says what was undone.
    plain = await designer.client.post(action, data={**data, "version": str(after.version)})
    assert plain.status_code == 303 and plain.headers["location"] == DRAFT
    assert [p["id"] for p in (await stored(council)).definition["pages"]] == ["account", "amount", "email"]


async def test_htmx_asks_before_deleting_a_page_beside_the_pages(
        app: Any, council: store.Council, browsers: list[httpx.AsyncClient]) -> None:
    designer = await person(app, browsers, "designer")
    before = await stored(council)
    overview = await designer.open(DRAFT)
    delete = next(a for a in overview.soup.select("#draft-pages a")
                  if text_of(a) == "Delete page Your council tax account")
    assert delete["hx-get"] == delete["href"] and delete["hx-target"] == "#draft-pages"

    # Asked beside the pages: the page named with its questions, the focus on what is asked.
    asked = await designer.client.get(delete["href"], headers=HTMX)
    assert asked.status_code == 200 and "hx-trigger" not in asked.headers
    part = fragment_of(asked).find(id="draft-pages")
    heading = part.find(id="delete-page-heading")
    assert text_of(heading) == "Delete the page 'Your council tax account'?" and heading.has_attr("data-borough-focus")
    assert "Name on the bill" in text_of(heading.parent)
    assert len(part.select("li.govuk-summary-card")) == 3 and (await stored(council)).version == before.version
    # Cancel fetches the draft's pages again through htmx: the same fragment, nothing asked.
    cancel = next(a for a in part.select("a") if text_of(a) == "Cancel and keep the page")
    assert cancel["href"] == cancel["hx-get"] == DRAFT
    cancelled = await designer.client.get(cancel["href"], headers=HTMX)
    assert cancelled.status_code == 200 and cancelled.headers["vary"] == "HX-Request"
    kept = fragment_of(cancelled)
    assert kept.find(id="delete-page-heading") is None and len(pages_in(kept)) == 3

    # A page whose answer the fee takes its amount from is refused, asked again with why beside
    # the button, the error summary linking to it; nothing saved, no event.
    amount = next(a for a in kept.select("#draft-pages a") if text_of(a) == "Delete page How much do you want to pay?")
    action, data = form_of(fragment_of(await designer.client.get(amount["href"], headers=HTMX)), "Delete page")
    refused = await designer.client.post(action, data=data, headers=HTMX)
    assert refused.status_code == 422 and "hx-trigger" not in refused.headers
    swapped = fragment_of(refused)
    why = text_of(swapped.find(id="delete-error"))
    assert "cannot be deleted while other things depend on its answers" in why
    assert "The fee 'Council tax payment' takes its amount from it" in why
    assert text_of(swapped.find(id="delete-page-heading")) == "Delete the page 'How much do you want to pay?'?"
    assert swapped.find(id="delete")["aria-describedby"] == "delete-error"
    errors = swapped.find(attrs={"hx-swap-oob": "innerHTML:#builder-errors"})
    assert [a["href"] for a in errors.select(".govuk-error-summary a")] == ["#delete"]
    assert (await stored(council)).version == before.version

    # Deleted: the pages come back without it, the focus on their heading, the change said.
    action, data = form_of(part, "Delete page")
    deleted = await designer.client.post(action, data=data, headers=HTMX)
    assert deleted.status_code == 200
    swapped = fragment_of(deleted)
    assert pages_in(swapped) == ["1. How much do you want to pay?",
                                 "2. What email address should we send your receipt to?"]
    assert swapped.find(id="delete-page-heading") is None and focused_in(swapped) == ["Pages"]
    assert said_in(swapped) == "Success Deleted page 'Your council tax account'"
    assert "Undo: Deleted page 'Your council tax account'" in text_of(swapped.find(id="draft-undo"))
    after = await stored(council)
    assert [p["id"] for p in after.definition["pages"]] == ["amount", "email"]
    assert saved_event(deleted) == {"version": after.version} and versions(swapped) == {str(after.version)}

    # A stale version is refused with 409, asked again at the draft's version; nothing deleted.
    email = next(a for a in swapped.select("#draft-pages a") if text_of(a).startswith("Delete page What email"))
    action, data = form_of(fragment_of(await designer.client.get(email["href"], headers=HTMX)), "Delete page")
    stale = await designer.client.post(action, data={**data, "version": str(before.version)}, headers=HTMX)
    assert stale.status_code == 409 and "hx-trigger" not in stale.headers
    swapped = fragment_of(stale)
    assert "Someone changed this draft" in text_of(swapped.find(id="delete-error"))
    assert versions(swapped) == {str(after.version)} and (await stored(council)).version == after.version

    # Without htmx the same form deletes and redirects to the draft's page.
    plain = await designer.client.post(action, data=data)
    assert plain.status_code == 303 and plain.headers["location"] == DRAFT
    assert [p["id"] for p in (await stored(council)).definition["pages"]] == ["amount"]


async def test_deleting_a_question_inline_redraws_whether_the_title_is_optional(
        app: Any, council: store.Council, browsers: list[httpx.AsyncClient]) -> None:
    designer = await person(app, browsers, "designer")
    page = await designer.open(ACCOUNT)
    assert text_of(page.soup.find(id="title-label")) == "Page title"  # three questions need a title
    said = []
    for label in ("Name on the bill", "Postcode of the property"):
        delete = next(a for a in page.soup.select(".borough-builder-questions a")
                      if text_of(a) == f"Delete question {label}")
        action, data = form_of(fragment_of(await designer.client.get(delete["href"], headers=HTMX)), "Delete question")
        swapped = fragment_of(await designer.client.post(action, data={**data, "version": str(
            (await stored(council)).version)}, headers=HTMX))
        said.append(text_of(swapped.find(attrs={"hx-swap-oob": "innerHTML:#title-label"})))
    # Two questions still need a title; one may leave it blank, as the page's form now says.
    assert said == ["Page title", "Page title (optional)"]
    assert text_of((await designer.open(ACCOUNT)).soup.find(id="title-label")) == "Page title (optional)"
