"""Hostile or simply wrong input gets one clear line and never a traceback: not JSON, huge,
deeply nested, not UTF-8. (Patterns built to hang a regular-expression engine: test_patterns.)"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from borough_command import borough

from runtime.core.problems import DefinitionError
from runtime.core.reading import MAX_BYTES, MAX_DEPTH, nesting_depth, read_definition


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b'{"title": ', "not-json"),
        (b"", "not-json"),
        (b"[1, 2, 3]", "not-object"),
        (b'{"a": NaN}', "not-json"),
        (b"\xff\xfe{}", "not-utf8"),
        (b"[" * 10_000 + b"]" * 10_000, "too-deep"),
        (b'{"a":' * 100 + b"1" + b"}" * 100, "too-deep"),
        (b'{"a": "' + b"x" * (MAX_BYTES + 1) + b'"}', "too-large"),
    ],
)
def test_unreadable_definitions_are_refused_with_a_code(data: bytes, code: str) -> None:
    with pytest.raises(DefinitionError) as refused:
        read_definition(data)
    assert refused.value.code == code
    assert "\n" not in refused.value.message


def test_brackets_inside_strings_do_not_count_as_nesting() -> None:
    text = json.dumps({"a": "[" * 500})
    assert nesting_depth(text, MAX_DEPTH) == 1
    assert read_definition(text) == {"a": "[" * 500}


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("huge.json", b'{"a":"' + b"x" * 50_000_000 + b'"}', "the most Borough reads is"),
        ("deep.json", b"[" * 10_000 + b"]" * 10_000, "nests deeper than 64 levels"),
        ("text.json", b"this is not json", "is not JSON"),
    ],
)
def test_the_validate_command_gives_one_line_for_hostile_files(tmp_path: Path, name: str, content: bytes, expected: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    result = borough(["validate", str(path)], {})
    assert result.returncode == 1
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1 and expected in lines[0] and lines[0].startswith(f"{path}: /: ")
    assert "Traceback" not in result.stderr
