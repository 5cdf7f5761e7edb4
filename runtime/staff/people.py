"""A council's people (admins only): its members and their roles, invitations waiting to be
accepted, inviting a colleague by email, changing roles and removing members. A council
always keeps at least one admin; a user who is not a member of this council is not found."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from runtime import store
from runtime.core.formats import is_email
from runtime.staff import auth
from runtime.staff.context import Staff, audit, page, path
from runtime.staff.notices import redirect_with_notice
from runtime.store import people_queries
from runtime.web import context as web
from runtime.web.context import ClientError

ROLES: dict[str, tuple[str, str]] = {
    "admin": ("Admin", "Invite and remove staff, change the council's settings, see the audit log"),
    "designer": ("Designer", "Build and change services"),
    "publisher": ("Publisher", "Publish services for residents to use"),
    "caseworker": ("Caseworker", "See and work on applications"),
}
assert tuple(ROLES) == store.staff.ROLES

NO_ROLE = "Select at least one role"


def role_names(roles: list[str]) -> str:
    return ", ".join(ROLES[role][0] for role in store.staff.ROLES if role in roles)


def when(moment: Any) -> str:
    return moment.strftime("%-d %B %Y %H:%M") if moment else ""


def _roles_from(form: dict[str, list[str]]) -> list[str]:
    """The roles ticked, in their usual order; anything else sent is ignored."""
    ticked = set(form.get("roles") or [])
    return [role for role in store.staff.ROLES if role in ticked]


def _error(field: str, message: str, keyword: str) -> dict[str, str]:
    return {"field": field, "href": f"#{field}", "message": message, "keyword": keyword}


async def people(request: Request, staff: Staff) -> Response:
    return await _page(request, staff)


async def _page(request: Request, staff: Staff, *, errors: list[dict[str, str]] | None = None,
                invite: dict[str, Any] | None = None, member_roles: dict[int, list[str]] | None = None) -> Response:
    assert staff.council is not None
    council = staff.council
    errors = errors or []
    members = await store.staff.members_of(council)
    invitations = await store.staff.pending_invitations(council)
    emails: dict[int | None, str] = {m.user_id: m.user.email for m in members}
    slug = council.slug
    fields = {error["field"] for error in errors}
    member_rows = []
    for m in members:
        prefix = f"member-{m.user_id}"
        member_rows.append({
            "id": m.user_id, "name": m.user.name, "email": m.user.email, "roles": list(m.roles),
            "role_names": role_names(m.roles), "you": m.user_id == staff.user.id,
            "last_sign_in_at": m.user.last_sign_in_at.isoformat() if m.user.last_sign_in_at else None,
            "last_sign_in": when(m.user.last_sign_in_at) or "Never",
            "form": {"prefix": prefix, "values": (member_roles or {}).get(m.user_id, list(m.roles)),
                     "open": any(field.startswith(prefix + "-") for field in fields)},
            "links": {"roles": path(request, "change_roles", council=slug, user_id=m.user_id),
                      "remove": path(request, "remove_member", council=slug, user_id=m.user_id)},
        })
    pending = [
        {"email": t.email, "roles": list(t.roles), "role_names": role_names(t.roles),
         "expires_at": t.expires_at.isoformat(), "expires": when(t.expires_at),
         "invited_by": emails.get(getattr(t, "created_by_id", None))}
        for t in invitations
    ]
    payload = {
        "page": {"heading": "Staff"},
        "members": member_rows,
        "invitations": pending,
        "roles": [{"value": value, "text": text, "hint": hint} for value, (text, hint) in ROLES.items()],
        "invite": invite or {"email": "", "roles": []},
        "invite_days": auth.INVITATION_LIFETIME.days,
        "errors": errors,
        "links": {"invite": path(request, "invite", council=slug), "audit": path(request, "audit", council=slug)},
    }
    return page(request, "staff/people.html", payload, staff, status_code=422 if errors else 200)


async def invite(request: Request, staff: Staff) -> Response:
    assert staff.council is not None
    council = staff.council
    form = web.text_fields(await web.checked_form(request))
    email = (form.get("email") or [""])[0].strip()
    roles = _roles_from(form)
    errors = []
    if not email:
        errors.append(_error("email", "Enter their email address", "required"))
    elif len(email) > 254 or not is_email(email):
        errors.append(_error("email", "Enter an email address in the correct format, like name@example.com",
                             "format"))
    else:
        existing = await store.staff.user_by_email(email)
        if existing is not None and await store.staff.membership(existing, council) is not None:
            errors.append(_error("email", f"{store.staff.normal_email(email)} is already a member of {council.name}. "
                                          "Change their roles in the list of staff instead", "member"))
    if not roles:
        errors.append(_error("roles", NO_ROLE, "required"))
    if errors:
        return await _page(request, staff, errors=errors, invite={"email": email, "roles": roles})
    email = store.staff.normal_email(email)
    token = await store.staff.issue_token("invitation", email, lifetime=auth.INVITATION_LIFETIME, council=council,
                                          roles=roles, created_by=staff.user)
    link = web.settings(request).base_url + path(request, "invitation", token=token)
    days = auth.INVITATION_LIFETIME.days
    await store.enqueue_email(
        council, email, subject=f"You have been invited to join {council.name} on Borough",
        body_text=(f"{staff.user.name} ({staff.user.email}) has invited you to join {council.name} on Borough, "
                   f"as: {role_names(roles)}.\n\n"
                   f"Accept the invitation within {days} days: {link}\n\n"
                   "The link works once. If you were not expecting this email, you can ignore it."),
        idempotency_key="invitation:" + store.staff.token_hash(token),
    )
    await audit(request, staff, "staff-invited", email, after={"email": email, "roles": roles})
    return redirect_with_notice(request, path(request, "people", council=council.slug),
                                f"We have sent an invitation to {email}")


async def change_roles(request: Request, staff: Staff) -> Response:
    assert staff.council is not None
    council = staff.council
    user_id: int = request.path_params["user_id"]
    form = web.text_fields(await web.checked_form(request))
    roles = _roles_from(form)
    field = f"member-{user_id}-roles"
    if not roles:
        await _member_or_404(council, user_id)
        return await _page(request, staff, errors=[_error(field, NO_ROLE, "required")],
                           member_roles={user_id: roles})
    try:
        changed = await people_queries.change_roles(council, user_id, roles)
    except people_queries.LastAdmin:
        member = await _member_or_404(council, user_id)
        message = (f"{member.user.name} is the only admin of {council.name}. "
                   "Make someone else an admin before taking the admin role away")
        return await _page(request, staff, errors=[_error(field, message, "last_admin")],
                           member_roles={user_id: roles})
    if changed is None:
        raise ClientError(404, "page_not_found")
    membership, before = changed
    if before != membership.roles:
        await audit(request, staff, "roles-changed", membership.user.email,
                    before={"roles": before}, after={"roles": list(membership.roles)})
    done = f"{membership.user.name}'s roles are now: {role_names(membership.roles)}"
    if user_id == staff.user.id and "admin" not in membership.roles:
        return redirect_with_notice(request, path(request, "dashboard", council=council.slug),
                                    f"Your roles are now: {role_names(membership.roles)}")
    return redirect_with_notice(request, path(request, "people", council=council.slug), done)


async def remove_member(request: Request, staff: Staff) -> Response:
    assert staff.council is not None
    council = staff.council
    user_id: int = request.path_params["user_id"]
    await web.checked_form(request)
    try:
        removed = await people_queries.remove_member(council, user_id)
    except people_queries.LastAdmin:
        member = await _member_or_404(council, user_id)
        message = (f"{member.user.name} is the only admin of {council.name} and cannot be removed. "
                   "Make someone else an admin first")
        return await _page(request, staff, errors=[_error(f"member-{user_id}-remove", message, "last_admin")])
    if removed is None:
        raise ClientError(404, "page_not_found")
    await audit(request, staff, "member-removed", removed.user.email,
                before={"email": removed.user.email, "roles": list(removed.roles)})
    if user_id == staff.user.id:
        return redirect_with_notice(request, path(request, "councils"), f"You are no longer a member of {council.name}")
    return redirect_with_notice(request, path(request, "people", council=council.slug),
                                f"{removed.user.name} ({removed.user.email}) removed from {council.name}")


async def _member_or_404(council: store.Council, user_id: int) -> store.Membership:
    user = await store.staff.user_by_id(user_id)
    membership = await store.staff.membership(user, council) if user else None
    if user is None or membership is None:
        raise ClientError(404, "page_not_found")
    membership.user = user
    return membership
