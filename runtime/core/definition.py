"""The public front of definition checking: read, check against the meta-schema, lint."""

from __future__ import annotations

from typing import Any

from runtime.core.lint import lint
from runtime.core.metaschema import check_document
from runtime.core.problems import DefinitionError, Problem
from runtime.core.reading import read_definition


def problems(document: dict[str, Any]) -> list[Problem]:
    """All problems of a parsed definition: meta-schema first; lint only once that passes."""
    found = check_document(document)
    if found:
        return found
    return lint(document)


def load(data: bytes | str) -> dict[str, Any]:
    """Read and check a definition, raising DefinitionError with every problem when it fails."""
    document = read_definition(data)
    found = problems(document)
    if found:
        raise DefinitionError(
            "invalid-definition",
            f"the definition has {len(found)} problem{'s' if len(found) != 1 else ''}",
            tuple(found),
        )
    return document
