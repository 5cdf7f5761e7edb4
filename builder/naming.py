"""Names for new things, made from the words a designer typed.

A designer never types an answer name, a page id or an option value: they are made from the
question, the page title or the option's label, kept within the format's patterns and made
unique. Once made they never change, so imported copies of a service can be upgraded.
"""

from __future__ import annotations

import re
from collections.abc import Collection

# Words that say little about what an answer is: "What is your full name?" → fullName.
# fmt: off
_FILLER = frozenset({
    "a", "about", "an", "and", "any", "anything", "are", "as", "at", "be", "by", "can", "could",
    "did", "do", "does", "for", "from", "had", "has", "have", "how", "i", "if", "in", "is", "it",
    "its", "me", "my", "of", "on", "or", "our", "please", "should", "tell", "that", "the",
    "there", "this", "to", "us", "was", "we", "were", "what", "when", "where", "which", "who",
    "why", "will", "with", "would", "you", "your",
})
# fmt: on

# The runtime's own steps: a page cannot take their names (schemas/format-1/page.json).
RESERVED_PAGE_IDS = frozenset(
    {
        "start",
        "check-answers",
        "confirmation",
        "save",
        "resume",
        "status",
        "submit",
        "pay",
        "payment",
        "files",
        "validate",
    }
)

MAX_NAME = 64


def _words(text: str) -> list[str]:
    """The words of `text`, lower-case; an apostrophe inside a word (bin's, don\u2019t) joins it."""
    joined = re.sub(r"(?<=[A-Za-z0-9])['\u2019](?=[A-Za-z])", "", text)
    return [word.lower() for word in re.findall(r"[A-Za-z0-9]+", joined)]


def _unique(base: str, taken: Collection[str], joiner: str) -> str:
    if base not in taken:
        return base
    number = 2
    while True:
        suffix = f"{joiner}{number}"
        candidate = base[: MAX_NAME - len(suffix)] + suffix
        if candidate not in taken:
            return candidate
        number += 1


def unique_name(base: str, taken: Collection[str] = ()) -> str:
    """`base`, or `base` with the first free number after it: colour, colour2, colour3."""
    return _unique(base[:MAX_NAME], taken, "")


def answer_name(text: str, taken: Collection[str] = ()) -> str:
    """An answer's name, camelCase from the question's telling words: "What is your full
    name?" → fullName; "Colour" → colour. Matches ^[a-zA-Z][a-zA-Z0-9_]*$."""
    words = [word for word in _words(text) if word not in _FILLER] or _words(text) or ["answer"]
    words = words[:3]
    name = words[0] + "".join(word.capitalize() for word in words[1:])
    if not name[0].isalpha():
        name = "a" + name
    return _unique(name[:MAX_NAME], taken, "")


def slug(
    text: str, taken: Collection[str] = (), *, fallback: str = "item", most_words: int = 6
) -> str:
    """A slug from words: "Fridge or freezer" → fridge-or-freezer. Matches the format's slug
    pattern ^[a-z][a-z0-9]*(-[a-z0-9]+)*$, at most 64 characters."""
    words = _words(text)[:most_words] or [fallback]
    value = "-".join(words)[:MAX_NAME].strip("-")
    if not value[0].isalpha():
        value = f"{fallback}-{value}"[:MAX_NAME].strip("-")
    return _unique(value, taken, "-")


def page_id(text: str, taken: Collection[str] = ()) -> str:
    """A page id from its title or question; never one of the runtime's own step names."""
    words = [word for word in _words(text) if word not in _FILLER] or _words(text)
    return slug(" ".join(words[:4]), {*taken, *RESERVED_PAGE_IDS}, fallback="page")


def option_value(label: str, taken: Collection[str] = ()) -> str:
    """An option's stored value from its label: "Fridge or freezer" → fridge-or-freezer."""
    return slug(label, taken, fallback="option")


def state_name(label: str, taken: Collection[str] = ()) -> str:
    """A workflow state's name: "Waiting for evidence" → waitingForEvidence."""
    words = _words(label)[:4] or ["state"]
    name = words[0] + "".join(word.capitalize() for word in words[1:])
    if not name[0].isalpha():
        name = "state" + name.capitalize()
    return _unique(name[:MAX_NAME], taken, "")


def event_name(description: str, taken: Collection[str] = ()) -> str:
    """An event's name from its button text: "Refuse the application" → REFUSE_APPLICATION."""
    words = [word for word in _words(description) if word not in _FILLER] or _words(description)
    name = "_".join(words[:3]).upper() or "EVENT"
    if not name[0].isalpha():
        name = "EVENT_" + name
    return _unique(name[:MAX_NAME], taken, "_")
