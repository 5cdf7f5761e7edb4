"""docs/running.md quotes the real `borough` help; it must not drift from the command."""

from __future__ import annotations

from pathlib import Path

from borough_command import borough

DOC = (Path(__file__).resolve().parents[1] / "docs" / "running.md").read_text(encoding="utf-8")


def help_of(*args: str) -> str:
    return borough([*args, "--help"], {"COLUMNS": "80"}).stdout.rstrip()


def test_the_documented_help_is_the_commands_own() -> None:
    assert f"```\n{help_of()}\n```" in DOC
    assert f"```\n{help_of('serve')}\n```" in DOC


def test_every_setting_the_code_reads_is_documented() -> None:
    settings = (Path(__file__).resolve().parents[1] / "runtime" / "settings.py").read_text()
    import re

    for name in set(re.findall(r'"(BOROUGH_[A-Z_]+)"', settings)):
        assert f"`{name}`" in DOC, name
