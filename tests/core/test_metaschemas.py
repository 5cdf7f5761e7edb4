"""The meta-schemas are themselves valid JSON Schema 2020-12, and resolve without a network."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from runtime.core.metaschema import BASE_URI, CURRENT_FORMAT, registry, schema_files

FILES = schema_files()


def test_there_is_one_file_per_concept() -> None:
    names = {path.name for path in FILES}
    assert {"definition.json", "answers.json", "page.json", "field.json", "fees.json", "workflow.json", "translations.json", "content.json", "common.json"} <= names


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_each_meta_schema_is_valid_2020_12_with_its_own_id(path: Path) -> None:
    schema = json.loads(path.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == BASE_URI.format(format=CURRENT_FORMAT) + path.name


def test_every_reference_resolves_inside_the_registry() -> None:
    resolver = registry().resolver()
    for path in FILES:
        text = path.read_text(encoding="utf-8")
        for ref in {part.split('"')[0] for part in text.split('"$ref": "')[1:]}:
            base = BASE_URI.format(format=CURRENT_FORMAT) + path.name
            target = ref if ref.startswith("#") is False and ref.startswith("http") else None
            uri = target or (base + ref if ref.startswith("#") else BASE_URI.format(format=CURRENT_FORMAT) + ref)
            assert resolver.lookup(uri).contents is not None, f"{path.name}: {ref}"
