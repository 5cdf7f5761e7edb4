"""Each definition in tests/core/broken/ breaks one rule and must be refused with exactly the
problems pinned in expected.json: the pointer that locates it and the words that explain it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from runtime.core.definition import problems
from runtime.core.reading import read_definition

BROKEN = Path(__file__).parent / "broken"
EXPECTED: dict[str, list[str]] = json.loads((BROKEN / "expected.json").read_text(encoding="utf-8"))


def test_every_broken_file_has_an_expectation_and_the_reverse() -> None:
    files = {path.stem for path in BROKEN.glob("*.json") if path.name != "expected.json" and not path.stem.startswith("valid")}
    assert files == set(EXPECTED)
    assert len(files) >= 20


def test_the_base_they_break_is_itself_valid() -> None:
    assert problems(read_definition((BROKEN / "valid-minimal.json").read_bytes())) == []


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_broken_definition_is_refused_with_the_exact_pointer_and_message(name: str) -> None:
    found = problems(read_definition((BROKEN / f"{name}.json").read_bytes()))
    assert [f"{p.pointer}: {p.message}" for p in found] == EXPECTED[name]
    assert EXPECTED[name], "a broken definition must be refused"
    for problem in found:
        assert "Traceback" not in problem.message and "is not valid under" not in problem.message
