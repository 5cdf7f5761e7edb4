"""Every resident-facing string of a definition, under a stable key.

The same table serves the linter (is every string translated?) and the runtime (show the
resident's language), so the two can never disagree about what needs translating.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from runtime.core.problems import pointer_join, pointer_parts
from runtime.core.schema_paths import options, resolve_ref, subschema_at


@dataclass(frozen=True)
class Text:
    key: str
    text: str
    pointer: str  # where the English text sits in the definition


def field_name(pointer: str) -> str:
    """A field's dotted name, from its answer pointer: /address/postcode → address.postcode."""
    return ".".join(pointer_parts(pointer))


def resident_strings(definition: dict[str, Any]) -> Iterator[Text]:
    for key in ("title", "summary"):
        if key in definition:
            yield Text(key, definition[key], f"/{key}")
    for key in ("content", "before"):
        if key in definition.get("start", {}):
            yield Text(f"start.{key}", definition["start"][key], f"/start/{key}")
    answers = definition.get("answers", {})
    for index, page in enumerate(definition.get("pages", [])):
        base = pointer_join("pages", index)
        for key in ("title", "content", "itemTitle", "addAnother"):
            if key in page:
                yield Text(f"pages.{page['id']}.{key}", page[key], f"{base}/{key}")
        prefix = page.get("answer", "") if page.get("type") == "add-another" else ""
        for findex, field in enumerate(page.get("fields", [])):
            yield from _field_strings(answers, field, prefix, f"{base}/fields/{findex}")
    for key in ("title", "content", "confirm"):
        if key in definition.get("declaration", {}):
            yield Text(f"declaration.{key}", definition["declaration"][key], f"/declaration/{key}")
    for key in ("title", "next"):
        if key in definition.get("confirmation", {}):
            yield Text(
                f"confirmation.{key}", definition["confirmation"][key], f"/confirmation/{key}"
            )
    for index, line in enumerate(definition.get("fees", {}).get("lines", [])):
        yield Text(
            f"fees.{line['id']}.description",
            line["description"],
            f"/fees/lines/{index}/description",
        )
    for state, spec in definition.get("workflow", {}).get("states", {}).items():
        # The label names the state on the resident's status tag, history and emails; staff
        # read the English.
        for key in ("label", "residentText"):
            if key in spec.get("meta", {}):
                yield Text(
                    f"workflow.{state}.{key}",
                    spec["meta"][key],
                    pointer_join("workflow", "states", state, "meta", key),
                )


def _field_strings(
    answers: dict[str, Any], field: dict[str, Any], prefix: str, base: str
) -> Iterator[Text]:
    answer = prefix + ("/0" if prefix else "") + field["answer"]
    name = field_name(prefix + field["answer"])
    for key in ("label", "hint", "errorName", "prefix", "suffix"):
        if key in field:
            yield Text(f"fields.{name}.{key}", field[key], f"{base}/{key}")
    for keyword, text in field.get("errors", {}).items():
        yield Text(f"fields.{name}.errors.{keyword}", text, f"{base}/errors/{keyword}")
    for value, text in field.get("optionHints", {}).items():
        yield Text(
            f"fields.{name}.optionHints.{value}",
            text,
            pointer_join(*pointer_parts(base), "optionHints", value),
        )
    schema = subschema_at(answers, answer) if answers else None
    if schema is None:
        return
    location = "/answers" + "".join(
        "/items" if part.isdigit() else f"/properties/{part}" for part in pointer_parts(answer)
    )
    labelled = schema
    if schema.get("type") == "array" and isinstance(schema.get("items"), dict):
        labelled, location = resolve_ref(answers, schema["items"]), location + "/items"
    for keyword in ("oneOf", "anyOf"):
        branches = labelled.get(keyword) if isinstance(labelled, dict) else None
        if isinstance(branches, list) and options(labelled):
            for index, branch in enumerate(branches):
                if isinstance(branch, dict) and "title" in branch:
                    yield Text(
                        f"options.{name}.{branch['const']}",
                        branch["title"],
                        f"{location}/{keyword}/{index}/title",
                    )
            return


def translation_table(definition: dict[str, Any], language: str) -> dict[str, str]:
    """English text → text in `language` for every translated key, by key."""
    if language == "en":
        return {}
    translated: dict[str, str] = definition.get("translations", {}).get(language, {})
    return dict(translated)
