"""Exporting a service's applications: CSV and JSON that parse, columns from the definitions,
answers flattened predictably, cells safe from spreadsheet formulas, and a stream whose
memory stays flat however many rows it writes."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import tracemalloc
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from staff_client import StaffClient, make_user
from tortoise import connections

from runtime import store
from runtime.settings import Settings
from runtime.staff.exports import FIXED, Column, columns_of, flat_row, headers_for, safe_cell
from runtime.store.database import connection_name
from runtime.store.models import Submission

BULKY = "book-bulky-waste"


async def send(council: store.Council, service: str, answers: dict[str, Any], at: datetime) -> Submission:
    version = await store.get_latest(council, service)
    assert version is not None
    journey = await store.start_journey(council, version)
    submission, _ = await store.submit(journey, answers, version.definition["workflow"]["initial"])  # type: ignore[index]
    await Submission.filter(id=submission.id).update(submitted_at=at)
    return submission


@pytest.fixture
async def clerk(demo: store.Council, staff_app: Any, new_client: Callable[[], StaffClient]) -> tuple[store.Council, StaffClient]:
    council = demo
    await store.create_council("other", "Other Council")
    await make_user("cas@demo.test", council, ["caseworker"])
    client = new_client()
    assert (await client.sign_in("cas@demo.test")).status_code == 303
    return council, client


def test_columns_flatten_objects_lists_of_items_and_choices() -> None:
    schema = {"properties": {
        "address": {"type": "object", "properties": {"line1": {"type": "string"}, "town": {"type": "string"}}},
        "items": {"type": "array", "maxItems": 2, "items": {"type": "object", "properties": {
            "type": {"type": "string"}, "photo": {"type": "string", "format": "file"}}}},
        "bins": {"type": "array", "items": {"type": "string"}},
        "state": {"type": "string"},
    }}
    columns = headers_for([{"answers": schema},
                           {"answers": {"properties": {"later": {"type": "integer"}, "bins": {"type": "array"}}}}])
    assert [c.name for c in columns] == ["address.line1", "address.town", "items.0.type", "items.0.photo",
                                         "items.1.type", "items.1.photo", "bins", "answers.state", "later"]
    answers = {"address": {"line1": "1 High St"}, "items": [{"type": "sofa", "photo": "f1"}], "bins": ["food", "glass"],
               "state": "x", "later": 3}
    assert flat_row(columns, answers, {"f1": "sofa.jpg"}) == [
        "1 High St", None, "sofa", "sofa.jpg", None, None, "food; glass", "x", 3]
    assert [c.kind for c in columns_of({"properties": {"f": {"type": "string", "format": "file"}}})] == ["file"]
    assert Column("a", ("a",), "value") == Column("a", ("a",), "value")


@pytest.mark.parametrize("text", ["=1+2", "+44 20", "-5", "@SUM(A1)", "\tx", "\rx"])
def test_cells_that_would_run_as_formulas_are_prefixed(text: str) -> None:
    assert safe_cell(text) == "'" + text
    assert safe_cell("plain") == "plain" and safe_cell(None) == "" and safe_cell(True) == "true"


async def test_csv_and_json_exports_parse_with_flattened_answers(clerk: Any, staff_settings: Settings) -> None:
    council, client = clerk
    version = await store.get_latest(council, "apply-parking-permit")
    assert version is not None
    journey = await store.start_journey(council, version)
    saved = await store.FileStore(staff_settings.files_dir).save_upload(
        council, journey, "/proofOfAddress", "bill.pdf", "application/pdf", b"%PDF-1.4")
    await store.submit(journey, {"proofOfAddress": str(saved.id), "name": "=cmd|' /C calc'!A0"}, "received")
    moment = datetime(2026, 11, 1, 12, tzinfo=UTC)
    first = await send(council, BULKY, {
        "items": [{"type": "sofa", "details": "Blue, two seats"}, {"type": "fridge", "details": "Small"}],
        "address": {"line1": "1 High Street", "town": "Borough", "postcode": "AB1 2CD"},
        "name": "Ann Smith", "email": "ann@example.org"}, moment)
    second = await send(council, BULKY, {"items": [{"type": "bed", "details": "Single, \"pine\"\nframe"}],
                                         "name": "+Bob"}, moment + timedelta(hours=1))

    response = await client.http.get(f"/staff/demo/services/{BULKY}/export.csv")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"].startswith("attachment;")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    header = list(rows[0])
    assert header[:len(FIXED)] == list(FIXED)
    assert header.index("items.0.type") < header.index("items.0.details") < header.index("items.1.type")
    assert "items.9.details" in header and "items.10.type" not in header  # maxItems 10
    assert "address.line1" in header and "address.postcode" in header
    assert [r["reference"] for r in rows] == [first.reference, second.reference]
    assert rows[0]["state"] == "received" and rows[0]["state_label"] and rows[0]["language"] == "en"
    assert rows[0]["items.1.type"] == "fridge" and rows[0]["address.line1"] == "1 High Street"
    assert rows[0]["items.1.details"] == "Small" and rows[1]["items.1.type"] == ""
    assert rows[1]["items.0.details"] == "Single, \"pine\"\nframe"
    assert rows[1]["name"] == "'+Bob"  # never a formula

    twin = await client.http.get(f"/staff/demo/services/{BULKY}/export.json")
    assert twin.status_code == 200 and twin.headers["content-type"].startswith("application/json")
    records = json.loads(twin.content)
    assert [r["reference"] for r in records] == [first.reference, second.reference]
    assert list(records[0]) == header
    assert records[1]["name"] == "+Bob" and records[0]["items.0.type"] == "sofa" and records[1]["items.1.type"] is None

    permit = list(csv.DictReader(io.StringIO(
        (await client.http.get("/staff/demo/services/apply-parking-permit/export.csv")).content.decode("utf-8-sig"))))
    assert permit[0]["proofOfAddress"] == "bill.pdf" and permit[0]["name"].startswith("'=")
    assert permit[0]["address.line1"] == ""
    # A page with both downloads, for people; a service that is not the council's is not found.
    page = await client.http.get(f"/staff/demo/services/{BULKY}/export")
    assert page.status_code == 200 and "Download as CSV" in page.text
    for suffix in ("export.csv", "export.json", "export"):
        assert (await client.http.get(f"/staff/demo/services/no-such-service/{suffix}")).status_code == 404
        assert (await client.http.get(f"/staff/other/services/{BULKY}/{suffix}")).status_code == 404


async def seed_rows(council: store.Council, service: str, rows: int, database_url: str, prefix: str = "E") -> None:
    """``rows`` applications in a few SQL statements (journeys first: a unique foreign key)."""
    version = await store.get_latest(council, service)
    assert version is not None
    dialect = connection_name(database_url)
    connection = connections.get(dialect)
    answers = json.dumps({"items": [{"type": "sofa", "details": "x" * 40}], "name": "Resident",
                          "address": {"line1": "1 Long Road", "town": "Borough", "postcode": "AB1 2CD"}})
    if dialect == "postgres":
        numbers = f"generate_series(1, {rows}) AS n(i)"
        uuid = f"md5('{prefix}' || i)::uuid"
        now = f"TIMESTAMPTZ '{datetime.now(UTC).replace(microsecond=123456)}'"
    else:
        numbers = f"(WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < {rows}) SELECT i FROM s) AS n"
        uuid = f"printf('00000000-0000-4000-8{ord(prefix):03d}-%012d', i)"
        now = f"'{datetime.now(UTC).replace(microsecond=123456)}'"  # as Tortoise writes it
    await connection.execute_script(
        f"INSERT INTO journey (id, council_id, service_version_id, answers, visited, language, created_at, updated_at,"
        f" expires_at, submitted, lock_version) SELECT {uuid}, {council.id}, {version.id}, '{{}}', '[]', 'en', {now},"
        f" {now}, {now}, TRUE, 1 FROM {numbers}")
    await connection.execute_script(
        f"INSERT INTO submission (council_id, service_version_id, journey_id, reference, answers, language, state,"
        f" submitted_at, awaiting_payment, service_id, version) SELECT {council.id}, {version.id}, {uuid},"
        f" '{prefix}' || i, '{answers}', 'en', 'received', {now}, FALSE, '{service}', 1 FROM {numbers}")


async def asgi_get(app: Any, url: str, cookies: dict[str, str]) -> tuple[int, int, int]:
    """GET ``url`` from the ASGI app as a server would, counting the body's bytes and lines as
    they are sent and keeping none of them (an in-memory client would buffer the whole body)."""
    status, size, lines = 0, 0, 0
    path, _, query = url.partition("?")
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
             "path": path, "raw_path": path.encode(), "query_string": query.encode(), "root_path": "",
             "headers": [(b"host", b"127.0.0.1:8000"),
                         (b"cookie", "; ".join(f"{k}={v}" for k, v in cookies.items()).encode())],
             "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8000)}
    sent = False

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await asyncio.sleep(3600)
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status, size, lines
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            size += len(message.get("body", b""))
            lines += message.get("body", b"").count(b"\r\n")

    await app(scope, receive, send)
    return status, size, lines


async def test_a_large_export_streams_in_flat_memory(clerk: Any, staff_settings: Settings, staff_app: Any) -> None:
    council, client = clerk
    url = f"/staff/demo/services/{BULKY}/export.csv"
    cookies = dict(client.http.cookies.items())
    peaks, sizes = [], []
    for prefix, rows, total in (("E", 1_000, 1_000), ("F", 5_000, 6_000)):
        await seed_rows(council, BULKY, rows, staff_settings.database_url, prefix)
        if not peaks:  # caches filled, as in a running server
            assert (await asgi_get(staff_app, url + "?warm=1", cookies))[0] == 200
        tracemalloc.start()
        try:
            status, size, lines = await asgi_get(staff_app, url, cookies)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert status == 200 and lines == total + 1  # the header and every row
        peaks.append(peak)
        sizes.append(size)
    # Six times the rows, the same memory: only a page of rows is ever held. (A body held
    # whole would grow the peak by at least the bytes the second export wrote more; a quarter
    # of them leaves room for tracemalloc's noise, about 80 KB here.)
    assert sizes[1] > 5 * sizes[0] and sizes[1] > 750_000
    assert peaks[1] < 1.5 * peaks[0] + 100_000, f"peaks {peaks} for {sizes} bytes written"
    assert peaks[1] - peaks[0] < (sizes[1] - sizes[0]) / 4, f"peaks {peaks} for {sizes} bytes written"


async def test_the_json_export_of_many_rows_is_one_valid_array(clerk: Any, staff_settings: Settings) -> None:
    council, client = clerk
    await seed_rows(council, BULKY, 1_200, staff_settings.database_url)  # more than two keyset pages
    response = await client.http.get(f"/staff/demo/services/{BULKY}/export.json")
    records = json.loads(response.content)
    assert len(records) == 1_200 and len({r["reference"] for r in records}) == 1_200
    assert all(r["items.0.type"] == "sofa" for r in records)
