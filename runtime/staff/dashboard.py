"""A council's dashboard, and creating councils (installation operators only)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from runtime import store
from runtime.staff.casework import tag_classes
from runtime.staff.context import Staff, page, path, resident_url
from runtime.staff.notices import redirect_with_notice
from runtime.store import inbox
from runtime.web import context as web


async def dashboard(request: Request, staff: Staff) -> Response:
    assert staff.council is not None
    council = staff.council
    versions = await store.latest_versions(council)
    submissions = await store.recent(council, 10)
    # The state's staff label and tag colour, as the inbox shows them, from each one's workflow.
    workflows = await inbox.version_workflows(council, {s.service_version_id for s in submissions})
    states = {s.id: workflows[s.service_version_id].state(s.state) for s in submissions}
    payload = {
        "page": {"heading": council.name},
        "services": [
            {"id": v.service_id, "title": v.title, "version": v.version,
             "published_at": v.published_at.isoformat(),
             "href": resident_url(request, "start", council=council.slug, service=v.service_id)}
            for v in versions
        ],
        "submissions": [
            {"reference": s.reference, "service": s.service_version.title, "state": s.state,
             "state_label": states[s.id].label, "tag_classes": tag_classes(states[s.id].tag),
             "href": path(request, "application", council=council.slug, reference=s.reference),
             "submitted_at": s.submitted_at.isoformat(), "submitted": s.submitted_at.strftime("%-d %B %Y %H:%M")}
            for s in submissions
        ],
    }
    return page(request, "staff/dashboard.html", payload, staff)


async def create_council(request: Request, staff: Staff) -> Response:
    values = {"slug": "", "name": ""}
    errors: list[dict[str, str]] = []
    if request.method == "POST":
        form = web.text_fields(await web.checked_form(request))
        values = {key: (form.get(key) or [""])[0].strip() for key in values}
        if not values["name"]:
            errors.append({"field": "name", "href": "#name", "message": "Enter the council's name", "keyword": "required"})
        if not values["slug"]:
            errors.append({"field": "slug", "href": "#slug", "message": "Enter a short name for web addresses", "keyword": "required"})
        if not errors:
            try:
                council = await store.create_council(values["slug"], values["name"])
            except store.CouncilError as error:
                errors.append({"field": "slug", "href": "#slug", "message": _sentence(str(error)), "keyword": "slug"})
            else:
                await store.staff.grant(staff.user, council, ["admin"])
                await store.audit.record(council, staff.user, "council-created", council.slug,
                                         after={"slug": council.slug, "name": council.name},
                                         address=request.client.host if request.client else None)
                return redirect_with_notice(request, path(request, "dashboard", council=council.slug),
                                            f"{council.name} created: you are its admin")
    payload = {"page": {"heading": "Create a council"}, "values": values, "errors": errors,
               "links": {"action": request.url.path, "back": path(request, "councils")}}
    return page(request, "staff/create_council.html", payload, staff, status_code=422 if errors else 200)


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]
