"""The outbox in the staff app: the emails Borough queued, whether each was sent, and why not.

A council's admins see their council's messages at /staff/<council>/outbox; the installation
operator sees every message, councils' and the installation's own (password resets,
invitations), at /staff/outbox — the development outbox of `make run`. A message that went
dead (refused for good, or not accepted within a day of tries) can be sent again: it goes back
in the queue with a fresh retry budget, and the change is audited.

In production the text of installation mail is not shown: it holds password-reset links.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from runtime import store
from runtime.staff import paging
from runtime.staff.context import Staff, address, page, path
from runtime.staff.notices import redirect_with_notice
from runtime.store import outbox
from runtime.web import context as web
from runtime.web.context import ClientError

TAGS = {outbox.QUEUED: "govuk-tag--blue", outbox.RETRYING: "govuk-tag--yellow", outbox.SENT: "govuk-tag--green",
        outbox.DEAD: "govuk-tag--red"}
LABELS = {outbox.QUEUED: "Queued", outbox.RETRYING: "Retrying", outbox.SENT: "Sent", outbox.DEAD: "Not sent"}


def _when(moment: datetime | None) -> str | None:
    return moment.strftime("%-d %B %Y %H:%M") if moment else None


def _names(staff: Staff) -> dict[str, str]:
    """Route names and parameters: the council's pages, or the operator's installation pages."""
    if staff.council is None:
        return {"list": "installation_outbox", "message": "installation_outbox_message",
                "send_again": "installation_outbox_send_again"}
    return {"list": "council_outbox", "message": "council_outbox_message", "send_again": "council_outbox_send_again"}


def _url(request: Request, staff: Staff, which: str, **params: Any) -> str:
    if staff.council is not None:
        params["council"] = staff.council.slug
    return path(request, _names(staff)[which], **params)


def message_summary(request: Request, staff: Staff, message: store.OutboxMessage) -> dict[str, Any]:
    state = outbox.state_of(message)
    return {
        "id": message.id,
        "recipient": message.recipient,
        "subject": message.subject,
        "state": state,
        "state_label": LABELS[state],
        "state_tag": TAGS[state],
        "created_at": message.created_at.isoformat(),
        "created": _when(message.created_at),
        "sent_at": message.sent_at.isoformat() if message.sent_at else None,
        "attempts": message.attempts,
        "last_error": message.last_error if state != outbox.SENT else None,
        "href": _url(request, staff, "message", message_id=message.id),
    }


def _state_asked(request: Request) -> str | None:
    asked = request.query_params.get("state") or None
    if asked is not None and asked not in outbox.STATES:
        raise ClientError(400, "bad_request")
    return asked


async def outbox_list(request: Request, staff: Staff) -> Response:
    before_id = paging.before_id(request)
    state = _state_asked(request)
    found = await outbox.page_of_messages(staff.council, limit=paging.PER_PAGE + 1, before_id=before_id, state=state)
    here = _url(request, staff, "list")
    shown = paging.page_of(found, before_id, here, {"state": state} if state else None)
    payload = {
        "page": {"heading": "Outbox"},
        "installation": staff.council is None,
        "transport": web.settings(request).email.transport,
        "state": state,
        "filters": [{"value": value, "text": text, "href": f"{here}?state={value}" if value else here,
                     "current": value == state}
                    for value, text in [(None, "All"), *[(s, LABELS[s]) for s in outbox.STATES]]],
        "messages": [message_summary(request, staff, message) for message in shown.rows],
        "links": {"older": shown.older, "newest": shown.newest},
    }
    return page(request, "staff/outbox.html", payload, staff)


async def _message_or_404(request: Request, staff: Staff) -> store.OutboxMessage:
    message = await outbox.get_message(staff.council, request.path_params["message_id"])
    if message is None:
        raise ClientError(404, "page_not_found")
    return message


async def outbox_message(request: Request, staff: Staff) -> Response:
    message = await _message_or_404(request, staff)
    hidden = web.settings(request).production and message.council_id is None
    summary = message_summary(request, staff, message)
    payload = {
        "page": {"heading": message.subject},
        "message": {
            **summary,
            "body": None if hidden else message.body_text,
            "body_hidden": hidden,
            "language": message.language,
            "idempotency_key": message.idempotency_key,
            "sent": _when(message.sent_at),
            "dead_at": message.dead_at.isoformat() if message.dead_at else None,
            "dead": _when(message.dead_at),
            "next_attempt_at": message.next_attempt_at.isoformat() if message.next_attempt_at else None,
            "next_attempt": _when(message.next_attempt_at) if summary["state"] == outbox.RETRYING else None,
            "transport": message.transport or None,
            "transport_id": message.transport_id,
        },
        "links": {
            "back": _url(request, staff, "list"),
            "send_again": (_url(request, staff, "send_again", message_id=message.id)
                           if summary["state"] == outbox.DEAD else None),
        },
    }
    return page(request, "staff/outbox_message.html", payload, staff)


async def outbox_send_again(request: Request, staff: Staff) -> Response:
    """POST: a dead message back in the queue. Anything else (sent, queued, another
    council's) is not found, and nothing changes."""
    await web.checked_form(request)
    before = await _message_or_404(request, staff)
    again = await outbox.send_again(staff.council, before.id, datetime.now(UTC))
    if again is None:
        raise ClientError(404, "page_not_found")
    council = staff.council
    if council is None and again.council_id is not None:  # the operator: into that council's log
        council = await store.get_council_by_id(again.council_id)
    await store.audit.record(council, staff.user, "email-sent-again", str(again.id),
                             before={"state": outbox.DEAD, "last_error": before.last_error,
                                     "attempts": before.attempts},
                             after={"state": outbox.state_of(again), "recipient": again.recipient},
                             address=address(request))
    return redirect_with_notice(request, _url(request, staff, "message", message_id=again.id),
                                "The email is back in the queue and will be sent in the next minute")
