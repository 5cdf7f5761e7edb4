"""Operations on the service as a whole: its name, summary and classification, its start,
declaration and confirmation pages, its languages and the Welsh text of every string.

Translations are keyed by where the English string is (`fields.binOut.label`,
`pages.bin-not-out.title`: see `runtime/core/strings.py`); `translatable` lists every key
with its English and its translation, so a page can show them side by side.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from builder.change import UNCHANGED, Definition, Refused, Unchanged, operation
from builder.inputs import count, markdown, short_text
from runtime.core.strings import resident_strings

LICENCES = ("OGL-3.0", "CC-BY-4.0", "CC0-1.0", "MIT")
LANGUAGE_NAMES = {"cy": "Welsh"}
_SLUG = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")


@operation("edit-service")
def edit_service(
    definition: Definition,
    *,
    title: str | Unchanged = UNCHANGED,
    summary: str | Unchanged = UNCHANGED,
    lgsl: int | Unchanged = UNCHANGED,
    tags: Sequence[str] | Unchanged = UNCHANGED,
    licence: str | Unchanged = UNCHANGED,
) -> tuple[str, Definition]:
    """Change the service's name (start it with a verb), its one-sentence summary, its Local
    Government Services List code, its tags and its licence."""
    changed = []
    if not isinstance(title, Unchanged):
        definition["title"] = short_text(title, "the service's name")
        changed.append("name")
    if not isinstance(summary, Unchanged):
        definition["summary"] = short_text(summary, "the summary")
        changed.append("summary")
    if not isinstance(lgsl, Unchanged):
        definition["lgsl"] = count(lgsl, "the LGSL code", least=1, most=99999)
        changed.append("LGSL code")
    if not isinstance(tags, Unchanged):
        chosen = list(dict.fromkeys(tag.strip().lower() for tag in tags if tag.strip()))
        bad = [tag for tag in chosen if not _SLUG.match(tag) or len(tag) > 64]
        if bad:
            raise Refused(
                "tag", f"A tag is lower-case letters, digits and single hyphens: {bad[0]} is not"
            )
        if len(chosen) > 20:
            raise Refused("tag", "A service can have at most 20 tags")
        if chosen:
            definition["tags"] = chosen
        else:
            definition.pop("tags", None)
        changed.append("tags")
    if not isinstance(licence, Unchanged):
        if licence not in LICENCES:
            raise Refused("licence", f"Choose a licence from {', '.join(LICENCES)}")
        definition["licence"] = licence
        changed.append("licence")
    return f"Changed the service's {', '.join(changed) or 'nothing'}", definition


@operation("set-start-page")
def set_start_page(
    definition: Definition, *, content: str | None, before: str | Unchanged | None = UNCHANGED
) -> tuple[str, Definition]:
    """Set the start page's text (Markdown above Start now) and what comes after the button
    (`before`: other ways to apply). `content` None removes the start page."""
    if content is None:
        definition.pop("start", None)
        return "Removed the start page", definition
    start = definition.setdefault("start", {})
    start["content"] = markdown(content, "what the start page says")
    if not isinstance(before, Unchanged):
        if before is None:
            start.pop("before", None)
        else:
            start["before"] = markdown(before, "what comes after the Start now button")
    return "Changed the start page", definition


@operation("set-declaration")
def set_declaration(
    definition: Definition,
    *,
    content: str | None,
    title: str | None = None,
    confirm: str | None = None,
) -> tuple[str, Definition]:
    """Ask residents to accept a declaration after checking their answers (`content` None
    removes it). `title` defaults to "Declaration", `confirm` to "Accept and send"."""
    if content is None:
        definition.pop("declaration", None)
        return "Removed the declaration", definition
    declaration: dict[str, Any] = {}
    if title is not None:
        declaration["title"] = short_text(title, "the declaration's heading")
    declaration["content"] = markdown(content, "what residents declare")
    if confirm is not None:
        declaration["confirm"] = short_text(confirm, "the button's text")
    definition["declaration"] = declaration
    return "Changed the declaration", definition


@operation("set-confirmation")
def set_confirmation(
    definition: Definition, *, next: str, title: str | Unchanged | None = UNCHANGED
) -> tuple[str, Definition]:
    """Set what the confirmation page says happens next, and its panel heading."""
    confirmation = definition.setdefault("confirmation", {})
    if not isinstance(title, Unchanged):
        if title is None:
            confirmation.pop("title", None)
        else:
            confirmation["title"] = short_text(title, "the confirmation heading")
    confirmation["next"] = markdown(next, "what happens next")
    return "Changed the confirmation page", definition


@operation("set-welsh")
def set_welsh(definition: Definition, *, welsh: bool) -> tuple[str, Definition]:
    """Offer the service in Welsh too (every string then needs its Welsh), or stop offering it
    (its Welsh translations are removed, and come back on undo)."""
    if welsh:
        definition["languages"] = ["en", "cy"]
        definition.setdefault("translations", {}).setdefault("cy", {})
        return "The service is now offered in English and Welsh", definition
    definition["languages"] = ["en"]
    (definition.get("translations") or {}).pop("cy", None)
    if "translations" in definition and not definition["translations"]:
        del definition["translations"]
    return "The service is now offered in English only", definition


@dataclass(frozen=True)
class Translatable:
    """A resident-facing string: its key, where its English is, the English and its translation."""

    key: str
    pointer: str
    english: str
    translation: str | None


def translatable(definition: Definition, language: str = "cy") -> list[Translatable]:
    """Every resident-facing string with its translation in `language` (None when missing)."""
    table = (definition.get("translations") or {}).get(language) or {}
    return [
        Translatable(text.key, text.pointer, text.text, table.get(text.key))
        for text in resident_strings(definition)
    ]


@operation("translate")
def translate(
    definition: Definition, *, key: str, text: str | None, language: str = "cy"
) -> tuple[str, Definition]:
    """Set the translation of one string (None removes it)."""
    if language not in LANGUAGE_NAMES:
        raise Refused("language", "Borough translates into Welsh (cy)")
    if language not in definition.get("languages", ["en"]):
        raise Refused("language", f"Offer the service in {LANGUAGE_NAMES[language]} first")
    strings = {found.key: found for found in resident_strings(definition)}
    if key not in strings:
        raise Refused("no-such-string", f"There is no string with the key {key}")
    table = definition.setdefault("translations", {}).setdefault(language, {})
    english = strings[key].text
    if text is None:
        table.pop(key, None)
        return f"Removed the {LANGUAGE_NAMES[language]} of '{_short(english)}'", definition
    limit = 20_000 if len(english) > 500 or "\n" in english else 500
    value = text.strip()
    if not value or len(value) > limit:
        raise Refused("text", f"Enter the {LANGUAGE_NAMES[language]}, up to {limit:,} characters")
    table[key] = value
    return f"Translated '{_short(english)}' into {LANGUAGE_NAMES[language]}", definition


def _short(text: str) -> str:
    line = text.splitlines()[0] if text else ""
    return line if len(line) <= 60 else line[:57] + "…"
