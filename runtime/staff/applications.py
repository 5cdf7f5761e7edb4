"""One application, as staff see it: its answers, its payments with their history, refunds."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from runtime import store
from runtime.core import flow
from runtime.core.answers import get
from runtime.core.fees import format_pence
from runtime.core.service import Service
from runtime.payments.base import ProviderError
from runtime.payments.service import Payments, PaymentsUnavailable
from runtime.staff.casework import application_or_404, casework_view
from runtime.staff.context import Staff, audit, page, path
from runtime.staff.notices import redirect_with_notice
from runtime.store import payments as records
from runtime.web import context as web
from runtime.web.context import ClientError
from runtime.web.views import answer_rows


def payments(request: Request) -> Payments:
    found: Payments = request.app.state.payments
    return found


async def _payments_view(request: Request, council: store.Council, submission: store.Submission) -> list[dict[str, Any]]:
    views = []
    for attempt in await records.attempts_for(submission):
        refunds = await records.refunds_for(attempt)
        refunded = sum(r.amount for r in refunds if r.state != "failed")
        views.append({
            "id": attempt.id, "reference": attempt.reference, "provider": attempt.provider,
            "provider_reference": attempt.provider_payment_id, "amount": attempt.amount,
            "amount_text": format_pence(attempt.amount), "state": attempt.state, "reason": attempt.failure_reason,
            "card": f"{attempt.card_brand or 'Card'} ending {attempt.last_four}" if attempt.last_four else None,
            "flagged_for_refund": attempt.flagged_for_refund,
            "fees": attempt.fees,
            "history": [{"from": e.from_state, "to": e.to_state, "source": e.source, "at": e.at.isoformat(),
                         "when": e.at.strftime("%-d %b %Y %H:%M:%S")} for e in await records.history(attempt)],
            "refunds": [{"amount": r.amount, "amount_text": format_pence(r.amount), "state": r.state,
                         "reason": r.reason, "at": r.created_at.isoformat()} for r in refunds],
            "refundable": attempt.amount - refunded if attempt.state == "succeeded" else 0,
            "refundable_text": format_pence(attempt.amount - refunded) if attempt.state == "succeeded" else None,
            "refund_url": path(request, "refund", council=council.slug, reference=submission.reference,
                               attempt_id=attempt.id),
        })
    return views


async def application(request: Request, staff: Staff, *, errors: list[dict[str, str]] | None = None,
                      status_code: int = 200, form: dict[str, Any] | None = None) -> Response:
    submission = await application_or_404(staff, request.path_params["reference"])
    assert staff.council is not None
    version = await submission.service_version
    service = web.compiled(version)
    casework = await casework_view(request, staff, submission, form)
    names = {f["id"]: f["name"] for f in casework["files"]}
    sections = answer_sections(service, submission.answers, names)
    payload = {
        "page": {"heading": f"Application {submission.reference}"},
        "application": {
            "reference": submission.reference, "service": version.title, "version": version.version,
            "state": submission.state, "awaiting_payment": submission.awaiting_payment,
            "submitted_at": submission.submitted_at.isoformat(),
            "submitted": submission.submitted_at.strftime("%-d %B %Y %H:%M"),
            "language": submission.language,
        },
        "answers": [row for section in sections for row in section["rows"]],
        "sections": sections,
        "payments": await _payments_view(request, staff.council, submission),
        "casework": casework,
        "errors": errors or [],
        "links": {"back": path(request, "applications", council=staff.council.slug)},
    }
    return page(request, "staff/application.html", payload, staff, status_code=status_code)


def answer_sections(service: Service, answers: dict[str, Any], files: dict[str, str]) -> list[dict[str, Any]]:
    """The answers as check-your-answers lays them out: a section per titled page, a row per
    question, a row per item of an "add another" list; only pages that applied."""
    sections: list[dict[str, Any]] = []
    for step in flow.plan(service, answers).pages:
        title = step.title
        if step.kind == "add-another" and step.answer:
            items = get(answers, step.answer)
            rows = []
            for number, item in enumerate(items if isinstance(items, list) else [], start=1):
                details = answer_rows(service, step, item, "en", files, "")
                rows.append({"key": f"{str(step.spec.get('itemTitle', 'Item')).capitalize()} {number}",
                             "value": {"lines": [f"{row['key']}: {row['value'].get('text') or ', '.join(row['value'].get('lines', []))}"
                                                 for row in details]}})
            sections.append({"title": title, "rows": rows})
        elif step.kind == "question":
            sections.append({"title": title if len(step.fields) > 1 else None,
                             "rows": answer_rows(service, step, answers, "en", files, "")})
    return [section for section in sections if section["rows"]]


async def refund(request: Request, staff: Staff) -> Response:
    """Refund all or part of a successful payment. The provider checks the amount still
    available against what we read, so two refunds at once cannot both go through."""
    form = web.text_fields(await web.checked_form(request))
    submission = await application_or_404(staff, request.path_params["reference"])
    attempt = next((a for a in await records.attempts_for(submission) if a.id == request.path_params["attempt_id"]), None)
    if attempt is None:
        raise ClientError(404, "page_not_found")
    refunded = await records.refunded_total(attempt)
    available = attempt.amount - refunded if attempt.state == "succeeded" else 0
    amount_text = (form.get("amount") or [""])[0].strip().removeprefix("£").replace(",", "")
    reason = (form.get("reason") or [""])[0].strip()[:500]

    async def refused(message: str) -> Response:
        error = {"field": f"amount-{attempt.id}", "href": f"#amount-{attempt.id}", "message": message, "keyword": "refund"}
        return await application(request, staff, errors=[error], status_code=422)

    try:
        pounds, _, pence = amount_text.partition(".")
        amount = int(pounds) * 100 + int((pence or "0").ljust(2, "0")[:2]) if amount_text else available
    except ValueError:
        return await refused("Enter the amount to refund in pounds and pence, like 12.50")
    if available <= 0:
        return await refused("There is nothing left to refund on this payment")
    if amount < 1 or amount > available:
        return await refused(f"The amount to refund must be between £0.01 and {format_pence(available)}")
    if not reason:
        return await refused("Enter the reason for the refund")
    council = staff.council
    assert council is not None
    row = await records.begin_refund(attempt, amount, reason, staff.user)
    try:
        service = payments(request)
        result = await service.provider(attempt.provider).refund(
            service.account(council), attempt.provider_payment_id or "", amount,
            expected_available=available, idempotency_key=row.idempotency_key)
    except (ProviderError, PaymentsUnavailable) as error:
        await records.settle_refund(row, "failed", None)
        await audit(request, staff, "refund-failed", submission.reference, after={"amount": amount, "error": str(error)})
        return await refused(f"The refund was not made: {error}")
    await records.settle_refund(row, result.state.value, result.provider_refund_id)
    await audit(request, staff, "refund", submission.reference,
                after={"attempt": attempt.reference, "amount": amount, "state": result.state.value, "reason": reason})
    return redirect_with_notice(request, path(request, "application", council=council.slug,
                                              reference=submission.reference),
                                f"Refund of {format_pence(amount)} on payment {attempt.reference} "
                                + ("made" if result.state.value == "succeeded" else "asked for: the provider has not confirmed it yet"))

