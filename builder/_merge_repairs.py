"""After the walk: what a merged definition needs so that a merge does not itself break it.

The fork follows the new upstream version; a question both sides put on different pages is
asked on one (a collision); a question kept gets back the answer schema the other side removed
with it; Welsh missing from the merge comes from a side whose English is the same, and Welsh
for strings that are gone is dropped.
"""

from __future__ import annotations

from typing import Any

from builder._merge_walk import ABSENT, ASKED, BROKEN, Item, Walk
from builder.locations import answer_path, asked, page_paths, schema_keys
from builder.patch import copy_json
from runtime.core.strings import resident_strings

Definition = dict[str, Any]


def follow_upstream(definition: Definition, base: Definition, theirs: Definition) -> None:
    """A fork of base now follows theirs: its provenance names the new upstream version."""
    provenance = definition.get("provenance")
    if not isinstance(provenance, dict):
        return
    if provenance.get("forkedFrom") == f"{base.get('id')}@{base.get('version')}":
        provenance["forkedFrom"] = f"{theirs.get('id')}@{theirs.get('version')}"
        publisher = theirs.get("publisher")
        if "publisher" in provenance and isinstance(publisher, dict) and "id" in publisher:
            provenance["publisher"] = publisher["id"]


def asked_once(definition: Definition, merger: Walk, *sides: Definition) -> None:
    """A question both sides put on different pages (added on both, or moved on both) is asked
    on one of them: a collision, the council's page until chosen. A question page left with no
    questions goes too."""
    pages = definition.get("pages")
    if not isinstance(pages, list):
        return
    try:
        homes: dict[str, list[str]] = {}
        for found in asked(definition):
            homes.setdefault(found.path, []).append(str(found.page.get("id")))
        side_homes = [{found.path: found.page.get("id") for found in asked(side)} for side in sides]
    except BROKEN:
        return  # too broken to list its questions: the checks will say so
    for path, ids in homes.items():
        if len(set(ids)) < 2:
            continue
        was, mine, new = (found.get(path, ABSENT) for found in side_homes)
        chosen = merger.collide(("pages", ASKED, Item("answer", path)), was, mine, new)
        keep = chosen if chosen in ids else ids[0]
        for page in [page for page in pages if page.get("id") in ids and page.get("id") != keep]:
            page["fields"] = [
                field
                for field in page.get("fields", [])
                if answer_path(page, field.get("answer", "")) != path
            ]
            if not page["fields"]:
                pages.remove(page)


def restore_answers(definition: Definition, *sides: Definition) -> None:
    """Give every question asked the answer schema a side still has (with its requiredness),
    when the merge took it away along with a question a choice kept."""
    answers = definition.get("answers")
    if not isinstance(answers, dict):
        return
    for page in definition.get("pages", []):
        try:
            paths = page_paths(page)
        except (KeyError, TypeError):
            continue
        for path in paths:
            if schema_keys(answers, path) is not None:
                continue
            for side in sides:
                keys = schema_keys(side.get("answers") or {}, path)
                if keys is not None:
                    _copy_schema(answers, side["answers"], keys)
                    break


def _copy_schema(answers: dict[str, Any], source: dict[str, Any], keys: list[str]) -> None:
    target: Any = answers
    origin: Any = source
    for index, key in enumerate(keys):
        if index + 2 == len(keys) and key == "properties":
            name = keys[-1]
            required = target.get("required") or []
            if name in (origin.get("required") or []) and name not in required:
                target["required"] = [*required, name]
        if key not in target:
            target[key] = copy_json(origin[key])
            return
        target, origin = target[key], origin[key]


def restore_welsh(definition: Definition, *sides: Definition) -> None:
    """Translations for the strings the merged definition has: those missing taken from a side
    whose English for the key is the same; those for strings that are gone dropped."""
    tables = definition.get("translations")
    if not isinstance(tables, dict):
        return
    try:
        texts = {text.key: text.text for text in resident_strings(definition)}
        sides_texts = [{t.key: t.text for t in resident_strings(side)} for side in sides]
    except BROKEN:
        return  # too broken to list its strings: the checks will say so
    for language, table in tables.items():
        if not isinstance(table, dict):
            continue
        for key in [key for key in table if key not in texts]:
            del table[key]
        for key, text in texts.items():
            if key in table:
                continue
            for side, side_texts in zip(sides, sides_texts, strict=True):
                other = (side.get("translations") or {}).get(language) or {}
                if side_texts.get(key) == text and key in other:
                    table[key] = other[key]
                    break
