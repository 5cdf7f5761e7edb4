"""A council's webhook endpoints: signing secrets sealed at rest, and no council reaches
another's endpoints by id."""

from __future__ import annotations

import re

import pytest

from runtime.store import Council, SecretBox, WebhookEndpoint, webhooks

BOX = SecretBox("the installation's key")
SECRET = "whsec_0123456789abcdef"


async def test_the_signing_secret_is_sealed_at_rest(council: Council) -> None:
    added = await webhooks.add_endpoint(council, BOX, "https://crm.northshire.example/hooks", SECRET,
                                        ["submission.created"])
    stored = await WebhookEndpoint.get(id=added.id)
    assert SECRET not in stored.secret
    assert webhooks.endpoint_secret(stored, BOX) == SECRET
    with pytest.raises(ValueError, match="another BOROUGH_SECRET_KEY"):
        webhooks.endpoint_secret(stored, SecretBox("another key"))
    assert (stored.url, stored.events, stored.active) == (
        "https://crm.northshire.example/hooks", ["submission.created"], True)


async def test_unknown_events_are_refused(council: Council) -> None:
    with pytest.raises(ValueError, match=re.escape("unknown events: submission.deleted")):
        await webhooks.add_endpoint(council, BOX, "https://crm.example/hooks", SECRET,
                                    ["submission.created", "submission.deleted"])
    assert await webhooks.endpoints(council) == []


async def test_another_councils_endpoint_is_not_found(council: Council, other_council: Council) -> None:
    theirs = await webhooks.add_endpoint(other_council, BOX, "https://crm.southshire.example/hooks", SECRET,
                                         list(webhooks.EVENTS))
    mine = await webhooks.add_endpoint(council, BOX, "https://crm.northshire.example/hooks", SECRET,
                                       ["submission.status_changed"])
    assert [e.id for e in await webhooks.endpoints(council)] == [mine.id]
    assert await webhooks.get_endpoint(council, theirs.id) is None
    assert await webhooks.remove_endpoint(council, theirs.id) is None
    assert await webhooks.get_endpoint(other_council, theirs.id) is not None  # still there
    removed = await webhooks.remove_endpoint(council, mine.id)
    assert removed is not None and removed.id == mine.id
    assert await webhooks.endpoints(council) == []
    assert [e.id for e in await webhooks.endpoints(other_council)] == [theirs.id]
