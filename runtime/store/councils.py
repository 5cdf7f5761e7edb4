"""Councils: the tenancies of an installation."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from tortoise.exceptions import IntegrityError

from runtime.store.errors import StoreError
from runtime.store.lookups import could_exist
from runtime.store.models import Council
from runtime.store.secrets import SecretBox

SLUG = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
# Top-level paths the apps use themselves: a council cannot be called any of these.
RESERVED_SLUGS = frozenset({
    "assets", "theme", "outbox", "staff", "api", "static", "health", "status", "payments", "_sandbox",
    "catalogue",  # a hosted catalogue's /catalogue/metadata/ and /catalogue/targets/
    # Fixed paths of the staff app, beside /staff/<council>:
    "invitations", "councils", "account", "sign-in", "sign-out", "password-reset",
})

SETTINGS = (
    "name", "brand_colour", "logo_url", "contact_email", "contact_phone", "website_url",
    "accessibility_url", "privacy_url", "languages", "email_sender_name", "email_sender_address",
    "email_reply_to",
)


MAX_NAME = 200


class CouncilError(StoreError):
    code = "council"


async def create_council(slug: str, name: str, **fields: Any) -> Council:
    """Create a council; ``fields`` sets any of SETTINGS. Refuses bad and taken slugs."""
    if not SLUG.fullmatch(slug) or len(slug) > 64:  # fullmatch: `$` would let a trailing newline in
        raise CouncilError(f"{slug!r} is not a slug: use lower-case letters, digits and single hyphens")
    if slug in RESERVED_SLUGS:
        raise CouncilError(f"{slug!r} is a name Borough keeps for itself")
    if not name.strip():
        raise CouncilError("a council needs a name")
    if len(name.strip()) > MAX_NAME:
        raise CouncilError(f"a council's name must be {MAX_NAME} characters or fewer")
    unknown = set(fields) - set(SETTINGS)
    if unknown:  # payment settings have their own function, which seals the secret
        raise CouncilError(f"not a council setting: {', '.join(sorted(unknown))}")
    try:
        return await Council.create(slug=slug, name=name.strip(), **fields)
    except IntegrityError:
        raise CouncilError(f"a council with the slug {slug!r} already exists") from None


def settings_of(council: Council) -> dict[str, Any]:
    """The council's settings that may be shown and audited (no secrets)."""
    return {name: getattr(council, name) for name in SETTINGS} | {
        "payment_provider": council.payment_provider,
        "payment_account": council.payment_account,
    }


async def update_council(council: Council, **changes: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """Change some of SETTINGS; returns (before, after) of what changed, for the audit log."""
    unknown = set(changes) - set(SETTINGS)
    if unknown:
        raise CouncilError(f"not a council setting: {', '.join(sorted(unknown))}")
    before = {k: getattr(council, k) for k in changes if getattr(council, k) != changes[k]}
    after = {k: changes[k] for k in before}
    if after:
        # A queryset update skips auto_now fields, so updated_at is set here.
        await Council.filter(id=council.id).update(**after, updated_at=datetime.now(UTC))
        for key, value in after.items():
            setattr(council, key, value)
    return before, after


async def set_payment_account(council: Council, box: SecretBox, provider: str | None, account: str | None,
                              secret: str | None) -> None:
    """Set the council's payment provider, account and (when given) its secret key, sealed.
    A secret of None keeps the one already stored."""
    changes: dict[str, Any] = {"payment_provider": provider, "payment_account": account}
    if secret:
        changes["payment_secret"] = box.seal(secret)
    if provider is None:
        changes["payment_secret"] = None
    changes["updated_at"] = datetime.now(UTC)
    await Council.filter(id=council.id).update(**changes)
    for key, value in changes.items():
        setattr(council, key, value)


def payment_secret(council: Council, box: SecretBox) -> str | None:
    return box.open(council.payment_secret) if council.payment_secret else None


async def set_payment_webhook_secret(council: Council, box: SecretBox, secret: str | None) -> None:
    """The secret(s) the provider signs webhooks with; several, comma-separated, while rotating."""
    sealed = box.seal(secret) if secret else None
    await Council.filter(id=council.id).update(payment_webhook_secret=sealed, updated_at=datetime.now(UTC))
    council.payment_webhook_secret = sealed  # type: ignore[assignment]


def payment_webhook_secret(council: Council, box: SecretBox) -> str | None:
    return box.open(council.payment_webhook_secret) if council.payment_webhook_secret else None


async def get_council(slug: str) -> Council | None:
    """The council whose slug is `slug` (from a URL: any text), or None."""
    if not could_exist(Council, "slug", slug):
        return None
    return await Council.get_or_none(slug=slug)


async def get_council_by_id(council_id: int) -> Council | None:
    return await Council.get_or_none(id=council_id)


async def list_councils() -> list[Council]:
    """Every council, by name."""
    return await Council.all().order_by("name", "slug")
