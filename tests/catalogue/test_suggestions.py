"""A council hands its changes to an imported service back to the publisher as a suggestion,
over HTTP through the assembled app, JavaScript off (fixtures in tests/catalogue/conftest.py):
northshire publishes report-pothole to the catalogue and is also a council of this
installation; eastshire imports it and rewords it.

Same installation: eastshire's designer reads the changes in words and sends them with a
message; northshire's staff read them beside a JSON Patch, apply them to their draft as one
change undo takes back, and the step is audited on both sides. Across installations: the same
suggestion downloaded as a file and uploaded by northshire, listed, dismissed. Hostile files are
refused in words and store nothing. No other council sees a council's suggestions."""

from __future__ import annotations

import json
from typing import Any

import httpx2 as httpx
from catalogue_staff import HOME, Catalogue, make_user, person, press, text_of
from world import shipped

from builder import patch as json_patch
from builder.catalogue.canonical import content_address
from builder.catalogue.suggestions import FORMAT, MAX_FILE_BYTES
from runtime import store
from runtime.store import drafts
from runtime.store.models import AuditEntry, CatalogueSuggestion

SUMMARY = "Tell us about a pothole, a sunken drain cover or a broken kerb."
NORTH = "/staff/northshire/catalogue"


async def northshire_on_this_installation() -> store.Council:
    """The catalogue's publisher northshire as a council here too, having published the very
    version the catalogue holds."""
    northshire = await store.create_council("northshire", "Northshire Council")
    document = shipped("report-pothole")
    await store.publish_version(northshire, document, content_address(document))
    for role in ("designer", "publisher", "caseworker"):
        await make_user(f"{role}@northshire.test", northshire, [role])
    return northshire


async def eastshire_rewords(app: Any, browsers: list[httpx.AsyncClient], council: store.Council) -> Any:
    designer = await person(app, browsers, "designer")
    imported = await designer.submit(await designer.open(HOME + "/services/northshire/report-pothole/use"))
    assert imported.url.endswith("/staff/eastshire/services/report-pothole"), imported.error_summary()
    draft = await drafts.get_draft(council, "report-pothole")
    assert draft is not None
    change = [{"op": "replace", "path": "/summary", "value": SUMMARY}]
    applied = json_patch.apply_with_inverse(dict(draft.definition), change)
    await drafts.apply_change(council, "report-pothole", draft.version,
                              drafts.Step("edit-service", "Reworded the summary", change, applied.inverse),
                              actor=None, patched=json_patch.apply)
    return designer


def link(page: Any, words: str) -> str:
    """The address of the link whose text starts with `words`."""
    for anchor in page.soup.find_all("a"):
        if text_of(anchor).startswith(words):
            return str(anchor["href"])
    raise AssertionError(f"no link {words!r} on {page.url}")


async def actions(council: store.Council) -> list[str]:
    return [entry.action for entry in await AuditEntry.filter(council_id=council.id).order_by("id")]


async def test_a_suggestion_sent_on_one_installation_is_read_and_applied_by_the_publisher(
        app: Any, council: store.Council, catalogue: Catalogue, browsers: list[httpx.AsyncClient]) -> None:
    northshire = await northshire_on_this_installation()
    designer = await eastshire_rewords(app, browsers, council)

    updates = await designer.open(HOME + "/updates")
    suggest = await designer.open(link(updates, "Suggest your changes to report-pothole"))
    assert suggest.heading == "Suggest these changes to Northshire Council"
    said = text_of(suggest.soup.find(id="changes"))
    assert SUMMARY in said and "Eastshire" not in said  # its own name is not a change it suggests
    suggest.fill("Your message to Northshire Council", "Residents report kerbs here too.")
    sent = await designer.submit(suggest, extra={"action": ["send"]})
    assert sent.url.endswith(HOME + "/updates"), sent.error_summary()
    assert "Your suggestion for report-pothole was sent to Northshire Council" in text_of(sent.soup)
    assert "catalogue-suggestion-sent" in await actions(council)
    assert "catalogue-suggestion-received" in await actions(northshire)

    # Eastshire's staff never see northshire's suggestions, nor can they act on them.
    [stored] = await CatalogueSuggestion.filter(council_id=northshire.id)
    assert (await designer.open(f"{NORTH}/suggestions")).status == 404
    assert (await designer.open(HOME + f"/suggestions/{stored.id}/patch")).status == 404
    assert "Residents report kerbs" not in text_of((await designer.open(HOME + "/suggestions")).soup)

    nell = await person(app, browsers, "designer", "northshire")
    listed = await nell.open(f"{NORTH}/suggestions")
    assert listed.status == 200
    text = text_of(listed.soup.find("main"))
    assert "Eastshire Council suggests changes to report-pothole 1.0.0" in text
    assert "Residents report kerbs here too." in text and SUMMARY in text
    downloaded = await nell.client.get(link(listed, "Download the changes as a JSON Patch"))
    assert downloaded.status_code == 200 and "attachment" in downloaded.headers["content-disposition"]
    assert json.loads(downloaded.text) == [{"op": "replace", "path": "/summary", "value": SUMMARY}]

    caseworker = await person(app, browsers, "caseworker", "northshire")
    assert (await caseworker.open(f"{NORTH}/suggestions")).status == 403
    publisher = await person(app, browsers, "publisher", "northshire")
    assert "Apply to my draft" not in text_of((await publisher.open(f"{NORTH}/suggestions")).soup.find("main"))

    applied = await press(nell, listed, "Apply to my draft")
    assert applied.url.endswith("/staff/northshire/services/report-pothole"), applied.error_summary()
    assert "Applied Eastshire Council's suggestion to your draft" in text_of(applied.soup)
    draft = await drafts.get_draft(northshire, "report-pothole")
    assert draft is not None and draft.definition["summary"] == SUMMARY
    assert draft.definition["publisher"] != {"id": "eastshire", "name": "Eastshire Council"}
    last = await drafts.next_undo(draft)
    assert last is not None and last.operation == "apply-suggestion"
    await stored.refresh_from_db()
    assert stored.state == "applied" and stored.decided_by_label == "designer@northshire.test"
    assert "catalogue-suggestion-applied" in await actions(northshire)
    assert "no suggestions waiting" in text_of((await nell.open(f"{NORTH}/suggestions")).soup)


def suggestion_file(**changed: Any) -> bytes:
    document = {"format": FORMAT, "formatVersion": 1, "catalogue": "https://catalogue.example",
                "publisher": "northshire", "service": "report-pothole", "version": "1.0.0",
                "address": "", "council": {"slug": "westshire", "name": "Westshire Council"},
                "message": "From the other installation", "patch": [
                    {"op": "replace", "path": "/summary", "value": SUMMARY}]}
    return json.dumps({**document, **changed}).encode("utf-8")


async def upload(browser: Any, data: bytes) -> Any:
    form = await browser.open(f"{NORTH}/suggestions/upload")
    form.attach("The suggestion file", "suggestion.json", data, "application/json")
    return await browser.submit(form)


async def test_a_suggestion_downloaded_as_a_file_is_uploaded_listed_and_dismissed_and_hostile_files_are_refused(
        app: Any, council: store.Council, catalogue: Catalogue, browsers: list[httpx.AsyncClient]) -> None:
    northshire = await northshire_on_this_installation()
    designer = await eastshire_rewords(app, browsers, council)
    suggest = await designer.open(HOME + "/updates/report-pothole/suggest")
    suggest.fill("Your message to Northshire Council", "Over email.")
    file = await designer.submit(suggest, extra={"action": ["download"]})
    assert file.status == 200 and "attachment" in file.response.headers["content-disposition"]
    document = json.loads(file.response.text)
    assert document["council"] == {"slug": "eastshire", "name": "Eastshire Council"}
    assert document["publisher"] == "northshire" and document["message"] == "Over email."
    assert await CatalogueSuggestion.all().count() == 0  # a download stores nothing
    assert "catalogue-suggestion-downloaded" in await actions(council)

    publisher = await person(app, browsers, "publisher", "northshire")
    address = document["address"]
    hostile = {
        "larger than 256 KB": b"{" + b" " * MAX_FILE_BYTES + b"}",
        "not JSON": b"<script>alert(1)</script>",
        "nests deeper": b"[" * 100 + b"]" * 100,
        "not a suggestion Borough can read: the file: Additional properties": suggestion_file(
            address=address, script="<script>"),
        "patch/0/op": suggestion_file(address=address, patch=[{"op": "eval", "path": "/summary"}]),
        "op: 'copy' is not one of": suggestion_file(address=address, patch=[  # doubling the service 500 times
            {"op": "add", "path": "/tags/-", "value": "x"},
            *[{"op": "copy", "from": "/pages", "path": "/pages/-"}] * 499]),
        "has not published report-pothole 1.0.0": suggestion_file(address="ab" * 32),  # forged
        "is for southshire's service": suggestion_file(address=address, publisher="southshire"),
        "not its identity": suggestion_file(address=address, patch=[{"op": "replace", "path": "/id",
                                                                      "value": "stolen"}]),
        "do not apply": suggestion_file(address=address, patch=[{"op": "remove", "path": "/pages/99"}]),
        "your own council": suggestion_file(address=address, council={"slug": "northshire", "name": "Us"}),
    }
    for words, data in hostile.items():
        refused = await upload(publisher, data)
        assert refused.status == 422, (words, refused.status)
        [(message, href)] = refused.error_summary()
        assert words in message and href == "#file", (words, message)
    assert await CatalogueSuggestion.all().count() == 0
    assert (await actions(northshire)).count("catalogue-suggestion-refused") == len(hostile)

    listed = await upload(publisher, file.response.content)
    assert listed.url.endswith(f"{NORTH}/suggestions"), listed.error_summary()
    text = text_of(listed.soup.find("main"))
    assert "Eastshire Council suggests changes to report-pothole 1.0.0" in text and "uploaded as a file" in text
    assert SUMMARY in text and "Over email." in text
    dismissed = await press(publisher, listed, "Dismiss")
    assert "Dismissed Eastshire Council's suggestion" in text_of(dismissed.soup)
    [stored] = await CatalogueSuggestion.filter(council_id=northshire.id)
    assert stored.state == "dismissed" and stored.via == "upload"
    assert {"catalogue-suggestion-uploaded", "catalogue-suggestion-dismissed"} <= set(await actions(northshire))
    draft = await drafts.get_draft(northshire, "report-pothole")
    assert draft is None  # dismissing changes nothing


async def test_a_service_without_changes_or_not_imported_has_nothing_to_suggest(
        app: Any, council: store.Council, catalogue: Catalogue, browsers: list[httpx.AsyncClient]) -> None:
    await northshire_on_this_installation()
    designer = await person(app, browsers, "designer")
    await designer.submit(await designer.open(HOME + "/services/northshire/report-pothole/use"))
    unchanged = await designer.open(HOME + "/updates/report-pothole/suggest")
    assert "no changes from Northshire Council's version 1.0.0" in text_of(unchanged.soup.find("main"))
    assert unchanged.soup.find("button") is None or "Send" not in text_of(unchanged.soup.find("main"))
    await drafts.create_draft(council, {**shipped("report-missed-bin")}, source="blank", actor=None)
    own = await designer.open(HOME + "/updates/report-missed-bin/suggest")
    assert own.status == 200 and "did not import this service" in text_of(own.soup.find("main"))
    assert (await designer.open(HOME + "/updates/no-such-service/suggest")).status == 404


async def test_a_publisher_on_another_installation_gets_a_file_and_a_colliding_suggestion_changes_nothing(
        app: Any, council: store.Council, catalogue: Catalogue, browsers: list[httpx.AsyncClient]) -> None:
    designer = await eastshire_rewords(app, browsers, council)
    suggest = await designer.open(HOME + "/updates/report-pothole/suggest")
    main = text_of(suggest.soup.find("main"))
    assert "Northshire Council does not use this installation of Borough" in main and "Send the suggestion" not in main
    refused = await designer.submit(suggest, extra={"action": ["send"]})  # a forged press of a button not shown
    assert refused.status == 422 and await CatalogueSuggestion.all().count() == 0
    file = await designer.submit(await designer.open(HOME + "/updates/report-pothole/suggest"),
                                 extra={"action": ["download"]})

    # Northshire joins this installation, and rewords the same summary itself before reading it.
    northshire = await northshire_on_this_installation()
    nell = await person(app, browsers, "designer", "northshire")
    listed = await upload(nell, file.response.content)
    assert SUMMARY in text_of(listed.soup.find("main")), listed.error_summary()
    latest = await store.get_latest(northshire, "report-pothole")
    assert latest is not None
    draft = await drafts.create_draft(northshire, {**dict(latest.definition), "summary": "Northshire's own words."},
                                      source="published", actor=None, from_published=True)
    collided = await press(nell, listed, "Apply to my draft")
    assert collided.status == 409
    [(message, _)] = collided.error_summary()
    assert "This suggestion cannot be applied: your service changed the same things since 1.0.0" in message
    kept = await drafts.get_draft(northshire, "report-pothole")
    assert kept is not None and kept.version == draft.version and kept.definition["summary"] == "Northshire's own words."
    [stored] = await CatalogueSuggestion.filter(council_id=northshire.id)
    assert stored.state == "open"


async def test_the_draft_of_an_imported_service_links_to_suggesting_changes_and_a_blank_one_does_not(
        app: Any, council: store.Council, catalogue: Catalogue, browsers: list[httpx.AsyncClient]) -> None:
    designer = await eastshire_rewords(app, browsers, council)
    draft = await designer.open("/staff/eastshire/services/report-pothole")
    assert draft.status == 200
    assert link(draft, "Suggest changes to the publisher") == HOME + "/updates/report-pothole/suggest"
    suggest = await designer.open(link(draft, "Suggest changes to the publisher"))
    assert suggest.heading == "Suggest these changes to Northshire Council"

    publisher = await person(app, browsers, "publisher")  # may look at the draft, not suggest
    looked = await publisher.open("/staff/eastshire/services/report-pothole")
    assert looked.status == 200 and "Suggest changes to the publisher" not in text_of(looked.soup.find("main"))

    await drafts.create_draft(council, {**shipped("report-missed-bin")}, source="blank", actor=None)
    own = await designer.open("/staff/eastshire/services/report-missed-bin")
    assert own.status == 200 and "Suggest changes to the publisher" not in text_of(own.soup.find("main"))
