"""Welsh side by side over HTTP, JavaScript off: every resident-facing string in English and
Welsh; a string whose English changed after its Welsh was written is marked, and so is missing
Welsh; Welsh edited in place is one change of the draft; the spreadsheet for translators is
exported and imported, a bad one refused with its rows; publishers only look."""

from __future__ import annotations

from typing import Any

import httpx2 as httpx
from designers import person, press, text_of

from builder.draft_requests import step_of
from builder.operations import perform
from builder.patch import apply
from runtime import store
from runtime.store import drafts

SERVICE = "report-missed-bin"
DRAFT = f"/staff/northshire/services/{SERVICE}"
WELSH = DRAFT + "/welsh"
KEY = "fields.binOut.label"
NEW_ENGLISH = "Was your bin out by 7am on the day?"


async def change(council: store.Council, name: str, **params: Any) -> store.ServiceDraft:
    draft = await drafts.get_draft(council, SERVICE)
    assert draft is not None
    actor = await store.StaffUser.get(email="admin@northshire.test")
    return await drafts.apply_change(council, SERVICE, draft.version, step_of(perform(draft.definition, name, params)),
                                     actor=actor, patched=apply)


async def welsh(council: store.Council) -> dict[str, str]:
    draft = await drafts.get_draft(council, SERVICE)
    assert draft is not None
    return dict(draft.definition["translations"]["cy"])  # type: ignore[call-overload,index]


def row(page: Any, key: str) -> Any:
    return next(card for card in page.soup.select(".borough-builder-welsh > li")
                if text_of(card.select_one(".govuk-summary-card__title")) == f"String {key}")


async def test_side_by_side_marks_changed_and_missing_and_saves_in_place(
        app: Any, council: store.Council, browsers: list[httpx.AsyncClient]) -> None:
    designer = await person(app, browsers, "designer")
    overview = await designer.open(DRAFT)
    page = await designer.open(overview.soup.find("a", string="Welsh")["href"])
    assert page.status == 200 and "0 missing" in text_of(page.soup) and "0 where the English changed" in text_of(page.soup)
    old_welsh = (await welsh(council))[KEY]
    assert row(page, KEY).find("textarea").get_text() == old_welsh

    # The English changes after the Welsh was written: the Welsh is marked as stale.
    await change(council, "edit-question", page="bin-out", answer="/binOut", label=NEW_ENGLISH)
    page = await designer.open(WELSH)
    marked = row(page, KEY)
    assert "English changed since translated" in text_of(marked) and NEW_ENGLISH in text_of(marked)
    assert "1 where the English changed" in text_of(page.soup)
    only = await designer.open(WELSH + "?show=changed")
    assert [text_of(t) for t in only.soup.select(".borough-builder-welsh .govuk-summary-card__title")] == [f"String {KEY}"]

    # Translate it again and remove another string's Welsh, in one save: one change.
    before = await drafts.get_draft(council, SERVICE)
    assert before is not None
    field = marked.find("textarea")["name"]
    title = row(page, "title").find("textarea")["name"]
    saved = await press(designer, page, "Save Welsh", {field: ["Oedd eich bin allan erbyn 7am ar y diwrnod?"], title: [""]})
    assert saved.status == 200 and "Saved 2 Welsh strings" in text_of(saved.soup)
    after = await drafts.get_draft(council, SERVICE)
    assert after is not None and after.version == before.version + 1
    table = await welsh(council)
    assert table[KEY] == "Oedd eich bin allan erbyn 7am ar y diwrnod?" and "title" not in table
    assert "English changed since translated" not in text_of(row(saved, KEY))
    assert "Welsh missing" in text_of(row(saved, "title")) and "1 missing" in text_of(saved.soup)
    assert "draft-changed" in [entry.action for entry in await store.audit.entries(council)]

    # Too long a Welsh string is refused where it is, with everything typed kept.
    refused = await press(designer, saved, "Save Welsh", {field: ["y" * 600], title: ["Teitl"]})
    assert refused.status == 422 and refused.error_summary()[0][1] == f"#{field}"
    assert row(refused, "title").find("textarea").get_text() == "Teitl"
    assert "title" not in await welsh(council)

    # A page read before the save: its save is refused with what changed.
    stale = await press(designer, page, "Save Welsh", {title: ["Teitl"]})
    assert stale.status == 409 and "Saved 2 Welsh strings" in stale.error_summary()[0][0]
    assert "title" not in await welsh(council)


async def test_the_spreadsheet_goes_out_and_comes_back(
        app: Any, council: store.Council, browsers: list[httpx.AsyncClient]) -> None:
    await change(council, "translate", key="title", text=None)
    designer = await person(app, browsers, "designer")
    page = await designer.open(WELSH)
    sheet = await designer.client.get(page.soup.find("a", string=lambda s: bool(s) and "spreadsheet" in s)["href"])
    assert sheet.status_code == 200 and sheet.headers["content-type"].startswith("text/csv")
    assert 'filename="report-missed-bin-welsh.csv"' in sheet.headers["content-disposition"]
    text = sheet.content.decode("utf-8-sig")
    lines = text.splitlines()
    assert lines[0] == "key,english,translation" and "title,Report a missed bin collection," in lines

    filled = text.replace("title,Report a missed bin collection,", "title,Report a missed bin collection,Rhoi gwybod")
    token = page.soup.find("input", attrs={"name": "csrf_token"})["value"]
    version = page.soup.find("input", attrs={"name": "version"})["value"]
    imported = await designer.client.post(WELSH + "/spreadsheet", data={"csrf_token": token, "version": version},
                                          files={"sheet": ("welsh.csv", filled.encode(), "text/csv")},
                                          follow_redirects=True)
    assert imported.status_code == 200 and "Imported 1 Welsh translation from a spreadsheet" in imported.text
    assert (await welsh(council))["title"] == "Rhoi gwybod"

    fresh = await designer.open(WELSH)
    version = fresh.soup.find("input", attrs={"name": "version"})["value"]
    wrong = filled.replace("title,Report a missed bin collection,", "title,Report a bin,")
    refused = await designer.client.post(WELSH + "/spreadsheet", data={"csrf_token": token, "version": version},
                                         files={"sheet": ("welsh.csv", wrong.encode(), "text/csv")})
    assert refused.status_code == 422 and "the English of title has changed" in refused.text
    latin = await designer.client.post(WELSH + "/spreadsheet", data={"csrf_token": token, "version": version},
                                       files={"sheet": ("welsh.csv", "key,english,translation\ntitle,\xe9,x".encode("latin-1"), "text/csv")})
    assert latin.status_code == 422 and "UTF-8" in latin.text
    assert (await welsh(council))["title"] == "Rhoi gwybod"


async def test_publishers_look_and_an_english_only_service_is_offered_in_welsh(
        app: Any, council: store.Council, browsers: list[httpx.AsyncClient]) -> None:
    publisher = await person(app, browsers, "publisher")
    page = await publisher.open(WELSH)
    assert page.status == 200 and not page.soup.find("textarea")
    token = page.soup.find("input", attrs={"name": "csrf_token"})["value"]
    refused = await publisher.client.post(WELSH, data={"csrf_token": token, "version": "1", "key-0": "title",
                                                        "welsh-0": "Teitl"})
    assert refused.status_code == 403
    assert (await publisher.client.post(WELSH + "/offer", data={"csrf_token": token, "version": "1"})).status_code == 403

    await change(council, "set-welsh", welsh=False)
    designer = await person(app, browsers, "designer")
    english_only = await designer.open(WELSH)
    assert "This service is in English only." in text_of(english_only.soup)
    offered = await press(designer, english_only, "Offer this service in Welsh")
    assert offered.status == 200 and "The service is now offered in English and Welsh" in text_of(offered.soup)
    draft = await drafts.get_draft(council, SERVICE)
    assert draft is not None and draft.definition["languages"] == ["en", "cy"]
