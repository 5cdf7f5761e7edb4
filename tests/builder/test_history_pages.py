"""A service's history over HTTP, JavaScript off: published versions with who, when and the
note; a field-level comparison between two versions (and the draft) in words and as JSON Patch;
restoring a version into the draft as one change that undo takes back; the draft's change log.
Stale and forged forms change nothing; publishers see but do not restore; another council's
versions are not found."""

from __future__ import annotations

import json
from typing import Any

import httpx2 as httpx
import pytest
from designers import make_council, person, press, shipped_draft, text_of

from builder.draft_requests import step_of
from builder.operations import perform
from builder.patch import apply
from runtime import store
from runtime.core.service import content_hash
from runtime.settings import ROOT
from runtime.store import drafts

SERVICE = "pay-council-tax"
DRAFT = f"/staff/northshire/services/{SERVICE}"
HISTORY = DRAFT + "/history"
LABEL = "How much do you want to pay?"


@pytest.fixture
async def council(app: Any) -> store.Council:
    """A council whose service has versions 1.0.0 and 1.0.1 (a reworded question), and a draft
    with one more change on top."""
    council = await make_council()
    draft = await shipped_draft(council, SERVICE)
    designer = await store.StaffUser.get(email="designer@northshire.test")
    publisher = await store.StaffUser.get(email="publisher@northshire.test")
    await drafts.publish_draft(council, SERVICE, draft.version, version="1.0.0", note="First version", actor=publisher)
    await change(council, designer, "edit-question", page="amount", answer="/amount", label="How much are you paying?")
    fresh = await drafts.get_draft(council, SERVICE)
    assert fresh is not None
    await drafts.publish_draft(council, SERVICE, fresh.version, version="1.0.1", note="Clearer question",
                               actor=publisher)
    await change(council, designer, "edit-question", page="amount", answer="/amount", hint="Between £1 and £5,000")
    return council


async def change(council: store.Council, actor: store.StaffUser, name: str, **params: Any) -> store.ServiceDraft:
    draft = await drafts.get_draft(council, SERVICE)
    assert draft is not None
    made = perform(draft.definition, name, params)
    return await drafts.apply_change(council, SERVICE, draft.version, step_of(made), actor=actor, patched=apply)


def label_of(definition: Any) -> str:
    page = next(page for page in definition["pages"] if page["id"] == "amount")
    return str(page["fields"][0]["label"])


async def test_versions_comparisons_restore_and_the_change_log(
        app: Any, council: store.Council, browsers: list[httpx.AsyncClient]) -> None:
    designer = await person(app, browsers, "designer")
    draft_page = await designer.open(DRAFT)
    history = await designer.open(draft_page.soup.find("a", string="History and versions")["href"])
    assert history.status == 200 and history.heading == "History of Pay your council tax"
    rows = [[text_of(cell) for cell in row.find_all(["th", "td"])][:4]
            for row in history.soup.find(id="versions").find_next("table").select("tbody tr")]
    assert [row[0] for row in rows] == ["1.0.1", "1.0.0"]
    assert rows[0][2:] == ["publisher@northshire.test", "Clearer question"]
    assert rows[1][2:] == ["publisher@northshire.test", "First version"]

    log = text_of(history.soup.find(id="changes-heading").find_next("table"))
    assert "Changed hint of question" in log and "designer@northshire.test" in log

    # Version 1.0.0 against 1.0.1, field by field, in words and as JSON Patch.
    compared = await designer.open(HISTORY + "?from=1.0.0&to=1.0.1")
    words = [text_of(item) for item in compared.soup.select(".borough-builder-differences li")]
    assert words[0] == ("Page 'How much are you paying?': question changed from 'How much do you want to pay?' "
                        "to 'How much are you paying?'")
    patch_text = compared.soup.select_one("pre.borough-builder-json").get_text()
    assert '"op": "replace"' in patch_text and "How much are you paying?" in patch_text
    twin = await designer.client.get(HISTORY + ".json?from=1.0.0&to=1.0.1")
    assert twin.status_code == 200
    patch = twin.json()["comparison"]["patch"]
    assert patch == [{"op": "replace", "path": "/pages/1/fields/0/label", "value": "How much are you paying?"}]

    against_draft = await designer.open(HISTORY + "?from=1.0.1&to=draft")
    assert any("Between £1 and £5,000" in text_of(item)
               for item in against_draft.soup.select(".borough-builder-differences li"))
    unknown = await designer.open(HISTORY + "?from=9.9.9&to=draft")
    assert unknown.status == 422 and unknown.error_summary() == [("Choose the version to compare from", "#from")]

    # Restore 1.0.0 into the draft: one change, audited, undone in one step.
    before = await drafts.get_draft(council, SERVICE)
    assert before is not None
    restored = await press(designer, history, "Restore version 1.0.0 into the draft")
    assert "Restored version 1.0.0 into the draft" in text_of(restored.soup)
    after = await drafts.get_draft(council, SERVICE)
    assert after is not None and after.version == before.version + 1
    assert label_of(after.definition) == "How much do you want to pay?"
    first = next(row for row in await store.services.service_versions(council, SERVICE) if row.version == "1.0.0")
    assert after.definition == {**first.definition, "version": before.definition["version"]}
    assert "draft-changed" in [entry.action for entry in await store.audit.entries(council)]
    overview = await designer.open(DRAFT)
    undone = await press(designer, overview, "Undo")
    assert undone.status == 200
    back = await drafts.get_draft(council, SERVICE)
    assert back is not None and back.definition == before.definition

    # The history page as it was before: a stale restore is refused with what changed, and nothing moves.
    stale = await press(designer, history, "Restore version 1.0.1 into the draft")
    assert stale.status == 409 and "your change was not saved" in stale.error_summary()[0][0]
    assert (await drafts.get_draft(council, SERVICE)).definition == before.definition  # type: ignore[union-attr]


async def test_roles_forgery_and_councils(app: Any, council: store.Council, browsers: list[httpx.AsyncClient]) -> None:
    publisher = await person(app, browsers, "publisher")
    seen = await publisher.open(HISTORY)
    assert seen.status == 200 and not seen.soup.find("button", string=lambda s: s and "Restore" in s)
    draft = await drafts.get_draft(council, SERVICE)
    assert draft is not None
    refused = await publisher.client.post(HISTORY + "/1.0.0/restore", data={"version": str(draft.version)})
    assert refused.status_code == 403
    designer = await person(app, browsers, "designer")
    forged = await designer.client.post(HISTORY + "/1.0.0/restore", data={"version": str(draft.version),
                                                                          "csrf_token": "forged"})
    assert forged.status_code == 403
    history = await designer.open(HISTORY)
    token = history.soup.find("input", attrs={"name": "csrf_token"})["value"]
    missing = await designer.client.post(HISTORY + "/7.7.7/restore", data={"version": str(draft.version),
                                                                           "csrf_token": token})
    assert missing.status_code == 404
    no_version = await designer.client.post(HISTORY + "/1.0.0/restore", data={"csrf_token": token})
    assert no_version.status_code == 400
    assert (await drafts.get_draft(council, SERVICE)).version == draft.version  # type: ignore[union-attr]

    other = await make_council("southshire", "Southshire Council")
    await shipped_draft(other, SERVICE)
    outsider = await person(app, browsers, "designer", slug="southshire")
    assert (await outsider.client.get(HISTORY)).status_code == 404
    assert (await outsider.client.get(f"/staff/southshire/services/{SERVICE}/history?from=1.0.0&to=draft")).status_code == 422


async def test_a_published_service_without_a_draft_has_its_history(
        app: Any, council: store.Council, browsers: list[httpx.AsyncClient]) -> None:
    """Versions and comparisons without a draft; nothing to restore into, and no change log."""
    other = await make_council("southshire", "Southshire Council")
    first = json.loads((ROOT / "schemas" / "services" / f"{SERVICE}.json").read_text())
    first["publisher"] = {"id": "southshire", "name": "Southshire Council"}
    second = {**first, "title": "Pay now", "version": "1.1.0"}
    for definition in (first, second):
        await store.publish_version(other, definition, content_hash(definition))
    designer = await person(app, browsers, "designer", slug="southshire")
    assert (await designer.client.get("/staff/southshire/services/no-such/history")).status_code == 404
    overview = await designer.open(f"/staff/southshire/services/{SERVICE}")
    page = await designer.open(overview.soup.find("a", string="History and versions")["href"] + "?from=1.0.0&to=1.1.0")
    assert page.status == 200 and page.heading == "History of Pay now"
    assert [text_of(item) for item in page.soup.select(".borough-builder-differences li")] == [
        "Service name changed from 'Pay your council tax' to 'Pay now'"]
    assert not page.soup.find(id="changes-heading") and not page.soup.find("button", string=lambda t: bool(t) and "Restore" in t)
    assert "Nobody has a draft of this service" in text_of(page.soup)
