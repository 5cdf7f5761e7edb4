"""Turning posted form fields into typed answers and back, one small codec per widget.

Everything a resident typed is kept as `raw` so a page with errors re-renders exactly what
they entered; `values` holds only what could be read, ready for validation.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from runtime.core.digits import is_digits
from runtime.core.formats import is_uk_postcode, normalise_postcode
from runtime.core.problems import Failure, pointer_parts
from runtime.core.service import Answers, Field, Page

Form = Mapping[str, Sequence[str]]
MISSING: Any = object()

MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan", "ionawr"),
            ("february", "feb", "chwefror"),
            ("march", "mar", "mawrth"),
            ("april", "apr", "ebrill"),
            ("may", "mai"),
            ("june", "jun", "mehefin"),
            ("july", "jul", "gorffennaf"),
            ("august", "aug", "awst"),
            ("september", "sep", "sept", "medi"),
            ("october", "oct", "hydref"),
            ("november", "nov", "tachwedd"),
            ("december", "dec", "rhagfyr"),
        ],
        start=1,
    )
    for name in names
}


@dataclass
class Parsed:
    values: dict[str, Any] = field(default_factory=dict)  # pointer → value (MISSING: cleared)
    raw: dict[str, Any] = field(default_factory=dict)  # form name → what was typed
    problems: list[Failure] = field(default_factory=list)


class DuplicateField(ValueError):
    """A single-value field was posted more than once: no browser does that."""


def encode_option(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _single(form: Form, name: str) -> str:
    values = list(form.get(name, ()))
    if len(values) > 1:
        raise DuplicateField(name)
    return values[0] if values else ""


def _text(fld: Field, form: Form, parsed: Parsed) -> None:
    raw = _single(form, fld.name)
    parsed.raw[fld.name] = raw
    # NUL cannot be typed and cannot be stored (PostgreSQL's JSONB refuses \u0000): drop it.
    value = raw.replace("\x00", "").strip()
    if fld.widget == "postcode" and value and is_uk_postcode(value):
        value = normalise_postcode(value)
    if fld.widget in ("email", "tel", "postcode"):
        value = value.strip()
    parsed.values[fld.pointer] = value if value else MISSING


def _choice(fld: Field, form: Form, parsed: Parsed) -> None:
    raw = _single(form, fld.name)
    parsed.raw[fld.name] = raw
    if not raw:
        parsed.values[fld.pointer] = MISSING
        return
    by_code = {encode_option(value): value for value, _ in fld.options}
    parsed.values[fld.pointer] = by_code.get(raw, raw)


def _checkboxes(fld: Field, form: Form, parsed: Parsed) -> None:
    raw = [v for v in form.get(fld.name, ()) if v]
    parsed.raw[fld.name] = raw
    by_code = {encode_option(value): value for value, _ in fld.options}
    chosen = [by_code.get(v, v) for v in dict.fromkeys(raw)]
    parsed.values[fld.pointer] = chosen if chosen else MISSING


def _number(fld: Field, form: Form, parsed: Parsed) -> None:
    raw = _single(form, fld.name)
    parsed.raw[fld.name] = raw
    text = raw.strip().replace(",", "").replace(" ", "")
    if not text:
        parsed.values[fld.pointer] = MISSING
    elif re.fullmatch(r"-?[0-9]{1,15}", text):
        parsed.values[fld.pointer] = int(text)
    elif fld.schema.get("type") == "number" and re.fullmatch(r"-?[0-9]{0,15}\.[0-9]{1,10}", text):
        parsed.values[fld.pointer] = float(text)
    else:
        parsed.values[fld.pointer] = text  # fails `type`, worded by messages


def _money(fld: Field, form: Form, parsed: Parsed) -> None:
    raw = _single(form, fld.name)
    parsed.raw[fld.name] = raw
    text = raw.strip().replace(",", "").replace(" ", "").removeprefix("£")
    if not text:
        parsed.values[fld.pointer] = MISSING
        return
    match = re.fullmatch(r"([0-9]{1,9})(?:\.([0-9]{1,2}))?", text)
    if match is None:
        parsed.values[fld.pointer] = text
        return
    pounds, pence = match.group(1), (match.group(2) or "0").ljust(2, "0")
    parsed.values[fld.pointer] = int(pounds) * 100 + int(pence)


def _date(fld: Field, form: Form, parsed: Parsed) -> None:
    parts = {part: _single(form, f"{fld.name}-{part}").strip() for part in ("day", "month", "year")}
    parsed.raw[fld.name] = parts
    if not any(parts.values()):
        parsed.values[fld.pointer] = MISSING
        return
    missing = [part for part in ("day", "month", "year") if not parts[part]]
    if missing:
        parsed.problems.append(Failure(fld.pointer, f"date-{missing[0]}"))
        parsed.values[fld.pointer] = MISSING
        return
    month_text = parts["month"].lower().rstrip(".")
    month = MONTHS.get(month_text)
    numbers = [parts["day"], str(month) if month else parts["month"], parts["year"]]
    if not all(re.fullmatch(r"[0-9]{1,4}", n) for n in numbers) or len(parts["year"]) != 4:
        parsed.problems.append(Failure(fld.pointer, "format", "date"))
        parsed.values[fld.pointer] = MISSING
        return
    day, month_number, year = (int(n) for n in numbers)
    parsed.values[fld.pointer] = f"{year:04d}-{month_number:02d}-{day:02d}"


def _declaration(fld: Field, form: Form, parsed: Parsed) -> None:
    raw = _single(form, fld.name)
    parsed.raw[fld.name] = raw
    parsed.values[fld.pointer] = True if raw == "yes" else MISSING


def _file(fld: Field, form: Form, parsed: Parsed) -> None:
    """A file field posts the id of the file already stored (the upload itself is saved by the
    web layer first, which puts the new id in the form)."""
    raw = _single(form, fld.name)
    parsed.raw[fld.name] = raw
    parsed.values[fld.pointer] = raw if raw else MISSING


CODECS: dict[str, Callable[[Field, Form, Parsed], None]] = {
    "text": _text,
    "textarea": _text,
    "email": _text,
    "tel": _text,
    "postcode": _text,
    "radios": _choice,
    "select": _choice,
    "yes-no": _choice,
    "checkboxes": _checkboxes,
    "number": _number,
    "money": _money,
    "date": _date,
    "declaration": _declaration,
    "file": _file,
}


def parse_fields(fields: Sequence[Field], form: Form) -> Parsed:
    """Read a page's fields from a posted form; unknown form names are ignored."""
    parsed = Parsed()
    for fld in fields:
        CODECS[fld.widget](fld, form, parsed)
    for fld in fields:  # a revealed question only counts when its option is chosen
        if fld.revealed_by is not None:
            owner, value = fld.revealed_by
            chosen = parsed.raw.get(owner)
            chosen_values = chosen if isinstance(chosen, list) else [chosen]
            if value not in chosen_values:
                parsed.values[fld.pointer] = MISSING
                parsed.problems = [p for p in parsed.problems if p.pointer != fld.pointer]
    return parsed


def get(answers: Any, pointer: str) -> Any:
    node = answers
    for part in pointer_parts(pointer):
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and is_digits(part) and len(part) <= 18 and int(part) < len(node):
            node = node[int(part)]
        else:
            return MISSING
    return node


def put(answers: Answers, pointer: str, value: Any) -> None:
    """Set (or, with MISSING, remove) the answer at `pointer`, creating objects on the way."""
    parts = pointer_parts(pointer)
    node: Any = answers
    for part in parts[:-1]:
        if part not in node or not isinstance(node[part], dict):
            if value is MISSING:
                return
            node[part] = {}
        node = node[part]
    if value is MISSING:
        node.pop(parts[-1], None)
        _prune_empty(answers, parts[:-1])
    else:
        node[parts[-1]] = value


def _prune_empty(answers: Answers, parts: Sequence[str]) -> None:
    while parts:
        parent = get(answers, "".join(f"/{p}" for p in parts[:-1])) if len(parts) > 1 else answers
        if isinstance(parent, dict) and parent.get(parts[-1]) == {}:
            parent.pop(parts[-1])
            parts = parts[:-1]
        else:
            return


def copied(value: Any) -> Any:
    """A deep copy of JSON data (objects, arrays and scalars): what `copy.deepcopy` gives
    for answers, several times faster, as it need not track shared or cyclic parts."""
    if isinstance(value, dict):
        return {key: copied(item) for key, item in value.items()}
    if isinstance(value, list):
        return [copied(item) for item in value]
    return value


def merged(answers: Answers, values: Mapping[str, Any]) -> Answers:
    """A copy of `answers` with a page's values put in."""
    result: Answers = copied(answers)
    for pointer, value in values.items():
        put(result, pointer, value)
    return result


def form_values(fields: Sequence[Field], answers: Any) -> dict[str, Any]:
    """What each field shows for saved answers: the inverse of parsing."""
    shown: dict[str, Any] = {}
    for fld in fields:
        value = get(answers, fld.pointer)
        if value is MISSING:
            shown[fld.name] = (
                {"day": "", "month": "", "year": ""}
                if fld.widget == "date"
                else ([] if fld.widget == "checkboxes" else "")
            )
        elif fld.widget == "date" and isinstance(value, str) and len(value) == 10:
            year, month, day = value.split("-")
            shown[fld.name] = {"day": str(int(day)), "month": str(int(month)), "year": year}
        elif fld.widget == "money" and isinstance(value, int):
            shown[fld.name] = f"{value // 100}.{value % 100:02d}"
        elif fld.widget == "checkboxes" and isinstance(value, list):
            shown[fld.name] = [encode_option(v) for v in value]
        elif fld.widget == "declaration":
            shown[fld.name] = "yes" if value is True else ""
        elif isinstance(value, bool) or fld.options:
            shown[fld.name] = encode_option(value)
        else:
            shown[fld.name] = str(value)
    return shown


def page_values(page: Page, answers: Answers) -> dict[str, Any]:
    return form_values(page.fields, answers)
