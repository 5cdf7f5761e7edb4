"""File uploads: size and type checked by the file's content, never by its name, and stored
outside the web root through the store's FileStore. Residents never get files served back."""

from __future__ import annotations

from collections.abc import Callable

from starlette.datastructures import FormData, UploadFile

from runtime import store
from runtime.core.problems import Failure
from runtime.core.service import Field, Page
from runtime.web.context import PageContext, uploads

DEFAULT_ACCEPT = ("image/jpeg", "image/png", "application/pdf")
TYPE_NAMES = {"image/jpeg": "a JPG", "image/png": "a PNG", "image/heic": "a HEIC", "application/pdf": "a PDF"}

SNIFFERS: dict[str, Callable[[bytes], bool]] = {
    "image/jpeg": lambda head: head.startswith(b"\xff\xd8\xff"),
    "image/png": lambda head: head.startswith(b"\x89PNG\r\n\x1a\n"),
    "application/pdf": lambda head: head.startswith(b"%PDF-"),
    "image/heic": lambda head: head[4:8] == b"ftyp" and head[8:12] in (b"heic", b"heix", b"mif1", b"msf1"),
}


def sniff(head: bytes) -> str | None:
    """The type a file's first bytes show it to be, or None if it is none we accept."""
    return next((kind for kind, matches in SNIFFERS.items() if matches(head)), None)


def upload_limit(fld: Field, default: int) -> int:
    """The most bytes a file for `fld` may have: its own maxBytes, else the installation's."""
    return int(fld.spec.get("maxBytes", default))


def checked_file(fld: Field, data: bytes, limit: int) -> tuple[str | None, Failure | None]:
    """The type of a file posted for `fld` (`data`: at most `limit` + 1 bytes of it) when it
    may be kept, else what is wrong with it: empty, too big, or not a type the question takes,
    judged by the file's content."""
    accept = tuple(fld.spec.get("accept", DEFAULT_ACCEPT))
    kind = sniff(data[:16])
    if not data:
        return None, Failure(fld.pointer, "fileEmpty")
    if len(data) > limit:
        return None, Failure(fld.pointer, "fileSize", limit)
    if kind is None or kind not in accept:
        names = [TYPE_NAMES.get(a, a) for a in accept]
        return None, Failure(fld.pointer, "fileType", ", ".join(names[:-1]) + (" or " if len(names) > 1 else "") + names[-1])
    return kind, None


async def receive_uploads(
    ctx: PageContext, journey: store.Journey, page: Page, form: FormData,
    fields: dict[str, list[str]],
) -> list[Failure]:
    """Store each file posted for the page's file questions, putting the new file's id in the
    form in its place. Returns what was wrong with the files that were refused."""
    failures: list[Failure] = []
    posted = uploads(form)
    files = ctx.files
    for fld in page.fields:
        if fld.widget != "file":
            continue
        upload: UploadFile | None = posted.get(fld.name)
        if upload is None:
            continue
        limit = upload_limit(fld, ctx.settings.max_upload_bytes)
        data = await upload.read(limit + 1)
        kind, refused = checked_file(fld, data, limit)
        if refused is not None:
            failures.append(refused)
        else:
            assert kind is not None
            saved = await files.save_upload(ctx.council, journey, fld.pointer, upload.filename or "file", kind, data)
            fields[fld.name] = [str(saved.id)]
        # A refused file leaves the form as it was: one already given stays the answer.
    return failures
