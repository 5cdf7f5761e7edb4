"""The draft as JSON over HTTP: edited in place with the format's checks (bad JSON keeps what
was typed and says where; a document the meta-schema refuses is not saved), saved as one change
that undo takes back, lint problems listed; a definition file downloaded and uploaded; another
service's id, stale forms and publishers refused."""

from __future__ import annotations

import json
from typing import Any

import httpx2 as httpx
import pytest
from designers import person, press, text_of

from runtime import store
from runtime.store import drafts

SERVICE = "report-pothole"
DRAFT = f"/staff/northshire/services/{SERVICE}"
JSON_PAGE = DRAFT + "/json"


async def current(council: store.Council) -> store.ServiceDraft:
    draft = await drafts.get_draft(council, SERVICE)
    assert draft is not None
    return draft


async def test_edit_the_draft_as_json_with_the_formats_checks(
        app: Any, council: store.Council, browsers: list[httpx.AsyncClient]) -> None:
    designer = await person(app, browsers, "designer")
    overview = await designer.open(DRAFT)
    page = await designer.open(overview.soup.find("a", string="Edit as JSON")["href"])
    text = page.soup.find(id="definition").get_text()
    start = await current(council)
    assert json.loads(text) == start.definition

    broken = text.replace('"title": ', '"title" ', 1)
    refused = await press(designer, page, "Save JSON", {"definition": [broken]})
    assert refused.status == 422 and refused.error_summary()[0][1] == "#definition"
    line = next(number for number, content in enumerate(broken.splitlines(), start=1) if '"title" ' in content)
    assert f"The definition is not JSON: Expecting ':' delimiter at line {line} column" in refused.error_summary()[0][0]
    assert refused.soup.find(id="definition").get_text() == broken

    bad_shape = json.loads(text)
    bad_shape["fees"] = {"lines": [{"id": "x", "description": "Negative", "amount": -5}]}
    refused = await press(designer, page, "Save JSON", {"definition": [json.dumps(bad_shape)]})
    assert refused.status == 422 and any("/fees/lines/0/amount" in message for message, _ in refused.error_summary())
    other = {**json.loads(text), "id": "another-service"}
    refused = await press(designer, page, "Save JSON", {"definition": [json.dumps(other)]})
    assert refused.status == 422 and refused.error_summary()[0][0].startswith("/id:")
    assert (await current(council)).version == start.version

    # A change the format accepts but the lint does not: saved, with the problem listed.
    edited = json.loads(text)
    edited["title"] = "Report a pothole or a broken pavement"
    edited["answers"]["properties"]["unasked"] = {"type": "string"}
    saved = await press(designer, page, "Save JSON", {"definition": [json.dumps(edited)]})
    assert saved.status == 200 and "Replaced the draft with edited JSON" in text_of(saved.soup)
    after = await current(council)
    assert after.version == start.version + 1 and after.definition == edited
    assert "/answers/properties/unasked" in text_of(saved.soup)
    assert "draft-changed" in [entry.action for entry in await store.audit.entries(council)]

    stale = await press(designer, page, "Save JSON", {"definition": [text]})
    assert stale.status == 409 and "Replaced the draft with edited JSON" in stale.error_summary()[0][0]
    assert stale.soup.find(id="definition").get_text() == text  # nothing typed is lost

    undone = await press(designer, await designer.open(DRAFT), "Undo")
    assert undone.status == 200 and (await current(council)).definition == start.definition


async def test_download_and_upload_a_definition_file(
        app: Any, council: store.Council, browsers: list[httpx.AsyncClient]) -> None:
    designer = await person(app, browsers, "designer")
    page = await designer.open(JSON_PAGE)
    download = await designer.client.get(page.soup.find("a", string="Download the draft as a definition file")["href"])
    assert download.status_code == 200 and download.headers["content-type"].startswith("application/json")
    assert 'filename="report-pothole.json"' in download.headers["content-disposition"]
    document = download.json()
    assert document == (await current(council)).definition

    document["summary"] = "Tell us about a pothole so we can repair it."
    token = page.soup.find("input", attrs={"name": "csrf_token"})["value"]
    version = page.soup.find("input", attrs={"name": "version"})["value"]
    uploaded = await designer.client.post(JSON_PAGE, data={"csrf_token": token, "version": version},
                                          files={"file": ("pothole.json", json.dumps(document).encode(), "application/json")},
                                          follow_redirects=True)
    assert uploaded.status_code == 200 and "Replaced the draft with the file pothole.json" in uploaded.text
    assert (await current(council)).definition["summary"] == "Tell us about a pothole so we can repair it."

    version = str((await current(council)).version)
    for data, words in ((b"\xff\xfe not utf-8", "not UTF-8"), (b"[1, 2]", "must be a JSON object"),
                        (b"[" * 100 + b"]" * 100, "nests deeper")):
        refused = await designer.client.post(JSON_PAGE, data={"csrf_token": token, "version": version},
                                             files={"file": ("bad.json", data, "application/json")})
        assert refused.status_code == 422 and words in refused.text, words
    assert str((await current(council)).version) == version


async def test_publishers_read_and_do_not_write(app: Any, council: store.Council,
                                                browsers: list[httpx.AsyncClient]) -> None:
    publisher = await person(app, browsers, "publisher")
    page = await publisher.open(JSON_PAGE)
    assert page.status == 200 and not page.soup.find("textarea") and page.soup.find("pre")
    token = page.soup.find("input", attrs={"name": "csrf_token"})["value"]
    refused = await publisher.client.post(JSON_PAGE, data={"csrf_token": token, "version": "1", "definition": "{}"})
    assert refused.status_code == 403
    caseworker = await person(app, browsers, "caseworker")
    assert (await caseworker.client.get(JSON_PAGE + "/file")).status_code == 403


@pytest.mark.parametrize("broken", [{"pages": "not a list"}, {"workflow": 5, "fees": {"lines": "none"}},
                                    {"translations": {"cy": ["x"]}, "answers": None}])
async def test_a_draft_the_format_refuses_still_opens_every_whole_service_page(
        app: Any, council: store.Council, browsers: list[httpx.AsyncClient], broken: dict[str, Any]) -> None:
    """A draft saved broken (by an older Borough, or by hand) is shown, not a server error."""
    draft = await current(council)
    await store.ServiceDraft.filter(id=draft.id).update(definition={**draft.definition, **broken})
    designer = await person(app, browsers, "designer")
    for path, statuses in (("/preview", {409}), ("/fees", {200}), ("/workflow", {200}), ("/welsh", {200}),
                           ("/history", {200}), ("/history?from=draft&to=draft", {200, 422}), ("/json", {200}),
                           ("/json/file", {200})):
        response = await designer.client.get(DRAFT + path)
        assert response.status_code in statuses, f"{path}: {response.status_code}"
