"""Operations on questions: add one of the palette's kinds to a page, edit what it asks and
accepts, move it, delete it, and edit its options.

A question is named by its page's `id` and its field's `answer` as written on the page (on an
add-another page, relative to the item: `/type`). Adding a question writes both halves: the
answer's schema in `answers` (with its requirement) and the page's field entry.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from builder.amounts import pence
from builder.change import UNCHANGED, Definition, Refused, Unchanged, operation
from builder.dependents import conditions, dependents, tested_paths, touches
from builder.inputs import count, date_bound, number, safe_pattern, short_text
from builder.locations import (
    answer_path,
    field_index,
    is_add_another,
    is_content,
    page_index,
    page_name,
    parent_of,
    schema_at,
)
from builder.naming import answer_name, option_value
from builder.patch import parts
from builder.question_kinds import KINDS, Option, kind_of, option_list
from builder.requirements import forget, is_required, set_required

OptionInput = str | Mapping[str, str]

MAX_FIELDS = 30

# The rules a field's `errors` may give a message for (schemas/format-1/field.json).
ERROR_RULES = (
    "required",
    "type",
    "format",
    "pattern",
    "minLength",
    "maxLength",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
    "enum",
    "const",
    "minItems",
    "maxItems",
    "formatMinimum",
    "formatMaximum",
    "fileSize",
    "fileType",
)
TEXT_KINDS = ("text", "long-text", "email", "phone")
FILE_TYPES = ("image/jpeg", "image/png", "image/heic", "application/pdf")
WIDTHS = (
    2,
    3,
    4,
    5,
    10,
    20,
    30,
    "full",
    "three-quarters",
    "two-thirds",
    "one-half",
    "one-third",
    "one-quarter",
)
MEGABYTE = 1024 * 1024


def parse_options(given: Sequence[OptionInput], taken: Sequence[str] = ()) -> list[Option]:
    """Options from labels ("Fridge or freezer") or {label, value}; values made from labels."""
    found: list[Option] = []
    used = set(taken)
    for item in given:
        label_text = item if isinstance(item, str) else item.get("label", "")
        label = short_text(label_text, "the option")
        value = None if isinstance(item, str) else item.get("value")
        if value is None:
            value = option_value(label, used)
        elif value in used:
            raise Refused("option-exists", f"There is already an option with the value {value}")
        used.add(value)
        found.append(Option(value, label))
    return found


def answers_object(definition: Definition, page: dict[str, Any]) -> dict[str, Any]:
    """The object schema a page's new answers go in: the answers, or one add-another item."""
    if not is_add_another(page):
        answers: dict[str, Any] = definition["answers"]
        return answers
    items = (schema_at(definition["answers"], page["answer"]) or {}).get("items")
    if not isinstance(items, dict):
        raise Refused("not-a-list", f"Page '{page_name(page)}' does not fill a list of things")
    return items


def place_question(
    definition: Definition,
    page: dict[str, Any],
    *,
    kind: str,
    label: str,
    hint: str | None = None,
    required: bool = True,
    options: Sequence[OptionInput] = (),
    name: str | None = None,
    position: int | None = None,
) -> str:
    """Write a new question onto `page` (both its answer schema and its fields); returns the
    field's answer pointer. Changes `definition` in place."""
    spec = KINDS.get(kind)
    if spec is None:
        raise Refused("unknown-kind", f"There is no kind of question called {kind}")
    label = short_text(label, "the question")
    choices = parse_options(options)
    if spec.needs_options and not choices:
        raise Refused("options-needed", "Give at least one option")
    container = answers_object(definition, page)
    taken = set(container.get("properties") or {})
    if name is None:
        name = answer_name(label, taken)
    elif name in taken:
        raise Refused("answer-exists", f"There is already an answer called {name}")
    field_answer = "/" + name
    schema, fields = spec.build(field_answer, label, choices)
    if hint is not None and kind != "address":
        fields[0]["hint"] = short_text(hint, "the hint")
    page_fields = page.setdefault("fields", [])
    if len(page_fields) + len(fields) > MAX_FIELDS:
        raise Refused("too-many-questions", f"A page can have at most {MAX_FIELDS} questions")
    container.setdefault("properties", {})[name] = schema
    at = (
        len(page_fields)
        if position is None
        else count(position, "the position", most=len(page_fields))
    )
    page_fields[at:at] = fields
    set_required(definition, page, answer_path(page, field_answer), required)
    return field_answer


def _needs_title(page: dict[str, Any], adding: int, title: str | None) -> None:
    if "title" in page or len(page.get("fields", [])) + adding <= 1:
        return
    if title is None:
        raise Refused(
            "page-title-needed",
            f"Page '{page_name(page)}' will have more than one question, so it needs a title: give it one",
        )
    page["title"] = short_text(title, "the page title")


@operation("add-question")
def add_question(
    definition: Definition,
    *,
    page: str,
    kind: str,
    label: str,
    hint: str | None = None,
    required: bool = True,
    options: Sequence[OptionInput] = (),
    name: str | None = None,
    page_title: str | None = None,
    position: int | None = None,
) -> tuple[str, Definition]:
    """Add a question of a kind from the palette (see question_kinds.KINDS) to a page.

    An address is four fields; on a page without a title its label becomes the title. A page
    that will have more than one question needs a title: pass `page_title` when it has none.
    """
    target = definition["pages"][page_index(definition, page)]
    if is_content(target):
        raise Refused(
            "content-page", "A content page has no questions: add a question page instead"
        )
    adding = 4 if kind == "address" else 1
    _needs_title(
        target, adding, page_title if page_title is not None or kind != "address" else label
    )
    place_question(
        definition,
        target,
        kind=kind,
        label=label,
        hint=hint,
        required=required,
        options=options,
        name=name,
        position=position,
    )
    return f"Added question '{label.strip()}' to page '{page_name(target)}'", definition


def _field(
    definition: Definition, page: str, answer: str
) -> tuple[dict[str, Any], dict[str, Any], str, dict[str, Any]]:
    """(page, field, answer path, answer schema) of a question."""
    target = definition["pages"][page_index(definition, page)]
    found = target["fields"][field_index(target, answer)]
    path = answer_path(target, answer)
    schema = schema_at(definition["answers"], path)
    if schema is None:
        raise Refused(
            "no-such-answer",
            f"The question '{found.get('label')}' asks for an answer that is not declared",
        )
    return target, found, path, schema


def _put(holder: dict[str, Any], key: str, value: Any) -> None:
    if value is None:
        holder.pop(key, None)
    else:
        holder[key] = value


def _only_for(kind: str, allowed: Sequence[str], what: str) -> None:
    if kind not in allowed:
        raise Refused("not-for-this-question", f"A {kind} question has no {what}")


@operation("edit-question")
def edit_question(
    definition: Definition,
    *,
    page: str,
    answer: str,
    label: str | Unchanged = UNCHANGED,
    hint: str | Unchanged | None = UNCHANGED,
    error_name: str | Unchanged | None = UNCHANGED,
    required: bool | Unchanged = UNCHANGED,
    min_length: int | Unchanged | None = UNCHANGED,
    max_length: int | Unchanged | None = UNCHANGED,
    minimum: float | str | Unchanged | None = UNCHANGED,
    maximum: float | str | Unchanged | None = UNCHANGED,
    whole_number: bool | Unchanged = UNCHANGED,
    earliest: str | Unchanged | None = UNCHANGED,
    latest: str | Unchanged | None = UNCHANGED,
    pattern: str | Unchanged | None = UNCHANGED,
    min_items: int | Unchanged | None = UNCHANGED,
    max_items: int | Unchanged | None = UNCHANGED,
    accept: Sequence[str] | Unchanged = UNCHANGED,
    max_megabytes: int | Unchanged | None = UNCHANGED,
    errors: Mapping[str, str | None] | Unchanged = UNCHANGED,
    width: int | str | Unchanged | None = UNCHANGED,
    rows: int | Unchanged | None = UNCHANGED,
    prefix: str | Unchanged | None = UNCHANGED,
    suffix: str | Unchanged | None = UNCHANGED,
    autocomplete: str | Unchanged | None = UNCHANGED,
    spellcheck: bool | Unchanged | None = UNCHANGED,
    inline: bool | Unchanged | None = UNCHANGED,
) -> tuple[str, Definition]:
    """Change what a question says and what it accepts. Parameters left out stay as they
    are; None removes a setting. `minimum` and `maximum` are in pounds for money questions;
    `earliest` and `latest` are `today` or a date (YYYY-MM-DD) for date questions."""
    target, field, path, schema = _field(definition, page, answer)
    kind = kind_of(schema, field)
    changed: list[str] = []
    if not isinstance(label, Unchanged):
        field["label"] = short_text(label, "the question")
        changed.append("question")
    for key, value, words in (
        ("hint", hint, "the hint"),
        ("errorName", error_name, "the name used in error messages"),
        ("prefix", prefix, "the prefix"),
        ("suffix", suffix, "the suffix"),
    ):
        if not isinstance(value, Unchanged):
            _put(field, key, None if value is None else short_text(value, words))
            changed.append(words.removeprefix("the "))
    if not isinstance(required, Unchanged):
        set_required(definition, target, path, bool(required))
        changed.append("required" if required else "optional")
    if not isinstance(min_length, Unchanged) or not isinstance(max_length, Unchanged):
        _only_for(kind, TEXT_KINDS, "length")
        for key, length in (("minLength", min_length), ("maxLength", max_length)):
            if not isinstance(length, Unchanged):
                _put(schema, key, None if length is None else count(length, "the length"))
        changed.append("length")
    if not isinstance(minimum, Unchanged) or not isinstance(maximum, Unchanged):
        _only_for(kind, ("number", "money"), "range")
        for key, bound in (("minimum", minimum), ("maximum", maximum)):
            if isinstance(bound, Unchanged):
                continue
            if bound is None:
                _put(schema, key, None)
            elif kind == "money":
                _put(schema, key, pence(bound if isinstance(bound, str) else str(bound)))
            else:
                _put(schema, key, number(_number(bound), "the " + key))
        changed.append("range")
    if not isinstance(whole_number, Unchanged):
        _only_for(kind, ("number",), "choice of whole numbers")
        schema["type"] = "integer" if whole_number else "number"
        changed.append("whole numbers" if whole_number else "decimal numbers")
    if not isinstance(earliest, Unchanged) or not isinstance(latest, Unchanged):
        _only_for(kind, ("date",), "earliest or latest date")
        for key, value, words in (
            ("formatMinimum", earliest, "the earliest date"),
            ("formatMaximum", latest, "the latest date"),
        ):
            if not isinstance(value, Unchanged):
                _put(schema, key, None if value is None else date_bound(value, words))
        changed.append("dates allowed")
    if not isinstance(pattern, Unchanged):
        _only_for(kind, ("text", "long-text"), "pattern")
        _put(schema, "pattern", None if pattern is None else safe_pattern(pattern))
        changed.append("pattern")
    if not isinstance(min_items, Unchanged) or not isinstance(max_items, Unchanged):
        _only_for(kind, ("several-of",), "number of choices")
        for key, choices in (("minItems", min_items), ("maxItems", max_items)):
            if not isinstance(choices, Unchanged):
                _put(
                    schema,
                    key,
                    None if choices is None else count(choices, "the number of choices"),
                )
        changed.append("number of choices")
    if not isinstance(accept, Unchanged):
        _only_for(kind, ("file",), "file types")
        chosen = list(dict.fromkeys(accept))
        if not chosen or any(kind not in FILE_TYPES for kind in chosen):
            raise Refused("file-types", f"Choose file types from {', '.join(FILE_TYPES)}")
        field["accept"] = chosen
        changed.append("file types")
    if not isinstance(max_megabytes, Unchanged):
        _only_for(kind, ("file",), "largest file size")
        _put(
            field,
            "maxBytes",
            None
            if max_megabytes is None
            else count(max_megabytes, "the largest file size in MB", least=1, most=20) * MEGABYTE,
        )
        changed.append("largest file size")
    if not isinstance(errors, Unchanged):
        messages = dict(field.get("errors") or {})
        for rule, message in errors.items():
            if rule not in ERROR_RULES:
                raise Refused(
                    "unknown-rule", f"There is no rule called {rule} to give a message for"
                )
            _put(
                messages,
                rule,
                None if message is None else short_text(message, "the error message"),
            )
        _put(field, "errors", messages or None)
        changed.append("error messages")
    if not isinstance(width, Unchanged):
        if width is not None and width not in WIDTHS:
            raise Refused(
                "width",
                "Choose a width of 2, 3, 4, 5, 10, 20 or 30 characters, or a fraction of the page",
            )
        _put(field, "width", width)
        changed.append("width")
    if not isinstance(rows, Unchanged):
        _only_for(kind, ("long-text",), "number of rows")
        _put(
            field,
            "rows",
            None if rows is None else count(rows, "the number of rows", least=2, most=20),
        )
        changed.append("rows")
    if not isinstance(autocomplete, Unchanged):
        _put(field, "autocomplete", autocomplete)
        changed.append("autocomplete")
    for key, flag in (("spellcheck", spellcheck), ("inline", inline)):
        if not isinstance(flag, Unchanged):
            _put(field, key, flag)
            changed.append(key)
    _check_ranges(schema)
    what = ", ".join(changed) or "nothing"
    return (
        f"Changed {what} of question '{field['label']}' on page '{page_name(target)}'",
        definition,
    )


def _number(value: float | str) -> float:
    if isinstance(value, str):
        try:
            return float(value.replace(",", ""))
        except ValueError:
            raise Refused("not-a-number", f"{value} is not a number") from None
    return value


def _check_ranges(schema: dict[str, Any]) -> None:
    for low, high, words in (
        ("minLength", "maxLength", "The shortest length must not be more than the longest"),
        ("minimum", "maximum", "The smallest number must not be more than the largest"),
        ("minItems", "maxItems", "The fewest choices must not be more than the most"),
    ):
        if low in schema and high in schema and schema[low] > schema[high]:
            raise Refused("range", words)
    earliest, latest = schema.get("formatMinimum"), schema.get("formatMaximum")
    if (
        isinstance(earliest, str)
        and isinstance(latest, str)
        and "today" not in (earliest, latest)
        and earliest > latest
    ):
        raise Refused("range", "The earliest date must not be after the latest")


@operation("move-question")
def move_question(
    definition: Definition, *, page: str, answer: str, direction: str
) -> tuple[str, Definition]:
    """Move a question up or down its page."""
    target = definition["pages"][page_index(definition, page)]
    fields = target["fields"]
    index = field_index(target, answer)
    other = index - 1 if direction == "up" else index + 1
    if direction not in ("up", "down"):
        raise Refused("direction", "Move a question up or down")
    if not 0 <= other < len(fields):
        raise Refused(
            "cannot-move",
            f"The question is already the {'first' if direction == 'up' else 'last'} on its page",
        )
    fields[index], fields[other] = fields[other], fields[index]
    return (
        f"Moved question '{fields[other]['label']}' {direction} on page '{page_name(target)}'",
        definition,
    )


def remove_answers(definition: Definition, page: dict[str, Any], paths: Sequence[str]) -> None:
    """Delete answer schemas and every requirement of them (not the fields)."""
    for path in paths:
        if schema_at(definition["answers"], path) is None:
            continue
        forget(definition, page, path)
        parent, name = parent_of(definition["answers"], path)
        del parent["properties"][name]
        if (
            not parent["properties"]
            and parent is not definition["answers"]
            and len(parts(path)) > 1
        ):
            holder = "/".join(path.split("/")[:-1])
            if not is_add_another(page) or holder != page.get("answer"):
                remove_answers(definition, page, [holder])


@operation("delete-question")
def delete_question(definition: Definition, *, page: str, answer: str) -> tuple[str, Definition]:
    """Delete a question: its field, its answer's schema and every requirement of it.

    Refused when a condition, a fee or a rule depends on the answer (the refusal lists them),
    and for a page's only question (delete the page instead). A question it revealed stays,
    asked like any other.
    """
    target, field, path, _ = _field(definition, page, answer)
    if len(target["fields"]) == 1:
        raise Refused(
            "last-question",
            f"'{field['label']}' is the only question on its page: delete the page instead",
        )
    for value, revealed in (field.get("reveals") or {}).items():
        for other in revealed:
            other_path = answer_path(target, other)
            was = (
                is_required(definition, target, other_path)
                if schema_at(definition["answers"], other_path)
                else False
            )
            field["reveals"][value] = []
            set_required(definition, target, other_path, was)
    for other in target["fields"]:
        reveals = other.get("reveals") or {}
        for value in [v for v, targets in reveals.items() if answer in targets]:
            del reveals[value]
        if "reveals" in other and not reveals:
            del other["reveals"]
    target["fields"].remove(field)
    remove_answers(definition, target, [path])
    found = dependents(definition, [path])
    if found:
        raise Refused(
            "in-use",
            f"'{field['label']}' cannot be deleted while other things depend on its answer",
            tuple(dependent.words for dependent in found),
        )
    return f"Deleted question '{field['label']}' from page '{page_name(target)}'", definition


# Options of one-of, several-of and select questions.


def _options_of(
    definition: Definition, page: str, answer: str
) -> tuple[dict[str, Any], dict[str, Any], str, list[dict[str, Any]]]:
    target, field, path, schema = _field(definition, page, answer)
    branches = option_list(schema)
    if branches is None:
        raise Refused("no-options", f"'{field['label']}' has no options to edit")
    return target, field, path, branches


def _option_at(branches: list[dict[str, Any]], value: str) -> int:
    for index, branch in enumerate(branches):
        if str(branch.get("const")) == value:
            return index
    raise Refused("no-such-option", f"There is no option with the value {value}")


@operation("add-option")
def add_option(
    definition: Definition,
    *,
    page: str,
    answer: str,
    label: str,
    value: str | None = None,
    position: int | None = None,
) -> tuple[str, Definition]:
    """Add an option to a one-of, several-of or select question (its value made from the label)."""
    _, field, _, branches = _options_of(definition, page, answer)
    given: OptionInput = label if value is None else {"label": label, "value": value}
    option = parse_options([given], [str(branch.get("const")) for branch in branches])[0]
    at = len(branches) if position is None else count(position, "the position", most=len(branches))
    branches.insert(at, option.as_schema())
    return f"Added option '{option.label}' to question '{field['label']}'", definition


@operation("edit-option")
def edit_option(
    definition: Definition, *, page: str, answer: str, value: str, label: str
) -> tuple[str, Definition]:
    """Change the label residents see for an option (its stored value stays)."""
    _, field, _, branches = _options_of(definition, page, answer)
    branch = branches[_option_at(branches, value)]
    old = branch.get("title", value)
    branch["title"] = short_text(label, "the option")
    return (
        f"Changed option '{old}' of question '{field['label']}' to '{branch['title']}'",
        definition,
    )


def _mentions(condition: Any, value: str) -> bool:
    if isinstance(condition, dict):
        if "const" in condition and str(condition["const"]) == value:
            return True
        if isinstance(condition.get("enum"), list) and value in [str(v) for v in condition["enum"]]:
            return True
        return any(_mentions(sub, value) for sub in condition.values())
    if isinstance(condition, list):
        return any(_mentions(sub, value) for sub in condition)
    return False


@operation("remove-option")
def remove_option(
    definition: Definition, *, page: str, answer: str, value: str
) -> tuple[str, Definition]:
    """Remove an option. Refused for the last option, for an option that reveals a question,
    and when a condition tests for it (the refusal lists them)."""
    target, field, path, branches = _options_of(definition, page, answer)
    index = _option_at(branches, value)
    title = branches[index].get("title", value)
    if len(branches) == 1:
        raise Refused("last-option", f"'{title}' is the only option: a question needs at least one")
    in_use = [
        f"It reveals the question '{target['fields'][field_index(target, other)]['label']}'"
        for other in (field.get("reveals") or {}).get(value, [])
    ]
    for _, condition, words in conditions(definition):
        if touches(tested_paths(condition), [path]) and _mentions(condition, value):
            in_use.append(words)
    if in_use:
        raise Refused(
            "in-use",
            f"The option '{title}' cannot be removed while other things depend on it",
            tuple(in_use),
        )
    del branches[index]
    hints = field.get("optionHints") or {}
    hints.pop(value, None)
    if "optionHints" in field and not hints:
        del field["optionHints"]
    return (
        f"Removed option '{title}' from question '{field['label']}' on page '{page_name(target)}'",
        definition,
    )


@operation("move-option")
def move_option(
    definition: Definition, *, page: str, answer: str, value: str, direction: str
) -> tuple[str, Definition]:
    """Move an option up or down the list residents see."""
    _, field, _, branches = _options_of(definition, page, answer)
    index = _option_at(branches, value)
    other = index - 1 if direction == "up" else index + 1
    if direction not in ("up", "down") or not 0 <= other < len(branches):
        raise Refused("cannot-move", "The option cannot move that way")
    branches[index], branches[other] = branches[other], branches[index]
    return (
        f"Moved option '{branches[other].get('title', value)}' {direction} in question '{field['label']}'",
        definition,
    )


@operation("set-option-hint")
def set_option_hint(
    definition: Definition, *, page: str, answer: str, value: str, hint: str | None
) -> tuple[str, Definition]:
    """Set (or, with None, remove) the hint under one option."""
    _, field, _, branches = _options_of(definition, page, answer)
    branch = branches[_option_at(branches, value)]
    hints = dict(field.get("optionHints") or {})
    _put(hints, value, None if hint is None else short_text(hint, "the option's hint"))
    _put(field, "optionHints", hints or None)
    return (
        f"Changed the hint of option '{branch.get('title', value)}' of question '{field['label']}'",
        definition,
    )


@operation("set-reveal")
def set_reveal(
    definition: Definition, *, page: str, answer: str, value: str, question: str | None
) -> tuple[str, Definition]:
    """Show another question of the same page under an option when it is chosen (None stops
    revealing). A revealed required question is required only when its option is chosen."""
    target, field, _, branches = _options_of(definition, page, answer)
    branch = branches[_option_at(branches, value)]
    reveals = dict(field.get("reveals") or {})
    previously = reveals.get(value, [])
    if question is not None:
        field_index(target, question)  # refuses a question not on this page
        if question == answer or any(question in t for v, t in reveals.items() if v != value):
            raise Refused("reveal", "A question can be revealed by one other option only")
    keep = {
        other: is_required(definition, target, answer_path(target, other))
        for other in [*previously, *([question] if question else [])]
    }
    _put(reveals, value, None if question is None else [question])
    _put(field, "reveals", reveals or None)
    for other, was in keep.items():
        set_required(definition, target, answer_path(target, other), was)
    shown = (
        "nothing"
        if question is None
        else f"'{target['fields'][field_index(target, question)]['label']}'"
    )
    return (
        f"Option '{branch.get('title', value)}' of question '{field['label']}' now reveals {shown}",
        definition,
    )
