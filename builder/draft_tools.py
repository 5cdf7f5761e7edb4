"""The pages a draft's overview links to besides its pages and questions: preview, history,
fees, workflow, Welsh and the whole draft as JSON, in the order a designer needs them. One
table; a page whose route the app does not have is left out."""

from __future__ import annotations

from starlette.requests import Request

from runtime.staff.context import path

TOOLS = (
    ("preview_start", "Preview as a resident"),
    ("service_fees", "Fees"),
    ("service_workflow", "Workflow"),
    ("service_welsh", "Welsh"),
    ("service_history", "History and versions"),
    ("service_json", "Edit as JSON"),
)


def tool_links(request: Request, council: str, service_id: str) -> list[dict[str, str]]:
    routes = request.app.state.routes_by_name
    return [{"text": text, "href": path(request, name, council=council, service_id=service_id)}
            for name, text in TOOLS if name in routes]
