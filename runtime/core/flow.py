"""Which pages apply to the answers so far, where a resident goes next, and what is kept.

A page's `when` is tested against the answers of the pages before it that apply, so an
answer left behind on a branch the resident has since left never steers the journey.
"""

from __future__ import annotations

from collections.abc import Sequence

from runtime.core.answers import MISSING, get, put
from runtime.core.service import Answers, Page, Service


def _pointers(page: Page) -> list[str]:
    if page.kind == "add-another" and page.answer:
        return [page.answer]
    return [fld.pointer for fld in page.fields]


def walk(service: Service, answers: Answers) -> tuple[list[Page], Answers]:
    """The pages that apply, in order, and the answers those pages hold."""
    kept: Answers = {}
    pages: list[Page] = []
    for page in service.pages:
        if page.when is not None and not page.when.is_valid(kept):
            continue
        pages.append(page)
        for pointer in _pointers(page):
            value = get(answers, pointer)
            if value is not MISSING:
                put(kept, pointer, value)
    return pages, kept


def applicable_pages(service: Service, answers: Answers) -> list[Page]:
    return walk(service, answers)[0]


def prune(service: Service, answers: Answers) -> Answers:
    """The answers with everything from pages that no longer apply dropped."""
    return walk(service, answers)[1]


def next_page(service: Service, answers: Answers, current: str | None) -> Page | None:
    """The page after `current` (the first page when None); None means check answers."""
    pages = applicable_pages(service, answers)
    if current is None:
        return pages[0] if pages else None
    ids = [page.id for page in pages]
    if current not in ids:
        return pages[0] if pages else None
    index = ids.index(current)
    return pages[index + 1] if index + 1 < len(pages) else None


def previous_page(service: Service, answers: Answers, current: str) -> Page | None:
    """The page before `current`; None means the start page."""
    pages = applicable_pages(service, answers)
    ids = [page.id for page in pages]
    if current not in ids:
        return None
    index = ids.index(current)
    return pages[index - 1] if index > 0 else None


def first_unvisited(service: Service, answers: Answers, visited: Sequence[str]) -> Page | None:
    """The first page that applies but has not been answered: a new branch's follow-up question."""
    seen = set(visited)
    return next((page for page in applicable_pages(service, answers) if page.id not in seen), None)


def reachable(service: Service, answers: Answers, visited: Sequence[str], page_id: str) -> bool:
    """Whether a resident may open `page_id`: it applies, and every page before it was answered."""
    seen = set(visited)
    for page in applicable_pages(service, answers):
        if page.id == page_id:
            return True
        if page.id not in seen or page.stop:
            return False
    return False


def stop_page(service: Service, answers: Answers) -> Page | None:
    return next((page for page in applicable_pages(service, answers) if page.stop), None)
