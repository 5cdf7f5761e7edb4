"""What every staff handler needs: the signed-in person, the council they act in and their
roles there, checked forms, URLs, pages. Council data of a council you do not belong to is
not found (404), never forbidden (403), so its existence does not leak."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from runtime import store
from runtime.staff import auth, notices
from runtime.staff.cookies import STAFF_COOKIE
from runtime.web import context as web
from runtime.web.context import ClientError
from runtime.web.rendering import wants_json


@dataclass(frozen=True)
class Staff:
    user: store.StaffUser
    council: store.Council | None
    roles: frozenset[str]

    def can(self, *roles: str) -> bool:
        return bool(self.roles & set(roles))

    def payload(self) -> dict[str, Any]:
        return {
            "user": {"email": self.user.email, "name": self.user.name, "operator": self.user.is_operator},
            "council": {"slug": self.council.slug, "name": self.council.name} if self.council else None,
            "roles": sorted(self.roles),
        }


Handler = Callable[[Request, Staff], Awaitable[Response]]


def path(request: Request, name: str, **params: Any) -> str:
    """A staff URL path by route name, under wherever the staff app is mounted."""
    return str(request.scope.get("root_path", "")) + web.path(request, name, **params)


def resident_url(request: Request, name: str, **params: Any) -> str:
    """An absolute URL of a resident page, from the resident app's own route table."""
    route = request.app.state.resident_routes[name]
    return web.settings(request).base_url + str(route.url_path_for(name, **{k: str(v) for k, v in params.items()}))


def address(request: Request) -> str | None:
    return request.client.host if request.client else None


def staff_only(handler: Handler, *, roles: Iterable[str] = (), council: bool = True,
               operator: bool = False) -> Callable[[Request], Awaitable[Response]]:
    """Wrap a handler: signed in, a member of the council in the URL (else 404), holding one
    of `roles` there when given (else 403), an operator when `operator` (else 403)."""
    needed = frozenset(roles)

    async def endpoint(request: Request) -> Response:
        user = await auth.current_user(request.cookies.get(STAFF_COOKIE))
        if user is None:
            if wants_json(request):
                raise ClientError(401, "signed_out")
            return RedirectResponse(path(request, "sign_in") + f"?next={request.url.path}", status_code=303)
        found: store.Council | None = None
        roles_here: frozenset[str] = frozenset()
        if council:
            found = await store.get_council(request.path_params["council"])
            membership = await store.staff.membership(user, found) if found else None
            if found is None or membership is None:
                raise ClientError(404, "page_not_found")
            roles_here = frozenset(membership.roles)
            if needed and not (needed & roles_here):
                raise ClientError(403, "forbidden_role")
        if operator and not user.is_operator:
            raise ClientError(403, "forbidden_role")
        return await handler(request, Staff(user, found, roles_here))

    endpoint.__name__ = getattr(handler, "__name__", "endpoint")
    # Declared access, read by the tenant-isolation and role tests for every route.
    endpoint.staff_access = {"council": council, "roles": needed, "operator": operator}  # type: ignore[attr-defined]
    return endpoint


def page(request: Request, template: str, payload: dict[str, Any], staff: Staff | None, *,
         status_code: int = 200) -> Response:
    """A staff page (or its JSON twin) with the staff navigation, and the notice of what the
    person just did (runtime/staff/notices.py), when one is waiting or the payload has one."""
    nav = navigation(request, staff) if staff else []
    links = {"home": path(request, "home"), "sign_out": path(request, "sign_out")}
    notice = payload.get("notice") or notices.waiting(request)
    response = web.page(request, template, {**payload, "notice": notice, "staff": staff.payload() if staff else None,
                                            "nav": nav, "staff_links": links}, "en", status_code=status_code)
    notices.shown(request, response)
    return response


def navigation(request: Request, staff: Staff) -> list[dict[str, Any]]:
    if staff.council is None:
        return [{"text": "Your councils", "href": path(request, "councils")},
                *([{"text": "Outbox", "href": path(request, "installation_outbox")}] if staff.user.is_operator else [])]
    slug = staff.council.slug
    items: list[dict[str, Any]] = [{"text": "Dashboard", "href": path(request, "dashboard", council=slug)}]
    if staff.can("admin", "caseworker"):
        items.append({"text": "Applications", "href": path(request, "applications", council=slug)})
    if staff.can("admin", "designer", "publisher") and "services" in request.app.state.routes_by_name:
        items.append({"text": "Services", "href": path(request, "services", council=slug)})  # the builder's
    if staff.can("admin", "designer", "publisher") and "catalogue" in request.app.state.routes_by_name:
        items.append({"text": "Catalogue", "href": path(request, "catalogue", council=slug)})  # the builder's
    if staff.can("admin"):
        items += [
            {"text": "Settings", "href": path(request, "settings", council=slug)},
            {"text": "Payments", "href": path(request, "reconciliation", council=slug)},
            {"text": "Staff", "href": path(request, "people", council=slug)},
            {"text": "Audit log", "href": path(request, "audit", council=slug)},
            {"text": "Outbox", "href": path(request, "council_outbox", council=slug)},
        ]
    current = request.url.path
    for item in items:
        item["current"] = current == item["href"] or (current.startswith(item["href"] + "/") and item["text"] != "Dashboard")
    return items


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


async def audit(request: Request, staff: Staff, action: str, target: str = "", *,
                before: dict[str, Any] | None = None, after: dict[str, Any] | None = None) -> None:
    await store.audit.record(staff.council, staff.user, action, target, before=before, after=after,
                             address=address(request))
