"""Borough issue 10: designers' regular expressions run on RE2, never on a backtracking engine.

The four hostile patterns below passed the old linter's nested-quantifier heuristic, and
Python's `re` then took 21 seconds on 27 letters and `!` for the first; on the 100,000
characters used here it would never finish. On RE2 each one is accepted and answers at once,
and is still right. Patterns RE2 cannot run (back-references, look-around) are refused by the
linter in the definition's own terms.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest

from runtime.core.conditions import Condition
from runtime.core.definition import problems
from runtime.core.keywords import answers_validator
from runtime.core.lint import MAX_PATTERNS
from runtime.core.metaschema import check_document
from runtime.core.patterns import MAX_PROGRAM_SIZE, pattern_problem, search
from runtime.core.service import compile_service
from runtime.core.validation import schema_failures

BASE: dict[str, Any] = json.loads(
    (Path(__file__).parent / "broken" / "valid-minimal.json").read_text(encoding="utf-8")
)
UNSAFE = "a feature Borough cannot run safely (back-references or look-around)"

# (pattern, a long text it matches): each pattern hangs a backtracking engine on `a…a!`.
HOSTILE = [
    ("^(a|a)+$", "a" * 100_000),
    ("^(?:a|a)*$", "a" * 100_000),
    ("^(a+){2,100}$", "a" * 100_000),
    ("^(a{1,20}){1,20}$", "a" * 400),
]


def with_detail_pattern(pattern: str) -> dict[str, Any]:
    """The minimal valid definition, its free-text answer `detail` checked by `pattern`."""
    document = copy.deepcopy(BASE)
    detail = document["answers"]["properties"]["detail"]
    del detail["maxLength"]
    detail["pattern"] = pattern
    return document


@pytest.mark.parametrize(("pattern", "matching"), HOSTILE)
def test_hostile_patterns_are_accepted_and_run_in_linear_time(pattern: str, matching: str) -> None:
    document = with_detail_pattern(pattern)
    assert problems(document) == []
    validator = compile_service(document).validator
    hostile = "a" * 100_000 + "!"
    refused = schema_failures(validator, {"kind": "b", "detail": hostile})
    assert [(failure.pointer, failure.keyword) for failure in refused] == [("/detail", "pattern")]
    assert schema_failures(validator, {"kind": "b", "detail": matching}) == []


def test_a_bounded_repeat_still_counts() -> None:
    validator = compile_service(with_detail_pattern("^(a{1,20}){1,20}$")).validator
    assert schema_failures(validator, {"kind": "b", "detail": "a" * 400}) == []
    refused = schema_failures(validator, {"kind": "b", "detail": "a" * 401})
    assert [failure.keyword for failure in refused] == ["pattern"]


@pytest.mark.parametrize(("pattern", "matching"), HOSTILE)
def test_hostile_patterns_in_conditions_run_on_re2_too(pattern: str, matching: str) -> None:
    condition = Condition({"properties": {"detail": {"pattern": pattern}}, "required": ["detail"]})
    assert not condition.compiled  # a pattern is never turned into plain Python: the validator runs it
    assert not condition.is_valid({"detail": "a" * 100_000 + "!"})
    assert condition.is_valid({"detail": matching})


def test_the_compiled_validator_runs_re2_not_pythons_re() -> None:
    # Python's `re` lets $ match before a final newline and \d match any script's digits;
    # RE2 does neither (nor does ECMA-262, JSON Schema's own dialect), and knows \pL.
    assert re.search("^[0-9]{8}$", "12345678\n") and re.search(r"^\d+$", "١٢٣")
    with pytest.raises(re.error):
        re.compile(r"^\pL+$")
    document = with_detail_pattern(r"^\d{8}$|^\pL+$")
    assert problems(document) == []
    validator = compile_service(document).validator
    assert schema_failures(validator, {"kind": "b", "detail": "12345678"}) == []
    assert schema_failures(validator, {"kind": "b", "detail": "Môn"}) == []
    for wrong in ("12345678\n", "١٢٣٤٥٦٧٨", "Môn\n"):
        refused = schema_failures(validator, {"kind": "b", "detail": wrong})
        assert [failure.keyword for failure in refused] == ["pattern"], wrong


def test_a_pattern_matches_anywhere_unless_anchored() -> None:
    assert search("[0-9]", "flat 4")
    assert not search("^[0-9]", "flat 4")
    assert answers_validator({"type": "string", "pattern": "b"}).is_valid("abc")
    assert answers_validator({"pattern": "b"}).is_valid(5)  # a pattern says nothing about numbers


def test_the_meta_schema_runs_its_own_patterns_on_re2() -> None:
    document = copy.deepcopy(BASE)
    document["pages"][0]["id"] = "kind\n"  # Python's `re` took this for a slug
    assert [problem.pointer for problem in check_document(document)] == ["/pages/0/id"]


def test_a_back_reference_is_refused_by_lint_in_the_definitions_terms() -> None:
    found = problems(with_detail_pattern(r"^(\w+) \1$"))
    assert [(problem.pointer, problem.keyword) for problem in found] == [
        ("/answers/properties/detail/pattern", "pattern")
    ]
    assert found[0].message == f"this pattern uses {UNSAFE}: the back-reference \\1"


@pytest.mark.parametrize(
    ("pattern", "feature"),
    [
        ("^(?=.*[0-9])[a-z0-9]+$", "the look-ahead (?="),
        ("^(?!test)[a-z]+$", "the look-ahead (?!"),
        ("(?<=£)[0-9]+", "the look-behind (?<="),
        ("(?<!-)[0-9]+", "the look-behind (?<!"),
        ("(?P<word>[a-z]+) (?P=word)", "the back-reference (?P"),
        ("(?<word>[a-z]+) \\k<word>", "the back-reference \\k"),
        ("(?>a+)b", "the atomic group (?>"),
        ("a++b", "the possessive repeat ++"),
    ],
)
def test_features_re2_leaves_out_are_named(pattern: str, feature: str) -> None:
    assert pattern_problem(pattern) == f"this pattern uses {UNSAFE}: {feature}"


def test_a_pattern_in_a_page_condition_is_checked_too() -> None:
    document = copy.deepcopy(BASE)
    document["pages"][1]["when"]["properties"]["kind"] = {"pattern": "^(?=b)"}
    found = problems(document)
    assert [(problem.pointer, problem.message) for problem in found] == [
        ("/pages/1/when/properties/kind/pattern", f"this pattern uses {UNSAFE}: the look-ahead (?=")
    ]


@pytest.mark.parametrize(
    "pattern",
    [
        "^.{1,1000}$",  # compiles, to 9,001 steps
        "(\\pL{100}){10}",  # beyond RE2's memory budget: refused, not a crash
        "[\\pL\\pN]{1000}" * 20,
    ],
)
def test_a_huge_pattern_is_refused_with_a_clear_message(pattern: str) -> None:
    found = problems(with_detail_pattern(pattern))
    assert [problem.message for problem in found] == [
        f"this pattern is too large to run safely (it compiles to more than {MAX_PROGRAM_SIZE:,} "
        "steps): use minLength and maxLength for lengths instead of counted repeats such as {1,1000}"
    ]


def test_a_pattern_that_does_not_compile_says_why() -> None:
    assert pattern_problem("^(ab") == "this pattern does not compile: missing ): ^(ab"


def test_a_pattern_with_half_a_character_is_refused_and_text_with_one_never_matches() -> None:
    assert pattern_problem("\ud800") == (
        "this pattern is not text: it holds half of a character (a lone surrogate)"
    )
    assert not search("a", "a\ud800")


def test_more_different_patterns_than_the_limit_are_refused_before_any_is_compiled() -> None:
    document = with_detail_pattern("^x$")
    document["pages"][1]["when"] = {
        "anyOf": [
            {"properties": {"kind": {"pattern": f"^{n}$"}}, "required": ["kind"]}
            for n in range(MAX_PATTERNS + 5)
        ]
    }
    assert [(problem.pointer, problem.message) for problem in problems(document)] == [
        (
            f"/pages/1/when/anyOf/{MAX_PATTERNS - 1}/properties/kind/pattern",
            f"the definition has {MAX_PATTERNS + 6} different patterns; "
            f"a definition may have at most {MAX_PATTERNS}",
        )
    ]


@pytest.mark.parametrize(
    "pattern", ["^[0-9]{8}$", "^[A-Za-z0-9 ]{2,8}$", "^(AB|CD)[0-9]+$", "^\\w+@\\w+$", "^\\pL+$"]
)
def test_ordinary_patterns_pass(pattern: str) -> None:
    assert pattern_problem(pattern) is None
