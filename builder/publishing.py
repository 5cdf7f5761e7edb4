"""Publishing a draft (publishers and admins): what changed since the published version, in
words, the version number it proposes (patch for wording, minor for new optional questions,
major for removed or newly required answers), and a change note. The store refuses a draft
that fails the format's checks, and a version that is not newer, with the problems."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from builder.diff import diff, propose_version
from builder.draft_requests import conflict_errors, council_of, draft_or_404, version_sent
from builder.publish import publish
from builder.routes_pages import findings, fix_link
from runtime import store
from runtime.staff.context import Staff, audit, path
from runtime.staff.forms import Errors, error, first, form_page, posted
from runtime.staff.notices import redirect_with_notice
from runtime.store import drafts

FIRST_VERSION = "1.0.0"
MAX_NOTE = 2000


def proposal(draft: store.ServiceDraft, published: store.ServiceVersion | None) -> tuple[str, str, list[str]]:
    """The proposed version, why, and what changed since the published version, in words."""
    if published is None:
        return FIRST_VERSION, "The first version of the service", []
    new = {**draft.definition, "version": published.version}
    version, why = propose_version(published.definition, new, published.version)
    return version, why, diff(published.definition, new).words


async def publish_service(request: Request, staff: Staff) -> Response:
    draft = await draft_or_404(staff, request.path_params["service_id"])
    council = council_of(staff)
    published = await store.get_latest(council, draft.service_id)
    proposed, why, changes = proposal(draft, published)
    errors: Errors = []
    values = {"version_number": proposed, "note": ""}
    version = draft.version
    if request.method == "POST":
        form = await posted(request)
        version = version_sent(form)
        values = {"version_number": first(form, "version_number"), "note": first(form, "note")}
        if not values["note"]:
            error(errors, "note", "Enter a change note: what changed and why", "required")
        elif len(values["note"]) > MAX_NOTE:
            error(errors, "note", f"The change note must be {MAX_NOTE:,} characters or fewer", "maxLength")
        if not errors:
            try:
                made = await publish(council, draft.service_id, version, version=values["version_number"],
                                                  note=values["note"], actor=staff.user)
            except drafts.NotPublishable as refused:
                for problem in refused.problems:
                    field = "version_number" if problem.pointer == "/version" else "problems"
                    error(errors, field, problem.message, problem.keyword)
            except drafts.DraftConflict as conflict:
                errors, version = conflict_errors(conflict, "version_number"), conflict.current
            else:
                await audit(request, staff, "service-published", f"{made.service_id}@{made.version}",
                            after={"version": made.version, "note": values["note"]})
                here = path(request, "service_draft", council=council.slug, service_id=draft.service_id)
                return redirect_with_notice(request, here, f"Published version {made.version}")
    payload: dict[str, Any] = {
        "page": {"heading": f"Publish {draft.definition.get('title', draft.service_id)}"},
        "published_version": published.version if published else None,
        "proposed": {"version": proposed, "why": why},
        "changes": changes,
        "nothing_changed": published is not None and proposed == published.version,
        "values": values,
        "version": version,
        "errors": errors,
        "fixes": {found.message: fix_link(request, staff, draft, found) for found in findings(draft.definition)}
        if errors else {},
        "links": {"action": path(request, "publish_service", council=council.slug, service_id=draft.service_id),
                  "cancel": path(request, "service_draft", council=council.slug, service_id=draft.service_id)},
    }
    return form_page(request, "builder/publish.html", payload, staff)
