"""Asking a resident for more information: the pages a caseworker may ask them to answer again.

Only the question pages this application's answers went through (the journey's plan for its
answers, runtime/core/flow.py), named by their titles: never a page of a branch the resident
did not take, nor a page that asks nothing. The resident's status page re-opens the same kind
of page (runtime/resident/status.py), so every page offered here can be answered there.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from runtime.core import flow
from runtime.core.service import Answers, Page, Service


def page_title(page: Page) -> str:
    """What the resident saw at the top of the page: its title, or its one question."""
    if page.title:
        return page.title
    return page.fields[0].label if page.fields else page.id


def askable_pages(service: Service, answers: Answers) -> list[Page]:
    """The question pages the journey's plan for these answers goes through, in its order."""
    return [page for page in flow.plan(service, answers).pages if page.kind == "question"]


def page_choices(service: Service, answers: Answers) -> list[dict[str, Any]]:
    """The pages to tick on the request form: each page's id, as sent, and its title, as shown."""
    return [{"value": page.id, "text": page_title(page)} for page in askable_pages(service, answers)]


def page_titles(service: Service, page_ids: Iterable[str]) -> list[str]:
    """The titles of pages named in an earlier request (a page a later version dropped keeps its id)."""
    titles = []
    for page_id in page_ids:
        page = service.page(page_id)
        titles.append(page_title(page) if page is not None else page_id)
    return titles
