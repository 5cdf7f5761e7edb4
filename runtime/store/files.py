"""Uploaded files: bytes on disk under a private root, details in the database.

The bytes are stored at ``root/<council id>/<uuid>``: the name is chosen here, never by the
resident, so nothing they send can pick a path, an extension or a place inside a web root.
Their filename is kept only to display. Give ``FileStore`` a directory no web server serves.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import unicodedata
import uuid
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from runtime.store.models import Council, Journey, UploadedFile
from runtime.store.scope import owned

MAX_FILENAME = 255


class FileStore:
    def __init__(self, root: Path) -> None:
        self.root = Path(root).resolve()
        self._names: dict[str, tuple[int, str]] = {}

    async def save_upload(
        self,
        council: Council,
        journey: Journey,
        field: str,
        filename: str,
        content_type: str,
        data: bytes,
    ) -> UploadedFile:
        """Write ``data`` to the store and record it as the answer ``field`` of ``journey``."""
        if journey.council_id != council.id:
            raise ValueError("The journey belongs to another council")
        file_id = uuid.uuid4()
        storage_key = f"{council.id}/{file_id.hex}"
        path = self._path(storage_key)
        await asyncio.to_thread(_write_new, path, data)
        try:
            return await UploadedFile.create(
                id=file_id,
                council=council,
                journey=journey,
                field=field,
                filename=display_filename(filename),
                content_type=content_type,
                size=len(data),
                sha256=hashlib.sha256(data).hexdigest(),
                storage_key=storage_key,
            )
        except BaseException:
            path.unlink(missing_ok=True)
            raise

    async def get_file(self, council: Council, file_id: uuid.UUID | str) -> UploadedFile | None:
        """The council's uploaded file with this id, or None (also for ids that are not UUIDs)."""
        try:
            key = file_id if isinstance(file_id, uuid.UUID) else uuid.UUID(str(file_id))
        except ValueError:
            return None
        return await owned(UploadedFile, council).get_or_none(id=key)

    async def names(self, council: Council, file_ids: list[str]) -> dict[str, str]:
        """The display names of the council's files with these ids, in at most one query.

        A stored file's name never changes, so names already read are remembered (with their
        council, checked on every use) and only the others are asked for.
        """
        found: dict[str, str] = {}
        keys = []
        for file_id in file_ids:
            known = self._names.get(str(file_id))
            if known is not None:
                if known[0] == council.id:
                    found[str(file_id)] = known[1]
                continue
            try:
                keys.append(uuid.UUID(str(file_id)))
            except ValueError:
                continue
        if keys:
            rows = await owned(UploadedFile, council).filter(id__in=keys).values_list("id", "filename")
            for file_id, filename in rows:
                if len(self._names) >= 50_000:
                    self._names.clear()
                self._names[str(file_id)] = (council.id, filename)
                found[str(file_id)] = filename
        return found

    async def read_bytes(self, file: UploadedFile) -> bytes:
        return await asyncio.to_thread(self._path(file.storage_key).read_bytes)

    def open(self, file: UploadedFile) -> BinaryIO:
        """The stored bytes of ``file`` to read a block at a time (the caller closes it)."""
        return open(self._path(file.storage_key), "rb")

    def _path(self, storage_key: str) -> Path:
        path = (self.root / storage_key).resolve()
        if not path.is_relative_to(self.root) or path == self.root:
            raise ValueError(f"Storage key {storage_key!r} points outside the file store")
        return path


def display_filename(filename: str) -> str:
    """The resident's filename without any directory part or control characters, for display."""
    name = PurePosixPath(filename.replace("\\", "/")).name
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip()
    name = name[:MAX_FILENAME]
    return "upload" if name in {"", ".", ".."} else name


def _write_new(path: Path, data: bytes) -> None:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    with open(partial, "xb") as stream:
        stream.write(data)
        stream.flush()
        os.fsync(stream.fileno())
    os.replace(partial, path)
