"""A resident's application after it is sent: its status page and a printable copy of the
answers, both reached only by the signed link in the confirmation page and every email.

A wrong token, an unknown reference and another council's reference all get the same 404,
so a link that does not work says nothing about which applications exist. Staff appear
only as "the council": their names and staff-only notes never reach these pages.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import Response

from runtime import store
from runtime.core import flow
from runtime.core.fees import format_pence
from runtime.core.messages import format_date
from runtime.core.service import Page
from runtime.core.ui_text import ui
from runtime.core.workflow import (
    AWAITING_PAYMENT,
    PAYMENT_FAILED,
    SUBMITTED,
    Workflow,
    compile_workflow,
)
from runtime.resident.journey import answer_sections
from runtime.resident.steps import file_names
from runtime.store import workflow as workflows
from runtime.store.models import SubmissionEvent
from runtime.web import context as web
from runtime.web.context import ClientError, PageContext, Rendered, Versions

LOCAL_TIME = ZoneInfo("Europe/London")
# GOV.UK Frontend's tag colours; a definition's "blue" is the plain tag.
TAG_CLASSES = {
    "blue": "", "light-blue": "govuk-tag--turquoise", "grey": "govuk-tag--grey", "green": "govuk-tag--green",
    "turquoise": "govuk-tag--turquoise", "teal": "govuk-tag--teal", "purple": "govuk-tag--purple",
    "magenta": "govuk-tag--magenta", "pink": "govuk-tag--pink", "red": "govuk-tag--red",
    "orange": "govuk-tag--orange", "yellow": "govuk-tag--yellow",
}

_workflows: dict[str, Workflow] = {}


@dataclass
class Application:
    """A resident's sent application, its service at the version it was sent on, and its workflow."""

    ctx: PageContext
    submission: store.Submission
    workflow: Workflow
    token: str

    @property
    def language(self) -> str:
        return self.ctx.language

    @property
    def definition(self) -> dict[str, Any]:
        return self.ctx.service.document


async def application(request: Request) -> Application:
    """The application the signed link names, or the same 404 for every link that does not work;
    its page's context in the resident's language: `?lang=` or the language cookie when given,
    else the language the application was sent in."""
    council = await web.council_or_404(request.path_params["council"])
    reference, token = request.path_params["reference"], request.path_params["token"]
    if not (reference.isascii() and token.isascii()) or not request.app.state.links.status_token_valid(reference, token):
        raise ClientError(404, "page_not_found")
    submission = await store.get_by_reference(council, reference)
    if submission is None or submission.reference != reference:
        raise ClientError(404, "page_not_found")
    versions: Versions = request.app.state.versions
    entry = await versions.get(council, submission.service_version_id)
    if entry is None:
        raise ClientError(404, "page_not_found")
    version, service = entry
    compiled = _workflows.get(service.hash)
    if compiled is None:
        compiled = _workflows[service.hash] = compile_workflow(service.workflow)
    sent_in = submission.language if submission.language in service.languages else "en"
    ctx = web.page_context(request, council, version, service, language_otherwise=sent_in)
    return Application(ctx, submission, compiled, token)


def local_date(moment: datetime, language: str) -> str:
    return format_date(moment.astimezone(LOCAL_TIME).date().isoformat(), language)


def iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def status_path(app: Application, name: str = "status") -> str:
    return app.ctx.council_url(name, reference=app.submission.reference, token=app.token)


def base_payload(app: Application) -> dict[str, Any]:
    submission = app.submission
    return {
        **app.ctx.payload(),
        "reference": submission.reference,
        "submitted_at": iso(submission.submitted_at),
        "submitted_text": local_date(submission.submitted_at, app.language),
    }


def label(app: Application, state: str) -> str:
    """A state's name for residents, in their language (the built-in payment state's from ui_text)."""
    if state == AWAITING_PAYMENT:
        return ui(app.language, "status_awaiting_payment")
    return workflows.resident_label(app.definition, app.workflow, state, app.language)


def state_view(app: Application) -> dict[str, Any]:
    name = app.submission.state
    state = app.workflow.state(name)
    return {
        "id": name,
        "label": label(app, name),
        "text": (ui(app.language, "status_awaiting_payment_text") if name == AWAITING_PAYMENT
                 else workflows.resident_text(app.definition, app.workflow, name, app.language)),
        "tag": state.tag,
        "tag_class": TAG_CLASSES.get(state.tag, "govuk-tag--grey"),
        "final": state.final,
    }


def next_step(app: Application) -> dict[str, Any] | None:
    """By when the council aims to move the application on: only for a state with target days."""
    submission = app.submission
    state = app.workflow.state(submission.state)
    if state.final or not state.target_days or submission.due_at is None:
        return None
    return {"due_at": iso(submission.due_at),
            "text": ui(app.language, "status_due", date=local_date(submission.due_at, app.language))}


def askable_pages(app: Application) -> list[Page]:
    """The question pages the council's open request names (content and list pages are not asked)."""
    request = app.submission.request
    if not isinstance(request, dict):
        return []
    named = request.get("pages")
    ids = dict.fromkeys(page_id for page_id in (named if isinstance(named, list) else []) if isinstance(page_id, str))
    pages = [app.ctx.service.page(page_id) for page_id in ids]
    return [page for page in pages if page is not None and page.kind == "question"]


def request_note(app: Application, events: list[SubmissionEvent]) -> str | None:
    """The council's words asking for more information, unless the move that asked was staff-only."""
    request = app.submission.request
    note = request.get("note") if isinstance(request, dict) else None
    if not isinstance(note, str) or not note.strip():
        return None
    asked = next((e for e in reversed(events) if e.to_state == app.submission.state), None)
    return note.strip() if asked is not None and asked.visible_to_resident else None


def action_view(app: Application, events: list[SubmissionEvent]) -> dict[str, Any] | None:
    """What the resident must do: answer the council's request for information, when one is open."""
    if app.submission.request is None:
        return None
    pages = askable_pages(app)
    answerable = bool(pages) and app.workflow.answering_event(app.submission.state) is not None
    return {
        "note": request_note(app, events),
        "generic": ui(app.language, "status_action_generic"),
        "pages": [page.id for page in pages],
        "href": status_path(app, "status_provide") if answerable else None,
        "contact": None if answerable else ui(app.language, "status_action_contact"),
    }


def timeline(app: Application, events: list[SubmissionEvent]) -> list[dict[str, Any]]:
    """The resident-visible history, newest first: when, what happened, and the council's note."""
    entries = []
    for event in events:
        if not event.visible_to_resident:
            continue
        if event.actor_label == workflows.RESIDENT and event.event != SUBMITTED:
            what = ui(app.language, "status_you_answered")
        elif event.event == PAYMENT_FAILED:
            what = ui(app.language, "status_payment_not_taken")
        else:
            what = label(app, event.to_state)
        by = ("resident" if event.actor_label == workflows.RESIDENT
              else "council" if event.actor_id is not None else "system")
        # Payment events carry the provider's reason code, not words for a resident.
        note = event.note if event.note and not event.event.startswith("payment.") else None
        entries.append({"at": iso(event.at), "date_text": local_date(event.at, app.language), "what": what,
                        "note": note, "by": by})
    return entries[::-1]


async def payment_view(app: Application) -> list[dict[str, Any]]:
    """Each payment taken: amount, date, reference, and any refund of it."""
    payments = []
    for attempt in await store.payments.attempts_for(app.submission):
        if attempt.state != "succeeded":
            continue
        history = await store.payments.history(attempt)
        paid_at = next((e.at for e in history if e.to_state == "succeeded"), attempt.updated_at)
        refunds = []
        for refund in await store.payments.refunds_for(attempt):
            key = {"succeeded": "status_refund_succeeded", "failed": "status_refund_failed"}.get(
                refund.state, "status_refund_pending")
            refunds.append({"amount": refund.amount, "state": refund.state, "at": iso(refund.created_at),
                            "text": ui(app.language, key, amount=format_pence(refund.amount))})
        payments.append({"amount": attempt.amount, "amount_text": format_pence(attempt.amount),
                         "paid_at": iso(paid_at), "date_text": local_date(paid_at, app.language),
                         "reference": attempt.reference, "refunds": refunds})
    return payments


def contact_view(app: Application) -> dict[str, Any]:
    council = app.ctx.council
    return {"name": council.name, "email": council.contact_email or None, "phone": council.contact_phone or None,
            "reference_text": ui(app.language, "status_contact_reference", reference=app.submission.reference)}


async def status(request: Request) -> Response:
    app = await application(request)
    events = await workflows.history(app.submission)
    payload = {
        **base_payload(app),
        "status": state_view(app),
        "next": next_step(app),
        "action": action_view(app, events),
        "timeline": timeline(app, events),
        "payments": await payment_view(app),
        "contact": contact_view(app),
        "sent": request.query_params.get("sent") == "1" and app.submission.request is None,
        "links": {"answers": status_path(app, "status_answers")},
    }
    return web.respond(request, app.ctx, Rendered("pages/status.html", payload))


async def answers(request: Request) -> Response:
    """A copy of the answers as sent, laid out as check your answers was, to print or save."""
    app = await application(request)
    plan = flow.plan(app.ctx.service, app.submission.answers)
    files = await file_names(app.ctx, plan.answers, plan.pages)
    payload = {
        **base_payload(app),
        "intro": ui(app.language, "answers_intro", date=local_date(app.submission.submitted_at, app.language)),
        "sections": answer_sections(app.ctx, plan, files, changes=False),
        "links": {"status": status_path(app), "print": app.ctx.path},
    }
    return web.respond(request, app.ctx, Rendered("pages/status_answers.html", payload))
