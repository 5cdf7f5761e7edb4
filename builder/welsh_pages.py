"""Welsh side by side: every resident-facing string of the draft in English and Welsh, with
the Welsh missing, or the English changed since it was translated, marked; the Welsh edited in
place (every string changed in one save is one change of the draft, undone in one step); and
the strings as a spreadsheet (CSV) for translators, exported and imported
(builder/translation_sheet.py).

"English changed since it was translated" is read from the draft's own history: going back
through its changes from now, the Welsh of a string was written at the last change that set it
to what it is now; when the English then was not the English now, the Welsh is stale.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response

from builder.change import Refused, make_change
from builder.draft_requests import (
    EDITOR_ROLES,
    conflict_errors,
    council_of,
    draft_or_404,
    ensure_current,
    record,
    version_sent,
)
from builder.operation_forms import messages, perform_posted, said
from builder.patch import apply
from builder.service_operations import Translatable, translatable, translate
from builder.translation_sheet import to_csv
from runtime import store
from runtime.core.strings import resident_strings
from runtime.staff.context import Staff, page, path
from runtime.staff.forms import Errors, error, first, posted
from runtime.staff.notices import redirect_with_notice
from runtime.store import drafts
from runtime.web import context as web
from runtime.web.context import ClientError

LANGUAGE = "cy"
HISTORY_DEPTH = 500  # changes looked back through for when each Welsh string was written
MAX_SHEET = 2 * 1024 * 1024
Definition = dict[str, Any]


def _strings(definition: Definition) -> dict[str, str]:
    try:
        return {text.key: text.text for text in resident_strings(definition)}
    except (KeyError, TypeError, AttributeError):  # a draft too broken to list its strings
        return {}


def _welsh(definition: Definition) -> dict[str, str]:
    table = (definition.get("translations") or {}).get(LANGUAGE) or {}
    return table if isinstance(table, dict) else {}


def stale_translations(current: Definition, steps_newest_first: Sequence[Sequence[dict[str, Any]]]) -> set[str]:
    """The keys whose English changed after their Welsh was written. `steps_newest_first` are
    the inverse patches of the draft's changes, newest first (each takes a version back one)."""
    english_now, welsh_now = _strings(current), _welsh(current)
    pending = {key for key in welsh_now if key in english_now}
    english_then = {key: english_now[key] for key in pending}
    definition = current
    for inverse in steps_newest_first:
        if not pending:
            break
        try:
            previous: Definition = apply(definition, inverse)
        except Exception:  # a history that does not apply: judge by what has been read
            break
        english_before, welsh_before = _strings(previous), _welsh(previous)
        for key in list(pending):
            if welsh_before.get(key) != welsh_now[key] or key not in english_before:
                pending.discard(key)  # written by this step: the English then is the one after it
            else:
                english_then[key] = english_before[key]
        definition = previous
    return {key for key, english in english_then.items() if english != english_now[key]}


async def _stale(draft: store.ServiceDraft) -> set[str]:
    steps = await drafts.history(draft, limit=HISTORY_DEPTH)
    inverses: list[list[dict[str, Any]]] = [[op for op in step.inverse if isinstance(op, dict)] for step in steps]
    return stale_translations(draft.definition, inverses)


async def service_welsh(request: Request, staff: Staff) -> Response:
    draft = await draft_or_404(staff, request.path_params["service_id"])
    if request.method == "POST":
        return await _save(request, staff, draft)
    return await _page(request, staff, draft, [], {}, draft.version, 200)


def _translatable(definition: Definition) -> list[Translatable]:
    """The draft's strings; none while it is too broken to list them (its page says why)."""
    try:
        return translatable(definition, LANGUAGE)
    except (KeyError, TypeError, AttributeError):
        return []


async def _page(request: Request, staff: Staff, draft: store.ServiceDraft, errors: Errors, typed: dict[str, str],
                version: int, status: int) -> Response:
    slug = council_of(staff).slug
    definition: Definition = draft.definition
    offered = LANGUAGE in (definition.get("languages") or ["en"])
    strings = _translatable(definition)
    stale = await _stale(draft) if offered and strings else set()
    show = request.query_params.get("show", "all")
    rows = []
    for index, row in enumerate(strings):
        state = "missing" if not row.translation else "changed" if row.key in stale else "done"
        if show in ("missing", "changed") and state != show:
            continue
        rows.append({"key": row.key, "index": index, "field": f"welsh-{index}", "english": row.english,
                     "welsh": typed.get(row.key, row.translation or ""), "state": state,
                     "long": len(row.english) > 200 or "\n" in row.english})
    counts = {"missing": sum(1 for r in strings if not r.translation),
              "changed": len(stale)}
    payload = {
        "page": {"heading": f"Welsh for {definition.get('title', draft.service_id)}"},
        "offered": offered,
        "broken": not strings,
        "rows": rows,
        "counts": counts,
        "show": show,
        "version": version,
        "can_edit": staff.can(*EDITOR_ROLES),
        "messages": messages(errors),
        "errors": errors,
        "links": {
            "draft": path(request, "service_draft", council=slug, service_id=draft.service_id),
            "here": path(request, "service_welsh", council=slug, service_id=draft.service_id),
            "offer": path(request, "offer_welsh", council=slug, service_id=draft.service_id),
            "sheet": path(request, "welsh_sheet", council=slug, service_id=draft.service_id),
        },
    }
    return page(request, "builder/welsh.html", payload, staff, status_code=status)


async def _save(request: Request, staff: Staff, draft: store.ServiceDraft) -> Response:
    """Save every Welsh string changed on the page as one change of the draft."""
    if not staff.can(*EDITOR_ROLES):
        raise ClientError(403, "forbidden_role")
    form = await posted(request)
    version = version_sent(form)
    before: Definition = draft.definition
    after = before
    errors: Errors = []
    typed: dict[str, str] = {}
    count = 0
    for index, row in enumerate(_translatable(before)):
        if f"key-{index}" not in form:
            continue
        if first(form, f"key-{index}") != row.key:  # the strings moved since the page was read
            return await _conflict(request, staff, draft, version)
        value = first(form, f"welsh-{index}")
        typed[row.key] = value
        if value == (row.translation or ""):
            continue
        try:
            after = translate(after, key=row.key, text=value or None, language=LANGUAGE).apply(after)
            count += 1
        except Refused as refused:
            error(errors, f"welsh-{index}", f"{refused.message} ('{row.english[:60]}')", refused.code)
    if errors:
        return await _page(request, staff, draft, errors, typed, version, 422)
    change = make_change("translate", f"Saved {count} Welsh string{'s' if count != 1 else ''}", before, after,
                         {"language": LANGUAGE, "strings": count})
    if change.empty:
        return redirect_with_notice(request, request.url.path, "Nothing changed")
    try:
        await ensure_current(draft, version)
        await record(request, staff, draft, version, change)
    except drafts.DraftConflict as conflict:
        fresh = await draft_or_404(staff, draft.service_id)
        return await _page(request, staff, fresh, conflict_errors(conflict, "welsh"), typed, fresh.version, 409)
    return redirect_with_notice(request, request.url.path, change.description)


async def _conflict(request: Request, staff: Staff, draft: store.ServiceDraft, version: int) -> Response:
    """The page's strings are not the draft's any more: say what changed since, keep nothing."""
    try:
        await ensure_current(draft, version)
        errors: Errors = []
        error(errors, "welsh", "The draft's strings changed while you were working: check them and save again",
              "conflict")
    except drafts.DraftConflict as conflict:
        errors = conflict_errors(conflict, "welsh")
    return await _page(request, staff, draft, errors, {}, draft.version, 409)


async def offer_welsh(request: Request, staff: Staff) -> Response:
    """Offer the service in Welsh, or stop offering it (its Welsh comes back on undo)."""
    draft = await draft_or_404(staff, request.path_params["service_id"])
    form = await posted(request)
    version = version_sent(form)
    outcome = await perform_posted(request, staff, draft, version, "set-welsh", {"welsh": first(form, "welsh") == "yes"},
                                   {}, "welsh")
    if outcome.change is None:
        fresh = await draft_or_404(staff, draft.service_id)
        return await _page(request, staff, fresh, outcome.errors, {}, fresh.version, outcome.status)
    here = path(request, "service_welsh", council=council_of(staff).slug, service_id=draft.service_id)
    return redirect_with_notice(request, here, said(outcome.change))


async def welsh_sheet(request: Request, staff: Staff) -> Response:
    """GET: the strings as a CSV spreadsheet. POST: import a translator's filled-in copy."""
    draft = await draft_or_404(staff, request.path_params["service_id"])
    if request.method == "GET":
        body = "\ufeff" + to_csv(draft.definition, LANGUAGE)  # the mark tells spreadsheets it is UTF-8
        name = f"{draft.service_id}-welsh.csv"
        return Response(body, media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})
    if not staff.can(*EDITOR_ROLES):
        raise ClientError(403, "forbidden_role")
    form = await web.checked_form(request)
    fields = web.text_fields(form)
    version = version_sent(fields)
    upload = form.get("sheet")
    errors: Errors = []
    text = ""
    if not isinstance(upload, UploadFile) or not upload.filename:
        error(errors, "sheet", "Choose the spreadsheet to import, saved as CSV", "required")
    else:
        data = await upload.read(MAX_SHEET + 1)
        if len(data) > MAX_SHEET:
            error(errors, "sheet", "The spreadsheet must be smaller than 2 MB", "fileSize")
        else:
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                error(errors, "sheet", "Save the spreadsheet as CSV in UTF-8, then import it again", "fileType")
    if errors:
        return await _page(request, staff, draft, errors, {}, version, 422)
    outcome = await perform_posted(request, staff, draft, version, "import-translations",
                                   {"sheet": text, "language": LANGUAGE}, {}, "sheet")
    if outcome.change is None:
        fresh = await draft_or_404(staff, draft.service_id)
        return await _page(request, staff, fresh, outcome.errors, {}, outcome.version, outcome.status)
    here = path(request, "service_welsh", council=council_of(staff).slug, service_id=draft.service_id)
    return redirect_with_notice(request, here, said(outcome.change))
