"""Every operation a designer performs on a draft, by name: the builder's one way to change a
definition.

Each is a function `(definition, **params) -> Change` (see builder/change.py): it leaves the
definition it is given alone and returns the change as words, a JSON Patch and its inverse,
or raises `Refused` with a stable code and a message for the designer. `perform` calls one
by name, as the JSON API and a replayed history do.

| group | operations |
|---|---|
| pages | add-question-page, add-content-page, add-exit-page, add-add-another-page, edit-page, move-page, duplicate-page, delete-page, set-condition, clear-condition |
| questions | add-question, edit-question, move-question, delete-question |
| options | add-option, edit-option, move-option, remove-option, set-option-hint, set-reveal |
| fees | add-fee, edit-fee, move-fee, remove-fee |
| workflow | add-state, rename-state, edit-state, remove-state, set-initial-state, add-transition, edit-transition, remove-transition, set-timer, remove-timer |
| service | edit-service, set-start-page, set-declaration, set-confirmation, set-welsh, translate, import-translations |
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from typing import Any

from builder.change import OPERATIONS, UNCHANGED, Change, Definition, Refused, Unchanged
from builder.fee_operations import add_fee, edit_fee, move_fee, remove_fee
from builder.page_operations import (
    add_add_another_page,
    add_content_page,
    add_exit_page,
    add_question_page,
    clear_condition,
    delete_page,
    duplicate_page,
    edit_page,
    move_page,
    set_condition,
)
from builder.question_operations import (
    add_option,
    add_question,
    delete_question,
    edit_option,
    edit_question,
    move_option,
    move_question,
    remove_option,
    set_option_hint,
    set_reveal,
)
from builder.service_operations import (
    edit_service,
    set_confirmation,
    set_declaration,
    set_start_page,
    set_welsh,
    translate,
)
from builder.translation_sheet import import_translations
from builder.workflow_operations import (
    add_state,
    add_transition,
    edit_state,
    edit_transition,
    remove_state,
    remove_timer,
    remove_transition,
    rename_state,
    set_initial_state,
    set_timer,
)

__all__ = [
    "OPERATIONS",
    "UNCHANGED",
    "Change",
    "Refused",
    "Unchanged",
    "add_add_another_page",
    "add_content_page",
    "add_exit_page",
    "add_fee",
    "add_option",
    "add_question",
    "add_question_page",
    "add_state",
    "add_transition",
    "clear_condition",
    "delete_page",
    "delete_question",
    "duplicate_page",
    "edit_fee",
    "edit_option",
    "edit_page",
    "edit_question",
    "edit_service",
    "edit_state",
    "edit_transition",
    "import_translations",
    "move_fee",
    "move_option",
    "move_page",
    "move_question",
    "perform",
    "remove_fee",
    "remove_option",
    "remove_state",
    "remove_timer",
    "remove_transition",
    "rename_state",
    "set_condition",
    "set_confirmation",
    "set_declaration",
    "set_initial_state",
    "set_option_hint",
    "set_reveal",
    "set_start_page",
    "set_timer",
    "set_welsh",
    "translate",
]


def perform(definition: Definition, name: str, params: Mapping[str, Any]) -> Change:
    """Perform the operation called `name` with `params` (as the JSON API sends them)."""
    operation = OPERATIONS.get(name)
    if operation is None:
        raise Refused("unknown-operation", f"There is no operation called {name}")
    try:
        inspect.signature(operation).bind(definition, **dict(params))
    except TypeError as error:
        raise Refused("bad-parameters", f"{name}: {error}") from None
    return operation(definition, **dict(params))
