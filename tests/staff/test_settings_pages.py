"""Council settings and webhooks (admins only), through the assembled app on a real database.

Every change is audited with before and after; a brand colour white text cannot be read on is
refused; the payment key and webhook signing secrets are sealed at rest and never shown back
(the webhook secret once, on the page that confirms it); other roles get 403, other councils'
staff 404, and a form without its CSRF token 403, changing nothing.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
from bs4 import BeautifulSoup
from quick_passwords import quick_hash

from borough.app import assemble
from runtime import store
from runtime.settings import ROOT, Settings
from runtime.staff.council_settings import contrast_with_white
from runtime.store.models import Council, WebhookEndpoint

BASE = "http://127.0.0.1:8000"
SECRET_KEY = "settings-pages-secret-" + "z" * 32
PASSWORD = "a long enough staff password"
PAY_KEY = "api_test_k3y_0123456789abcdefSECRET"
HOOK_KEY = "whsec_0123456789abcdefHOOKSECRET"


# A member of staff driving the app ----------------------------------------------------------

class Browser:
    """One browser: its own cookies; posts forms with the CSRF token the page gave it."""

    def __init__(self, app: Any) -> None:
        self.http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE)
        self.seen: list[str] = []  # every response body, to search for secrets

    async def get(self, url: str, **kwargs: Any) -> httpx.Response:
        response = await self.http.get(url, **kwargs)
        self.seen.append(response.text)
        return response

    async def token(self, url: str = "/staff/sign-in") -> str:
        page = await self.get(url)
        found = BeautifulSoup(page.text, "html.parser").find("input", attrs={"name": "csrf_token"})
        assert found is not None, f"no form on {url} ({page.status_code})"
        return str(found["value"])

    async def sign_in(self, email: str) -> None:
        token = await self.token()
        response = await self.http.post("/staff/sign-in", data={"csrf_token": token, "email": email, "password": PASSWORD})
        assert response.status_code == 303, response.text[:300]

    async def post(self, url: str, data: dict[str, Any] | None = None, *, csrf: bool = True) -> httpx.Response:
        fields = dict(data or {})
        if csrf:
            fields["csrf_token"] = await self.token()
        response = await self.http.post(url, data=fields)
        self.seen.append(response.text)
        return response


async def make_user(email: str, council: store.Council, roles: list[str]) -> store.StaffUser:
    user = await store.staff.create_user(email, email.split("@")[0].title(), quick_hash(PASSWORD))
    await store.staff.grant(user, council, roles)
    return user


@dataclass
class World:
    app: Any
    settings: Settings
    north: store.Council
    south: store.Council
    browsers: list[Browser]

    async def browser(self, email: str | None = None) -> Browser:
        browser = Browser(self.app)
        self.browsers.append(browser)
        if email:
            await browser.sign_in(email)
        return browser

    @property
    def box(self) -> store.SecretBox:
        return store.SecretBox(SECRET_KEY)


def make_settings(tmp_path: Path, db: str, environment: str = "test") -> Settings:
    return Settings(database_url=db, base_url=BASE, secret_key=SECRET_KEY, environment=environment,
                    files_dir=tmp_path / "files", themes_dir=ROOT / "themes")


@pytest.fixture
async def world(tmp_path: Path, db: str) -> AsyncIterator[World]:
    settings = make_settings(tmp_path, db)
    north = await store.create_council("north", "Northshire District Council")
    south = await store.create_council("south", "Southshire Borough Council")
    await make_user("admin@north.test", north, ["admin"])
    await make_user("admin@south.test", south, ["admin"])
    found = World(assemble(settings, "all", connect_database=False), settings, north, south, [])
    yield found
    for browser in found.browsers:
        await browser.http.aclose()


async def fresh(council: store.Council) -> store.Council:
    found = await store.get_council(council.slug)
    assert found is not None
    return found


async def entries(council: store.Council, action: str) -> list[store.AuditEntry]:
    return [e for e in await store.audit.entries(council, limit=1000) if e.action == action]


def error_summary(html: str) -> list[str]:
    summary = BeautifulSoup(html, "html.parser").select_one(".govuk-error-summary")
    assert summary is not None, "an error summary"
    return [a.get_text(strip=True) for a in summary.select("a")]


GOOD_SETTINGS = {
    "name": "Northshire Council",
    "brand_colour": "#00703C",
    "logo_url": "https://north.example.gov.uk/logo.png",
    "contact_email": "contact@north.example.gov.uk",
    "contact_phone": "01632 960 001",
    "website_url": "https://north.example.gov.uk",
    "accessibility_url": "https://north.example.gov.uk/accessibility",
    "privacy_url": "https://north.example.gov.uk/privacy",
    "languages": ["en", "cy"],
}

ROUTES = [
    ("GET", "/staff/{c}/settings"), ("POST", "/staff/{c}/settings"),
    ("GET", "/staff/{c}/settings/payments"), ("POST", "/staff/{c}/settings/payments"),
    ("GET", "/staff/{c}/settings/email"), ("POST", "/staff/{c}/settings/email"),
    ("GET", "/staff/{c}/webhooks"), ("POST", "/staff/{c}/webhooks"),
    ("GET", "/staff/{c}/webhooks/{e}/remove"), ("POST", "/staff/{c}/webhooks/{e}/remove"),
]


# Brand and contact settings -----------------------------------------------------------------

def test_contrast_is_the_wcag_ratio() -> None:
    assert contrast_with_white("#ffffff") == pytest.approx(1.0)
    assert contrast_with_white("#000000") == pytest.approx(21.0)
    assert contrast_with_white("#1d70b8") == pytest.approx(5.17, abs=0.01)  # GOV.UK blue
    assert contrast_with_white("#767676") == pytest.approx(4.54, abs=0.01)  # the lightest grey that passes
    assert contrast_with_white("#777777") < 4.5


async def test_an_admin_changes_the_brand_and_contact_settings_and_it_is_audited(world: World) -> None:
    admin = await world.browser("admin@north.test")
    form = await admin.get("/staff/north/settings")
    assert form.status_code == 200
    assert "#1d70b8" in form.text and 'href="/theme/north.css"' in form.text
    saved = await admin.post("/staff/north/settings", GOOD_SETTINGS)
    assert saved.status_code == 303 and saved.headers["location"] == "/staff/north/settings"
    council = await fresh(world.north)
    assert council.name == "Northshire Council" and council.brand_colour == "#00703c"
    assert council.logo_url == "https://north.example.gov.uk/logo.png"
    assert council.contact_email == "contact@north.example.gov.uk" and council.contact_phone == "01632 960 001"
    assert council.website_url == "https://north.example.gov.uk"
    assert council.accessibility_url == "https://north.example.gov.uk/accessibility"
    assert council.privacy_url == "https://north.example.gov.uk/privacy"
    assert council.languages == ["en", "cy"]
    [entry] = await entries(world.north, "settings-changed")
    assert entry.actor_label == "admin@north.test" and entry.target == "north"
    assert entry.before == {"name": "Northshire District Council", "brand_colour": "#1d70b8", "logo_url": None,
                            "contact_email": None, "contact_phone": None, "website_url": None,
                            "accessibility_url": None, "privacy_url": None, "languages": ["en"]}
    assert entry.after == {**{k: v for k, v in GOOD_SETTINGS.items() if k != "brand_colour"}, "brand_colour": "#00703c"}

    after = await admin.get(saved.headers["location"])
    page = BeautifulSoup(after.text, "html.parser")
    assert page.select_one(".govuk-notification-banner--success") is not None
    preview = page.select_one("#brand-preview")
    assert preview is not None and "Northshire Council" in preview.get_text() and preview.get("style") is None
    assert "#00703c" in after.text and not page.select("[style]")
    assert (await admin.get("/theme/north.css")).text.strip() == ":root { --borough-brand: #00703c; }"
    twin = (await admin.get("/staff/north/settings.json")).json()
    assert twin["values"]["brand_colour"] == "#00703c" and twin["brand"]["colour"] == "#00703c"

    # English stays on even when unticked (a disabled box is not sent); optional fields clear.
    cleared = await admin.post("/staff/north/settings", {"name": "Northshire Council", "brand_colour": "#00703c"})
    assert cleared.status_code == 303
    council = await fresh(world.north)
    assert council.languages == ["en"] and council.logo_url is None and council.contact_email is None
    latest = (await entries(world.north, "settings-changed"))[0]
    assert latest.before is not None and latest.after is not None
    assert latest.before["languages"] == ["en", "cy"] and latest.after["languages"] == ["en"]
    assert "name" not in latest.after  # only what changed

    # Saving without changes writes nothing to the audit log.
    assert (await admin.post("/staff/north/settings", {"name": "Northshire Council", "brand_colour": "#00703c"})).status_code == 303
    assert len(await entries(world.north, "settings-changed")) == 2


async def test_a_brand_colour_white_text_cannot_be_read_on_is_refused(world: World) -> None:
    admin = await world.browser("admin@north.test")
    refused = await admin.post("/staff/north/settings", {**GOOD_SETTINGS, "brand_colour": "#ffdd00"})
    assert refused.status_code == 422
    [message] = error_summary(refused.text)
    assert "Choose a darker brand colour" in message and "#ffdd00" in message and "4.5:1" in message
    assert re.search(r"contrast ratio of 1\.\d+:1", message)
    assert BeautifulSoup(refused.text, "html.parser").select_one("#brand_colour-error") is not None
    council = await fresh(world.north)
    assert council.brand_colour == "#1d70b8" and council.name == "Northshire District Council"  # nothing changes
    assert await entries(world.north, "settings-changed") == []
    # Just below the line is refused too, and the JSON twin says why.
    twin = await admin.http.post("/staff/north/settings.json", data={**GOOD_SETTINGS, "brand_colour": "#777777",
                                                                     "csrf_token": await admin.token()})
    assert twin.status_code == 422
    assert [(e["field"], e["keyword"]) for e in twin.json()["errors"]] == [("brand_colour", "contrast")]


async def test_settings_are_checked(world: World) -> None:
    admin = await world.browser("admin@north.test")
    refused = await admin.post("/staff/north/settings", {
        "name": "", "brand_colour": "blue", "logo_url": "http://north.example.gov.uk/logo.png",
        "contact_email": "not an email", "contact_phone": "12", "website_url": "javascript:alert(1)",
        "accessibility_url": "https://user:pass@north.example.gov.uk/a", "privacy_url": "ftp://north.example.gov.uk",
    })
    assert refused.status_code == 422
    fields = [e["field"] for e in (await admin.http.post("/staff/north/settings.json", data={
        "csrf_token": await admin.token(), "name": "", "brand_colour": "blue", "logo_url": "http://x.test",
        "contact_email": "nope", "contact_phone": "12", "website_url": "javascript:alert(1)",
        "accessibility_url": "https://user:pass@x.test/a", "privacy_url": "ftp://x.test"})).json()["errors"]]
    assert fields == ["name", "brand_colour", "logo_url", "contact_email", "contact_phone", "website_url",
                      "accessibility_url", "privacy_url"]
    assert len(error_summary(refused.text)) == 8
    assert (await fresh(world.north)).name == "Northshire District Council"
    assert await entries(world.north, "settings-changed") == []


# Payments -----------------------------------------------------------------------------------

async def test_the_payment_key_is_sealed_never_shown_and_kept_when_left_empty(world: World) -> None:
    admin = await world.browser("admin@north.test")
    saved = await admin.post("/staff/north/settings/payments", {"provider": "govuk_pay", "account": "acct-123",
                                                                "secret": PAY_KEY, "webhook_secret": HOOK_KEY})
    assert saved.status_code == 303
    council = await fresh(world.north)
    assert council.payment_provider == "govuk_pay" and council.payment_account == "acct-123"
    [(raw, raw_hook)] = await Council.filter(id=council.id).values_list("payment_secret", "payment_webhook_secret")
    assert raw and PAY_KEY not in raw and raw_hook and HOOK_KEY not in raw_hook  # sealed at rest
    assert store.payment_secret(council, world.box) == PAY_KEY
    assert store.payment_webhook_secret(council, world.box) == HOOK_KEY
    [entry] = await entries(world.north, "payment-settings-changed")
    assert entry.before == {"payment_provider": None, "payment_account": None}
    assert entry.after == {"payment_provider": "govuk_pay", "payment_account": "acct-123", "payment_secret": "changed",
                           "payment_webhook_secret": "changed"}

    page = await admin.get("/staff/north/settings/payments")
    assert str(store.masked(PAY_KEY)) in page.text  # ••••••••CRET: recognisable, not usable
    for name in ("secret", "webhook_secret"):
        field = BeautifulSoup(page.text, "html.parser").select_one(f"#{name}")
        assert field is not None and field["type"] == "password" and field.get("value") is None
    twin = (await admin.get("/staff/north/settings/payments.json")).json()
    assert twin["stored"]["secret"] == store.masked(PAY_KEY) and twin["values"]["provider"] == "govuk_pay"
    assert twin["stored"]["webhook_secret"] == store.masked(HOOK_KEY)

    # An empty key keeps the stored one; the account changes.
    kept = await admin.post("/staff/north/settings/payments", {"provider": "govuk_pay", "account": "acct-456", "secret": ""})
    assert kept.status_code == 303
    council = await fresh(world.north)
    assert store.payment_secret(council, world.box) == PAY_KEY and council.payment_account == "acct-456"
    assert store.payment_webhook_secret(council, world.box) == HOOK_KEY
    latest = (await entries(world.north, "payment-settings-changed"))[0]
    assert latest.after == {"payment_account": "acct-456"} and latest.before == {"payment_account": "acct-123"}

    # A refused form does not echo the key back.
    refused = await admin.post("/staff/north/settings/payments", {"provider": "bitcoin", "secret": "another-k3y-value"})
    assert refused.status_code == 422 and "another-k3y-value" not in refused.text

    # A new key replaces it.
    assert (await admin.post("/staff/north/settings/payments",
                             {"provider": "govuk_pay", "account": "acct-456", "secret": PAY_KEY + "2"})).status_code == 303
    assert store.payment_secret(await fresh(world.north), world.box) == PAY_KEY + "2"
    # While rotating, the provider's new and old webhook secrets are both kept.
    assert (await admin.post("/staff/north/settings/payments", {"provider": "govuk_pay", "account": "acct-456",
                                                                "webhook_secret": f" whsec_new , {HOOK_KEY} "})).status_code == 303
    assert store.payment_webhook_secret(await fresh(world.north), world.box) == f"whsec_new,{HOOK_KEY}"

    # No payments clears the key and the account.
    assert (await admin.post("/staff/north/settings/payments", {"provider": "none", "account": "x"})).status_code == 303
    council = await fresh(world.north)
    assert council.payment_provider is None and council.payment_account is None and council.payment_secret is None
    assert council.payment_webhook_secret is None
    latest = (await entries(world.north, "payment-settings-changed"))[0]
    assert latest.after == {"payment_provider": None, "payment_account": None, "payment_secret": "removed",
                            "payment_webhook_secret": "removed"}

    # Nowhere: no page, JSON twin or audit entry shows the key.
    for url in ("/staff/north/settings", "/staff/north/settings.json", "/staff/north/settings/payments",
                "/staff/north/settings/payments.json", "/staff/north"):
        await admin.get(url)
    for body in admin.seen:
        assert PAY_KEY not in body and HOOK_KEY not in body
    for entry in await store.audit.entries(world.north, limit=1000):
        assert PAY_KEY not in repr(entry.before) + repr(entry.after)
        assert HOOK_KEY not in repr(entry.before) + repr(entry.after)


async def test_payment_settings_are_checked(world: World, tmp_path: Path) -> None:
    admin = await world.browser("admin@north.test")
    needs_key = await admin.post("/staff/north/settings/payments", {"provider": "stripe", "account": "acct"})
    assert needs_key.status_code == 422 and error_summary(needs_key.text) == ["Enter the secret API key for Stripe"]
    assert (await fresh(world.north)).payment_provider is None
    # The sandbox needs no key outside production.
    assert (await admin.post("/staff/north/settings/payments", {"provider": "sandbox"})).status_code == 303
    assert (await fresh(world.north)).payment_provider == "sandbox"

    production = Browser(assemble(make_settings(tmp_path, world.settings.database_url, "production"), "all",
                                  connect_database=False))
    world.browsers.append(production)
    await production.sign_in("admin@north.test")
    refused = await production.post("/staff/north/settings/payments", {"provider": "sandbox", "account": "a"})
    assert refused.status_code == 422 and "The sandbox cannot take real payments" in error_summary(refused.text)[0]
    assert (await fresh(world.north)).payment_account is None


# Email --------------------------------------------------------------------------------------

async def test_an_admin_changes_the_email_settings_and_it_is_audited(world: World) -> None:
    admin = await world.browser("admin@north.test")
    assert (await admin.get("/staff/north/settings/email")).status_code == 200
    refused = await admin.post("/staff/north/settings/email",
                               {"sender_name": "", "sender_address": "north", "reply_to": "reply@"})
    assert refused.status_code == 422 and len(error_summary(refused.text)) == 3
    assert (await fresh(world.north)).email_sender_address is None
    saved = await admin.post("/staff/north/settings/email", {"sender_name": "Northshire Forms",
                                                             "sender_address": "forms@north.example.gov.uk",
                                                             "reply_to": "help@north.example.gov.uk"})
    assert saved.status_code == 303
    council = await fresh(world.north)
    assert (council.email_sender_name, council.email_sender_address, council.email_reply_to) == (
        "Northshire Forms", "forms@north.example.gov.uk", "help@north.example.gov.uk")
    [entry] = await entries(world.north, "email-settings-changed")
    assert entry.before == {"email_sender_name": None, "email_sender_address": None, "email_reply_to": None}
    assert entry.after == {"email_sender_name": "Northshire Forms", "email_sender_address": "forms@north.example.gov.uk",
                           "email_reply_to": "help@north.example.gov.uk"}
    twin = (await admin.get("/staff/north/settings/email.json")).json()
    assert twin["values"]["sender_address"] == "forms@north.example.gov.uk"
    # Header injection through the sender name is refused.
    injected = await admin.post("/staff/north/settings/email", {"sender_name": "A\r\nBcc: x@y.test",
                                                                "sender_address": "forms@north.example.gov.uk"})
    assert injected.status_code == 422 and (await fresh(world.north)).email_sender_name == "Northshire Forms"


# Webhooks -----------------------------------------------------------------------------------

async def test_a_webhook_secret_is_shown_once_and_sealed_at_rest(world: World) -> None:
    admin = await world.browser("admin@north.test")
    assert (await admin.get("/staff/north/webhooks")).status_code == 200
    added = await admin.post("/staff/north/webhooks", {"url": "https://crm.north.example.gov.uk/hook",
                                                       "events": ["submission.created"]})
    assert added.status_code == 200 and added.headers["cache-control"] == "no-store"
    page = BeautifulSoup(added.text, "html.parser")
    shown = page.select_one("#signing-secret")
    assert shown is not None
    secret = shown.get_text(strip=True)
    assert len(secret) >= 40
    assert "You will not see it again" in added.text
    [endpoint] = await store.webhooks.endpoints(world.north)
    assert endpoint.url == "https://crm.north.example.gov.uk/hook" and endpoint.events == ["submission.created"]
    raw = await WebhookEndpoint.filter(id=endpoint.id).values_list("secret", flat=True)
    assert secret not in raw[0] and store.webhooks.endpoint_secret(endpoint, world.box) == secret
    [entry] = await entries(world.north, "webhook-added")
    assert entry.after == {"url": endpoint.url, "events": ["submission.created"], "secret": "generated"}
    assert entry.target == str(endpoint.id)

    listing = await admin.get("/staff/north/webhooks")
    twin = await admin.get("/staff/north/webhooks.json")
    assert "crm.north.example.gov.uk/hook" in listing.text
    assert twin.json()["endpoints"][0]["url"] == endpoint.url
    for url in ("/staff/north/settings", "/staff/north/settings.json",
                f"/staff/north/webhooks/{endpoint.id}/remove", f"/staff/north/webhooks/{endpoint.id}/remove.json"):
        await admin.get(url)
    after_confirmation = admin.seen[admin.seen.index(added.text) + 1:]
    assert len(after_confirmation) >= 6
    for body in after_confirmation:
        assert secret not in body
    for audited in await store.audit.entries(world.north, limit=1000):
        assert secret not in repr(audited.before) + repr(audited.after)

    # Each endpoint gets its own secret.
    second = await admin.post("/staff/north/webhooks", {"url": "https://other.example/hook",
                                                        "events": ["submission.created", "submission.status_changed"]})
    other = BeautifulSoup(second.text, "html.parser").select_one("#signing-secret")
    assert other is not None and other.get_text(strip=True) != secret


async def test_webhook_addresses_and_events_are_checked(world: World, tmp_path: Path) -> None:
    admin = await world.browser("admin@north.test")
    for url in ("http://crm.example/hook", "ftp://crm.example", "crm.example/hook", "https://u:p@crm.example/", ""):
        refused = await admin.post("/staff/north/webhooks", {"url": url, "events": ["submission.created"]})
        assert refused.status_code == 422, url
        assert BeautifulSoup(refused.text, "html.parser").select_one("#url-error") is not None
    no_events = await admin.post("/staff/north/webhooks", {"url": "https://crm.example/hook"})
    assert no_events.status_code == 422 and error_summary(no_events.text) == ["Select at least one event to send"]
    unknown = await admin.post("/staff/north/webhooks", {"url": "https://crm.example/hook", "events": ["everything"]})
    assert unknown.status_code == 422
    assert await store.webhooks.endpoints(world.north) == []
    # Local http addresses for testing, outside production only.
    for url in ("http://127.0.0.1:9000/hook", "http://localhost/hook"):
        assert (await admin.post("/staff/north/webhooks", {"url": url, "events": ["submission.created"]})).status_code == 200
    production = Browser(assemble(make_settings(tmp_path, world.settings.database_url, "production"), "all",
                                  connect_database=False))
    world.browsers.append(production)
    await production.sign_in("admin@north.test")
    for url in ("http://127.0.0.1:9000/hook", "https://127.0.0.1/hook", "https://10.0.0.5/hook", "https://localhost/x"):
        refused = await production.post("/staff/north/webhooks", {"url": url, "events": ["submission.created"]})
        assert refused.status_code == 422, url
    assert len(await store.webhooks.endpoints(world.north)) == 2


async def test_removing_a_webhook_asks_first_and_is_audited(world: World) -> None:
    admin = await world.browser("admin@north.test")
    endpoint = await store.webhooks.add_endpoint(world.north, world.box, "https://crm.example/hook", "s", ["submission.created"])
    ask = await admin.get(f"/staff/north/webhooks/{endpoint.id}/remove")
    assert ask.status_code == 200 and "Are you sure" in ask.text
    assert await store.webhooks.get_endpoint(world.north, endpoint.id) is not None
    removed = await admin.post(f"/staff/north/webhooks/{endpoint.id}/remove")
    assert removed.status_code == 303 and removed.headers["location"] == "/staff/north/webhooks"
    assert await store.webhooks.endpoints(world.north) == []
    [entry] = await entries(world.north, "webhook-removed")
    assert entry.before == {"url": "https://crm.example/hook", "events": ["submission.created"]}
    assert (await admin.post(f"/staff/north/webhooks/{endpoint.id}/remove")).status_code == 404
    assert (await admin.get(f"/staff/north/webhooks/{endpoint.id + 1000}/remove")).status_code == 404


# Who may ------------------------------------------------------------------------------------

async def snapshot(council: store.Council) -> tuple[Any, ...]:
    found = await fresh(council)
    return (
        {name: getattr(found, name) for name in (*store.councils.SETTINGS, "payment_provider", "payment_account",
                                                 "payment_secret", "payment_webhook_secret")},
        [(e.id, e.url) for e in await store.webhooks.endpoints(council)],
        [(e.action, e.target) for e in await store.audit.entries(council, limit=1000)],
    )


def posted_for(url: str) -> dict[str, Any]:
    """A form that would change something, were it allowed."""
    if url.endswith("/settings"):
        return {**GOOD_SETTINGS, "name": "Changed"}
    if url.endswith("/payments"):
        return {"provider": "stripe", "account": "a", "secret": PAY_KEY, "webhook_secret": HOOK_KEY}
    if url.endswith("/email"):
        return {"sender_name": "Changed", "sender_address": "changed@example.gov.uk"}
    if url.endswith("/webhooks"):
        return {"url": "https://changed.example/hook", "events": ["submission.created"]}
    return {}


@pytest.mark.parametrize("role", ["caseworker", "designer", "publisher"])
async def test_other_roles_are_forbidden(world: World, role: str) -> None:
    await make_user(f"{role}@north.test", world.north, [role])
    person = await world.browser(f"{role}@north.test")
    endpoint = await store.webhooks.add_endpoint(world.north, world.box, "https://crm.example/hook", "s", ["submission.created"])
    before = await snapshot(world.north)
    for method, template in ROUTES:
        url = template.format(c="north", e=endpoint.id)
        response = await (person.get(url) if method == "GET" else person.post(url, posted_for(url)))
        assert response.status_code == 403, f"{role} {method} {url}: {response.status_code}"
        if method == "GET":
            assert (await person.get(url + ".json")).status_code == 403
    assert await snapshot(world.north) == before
    # Nor does the menu offer them the settings.
    assert "/staff/north/settings" not in (await person.get("/staff/north")).text


async def test_another_councils_staff_get_not_found(world: World) -> None:
    south_admin = await world.browser("admin@south.test")
    endpoint = await store.webhooks.add_endpoint(world.north, world.box, "https://crm.example/hook", "s", ["submission.created"])
    south_endpoint = await store.webhooks.add_endpoint(world.south, world.box, "https://south.example/hook", "s",
                                                       ["submission.created"])
    before = await snapshot(world.north)
    for method, template in ROUTES:
        for url in {template.format(c="north", e=endpoint.id), template.format(c="north", e=south_endpoint.id)}:
            response = await (south_admin.get(url) if method == "GET" else south_admin.post(url, posted_for(url)))
            assert response.status_code == 404, f"{method} {url}: {response.status_code}"
            if method == "GET":
                assert (await south_admin.get(url + ".json")).status_code == 404
    # North's endpoint through South's own URL is not found either.
    for method in ("GET", "POST"):
        url = f"/staff/south/webhooks/{endpoint.id}/remove"
        response = await (south_admin.get(url) if method == "GET" else south_admin.post(url))
        assert response.status_code == 404
    assert await snapshot(world.north) == before
    assert [e.url for e in await store.webhooks.endpoints(world.south)] == ["https://south.example/hook"]
    for body in south_admin.seen:
        assert "crm.example" not in body and "Northshire" not in body


async def test_every_post_without_a_csrf_token_is_refused_and_changes_nothing(world: World) -> None:
    admin = await world.browser("admin@north.test")
    endpoint = await store.webhooks.add_endpoint(world.north, world.box, "https://crm.example/hook", "s", ["submission.created"])
    await admin.get("/staff/north/settings")  # the browser has its CSRF cookie
    before = await snapshot(world.north)
    for method, template in ROUTES:
        if method != "POST":
            continue
        url = template.format(c="north", e=endpoint.id)
        for forged in ({}, {"csrf_token": "0" * 64}):
            # Always a form (an empty body is a bad request, 400), without its token or with a forged one.
            response = await admin.post(url, {"filler": "x", **posted_for(url), **forged}, csrf=False)
            assert response.status_code == 403, f"{url} {forged}: {response.status_code}"
    assert await snapshot(world.north) == before


async def test_signed_out_visitors_are_sent_to_sign_in(world: World) -> None:
    visitor = await world.browser()
    for method, template in ROUTES:
        if method == "GET":
            url = template.format(c="north", e=1)
            response = await visitor.get(url)
            assert response.status_code == 303 and response.headers["location"].startswith("/staff/sign-in?next=")
