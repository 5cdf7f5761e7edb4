"""Routes at a glance: every page in order, when it is shown (its condition as a sentence),
where a resident goes next from it, and the whole-flow problems of builder/draft_check.py
next to the page they concern, each linking to the place to fix it.

A resident's next page is the first page after this one whose condition holds: each
conditional page on the way is a branch ("if …"), and the first page everyone is shown ends
the list ("otherwise"). An exit page ends the journey. The same data is drawn as a flow
(server-rendered HTML, hidden from screen readers) and said as a list (read by everyone)."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from builder.conditions import describe
from builder.draft_check import Finding, check
from builder.draft_requests import EDITOR_ROLES, council_of, draft_or_404
from builder.locations import answer_path, is_add_another, is_content, page_name, page_of
from builder.question_settings import question_key
from runtime import store
from runtime.core.service import content_hash
from runtime.staff.context import Staff, page, path

# Problems fixed on the page's condition rather than the page itself.
CONDITION_PROBLEMS = frozenset({"unreachable-page", "condition-on-later-answer", "condition-on-same-page",
                                "condition-on-unasked-answer", "condition-required", "cannot-end"})


# The findings of the drafts seen lately, by content hash: a page, the draft and the routes
# each show them, and following every route takes tens of milliseconds.
_FOUND: OrderedDict[str, list[Finding]] = OrderedDict()
_KEPT = 64


def findings(definition: dict[str, Any]) -> list[Finding]:
    """builder.draft_check.check of the definition, remembered for the same content."""
    key = content_hash(definition)
    if key in _FOUND:
        _FOUND.move_to_end(key)
        return _FOUND[key]
    found = check(definition)
    _FOUND[key] = found
    if len(_FOUND) > _KEPT:
        _FOUND.popitem(last=False)
    return found


def page_concerned(definition: dict[str, Any], finding: Finding) -> str | None:
    """The page a finding concerns: its own, else the page asking the answer it is about (a
    problem in the answers' schema is fixed on the question asking that answer)."""
    if finding.page is not None:
        return finding.page
    if finding.answer is None or finding.fee is not None or finding.state is not None:
        return None
    asking = page_of(definition, finding.answer)
    return str(asking["id"]) if asking is not None else None


def fix_link(request: Request, staff: Staff, draft: store.ServiceDraft, finding: Finding) -> str:
    """Where a designer fixes what a finding says: the page's condition, the question, the
    page, a fee line's condition, or (for what no other page holds) the draft itself."""
    slug, sid = council_of(staff).slug, draft.service_id
    if finding.fee is not None and finding.pointer.endswith("/when"):  # a fee line's condition
        return path(request, "fee_condition", council=slug, service_id=sid, line_id=finding.fee)
    page_id = page_concerned(draft.definition, finding)
    if page_id is None:
        return path(request, "service_draft", council=slug, service_id=sid)
    pages: Any = draft.definition.get("pages", [])
    spec = next((p for p in pages if p.get("id") == page_id), None)
    params = {"council": slug, "service_id": sid, "page_id": page_id}
    if spec is None:
        return path(request, "service_draft", council=slug, service_id=sid)
    if finding.keyword in CONDITION_PROBLEMS or "/when" in finding.pointer:
        return path(request, "page_condition", **params)
    for field in spec.get("fields") or []:
        if finding.answer and answer_path(spec, str(field.get("answer", ""))) == finding.answer:
            return path(request, "edit_question", **params, answer=question_key(str(field["answer"])))
    return path(request, "edit_question_page", **params)


def problems_by_page(request: Request, staff: Staff, draft: store.ServiceDraft) -> tuple[
        dict[str, list[dict[str, str]]], list[dict[str, str]]]:
    """The draft's problems as {page id: [{message, link}]}, and those of no page."""
    by_page: dict[str, list[dict[str, str]]] = {}
    others: list[dict[str, str]] = []
    for finding in findings(draft.definition):
        shown = {"message": finding.message, "link": fix_link(request, staff, draft, finding)}
        page_id = page_concerned(draft.definition, finding)
        if page_id is None:
            others.append(shown)
        else:
            by_page.setdefault(page_id, []).append(shown)
    return by_page, others


def _kind(spec: dict[str, Any]) -> str:
    if is_content(spec):
        return "Exit page" if spec.get("stop") else "Content page"
    return "Add-another page" if is_add_another(spec) else "Question page"


def _next(request: Request, params: dict[str, str], definition: dict[str, Any], specs: list[dict[str, Any]],
          index: int) -> list[dict[str, Any]]:
    """Where a resident goes from page `index`: each conditional page up to the first shown
    to everyone (or check your answers)."""
    if specs[index].get("stop"):
        return [{"name": "The journey ends here: residents cannot carry on", "condition": None, "link": None}]
    leads: list[dict[str, Any]] = []
    for spec in specs[index + 1:]:
        link = path(request, "edit_question_page", **params, page_id=str(spec["id"]))
        if "when" in spec:
            leads.append({"name": page_name(spec), "condition": describe(spec["when"], definition), "link": link})
        else:
            leads.append({"name": page_name(spec), "condition": None, "link": link})
            return leads
    leads.append({"name": "Check your answers", "condition": None, "link": None})
    return leads


async def service_routes(request: Request, staff: Staff) -> Response:
    draft = await draft_or_404(staff, request.path_params["service_id"])
    definition: dict[str, Any] = draft.definition
    slug, sid = council_of(staff).slug, draft.service_id
    params = {"council": slug, "service_id": sid}
    specs = [spec for spec in definition.get("pages", []) if isinstance(spec, dict)]
    by_page, others = problems_by_page(request, staff, draft)
    steps: list[dict[str, Any]] = []
    for index, spec in enumerate(specs):
        page_id = str(spec["id"])
        steps.append({
            "number": index + 1,
            "id": page_id,
            "name": page_name(spec),
            "kind": _kind(spec),
            "condition": describe(spec["when"], definition) if "when" in spec else None,
            "leads": _next(request, params, definition, specs, index),
            "problems": by_page.get(page_id, []),
            "links": {"page": path(request, "edit_question_page", **params, page_id=page_id),
                      "condition": path(request, "page_condition", **params, page_id=page_id)},
        })
    payload = {
        "page": {"heading": "Routes through the service", "caption": str(definition.get("title", sid))},
        "steps": steps,
        "other_problems": others,
        "problem_count": sum(len(step["problems"]) for step in steps) + len(others),
        "can_edit": staff.can(*EDITOR_ROLES),
        "links": {"draft": path(request, "service_draft", **params)},
    }
    return page(request, "builder/routes.html", payload, staff)
