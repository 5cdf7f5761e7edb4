"""Finding a definition's pages, questions and answer schemas by the names designers use.

Designers (and the builder's pages) name a page by its `id` and a question by the page and
the field's `answer`, as written on the page. An **answer path** is where that answer lives
in the answers, with list items left unindexed: the field `/type` of the add-another page
filling `/items` has the answer path `/items/type`; the postcode of an address is
`/address/postcode`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from builder.change import Refused
from builder.patch import parts
from runtime.core.schema_paths import primary_type

Definition = dict[str, Any]


@dataclass(frozen=True)
class Asked:
    """A question and where it is: page and field indexes, and its answer path."""

    page_index: int
    field_index: int
    page: dict[str, Any]
    field: dict[str, Any]
    path: str


def page_index(definition: Definition, page_id: str) -> int:
    for index, page in enumerate(definition.get("pages", [])):
        if page.get("id") == page_id:
            return index
    raise Refused("no-such-page", f"There is no page called {page_id}")


def page_ids(definition: Definition) -> list[str]:
    return [str(page.get("id")) for page in definition.get("pages", [])]


def field_index(page: dict[str, Any], answer: str) -> int:
    for index, field in enumerate(page.get("fields", [])):
        if field.get("answer") == answer:
            return index
    raise Refused("no-such-question", f"Page {page.get('id')} has no question asking {answer}")


def is_add_another(page: dict[str, Any]) -> bool:
    return page.get("type") == "add-another"


def is_content(page: dict[str, Any]) -> bool:
    return page.get("type") == "content"


def answer_path(page: dict[str, Any], field_answer: str) -> str:
    """The answer path of a field of this page (list items unindexed)."""
    return (str(page["answer"]) if is_add_another(page) else "") + field_answer


def page_paths(page: dict[str, Any]) -> list[str]:
    """The answer paths a page fills: its fields', and an add-another page's list."""
    found = [answer_path(page, field["answer"]) for field in page.get("fields", [])]
    return [page["answer"], *found] if is_add_another(page) else found


def asked(definition: Definition) -> Iterator[Asked]:
    """Every question of the definition, page by page."""
    for pindex, page in enumerate(definition.get("pages", [])):
        for findex, field in enumerate(page.get("fields", [])):
            yield Asked(pindex, findex, page, field, answer_path(page, field["answer"]))


def schema_keys(answers: dict[str, Any], path: str) -> list[str] | None:
    """The keys from the answers schema down to the schema of the answer at `path`, stepping
    into a list's `items` on the way; None when no such answer is declared."""
    schema: Any = answers
    keys: list[str] = []
    try:
        steps = parts(path)
    except ValueError:  # not a JSON Pointer (a forged form's "per", say): no answer is there
        return None
    for part in steps:
        if isinstance(schema, dict) and primary_type(schema) == "array":
            keys.append("items")
            schema = schema.get("items")
            if part.isdigit():
                continue
        properties = schema.get("properties") if isinstance(schema, dict) else None
        if not isinstance(properties, dict) or part not in properties:
            return None
        keys += ["properties", part]
        schema = properties[part]
    return keys if isinstance(schema, dict) else None


def schema_at(answers: dict[str, Any], path: str) -> dict[str, Any] | None:
    """The schema declared for the answer at `path` (a live reference into `answers`)."""
    keys = schema_keys(answers, path)
    if keys is None:
        return None
    node: Any = answers
    for key in keys:
        node = node[key]
    return node if isinstance(node, dict) else None


def parent_of(answers: dict[str, Any], path: str) -> tuple[dict[str, Any], str]:
    """The object schema declaring the answer at `path`, and the answer's name in it."""
    keys = schema_keys(answers, path)
    if keys is None:
        raise Refused("no-such-answer", f"There is no answer {path}")
    node: Any = answers
    for key in keys[:-2]:
        node = node[key]
    return node, keys[-1]


def page_name(page: dict[str, Any]) -> str:
    """What designers call a page: its title, else its only question's label, else its id."""
    if page.get("title"):
        return str(page["title"])
    fields = page.get("fields") or []
    if len(fields) == 1 and fields[0].get("label"):
        return str(fields[0]["label"])
    return str(page.get("id"))


def question_label(definition: Definition, path: str) -> str:
    """The label of the question asking the answer at `path` (its name when none asks it)."""
    for found in asked(definition):
        if found.path == path:
            return str(found.field.get("label", path))
    for page in definition.get("pages", []):
        if is_add_another(page) and page.get("answer") == path:
            return str(page.get("itemTitle") or page.get("title") or path)
    return parts(path)[-1] if parts(path) else path


def page_of(definition: Definition, path: str) -> dict[str, Any] | None:
    """The page that asks the answer at `path` (or fills the list, or asks a part of it)."""
    pages: list[dict[str, Any]] = definition.get("pages", [])
    for page in pages:
        for filled in page_paths(page):
            if filled == path or filled.startswith(path + "/") or path.startswith(filled + "/"):
                return page
    return None
