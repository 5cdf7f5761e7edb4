"""A council's API keys (admins only): list, create, revoke.

A new key is shown once, on the page that confirms it, and never again: only its hash is
kept. Revoking takes effect at the next request the key makes. The keys are for the JSON API
in runtime/api/app.py.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from runtime.staff.context import Staff, audit, page, path
from runtime.staff.forms import Errors, error, first, form_page, posted
from runtime.staff.notices import redirect_with_notice
from runtime.staff.secret_pages import confirmed, shown_once
from runtime.store import api_keys
from runtime.store.models import ApiKey, Council
from runtime.web.context import ClientError

SCOPE_TEXT = {
    "submissions:read": ("Read applications", "List applications and read their answers, status and history"),
    "files:read": ("Download files", "Download the files residents uploaded"),
    "events:write": ("Change status", "Move applications through their workflow, as staff do"),
    "services:write": ("Build and publish services", "Start, change, check and publish service drafts, as designers and publishers do"),
}


def scope_items() -> list[dict[str, str]]:
    return [{"value": scope, "text": SCOPE_TEXT[scope][0], "hint": f"{scope}: {SCOPE_TEXT[scope][1]}"}
            for scope in api_keys.SCOPES]


def _when(moment: Any) -> str | None:
    return moment.strftime("%-d %B %Y %H:%M") if moment else None


def key_payload(request: Request, council: Council, key: ApiKey) -> dict[str, Any]:
    """What staff see of a key: never the key itself, nor its hash."""
    return {
        "id": key.id,
        "name": key.name,
        "prefix": key.prefix,
        "scopes": list(key.scopes),
        "created_at": key.created_at.isoformat(),
        "created": _when(key.created_at),
        "last_used_at": key.last_used_at.isoformat() if key.last_used_at else None,
        "last_used": _when(key.last_used_at),
        "revoked_at": key.revoked_at.isoformat() if key.revoked_at else None,
        "revoked": _when(key.revoked_at),
        "revoke": path(request, "revoke_api_key", council=council.slug, key_id=key.id),
    }


async def api_key_list(request: Request, staff: Staff) -> Response:
    """GET lists the keys with a form for a new one; POST makes the key and shows it once."""
    assert staff.council is not None
    council = staff.council
    errors: Errors = []
    values: dict[str, Any] = {"name": "", "scopes": ["submissions:read"]}
    if request.method == "POST":
        form = await posted(request)
        values = {"name": first(form, "name"), "scopes": [s for s in api_keys.SCOPES if s in (form.get("scopes") or [])]}
        if not values["name"]:
            error(errors, "name", "Enter a name for the key, like the system that will use it", "required")
        elif len(values["name"]) > api_keys.MAX_NAME:
            error(errors, "name", f"The name must be {api_keys.MAX_NAME} characters or fewer", "maxLength")
        if not values["scopes"]:
            error(errors, "scopes", "Select what the key may do", "required")
        if not errors:
            key, secret = await api_keys.create_key(council, values["name"], values["scopes"], staff.user)
            await audit(request, staff, "api-key-created", key.prefix,
                        after={"name": key.name, "prefix": key.prefix, "scopes": list(key.scopes)})
            created: dict[str, Any] = {
                "page": {"heading": "Your new API key"},
                "notice": f"API key {key.name} created",
                "key": key_payload(request, council, key),
                # Shown this once, to the person who made it; only its hash is kept.
                "secret": secret,
                "links": {"keys": path(request, "api_keys", council=council.slug)},
            }
            return shown_once(request, "staff/api_keys_created.html", created, staff)
    keys = await api_keys.keys_of(council)
    payload: dict[str, Any] = {
        "page": {"heading": "API keys"},
        "keys": [key_payload(request, council, key) for key in keys],
        "scopes": scope_items(),
        "values": values,
        "errors": errors,
        "links": {"action": path(request, "api_keys", council=council.slug),
                  "back": path(request, "settings", council=council.slug)},
    }
    return form_page(request, "staff/api_keys.html", payload, staff)


async def revoke_api_key(request: Request, staff: Staff) -> Response:
    """GET asks "are you sure?"; POST revokes. Another council's key is not found."""
    assert staff.council is not None
    council = staff.council
    confirming = await confirmed(request)
    key = await api_keys.get_key(council, request.path_params["key_id"])
    if key is None:
        raise ClientError(404, "page_not_found")
    if confirming:
        if key.revoked_at is None:
            revoked = await api_keys.revoke(council, key.id)
            await audit(request, staff, "api-key-revoked", key.prefix,
                        before={"name": key.name, "prefix": key.prefix, "scopes": list(key.scopes)},
                        after={"revoked_at": revoked.revoked_at.isoformat() if revoked and revoked.revoked_at else None})
        return redirect_with_notice(request, path(request, "api_keys", council=council.slug),
                                    f"API key {key.name} revoked")
    payload = {
        "page": {"heading": "Are you sure you want to revoke this API key?"},
        "key": key_payload(request, council, key),
        "links": {"action": path(request, "revoke_api_key", council=council.slug, key_id=key.id),
                  "cancel": path(request, "api_keys", council=council.slug)},
    }
    return page(request, "staff/api_keys_revoke.html", payload, staff)
