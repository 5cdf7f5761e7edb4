"""A definition compiled once: pages, fields, validators, strings. Cached by content hash."""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass, field
from typing import Any

from jsonschema import Draft202012Validator

from runtime.core.conditions import Condition
from runtime.core.keywords import answers_validator
from runtime.core.schema_paths import (
    infer_widget,
    item_options,
    options,
    primary_type,
    required_pointers,
    subschema_at,
)
from runtime.core.strings import field_name

Answers = dict[str, Any]


def canonical_json(document: Any) -> bytes:
    """The one byte form of a document: sorted keys, no spaces, UTF-8."""
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(
        "utf-8"
    )


def content_hash(document: Any) -> str:
    return hashlib.sha256(canonical_json(document)).hexdigest()


@dataclass(frozen=True)
class Field:
    """One question: where its answer lives, how it is asked, what it accepts."""

    pointer: str  # absolute for question pages; relative to the item on add-another pages
    name: str  # dotted: address.postcode — the form field name and translation key stem
    key: str  # translation key stem: the dotted path from the answers root
    widget: str
    schema: dict[str, Any]
    spec: dict[str, Any]
    options: tuple[tuple[Any, str], ...]
    required: bool
    revealed_by: tuple[str, str] | None = None  # (field name, option value)

    @property
    def html_id(self) -> str:
        return self.name.replace(".", "-")

    @property
    def label(self) -> str:
        return str(self.spec["label"])


@dataclass(frozen=True)
class Page:
    id: str
    kind: str  # question | add-another | content
    spec: dict[str, Any]
    fields: tuple[Field, ...]
    when: Condition | None
    answer: str | None = None  # the list an add-another page fills
    item_validator: Draft202012Validator | None = None
    min_items: int = 0
    max_items: int | None = None

    @property
    def stop(self) -> bool:
        return bool(self.spec.get("stop"))

    @property
    def title(self) -> str | None:
        title = self.spec.get("title")
        return str(title) if title else None

    def field(self, name: str) -> Field | None:
        return next((f for f in self.fields if f.name == name), None)


@dataclass(frozen=True)
class FeeLine:
    id: str
    spec: dict[str, Any]
    when: Condition | None


@dataclass(frozen=True)
class Service:
    document: dict[str, Any]
    hash: str
    pages: tuple[Page, ...]
    validator: Draft202012Validator
    fee_lines: tuple[FeeLine, ...]
    _pages_by_id: dict[str, Page] = field(repr=False, default_factory=dict)

    @property
    def id(self) -> str:
        return str(self.document["id"])

    @property
    def version(self) -> str:
        return str(self.document["version"])

    @property
    def languages(self) -> list[str]:
        return list(self.document.get("languages", ["en"]))

    @property
    def workflow(self) -> dict[str, Any]:
        workflow: dict[str, Any] = self.document["workflow"]
        return workflow

    def page(self, page_id: str) -> Page | None:
        return self._pages_by_id.get(page_id)

    def text(self, key: str, english: str, language: str) -> str:
        """A resident-facing string in `language`, falling back to the definition's English."""
        if language != "en":
            table: dict[str, str] = self.document.get("translations", {}).get(language, {})
            return table.get(key, english)
        return english


# Compiled services by content hash. Bounded: drafts and previews compile a new version at
# every change, so an unbounded cache would grow for as long as the process lives. A service
# pushed out is compiled again the next time it is asked for.
CACHE_SIZE = 256
_cache: dict[str, Service] = {}
_lock = threading.Lock()


def compile_service(document: dict[str, Any], digest: str | None = None) -> Service:
    """Compile a checked definition, once per distinct content.

    Pass the stored `digest` when the document's hash is already known, so a request costs
    one dictionary lookup and no hashing.
    """
    digest = digest or content_hash(document)
    cached = _cache.get(digest)
    if cached is not None:
        return cached
    service = _compile(document, digest)
    with _lock:
        while len(_cache) >= CACHE_SIZE:
            _cache.pop(next(iter(_cache)))  # the oldest entry
        return _cache.setdefault(digest, service)


def _compile(document: dict[str, Any], digest: str) -> Service:
    answers = document["answers"]
    pages = tuple(_compile_page(answers, spec) for spec in document["pages"])
    fees = tuple(
        FeeLine(line["id"], line, Condition(line["when"]) if "when" in line else None)
        for line in document.get("fees", {}).get("lines", [])
    )
    return Service(
        document=document,
        hash=digest,
        pages=pages,
        validator=answers_validator(answers),
        fee_lines=fees,
        _pages_by_id={page.id: page for page in pages},
    )


def _compile_page(answers: dict[str, Any], spec: dict[str, Any]) -> Page:
    kind = spec.get("type", "question")
    when = Condition(spec["when"]) if "when" in spec else None
    if kind == "content":
        return Page(spec["id"], kind, spec, (), when)
    if kind == "add-another":
        list_schema = subschema_at(answers, spec["answer"]) or {}
        item_schema = list_schema.get("items", {})
        fields = _compile_fields(item_schema, spec["fields"], key_prefix=spec["answer"])
        return Page(
            spec["id"],
            kind,
            spec,
            fields,
            when,
            answer=spec["answer"],
            item_validator=answers_validator(item_schema),
            min_items=int(list_schema.get("minItems", 0)),
            max_items=list_schema.get("maxItems"),
        )
    return Page(spec["id"], kind, spec, _compile_fields(answers, spec["fields"]), when)


def _compile_fields(
    root: dict[str, Any], specs: list[dict[str, Any]], key_prefix: str = ""
) -> tuple[Field, ...]:
    can_be_required = set(required_pointers(root))
    revealed: dict[str, tuple[str, str]] = {}
    for spec in specs:
        for value, targets in spec.get("reveals", {}).items():
            for target in targets:
                revealed[target] = (field_name(spec["answer"]), value)
    fields = []
    for spec in specs:
        pointer = spec["answer"]
        schema = subschema_at(root, pointer) or {}
        widget = spec.get("widget") or infer_widget(schema)
        choices = options(schema) or item_options(schema)
        if widget == "yes-no" or (
            widget == "radios" and primary_type(schema) == "boolean" and not choices
        ):
            choices = [(True, "Yes"), (False, "No")]
        fields.append(
            Field(
                pointer=pointer,
                name=field_name(pointer),
                key=field_name(key_prefix + pointer),
                widget=widget,
                schema=schema,
                spec=spec,
                options=tuple(choices),
                required=pointer in can_be_required,
                revealed_by=revealed.get(pointer),
            )
        )
    return tuple(fields)
