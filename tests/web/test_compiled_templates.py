"""Templates compiled once per process are shared by every environment, and never stale."""

from __future__ import annotations

from pathlib import Path

from runtime.web.rendering import environment


def themes(folder: Path, text: str) -> Path:
    templates = folder / "default" / "templates"
    templates.mkdir(parents=True, exist_ok=True)
    (templates / "note.html").write_text(text)
    return folder


def test_a_second_environment_reuses_the_code_and_an_edited_template_is_compiled_again(tmp_path: Path) -> None:
    first = environment(themes(tmp_path, "Hello {{ name }}"))
    assert first.get_template("note.html").render(name="Ada") == "Hello Ada"

    second = environment(tmp_path)  # a new app: the code compiled for the first is used
    compiled: list[str] = []
    second.compile = lambda *args, **kwargs: compiled.append("compiled")  # type: ignore[method-assign]
    assert second.get_template("note.html").render(name="Ada") == "Hello Ada"
    assert compiled == []

    third = environment(themes(tmp_path, "Goodbye {{ name }}"))  # the file changed since
    assert third.get_template("note.html").render(name="Ada") == "Goodbye Ada"
