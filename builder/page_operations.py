"""Operations on pages: add a question page, a content page, an exit page or an add-another
loop; edit, move, duplicate and delete a page; show it only when a condition holds.

A new page goes after the page named by `after` (its id), at the end when `after` is left
out, or first with `after="start"`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from builder.change import UNCHANGED, Definition, Refused, Unchanged, operation
from builder.conditions import Rules, describe, to_schema
from builder.dependents import dependents
from builder.inputs import condition, count, markdown, short_text
from builder.locations import (
    is_add_another,
    is_content,
    page_ids,
    page_index,
    page_name,
    page_paths,
    schema_at,
)
from builder.naming import RESERVED_PAGE_IDS, answer_name, page_id, unique_name
from builder.patch import copy_json, parts
from builder.question_operations import OptionInput, place_question, remove_answers
from builder.requirements import is_required, move_page_requirements, set_required
from runtime.core.strings import resident_strings

MAX_PAGES = 200
_SLUG = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")


def _new_id(definition: Definition, wanted: str | None, words: str) -> str:
    taken = page_ids(definition)
    if wanted is None:
        return page_id(words, taken)
    if not _SLUG.match(wanted) or len(wanted) > 64:
        raise Refused(
            "page-id",
            "A page id is lower-case letters, digits and single hyphens, starting with a letter",
        )
    if wanted in RESERVED_PAGE_IDS:
        raise Refused("page-id", f"{wanted} is the name of one of Borough's own steps")
    if wanted in taken:
        raise Refused("page-id", f"There is already a page called {wanted}")
    return wanted


def _insert(definition: Definition, page: dict[str, Any], after: str | None) -> int:
    pages = definition["pages"]
    if len(pages) >= MAX_PAGES:
        raise Refused("too-many-pages", f"A service can have at most {MAX_PAGES} pages")
    if after is None:
        at = len(pages)
    elif after == "start":
        at = 0
    else:
        at = page_index(definition, after) + 1
    pages.insert(at, page)
    return at


@operation("add-question-page")
def add_question_page(
    definition: Definition,
    *,
    kind: str,
    label: str,
    hint: str | None = None,
    required: bool = True,
    options: Sequence[OptionInput] = (),
    name: str | None = None,
    title: str | None = None,
    page: str | None = None,
    after: str | None = None,
) -> tuple[str, Definition]:
    """Add a page asking one question (the question's label is the page's heading, unless a
    `title` is given; an address's label becomes its title). `page` chooses the page's id."""
    new: dict[str, Any] = {"id": _new_id(definition, page, title or label)}
    if title is not None:
        new["title"] = short_text(title, "the page title")
    elif kind == "address":
        new["title"] = short_text(label, "the question")
    _insert(definition, new, after)
    place_question(
        definition,
        new,
        kind=kind,
        label=label,
        hint=hint,
        required=required,
        options=options,
        name=name,
    )
    asking = "" if page_name(new) == label.strip() else f" asking '{label.strip()}'"
    return f"Added page '{page_name(new)}'{asking}", definition


@operation("add-content-page")
def add_content_page(
    definition: Definition,
    *,
    title: str,
    content: str,
    page: str | None = None,
    after: str | None = None,
) -> tuple[str, Definition]:
    """Add a page that tells residents something and asks nothing."""
    new = {
        "id": _new_id(definition, page, title),
        "type": "content",
        "title": short_text(title, "the page title"),
        "content": markdown(content, "what the page says"),
    }
    _insert(definition, new, after)
    return f"Added content page '{new['title']}'", definition


@operation("add-exit-page")
def add_exit_page(
    definition: Definition,
    *,
    title: str,
    content: str,
    when: dict[str, Any] | None = None,
    page: str | None = None,
    after: str | None = None,
) -> tuple[str, Definition]:
    """Add an exit page: the journey ends there ("You cannot apply"). Give it a `when` (the
    ineligible answer) and put it straight after the question that decides it."""
    new: dict[str, Any] = {
        "id": _new_id(definition, page, title),
        "type": "content",
        "title": short_text(title, "the page title"),
    }
    if when is not None:
        new["when"] = copy_json(condition(when))
    new["content"] = markdown(content, "what the page says")
    new["stop"] = True
    _insert(definition, new, after)
    shown = f" ({describe(new['when'], definition)})" if "when" in new else ""
    return f"Added exit page '{new['title']}'{shown}", definition


@operation("add-add-another-page")
def add_add_another_page(
    definition: Definition,
    *,
    title: str,
    item_title: str,
    kind: str,
    label: str,
    hint: str | None = None,
    required: bool = True,
    options: Sequence[OptionInput] = (),
    list_name: str | None = None,
    min_items: int = 1,
    max_items: int = 10,
    add_another: str | None = None,
    page: str | None = None,
    after: str | None = None,
) -> tuple[str, Definition]:
    """Add an add-another loop: residents describe one item at a time (`title` heads the item
    page; `item_title` names one item, such as Item or Vehicle), with its first question.
    The list needs at least `min_items` (0 makes it optional) and at most `max_items`."""
    answers = definition["answers"]
    taken = set(answers.get("properties") or {})
    name = answer_name(item_title + "s", taken) if list_name is None else list_name
    if name in taken:
        raise Refused("answer-exists", f"There is already an answer called {name}")
    fewest = count(min_items, "the fewest items", most=1000)
    most = count(max_items, "the most items", least=1, most=1000)
    if fewest > most:
        raise Refused("range", "The fewest items must not be more than the most")
    answers.setdefault("properties", {})[name] = {
        "type": "array",
        "minItems": fewest,
        "maxItems": most,
        "items": {"type": "object", "properties": {}},
    }
    new: dict[str, Any] = {
        "id": _new_id(definition, page, title),
        "type": "add-another",
        "answer": f"/{name}",
        "title": short_text(title, "the page title"),
        "itemTitle": short_text(item_title, "what one item is called"),
    }
    if add_another is not None:
        new["addAnother"] = short_text(add_another, "the add-another question")
    _insert(definition, new, after)
    place_question(
        definition, new, kind=kind, label=label, hint=hint, required=required, options=options
    )
    set_required(definition, new, new["answer"], fewest > 0)
    if fewest == 0:
        del answers["properties"][name]["minItems"]
    return (
        f"Added add-another page '{new['title']}' asking '{label.strip()}' about each {new['itemTitle'].lower()}",
        definition,
    )


@operation("edit-page")
def edit_page(
    definition: Definition,
    *,
    page: str,
    title: str | Unchanged | None = UNCHANGED,
    content: str | Unchanged | None = UNCHANGED,
    item_title: str | Unchanged = UNCHANGED,
    add_another: str | Unchanged | None = UNCHANGED,
    exit: bool | Unchanged = UNCHANGED,
    min_items: int | Unchanged = UNCHANGED,
    max_items: int | Unchanged = UNCHANGED,
) -> tuple[str, Definition]:
    """Change a page's title, its content (Markdown shown under the heading), an add-another
    page's item name, question and limits, or whether a content page is an exit page."""
    target = definition["pages"][page_index(definition, page)]
    before = page_name(target)
    changed = []
    if not isinstance(title, Unchanged):
        if title is None:
            if is_content(target) or is_add_another(target) or len(target.get("fields", [])) > 1:
                raise Refused("title-needed", "This page needs a title")
            target.pop("title", None)
        else:
            target["title"] = short_text(title, "the page title")
        changed.append("title")
    if not isinstance(content, Unchanged):
        if content is None:
            if is_content(target):
                raise Refused("content-needed", "A content page needs something to say")
            target.pop("content", None)
        else:
            target["content"] = markdown(content, "what the page says")
        changed.append("content")
    if not isinstance(item_title, Unchanged) or not isinstance(add_another, Unchanged):
        if not is_add_another(target):
            raise Refused("not-add-another", "Only an add-another page has items")
        if not isinstance(item_title, Unchanged):
            target["itemTitle"] = short_text(item_title, "what one item is called")
            changed.append("item name")
        if not isinstance(add_another, Unchanged):
            if add_another is None:
                target.pop("addAnother", None)
            else:
                target["addAnother"] = short_text(add_another, "the add-another question")
            changed.append("add-another question")
    if not isinstance(min_items, Unchanged) or not isinstance(max_items, Unchanged):
        if not is_add_another(target):
            raise Refused("not-add-another", "Only an add-another page has items")
        schema = schema_at(definition["answers"], target["answer"]) or {}
        if not isinstance(min_items, Unchanged):
            fewest = count(min_items, "the fewest items", most=1000)
            set_required(definition, target, target["answer"], fewest > 0)
            if fewest:
                schema["minItems"] = fewest
            else:
                schema.pop("minItems", None)
        if not isinstance(max_items, Unchanged):
            schema["maxItems"] = count(max_items, "the most items", least=1, most=1000)
        if schema.get("minItems", 0) > schema.get("maxItems", 1000):
            raise Refused("range", "The fewest items must not be more than the most")
        changed.append("number of items")
    if not isinstance(exit, Unchanged):
        if not is_content(target):
            raise Refused("not-content", "Only a content page can be an exit page")
        if exit:
            target["stop"] = True
        else:
            target.pop("stop", None)
        changed.append("exit page" if exit else "not an exit page")
    return f"Changed {', '.join(changed) or 'nothing'} of page '{before}'", definition


@operation("move-page")
def move_page(definition: Definition, *, page: str, direction: str) -> tuple[str, Definition]:
    """Move a page up (earlier) or down (later) in the journey."""
    pages = definition["pages"]
    index = page_index(definition, page)
    if direction not in ("up", "down"):
        raise Refused("direction", "Move a page up or down")
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(pages):
        raise Refused(
            "cannot-move", f"The page is already the {'first' if direction == 'up' else 'last'}"
        )
    pages[index], pages[other] = pages[other], pages[index]
    return f"Moved page '{page_name(pages[other])}' {direction}", definition


@operation("delete-page")
def delete_page(definition: Definition, *, page: str) -> tuple[str, Definition]:
    """Delete a page and the answers it asks. Refused when a condition, a fee or a rule on
    another page depends on those answers (the refusal lists them), and for the only page."""
    pages = definition["pages"]
    index = page_index(definition, page)
    if len(pages) == 1:
        raise Refused("last-page", "A service needs at least one page")
    target = pages.pop(index)
    paths = page_paths(target)
    remove_answers(definition, target, [target["answer"]] if is_add_another(target) else paths)
    found = dependents(definition, paths)
    if found:
        raise Refused(
            "in-use",
            f"Page '{page_name(target)}' cannot be deleted while other things depend on its answers",
            tuple(dependent.words for dependent in found),
        )
    return f"Deleted page '{page_name(target)}'", definition


@operation("duplicate-page")
def duplicate_page(definition: Definition, *, page: str) -> tuple[str, Definition]:
    """Copy a page, straight after it, with new answers of its own (and its translations)."""
    index = page_index(definition, page)
    source = definition["pages"][index]
    answers = definition["answers"]
    copy = copy_json(source)
    copy["id"] = page_id(page_name(source), page_ids(definition))
    taken = set(answers.get("properties") or {})
    renamed: dict[str, str] = {}
    for path in _top_level_paths(source):
        old = parts(path)[0]
        renamed[old] = unique_name(old, taken)
        taken.add(renamed[old])
        answers["properties"][renamed[old]] = copy_json(answers["properties"][old])
    if is_add_another(copy):
        copy["answer"] = "/" + renamed[parts(source["answer"])[0]]
    else:
        for field in copy.get("fields", []):
            field["answer"] = _renamed(field["answer"], renamed)
            for value, targets in (field.get("reveals") or {}).items():
                field["reveals"][value] = [_renamed(target, renamed) for target in targets]
    definition["pages"].insert(index + 1, copy)
    for old, new in renamed.items():
        # an object's own `required` (the lines of an address) came with its copied schema
        set_required(definition, copy, "/" + new, is_required(definition, source, "/" + old))
    _copy_translations(definition, source, copy, renamed)
    return f"Duplicated page '{page_name(source)}' as '{copy['id']}'", definition


def _top_level_paths(page: dict[str, Any]) -> list[str]:
    paths = (
        [page["answer"]] if is_add_another(page) else [f["answer"] for f in page.get("fields", [])]
    )
    return list(dict.fromkeys("/" + parts(path)[0] for path in paths))


def _renamed(path: str, renamed: dict[str, str]) -> str:
    names = parts(path)
    return "/" + "/".join([renamed.get(names[0], names[0]), *names[1:]])


def _copy_translations(
    definition: Definition, source: dict[str, Any], copy: dict[str, Any], renamed: dict[str, str]
) -> None:
    """Give the copy's strings the translations of the strings they were copied from."""
    tables = definition.get("translations") or {}
    stems = [(f"pages.{copy['id']}.", f"pages.{source['id']}.")]
    for old, new in renamed.items():
        stems += [(f"fields.{new}.", f"fields.{old}."), (f"options.{new}.", f"options.{old}.")]
    for text in resident_strings(definition):
        for new_stem, old_stem in stems:
            if not text.key.startswith(new_stem):
                continue
            old_key = old_stem + text.key[len(new_stem) :]
            for table in tables.values():
                if old_key in table and text.key not in table:
                    table[text.key] = table[old_key]


@operation("set-condition")
def set_condition(
    definition: Definition,
    *,
    page: str,
    when: dict[str, Any] | None = None,
    rules: dict[str, Any] | None = None,
) -> tuple[str, Definition]:
    """Show a page only when the answers so far match a condition: `rules` as a designer
    builds them ({combine, rules: [{answer, operator, value}]}, see builder.conditions), or
    `when`, the JSON Schema itself. Its required answers become required only when it is shown."""
    if (when is None) == (rules is None):
        raise Refused("condition", "Give the condition as rules or as JSON Schema, not both")
    target = definition["pages"][page_index(definition, page)]
    old = target.get("when")
    schema = when if when is not None else to_schema(Rules.from_json(rules), definition)
    target["when"] = copy_json(condition(schema))
    move_page_requirements(definition, target, old, target["when"])
    return (
        f"Page '{page_name(target)}' is now shown {_lower(describe(target['when'], definition))}",
        definition,
    )


@operation("clear-condition")
def clear_condition(definition: Definition, *, page: str) -> tuple[str, Definition]:
    """Show a page to everyone: remove its condition."""
    target = definition["pages"][page_index(definition, page)]
    old = target.pop("when", None)
    if old is None:
        raise Refused("no-condition", f"Page '{page_name(target)}' has no condition")
    move_page_requirements(definition, target, old, None)
    return f"Page '{page_name(target)}' is now shown to everyone", definition


def _lower(text: str) -> str:
    return text[0].lower() + text[1:] if text else text
