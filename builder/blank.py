"""A blank service: the smallest definition that passes the meta-schema and lint, for a
designer to start from.

It asks one question, the resident's email address (the workflow's notifications go to the
answer called `email`), and has a two-state workflow: received, then done.
"""

from __future__ import annotations

from typing import Any

from builder.inputs import count, short_text
from builder.naming import slug


def blank_definition(
    *,
    title: str,
    summary: str,
    lgsl: int,
    publisher_id: str,
    publisher_name: str,
    service_id: str | None = None,
) -> dict[str, Any]:
    """A new service called `title` ("Request a replacement wheelie bin"), published by the
    council `publisher_id`; its id is made from the title unless given."""
    name = short_text(title, "the service's name")
    return {
        "format": 1,
        "id": service_id or slug(name, fallback="service", most_words=8),
        "version": "0.1.0",
        "title": name,
        "summary": short_text(summary, "the summary"),
        "lgsl": count(lgsl, "the LGSL code", least=1, most=99999),
        "licence": "OGL-3.0",
        "publisher": {"id": publisher_id, "name": short_text(publisher_name, "the council's name")},
        "languages": ["en"],
        "answers": {
            "type": "object",
            "properties": {"email": {"type": "string", "format": "email", "maxLength": 254}},
            "required": ["email"],
        },
        "pages": [
            {
                "id": "email",
                "fields": [
                    {
                        "answer": "/email",
                        "label": "What is your email address?",
                        "hint": "We will send a confirmation to this address.",
                        "widget": "email",
                        "autocomplete": "email",
                        "spellcheck": False,
                    }
                ],
            }
        ],
        "confirmation": {"next": "We have sent a confirmation to your email address."},
        "workflow": {
            "id": slug(name, fallback="service", most_words=4),
            "initial": "received",
            "states": {
                "received": {
                    "on": {"COMPLETE": {"target": "done", "description": "Mark as done"}},
                    "meta": {
                        "label": "New",
                        "residentText": "We have received your application.",
                        "tag": "blue",
                    },
                },
                "done": {
                    "type": "final",
                    "meta": {
                        "label": "Done",
                        "residentText": "We have dealt with your application.",
                        "tag": "green",
                    },
                },
            },
        },
    }
