"""Suggestions: a council hands its changes to an imported service back to the publisher
(builder/catalogue/suggestions.py holds the format and its checks).

The suggesting council's designers, at /staff/{council}/catalogue/updates/{service_id}/suggest,
read their changes in words and write a message. When the publisher is a council on this
installation that published that very version, "Send" stores it for the publisher's staff; in
any case "Download" gives it as a file to send however councils talk.

The publisher's staff read open suggestions at /staff/{council}/catalogue/suggestions: who sent
them, their message, the changes in words applied to the publisher's own service, and the JSON
Patch. Designers apply one (merged into the draft as one change undo takes back); designers and
publishers dismiss one; both may upload a suggestion file from another installation. Every step
is in the audit log; a council only ever sees its own suggestions.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response

from builder import patch as json_patch
from builder.catalogue import sharing
from builder.catalogue import suggestions as suggesting
from builder.catalogue.client import CatalogueError
from builder.catalogue.council import council_settings
from builder.catalogue.repository import Refused
from builder.catalogue.upgrade import base_missing, fork_publisher, no_longer_subscribed
from builder.catalogue_pages import client
from builder.draft_requests import EDITOR_ROLES, council_of
from builder.keyed_patch import make_patch
from builder.merge import merge
from runtime import store
from runtime.staff.context import Staff, address, audit, page, path
from runtime.staff.forms import Errors, error, first, form_page, posted
from runtime.staff.notices import redirect_with_notice
from runtime.store import catalogue as catalogue_store
from runtime.store import drafts
from runtime.store.models import CatalogueSuggestion
from runtime.web import context as web
from runtime.web.context import ClientError

# -- the suggesting council ------------------------------------------------------------------------


async def _ours(council: store.Council, service_id: str) -> dict[str, Any]:
    """The council's current service: its draft, else its latest published version."""
    draft = await drafts.get_draft(council, service_id)
    if draft is not None:
        return dict(draft.definition)
    published = await store.get_latest(council, service_id)
    if published is None:
        raise ClientError(404, "page_not_found")
    return dict(published.definition)


async def _local_publisher(council: store.Council, publisher: str, service: str,
                           address: str) -> store.Council | None:
    """The publisher as a council of this installation, when it published exactly that version."""
    local = await store.get_council(publisher)
    if local is None or local.id == council.id:
        return None
    return local if await suggesting.published_as_shared(local, service, address) is not None else None


async def suggest(request: Request, staff: Staff) -> Response:
    """GET: the council's changes to an imported service, in words, and a message box. POST:
    send them to the publisher (same installation) or download them as a file."""
    council = council_of(staff)
    service_id = request.path_params["service_id"]
    fork = await catalogue_store.get_fork(council, service_id)
    if fork is None:
        return await _not_a_fork(request, staff, council, service_id)
    known = client()
    named = fork_publisher(known, fork)
    ours = await _ours(council, service_id)
    old = next((item for item in known.versions(f"{fork.publisher}/{fork.upstream_service}")
                if item.catalogue == fork.catalogue and item.entry.address == fork.address), None)
    errors: Errors = []
    words: list[str] = []
    operations: list[dict[str, Any]] = []
    local: store.Council | None = None
    if old is None:
        why = base_missing(fork) if known.subscribed(fork.catalogue) else no_longer_subscribed(fork)
        error(errors, "message", f"Your changes cannot be worked out: {why}", "base-missing")
    else:
        try:
            shared = known.definition(old)
        except (CatalogueError, Refused) as refused:
            raise ClientError(404, "page_not_found") from refused
        operations = suggesting.changes(shared, ours, council)
        values = {**council_settings(council), **sharing.filled_values(shared, ours)}
        words = suggesting.in_words(shared, operations, values) if operations else []
        local = await _local_publisher(council, fork.publisher, fork.upstream_service, fork.address)
    message = ""
    here = {"council": council.slug, "service_id": service_id}
    if request.method == "POST":
        form = await posted(request)
        message = first(form, "message")
        action = first(form, "action")
        if len(message) > suggesting.MAX_MESSAGE:
            error(errors, "message", f"The message must be {suggesting.MAX_MESSAGE:,} characters or fewer",
                  "maxLength")
        if not operations and not errors:
            error(errors, "message", f"Your service has no changes from {named}'s version to suggest", "empty")
        if action not in ("send", "download") or (action == "send" and local is None):
            error(errors, "message", "Choose to send the suggestion or download it", "action")
        if not errors:
            found = suggesting.Suggestion(fork.catalogue, fork.publisher, fork.upstream_service,
                                          fork.upstream_version, fork.address, council.slug, council.name,
                                          message, operations)
            told = {"publisher": fork.publisher, "service": fork.upstream_service,
                    "version": fork.upstream_version, "changes": len(operations)}
            if action == "download" or local is None:
                await audit(request, staff, "catalogue-suggestion-downloaded", service_id, after=told)
                name = f"suggestion-{fork.upstream_service}-{fork.upstream_version}-from-{council.slug}.json"
                return Response(json.dumps(found.as_json(), indent=1, ensure_ascii=False) + "\n",
                                media_type="application/json",
                                headers={"Content-Disposition": f'attachment; filename="{name}"'})
            sent = await catalogue_store.add_suggestion(
                local, service=found.service, version=found.version, address=found.address,
                from_council=council.slug, from_name=council.name, via="installation", message=message,
                patch=operations)
            await audit(request, staff, "catalogue-suggestion-sent", service_id, after={**told, "id": sent.id})
            await store.audit.record(local, None, "catalogue-suggestion-received", found.service,
                                     after={"from": council.slug, "id": sent.id, "version": found.version},
                                     address=address(request))
            return redirect_with_notice(request, path(request, "catalogue_updates", council=council.slug),
                                        f"Your suggestion for {service_id} was sent to {named}")
    payload = {
        "page": {"heading": f"Suggest these changes to {named}"},
        "fork": {"service_id": service_id, "publisher": fork.publisher, "publisher_name": named,
                 "version": fork.upstream_version},
        "changes": words,
        "can_send": local is not None and bool(operations),
        "can_download": bool(operations),
        "message": message,
        "max_message": suggesting.MAX_MESSAGE,
        "errors": errors,
        "links": {"action": path(request, "catalogue_suggest", **here),
                  "draft": path(request, "service_draft", **here),
                  "updates": path(request, "catalogue_updates", council=council.slug)},
    }
    return form_page(request, "builder/catalogue/suggest.html", payload, staff)


async def _not_a_fork(request: Request, staff: Staff, council: store.Council, service_id: str) -> Response:
    """The council's own service: it has no publisher to suggest changes to. A service the
    council does not have is not found."""
    await _ours(council, service_id)
    if request.method == "POST":
        await posted(request)
    payload = {
        "page": {"heading": "Suggest changes"},
        "fork": None,
        "links": {"draft": path(request, "service_draft", council=council.slug, service_id=service_id),
                  "updates": path(request, "catalogue_updates", council=council.slug)},
    }
    return page(request, "builder/catalogue/suggest_not_a_fork.html", payload, staff,
                status_code=409 if request.method == "POST" else 200)


# -- the publisher ---------------------------------------------------------------------------------


def _operations(suggestion: CatalogueSuggestion) -> list[dict[str, Any]]:
    return [operation for operation in suggestion.patch if isinstance(operation, dict)]


async def _row(request: Request, council: store.Council, suggestion: CatalogueSuggestion,
               can_apply: bool) -> dict[str, Any]:
    shared = await suggesting.published_as_shared(council, suggestion.service, suggestion.address)
    words: list[str] = []
    if shared is not None:
        draft = await drafts.get_draft(council, suggestion.service)
        latest = await store.get_latest(council, suggestion.service)
        ours = dict(draft.definition) if draft is not None else dict(latest.definition) if latest else shared
        try:
            words = suggesting.in_words(shared, _operations(suggestion),
                                        suggesting.publisher_values(council, shared, ours))
        except (json_patch.PatchError, ValueError, KeyError, TypeError):
            words = []
    here = {"council": council.slug, "suggestion_id": suggestion.id}
    return {"id": suggestion.id, "service": suggestion.service, "version": suggestion.version,
            "from": suggestion.from_name, "from_slug": suggestion.from_council, "message": suggestion.message,
            "via": suggestion.via, "received": suggestion.created_at.strftime("%-d %B %Y"),
            "changes": words, "can_apply": can_apply,
            "links": {"patch": path(request, "catalogue_suggestion_patch", **here),
                      "apply": path(request, "catalogue_suggestion_apply", **here),
                      "dismiss": path(request, "catalogue_suggestion_dismiss", **here)}}


async def suggestion_list(request: Request, staff: Staff, errors: Errors | None = None,
                          status_code: int = 200) -> Response:
    """The open suggestions other councils made to this council's published services."""
    council = council_of(staff)
    can_apply = staff.can(*EDITOR_ROLES)
    rows = [await _row(request, council, item, can_apply) for item in await catalogue_store.suggestions(council)]
    payload = {
        "page": {"heading": "Suggestions from other councils"},
        "suggestions": rows,
        "errors": errors or [],
        "links": {"upload": path(request, "catalogue_suggestion_upload", council=council.slug),
                  "updates": path(request, "catalogue_updates", council=council.slug)},
    }
    return page(request, "builder/catalogue/suggestions.html", payload, staff, status_code=status_code)


async def _suggestion_or_404(staff: Staff, request: Request) -> CatalogueSuggestion:
    found = await catalogue_store.get_suggestion(council_of(staff), int(request.path_params["suggestion_id"]))
    if found is None:
        raise ClientError(404, "page_not_found")
    return found


async def suggestion_patch(request: Request, staff: Staff) -> Response:
    """The suggestion's JSON Patch, against the version it names as the catalogue holds it."""
    found = await _suggestion_or_404(staff, request)
    name = f"suggestion-{found.id}-{found.service}-{found.version}.json-patch.json"
    return Response(json.dumps(found.patch, indent=1, ensure_ascii=False) + "\n",
                    media_type="application/json-patch+json",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


async def _merged(council: store.Council, found: CatalogueSuggestion,
                  ours: dict[str, Any]) -> dict[str, Any]:
    """The publisher's service with the suggestion merged in; refused in words when it cannot be."""
    shared = await suggesting.published_as_shared(council, found.service, found.address)
    if shared is None:
        raise Refused("unknown-version", f"{found.service} {found.version} is no longer among your published versions")
    values = suggesting.publisher_values(council, shared, ours)
    base = suggesting.readable(shared, values)
    theirs = suggesting.readable(suggesting.suggested(shared, _operations(found)), values)
    result = merge(base, ours, theirs)
    if not result.clean:
        said = "; ".join(collision.words for collision in result.collisions[:3]) or \
            "; ".join(problem.message for problem in result.problems[:3])
        raise Refused("collides", f"your service changed the same things since {found.version}: {said}. "
                                  "Download the JSON Patch and make the changes by hand")
    return result.definition


async def apply_suggestion(request: Request, staff: Staff) -> Response:
    """Merge the suggestion into the council's draft as one change, and close it."""
    council = council_of(staff)
    await posted(request)
    found = await _suggestion_or_404(staff, request)
    listing = path(request, "catalogue_suggestions", council=council.slug)
    if found.state != "open":
        return redirect_with_notice(request, listing, "Someone decided this suggestion already")
    draft = await drafts.get_draft(council, found.service)
    ours = await _ours(council, found.service)
    try:
        merged = await _merged(council, found, ours)
    except Refused as refused:
        errors: Errors = []
        error(errors, f"suggestion-{found.id}", f"This suggestion cannot be applied: {refused.message}", refused.code)
        return await suggestion_list(request, staff, errors, 409)
    if draft is None:
        draft = await drafts.create_draft(council, ours, source="published", actor=staff.user, from_published=True)
    operations = make_patch(ours, merged)
    applied = json_patch.apply_with_inverse(ours, operations)
    step = drafts.Step(operation="apply-suggestion",
                       description=f"Applied {found.from_name}'s suggestion for version {found.version}",
                       patch=operations, inverse=applied.inverse,
                       params={"suggestion": found.id, "from": found.from_council})
    version = draft.version

    async def record() -> None:
        await drafts.apply_change(council, found.service, version, step, actor=staff.user, patched=json_patch.apply)

    try:
        await catalogue_store.decide_suggestion(council, found.id, "applied", actor=staff.user, then=record)
    except (catalogue_store.SuggestionDecided, drafts.DraftConflict):
        return redirect_with_notice(request, listing, "The suggestion or your draft changed meanwhile: try again")
    await audit(request, staff, "catalogue-suggestion-applied", found.service,
                after={"id": found.id, "from": found.from_council, "version": found.version})
    return redirect_with_notice(request, path(request, "service_draft", council=council.slug, service_id=found.service),
                                f"Applied {found.from_name}'s suggestion to your draft: undo takes it back")


async def dismiss_suggestion(request: Request, staff: Staff) -> Response:
    council = council_of(staff)
    await posted(request)
    found = await _suggestion_or_404(staff, request)
    listing = path(request, "catalogue_suggestions", council=council.slug)
    try:
        await catalogue_store.decide_suggestion(council, found.id, "dismissed", actor=staff.user)
    except catalogue_store.SuggestionDecided:
        return redirect_with_notice(request, listing, "Someone decided this suggestion already")
    await audit(request, staff, "catalogue-suggestion-dismissed", found.service,
                after={"id": found.id, "from": found.from_council})
    return redirect_with_notice(request, listing, f"Dismissed {found.from_name}'s suggestion")


async def upload_suggestion(request: Request, staff: Staff) -> Response:
    """A suggestion file from a council on another installation, checked, then listed."""
    council = council_of(staff)
    errors: Errors = []
    if request.method == "POST":
        form = await web.checked_form(request)
        upload = form.get("file")
        if not isinstance(upload, UploadFile) or not upload.filename:
            error(errors, "file", "Choose a suggestion file to upload", "required")
        else:
            data = await upload.read(suggesting.MAX_FILE_BYTES + 1)
            try:
                found, _ = await suggesting.read_suggestion(data, council)
            except Refused as refused:
                error(errors, "file", refused.message, refused.code)
                await audit(request, staff, "catalogue-suggestion-refused", "",
                            after={"reason": refused.code, "bytes": len(data)})
            else:
                stored = await catalogue_store.add_suggestion(
                    council, service=found.service, version=found.version, address=found.address,
                    from_council=found.council, from_name=found.council_name, via="upload",
                    message=found.message, patch=found.patch)
                await audit(request, staff, "catalogue-suggestion-uploaded", found.service,
                            after={"id": stored.id, "from": found.council, "version": found.version})
                return redirect_with_notice(request, path(request, "catalogue_suggestions", council=council.slug),
                                            f"{found.council_name}'s suggestion for {found.service} is listed below")
    payload = {
        "page": {"heading": "Upload a suggestion"},
        "max_kb": suggesting.MAX_FILE_BYTES // 1024,
        "errors": errors,
        "links": {"action": path(request, "catalogue_suggestion_upload", council=council.slug),
                  "back": path(request, "catalogue_suggestions", council=council.slug)},
    }
    return form_page(request, "builder/catalogue/suggestion_upload.html", payload, staff)
