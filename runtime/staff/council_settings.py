"""A council's settings (admins only): brand and contact details, payments, email.

Every change is audited with before and after. Secrets never reach the audit log, a page or
its JSON twin: staff see a masked key, and an empty key field keeps the stored one.
"""

from __future__ import annotations

import math
import re
from typing import Any
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import Response

from runtime import store
from runtime.core.formats import is_email, is_uk_phone
from runtime.staff.context import Staff, audit, path
from runtime.staff.forms import Errors, error, first, form_page, posted
from runtime.staff.notices import redirect_with_notice
from runtime.store import api_keys
from runtime.web import context as web

MINIMUM_CONTRAST = 4.5
HEX_COLOUR = re.compile(r"^#?([0-9a-fA-F]{6})$")
CONTROL = re.compile(r"[\x00-\x1f\x7f]")

LANGUAGE_NAMES = {"en": "English", "cy": "Welsh (Cymraeg)"}

# Form value -> stored value; "none" stands for no provider (None).
PROVIDERS = {"none": None, "sandbox": "sandbox", "govuk_pay": "govuk_pay", "stripe": "stripe"}
PROVIDER_NAMES = {"none": "No online payments", "sandbox": "Sandbox (for testing: no real money)",
                  "govuk_pay": "GOV.UK Pay", "stripe": "Stripe"}
SHORT_PROVIDER_NAMES = {"sandbox": "Sandbox", "govuk_pay": "GOV.UK Pay", "stripe": "Stripe"}
REAL_PROVIDERS = ("govuk_pay", "stripe")

# Checks -------------------------------------------------------------------------------------

def relative_luminance(colour: str) -> float:
    """WCAG 2 relative luminance of a #rrggbb colour."""
    def linear(channel: int) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b)


def contrast_with_white(colour: str) -> float:
    """The WCAG contrast ratio of white text on `colour`, from 1 to 21."""
    return 1.05 / (relative_luminance(colour) + 0.05)


def ratio_text(ratio: float) -> str:
    """A ratio for people, rounded down so 4.49 never reads as 4.5."""
    return f"{math.floor(ratio * 100) / 100:g}:1"


def url_problem(value: str, what: str, *, local_http: bool = False) -> str | None:
    """Why `value` is not an https web address (None when it is). `what` names the field in
    the message; `local_http` also allows http://localhost and http://127.0.0.1."""
    example = "like https://www.example.gov.uk"
    if len(value) > 500:
        return f"{what} must be 500 characters or fewer"
    try:
        parts = urlsplit(value)
        _ = parts.port  # a port that is not a number is refused here
    except ValueError:
        return f"Enter {what.lower()} as a full web address, {example}"
    host = parts.hostname or ""
    local = local_http and parts.scheme == "http" and host in ("localhost", "127.0.0.1")
    if (parts.scheme != "https" and not local) or not host or any(ch.isspace() for ch in value) or CONTROL.search(value):
        return f"Enter {what.lower()} as a full web address starting with https://, {example}"
    if parts.username is not None or parts.password is not None:
        return f"Enter {what.lower()} without a user name or password in it"
    return None


def text_problem(value: str, what: str, limit: int) -> str | None:
    if len(value) > limit:
        return f"{what} must be {limit} characters or fewer"
    if CONTROL.search(value):
        return f"{what} must not contain line breaks or control characters"
    return None


def council_payload(council: store.Council) -> dict[str, str]:
    """As the resident pages name it: the layout then links the council's own stylesheet."""
    return {"slug": council.slug, "name": council.name}


def stored_secret(council: store.Council, box: store.SecretBox) -> tuple[str | None, bool]:
    """The council's payment key and whether one is stored but cannot be opened (sealed with
    another installation key)."""
    try:
        return store.payment_secret(council, box), False
    except ValueError:
        return None, True


def stored_webhook_secret(council: store.Council, box: store.SecretBox) -> tuple[str | None, bool]:
    """The provider's webhook signing secret(s), as `stored_secret`."""
    try:
        return store.payment_webhook_secret(council, box), False
    except ValueError:
        return None, True


# Brand and contact details ------------------------------------------------------------------

URL_FIELDS = {
    "logo_url": "The logo address",
    "website_url": "The website address",
    "accessibility_url": "The accessibility statement address",
    "privacy_url": "The privacy notice address",
}


def read_settings(form: dict[str, list[str]]) -> tuple[dict[str, Any], Errors]:
    errors: Errors = []
    values: dict[str, Any] = {name: first(form, name) for name in (
        "name", "brand_colour", "logo_url", "contact_email", "contact_phone", "website_url",
        "accessibility_url", "privacy_url")}
    if not values["name"]:
        error(errors, "name", "Enter the council's name", "required")
    elif problem := text_problem(values["name"], "The council's name", 200):
        error(errors, "name", problem, "name")
    colour = HEX_COLOUR.match(values["brand_colour"])
    if not values["brand_colour"]:
        error(errors, "brand_colour", "Enter the brand colour, like #1d70b8", "required")
    elif colour is None:
        error(errors, "brand_colour", "Enter the brand colour as a # and 6 hexadecimal digits, like #1d70b8", "format")
    else:
        values["brand_colour"] = "#" + colour.group(1).lower()
        ratio = contrast_with_white(values["brand_colour"])
        if ratio < MINIMUM_CONTRAST:
            error(errors, "brand_colour",
                  f"Choose a darker brand colour: white text on {values['brand_colour']} has a contrast ratio of "
                  f"{ratio_text(ratio)}, and it needs to be at least 4.5:1", "contrast")
    for name, what in URL_FIELDS.items():
        if values[name] and (problem := url_problem(values[name], what)):
            error(errors, name, problem, "url")
    email = values["contact_email"]
    if email and (len(email) > 254 or not is_email(email)):
        error(errors, "contact_email",
              "Enter the contact email address in the correct format, like contact@example.gov.uk", "email")
    phone = values["contact_phone"]
    if phone and (len(phone) > 40 or not is_uk_phone(phone)):
        error(errors, "contact_phone", "Enter a UK phone number, like 01632 960 001", "phone")
    chosen = set(form.get("languages") or [])
    values["languages"] = ["en"] + (["cy"] if "cy" in chosen else [])  # English is always on
    for name in ("logo_url", "contact_email", "contact_phone", "website_url", "accessibility_url", "privacy_url"):
        values[name] = values[name] or None
    # Keep the fields in the order of the form for the error summary.
    order = ["name", "brand_colour", "logo_url", "contact_email", "contact_phone", "website_url",
             "accessibility_url", "privacy_url"]
    errors.sort(key=lambda e: order.index(e["field"]))
    return values, errors


async def settings(request: Request, staff: Staff) -> Response:
    assert staff.council is not None
    council = staff.council
    errors: Errors = []
    values: dict[str, Any] = {name: getattr(council, name) for name in store.councils.SETTINGS}
    if request.method == "POST":
        posted_values, errors = read_settings(await posted(request))
        if not errors:
            before, after = await store.update_council(council, **posted_values)
            if after:
                await audit(request, staff, "settings-changed", council.slug, before=before, after=after)
            return redirect_with_notice(request, path(request, "settings", council=council.slug), "Settings saved")
        values = {**values, **posted_values}
    secret, unreadable = stored_secret(council, request.app.state.box)
    endpoints = await store.webhooks.endpoints(council)
    live_keys = sum(1 for key in await api_keys.keys_of(council) if key.revoked_at is None)
    slug = council.slug
    colour = council.brand_colour
    payload = {
        "page": {"heading": "Settings"},
        # Named as on resident pages, so the layout links the council's stylesheet for the preview.
        "council": council_payload(council),
        "values": {**{name: values.get(name) or "" for name in (
            "name", "brand_colour", "logo_url", "contact_email", "contact_phone", "website_url",
            "accessibility_url", "privacy_url")}, "languages": list(values.get("languages") or ["en"])},
        "languages": [{"code": code, "text": text} for code, text in LANGUAGE_NAMES.items()],
        "brand": {"name": council.name, "colour": colour,
                  "contrast": ratio_text(contrast_with_white(colour)) if HEX_COLOUR.match(colour or "") else None},
        "sections": [
            {"key": "payments", "text": "Payments", "action": "Change",
             "summary": _payments_summary(council, store.masked(secret), unreadable),
             "href": path(request, "payment_settings", council=slug)},
            {"key": "email", "text": "Email", "action": "Change",
             "summary": (f"{council.email_sender_name} <{council.email_sender_address}>"
                         if council.email_sender_address else "Not set"),
             "href": path(request, "email_settings", council=slug)},
            {"key": "webhooks", "text": "Webhooks", "action": "Manage",
             "summary": (f"{len(endpoints)} endpoint{'s' if len(endpoints) != 1 else ''}" if endpoints else "None"),
             "href": path(request, "webhooks", council=slug)},
            {"key": "api_keys", "text": "API keys", "action": "Manage",
             "summary": (f"{live_keys} in use" if live_keys else "None"),
             "href": path(request, "api_keys", council=slug)},
        ],
        "errors": errors,
        "links": {"action": path(request, "settings", council=slug), "stylesheet": f"/theme/{slug}.css"},
    }
    return form_page(request, "staff/settings.html", payload, staff)


def _payments_summary(council: store.Council, masked_secret: str | None, unreadable: bool) -> str:
    if council.payment_provider is None:
        return "No online payments"
    parts = [SHORT_PROVIDER_NAMES.get(council.payment_provider, council.payment_provider)]
    if council.payment_account:
        parts.append(f"account {council.payment_account}")
    if unreadable:
        parts.append("the stored key cannot be read: enter it again")
    elif masked_secret:
        parts.append(f"key {masked_secret}")
    return ", ".join(parts)


# Payments -----------------------------------------------------------------------------------

async def payment_settings(request: Request, staff: Staff) -> Response:
    assert staff.council is not None
    council = staff.council
    box: store.SecretBox = request.app.state.box
    production = web.settings(request).production
    errors: Errors = []
    stored_provider = next((k for k, v in PROVIDERS.items() if v == council.payment_provider), "none")
    values = {"provider": stored_provider, "account": council.payment_account or ""}
    secret, unreadable = stored_secret(council, box)
    hook_secret, hook_unreadable = stored_webhook_secret(council, box)
    if request.method == "POST":
        form = await posted(request)
        values = {"provider": first(form, "provider"), "account": first(form, "account")}
        new_secret = first(form, "secret")
        new_hook_secret = ",".join(part.strip() for part in first(form, "webhook_secret").split(",") if part.strip())
        provider = values["provider"]
        if provider not in PROVIDERS:
            error(errors, "provider", "Select how this council takes payments", "required")
        elif provider == "sandbox" and production:
            error(errors, "provider", "The sandbox cannot take real payments: choose GOV.UK Pay, Stripe or no online "
                                      "payments", "production")
        if provider != "none" and (problem := text_problem(values["account"], "The account ID", 200)):
            error(errors, "account", problem, "account")
        if provider != "none" and (problem := secret_problem(new_secret, "The secret API key")):
            error(errors, "secret", problem, "secret")
        if provider in REAL_PROVIDERS and not new_secret and (secret is None or stored_provider != provider):
            error(errors, "secret", f"Enter the secret API key for {PROVIDER_NAMES[provider]}", "required")
        if provider in REAL_PROVIDERS and (problem := secret_problem(new_hook_secret, "The webhook signing secret")):
            error(errors, "webhook_secret", problem, "secret")
        if not errors:
            chosen = PROVIDERS[provider]
            account = (values["account"] or None) if chosen else None
            changed_secret = bool(chosen and new_secret and new_secret != secret)
            changed_hook = bool(provider in REAL_PROVIDERS and new_hook_secret and new_hook_secret != hook_secret)
            before = {"payment_provider": council.payment_provider, "payment_account": council.payment_account}
            after = {"payment_provider": chosen, "payment_account": account}
            before, after = ({k: v for k, v in before.items() if v != after[k]},
                             {k: v for k, v in after.items() if v != before[k]})
            # Secrets never reach the audit log: only that they changed.
            if changed_secret:
                after["payment_secret"] = "changed"
            elif chosen is None and council.payment_secret is not None:
                after["payment_secret"] = "removed"
            if changed_hook:
                after["payment_webhook_secret"] = "changed"
            elif chosen is None and council.payment_webhook_secret is not None:
                after["payment_webhook_secret"] = "removed"
            if after:
                await store.set_payment_account(council, box, chosen, account, new_secret if changed_secret else None)
                if changed_hook or chosen is None:
                    await store.set_payment_webhook_secret(council, box, new_hook_secret if changed_hook else None)
                await audit(request, staff, "payment-settings-changed", council.slug, before=before, after=after)
            return redirect_with_notice(request, path(request, "payment_settings", council=council.slug),
                                        "Payment settings saved")
    providers = [{"value": value, "text": text} for value, text in PROVIDER_NAMES.items()
                 if value != "sandbox" or not production or stored_provider == "sandbox"]
    payload = {
        "page": {"heading": "Payments"},
        "providers": providers,
        "values": values,  # never a secret
        "stored": {"provider": council.payment_provider, "account": council.payment_account,
                   "secret": store.masked(secret), "secret_unreadable": unreadable,
                   "webhook_secret": store.masked(hook_secret), "webhook_secret_unreadable": hook_unreadable},
        "errors": errors,
        "links": {"action": path(request, "payment_settings", council=council.slug),
                  "back": path(request, "settings", council=council.slug)},
    }
    return form_page(request, "staff/settings_payments.html", payload, staff)


def secret_problem(value: str, what: str) -> str | None:
    if len(value) > 1000:
        return f"{what} must be 1000 characters or fewer"
    if any(ch.isspace() for ch in value) or CONTROL.search(value):
        return f"{what} must not contain spaces"
    return None


# Email --------------------------------------------------------------------------------------

async def email_settings(request: Request, staff: Staff) -> Response:
    assert staff.council is not None
    council = staff.council
    errors: Errors = []
    values = {"sender_name": council.email_sender_name or "", "sender_address": council.email_sender_address or "",
              "reply_to": council.email_reply_to or ""}
    if request.method == "POST":
        form = await posted(request)
        values = {name: first(form, name) for name in values}
        if not values["sender_name"]:
            error(errors, "sender_name", "Enter the sender name", "required")
        elif problem := text_problem(values["sender_name"], "The sender name", 200):
            error(errors, "sender_name", problem, "name")
        if not values["sender_address"]:
            error(errors, "sender_address", "Enter the sender email address", "required")
        elif len(values["sender_address"]) > 254 or not is_email(values["sender_address"]):
            error(errors, "sender_address",
                  "Enter the sender email address in the correct format, like forms@example.gov.uk", "email")
        if values["reply_to"] and (len(values["reply_to"]) > 254 or not is_email(values["reply_to"])):
            error(errors, "reply_to",
                  "Enter the reply-to email address in the correct format, like contact@example.gov.uk", "email")
        if not errors:
            before, after = await store.update_council(
                council, email_sender_name=values["sender_name"], email_sender_address=values["sender_address"],
                email_reply_to=values["reply_to"] or None)
            if after:
                await audit(request, staff, "email-settings-changed", council.slug, before=before, after=after)
            return redirect_with_notice(request, path(request, "email_settings", council=council.slug),
                                        "Email settings saved")
    payload = {
        "page": {"heading": "Email"},
        "values": values,
        "errors": errors,
        "links": {"action": path(request, "email_settings", council=council.slug),
                  "back": path(request, "settings", council=council.slug)},
    }
    return form_page(request, "staff/settings_email.html", payload, staff)
