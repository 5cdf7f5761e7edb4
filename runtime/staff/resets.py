"""Forgotten passwords: an emailed, single-use link valid for an hour. The request page never
says whether an account exists; a new password signs the person out everywhere."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from runtime import store
from runtime.core.formats import is_email
from runtime.staff import auth, passwords
from runtime.staff.context import address, page, path, redirect
from runtime.staff.notices import redirect_with_notice
from runtime.web import context as web

SENT = "If that email address has an account, we have sent it a link to choose a new password."


async def reset_request(request: Request) -> Response:
    email, error, sent = "", None, False
    if request.method == "POST":
        email = (web.text_fields(await web.checked_form(request)).get("email") or [""])[0].strip()
        if not email:
            error = "Enter your email address"
        elif not is_email(email):
            error = "Enter an email address in the correct format, like name@example.com"
        else:
            user = await store.staff.user_by_email(email)
            if user is not None and user.active:
                token = await store.staff.issue_token("reset", user.email, lifetime=auth.RESET_LIFETIME)
                link = web.settings(request).base_url + path(request, "reset", token=token)
                await store.enqueue_email(
                    None, user.email, subject="Choose a new password for Borough",
                    body_text=(f"Someone asked to reset the password for {user.email}.\n\n"
                               f"Choose a new password within an hour: {link}\n\n"
                               "If it was not you, ignore this email: your password has not changed."),
                    idempotency_key="reset:" + store.staff.token_hash(token),
                )
                await store.audit.record(None, user, "password-reset-requested", address=address(request))
            sent = True
    payload = {"page": {"heading": "Reset your password"}, "email": email, "sent": SENT if sent else None,
               "errors": [{"field": "email", "href": "#email", "message": error, "keyword": "email"}] if error else [],
               "error": error, "links": {"action": request.url.path, "sign_in": path(request, "sign_in")}}
    return page(request, "staff/reset_request.html", payload, None, status_code=422 if error else 200)


async def reset(request: Request) -> Response:
    token = request.path_params["token"]
    form = web.text_fields(await web.checked_form(request)) if request.method == "POST" else {}
    found = await store.staff.peek_token("reset", token)
    if found is None:
        expired = {"page": {"heading": "This link has expired or has been used"},
                   "links": {"again": path(request, "reset_request")}}
        return page(request, "staff/link_expired.html", expired, None, status_code=410)
    error = None
    if request.method == "POST":
        password = (form.get("password") or [""])[0]
        error = passwords.problem(password, found.email)
        if error is None and password != (form.get("confirm") or [""])[0]:
            error = "The passwords do not match"
        if error is None:
            used = await store.staff.use_token("reset", token)
            user = await store.staff.user_by_email(found.email)
            if used is None or user is None:
                return redirect(request.url.path)  # used up meanwhile: the expired page says so
            await store.staff.set_password_hash(user, passwords.hash_password(password))
            await store.staff.close_all_sessions(user)
            await store.audit.record(None, user, "password-reset", address=address(request))
            return redirect_with_notice(request, path(request, "sign_in"),
                                        "Your password has been changed: sign in with your new password")
    payload: dict[str, Any] = {"page": {"heading": "Choose a new password"}, "email": found.email,
               "errors": [{"field": "password", "href": "#password", "message": error, "keyword": "password"}] if error else [],
               "error": error, "links": {"action": request.url.path}}
    return page(request, "staff/reset.html", payload, None, status_code=422 if error else 200)
