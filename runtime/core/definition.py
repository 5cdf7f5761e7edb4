"""The public front of definition checking: read, check the limits, the meta-schema, lint."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from runtime.core.limits import limit_problems
from runtime.core.lint import lint
from runtime.core.metaschema import check_document
from runtime.core.problems import DefinitionError, Problem
from runtime.core.reading import read_definition

# The most problems listed for one definition; the rest are counted.
MAX_PROBLEMS = 100
MORE_PROBLEMS = "more-problems"


@dataclass(frozen=True)
class Report:
    """What is wrong with a definition: its first problems in document order, and how many."""

    shown: tuple[Problem, ...]
    total: int

    @property
    def listed(self) -> list[Problem]:
        """The problems shown, then one that says how many more there are, if any."""
        more = self.total - len(self.shown)
        if not more:
            return list(self.shown)
        plural = "s" if more != 1 else ""
        return [*self.shown, Problem("", MORE_PROBLEMS, f"… and {more:,} more problem{plural}")]


def report(document: dict[str, Any], most: int = MAX_PROBLEMS) -> Report:
    """The limits first, then the meta-schema, and lint only once both pass.

    A definition over the format's limits is not checked further, so the deep checks never
    see one bigger than the limits allow.
    """
    found = limit_problems(document) or check_document(document) or lint(document)
    return Report(tuple(found[:most]), len(found))


def problems(document: dict[str, Any]) -> list[Problem]:
    """The problems of a parsed definition, at most MAX_PROBLEMS and a count of the rest."""
    return report(document).listed


def load(data: bytes | str) -> dict[str, Any]:
    """Read and check a definition, raising DefinitionError with its problems when it fails."""
    document = read_definition(data)
    found = report(document)
    if found.total:
        raise DefinitionError(
            "invalid-definition",
            f"the definition has {found.total:,} problem{'s' if found.total != 1 else ''}",
            tuple(found.listed),
        )
    return document
