"""Whole-flow checks of a draft, beyond the lint: problems a designer can only see by
following every route through the service. Each finding is located at what it concerns (a
page id, an answer path, a fee line, a workflow state) so a page can show it in place.

- `unreachable-page`: no resident can reach the page: its condition can never be true with
  the answers the pages before it allow, or an exit page before it stops everyone;
- `never-asked`: an answer no page asks (the lint's `unasked`), or one asked only on pages no
  resident reaches;
- `condition-on-later-answer`, `condition-on-same-page`, `condition-on-unasked-answer`: a
  page is shown depending on an answer that is not known yet when the page is decided;
- `cannot-end`: every journey stops at an exit page, so no application can ever be sent.
- `fee-rules-not-written`: a fee line saved to have rules ("Only when some answers are…")
  whose rules were never written: it is never charged, which the designer did not choose.

Routes are followed by the runtime itself (`runtime.core.flow.plan`) over every combination
of the answers the conditions test: each yes and no, each option, each ticked box, and for
numbers, dates and text the values either side of every value a condition names. A page is
called unreachable only when every condition on the way uses tests those values decide.

The meta-schema's and the lint's own problems come first (`runtime.core.metaschema`,
`runtime.core.lint`), located the same way; the flow is followed only once the definition
passes the meta-schema.
"""

from __future__ import annotations

import datetime
import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from builder.dependents import tested_paths
from builder.fee_operations import rules_to_write
from builder.locations import is_add_another, page_name, page_paths, question_label, schema_at
from builder.patch import parts, pointer
from runtime.core.flow import plan
from runtime.core.lint import lint
from runtime.core.metaschema import check_document
from runtime.core.problems import Problem
from runtime.core.schema_paths import always_required, item_options, options, primary_type
from runtime.core.service import Service, compile_service

Definition = dict[str, Any]

# Following routes tries at most this many combinations of answers.
MAX_ROUTES = 5000

# The keywords whose outcome the tried values decide.
_DECIDED = frozenset(
    {
        "properties",
        "required",
        "const",
        "enum",
        "contains",
        "not",
        "allOf",
        "anyOf",
        "oneOf",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "formatMinimum",
        "formatMaximum",
    }
)


@dataclass(frozen=True)
class Finding:
    """Something to fix, where it is: a JSON Pointer into the draft, and the page, answer,
    fee line or workflow state it concerns (those that apply)."""

    keyword: str
    message: str
    pointer: str
    page: str | None = None
    answer: str | None = None
    fee: str | None = None
    state: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {key: value for key, value in self.__dict__.items() if value is not None}


def check(definition: Definition) -> list[Finding]:
    """Every problem of a draft: the meta-schema's, else the lint's and then the flow's."""
    shape = check_document(definition)
    if shape:
        return [locate(definition, problem) for problem in shape]
    found = [locate(definition, problem) for problem in lint(definition)]
    found += _condition_order(definition)
    found += _fees_waiting(definition)
    try:
        service = compile_service(definition)
    except (KeyError, TypeError, ValueError):
        return found  # the lint has said why it cannot be followed
    found += _routes(definition, service)
    return found


def locate(definition: Definition, problem: Problem) -> Finding:
    """A lint problem, located at the page, answer, fee line or state its pointer is in."""
    names = parts(problem.pointer)
    page = answer = fee = state = None
    if len(names) >= 2 and names[0] == "pages" and names[1].isdigit():
        spec = definition["pages"][int(names[1])]
        page = spec.get("id")
        if len(names) >= 4 and names[2] == "fields" and names[3].isdigit():
            field = spec["fields"][int(names[3])]
            answer = (spec.get("answer", "") if is_add_another(spec) else "") + field.get(
                "answer", ""
            )
        elif len(names) >= 3 and names[2] == "answer":
            answer = spec.get("answer")
    elif names[:1] == ["answers"]:
        answer = _answer_of(names[1:])
    elif names[:2] == ["fees", "lines"] and len(names) >= 3 and names[2].isdigit():
        fee = definition["fees"]["lines"][int(names[2])].get("id")
    elif names[:2] == ["workflow", "states"] and len(names) >= 3:
        state = names[2]
    return Finding(problem.keyword, problem.message, problem.pointer, page, answer, fee, state)


def _answer_of(names: list[str]) -> str | None:
    """/answers/properties/items/items/properties/type → /items/type."""
    found: list[str] = []
    index = 0
    while index + 1 < len(names) and names[index] == "properties":
        found.append(names[index + 1])
        index += 2
        if index < len(names) and names[index] == "items":
            index += 1
    return "/" + "/".join(found) if found else None


# Conditions on answers that are not known yet.


def _asked_on(definition: Definition) -> dict[str, int]:
    """Answer path → index of the page that asks it (lists and objects by their parts)."""
    where: dict[str, int] = {}
    for index, page in enumerate(definition["pages"]):
        for path in page_paths(page):
            names = parts(path)
            for depth in range(1, len(names) + 1):
                where.setdefault("/" + "/".join(names[:depth]), index)
    return where


def _condition_order(definition: Definition) -> Iterator[Finding]:
    where = _asked_on(definition)
    for index, page in enumerate(definition["pages"]):
        if "when" not in page:
            continue
        for path in sorted(tested_paths(page["when"])):
            label = question_label(definition, path)
            at = where.get(path)
            location = dict(pointer=pointer("pages", index, "when"), page=page["id"], answer=path)
            if at is None:
                yield Finding(
                    "condition-on-unasked-answer",
                    f"This page is shown depending on '{label}', which no page asks",
                    **location,
                )
            elif at == index:
                yield Finding(
                    "condition-on-same-page",
                    f"This page is shown depending on '{label}', which is asked on this page itself: "
                    "residents answer it only once the page is shown",
                    **location,
                )
            elif at > index:
                yield Finding(
                    "condition-on-later-answer",
                    f"This page is shown depending on '{label}', which is asked later, on page "
                    f"'{page_name(definition['pages'][at])}': move that question before this page",
                    **location,
                )


def _fees_waiting(definition: Definition) -> Iterator[Finding]:
    """Fee lines whose rules are still to be written: never charged until they are."""
    lines: Any = (definition.get("fees") or {}).get("lines") or []
    for index, line in enumerate(lines):
        if isinstance(line, dict) and rules_to_write(line):
            yield Finding(
                "fee-rules-not-written",
                f"The fee '{line.get('description', line.get('id'))}' is never charged: "
                "its rules are not written yet",
                pointer("fees", "lines", index, "when"),
                fee=line.get("id"),
            )


# Following every route.


def _decided(schema: Any) -> bool:
    if isinstance(schema, bool):
        return True
    if not isinstance(schema, dict) or not set(schema) <= _DECIDED:
        return False
    subs: list[Any] = [*(schema.get("properties") or {}).values()]
    subs += [schema[key] for key in ("contains", "not") if key in schema]
    for key in ("allOf", "anyOf", "oneOf"):
        subs += schema.get(key) or []
    return all(_decided(sub) for sub in subs)


def _constants(condition: Any, prefix: str, into: dict[str, list[Any]]) -> None:
    """The values conditions name, by the answer path they test."""
    if not isinstance(condition, dict):
        return
    for key in (
        "const",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "formatMinimum",
        "formatMaximum",
    ):
        if key in condition and prefix:
            into.setdefault(prefix, []).append(condition[key])
    if isinstance(condition.get("enum"), list) and prefix:
        into.setdefault(prefix, []).extend(condition["enum"])
    for name, sub in (condition.get("properties") or {}).items():
        _constants(sub, f"{prefix}/{name}", into)
    for key in ("contains", "not", "items"):
        _constants(condition.get(key), prefix, into)
    for key in ("allOf", "anyOf", "oneOf"):
        for sub in condition.get(key) or []:
            _constants(sub, prefix, into)


_MISSING = object()


def _values(
    schema: dict[str, Any], path: str, named: dict[str, list[Any]], optional: bool
) -> list[Any]:
    """The values worth trying for an answer (and _MISSING when it may be left out)."""
    tried: list[Any] = [_MISSING] if optional else []
    kind = primary_type(schema)
    choices = [value for value, _ in options(schema)]
    if kind == "boolean":
        return tried + ([True] if schema.get("const") is True else [True, False])
    if choices:
        return tried + choices
    if kind == "array" and item_options(schema):
        ticks = [value for value, _ in item_options(schema)]
        if len(ticks) <= 5:
            subsets = [
                list(combo)
                for size in range(1, len(ticks) + 1)
                for combo in itertools.combinations(ticks, size)
            ]
        else:
            subsets = [[tick] for tick in ticks] + [ticks]
        return tried + subsets
    if kind == "array" and isinstance(schema.get("items"), dict):
        items = _objects(schema["items"], path, named)
        return tried + [[item] for item in items]
    if kind == "object":
        return tried + _objects(schema, path, named)
    constants = named.get(path, [])
    if kind in ("integer", "number"):
        numbers = {
            schema[key]
            for key in ("minimum", "maximum")
            if isinstance(schema.get(key), int | float)
        }
        for value in constants:
            if isinstance(value, int | float) and not isinstance(value, bool):
                numbers |= {value - 1, value, value + 1}
        if kind == "integer":
            numbers = {int(value) for value in numbers}
        low, high = schema.get("minimum"), schema.get("maximum")
        kept = sorted(
            n for n in numbers if (low is None or n >= low) and (high is None or n <= high)
        )
        return tried + (kept or [low if low is not None else 1])
    if schema.get("format") == "date":
        today = datetime.date.today()
        days = {today}
        for value in constants:
            if isinstance(value, str):
                day = today if value == "today" else _date(value)
                if day is not None:
                    days |= {
                        day - datetime.timedelta(days=1),
                        day,
                        day + datetime.timedelta(days=1),
                    }
        return tried + [day.isoformat() for day in sorted(days)]
    texts = [value for value in constants if isinstance(value, str)]
    return [*tried, *dict.fromkeys(texts), "something else"]


def _date(text: str) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        return None


def _objects(
    schema: dict[str, Any], path: str, named: dict[str, list[Any]]
) -> list[dict[str, Any]]:
    """Objects with each combination of the values of the parts conditions test."""
    tested = [
        name
        for name in (schema.get("properties") or {})
        if any(p == f"{path}/{name}" or p.startswith(f"{path}/{name}/") for p in named)
    ]
    required = set(schema.get("required") or [])
    choices = [
        [
            (name, value)
            for value in _values(
                schema["properties"][name], f"{path}/{name}", named, name not in required
            )
        ]
        for name in tested
    ]
    objects = []
    for combo in itertools.islice(itertools.product(*choices), MAX_ROUTES):
        objects.append({name: value for name, value in combo if value is not _MISSING})
    return objects


def _routes(definition: Definition, service: Service) -> Iterator[Finding]:
    pages = definition["pages"]
    whens = [page.get("when") for page in pages]
    named: dict[str, list[Any]] = {}
    for when in whens:
        _constants(when, "", named)
        for path in tested_paths(when):
            named.setdefault(path, [])
    tested = sorted(
        {parts(path)[0] for when in whens if when is not None for path in tested_paths(when)}
    )
    answers = definition["answers"]
    always = set(always_required(answers))
    choices = []
    for name in tested:
        schema = (answers.get("properties") or {}).get(name)
        if not isinstance(schema, dict):
            return  # the lint reports a condition on an answer that is not declared
        choices.append(
            [
                (name, value)
                for value in _values(schema, f"/{name}", named, f"/{name}" not in always)
            ]
        )
    routes = 1
    for values in choices:
        routes *= len(values)
    if routes > MAX_ROUTES:
        return  # too many to follow: say nothing rather than guess
    reached: set[str] = set()
    stopped_at: set[str] = set()
    ends = False
    for combo in itertools.product(*choices):
        given = {name: value for name, value in combo if value is not _MISSING}
        route = plan(service, given).pages
        for page in route:
            reached.add(page.id)
            if page.stop:
                stopped_at.add(page.id)
                break
        else:
            ends = True
    decided_so_far = True
    exit_before: str | None = None
    for index, page in enumerate(pages):
        decided_so_far = decided_so_far and (page.get("when") is None or _decided(page["when"]))
        if page["id"] not in reached and decided_so_far:
            if exit_before is not None:
                reason = f"every resident stops at the exit page '{exit_before}' before it"
            else:
                reason = (
                    "its condition can never be true with the answers the pages before it allow"
                )
            yield Finding(
                "unreachable-page",
                f"No resident can reach this page: {reason}",
                pointer("pages", index),
                page=page["id"],
            )
            for path in page_paths(page):
                if schema_at(answers, path) is not None:
                    yield Finding(
                        "never-asked",
                        f"'{question_label(definition, path)}' is asked only on page '{page_name(page)}', which no resident can reach",
                        pointer("pages", index),
                        page=page["id"],
                        answer=path,
                    )
        if page.get("stop") and "when" not in page and exit_before is None:
            exit_before = page_name(page)
    if not ends and all(when is None or _decided(when) for when in whens):
        first = next(index for index, page in enumerate(pages) if page["id"] in stopped_at)
        names = ", ".join(f"'{page_name(page)}'" for page in pages if page["id"] in stopped_at)
        yield Finding(
            "cannot-end",
            f"No resident can send an application: every journey stops at an exit page ({names})",
            pointer("pages", first),
            page=pages[first]["id"],
        )


def pages_with_findings(findings: list[Finding]) -> dict[str, list[Finding]]:
    """The findings by page id, for showing each page's problems on it."""
    grouped: dict[str, list[Finding]] = {}
    for finding in findings:
        if finding.page is not None:
            grouped.setdefault(finding.page, []).append(finding)
    return grouped
