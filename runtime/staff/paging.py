"""Staff lists read newest first by id, a page at a time: the audit log, the outbox and the
webhook messages not delivered. One reading of the ``?before=`` cursor (under the rule of
``runtime.store.cursors``: a cursor we did not make is a 400 page on each of them) and one
way to cut a page and link to the older and the newest entries."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar
from urllib.parse import urlencode

from starlette.requests import Request

from runtime.store.cursors import InvalidCursor, row_id
from runtime.web.context import ClientError

PER_PAGE = 50


class Row(Protocol):
    @property
    def id(self) -> int: ...


R = TypeVar("R", bound=Row)


def before_id(request: Request) -> int | None:
    """The id in ``?before=``: None when not given, a 400 page when it is not one we made."""
    asked = request.query_params.get("before")
    if asked is None:
        return None
    try:
        return row_id(asked)
    except InvalidCursor:
        raise ClientError(400, "bad_request") from None


@dataclass(frozen=True)
class Page(Generic[R]):
    rows: list[R]
    older: str | None
    newest: str | None


def page_of(found: Sequence[R], before: int | None, here: str, query: Mapping[str, str] | None = None) -> Page[R]:
    """The page of ``found`` (read with a limit of PER_PAGE + 1, so one more tells that older
    rows follow), with links that keep ``query`` (the list's filters)."""
    rows = list(found[:PER_PAGE])
    kept = urlencode(dict(query or {}))
    older = f"{here}?{urlencode({**(query or {}), 'before': rows[-1].id})}" if len(found) > PER_PAGE else None
    newest = (f"{here}?{kept}" if kept else here) if before is not None else None
    return Page(rows, older, newest)
