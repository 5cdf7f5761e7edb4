"""Keeping imported services up to date, at /staff/{council}/catalogue/updates: the council's
forks whose upstream published a newer version, each with the publisher's change note and what
changed in words (builder/diff.py), and the upgrade page. The updates page also leads to
suggesting the council's changes back to a publisher, and to the suggestions other councils
made to the council's own services (builder/catalogue_suggestion_pages.py).

Upgrading runs builder/catalogue/upgrade.py: a merge with nothing to choose is recorded on the
council's draft in one step. When something collides nothing changes yet: each collision is
shown side by side (the council's value, the publisher's, the original) with a choice, and the
choices posted are resolved (builder/merge.py `resolve`) against the same three versions,
merged again, and recorded on the draft as one change undo takes back; the fork moves on to the
new version. A service imported from a catalogue the installation no longer subscribes to keeps
working; both pages say its updates cannot be checked. A draft that moved on while the designer chose is not overwritten: they choose
again against what it is now.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from builder import patch
from builder.catalogue.client import CatalogueError
from builder.catalogue.council import unsubscribed, updates
from builder.catalogue.repository import Refused
from builder.catalogue.upgrade import Upgrade, fork_publisher, no_longer_subscribed, upgrade
from builder.catalogue_pages import client, paragraphs
from builder.diff import diff
from builder.draft_requests import EDITOR_ROLES, council_of
from builder.merge import Collision, MergeRefused, resolve
from runtime import store
from runtime.staff.context import Staff, audit, page, path
from runtime.staff.forms import Errors, Form, error, first, form_page, posted
from runtime.staff.notices import redirect_with_notice
from runtime.store import catalogue as catalogue_store
from runtime.store import drafts
from runtime.web.context import ClientError

SIDES = {"ours": "Keep your council's", "theirs": "Take the publisher's"}


async def service_updates(request: Request, staff: Staff) -> Response:
    """The council's imported services with a newer upstream version, and what it changes."""
    council = council_of(staff)
    found_client = client()
    rows = []
    for update in await updates(council, found_client):
        fork, newer = update.fork, update.newer
        old = next((item for item in found_client.versions(f"{fork.publisher}/{fork.upstream_service}")
                    if item.catalogue == fork.catalogue and item.entry.address == fork.address), None)
        words: list[str] = []
        if old is not None:
            try:
                words = diff(found_client.definition(old), found_client.definition(newer)).words
            except (CatalogueError, Refused, KeyError, TypeError, ValueError):
                words = []
        rows.append({"service_id": fork.service_id, "publisher": fork.publisher,
                     "publisher_name": fork_publisher(found_client, fork),
                     "from": fork.upstream_version,
                     "to": newer.entry.version, "title": newer.entry.title, "note": newer.entry.change_note,
                     "changes": [word for word in words if not word.startswith("Service version")],
                     "href": path(request, "catalogue_upgrade", council=council.slug, service_id=fork.service_id)})
    forks = await catalogue_store.forks(council)
    payload = {
        "page": {"heading": "Updates to services you use"},
        "updates": rows,
        "forks": len(forks),
        "can_upgrade": staff.can(*EDITOR_ROLES),
        "used": [{"service_id": fork.service_id,
                  "publisher_name": fork_publisher(found_client, fork),
                  "version": fork.upstream_version,
                  "suggest": path(request, "catalogue_suggest", council=council.slug, service_id=fork.service_id)}
                 for fork in forks],
        "unsubscribed": [{"service_id": fork.service_id, "catalogue": fork.catalogue,
                          "publisher_name": fork_publisher(found_client, fork),
                          "version": fork.upstream_version}
                         for fork in await unsubscribed(council, found_client)],
        "suggestions": len(await catalogue_store.suggestions(council)),
        "links": {"catalogue": path(request, "catalogue", council=council.slug),
                  "suggestions": path(request, "catalogue_suggestions", council=council.slug)},
    }
    return page(request, "builder/catalogue/updates.html", payload, staff)


def _collision_row(index: int, collision: Collision) -> dict[str, Any]:
    said = collision.said
    return {"index": index, "id": collision.id, "where": collision.where, "kind": collision.kind,
            "words": collision.words, "ours": said.get("ours", ""), "theirs": said.get("theirs", ""),
            "base": said.get("base", ""), "field": f"choice-{index}",
            "shown": {side: paragraphs(said.get(side, "")) for side in ("ours", "theirs", "base")}}


async def _record(council: store.Council, staff: Staff, done: Upgrade, definition: dict[str, Any],
                  draft_version: int) -> None:
    """The resolved definition on the council's draft as one change; the fork moved on."""
    draft = await drafts.get_draft(council, definition["id"])
    if draft is None:
        raise ClientError(404, "page_not_found")
    newer = done.upstream
    operation = [{"op": "replace", "path": "", "value": definition}]
    applied = patch.apply_with_inverse(dict(draft.definition), operation)
    step = drafts.Step(operation="upgrade-from-catalogue",
                       description=f"Upgraded to {newer.entry.council}/{newer.entry.service}@{newer.entry.version}"
                                   ", choosing between the sides of each collision",
                       patch=operation, inverse=applied.inverse,
                       params={"catalogue": newer.catalogue, "version": newer.entry.version})
    await catalogue_store.apply_upgrade(council, draft.service_id, draft_version, step, patched=patch.apply,
                                        upstream_version=newer.entry.version, address=newer.entry.address,
                                        actor=staff.user, publisher_name=newer.publisher_name)


def _choices(form: Form, collisions: tuple[Collision, ...], errors: Errors) -> dict[str, Any] | None:
    """The designer's choice for each collision, as `resolve` takes them; None (and errors)
    when one is missing or the form was made for other collisions."""
    sent_ids = [first(form, f"collision-{index}") for index in range(len(collisions))]
    if sent_ids != [collision.id for collision in collisions] or first(form, f"collision-{len(collisions)}"):
        error(errors, "choice-0", "The service or the publisher's version changed since this page was shown: "
                                  "choose again below", "stale")
        return None
    choices: dict[str, Any] = {}
    for index, collision in enumerate(collisions):
        chosen = first(form, f"choice-{index}")
        if chosen not in SIDES:
            error(errors, f"choice-{index}", f"Choose which to keep for {collision.where}", "required")
        else:
            choices[collision.id] = chosen
    return None if errors else choices


async def upgrade_service(request: Request, staff: Staff) -> Response:
    """GET: what the upgrade brings. POST: run it; choose between the sides of each collision."""
    council = council_of(staff)
    service_id = request.path_params["service_id"]
    fork = await catalogue_store.get_fork(council, service_id)
    if fork is None:
        return await _not_a_fork(request, staff, council, service_id)
    here = {"council": council.slug, "service_id": service_id}
    draft_link = path(request, "service_draft", **here)
    known = client()
    named = fork_publisher(known, fork)
    errors: Errors = []
    done: Upgrade | None = None
    form: Form = {}
    if request.method == "POST":
        form = await posted(request)
        try:
            done = await upgrade(council, known, service_id, actor=staff.user)
        except (Refused, CatalogueError) as refused:
            error(errors, "upgrade", f"This service cannot be upgraded: {refused.message}", refused.code)
        if done is not None and done.applied:
            await audit(request, staff, "catalogue-upgraded", service_id, after={"version": done.upstream.entry.version})
            return redirect_with_notice(request, draft_link, f"Upgraded to {named}'s version "
                                        f"{done.upstream.entry.version}: preview the draft and publish it")
        draft = await drafts.get_draft(council, service_id)
        if done is not None and draft is not None and first(form, "step") == "choose":
            sent_version = first(form, "version")
            choices = _choices(form, done.result.collisions, errors)
            if sent_version != str(draft.version):
                error(errors, "choice-0", "Someone changed the draft since this page was shown: "
                                          "check the collisions and choose again", "stale")
            elif choices is not None:
                try:
                    definition = resolve(done.result, choices, checked=False)
                except MergeRefused as refused:
                    error(errors, "choice-0", refused.message, refused.code)
                else:
                    await _record(council, staff, done, definition, draft.version)
                    await audit(request, staff, "catalogue-upgraded", service_id,
                                after={"version": done.upstream.entry.version, "choices": choices})
                    return redirect_with_notice(request, draft_link, f"Upgraded to {named}'s version "
                                                f"{done.upstream.entry.version} with your choices: "
                                                "preview the draft and publish it")
    draft = await drafts.get_draft(council, service_id)
    result = done.result if done is not None else None
    newer = done.upstream if done is not None else next(
        (update.newer for update in await updates(council, known) if update.fork.id == fork.id), None)
    payload = {
        "page": {"heading": f"Upgrade {service_id}"},
        "fork": {"service_id": service_id, "publisher": fork.publisher, "publisher_name": named,
                 "version": fork.upstream_version},
        "unsubscribed": None if known.subscribed(fork.catalogue) else no_longer_subscribed(fork),
        "newer": {"version": newer.entry.version, "note": newer.entry.change_note} if newer is not None else None,
        "collisions": [_collision_row(index, collision) for index, collision in enumerate(result.collisions)]
        if result is not None else [],
        "applied": list(result.applied) if result is not None else [],
        "notes": list(result.notes) if result is not None else [],
        "problems": [problem.message for problem in result.problems] if result is not None else [],
        "chosen": {key: first(form, key) for key in form if key.startswith("choice-")},
        "version": draft.version if draft is not None else None,
        "errors": errors,
        "links": {"action": path(request, "catalogue_upgrade", **here), "draft": draft_link,
                  "updates": path(request, "catalogue_updates", council=council.slug)},
    }
    return form_page(request, "builder/catalogue/upgrade.html", payload, staff)


async def _not_a_fork(request: Request, staff: Staff, council: store.Council, service_id: str) -> Response:
    """The council's own service, not imported from a catalogue: nothing to upgrade it to. A
    service the council does not have is not found."""
    if await drafts.get_draft(council, service_id) is None and await store.get_latest(council, service_id) is None:
        raise ClientError(404, "page_not_found")
    if request.method == "POST":
        await posted(request)
    payload = {
        "page": {"heading": f"Upgrade {service_id}"},
        "fork": None,
        "links": {"draft": path(request, "service_draft", council=council.slug, service_id=service_id),
                  "updates": path(request, "catalogue_updates", council=council.slug)},
    }
    return page(request, "builder/catalogue/not_a_fork.html", payload, staff,
                status_code=409 if request.method == "POST" else 200)
