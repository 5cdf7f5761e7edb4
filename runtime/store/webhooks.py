"""A council's back-office webhook endpoints; signing secrets are sealed at rest."""

from __future__ import annotations

from runtime.store.models import Council, WebhookEndpoint
from runtime.store.scope import owned
from runtime.store.secrets import SecretBox

EVENTS = ("submission.created", "submission.status_changed")


async def endpoints(council: Council) -> list[WebhookEndpoint]:
    return await owned(WebhookEndpoint, council).order_by("id")


async def add_endpoint(council: Council, box: SecretBox, url: str, secret: str, events: list[str]) -> WebhookEndpoint:
    unknown = set(events) - set(EVENTS)
    if unknown:
        raise ValueError(f"unknown events: {', '.join(sorted(unknown))}")
    return await WebhookEndpoint.create(council=council, url=url, secret=box.seal(secret), events=events)


async def get_endpoint(council: Council, endpoint_id: int) -> WebhookEndpoint | None:
    return await owned(WebhookEndpoint, council).get_or_none(id=endpoint_id)


async def remove_endpoint(council: Council, endpoint_id: int) -> WebhookEndpoint | None:
    found = await get_endpoint(council, endpoint_id)
    if found is not None:
        await owned(WebhookEndpoint, council).filter(id=endpoint_id).delete()
    return found


def endpoint_secret(endpoint: WebhookEndpoint, box: SecretBox) -> str:
    return box.open(endpoint.secret)
