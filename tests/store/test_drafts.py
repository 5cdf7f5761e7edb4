"""The builder's drafts in the store: changes under an optimistic version check, undo and redo
that survive fresh reads, publishing through the same checks as any definition."""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg
import pytest
from tortoise.exceptions import BaseORMException

from builder.blank import blank_definition
from builder.operations import Change, add_question_page, move_page
from builder.patch import apply
from runtime import store
from runtime.store import drafts
from runtime.store.models import DraftChange


def step(change: Change) -> drafts.Step:
    return drafts.Step(change.name, change.description, [dict(op) for op in change.patch],
                       [dict(op) for op in change.inverse], dict(change.params))


def blank(council: store.Council) -> dict[str, Any]:
    return blank_definition(title="Request a replacement wheelie bin", summary="Get a new bin", lgsl=524,
                            publisher_id=council.slug, publisher_name=council.name)


async def designer(email: str, council: store.Council) -> store.StaffUser:
    user = await store.staff.create_user(email, email.split("@")[0], None)
    await store.staff.grant(user, council, ["designer"])
    return user


async def change(council: store.Council, service_id: str, who: store.StaffUser, make: Any, **params: Any) -> None:
    draft = await drafts.get_draft(council, service_id)
    assert draft is not None
    await drafts.apply_change(council, service_id, draft.version, step(make(draft.definition, **params)),
                              actor=who, patched=apply)


async def page_ids(council: store.Council, service_id: str) -> list[str]:
    draft = await drafts.get_draft(council, service_id)  # a fresh read: what a new session sees
    assert draft is not None
    return [page["id"] for page in draft.definition["pages"]]


async def test_changes_are_recorded_in_order_with_who_and_words(db: str) -> None:
    council = await store.create_council("northshire", "Northshire Council")
    ann = await designer("ann@northshire.test", council)
    draft = await drafts.create_draft(council, blank(council), source="blank", actor=ann)
    assert (draft.service_id, draft.version) == ("request-a-replacement-wheelie-bin", 1)

    await change(council, draft.service_id, ann, add_question_page, kind="text", label="What colour is the bin?", page="colour")
    await change(council, draft.service_id, ann, add_question_page, kind="yes-no", label="Is the bin damaged?", page="damaged")

    again = await drafts.get_draft(council, draft.service_id)
    assert again is not None and again.version == 3 and again.updated_by_label == "ann@northshire.test"
    assert await page_ids(council, draft.service_id) == ["email", "colour", "damaged"]
    steps = await drafts.history(again)
    assert [(s.version, s.kind, s.operation) for s in steps] == [
        (3, "change", "add-question-page"), (2, "change", "add-question-page")]
    assert steps[1].description == "Added page 'What colour is the bin?'"
    assert steps[0].actor_id == ann.id


async def test_two_designers_racing_one_wins_the_other_is_told_what_changed_and_nothing_is_lost(db: str) -> None:
    council = await store.create_council("northshire", "Northshire Council")
    ann, ben = await designer("ann@northshire.test", council), await designer("ben@northshire.test", council)
    draft = await drafts.create_draft(council, blank(council), source="blank", actor=ann)
    seen = draft.definition  # both designers opened the draft at version 1
    by_ann = step(add_question_page(seen, kind="text", label="What colour is the bin?", page="colour"))
    by_ben = step(add_question_page(seen, kind="number", label="How many bins?", page="how-many"))

    results = await asyncio.gather(
        drafts.apply_change(council, draft.service_id, 1, by_ann, actor=ann, patched=apply),
        drafts.apply_change(council, draft.service_id, 1, by_ben, actor=ben, patched=apply),
        return_exceptions=True,
    )
    conflicts = [result for result in results if isinstance(result, drafts.DraftConflict)]
    assert len(conflicts) == 1 and sum(isinstance(r, store.ServiceDraft) for r in results) == 1
    conflict = conflicts[0]
    assert (conflict.expected, conflict.current) == (1, 2)
    winner = ann if isinstance(results[0], store.ServiceDraft) else ben
    assert [(c.actor_id, c.version) for c in conflict.changes] == [(winner.id, 2)]

    # The one who lost is shown what changed, decides, and makes the change on the new draft.
    loser, label = (ben, "How many bins?") if winner is ann else (ann, "What colour is the bin?")
    await change(council, draft.service_id, loser, add_question_page,
                 kind="number" if loser is ben else "text", label=label, page="how-many" if loser is ben else "colour")
    pages = await page_ids(council, draft.service_id)
    assert "colour" in pages and "how-many" in pages
    assert (await drafts.get_draft(council, draft.service_id)).version == 3  # type: ignore[union-attr]


async def test_a_change_for_an_old_version_is_refused_and_changes_nothing(db: str) -> None:
    council = await store.create_council("northshire", "Northshire Council")
    ann = await designer("ann@northshire.test", council)
    draft = await drafts.create_draft(council, blank(council), source="blank", actor=ann)
    await change(council, draft.service_id, ann, add_question_page, kind="text", label="Colour?", page="colour")
    stale = step(add_question_page(draft.definition, kind="text", label="Size?", page="size"))
    with pytest.raises(drafts.DraftConflict) as raised:
        await drafts.apply_change(council, draft.service_id, 1, stale, actor=ann, patched=apply)
    assert [c.description for c in raised.value.changes] == ["Added page 'Colour?'"]
    assert await page_ids(council, draft.service_id) == ["email", "colour"]
    assert await DraftChange.filter(draft_id=draft.id).count() == 1


async def test_undo_and_redo_walk_the_history_across_sessions(db: str) -> None:
    council = await store.create_council("northshire", "Northshire Council")
    ann = await designer("ann@northshire.test", council)
    draft = await drafts.create_draft(council, blank(council), source="blank", actor=ann)
    sid = draft.service_id
    await change(council, sid, ann, add_question_page, kind="text", label="Colour?", page="colour")
    await change(council, sid, ann, add_question_page, kind="text", label="Size?", page="size")
    await change(council, sid, ann, move_page, page="size", direction="up")
    assert await page_ids(council, sid) == ["email", "size", "colour"]

    async def walk(kind: str) -> None:
        current = await drafts.get_draft(council, sid)  # every step is a new session's fresh read
        assert current is not None
        await getattr(drafts, kind)(council, sid, current.version, actor=ann, patched=apply)

    await walk("undo")
    assert await page_ids(council, sid) == ["email", "colour", "size"]
    await walk("undo")
    assert await page_ids(council, sid) == ["email", "colour"]
    await walk("redo")
    assert await page_ids(council, sid) == ["email", "colour", "size"]
    await walk("redo")
    assert await page_ids(council, sid) == ["email", "size", "colour"]
    with pytest.raises(drafts.NothingToStep):
        await walk("redo")

    # A new change after an undo ends that branch: redo has nothing left to redo.
    await walk("undo")
    await change(council, sid, ann, add_question_page, kind="text", label="Where?", page="where")
    with pytest.raises(drafts.NothingToStep):
        await walk("redo")
    await walk("undo")
    await walk("undo")
    await walk("undo")
    assert await page_ids(council, sid) == ["email"]
    with pytest.raises(drafts.NothingToStep):
        await walk("undo")
    current = await drafts.get_draft(council, sid)
    assert current is not None and current.definition == blank(council)
    kinds = [c.kind for c in reversed(await drafts.history(current))]
    assert kinds == ["change", "change", "change", "undo", "undo", "redo", "redo", "undo", "change", "undo", "undo",
                     "undo"]


async def test_the_history_is_append_only(db: str) -> None:
    council = await store.create_council("northshire", "Northshire Council")
    ann = await designer("ann@northshire.test", council)
    draft = await drafts.create_draft(council, blank(council), source="blank", actor=ann)
    await change(council, draft.service_id, ann, add_question_page, kind="text", label="Colour?", page="colour")
    refused = (BaseORMException, asyncpg.PostgresError)  # SQLite's RAISE(ABORT), PostgreSQL's RAISE
    with pytest.raises(refused, match="append-only"):
        await DraftChange.filter(draft_id=draft.id).update(description="something else")
    with pytest.raises(refused, match="append-only"):
        await DraftChange.filter(draft_id=draft.id).delete()


async def test_publishing_checks_the_draft_records_who_and_why_and_tracks_the_state(db: str) -> None:
    council = await store.create_council("northshire", "Northshire Council")
    ann = await designer("ann@northshire.test", council)
    pat = await store.staff.create_user("pat@northshire.test", "Pat", None)
    draft = await drafts.create_draft(council, blank(council), source="blank", actor=ann)
    sid = draft.service_id
    assert [s.state for s in await drafts.services(council)] == ["draft-only"]

    broken = drafts.Step("remove-workflow", "Removed the workflow", [{"op": "remove", "path": "/workflow"}],
                         [{"op": "add", "path": "/workflow", "value": draft.definition["workflow"]}])
    await drafts.apply_change(council, sid, 1, broken, actor=ann, patched=apply)
    with pytest.raises(drafts.NotPublishable) as refused:
        await drafts.publish_draft(council, sid, 2, version="1.0.0", note="First", actor=pat)
    assert any("workflow" in problem.message for problem in refused.value.problems)
    assert await store.get_latest(council, sid) is None
    await drafts.undo(council, sid, 2, actor=ann, patched=apply)

    published = await drafts.publish_draft(council, sid, 3, version="1.0.0", note="First version", actor=pat)
    assert (published.version, published.change_note, published.published_by_id) == ("1.0.0", "First version", pat.id)
    assert published.definition["version"] == "1.0.0"
    [state] = await drafts.services(council)
    assert (state.state, state.published and state.published.version) == ("published", "1.0.0")

    await change(council, sid, ann, add_question_page, kind="text", label="Colour?", page="colour")
    [state] = await drafts.services(council)
    assert state.state == "draft-ahead" and state.last_change is not None
    assert state.last_change.description == "Added page 'Colour?'"
    with pytest.raises(drafts.NotPublishable) as old:
        await drafts.publish_draft(council, sid, 4, version="1.0.0", note="Again", actor=pat)
    assert "newer than 1.0.0" in old.value.problems[0].message
    with pytest.raises(drafts.DraftConflict):
        await drafts.publish_draft(council, sid, 3, version="1.1.0", note="Stale", actor=pat)
    assert (await drafts.publish_draft(council, sid, 4, version="1.1.0", note="Colour", actor=pat)).version == "1.1.0"


async def test_a_draft_needs_a_new_id_unless_it_starts_from_the_published_service(db: str) -> None:
    council = await store.create_council("northshire", "Northshire Council")
    ann = await designer("ann@northshire.test", council)
    definition = {**blank(council), "version": "1.0.0"}
    from runtime.core.service import content_hash

    await store.publish_version(council, definition, content_hash(definition))
    with pytest.raises(drafts.DraftExists):
        await drafts.create_draft(council, blank(council), source="blank", actor=ann)
    draft = await drafts.create_draft(council, definition, source="published:1.0.0", actor=ann, from_published=True)
    assert [s.state for s in await drafts.services(council)] == ["published"]
    with pytest.raises(drafts.DraftExists):
        await drafts.create_draft(council, definition, source="published:1.0.0", actor=ann, from_published=True)
    other = await store.create_council("southshire", "Southshire Council")
    assert await drafts.get_draft(other, draft.service_id) is None
