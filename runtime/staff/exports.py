"""Exporting a service's applications as CSV or JSON, one row per application.

Columns are worked out from the definitions, never by reading every row first: the fixed
columns, then each answer of each published version's ``answers`` schema (oldest version
first, in schema order, new ones added at the end), flattened predictably:

- an object's properties become ``parent.child``;
- a list of objects (an "add another" answer) becomes ``items.0.name``, ``items.1.name`` …,
  up to the schema's ``maxItems`` (or ``ITEMS_WITHOUT_LIMIT`` when it has none);
- a list of choices is one column, the values joined with ``"; "``;
- an uploaded file is its file name.

The response is streamed: rows are read a page at a time by keyset and written as they
come, so an export of 100,000 applications never sits in memory. CSV cells that a
spreadsheet would run as a formula (starting ``=``, ``+``, ``-``, ``@``, tab or carriage
return) are prefixed with a single quote.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from runtime import store
from runtime.staff.casework import files
from runtime.staff.context import Staff, audit, page, path
from runtime.store import inbox
from runtime.web.context import ClientError
from runtime.web.rendering import wants_json

FIXED = ("reference", "submitted_at", "state", "state_label", "language", "assigned")
ITEMS_WITHOUT_LIMIT = 20
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
PAGE_ROWS = 100
FLUSH_BYTES = 32 * 1024


@dataclass(frozen=True)
class Column:
    name: str  # the header: dotted path, list items by index
    path: tuple[str | int, ...]
    kind: str  # value | choices | file


def columns_of(schema: dict[str, Any], prefix: tuple[str | int, ...] = ()) -> Iterator[Column]:
    """The flattened columns of one answers schema, in schema order."""
    for key, spec in (schema.get("properties") or {}).items():
        if not isinstance(spec, dict):
            continue
        here = (*prefix, key)
        kind = spec.get("type")
        if kind == "object" or (kind is None and "properties" in spec):
            yield from columns_of(spec, here)
        elif kind == "array":
            items: dict[str, Any] = spec["items"] if isinstance(spec.get("items"), dict) else {}
            if items.get("type") == "object":
                for index in range(int(spec.get("maxItems") or ITEMS_WITHOUT_LIMIT)):
                    yield from columns_of(items, (*here, index))
            else:
                yield Column(_name(here), here, "choices")
        else:
            yield Column(_name(here), here, "file" if spec.get("format") == "file" else "value")


def _name(path: tuple[str | int, ...]) -> str:
    return ".".join(str(part) for part in path)


def headers_for(definitions: list[dict[str, Any]]) -> list[Column]:
    """The union of the versions' columns, oldest version first, each column once. An answer
    whose name is one of the fixed columns is exported as ``answers.<name>``."""
    seen: dict[str, Column] = {}
    for definition in definitions:
        for column in columns_of(definition.get("answers") or {}):
            name = f"answers.{column.name}" if column.name in FIXED else column.name
            seen.setdefault(name, Column(name, column.path, column.kind))
    return list(seen.values())


def _lookup(answers: Any, path: tuple[str | int, ...]) -> Any:
    value = answers
    for part in path:
        if isinstance(part, int):
            if not isinstance(value, list) or part >= len(value):
                return None
            value = value[part]
        else:
            if not isinstance(value, dict) or part not in value:
                return None
            value = value[part]
    return value


def flat_row(columns: list[Column], answers: Any, file_names: dict[str, str]) -> list[Any]:
    values: list[Any] = []
    for column in columns:
        value = _lookup(answers, column.path)
        if value is None:
            values.append(None)
        elif column.kind == "choices" and isinstance(value, list):
            values.append("; ".join(_text(item) for item in value))
        elif column.kind == "file":
            values.append(file_names.get(str(value), str(value)))
        elif isinstance(value, (dict, list)):
            values.append(json.dumps(value, ensure_ascii=False, sort_keys=True))
        else:
            values.append(value)
    return values


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def safe_cell(value: Any) -> str:
    """A CSV cell a spreadsheet shows as text, never runs as a formula."""
    text = _text(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _file_ids(columns: list[Column], rows: list[dict[str, Any]]) -> list[str]:
    wanted = [column for column in columns if column.kind == "file"]
    found = []
    for row in rows:
        for column in wanted:
            value = _lookup(row["answers"], column.path)
            if isinstance(value, str) and value:
                found.append(value)
    return found


async def _records(request: Request, council: store.Council, service: str,
                   columns: list[Column]) -> AsyncIterator[tuple[list[str], list[Any]]]:
    """(header, values) of each row, a keyset page at a time."""
    header = [*FIXED, *(column.name for column in columns)]
    names: dict[int, str] = {}
    workflows: dict[int, Any] = {}
    file_store = files(request)
    async for rows in inbox.export_rows(council, service, size=PAGE_ROWS):
        unknown_people = {r["assigned_to_id"] for r in rows if r["assigned_to_id"] and r["assigned_to_id"] not in names}
        names.update(await inbox.assignee_names(council, unknown_people))
        unknown_versions = {r["service_version_id"] for r in rows} - set(workflows)
        if unknown_versions:
            workflows.update(await inbox.version_workflows(council, unknown_versions))
        file_names = await file_store.names(council, _file_ids(columns, rows))
        for row in rows:
            workflow = workflows.get(row["service_version_id"])
            label = workflow.state(row["state"]).label if workflow else row["state"]
            fixed = [row["reference"], _iso(row["submitted_at"]), row["state"], label, row["language"],
                     names.get(row["assigned_to_id"]) if row["assigned_to_id"] else None]
            yield header, fixed + flat_row(columns, row["answers"], file_names)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


async def _columns(staff: Staff, service: str) -> list[Column]:
    assert staff.council is not None
    versions = await inbox.service_versions(staff.council, service)
    if not versions:
        raise ClientError(404, "page_not_found")
    return headers_for([v.definition for v in versions])


def _filename(council: store.Council, service: str, extension: str) -> str:
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M")
    return f"{council.slug}-{service}-{stamp}.{extension}"


async def export_csv(request: Request, staff: Staff) -> Response:
    assert staff.council is not None
    council, service = staff.council, request.path_params["service_id"]
    columns = await _columns(staff, service)
    await audit(request, staff, "applications-exported", service, after={"format": "csv"})

    async def body() -> AsyncIterator[bytes]:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow([*FIXED, *(column.name for column in columns)])
        yield ("\ufeff" + buffer.getvalue()).encode("utf-8")  # a BOM: spreadsheets then read UTF-8
        buffer.seek(0)
        buffer.truncate()
        async for _, values in _records(request, council, service, columns):
            writer.writerow([safe_cell(value) for value in values])
            if buffer.tell() >= FLUSH_BYTES:  # send in blocks, not a message per row
                yield buffer.getvalue().encode("utf-8")
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue().encode("utf-8")

    return StreamingResponse(body(), media_type="text/csv; charset=utf-8", headers=_download(council, service, "csv"))


def _download(council: store.Council, service: str, extension: str) -> dict[str, str]:
    return {"content-disposition": f'attachment; filename="{_filename(council, service, extension)}"',
            "x-content-type-options": "nosniff", "cache-control": "no-store, private"}


async def export(request: Request, staff: Staff) -> Response:
    """``export.json``: the JSON array of rows, streamed. Without ``.json``: a page with both downloads."""
    assert staff.council is not None
    council, service = staff.council, request.path_params["service_id"]
    columns = await _columns(staff, service)
    if not wants_json(request):
        versions = await inbox.service_versions(council, service)
        payload = {
            "page": {"heading": f"Export applications: {versions[-1].title}"},
            "service": {"id": service, "title": versions[-1].title},
            "columns": [*FIXED, *(column.name for column in columns)],
            "links": {"csv": path(request, "export_csv", council=council.slug, service_id=service),
                      "json": path(request, "export", council=council.slug, service_id=service) + ".json",
                      "back": path(request, "applications", council=council.slug)},
        }
        return page(request, "staff/export.html", payload, staff)
    await audit(request, staff, "applications-exported", service, after={"format": "json"})

    async def body() -> AsyncIterator[bytes]:
        parts: list[str] = ["["]
        size = 1
        first = True
        async for header, values in _records(request, council, service, columns):
            text = ("" if first else ",") + "\n" + json.dumps(dict(zip(header, values, strict=True)), ensure_ascii=False)
            parts.append(text)
            size += len(text)
            first = False
            if size >= FLUSH_BYTES:  # send in blocks, not a message per row
                yield "".join(parts).encode("utf-8")
                parts, size = [], 0
        parts.append("\n]\n")
        yield "".join(parts).encode("utf-8")

    return StreamingResponse(body(), media_type="application/json", headers=_download(council, service, "json"))
