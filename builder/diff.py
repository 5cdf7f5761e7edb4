"""What changed between two versions of a service, said in words and as a JSON Patch, and the
version number the change deserves.

The comparison is structural: pages are matched by id, questions by their answer path,
options by value, fee lines by id, workflow states by name (events by name within them),
translations by key. Each difference says what happened in a designer's words ("Page 'Tell
us about the item': hint of 'Describe the item' changed from '…' to '…'") and how much it
matters to whoever receives the answers:

- **major**: an answer removed or newly required, an option removed, an answer's type
  changed, a workflow state removed: systems reading the answers or the states must change;
- **minor**: something new that is optional (a question, a page, an option, a state, a fee),
  a condition, a rule, a limit or a price changed;
- **patch**: wording only (titles, labels, hints, messages, Welsh, the order of options).

`propose_version(old, new, current)` bumps `current` by the largest of them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from builder.amounts import pounds
from builder.change import Refused
from builder.conditions import describe
from builder.keyed_patch import make_patch, same
from builder.locations import asked, page_name, page_of, question_label
from builder.patch import Patch
from builder.requirements import is_required
from runtime.core.schema_paths import options, primary_type
from runtime.core.strings import resident_strings

Definition = dict[str, Any]

IMPACTS = ("patch", "minor", "major")


@dataclass(frozen=True)
class Difference:
    """One change between two versions: what it concerns, in words, and how much it matters.

    `subject` is service, page, question, answer, option, fee, state, event, timer or
    translation; `action` is added, removed, changed or moved; `page`, `answer` and `key` (an
    option's value, a fee line's id, a state's name, a translation's key) locate it.
    """

    subject: str
    action: str
    words: str
    impact: str
    page: str | None = None
    answer: str | None = None
    key: str | None = None


@dataclass(frozen=True)
class Diff:
    """The differences, in the order a designer reads a service, and the patch old → new."""

    differences: tuple[Difference, ...]
    patch: Patch

    @property
    def words(self) -> list[str]:
        return [difference.words for difference in self.differences]

    @property
    def impact(self) -> str | None:
        """The largest impact of any difference (None when nothing changed)."""
        found = [IMPACTS.index(d.impact) for d in self.differences]
        return IMPACTS[max(found)] if found else None


def diff(old: Definition, new: Definition) -> Diff:
    """The structural differences between two definitions, and the JSON Patch old → new."""
    differences = [
        *_service(old, new),
        *_pages(old, new),
        *_questions(old, new),
        *_answers(old, new),
        *_fees(old, new),
        *_workflow(old, new),
        *_translations(old, new),
    ]
    return Diff(tuple(differences), make_patch(old, new))


def propose_version(old: Definition, new: Definition, current_version: str) -> tuple[str, str]:
    """The next semantic version after `current_version` for the change old → new, and why:
    major for removed or newly required answers, minor for new optional things and other
    changes of behaviour, patch for wording only."""
    found = diff(old, new)
    impact = found.impact
    major, minor, patch = (int(part) for part in current_version.split("."))
    if impact is None:
        return current_version, "nothing has changed"
    if impact == "major":
        version = f"{major + 1}.0.0"
    elif impact == "minor":
        version = f"{major}.{minor + 1}.0"
    else:
        version = f"{major}.{minor}.{patch + 1}"
    deciding = [d.words for d in found.differences if d.impact == impact]
    more = len(deciding) - 1
    because = deciding[0] + (
        f" (and {more} more change{'s' if more != 1 else ''} like it)" if more else ""
    )
    label = {"major": "A major version", "minor": "A minor version", "patch": "A patch"}[impact]
    return version, f"{label}: {because}"


# Quoting what people see.


def _quote(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "yes" if value else "no"
    text = str(value).replace("\n", " ")
    return f"'{text if len(text) <= 200 else text[:199] + '…'}'"


def _changed(what: str, old: Any, new: Any) -> str:
    if old is None:
        return f"{what} set to {_quote(new)}"
    if new is None:
        return f"{what} {_quote(old)} removed"
    return f"{what} changed from {_quote(old)} to {_quote(new)}"


# The service.

_SERVICE_TEXT = {"title": "name", "summary": "summary"}
_SERVICE_OTHER = {
    "lgsl": "LGSL code",
    "tags": "tags",
    "licence": "licence",
    "publisher": "publisher",
    "provenance": "provenance",
    "id": "id",
}
_FIXED_PAGES = (
    ("start", "start page", ("content", "before")),
    ("declaration", "declaration", ("title", "content", "confirm")),
    ("confirmation", "confirmation page", ("title", "next")),
)


def _service(old: Definition, new: Definition) -> Iterator[Difference]:
    for key, words in _SERVICE_TEXT.items():
        if old.get(key) != new.get(key):
            yield Difference(
                "service",
                "changed",
                "Service " + _changed(words, old.get(key), new.get(key)),
                "patch",
                key=key,
            )
    for key, words in _SERVICE_OTHER.items():
        if not same(old.get(key), new.get(key)):
            yield Difference("service", "changed", f"Service {words} changed", "patch", key=key)
    before, after = old.get("languages", ["en"]), new.get("languages", ["en"])
    if before != after:
        said = "now offered in Welsh" if "cy" in after else "no longer offered in Welsh"
        yield Difference("service", "changed", f"Service {said}", "minor", key="languages")
    for key, words, texts in _FIXED_PAGES:
        was, now = old.get(key), new.get(key)
        if was is None and now is None:
            continue
        if was is None or now is None:
            action = "added" if was is None else "removed"
            yield Difference("service", action, f"{words.capitalize()} {action}", "minor", key=key)
            continue
        for text in texts:
            if was.get(text) != now.get(text):
                yield Difference(
                    "service",
                    "changed",
                    f"{words.capitalize()}: " + _changed(text, was.get(text), now.get(text)),
                    "patch",
                    key=key,
                )


# Pages.

_PAGE_TEXT = {
    "title": "title",
    "content": "content",
    "itemTitle": "item name",
    "addAnother": "add-another question",
}


def _pages(old: Definition, new: Definition) -> Iterator[Difference]:
    before = {page["id"]: page for page in old.get("pages", [])}
    after = {page["id"]: page for page in new.get("pages", [])}
    for page_id, page in before.items():
        if page_id not in after:
            yield Difference(
                "page", "removed", f"Page '{page_name(page)}' removed", "minor", page=page_id
            )
    moved = _moved([p for p in before if p in after], [p for p in after if p in before])
    for page_id, page in after.items():
        name = page_name(page)
        if page_id not in before:
            yield Difference("page", "added", f"Page '{name}' added", "minor", page=page_id)
            continue
        was = before[page_id]
        if page_id in moved:
            yield Difference("page", "moved", f"Page '{name}' moved", "minor", page=page_id)
        for key, words in _PAGE_TEXT.items():
            if was.get(key) != page.get(key):
                yield Difference(
                    "page",
                    "changed",
                    f"Page '{name}': " + _changed(words, was.get(key), page.get(key)),
                    "patch",
                    page=page_id,
                )
        if not same(was.get("when"), page.get("when")):
            said = [
                describe(when, definition) if when is not None else None
                for when, definition in ((was.get("when"), old), (page.get("when"), new))
            ]
            yield Difference(
                "page",
                "changed",
                f"Page '{name}': " + _changed("condition", said[0], said[1]),
                "minor",
                page=page_id,
            )
        if bool(was.get("stop")) != bool(page.get("stop")) or was.get("type") != page.get("type"):
            kind = (
                "an exit page"
                if page.get("stop")
                else ("a content page" if page.get("type") == "content" else "a question page")
            )
            yield Difference(
                "page", "changed", f"Page '{name}' is now {kind}", "minor", page=page_id
            )


def _moved(before: list[str], after: list[str]) -> set[str]:
    """The items that moved, as the patch moves them: each put in its new place in turn."""
    current = list(before)
    moved = set()
    for index, item in enumerate(after):
        if current[index] != item:
            moved.add(item)
            current.insert(index, current.pop(current.index(item)))
    return moved


# Questions (fields) and their answers.

_FIELD_TEXT = {
    "label": "question",
    "hint": "hint",
    "errorName": "name in error messages",
    "prefix": "prefix",
    "suffix": "suffix",
}
_FIELD_OTHER = {
    "widget": "how it is asked",
    "width": "width",
    "rows": "rows",
    "inline": "layout",
    "autocomplete": "autocomplete",
    "spellcheck": "spellcheck",
    "accept": "file types",
    "maxBytes": "largest file",
    "reveals": "revealed questions",
}


def _questions(old: Definition, new: Definition) -> Iterator[Difference]:
    before = {found.path: found for found in asked(old)}
    after = {found.path: found for found in asked(new)}
    for path, found in before.items():
        if path not in after:
            yield Difference(
                "question",
                "removed",
                f"Question '{found.field.get('label')}' removed from page '{page_name(found.page)}'",
                "major",
                page=found.page.get("id"),
                answer=path,
            )
    for path, found in after.items():
        label, page, page_id = found.field.get("label"), page_name(found.page), found.page.get("id")
        if path not in before:
            required = _required_on(new, found.page, path)
            yield Difference(
                "question",
                "added",
                f"{'Required question' if required else 'Question'} '{label}' added to page '{page}'",
                "major" if required else "minor",
                page=page_id,
                answer=path,
            )
            continue
        was = before[path]
        if was.page.get("id") != page_id:
            yield Difference(
                "question",
                "moved",
                f"Question '{label}' moved from page '{page_name(was.page)}' to page '{page}'",
                "minor",
                page=page_id,
                answer=path,
            )
        for key, words in _FIELD_TEXT.items():
            if was.field.get(key) != found.field.get(key):
                subject = (
                    f"'{was.field.get('label')}'" if key == "label" else f"{words} of '{label}'"
                )
                said = _changed(
                    words if key == "label" else subject, was.field.get(key), found.field.get(key)
                )
                yield Difference(
                    "question",
                    "changed",
                    f"Page '{page}': {said}",
                    "patch",
                    page=page_id,
                    answer=path,
                    key=key,
                )
        for kind, words in (("errors", "error message"), ("optionHints", "hint of option")):
            was_texts, now_texts = was.field.get(kind) or {}, found.field.get(kind) or {}
            for rule in dict.fromkeys([*was_texts, *now_texts]):
                if was_texts.get(rule) != now_texts.get(rule):
                    said = _changed(
                        f"{words} {rule} of '{label}'", was_texts.get(rule), now_texts.get(rule)
                    )
                    yield Difference(
                        "question",
                        "changed",
                        f"Page '{page}': {said}",
                        "patch",
                        page=page_id,
                        answer=path,
                        key=f"{kind}.{rule}",
                    )
        for key, words in _FIELD_OTHER.items():
            if not same(was.field.get(key), found.field.get(key)):
                yield Difference(
                    "question",
                    "changed",
                    f"Page '{page}': {words} of '{label}' changed",
                    "minor",
                    page=page_id,
                    answer=path,
                    key=key,
                )


_LIMITS = {
    "minLength": "shortest length",
    "maxLength": "longest length",
    "pattern": "pattern",
    "format": "format",
    "minimum": "smallest value",
    "maximum": "largest value",
    "exclusiveMinimum": "smallest value",
    "exclusiveMaximum": "largest value",
    "multipleOf": "multiple",
    "formatMinimum": "earliest date",
    "formatMaximum": "latest date",
    "minItems": "fewest choices",
    "maxItems": "most choices",
    "uniqueItems": "unique choices",
    "const": "fixed value",
    "enum": "allowed values",
}


def _answer_paths(schema: Any, prefix: str = "") -> dict[str, dict[str, Any]]:
    """Every declared answer, list items unindexed, with its schema."""
    found: dict[str, dict[str, Any]] = {}
    if not isinstance(schema, dict):
        return found
    for name, sub in (schema.get("properties") or {}).items():
        if not isinstance(sub, dict):
            continue
        path = f"{prefix}/{name}"
        found[path] = sub
        found.update(_answer_paths(sub, path))
        if primary_type(sub) == "array":
            found.update(_answer_paths(sub.get("items"), path))
    return found


def _answer_label(definition: Definition, path: str) -> str:
    for found in asked(definition):
        if found.path == path:
            return str(found.field.get("label"))
    page = page_of(definition, path)
    if page is not None and page.get("answer") == path:
        return str(page.get("itemTitle") or page_name(page))
    if page is not None and page.get("title"):
        return str(page["title"])
    return question_label(definition, path)


def _answers(old: Definition, new: Definition) -> Iterator[Difference]:
    before, after = _answer_paths(old.get("answers")), _answer_paths(new.get("answers"))
    asked_before = {found.path for found in asked(old)}
    asked_after = {found.path for found in asked(new)}
    for path in before:
        if path not in after and path not in asked_before:
            yield Difference(
                "answer",
                "removed",
                f"Answer '{_answer_label(old, path)}' removed",
                "major",
                answer=path,
            )
    requirement_changed = False
    for path, schema in after.items():
        label = _answer_label(new, path)
        if path not in before:
            if path not in asked_after and path not in {
                p for p in asked_after if p.startswith(path + "/")
            }:
                yield Difference("answer", "added", f"Answer '{label}' added", "minor", answer=path)
            continue
        was = before[path]
        if primary_type(was) != primary_type(schema):
            yield Difference(
                "answer",
                "changed",
                f"Answer '{label}' changed from {primary_type(was)} to {primary_type(schema)}",
                "major",
                answer=path,
            )
        was_required, now_required = _required(old, path), _required(new, path)
        if was_required != now_required:
            requirement_changed = True
            if now_required:
                yield Difference(
                    "answer", "changed", f"Question '{label}' is now required", "major", answer=path
                )
            else:
                yield Difference(
                    "answer", "changed", f"Question '{label}' is now optional", "minor", answer=path
                )
        yield from _options(path, label, was, schema)
        for key, words in _LIMITS.items():
            if not same(was.get(key), schema.get(key)):
                said = _changed(f"{words} of '{label}'", was.get(key), schema.get(key))
                yield Difference(
                    "answer", "changed", said[0].upper() + said[1:], "minor", answer=path, key=key
                )
    rules = ("allOf", "if", "then", "else", "dependentRequired", "dependentSchemas")
    old_rules = {key: (old.get("answers") or {}).get(key) for key in rules}
    new_rules = {key: (new.get("answers") or {}).get(key) for key in rules}
    if not requirement_changed and not same(old_rules, new_rules):
        yield Difference(
            "answer", "changed", "The rules for when answers are required changed", "minor"
        )


def _required(definition: Definition, path: str) -> bool:
    page = page_of(definition, path)
    return False if page is None else _required_on(definition, page, path)


def _required_on(definition: Definition, page: dict[str, Any], path: str) -> bool:
    try:
        return is_required(definition, page, path)
    except Refused:  # an answer no object declares (a broken page's, say): required by nothing
        return False


def _options(
    path: str, label: str, was: dict[str, Any], now: dict[str, Any]
) -> Iterator[Difference]:
    def labelled(schema: dict[str, Any]) -> list[tuple[Any, str]]:
        items = schema.get("items")
        return options(schema) or (options(items) if isinstance(items, dict) else [])

    before, after = labelled(was), labelled(now)
    old_titles = {str(value): title for value, title in before}
    new_titles = {str(value): title for value, title in after}
    for value, title in old_titles.items():
        if value not in new_titles:
            yield Difference(
                "option",
                "removed",
                f"Option '{title}' removed from '{label}'",
                "major",
                answer=path,
                key=value,
            )
    for value, title in new_titles.items():
        if value not in old_titles:
            yield Difference(
                "option",
                "added",
                f"Option '{title}' added to '{label}'",
                "minor",
                answer=path,
                key=value,
            )
        elif old_titles[value] != title:
            yield Difference(
                "option",
                "changed",
                f"Option '{old_titles[value]}' of '{label}' renamed '{title}'",
                "patch",
                answer=path,
                key=value,
            )
    common_before = [v for v in old_titles if v in new_titles]
    common_after = [v for v in new_titles if v in old_titles]
    if common_before != common_after:
        yield Difference("option", "moved", f"Options of '{label}' reordered", "patch", answer=path)


# Fees.


def _fee_words(definition: Definition, line: dict[str, Any]) -> str:
    if "amountFrom" in line:
        return f"the amount given in '{question_label(definition, line['amountFrom'])}'"
    amount = pounds(int(line.get("amount", 0)))
    if "multiplier" in line:
        amount += f" for each of '{question_label(definition, line['multiplier'])}'"
    return amount


def _fees(old: Definition, new: Definition) -> Iterator[Difference]:
    before = {line["id"]: line for line in (old.get("fees") or {}).get("lines", [])}
    after = {line["id"]: line for line in (new.get("fees") or {}).get("lines", [])}
    for line_id, line in before.items():
        if line_id not in after:
            yield Difference(
                "fee", "removed", f"Fee '{line['description']}' removed", "minor", key=line_id
            )
    for line_id, line in after.items():
        name = line["description"]
        if line_id not in before:
            yield Difference(
                "fee", "added", f"Fee '{name}' added: {_fee_words(new, line)}", "minor", key=line_id
            )
            continue
        was = before[line_id]
        if was["description"] != name:
            yield Difference(
                "fee",
                "changed",
                f"Fee '{was['description']}' renamed '{name}'",
                "patch",
                key=line_id,
            )
        if _fee_words(old, was) != _fee_words(new, line):
            yield Difference(
                "fee",
                "changed",
                f"Fee '{name}': amount changed from {_fee_words(old, was)} to {_fee_words(new, line)}",
                "minor",
                key=line_id,
            )
        if not same(was.get("when"), line.get("when")):
            said = [
                describe(when, definition) if when is not None else None
                for when, definition in ((was.get("when"), old), (line.get("when"), new))
            ]
            yield Difference(
                "fee",
                "changed",
                f"Fee '{name}': " + _changed("condition", said[0], said[1]),
                "minor",
                key=line_id,
            )


# The workflow.

_META = {
    "label": ("label", "patch"),
    "residentText": ("resident text", "patch"),
    "tag": ("tag colour", "patch"),
    "notify": ("notification", "minor"),
    "targetDays": ("target days", "minor"),
}


def _workflow(old: Definition, new: Definition) -> Iterator[Difference]:
    was_flow, now_flow = old.get("workflow") or {}, new.get("workflow") or {}
    before, after = was_flow.get("states") or {}, now_flow.get("states") or {}

    def label(states: dict[str, Any], name: str) -> str:
        return str((states.get(name) or {}).get("meta", {}).get("label", name))

    if was_flow.get("initial") != now_flow.get("initial"):
        yield Difference(
            "state",
            "changed",
            f"Applications now start in '{label(after, now_flow.get('initial', ''))}'",
            "minor",
            key=now_flow.get("initial"),
        )
    for name in before:
        if name not in after:
            yield Difference(
                "state", "removed", f"State '{label(before, name)}' removed", "major", key=name
            )
    for name, state in after.items():
        if name not in before:
            yield Difference(
                "state", "added", f"State '{label(after, name)}' added", "minor", key=name
            )
            continue
        was = before[name]
        shown = label(after, name)
        for key, (words, impact) in _META.items():
            if was.get("meta", {}).get(key) != state.get("meta", {}).get(key):
                said = _changed(words, was.get("meta", {}).get(key), state.get("meta", {}).get(key))
                yield Difference("state", "changed", f"State '{shown}': {said}", impact, key=name)
        if was.get("type") != state.get("type"):
            yield Difference(
                "state",
                "changed",
                f"State '{shown}' is {'now' if state.get('type') == 'final' else 'no longer'} final",
                "minor",
                key=name,
            )
        for kind, subject in (("on", "event"), ("after", "timer")):
            old_moves, new_moves = was.get(kind) or {}, state.get(kind) or {}
            for move in dict.fromkeys([*old_moves, *new_moves]):
                said_move = move if kind == "on" else f"after {int(move) // 86_400_000} days"
                if move not in new_moves:
                    yield Difference(
                        subject,
                        "removed",
                        f"State '{shown}': {subject} {said_move} removed",
                        "minor",
                        key=f"{name}.{move}",
                    )
                elif move not in old_moves:
                    target = label(after, new_moves[move].get("target", ""))
                    yield Difference(
                        subject,
                        "added",
                        f"State '{shown}': {subject} {said_move} to '{target}' added",
                        "minor",
                        key=f"{name}.{move}",
                    )
                elif not same(old_moves[move], new_moves[move]):
                    only_words = {
                        k: v for k, v in old_moves[move].items() if k != "description"
                    } == {k: v for k, v in new_moves[move].items() if k != "description"}
                    yield Difference(
                        subject,
                        "changed",
                        f"State '{shown}': {subject} {said_move} changed",
                        "patch" if only_words else "minor",
                        key=f"{name}.{move}",
                    )


# Translations.


def _translations(old: Definition, new: Definition) -> Iterator[Difference]:
    before, after = old.get("translations") or {}, new.get("translations") or {}
    for language in dict.fromkeys([*before, *after]):
        was, now = before.get(language) or {}, after.get(language) or {}
        name = {"cy": "Welsh"}.get(language, language)
        for key in dict.fromkeys([*was, *now]):
            if was.get(key) != now.get(key):
                said = _changed("", was.get(key), now.get(key)).strip()
                yield Difference(
                    "translation", "changed", f"{name} of {key}: {said}", "patch", key=key
                )


def pages_of(differences: tuple[Difference, ...]) -> dict[str, list[Difference]]:
    """The differences by the page they concern (for showing them in place)."""
    grouped: dict[str, list[Difference]] = {}
    for difference in differences:
        if difference.page is not None:
            grouped.setdefault(difference.page, []).append(difference)
    return grouped


def english_changed(old: Definition, new: Definition, language: str = "cy") -> list[str]:
    """Keys whose English changed from `old` to `new` while their translation stayed the same:
    the strings to show as "English changed since it was translated"."""
    before = {text.key: text.text for text in resident_strings(old)}
    was = (old.get("translations") or {}).get(language) or {}
    now = (new.get("translations") or {}).get(language) or {}
    return [
        text.key
        for text in resident_strings(new)
        if text.key in before
        and before[text.key] != text.text
        and text.key in now
        and was.get(text.key) == now[text.key]
    ]
