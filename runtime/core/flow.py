"""Which pages apply to the answers so far, where a resident goes next, and what is kept.

A page's `when` is tested against the answers of the pages before it that apply, so an
answer left behind on a branch the resident has since left never steers the journey. A
`Plan` is worked out once per request and answers every question about the route.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from runtime.core.answers import MISSING, get, put
from runtime.core.service import Answers, Page, Service


def _pointers(page: Page) -> list[str]:
    if page.kind == "add-another" and page.answer:
        return [page.answer]
    return [fld.pointer for fld in page.fields]


@dataclass(frozen=True)
class Plan:
    """The pages that apply, in order, and the answers those pages hold."""

    pages: tuple[Page, ...]
    answers: Answers

    def _index(self, page_id: str) -> int | None:
        return next((i for i, page in enumerate(self.pages) if page.id == page_id), None)

    def applies(self, page_id: str) -> bool:
        return self._index(page_id) is not None

    def next(self, current: str | None) -> Page | None:
        """The page after `current` (the first page when None); None means check answers."""
        index = self._index(current) if current is not None else None
        if index is None:
            return self.pages[0] if self.pages else None
        return self.pages[index + 1] if index + 1 < len(self.pages) else None

    def previous(self, current: str) -> Page | None:
        """The page before `current`; None means the start page."""
        index = self._index(current)
        return self.pages[index - 1] if index else None

    def first_unvisited(self, visited: Sequence[str]) -> Page | None:
        """The first page that applies but has not been answered: a new branch's follow-up."""
        seen = set(visited)
        return next((page for page in self.pages if page.id not in seen), None)

    def reachable(self, visited: Sequence[str], page_id: str) -> bool:
        """Whether a resident may open `page_id`: it applies, and every page before it was answered."""
        seen = set(visited)
        for page in self.pages:
            if page.id == page_id:
                return True
            if page.id not in seen or page.stop:
                return False
        return False

    def stop(self) -> Page | None:
        return next((page for page in self.pages if page.stop), None)


def plan(service: Service, answers: Answers) -> Plan:
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
    return Plan(tuple(pages), kept)


def applicable_pages(service: Service, answers: Answers) -> list[Page]:
    return list(plan(service, answers).pages)


def prune(service: Service, answers: Answers) -> Answers:
    """The answers with everything from pages that no longer apply dropped."""
    return plan(service, answers).answers


def next_page(service: Service, answers: Answers, current: str | None) -> Page | None:
    return plan(service, answers).next(current)


def previous_page(service: Service, answers: Answers, current: str) -> Page | None:
    return plan(service, answers).previous(current)


def first_unvisited(service: Service, answers: Answers, visited: Sequence[str]) -> Page | None:
    return plan(service, answers).first_unvisited(visited)


def reachable(service: Service, answers: Answers, visited: Sequence[str], page_id: str) -> bool:
    return plan(service, answers).reachable(visited, page_id)


def stop_page(service: Service, answers: Answers) -> Page | None:
    return plan(service, answers).stop()
