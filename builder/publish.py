"""Publishing a draft, wherever it is asked for (the builder's page, the JSON API, `borough
services publish`): the store publishes only what passes the format's limits, meta-schema and
lint; the builder also refuses a draft its whole-flow checks find wrong (a page no resident
can reach, an answer never asked, a condition on an answer not known yet, a journey that
cannot end), as every problem the builder shows stops publishing."""

from __future__ import annotations

from builder.draft_check import check
from runtime import store
from runtime.core.problems import Problem
from runtime.store import drafts


async def publish(council: store.Council, service_id: str, expected_version: int, *, version: str, note: str,
                  actor: store.StaffUser | None) -> store.ServiceVersion:
    """Publish the draft at `expected_version` as `version`; `drafts.NotPublishable` with every
    problem found, `drafts.DraftConflict` when it moved on."""
    draft = await drafts.get_draft(council, service_id)
    if draft is not None and draft.version == expected_version:
        found = check(draft.definition)
        if found:
            raise drafts.NotPublishable([Problem(f.pointer, f.keyword, f.message) for f in found])
    return await drafts.publish_draft(council, service_id, expected_version, version=version, note=note,
                                      actor=actor)
