"""What a council shares of a service, and what an importing council fills back in.

A published definition names its council in its texts, gives its phone number and email
address, and relies on the council's payment account and email sender (held in the council's
settings, not the definition). Shared, those become **settings**: each place a council value
stood holds a placeholder `{{name}}`, and the catalogue entry declares every setting, where its
placeholders are, and what it means. `fill` puts an importing council's values back.

Only people's text is rewritten: the answers' schema, ids, pointers, patterns and option
values are data, and stay as they are.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from builder.catalogue.entries import Setting

COUNCIL_NAME = "council.name"
CONTACT_EMAIL = "contact.email"
CONTACT_PHONE = "contact.phone"
PAYMENT_ACCOUNT = "payment.account"
EMAIL_SENDER = "email.sender"

DESCRIPTIONS = {
    COUNCIL_NAME: "The council's name, as residents read it",
    CONTACT_EMAIL: "The email address residents can write to about this service",
    CONTACT_PHONE: "The phone number residents can call about this service",
    PAYMENT_ACCOUNT: "The council's payment account that takes this service's fees",
    EMAIL_SENDER: "The name and address the council's emails to residents come from",
}

# Data, not text: left alone wherever they appear.
_DATA_KEYS = frozenset({"id", "answer", "answers", "pointer", "pattern", "enum", "const", "value",
                        "format", "$ref", "$schema", "when", "publisher", "provenance", "version",
                        "autocomplete", "widget", "type", "events", "target", "guard", "actions",
                        "initial", "on", "colour", "languages", "tags", "licence", "multiplier"})
# A translation's message for a wrong format or pattern, keyed by where it stands
# ("fields.email.errors.format"): its "like name@example.com" or "like 01632 960 001" shows
# what to type, not the council's contacts. Left alone, as the English one is (under "format").
_EXAMPLE_MESSAGE = re.compile(r"(?:^|\.)errors\.(?:format|pattern)$")
_EMAIL = re.compile(r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b")
_PHONE = re.compile(r"(?<![\d+])(?:\+44\s?|0)\d(?:[\s-]?\d){8,9}(?!\d)")
_PLACEHOLDER = re.compile(r"\{\{([a-z]+\.[a-z]+)\}\}")


@dataclass(frozen=True)
class Council:
    """The council's own values a shared definition must not carry."""

    slug: str
    name: str
    contact_email: str | None = None
    contact_phone: str | None = None


def placeholder(name: str) -> str:
    return "{{" + name + "}}"


def share(definition: Mapping[str, Any], council: Council) -> tuple[dict[str, Any], tuple[Setting, ...]]:
    """The definition as the catalogue holds it, and the settings an importer fills in."""
    found: dict[str, list[str]] = {}
    shared = _rewrite(definition, "", council, found)
    assert isinstance(shared, dict)
    shared["publisher"] = {"id": council.slug, "name": council.name}
    shared.setdefault("licence", "OGL-3.0")
    if definition.get("fees"):
        found.setdefault(PAYMENT_ACCOUNT, [])
    found.setdefault(EMAIL_SENDER, [])
    settings = tuple(Setting(name, DESCRIPTIONS[name], tuple(pointers)) for name, pointers in sorted(found.items()))
    return shared, settings


def fill(definition: Mapping[str, Any], values: Mapping[str, str]) -> dict[str, Any]:
    """Put an importing council's values where the placeholders stand. A placeholder without a
    value is refused, so nothing reaches residents as `{{council.name}}`."""
    missing = sorted(set(placeholders(definition)) - set(values))
    if missing:
        raise ValueError(f"fill in the setting{'s' if len(missing) != 1 else ''} {', '.join(missing)}")
    result = _map_text(definition, lambda text: _PLACEHOLDER.sub(lambda match: values[match[1]], text))
    assert isinstance(result, dict)
    return result


def filled_values(shared: Any, filled: Any) -> dict[str, str]:
    """What filled the placeholders of `shared` in `filled`, read from each text that holds one
    and is still as filling left it (a text changed since tells nothing): the inverse of `fill`,
    so an upgrade fills the newer version with the values the council's copy holds, typed on
    import or not."""
    found: dict[str, str] = {}
    if isinstance(shared, str):
        if isinstance(filled, str) and _PLACEHOLDER.search(shared):
            pattern, names = _filled_pattern(shared)
            match = pattern.fullmatch(filled)
            if match:
                found = {names[group]: value for group, value in match.groupdict().items()}
    elif isinstance(shared, dict) and isinstance(filled, dict):
        for name, child in shared.items():
            if name in filled:
                found = {**filled_values(child, filled[name]), **found}
    elif isinstance(shared, list) and isinstance(filled, list):
        for child, other in zip(shared, filled, strict=False):
            found = {**filled_values(child, other), **found}
    return {name: value for name, value in found.items() if value}


def _filled_pattern(text: str) -> tuple[re.Pattern[str], dict[str, str]]:
    """`text` as a pattern, and the setting each of its groups names: its words as they are, a
    placeholder's first place a group, and a repeat of it the same value again."""
    parts: list[str] = []
    groups: dict[str, str] = {}  # setting -> group
    last = 0
    for match in _PLACEHOLDER.finditer(text):
        parts.append(re.escape(text[last:match.start()]))
        if match[1] in groups:
            parts.append(f"(?P={groups[match[1]]})")
        else:
            groups[match[1]] = f"v{len(groups)}"
            parts.append(f"(?P<{groups[match[1]]}>.+?)")
        last = match.end()
    parts.append(re.escape(text[last:]))
    return re.compile("".join(parts), re.DOTALL), {group: name for name, group in groups.items()}


def placeholders(document: Any) -> Iterator[str]:
    if isinstance(document, str):
        yield from (match[1] for match in _PLACEHOLDER.finditer(document))
    elif isinstance(document, dict):
        for value in document.values():
            yield from placeholders(value)
    elif isinstance(document, list):
        for item in document:
            yield from placeholders(item)


def _rewrite(value: Any, pointer: str, council: Council, found: dict[str, list[str]]) -> Any:
    if isinstance(value, dict):
        return {name: (child if name in _DATA_KEYS or _EXAMPLE_MESSAGE.search(name) else
                       _rewrite(child, f"{pointer}/{_escape(name)}", council, found))
                for name, child in value.items()}
    if isinstance(value, list):
        return [_rewrite(item, f"{pointer}/{index}", council, found) for index, item in enumerate(value)]
    if not isinstance(value, str):
        return value
    text = value
    replacements = [(COUNCIL_NAME, re.compile(re.escape(council.name)))]
    if council.contact_email:
        replacements.append((CONTACT_EMAIL, re.compile(re.escape(council.contact_email), re.IGNORECASE)))
    replacements += [(CONTACT_EMAIL, _EMAIL), (CONTACT_PHONE, _PHONE)]
    if council.contact_phone:
        replacements.insert(0, (CONTACT_PHONE, re.compile(re.escape(council.contact_phone))))
    for name, pattern in replacements:
        text, count = pattern.subn(placeholder(name), text)
        if count and pointer not in found.setdefault(name, []):
            found[name].append(pointer)
    return text


def _map_text(value: Any, change: Any) -> Any:
    if isinstance(value, dict):
        return {name: _map_text(child, change) for name, child in value.items()}
    if isinstance(value, list):
        return [_map_text(item, change) for item in value]
    return change(value) if isinstance(value, str) else value


def _escape(name: str) -> str:
    return name.replace("~", "~0").replace("/", "~1")
