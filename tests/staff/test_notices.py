"""After every staff form that worked, the page it leads to says so once, in a GOV.UK success
notification banner: workflow actions, assigning, settings, people, webhooks, API keys. The
notice rides in a signed cookie (runtime/staff/notices.py), so it needs no JavaScript, shows
once, cannot be forged and is shown as text, never as markup."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx2 as httpx
import pytest
from bs4 import BeautifulSoup
from itsdangerous import URLSafeTimedSerializer
from sent_applications import send
from staff_client import StaffClient, make_user

from runtime import store
from runtime.settings import Settings
from runtime.staff.notices import NOTICE_COOKIE
from runtime.store.models import ApiKey

PERMIT = "apply-parking-permit"


@dataclass
class Office:
    council: store.Council
    admin: StaffClient


@pytest.fixture
async def office(demo: store.Council, staff_app: Any, new_client: Callable[[], StaffClient]) -> Office:
    council = demo
    await make_user("ada@demo.test", council, list(store.staff.ROLES))
    admin = new_client()
    assert (await admin.sign_in("ada@demo.test")).status_code == 303
    return Office(council, admin)


def success_banner(response: httpx.Response) -> str | None:
    """The text of the page's success banner (the GOV.UK one: an alert titled Success), or None."""
    page = BeautifulSoup(response.text, "html.parser")
    banners = page.select("main .govuk-notification-banner--success")
    assert len(banners) <= 1, f"{len(banners)} success banners"
    if not banners:
        return None
    banner = banners[0]
    assert banner.get("role") == "alert"
    title = banner.select_one(".govuk-notification-banner__title")
    assert title is not None and title.get_text(strip=True) == "Success"
    return banner.select_one(".govuk-notification-banner__content").get_text(" ", strip=True)  # type: ignore[union-attr]


async def landed(client: StaffClient, response: httpx.Response) -> httpx.Response:
    """Follow the redirect of a form that worked, as a browser does."""
    assert response.status_code == 303, response.text[:500]
    return await client.http.get(response.headers["location"])


async def form_fields(client: StaffClient, url: str, button: str) -> tuple[str, dict[str, Any]]:
    """The action and hidden fields of the form on `url` whose button says `button`."""
    page = BeautifulSoup((await client.http.get(url)).text, "html.parser")
    for form in page.select("main form"):
        found = form.select_one("button")
        if found is not None and found.get_text(strip=True) == button:
            fields = {str(i["name"]): i.get("value", "") for i in form.select("input[type=hidden]")}
            return str(form["action"]), fields
    raise AssertionError(f"no {button!r} form on {url}")


async def test_a_workflow_action_and_assigning_say_so_once(office: Office) -> None:
    submission = await send(office.council, PERMIT)
    here = f"/staff/demo/applications/{submission.reference}"
    assert success_banner(await office.admin.http.get(here)) is None
    action, fields = await form_fields(office.admin, here, "Start checking evidence")
    shown = await landed(office.admin, await office.admin.http.post(action, data=fields))
    assert str(shown.url).endswith(here)
    assert success_banner(shown) == "Done: Start checking evidence. The status is now Checking evidence"
    # Once: the same page again has no banner.
    assert success_banner(await office.admin.http.get(here)) is None

    colleague = await make_user("col@demo.test", office.council, ["caseworker"])
    action, fields = await form_fields(office.admin, here, "Assign")
    assigned = await office.admin.http.post(action, data={**fields, "assignee": str(colleague.id)})
    assert success_banner(await landed(office.admin, assigned)) == "Application assigned to Col"
    nobody = await office.admin.http.post(action, data={**fields, "assignee": ""})
    assert success_banner(await landed(office.admin, nobody)) == "Application no longer assigned to anyone"


async def test_settings_and_people_changes_say_so(office: Office) -> None:
    admin = office.admin
    invited = await admin.post("/staff/demo/people/invite", {"email": "Bea@Demo.test", "roles": ["designer"]})
    assert success_banner(await landed(admin, invited)) == "We have sent an invitation to bea@demo.test"

    colleague = await make_user("cy@demo.test", office.council, ["designer"])
    changed = await admin.post(f"/staff/demo/people/{colleague.id}/roles", {"roles": ["designer", "caseworker"]})
    assert success_banner(await landed(admin, changed)) == "Cy's roles are now: Designer, Caseworker"
    removed = await admin.post(f"/staff/demo/people/{colleague.id}/remove")
    assert success_banner(await landed(admin, removed)) == f"Cy (cy@demo.test) removed from {office.council.name}"

    fields = {"sender_name": "Demo forms", "sender_address": "forms@demo.example", "reply_to": ""}
    saved = await admin.post("/staff/demo/settings/email", fields)
    assert success_banner(await landed(admin, saved)) == "Email settings saved"


async def test_webhooks_and_api_keys_say_so(office: Office) -> None:
    admin = office.admin
    added = await admin.post("/staff/demo/webhooks", {"url": "https://crm.example/hook",
                                                      "events": ["submission.created"]})
    assert added.status_code == 200  # the page that shows the secret once
    assert success_banner(added) == "Webhook added: https://crm.example/hook"
    [endpoint] = await store.webhooks.endpoints(office.council)
    rotated = await admin.post(f"/staff/demo/webhooks/{endpoint.id}/rotate-secret")
    assert rotated.status_code == 200 and success_banner(rotated) == "New signing secret made"
    stopped = await admin.post(f"/staff/demo/webhooks/{endpoint.id}/stop-old-secret")
    assert success_banner(await landed(admin, stopped)) == "Messages are now signed with the new secret only"
    removed = await admin.post(f"/staff/demo/webhooks/{endpoint.id}/remove")
    assert success_banner(await landed(admin, removed)) == "Webhook removed: https://crm.example/hook"

    made = await admin.post("/staff/demo/api-keys", {"name": "Payroll", "scopes": ["submissions:read"]})
    assert made.status_code == 200 and success_banner(made) == "API key Payroll created"
    key = await ApiKey.get(name="Payroll")
    revoked = await admin.post(f"/staff/demo/api-keys/{key.id}/revoke")
    assert success_banner(await landed(admin, revoked)) == "API key Payroll revoked"


async def test_a_notice_is_text_and_cannot_be_forged(office: Office, staff_settings: Settings) -> None:
    admin = office.admin
    named = '<b id="bold">Payroll</b> & "CRM"'
    made = await admin.post("/staff/demo/api-keys", {"name": named, "scopes": ["submissions:read"]})
    key = await ApiKey.get(name=named)
    revoked = await admin.post(f"/staff/demo/api-keys/{key.id}/revoke")
    shown = await landed(admin, revoked)
    assert success_banner(shown) == f"API key {named} revoked"
    assert BeautifulSoup(shown.text, "html.parser").select_one("#bold") is None
    assert BeautifulSoup(made.text, "html.parser").select_one(".govuk-notification-banner #bold") is None

    # Words of one's own, unsigned or signed with another key, show nothing.
    for value in ("Your account is closed: call 0900 000 000",
                  URLSafeTimedSerializer("another-secret-" + "z" * 32, salt="borough.staff.notice").dumps("Pay now")):
        admin.http.cookies.set(NOTICE_COOKIE, value, domain="127.0.0.1", path="/staff")
        page = await admin.http.get("/staff/demo")
        assert page.status_code == 200 and success_banner(page) is None
        assert "0900" not in page.text and "Pay now" not in page.text
    # The same cookie, signed with this installation's key, is shown: the ones above did arrive.
    genuine = URLSafeTimedSerializer(staff_settings.secret_key, salt="borough.staff.notice").dumps("Pay now")
    admin.http.cookies.set(NOTICE_COOKIE, genuine, domain="127.0.0.1", path="/staff")
    assert success_banner(await admin.http.get("/staff/demo")) == "Pay now"
