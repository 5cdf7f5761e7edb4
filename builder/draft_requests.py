"""What every builder handler needs: the draft named in the URL (another council's is not
found), the draft version a form was filled in against, recording an operation's change on the
stored draft, and what to tell a designer whose change met someone else's.

Every form of the builder sends the draft's `version` back; a change is applied only to that
version. When the draft moved on meanwhile the change is not saved, and the designer is shown
the steps made since, by whom, with their own input kept, to decide what to do.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from builder.change import Change
from builder.patch import apply
from runtime import store
from runtime.core.digits import is_digits
from runtime.staff.context import Staff, audit
from runtime.staff.forms import Errors, Form, error, first
from runtime.store import drafts
from runtime.web.context import ClientError

BUILDER_ROLES = ("admin", "designer", "publisher")
EDITOR_ROLES = ("admin", "designer")
PUBLISHER_ROLES = ("admin", "publisher")


def council_of(staff: Staff) -> store.Council:
    if staff.council is None:  # every builder route is a council's (staff_only checks it)
        raise ClientError(404, "page_not_found")
    return staff.council


async def draft_or_404(staff: Staff, service_id: str) -> store.ServiceDraft:
    """The draft of the council's service `service_id`; 404 when it has none."""
    draft = await drafts.get_draft(council_of(staff), service_id)
    if draft is None:
        raise ClientError(404, "page_not_found")
    return draft


def page_or_404(draft: store.ServiceDraft, page_id: str) -> dict[str, Any]:
    pages: Any = draft.definition.get("pages", [])
    for page in pages:
        if isinstance(page, dict) and page.get("id") == page_id:
            return page
    raise ClientError(404, "page_not_found")


def version_sent(form: Form) -> int:
    """The draft version the form was filled in against; 400 when the form has none."""
    value = first(form, "version")
    if not is_digits(value) or len(value) > 9:
        raise ClientError(400, "bad_request")
    return int(value)


async def ensure_current(draft: store.ServiceDraft, version: int) -> None:
    """Refuse a form filled in against an older version before working out its change, so the
    designer hears what changed rather than what their change would now do to it."""
    if draft.version != version:
        raise drafts.DraftConflict(version, draft.version, await drafts.changes_since(draft, version))


def step_of(change: Change) -> drafts.Step:
    return drafts.Step(change.name, change.description, [dict(op) for op in change.patch],
                       [dict(op) for op in change.inverse], dict(change.params))


async def record(request: Request, staff: Staff, draft: store.ServiceDraft, version: int,
                 change: Change) -> store.ServiceDraft:
    """Save `change` on the draft if it is still at `version` (else `DraftConflict`), audited."""
    saved = await drafts.apply_change(council_of(staff), draft.service_id, version, step_of(change),
                                      actor=staff.user, patched=apply)
    await audit(request, staff, "draft-changed", draft.service_id,
                after={"change": change.description, "draft version": saved.version})
    return saved


async def step(request: Request, staff: Staff, draft: store.ServiceDraft, version: int,
               kind: str) -> store.ServiceDraft:
    """Undo or redo one change of the draft at `version`, audited."""
    walk = drafts.undo if kind == "undo" else drafts.redo
    target = await (drafts.next_undo(draft) if kind == "undo" else drafts.next_redo(draft))
    saved = await walk(council_of(staff), draft.service_id, version, actor=staff.user, patched=apply)
    await audit(request, staff, "draft-undone" if kind == "undo" else "draft-redone", draft.service_id,
                after={"change": target.description if target else "", "draft version": saved.version})
    return saved


def conflict_errors(conflict: drafts.DraftConflict, field: str) -> Errors:
    """Say that the draft changed meanwhile, each step since with who made it (the error
    summary links to the element `field`)."""
    errors: Errors = []
    made = [f"{change.actor_label}: {_kind_words(change.kind)}{change.description}" for change in conflict.changes]
    message = "Someone changed this draft while you were working on it, so your change was not saved"
    if made:
        message += ". Changes since you opened it: " + "; ".join(made)
    error(errors, field, message + ". Check the draft, then make your change again if you still need it", "conflict")
    return errors


def _kind_words(kind: str) -> str:
    return {"undo": "undid ", "redo": "redid "}.get(kind, "")
