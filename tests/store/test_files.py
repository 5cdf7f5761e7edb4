"""Uploaded files: bytes under a private root with names chosen by the store."""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path

import pytest

from runtime.store import (
    Council,
    FileStore,
    Journey,
    UploadedFile,
    publish_version,
    start_journey,
)
from runtime.store.files import display_filename

PROJECT = Path(__file__).parents[2]
PDF = b"%PDF-1.7\n" + bytes(range(256)) * 40


@pytest.fixture
def file_store(tmp_path: Path) -> FileStore:
    return FileStore(tmp_path / "uploads")


async def test_an_upload_is_saved_and_read_back(
    file_store: FileStore, council: Council, journey: Journey
) -> None:
    saved = await file_store.save_upload(
        council, journey, "/evidence", "tenancy.pdf", "application/pdf", PDF
    )

    found = await file_store.get_file(council, saved.id)
    assert found is not None
    assert (found.field, found.filename, found.content_type) == (
        "/evidence",
        "tenancy.pdf",
        "application/pdf",
    )
    assert (found.size, found.sha256) == (len(PDF), hashlib.sha256(PDF).hexdigest())
    assert found.journey_id == journey.id
    assert await file_store.read_bytes(found) == PDF


async def test_bytes_live_under_the_store_root_by_council_and_uuid(
    file_store: FileStore, council: Council, journey: Journey
) -> None:
    saved = await file_store.save_upload(
        council, journey, "/evidence", "../../themes/static/evil.html", "text/html", b"<script>"
    )

    path = file_store.root / saved.storage_key
    assert path.read_bytes() == b"<script>"
    assert saved.storage_key == f"{council.id}/{saved.id.hex}"
    assert path.resolve().is_relative_to(file_store.root)
    assert not path.resolve().is_relative_to(PROJECT)  # so not inside the themes' web root
    assert not (PROJECT / "themes" / "static" / "evil.html").exists()
    assert saved.filename == "evil.html"
    assert list(file_store.root.rglob("*.partial")) == []


@pytest.mark.parametrize(
    ("given", "shown"),
    [
        ("photo.jpg", "photo.jpg"),
        ("C:\\Users\\ada\\Documents\\lease.pdf", "lease.pdf"),
        ("/etc/passwd", "passwd"),
        ("bad\x00name\r\n.txt", "badname.txt"),
        ("", "upload"),
        ("..", "upload"),
        ("ü" * 300, "ü" * 255),
    ],
)
def test_filenames_are_kept_only_for_display(given: str, shown: str) -> None:
    assert display_filename(given) == shown


async def test_another_councils_file_is_not_found(
    file_store: FileStore, council: Council, other_council: Council, journey: Journey
) -> None:
    saved = await file_store.save_upload(council, journey, "/a", "a.txt", "text/plain", b"a")
    assert await file_store.get_file(other_council, saved.id) is None
    assert await file_store.get_file(council, str(saved.id)) is not None
    assert await file_store.get_file(council, "not-a-uuid") is None
    assert await file_store.get_file(council, uuid.uuid4()) is None


async def test_a_file_cannot_be_added_to_another_councils_journey(
    file_store: FileStore, other_council: Council, journey: Journey
) -> None:
    with pytest.raises(ValueError, match="another council"):
        await file_store.save_upload(other_council, journey, "/a", "a.txt", "text/plain", b"a")
    assert not file_store.root.exists() or list(file_store.root.rglob("*")) == []


async def test_a_storage_key_cannot_point_outside_the_store(
    file_store: FileStore, council: Council, journey: Journey, tmp_path: Path
) -> None:
    (tmp_path / "secret.txt").write_bytes(b"secret")
    saved = await file_store.save_upload(council, journey, "/a", "a.txt", "text/plain", b"a")
    tampered = UploadedFile(id=saved.id, storage_key="../secret.txt")
    with pytest.raises(ValueError, match="outside the file store"):
        await file_store.read_bytes(tampered)


async def test_files_of_two_councils_are_kept_apart(
    file_store: FileStore,
    council: Council,
    other_council: Council,
    journey: Journey,
) -> None:
    theirs_version = await publish_version(
        other_council, {"id": "x", "version": "1.0.0", "title": "X"}, "e" * 64
    )
    theirs_journey = await start_journey(other_council, theirs_version, "en")
    ours = await file_store.save_upload(council, journey, "/a", "a.txt", "text/plain", b"ours")
    theirs = await file_store.save_upload(
        other_council, theirs_journey, "/a", "a.txt", "text/plain", b"theirs"
    )
    assert ours.storage_key.split("/")[0] != theirs.storage_key.split("/")[0]
    assert await file_store.read_bytes(theirs) == b"theirs"
