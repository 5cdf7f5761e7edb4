"""One posted builder form, one named operation: the draft's version checked first, the
operation performed by name (`builder.operations.perform`), the change recorded and audited
(`draft_requests.record`), and whatever stopped it said against the field it concerns.

The fee, workflow, Welsh and JSON pages all post through `perform_posted`, so each refuses a
stale form with the steps made since and keeps what the designer typed.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request

from builder.change import Change, Refused
from builder.draft_requests import conflict_errors, ensure_current, record
from builder.operations import perform
from runtime import store
from runtime.staff.context import Staff
from runtime.staff.forms import Errors, error
from runtime.store import drafts


@dataclass
class Outcome:
    """What became of a posted operation: the change saved (None when refused), the errors, the
    draft version to send with the form when it is shown again, and the status to show it with."""

    change: Change | None
    errors: Errors = field(default_factory=list)
    version: int = 0
    status: int = 200


async def perform_posted(request: Request, staff: Staff, draft: store.ServiceDraft, version: int, name: str,
                         params: Mapping[str, Any], field_of: Mapping[str, str], default_field: str) -> Outcome:
    """Perform the operation `name` with `params` on the draft at `version` and record it.
    `field_of` maps a refusal's code to the form field it concerns (else `default_field`)."""
    errors: Errors = []
    try:
        await ensure_current(draft, version)
        change = perform(draft.definition, name, params)
        if change.empty:  # saved as it was: nothing to record
            return Outcome(change, [], version, 200)
        await record(request, staff, draft, version, change)
    except Refused as refused:
        message = refused.message + (": " + "; ".join(refused.dependents) if refused.dependents else "")
        error(errors, field_of.get(refused.code, default_field), message, refused.code)
        return Outcome(None, errors, version, 422)
    except drafts.DraftConflict as conflict:
        return Outcome(None, conflict_errors(conflict, default_field), conflict.current, 409)
    return Outcome(change, [], version + 1, 200)


def said(change: Change) -> str:
    """The notice after a saved form: the change in words, or that nothing changed."""
    return "Nothing changed" if change.empty else change.description


def messages(errors: Errors) -> dict[str, str]:
    """Each field's message, for the template."""
    return {item["field"]: item["message"] for item in errors}


def json_condition(text: str, errors: Errors, field_name: str) -> dict[str, Any] | None:
    """A condition typed as JSON (empty: none). Bad JSON is an error naming the line and column;
    so is JSON that Python cannot hold (nested too deeply, a number of over 4,300 digits)."""
    if not text.strip():
        return None
    try:
        value = json.loads(text)
    except json.JSONDecodeError as wrong:
        error(errors, field_name,
              f"The condition is not valid JSON: {wrong.msg} (line {wrong.lineno}, column {wrong.colno})", "format")
        return None
    except RecursionError:
        error(errors, field_name, "The condition is nested too deeply", "format")
        return None
    except ValueError:  # a number of more than 4,300 digits, which json.loads will not convert
        error(errors, field_name, "The condition has a number too long to read", "format")
        return None
    if not isinstance(value, dict):
        error(errors, field_name, "The condition must be a JSON object, in { and }", "type")
        return None
    return value
