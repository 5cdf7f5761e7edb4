"""Paying inside the journey: off to the provider from check answers, back through a secret
return URL, "try again" after a failure, provider webhooks, and the sandbox's card page."""

from __future__ import annotations

import secrets
from datetime import date
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from runtime import store
from runtime.core.fees import Charge, Quote, format_pence
from runtime.core.payments import PaymentState
from runtime.core.ui_text import ui
from runtime.payments.base import ProviderError
from runtime.payments.sandbox import CARD_NUMBER, EXPIRY, SECURITY_CODE, check_card, sign
from runtime.payments.service import AlreadyPaid, PaymentsUnavailable
from runtime.store import payments as records
from runtime.web import context as web
from runtime.web.context import ClientError, Outcome, PageContext, Rendered
from runtime.web.installation import Installation

REASONS = {
    "declined": "pay_declined", "expired": "pay_expired", "user_cancelled": "pay_cancelled",
    "service_cancelled": "pay_cancelled", "provider_error": "pay_error",
}


def can_pay(ctx: PageContext) -> bool:
    return ctx.payments.configured(ctx.council)


async def go_to_payment(ctx: PageContext, submission: store.Submission, quote: Quote, email: str | None) -> Outcome:
    """Send the resident to pay for their pending submission (resuming an unfinished payment)."""

    def return_url(token: str) -> str:
        return ctx.absolute("payment_return", token=token)

    title = ctx.service.text("title", ctx.service.document["title"], ctx.language)
    try:
        started = await ctx.payments.start(
            ctx.council, submission, quote, description=f"{title} ({submission.reference})",
            return_url=return_url, cancel_url=ctx.absolute("start"), language=ctx.language, email=email,
        )
    except AlreadyPaid:
        return _to_confirmation(ctx, submission)
    except (ProviderError, PaymentsUnavailable):
        payload = {**ctx.payload(), "page": {"heading": ui(ctx.language, "pay_unavailable_title")},
                   "reference": submission.reference, "links": {"retry": ctx.url("check_answers")}}
        return Rendered("pages/payment_unavailable.html", payload, status_code=503)
    return web.redirect(started.next_url)


async def payment_return(request: Request) -> Response:
    """Back from the provider: the secret token finds the attempt; sync, then say what happened."""
    ctx = await web.service_context(request)
    token = request.path_params["token"]
    attempt = await records.by_token(token)
    if attempt is None or attempt.council_id != ctx.council.id:
        raise ClientError(404, "page_not_found")
    try:
        applied = await ctx.payments.sync(attempt, "return")
        attempt = applied.attempt
    except (ProviderError, PaymentsUnavailable):
        pass  # say we are checking; the webhook or the reconciler will settle it
    submission = await store.models.Submission.get(id=attempt.submission_id)
    state = PaymentState(attempt.state)
    if not submission.awaiting_payment:
        return _to_confirmation(ctx, submission)
    token_links = {"retry": ctx.url("payment_retry", token=token), "refresh": ctx.path}
    payload = {**ctx.payload(), "reference": submission.reference, "amount": attempt.amount,
               "amount_text": format_pence(attempt.amount), "state": state.value, "links": token_links}
    if state in (PaymentState.FAILED, PaymentState.CANCELLED, PaymentState.ERROR):
        reason = REASONS.get(attempt.failure_reason or "", "pay_error")
        payload["page"] = {"heading": ui(ctx.language, "pay_failed_title")}
        payload["reason"] = ui(ctx.language, reason)
        return web.respond(request, ctx, Rendered("pages/payment_failed.html", payload))
    payload["page"] = {"heading": ui(ctx.language, "pay_checking_title")}
    return web.respond(request, ctx, Rendered("pages/payment_checking.html", payload))


async def payment_retry(request: Request) -> Response:
    """Try again after a failed payment: a new attempt for the same pending submission."""
    await web.checked_form(request)
    ctx = await web.service_context(request)
    attempt = await records.by_token(request.path_params["token"])
    if attempt is None or attempt.council_id != ctx.council.id:
        raise ClientError(404, "page_not_found")
    submission = await store.models.Submission.get(id=attempt.submission_id)
    if not submission.awaiting_payment:
        return _to_confirmation(ctx, submission)
    lines: list[dict[str, Any]] = attempt.fees["lines"]  # type: ignore[assignment]  # JSON, as priced
    quote = Quote(tuple(Charge(str(line["id"]), str(line["description"]), int(line["unit"]), int(line["quantity"]),
                               int(line["amount"])) for line in lines))
    return web.respond(request, ctx, await go_to_payment(ctx, submission, quote, None))


def _to_confirmation(ctx: PageContext, submission: store.Submission) -> Response:
    """To the confirmation, in whatever browser came back: the journey cookie comes along."""
    response = web.redirect(ctx.url("confirmation"))
    ctx.signer.set_journey(response, str(submission.journey_id), ctx.start_url)
    return response


async def webhook(request: Request) -> Response:
    """A provider's webhook: verified over the raw body, then only a hint to sync."""
    council = await store.get_council(request.path_params["council"])
    if council is None:
        return JSONResponse({"error": "unknown council"}, status_code=404)
    body = await request.body()
    installation: Installation = request.app.state.installation
    status, message = await installation.payments.receive_webhook(request.path_params["provider"], council,
                                                              dict(request.headers), body)
    return JSONResponse({"result": message}, status_code=status)


# The sandbox's hosted card page ------------------------------------------------------------

def _sandbox(request: Request) -> Installation:
    """The installation, unless it is in production, where the sandbox's pages are not found."""
    installation: Installation = request.app.state.installation
    if installation.settings.production:
        raise ClientError(404, "page_not_found")
    return installation


async def sandbox_page(request: Request) -> Response:
    installation = _sandbox(request)
    sandbox = installation.payments.sandbox()
    payment = await sandbox.start(request.path_params["payment_id"])
    if payment is None:
        raise ClientError(404, "page_not_found")
    lang = web.language(request)  # the resident's, as on their own pages: `?lang=` or their cookie
    view = {"id": payment.id, "amount": payment.amount, "amount_text": format_pence(payment.amount),
            "description": payment.description, "status": payment.status}
    if payment.status == "success":
        # Paid: no card form any more, and a form sent again (another tab, Back) changes nothing.
        if request.method == "POST":
            await web.checked_form(request)
        done = {"language": lang, "page": {"heading": ui(lang, "sandbox_complete_title")}, "payment": view,
                "message": ui(lang, "sandbox_complete_body", amount=view["amount_text"]),
                "links": {"return": payment.return_url}}
        return web.page(request, "sandbox/complete.html", done, lang, status_code=409 if request.method == "POST" else 200,
                        languages=("en", "cy"))
    problems: dict[str, str] = {}
    typed = {CARD_NUMBER: "", EXPIRY: ""}
    if request.method == "POST":
        form = web.text_fields(await web.checked_form(request))
        fields = {name: (form.get(name) or [""])[0] for name in (CARD_NUMBER, EXPIRY, SECURITY_CODE)}
        typed = {name: fields[name] for name in typed}  # the security code is never shown back
        problems = check_card(fields[CARD_NUMBER], fields[EXPIRY], fields[SECURITY_CODE], date.today())
        if not problems:
            try:
                status, message = await sandbox.pay(payment.id, fields[CARD_NUMBER])
            except ProviderError:
                return web.redirect(payment.return_url)
            await deliver_sandbox_webhook(installation, payment.id)
            if status == "success":
                return web.redirect(payment.return_url)
            problems = {CARD_NUMBER: message or "sandbox_declined"}
            payment = await store.payments.sandbox_get(payment.id) or payment  # now failed: offer the way back
            view["status"] = payment.status
    errors = [{"field": name, "href": f"#{name}", "message": ui(lang, key), "keyword": key}
              for name, key in problems.items()]
    payload = {"language": lang, "page": {"heading": ui(lang, "sandbox_title")}, "payment": view,
               "errors": errors, "error": {error["field"]: error["message"] for error in errors}, "values": typed,
               "links": {"action": request.url.path, "cancel": web.path(request, "sandbox_cancel", payment_id=payment.id),
                         "return": payment.return_url if payment.status in ("failed", "error") else None}}
    return web.page(request, "sandbox/pay.html", payload, lang, status_code=422 if errors else 200,
                    languages=("en", "cy"))


async def sandbox_cancel(request: Request) -> Response:
    installation = _sandbox(request)
    await web.checked_form(request)
    sandbox = installation.payments.sandbox()
    payment = await store.payments.sandbox_get(request.path_params["payment_id"])
    if payment is None:
        raise ClientError(404, "page_not_found")
    await sandbox.give_up(payment.id)
    await deliver_sandbox_webhook(installation, payment.id)
    return web.redirect(payment.return_url)


async def deliver_sandbox_webhook(installation: Installation, payment_id: str) -> None:
    """Sign and deliver the sandbox's webhook for a payment, as the test policy says: deliver
    (default), drop, duplicate, or hold (kept in `held` for a test to release)."""
    hooks = installation.sandbox
    policy = hooks.policy
    payment = await store.payments.sandbox_get(payment_id)
    if payment is None or policy == "drop":
        return
    council = await store.get_council_by_id(payment.council_id)
    assert council is not None
    body = installation.payments.sandbox().webhook_body(payment, "msg_" + secrets.token_hex(8))
    account = installation.payments.account(council)
    headers = {"pay-signature": sign(account.webhook_secret, body), "content-type": "application/json"}
    if policy == "hold":
        hooks.held.append((council.slug, headers, body))
        return
    for _ in range(2 if policy == "duplicate" else 1):
        await installation.payments.receive_webhook("sandbox", council, headers, body)
