"""Accepting an invitation from its emailed link (no sign-in needed to open it). A person
without an account chooses their name and a password and is signed in; a person with an
account accepts while signed in as that account. The link works once, within its lifetime."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from runtime import store
from runtime.staff import auth, cookies, passwords
from runtime.staff.context import Staff, address, page, path, redirect
from runtime.staff.cookies import STAFF_COOKIE
from runtime.staff.notices import redirect_with_notice
from runtime.staff.people import role_names, when
from runtime.store import people_queries
from runtime.web import context as web


def _expired(request: Request) -> Response:
    payload = {"page": {"heading": "This invitation has expired or has been used"}, "links": {"again": None}}
    return page(request, "staff/link_expired.html", payload, None, status_code=410)


def _error(field: str, message: str, keyword: str) -> dict[str, str]:
    return {"field": field, "href": f"#{field}", "message": message, "keyword": keyword}


async def invitation(request: Request) -> Response:
    token = request.path_params["token"]
    # A posted form is checked first: without a good CSRF token nothing is even looked up.
    form = web.text_fields(await web.checked_form(request)) if request.method == "POST" else None
    found = await store.staff.peek_token("invitation", token)
    if found is None or found.council is None:
        return _expired(request)
    account = await store.staff.user_by_email(found.email)
    if account is None or account.password_hash is None:
        return await _new_account(request, form, token, found)
    return await _existing_account(request, form, token, found, account)


def _payload(request: Request, found: store.OneTimeToken, state: str, **more: Any) -> dict[str, Any]:
    assert found.council is not None
    return {
        "page": {"heading": f"Join {found.council.name} on Borough"},
        "state": state,  # new_account | accept | sign_in
        "invitation": {"email": found.email, "council": {"slug": found.council.slug, "name": found.council.name},
                       "roles": list(found.roles), "role_names": role_names(found.roles),
                       "expires_at": found.expires_at.isoformat(), "expires": when(found.expires_at)},
        "links": {"action": request.url.path},
        "errors": [],
        **more,
    }


async def _new_account(request: Request, form: dict[str, list[str]] | None, token: str,
                       found: store.OneTimeToken) -> Response:
    name = ""
    errors: list[dict[str, str]] = []
    if form is not None:
        name = (form.get("name") or [""])[0].strip()
        password = (form.get("password") or [""])[0]
        if not name:
            errors.append(_error("name", "Enter your full name", "required"))
        elif len(name) > 200:
            errors.append(_error("name", "Full name must be 200 characters or fewer", "maxLength"))
        problem = passwords.problem(password, found.email)
        if problem is None and password != (form.get("confirm") or [""])[0]:
            problem = "The passwords do not match"
        if problem:
            errors.append(_error("password", problem, "password"))
        if not errors:
            try:
                accepted = await people_queries.accept_with_new_account(token, name, passwords.hash_password(password))
            except store.staff.DuplicateUser:
                return redirect(request.url.path)  # an account appeared meanwhile: sign in to accept
            if accepted is None:
                return _expired(request)
            used, user, membership = accepted
            assert used.council is not None
            await store.audit.record(used.council, user, "invitation-accepted", user.email,
                                     after={"roles": list(membership.roles), "new_account": True},
                                     address=address(request))
            previous = request.cookies.get(STAFF_COOKIE)
            if previous:
                await store.staff.close_session(previous)
            session = await store.staff.open_session(user, lifetime=auth.SESSION_LIFETIME, address=address(request))
            response = redirect_with_notice(request, path(request, "dashboard", council=used.council.slug),
                                            f"You have joined {used.council.name}")
            cookies.start_session(request, response, session)
            return response
    payload = _payload(request, found, "new_account", values={"name": name}, errors=errors)
    return page(request, "staff/invitation.html", payload, None, status_code=422 if errors else 200)


async def _existing_account(request: Request, form: dict[str, list[str]] | None, token: str,
                            found: store.OneTimeToken, account: store.StaffUser) -> Response:
    user = await auth.current_user(request.cookies.get(STAFF_COOKIE))
    staff = Staff(user, None, frozenset()) if user else None
    if user is None or user.id != account.id:
        if form is not None:
            return redirect(request.url.path)
        sign_in = path(request, "sign_in") + "?next=" + request.url.path
        payload = _payload(request, found, "sign_in", signed_in_as=user.email if user else None,
                           links={"action": request.url.path, "sign_in": sign_in})
        return page(request, "staff/invitation.html", payload, staff)
    if form is not None:
        try:
            accepted = await people_queries.accept_as(user, token)
        except people_queries.WrongAccount:
            return redirect(request.url.path)
        if accepted is None:
            return _expired(request)
        used, membership = accepted
        assert used.council is not None
        await store.audit.record(used.council, user, "invitation-accepted", user.email,
                                 after={"roles": list(membership.roles), "new_account": False},
                                 address=address(request))
        return redirect_with_notice(request, path(request, "dashboard", council=used.council.slug),
                                    f"You have joined {used.council.name}")
    payload = _payload(request, found, "accept", signed_in_as=user.email)
    return page(request, "staff/invitation.html", payload, staff)
