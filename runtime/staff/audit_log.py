"""A council's audit log (admins only): who did what, newest first, a page at a time."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from runtime import store
from runtime.staff import paging
from runtime.staff.audit_changes import change_lines
from runtime.staff.context import Staff, page, path


async def audit_log(request: Request, staff: Staff) -> Response:
    assert staff.council is not None
    council = staff.council
    before_id = paging.before_id(request)
    found = await store.audit.entries(council, limit=paging.PER_PAGE + 1, before_id=before_id)
    shown = paging.page_of(found, before_id, path(request, "audit", council=council.slug))
    payload = {
        "page": {"heading": "Audit log"},
        "entries": [
            {"id": e.id, "at": e.at.isoformat(), "when": e.at.strftime("%-d %B %Y %H:%M:%S"),
             "actor": e.actor_label, "action": e.action, "target": e.target,
             "before": e.before, "after": e.after, "changes": change_lines(e.before, e.after),
             "address": e.address}
            for e in shown.rows
        ],
        "links": {"older": shown.older, "newest": shown.newest},
    }
    return page(request, "staff/audit.html", payload, staff)
