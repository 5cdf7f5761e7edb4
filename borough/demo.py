"""The embedded default: a demo council with every shipped service published, so `make run`
shows something real on a fresh machine."""

from __future__ import annotations

import secrets
from pathlib import Path

from runtime import store
from runtime.core.definition import load
from runtime.core.service import content_hash
from runtime.staff.passwords import hash_password

SERVICES_DIR = Path(__file__).resolve().parents[1] / "schemas" / "services"
DEMO_SLUG = "demo"
DEMO_ADMIN = "admin@demo.borough.test"
DEMO_NAME = "Demo Borough Council"


def shipped_definitions() -> list[Path]:
    return sorted(SERVICES_DIR.glob("*.json"))


async def load_demo(services_dir: Path = SERVICES_DIR) -> store.Council:
    """Create the demo council if missing and publish every shipped service (idempotent)."""
    council = await store.get_council(DEMO_SLUG)
    if council is None:
        council = await store.create_council(DEMO_SLUG, DEMO_NAME, languages=["en", "cy"])
        # The demo takes payments through the built-in sandbox (refused in production).
        await store.set_payment_account(council, store.SecretBox("unused: the sandbox has no secret"), "sandbox",
                                        None, None)
    for path in sorted(services_dir.glob("*.json")):
        document = load(path.read_bytes())
        try:
            await store.publish_version(council, document, content_hash(document))
        except store.VersionConflict:
            # The file changed without a new version number: keep what was published, say so.
            print(f"borough: {path.name} changed but kept version {document['version']}; bump it to publish")
    return council


async def demo_admin(council: store.Council) -> str | None:
    """Create the demo council's admin on first start; returns the new password, shown once."""
    if await store.staff.user_by_email(DEMO_ADMIN) is not None:
        return None
    password = secrets.token_urlsafe(12)
    user = await store.staff.create_user(DEMO_ADMIN, "Demo admin", hash_password(password), operator=True)
    await store.staff.grant(user, council, list(store.staff.ROLES))
    await store.audit.record(council, None, "user-created", user.email, after={"roles": list(store.staff.ROLES)},
                             actor_label="borough serve --demo")
    return password
