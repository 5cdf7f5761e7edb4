"""An audit entry's before and after, as lines a member of staff reads: "Brand colour: #1d70b8
→ #00703c", "Note: Crew booked for Tuesday". The stored data stays as it was recorded (the
JSON twin gives it); this is only how the audit log page says it.

A field in both before and after reads "old → new" (or just its value when it did not
change); one only in after reads as its value; one only in before is marked "(before)".
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from runtime.core.fees import format_pence

LONGEST = 200  # characters of one value; a note can be 5,000

FIELD_NAMES = {
    "accessibility_url": "Accessibility statement address",
    "assigned_to": "Assigned to (staff number)",
    "brand_colour": "Brand colour",
    "contact_email": "Contact email address",
    "contact_phone": "Contact phone number",
    "email_reply_to": "Reply-to address",
    "email_sender_address": "Sender email address",
    "email_sender_name": "Sender name",
    "event": "Action",
    "event_type": "Event",
    "last_error": "Last error",
    "last_status": "Last answer (HTTP status)",
    "logo_url": "Logo address",
    "new_account": "New account",
    "pages": "Pages to answer again",
    "payment_account": "Payment account",
    "payment_provider": "Payment provider",
    "payment_secret": "Payment secret key",
    "payment_webhook_secret": "Payment webhook signing secret",
    "privacy_url": "Privacy notice address",
    "revoked_at": "Revoked at",
    "secret": "Signing secret",
    "secrets": "Signing secrets in use",
    "state": "Status",
    "url": "Web address",
    "visible_to_resident": "Shown to the resident",
    "website_url": "Website address",
}

# Values that mean more in their own unit than as a bare number.
VALUE_TEXTS: dict[str, Callable[[Any], str]] = {
    "amount": lambda pence: format_pence(pence) if isinstance(pence, int) else value_text(pence),
}


def field_name(key: str) -> str:
    return FIELD_NAMES.get(key) or key.replace("_", " ").replace("-", " ").capitalize()


def value_text(value: Any) -> str:
    """A recorded value in words: nothing, yes or no, a list joined, a long text cut short."""
    if value is None or value == "" or value == [] or value == {}:
        return "nothing"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        text = ", ".join(value_text(item) for item in value)
    elif isinstance(value, dict):
        text = "; ".join(f"{field_name(str(key))}: {value_text(item)}" for key, item in value.items())
    else:
        text = str(value)
    text = " ".join(text.split())  # one line, whatever newlines a note had
    return text if len(text) <= LONGEST else text[:LONGEST - 1].rstrip() + "…"


# The fields that say what an entry is about, in this order, before all others.
LEADING = ("state", "event", "event_type", "email", "url")


def _place(key: str) -> tuple[int, str]:
    return (LEADING.index(key), "") if key in LEADING else (len(LEADING), key)


def _text(key: str, value: Any) -> str:
    return VALUE_TEXTS.get(key, value_text)(value)


def change_lines(before: dict[str, Any] | None, after: dict[str, Any] | None) -> list[str]:
    """One line per field recorded: what the entry is about first (LEADING), then the rest by
    name. Not the order recorded: PostgreSQL keeps a JSON object's keys in an order of its own
    (shortest first), SQLite as written, and the page must read the same on both."""
    old, new = before or {}, after or {}
    lines = []
    for key in sorted({*old, *new}, key=_place):
        name = field_name(key)
        if key in old and key in new:
            if old[key] == new[key]:
                lines.append(f"{name}: {_text(key, new[key])}")
            else:
                lines.append(f"{name}: {_text(key, old[key])} → {_text(key, new[key])}")
        elif key in new:
            lines.append(f"{name}: {_text(key, new[key])}")
        else:
            lines.append(f"{name}: {_text(key, old[key])} (before)")
    return lines
