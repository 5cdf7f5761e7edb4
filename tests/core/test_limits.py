"""Borough issue 10: huge definitions are refused by the format's limits before the deep checks.

A definition with 100,000 empty pages took 16 to 39 seconds and printed 200,001 problems; one
with 60,000 answers took 5 to 12 seconds; a 5,000-digit number told the designer to call
`sys.set_int_max_str_digits()`. Each now gets one problem in the definition's terms, and no
definition lists more than MAX_PROBLEMS problems: the rest are counted.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from borough_command import Command
from borough_command import borough as run_borough

from runtime.core.definition import MAX_PROBLEMS, MORE_PROBLEMS, load, problems, report
from runtime.core.limits import (
    MAX_ANSWERS,
    MAX_ENTRIES,
    MAX_PAGES,
    MAX_QUESTIONS,
    MAX_TEXT,
    MAX_VALUES,
)
from runtime.core.metaschema import meta_schema
from runtime.core.problems import DefinitionError, Problem
from runtime.core.reading import MAX_NUMBER_DIGITS, read_definition

BROKEN = Path(__file__).parent / "broken"
BASE: dict[str, Any] = json.loads((BROKEN / "valid-minimal.json").read_text(encoding="utf-8"))


def minimal(**changes: Any) -> dict[str, Any]:
    document = copy.deepcopy(BASE)
    document.update(changes)
    return document


def with_pages(count: int) -> dict[str, Any]:
    return minimal(pages=[{} for _ in range(count)])


def with_answers(count: int) -> dict[str, Any]:
    document = minimal()
    document["answers"]["properties"] = {f"answer{n}": {"type": "string"} for n in range(count)}
    return document


def messages(found: list[Problem]) -> list[tuple[str, str]]:
    return [(problem.pointer, problem.message) for problem in found]


def test_a_hundred_thousand_pages_are_one_problem() -> None:
    assert messages(problems(with_pages(100_000))) == [
        ("/pages", "the service has 100,000 pages; a service may have at most 200")
    ]


def test_sixty_thousand_answers_are_one_problem() -> None:
    assert messages(problems(with_answers(60_000))) == [
        ("/answers", "the service has 60,000 answers; a service may have at most 500")
    ]


def test_answers_are_counted_however_deep() -> None:
    document = minimal()
    inner = {f"leaf{n}": {"type": "string"} for n in range(150)}
    document["answers"]["properties"] = {
        f"group{n}": {"type": "array", "items": {"type": "object", "properties": dict(inner)}}
        for n in range(4)
    }
    assert messages(problems(document)) == [
        ("/answers", "the service has 604 answers; a service may have at most 500")
    ]


def test_questions_are_counted_over_all_pages() -> None:
    page = {"fields": [{"answer": f"/a{n}", "label": "Q"} for n in range(30)]}
    assert messages(problems(minimal(pages=[copy.deepcopy(page) for _ in range(20)]))) == [
        ("/pages", "the service asks 600 questions; a service may ask at most 500")
    ]


def test_a_long_list_is_refused_where_it_is() -> None:
    document = minimal()
    document["answers"]["properties"]["detail"]["enum"] = [f"v{n}" for n in range(6_000)]
    assert messages(problems(document)) == [
        (
            "/answers/properties/detail/enum",
            "this list has 6,000 items; one may have at most 5,000",
        )
    ]


def test_too_many_values_in_all_is_one_problem() -> None:
    document = minimal()
    for n in range(8):  # eight lists of 4,000 under the list limit, 32,000 values over the total
        document["answers"]["properties"][f"list{n}"] = {"enum": list(range(4_000))}
    assert messages(problems(document)) == [
        (
            "",
            "the definition holds more than 30,000 values (texts, numbers, lists and objects); "
            "a definition may hold at most 30,000",
        )
    ]


def test_a_long_text_is_refused_where_it_is() -> None:
    assert messages(problems(minimal(title="x" * 1_000_000))) == [
        ("/title", "this text is 1,000,000 characters long; one may be at most 20,000")
    ]


def test_a_lone_surrogate_is_not_text() -> None:
    document = read_definition(json.dumps(minimal(summary="caf\ud800")))
    assert messages(problems(document)) == [
        (
            "/summary",
            "this text holds half of a character (a lone surrogate, \\ud800), which is not text",
        )
    ]


def test_nesting_built_in_memory_is_refused_without_recursing() -> None:
    deep: dict[str, Any] = {"type": "string"}
    for _ in range(5_000):
        deep = {"not": deep}
    document = minimal()
    document["answers"]["properties"]["detail"] = deep
    found = problems(document)
    assert [problem.message for problem in found] == ["this nests deeper than 64 levels"]
    assert found[0].pointer.startswith("/answers/properties/detail/not/not/")


def test_a_huge_integer_built_in_memory_is_refused() -> None:
    document = minimal()
    document["answers"]["properties"]["count"]["maximum"] = 10**5_000
    assert messages(problems(document)) == [
        (
            "/answers/properties/count/maximum",
            "this number has more than 100 digits; a number in a definition may have at most 100",
        )
    ]


def test_a_five_thousand_digit_number_is_refused_in_the_definitions_terms() -> None:
    text = json.dumps(BASE).replace('"maximum": 5', '"maximum": ' + "9" * 5_000)
    with pytest.raises(DefinitionError) as refused:
        read_definition(text)
    assert refused.value.code == "number-too-long"
    assert refused.value.message == (
        "the number at /answers/properties/count/maximum has 5,000 digits; "
        "a number in a definition may have at most 100"
    )


def test_a_number_too_large_for_a_float_is_refused() -> None:
    with pytest.raises(DefinitionError) as refused:
        read_definition('{"fees": {"lines": [{"amount": 1e400}]}}')
    assert refused.value.code == "number-too-large"
    assert refused.value.message == "the number at /fees/lines/0/amount is too large: 1e400"


def test_ordinary_numbers_still_read() -> None:
    digits = "1" * MAX_NUMBER_DIGITS
    assert read_definition(f'{{"a": -{digits}, "b": 2.5e3, "c": 0.1}}') == {
        "a": -int(digits),
        "b": 2500.0,
        "c": 0.1,
    }


def many_problems(pages: int) -> dict[str, Any]:
    """A definition under every limit whose pages each break the meta-schema ten times."""
    branches = [
        {"properties": {"kind": {"const": str(n), "unknown": 1}}, "required": ["kind"]}
        for n in range(10)
    ]
    return minimal(
        pages=[
            {
                "id": f"page{n}",
                "when": {"anyOf": copy.deepcopy(branches)},
                "fields": [{"answer": "/kind", "label": "Q"}],
            }
            for n in range(pages)
        ]
    )


def test_problems_stop_at_the_limit_and_say_how_many_more() -> None:
    checked = report(many_problems(15))
    assert checked.total == 150
    assert len(checked.shown) == MAX_PROBLEMS
    listed = problems(many_problems(15))
    assert listed[:MAX_PROBLEMS] == list(checked.shown)
    assert listed[MAX_PROBLEMS:] == [Problem("", MORE_PROBLEMS, "… and 50 more problems")]
    assert listed[0] == Problem(
        "/pages/0/when/anyOf/0/properties/kind/unknown",
        "additionalProperties",
        "unknown is not allowed here",
    )


def test_load_counts_every_problem_and_carries_the_listed_ones() -> None:
    with pytest.raises(DefinitionError) as refused:
        load(json.dumps(many_problems(15)))
    assert refused.value.message == "the definition has 150 problems"
    assert len(refused.value.problems) == MAX_PROBLEMS + 1
    assert refused.value.problems[-1].keyword == MORE_PROBLEMS


def test_a_definition_at_the_limits_is_checked_in_full() -> None:
    assert problems(BASE) == []
    assert len(problems(many_problems(10))) == MAX_PROBLEMS  # exactly 100: nothing more to say


def test_the_limits_agree_with_the_meta_schema() -> None:
    definition = meta_schema("definition.json")
    assert definition["properties"]["pages"]["maxItems"] == MAX_PAGES
    assert meta_schema("common.json")["$defs"]["markdown"]["maxLength"] == MAX_TEXT
    assert meta_schema("translations.json")["properties"]["cy"]["maxProperties"] == MAX_ENTRIES
    schema = meta_schema("answers.json")["$defs"]["schema"]["properties"]
    assert schema["properties"]["maxProperties"] <= MAX_ANSWERS
    page_kinds = meta_schema("page.json")["oneOf"]
    assert all(
        kind["properties"].get("fields", {}).get("maxItems", 0) <= MAX_QUESTIONS
        for kind in page_kinds
    )
    assert MAX_VALUES > MAX_ENTRIES


def borough(*args: str) -> Command:
    return run_borough(list(args), {})


def test_the_validate_command_gives_one_line_for_a_hundred_thousand_pages(tmp_path: Path) -> None:
    path = tmp_path / "pages.json"
    path.write_text(json.dumps(with_pages(100_000)), encoding="utf-8")
    result = borough("validate", str(path))
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        f"{path}: /pages: the service has 100,000 pages; a service may have at most 200"
    ]


def test_the_validate_command_names_a_number_too_long_in_the_definitions_terms(
    tmp_path: Path,
) -> None:
    path = tmp_path / "digits.json"
    path.write_text(json.dumps(BASE).replace('"maximum": 5', '"maximum": ' + "9" * 5_000))
    result = borough("validate", str(path))
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        f"{path}: /: the number at /answers/properties/count/maximum has 5,000 digits; "
        "a number in a definition may have at most 100"
    ]
    assert "set_int_max_str_digits" not in result.stdout + result.stderr


def test_the_validate_command_stops_at_the_limit_and_json_carries_the_total(tmp_path: Path) -> None:
    path = tmp_path / "many.json"
    path.write_text(json.dumps(many_problems(15)), encoding="utf-8")
    lines = borough("validate", str(path)).stdout.splitlines()
    assert len(lines) == MAX_PROBLEMS + 1
    assert lines[-1] == f"{path}: /: … and 50 more problems"
    listed = json.loads(borough("validate", "--json", str(path)).stdout)
    assert len(listed) == MAX_PROBLEMS + 1
    assert listed[-1] == {
        "file": str(path),
        "pointer": "",
        "keyword": MORE_PROBLEMS,
        "message": "… and 50 more problems",
        "total": 150,
    }
