"""`borough validate`: one line per problem as FILE: /pointer: message, exit 1; --json lists.

Two tests start the real entry points (`python -m borough` and the installed `borough`
script); the rest run the same command in this process (tests/borough_command.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from borough_command import Command
from borough_command import borough as run_borough

SERVICES = sorted((Path(__file__).resolve().parents[2] / "schemas" / "services").glob("*.json"))
BROKEN = Path(__file__).parent / "broken"


def borough(*args: str) -> Command:
    return run_borough(list(args), {})


def test_validating_the_shipped_services_prints_nothing_and_exits_0() -> None:
    result = subprocess.run([sys.executable, "-m", "borough", "validate", *map(str, SERVICES)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout
    assert result.stdout == ""
    assert f"{len(SERVICES)} definitions valid" in result.stderr


def test_problems_are_one_line_each_with_file_pointer_and_message() -> None:
    broken = BROKEN / "duplicate-page-id.json"
    result = borough("validate", str(SERVICES[0]), str(broken))
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        f"{broken}: /pages/0/id: id kind is used more than once",
        f"{broken}: /pages/2/id: id kind is used more than once",
    ]


def test_json_output_lists_the_problems() -> None:
    broken = BROKEN / "legacy-dependencies.json"
    result = borough("validate", "--json", str(broken))
    assert result.returncode == 1
    assert json.loads(result.stdout) == [{
        "file": str(broken), "pointer": "/answers/dependencies", "keyword": "not",
        "message": "the legacy `dependencies` keyword is ignored by JSON Schema 2020-12: use dependentRequired or dependentSchemas",
    }]


def test_a_missing_file_is_a_problem_not_a_traceback(tmp_path: Path) -> None:
    result = borough("validate", str(tmp_path / "nope.json"))
    assert result.returncode == 1
    assert "cannot read the file" in result.stdout and "Traceback" not in result.stderr


def test_no_command_prints_help() -> None:
    script = Path(sys.executable).with_name("borough")  # the script `pip install` made
    result = subprocess.run([str(script)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert "validate" in result.stdout and "migrate" in result.stdout and "serve" in result.stdout
