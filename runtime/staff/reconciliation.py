"""A day's payments and refunds set against the provider's own record, with what disagrees."""

from __future__ import annotations

import datetime as dt
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from runtime.core.fees import format_pence
from runtime.payments.base import ProviderError
from runtime.payments.service import Payments, PaymentsUnavailable
from runtime.staff.context import Staff, page, path
from runtime.store import payments as records


def _day(text: str | None) -> dt.date:
    try:
        return dt.date.fromisoformat(text or "")
    except ValueError:
        return dt.datetime.now(dt.UTC).date()


async def reconciliation(request: Request, staff: Staff) -> Response:
    council = staff.council
    assert council is not None
    day = _day(request.query_params.get("date"))
    since = dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC)
    until = since + dt.timedelta(days=1)
    ours = await records.payments_between(council, since, until)
    service: Payments = request.app.state.payments
    provider_error = None
    theirs: dict[str, Any] = {}
    if council.payment_provider:
        try:
            theirs = {s.provider_payment_id: s for s in await service.provider_record(council, since, until)}
        except (ProviderError, PaymentsUnavailable) as error:
            provider_error = str(error)
    rows = []
    for attempt in ours:
        snapshot = theirs.pop(attempt.provider_payment_id or "", None)
        refunded = await records.refunded_total(attempt)
        problems = []
        if snapshot is None:
            problems.append("not in the provider's record" if attempt.provider_payment_id else "never reached the provider")
        else:
            if snapshot.amount != attempt.amount:
                problems.append(f"the provider has {format_pence(snapshot.amount)}")
            if snapshot.state.value != attempt.state:
                problems.append(f"the provider says {snapshot.state.value}")
            if snapshot.refundable is not None and attempt.state == "succeeded" and snapshot.refundable != attempt.amount - refunded:
                problems.append(f"the provider can refund {format_pence(snapshot.refundable)}")
        if attempt.flagged_for_refund:
            problems.append("paid twice: refund this payment")
        rows.append({"reference": attempt.reference, "application": attempt.submission.reference,
                     "provider_reference": attempt.provider_payment_id, "amount_text": format_pence(attempt.amount),
                     "state": attempt.state, "refunded_text": format_pence(refunded) if refunded else None,
                     "problems": problems, "href": path(request, "application", council=council.slug,
                                                        reference=attempt.submission.reference)})
    for snapshot in theirs.values():
        rows.append({"reference": None, "application": None, "provider_reference": snapshot.provider_payment_id,
                     "amount_text": format_pence(snapshot.amount), "state": snapshot.state.value, "refunded_text": None,
                     "problems": ["only in the provider's record"], "href": None})
    taken = sum(a.amount for a in ours if a.state == "succeeded")
    payload = {
        "page": {"heading": f"Payments on {day.strftime('%-d %B %Y')}"},
        "date": day.isoformat(),
        "rows": rows,
        "mismatches": sum(1 for row in rows if row["problems"]),
        "taken_text": format_pence(taken),
        "provider_error": provider_error,
        "links": {"previous": f"?date={(day - dt.timedelta(days=1)).isoformat()}",
                  "next": f"?date={(day + dt.timedelta(days=1)).isoformat()}"},
    }
    return page(request, "staff/reconciliation.html", payload, staff)
