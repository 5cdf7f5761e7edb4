"""What the delivery tests share: the installation's key, endpoint secrets, a workflow, and a
helper that sends an application (which queues its ``submission.created`` webhooks)."""

from __future__ import annotations

from typing import Any

from runtime.core.links import Links
from runtime.store import Council, SecretBox, Submission, publish_version, start_journey, submit

BOX = SecretBox("delivery-test-installation-key")
LINKS = Links("https://borough.example", "delivery-test-installation-key")
SECRET_A = "whsec_alpha_0123456789abcdefghijklmnop"
SECRET_B = "whsec_beta_0123456789abcdefghijklmnopq"

WORKFLOW = {
    "id": "permit",
    "initial": "received",
    "states": {
        "received": {"on": {"DONE": {"target": "done"}, "LOOK": {"target": "looking"}},
                     "meta": {"label": "New", "residentText": "We have it.", "tag": "blue"}},
        "looking": {"on": {"DONE": {"target": "done"}},
                    "meta": {"label": "Being looked at", "residentText": "We are looking.", "tag": "yellow"}},
        "done": {"type": "final", "meta": {"label": "Done", "residentText": "Done.", "tag": "green"}},
    },
}

DEFINITION = {"id": "apply-for-a-permit", "version": "1.0.0", "title": "Apply for a permit", "workflow": WORKFLOW}


async def application(council: Council, answers: dict[str, Any] | None = None) -> Submission:
    """A new application of ``council``, sent: its ``submission.created`` webhooks are queued."""
    version = await publish_version(council, DEFINITION, "d" * 64)
    journey = await start_journey(council, version, "en")
    submission, created = await submit(journey, answers or {"name": "Pat Example"}, "received", links=LINKS)
    assert created
    return submission
