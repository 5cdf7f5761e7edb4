"""The JSON API against its own OpenAPI description, by schemathesis, over real HTTP.

uvicorn serves the app (`borough serve` as a subprocess) on a SQLite file seeded through the
store with a council, applications with files, and a key with every scope. For each
operation in the description the app serves, schemathesis generates requests that fit the
description (positive) and ones that do not (negative), up to MAX_EXAMPLES each, and checks
every response: no 5xx, the status is one the description documents, the body and headers
conform to its schemas, and a request without the key is refused. Generated references and
file ids are swapped, half the time, for the seeded ones so the 200 answers are exercised.

One backend only (SQLite): the schema conformance does not depend on the database, and
tests/staff/test_api.py runs every behaviour on SQLite and PostgreSQL.
"""

from __future__ import annotations

import hashlib
import json
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from live_borough import LOG, borough_server, in_a_thread
from schemathesis import GenerationMode

from runtime import store
from runtime.store import api_keys

MAX_EXAMPLES = 25
API = "/staff/api/v1"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
WORKFLOW = {
    "id": "permit", "initial": "received",
    "states": {
        "received": {"on": {"approve": {"target": "approved"}, "reject": {"target": "rejected", "guard": "noteGiven"},
                            "ask": {"target": "waiting", "actions": ["requestInformation"], "guard": "noteGiven"}},
                     "meta": {"label": "Received", "residentText": "We have it.", "tag": "blue", "targetDays": 5}},
        "waiting": {"on": {"answered": {"target": "received"}},
                    "meta": {"label": "Waiting", "residentText": "Tell us more.", "tag": "yellow"}},
        "approved": {"type": "final", "meta": {"label": "Approved", "residentText": "Yes.", "tag": "green"}},
        "rejected": {"type": "final", "meta": {"label": "Rejected", "residentText": "No.", "tag": "red"}},
    },
}


@dataclass(frozen=True)
class Seeded:
    base_url: str
    key: str
    references: list[str]
    file_ids: list[str]


async def _seed(url: str, files_dir: Path) -> tuple[str, list[str], list[str]]:
    await store.migrate(url)
    await store.connect(url)
    try:
        council = await store.create_council("northshire", "Northshire Council")
        definition = {"id": "permit", "version": "1.0.0", "title": "Apply for a permit", "workflow": WORKFLOW}
        version = await store.publish_version(council, definition, hashlib.sha256(b"permit").hexdigest())
        files = store.FileStore(files_dir)
        references, file_ids = [], []
        for number in range(12):
            journey = await store.start_journey(council, version, "cy" if number % 4 == 0 else "en")
            answers: dict[str, object] = {"email": f"r{number}@example.test", "name": f"Résident {number}"}
            if number % 2 == 0:
                saved = await files.save_upload(council, journey, "/photo", f"photo {number}.png", "image/png", PNG)
                answers["photo"] = str(saved.id)
                file_ids.append(str(saved.id))
            submission, _ = await store.submit(journey, answers, "received", awaiting_payment=number == 11)
            references.append(submission.reference)
        _, key = await api_keys.create_key(council, "Schemathesis", list(api_keys.SCOPES))
        return key, references, file_ids
    finally:
        await store.disconnect()


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Seeded]:
    """The staff app alone (`--staff-only`), as `borough serve` runs it, on a seeded SQLite file."""
    folder = tmp_path_factory.mktemp("api-server")
    database_url = f"sqlite:///{folder / 'borough.db'}"
    key, references, file_ids = in_a_thread(_seed(database_url, folder / "files"))
    try:
        with borough_server(folder, database_url, secret_key="api-schema-test-secret-" + "x" * 32,
                            ready_path=f"{API}/openapi.json",
                            env={"BOROUGH_EMBEDDED_WORKER": "0", "BOROUGH_SERVE_MODE": "staff"}) as base_url:
            yield Seeded(base_url, key, references, file_ids)
    finally:
        errors = (folder / LOG).read_text()
        assert "Traceback" not in errors, errors


def test_the_served_description_is_valid_openapi(seeded: Seeded) -> None:
    schema = schemathesis.openapi.from_url(f"{seeded.base_url}{API}/openapi.json")
    schema.validate()
    # (schemathesis leaves out the operation that serves the description it was loaded from)
    labels = {result.ok().label for result in schema.get_all_operations()}
    assert labels >= {"GET /submissions", "GET /submissions/{reference}",
                      "GET /submissions/{reference}/files/{file_id}", "POST /submissions/{reference}/events"}


def real_cursors(seeded: Seeded) -> list[str]:
    """The cursors of the first pages, one application a page."""
    found: list[str] = []
    url = f"{seeded.base_url}{API}/submissions?limit=1"
    while len(found) < 5:
        request = urllib.request.Request(url, headers={"Authorization": f"Bearer {seeded.key}"})
        with urllib.request.urlopen(request, timeout=10) as response:
            page = json.load(response)
        if page["next_cursor"] is None:
            break
        found.append(page["next_cursor"])
        url = page["links"]["next"]
    assert len(found) == 5
    return found


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_every_operation_answers_as_described(seeded: Seeded, mode: GenerationMode) -> None:
    schema = schemathesis.openapi.from_url(f"{seeded.base_url}{API}/openapi.json")
    headers = {"Authorization": f"Bearer {seeded.key}"}
    cursors = real_cursors(seeded)
    sent = 0
    statuses: dict[str, set[int]] = {}
    for result in schema.get_all_operations():
        operation = result.ok()

        @settings(max_examples=MAX_EXAMPLES, deadline=None, database=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy(generation_mode=mode), reference=st.sampled_from([None, *seeded.references]),
               file_id=st.sampled_from([None, *seeded.file_ids]), cursor=st.sampled_from(cursors),
               event=st.sampled_from([None, "approve", "reject", "ask"]))
        def check(case: schemathesis.Case, reference: str | None, file_id: str | None, cursor: str,
                  event: str | None) -> None:
            nonlocal sent
            if mode.is_positive and case.path_parameters:
                if reference is not None and "reference" in case.path_parameters:
                    case.path_parameters["reference"] = reference
                if file_id is not None and "file_id" in case.path_parameters:
                    case.path_parameters["file_id"] = file_id
            if mode.is_positive and case.query and "cursor" in case.query:
                # A cursor is only valid if the API made it (it is signed): a made-up one is
                # rightly refused with 400, so positive cases use real ones.
                case.query["cursor"] = cursor
            if mode.is_positive and event is not None and isinstance(case.body, dict) and "event" in case.body:
                case.body["event"] = event  # one the workflow knows, now and then
            response = case.call_and_validate(headers=headers, timeout=10)
            assert response.status_code < 500
            statuses.setdefault(case.operation.label, set()).add(response.status_code)
            sent += 1

        check()
    if mode.is_positive:  # the seeded data was reached, not only refusals
        assert {label for label, seen in statuses.items() if seen & {200, 201}} >= {
            "GET /submissions", "GET /submissions/{reference}", "GET /submissions/{reference}/files/{file_id}",
            "POST /submissions/{reference}/events"}, statuses
    assert sent >= 4 * 5, f"only {sent} requests were sent"
