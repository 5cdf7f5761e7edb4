"""The audit log says what changed in words, a line per field ("Status: received → checking"),
never as raw JSON; the JSON twin still gives the data as recorded."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bs4 import BeautifulSoup
from sent_applications import send
from staff_client import StaffClient, make_user

from runtime import store
from runtime.staff.audit_changes import change_lines


def changes_on(html: str) -> dict[str, list[str]]:
    """Each entry's lines in the Change column, by what was done (the newest of each)."""
    found: dict[str, list[str]] = {}
    for row in BeautifulSoup(html, "html.parser").select("main table tbody tr"):
        cells = row.select("td")
        action = cells[2].get_text(" ", strip=True).split(" ")[0]
        found.setdefault(action, [item.get_text(" ", strip=True) for item in cells[3].select("li")])
    return found


async def test_the_audit_log_reads_as_lines_of_what_changed(demo: store.Council, staff_app: Any,
                                                           new_client: Callable[[], StaffClient]) -> None:
    council = demo
    await make_user("ada@demo.test", council, list(store.staff.ROLES))
    admin = new_client()
    assert (await admin.sign_in("ada@demo.test")).status_code == 303
    submission = await send(council, "apply-parking-permit")
    here = f"/staff/demo/applications/{submission.reference}"
    page = BeautifulSoup((await admin.http.get(here)).text, "html.parser")
    [form] = [f for f in page.select("main form") if f.select_one("input[name=event][value=START_CHECKS]")]
    fields = {str(i["name"]): i.get("value", "") for i in form.select("input[type=hidden]")}
    moved = await admin.http.post(str(form["action"]), data={**fields, "note": "Looking\nnow", "visible": "yes"})
    assert moved.status_code == 303
    saved = await admin.post("/staff/demo/settings/email", {"sender_name": "Demo forms",
                                                            "sender_address": "forms@demo.example"})
    assert saved.status_code == 303

    shown = await admin.http.get("/staff/demo/audit")
    lines = changes_on(shown.text)
    assert lines["application-action"] == ["Status: received → checking", "Action: START_CHECKS",
                                           "Note: Looking now", "Shown to the resident: yes"]
    assert "Sender name: nothing → Demo forms" in lines["email-settings-changed"]
    assert "Sender email address: nothing → forms@demo.example" in lines["email-settings-changed"]
    change_column = " ".join(line for entry in lines.values() for line in entry)
    assert "{" not in change_column and '"' not in change_column
    assert BeautifulSoup(shown.text, "html.parser").select("main code") == []

    twin = (await admin.http.get("/staff/demo/audit.json")).json()
    action = next(e for e in twin["entries"] if e["action"] == "application-action")
    assert action["before"] == {"state": "received"} and action["after"]["note"] == "Looking\nnow"
    assert action["changes"] == lines["application-action"]


def test_values_read_as_words() -> None:
    assert change_lines({"roles": ["admin", "caseworker"]}, {"roles": ["caseworker"]}) == [
        "Roles: admin, caseworker → caseworker"]
    assert change_lines(None, {"amount": 1250, "reason": "", "visible_to_resident": False}) == [
        "Amount: £12.50", "Reason: nothing", "Shown to the resident: no"]
    assert change_lines({"email": "ann@example.org", "roles": ["admin"]}, None) == [
        "Email: ann@example.org (before)", "Roles: admin (before)"]
    assert change_lines({"url": "https://a.example/", "secrets": 1}, {"url": "https://a.example/", "secrets": 2}) == [
        "Web address: https://a.example/", "Signing secrets in use: 1 → 2"]
    [long] = change_lines(None, {"note": "word " * 100})
    assert long.startswith("Note: word word") and long.endswith("…") and len(long) < 220
    assert change_lines(None, None) == [] and change_lines({}, {}) == []


def test_lines_keep_one_order_whatever_order_the_database_kept_the_keys_in() -> None:
    # PostgreSQL's jsonb gives keys back shortest first; SQLite as they were written.
    as_written = change_lines({"state": "received"}, {"state": "checking", "event": "START", "note": "On it"})
    as_jsonb = change_lines({"state": "received"}, {"note": "On it", "event": "START", "state": "checking"})
    assert as_written == as_jsonb == ["Status: received → checking", "Action: START", "Note: On it"]
