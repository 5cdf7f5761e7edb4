"""The builder in the JSON API (builder/api.py, scope services:write), through the assembled
app on SQLite and PostgreSQL: a draft started, changed with a JSON Patch at the version read
(a stale one refused with what changed), undone by the builder's undo, published with a
note, listed and diffed; bad patches, other councils and missing scopes refused, changing
nothing."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest

from builder.patch import apply
from runtime import store
from runtime.settings import ROOT
from runtime.store import api_keys, drafts

BASE = "http://127.0.0.1:8000"
API = "/staff/api/v1"
SHIPPED = json.loads((ROOT / "schemas" / "services" / "report-missed-bin.json").read_text(encoding="utf-8"))
HINT = "/pages/1/fields/0/hint"


@pytest.fixture
async def http(staff_app: Any) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=staff_app), base_url=BASE) as client:
        yield client


async def key(council: store.Council, scopes: list[str]) -> dict[str, str]:
    _, secret = await api_keys.create_key(council, "Designers' CI", scopes)
    return {"Authorization": f"Bearer {secret}"}


async def test_a_draft_is_changed_by_json_patch_and_published(http: httpx.AsyncClient, demo: store.Council,
                                                             tmp_path: Path) -> None:
    auth = await key(demo, ["services:write"])
    listed = (await http.get(f"{API}/services", headers=auth)).json()["services"]
    assert {"id": "report-missed-bin", "title": SHIPPED["title"], "state": "published",
            "published_version": "1.0.0", "draft_version": None} in listed

    started = await http.post(f"{API}/services/report-missed-bin/draft", headers=auth, json={})
    assert started.status_code == 201, started.text
    assert started.json()["version"] == 1 and started.json()["publishable"] is True

    patch = [{"op": "replace", "path": HINT, "value": "Tick every bin we missed."}]
    changed = await http.patch(f"{API}/services/report-missed-bin/draft", headers=auth,
                               json={"expected_version": 1, "patch": patch, "description": "Clearer hint"})
    assert changed.status_code == 200, changed.text
    assert changed.json()["version"] == 2
    assert changed.json()["definition"]["pages"][1]["fields"][0]["hint"] == "Tick every bin we missed."

    stale = await http.patch(f"{API}/services/report-missed-bin/draft", headers=auth,
                             json={"expected_version": 1, "patch": patch})
    assert stale.status_code == 409 and "Clearer hint" in stale.json()["error"]["message"]

    # The step is the draft's own: the builder's undo takes it back.
    draft = await drafts.get_draft(demo, "report-missed-bin")
    assert draft is not None
    undone = await drafts.undo(demo, "report-missed-bin", draft.version, actor=None, patched=apply)
    assert undone.definition["pages"][1]["fields"][0]["hint"] == SHIPPED["pages"][1]["fields"][0]["hint"]
    redone = await drafts.redo(demo, "report-missed-bin", undone.version, actor=None, patched=apply)

    published = await http.post(f"{API}/services/report-missed-bin/publish", headers=auth,
                                json={"expected_version": redone.version, "version": "1.0.1", "note": "Clearer hint"})
    assert published.status_code == 201, published.text
    assert published.json()["version"] == "1.0.1" and published.json()["note"] == "Clearer hint"
    assert (await store.get_latest(demo, "report-missed-bin")).version == "1.0.1"  # type: ignore[union-attr]

    versions = (await http.get(f"{API}/services/report-missed-bin/versions", headers=auth)).json()["versions"]
    assert [v["version"] for v in versions] == ["1.0.1", "1.0.0"]  # newest first
    difference = (await http.get(f"{API}/services/report-missed-bin/diff", headers=auth,
                                 params={"from": "1.0.0", "to": "1.0.1"})).json()
    assert any("Tick every bin we missed." in words for words in difference["changes"]), difference
    assert {"op": "replace", "path": HINT, "value": "Tick every bin we missed."} in difference["patch"]
    actions = await store.AuditEntry.filter(council_id=demo.id, actor_label="API key Designers' CI").values_list(
        "action", flat=True)
    assert {"draft-started", "draft-changed", "service-published"} <= set(actions)


async def test_bad_requests_are_refused_and_change_nothing(http: httpx.AsyncClient, demo: store.Council) -> None:
    auth = await key(demo, ["services:write"])
    assert (await http.post(f"{API}/services/report-missed-bin/draft", headers=auth, json={})).status_code == 201
    url = f"{API}/services/report-missed-bin/draft"
    refusals = [
        ({"expected_version": 1, "patch": [{"op": "remove", "path": "/no/such/place"}]}, 409, "patch_refused"),
        ({"expected_version": 1, "patch": [{"op": "replace", "path": "/id", "value": "other"}]}, 409, "patch_refused"),
        ({"expected_version": 1, "patch": [{"op": "jump", "path": "/title"}]}, 422, "patch_refused"),
        ({"expected_version": 1, "patch": [{"op": "replace", "path": "", "value": []}]}, 409, "patch_refused"),
        ({"expected_version": "1", "patch": []}, 422, "invalid_body"),
        ({"patch": []}, 422, "invalid_body"),
        ({"expected_version": 1, "patch": [], "extra": 1}, 422, "invalid_body"),
        ([], 422, "invalid_body"),
    ]
    for body, status, code in refusals:
        answer = await http.patch(url, headers=auth, json=body)
        assert (answer.status_code, answer.json()["error"]["code"]) == (status, code), (body, answer.text)
    not_json = await http.patch(url, headers={**auth, "Content-Type": "application/json"}, content=b"{nope")
    assert not_json.status_code == 400
    as_form = await http.patch(url, headers=auth, data={"expected_version": "1"})
    assert as_form.status_code == 415
    huge = [{"op": "add", "path": "/pages/-", "value": {"id": f"p{n}", "title": "x" * 50}} for n in range(40000)]
    too_big = await http.patch(url, headers=auth, json={"expected_version": 1, "patch": huge})
    assert too_big.status_code in (413, 422), too_big.text

    # A draft that fails lint is saved (work in progress) but never published.
    broken = [{"op": "replace", "path": "/pages/1/fields/0/answer", "value": "/no-such-answer"}]
    saved = await http.patch(url, headers=auth, json={"expected_version": 1, "patch": broken})
    assert saved.status_code == 200 and saved.json()["publishable"] is False and saved.json()["problems"]
    refused = await http.post(f"{API}/services/report-missed-bin/publish", headers=auth,
                              json={"expected_version": 2, "version": "1.0.1", "note": "Broken"})
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "not_publishable"
    assert (await store.get_latest(demo, "report-missed-bin")).version == "1.0.0"  # type: ignore[union-attr]
    draft = await drafts.get_draft(demo, "report-missed-bin")
    assert draft is not None and draft.version == 2  # only the one change that was accepted

    # One that passes the lint but whose page no resident can reach is not published either.
    assert (await http.post(f"{API}/services/report-pothole/draft", headers=auth, json={})).status_code == 201
    pages = (await http.get(f"{API}/services/report-pothole/draft", headers=auth)).json()["definition"]["pages"]
    urgent = next(n for n, page in enumerate(pages) if page["id"] == "urgent")
    never = {"properties": {"size": {"enum": ["huge", "enormous"]}}, "required": ["size"]}
    made = await http.patch(f"{API}/services/report-pothole/draft", headers=auth, json={
        "expected_version": 1, "patch": [{"op": "add", "path": f"/pages/{urgent}/when", "value": never}]})
    assert made.status_code == 200 and made.json()["publishable"] is False, made.text  # the lint finds nothing,
    assert [p["keyword"] for p in made.json()["problems"]] == ["unreachable-page"]  # the whole-flow check does
    blocked = await http.post(f"{API}/services/report-pothole/publish", headers=auth,
                              json={"expected_version": 2, "version": "1.0.1", "note": "Never shown"})
    assert blocked.status_code == 409 and "No resident can reach this page" in blocked.json()["error"]["message"]


async def test_a_patch_that_multiplies_the_draft_is_refused_quickly_and_stores_nothing(
        http: httpx.AsyncClient, demo: store.Council) -> None:
    """40 copies of the whole draft to new members, then each removed: the result would be
    within the limits, but on the way it is 2**40 drafts (and an undo record of them all)."""
    auth = await key(demo, ["services:write"])
    assert (await http.post(f"{API}/services/report-missed-bin/draft", headers=auth, json={})).status_code == 201
    copies = [{"op": "copy", "from": "", "path": f"/copy{n}"} for n in range(40)]
    removals = [{"op": "remove", "path": f"/copy{n}"} for n in range(40)]
    answer = await http.patch(f"{API}/services/report-missed-bin/draft", headers=auth,
                              json={"expected_version": 1, "patch": copies + removals})
    assert answer.status_code == 413, answer.text  # refused before it grew: else no answer, or no memory
    assert answer.json()["error"]["code"] == "patch_refused"
    assert "60,000 values" in answer.json()["error"]["message"]
    draft = await drafts.get_draft(demo, "report-missed-bin")
    assert draft is not None and draft.version == 1 and "copy0" not in draft.definition


async def test_a_patch_that_changes_nothing_records_nothing(http: httpx.AsyncClient, demo: store.Council) -> None:
    """A patch of tests only (or one that puts back what is there) leaves the draft at its
    version, with no step to undo and nothing in the audit log."""
    auth = await key(demo, ["services:write"])
    assert (await http.post(f"{API}/services/report-missed-bin/draft", headers=auth, json={})).status_code == 201
    hint = SHIPPED["pages"][1]["fields"][0]["hint"]
    for patch in ([{"op": "test", "path": HINT, "value": hint}],
                  [{"op": "replace", "path": HINT, "value": hint}]):
        answer = await http.patch(f"{API}/services/report-missed-bin/draft", headers=auth,
                                  json={"expected_version": 1, "patch": patch})
        assert answer.status_code == 200, answer.text
        assert answer.json()["version"] == 1
    draft = await drafts.get_draft(demo, "report-missed-bin")
    assert draft is not None and draft.version == 1
    assert not await store.AuditEntry.filter(council_id=demo.id, action="draft-changed").exists()


async def test_another_councils_services_and_missing_scopes(http: httpx.AsyncClient, demo: store.Council) -> None:
    other = await store.create_council("elsewhere", "Elsewhere Council")
    theirs = await key(other, ["services:write"])
    for method, path in (("GET", "/services/report-missed-bin/draft"), ("GET", "/services/report-missed-bin/versions"),
                         ("POST", "/services/report-missed-bin/draft")):
        answer = await http.request(method, f"{API}{path}", headers=theirs, json={} if method == "POST" else None)
        assert answer.status_code == 404, (path, answer.text)
    assert (await http.get(f"{API}/services", headers=theirs)).json() == {"services": []}
    reader = await key(demo, ["submissions:read"])
    assert (await http.get(f"{API}/services", headers=reader)).status_code == 403
    assert (await http.post(f"{API}/services/report-missed-bin/draft", headers=reader, json={})).status_code == 403
    assert await drafts.get_draft(demo, "report-missed-bin") is None


async def test_the_description_documents_the_builders_operations(http: httpx.AsyncClient, demo: store.Council) -> None:
    described = (await http.get(f"{API}/openapi.json")).json()
    assert {"/services", "/services/{service_id}/draft", "/services/{service_id}/publish",
            "/services/{service_id}/versions", "/services/{service_id}/diff"} <= set(described["paths"])
    assert "/submissions" in described["paths"] and "Draft" in described["components"]["schemas"]
