"""The palette of questions a designer can add, and how each is written in a definition.

Each kind makes the answer's schema (what the answer may be) and the page's field entries
(how it is asked). Everything else (lengths, ranges, patterns, error messages) is set when
the question is edited; until then the runtime's default error messages apply, in English
and Welsh.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from builder.patch import copy_json
from runtime.core.schema_paths import infer_widget, item_options, options, primary_type

Schema = dict[str, Any]
Field = dict[str, Any]


@dataclass(frozen=True)
class Option:
    """One choice of a one-of, several-of or select question: the value kept, the label shown."""

    value: str
    label: str

    def as_schema(self) -> dict[str, str]:
        return {"const": self.value, "title": self.label}


@dataclass(frozen=True)
class Kind:
    """A kind of question: its name, what designers see, and how it is written."""

    name: str
    title: str
    build: Callable[[str, str, Sequence[Option]], tuple[Schema, list[Field]]]
    needs_options: bool = False


def _single(
    schema: Schema, **field: Any
) -> Callable[[str, str, Sequence[Option]], tuple[Schema, list[Field]]]:
    def build(answer: str, label: str, choices: Sequence[Option]) -> tuple[Schema, list[Field]]:
        return copy_json(schema), [copy_json({"answer": answer, "label": label, **field})]

    return build


def _choice(widget: str) -> Callable[[str, str, Sequence[Option]], tuple[Schema, list[Field]]]:
    def build(answer: str, label: str, choices: Sequence[Option]) -> tuple[Schema, list[Field]]:
        schema = {"type": "string", "oneOf": [choice.as_schema() for choice in choices]}
        return schema, [{"answer": answer, "label": label, "widget": widget}]

    return build


def _several(answer: str, label: str, choices: Sequence[Option]) -> tuple[Schema, list[Field]]:
    schema = {
        "type": "array",
        "uniqueItems": True,
        "items": {"oneOf": [choice.as_schema() for choice in choices]},
    }
    return schema, [
        {"answer": answer, "label": label, "widget": "checkboxes", "hint": "Select all that apply."}
    ]


ADDRESS_LINES = (
    (
        "line1",
        "Address line 1",
        {"type": "string", "maxLength": 100},
        {"autocomplete": "address-line1"},
    ),
    (
        "line2",
        "Address line 2",
        {"type": "string", "maxLength": 100},
        {"autocomplete": "address-line2"},
    ),
    (
        "town",
        "Town or city",
        {"type": "string", "maxLength": 60},
        {"autocomplete": "address-level2", "width": "two-thirds"},
    ),
    (
        "postcode",
        "Postcode",
        {"type": "string", "format": "uk-postcode"},
        {"autocomplete": "postal-code", "width": 10},
    ),
)


def _address(answer: str, label: str, choices: Sequence[Option]) -> tuple[Schema, list[Field]]:
    """A UK address: four fields; the question's label becomes the page's title."""
    schema = {
        "type": "object",
        "properties": {name: dict(line) for name, _, line, _ in ADDRESS_LINES},
        "required": ["line1", "town", "postcode"],
    }
    fields = [
        {"answer": f"{answer}/{name}", "label": words, **extra}
        for name, words, _, extra in ADDRESS_LINES
    ]
    return schema, fields


KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in (
        Kind("text", "Short text", _single({"type": "string", "maxLength": 100})),
        Kind(
            "long-text",
            "Long text",
            _single({"type": "string", "maxLength": 500}, widget="textarea", rows=5),
        ),
        Kind("number", "Whole number", _single({"type": "integer"}, widget="number", width=5)),
        Kind(
            "money",
            "Amount of money",
            _single({"type": "integer", "minimum": 0}, widget="money", width=10),
        ),
        Kind(
            "date",
            "Date",
            _single(
                {"type": "string", "format": "date"}, widget="date", hint="For example, 27 3 2026"
            ),
        ),
        Kind(
            "email",
            "Email address",
            _single(
                {"type": "string", "format": "email", "maxLength": 254},
                widget="email",
                autocomplete="email",
                spellcheck=False,
            ),
        ),
        Kind(
            "phone",
            "UK telephone number",
            _single(
                {"type": "string", "format": "uk-phone", "maxLength": 20},
                widget="tel",
                autocomplete="tel",
                width=20,
            ),
        ),
        Kind(
            "postcode",
            "Postcode",
            _single(
                {"type": "string", "format": "uk-postcode"},
                widget="postcode",
                autocomplete="postal-code",
                width=10,
            ),
        ),
        Kind("address", "UK address", _address),
        Kind("yes-no", "Yes or no", _single({"type": "boolean"}, widget="yes-no", inline=True)),
        Kind("one-of", "One of several options", _choice("radios"), needs_options=True),
        Kind("select", "One option from a long list", _choice("select"), needs_options=True),
        Kind("several-of", "Any of several options", _several, needs_options=True),
        Kind(
            "file",
            "File upload",
            _single(
                {"type": "string", "format": "file"},
                widget="file",
                accept=["image/jpeg", "image/png", "application/pdf"],
                maxBytes=10485760,
            ),
        ),
        Kind(
            "declaration",
            "A box to tick to agree",
            _single({"type": "boolean", "const": True}, widget="declaration"),
        ),
    )
}


def kind_of(schema: Schema, field: Field | None = None) -> str:
    """The kind of an existing question, from its answer's schema and its field."""
    if primary_type(schema) == "object":
        return (
            "address" if set(schema.get("properties") or {}) >= {"line1", "postcode"} else "group"
        )
    widget = (field or {}).get("widget") or infer_widget(schema)
    by_widget = {
        "textarea": "long-text",
        "money": "money",
        "date": "date",
        "email": "email",
        "tel": "phone",
        "postcode": "postcode",
        "yes-no": "yes-no",
        "select": "select",
        "checkboxes": "several-of",
        "file": "file",
        "declaration": "declaration",
        "number": "number",
    }
    if widget == "radios":
        return "yes-no" if primary_type(schema) == "boolean" and not options(schema) else "one-of"
    return by_widget.get(widget, "text")


def option_list(schema: Schema) -> list[dict[str, Any]] | None:
    """The live list of a question's labelled options (`oneOf`/`anyOf`, or on its items)."""
    for holder in (schema, schema.get("items")):
        if not isinstance(holder, dict):
            continue
        for keyword in ("oneOf", "anyOf"):
            branches = holder.get(keyword)
            if (
                isinstance(branches, list)
                and options(holder)
                and not isinstance(holder.get("enum"), list)
            ):
                return branches
    return None


def has_options(schema: Schema) -> bool:
    return bool(options(schema) or item_options(schema))
