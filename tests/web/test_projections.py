"""A page served from its projection is exactly the full template render of its own JSON
payload: the same markup, the same escaping, for every question page of every service."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest
from bs4 import BeautifulSoup
from resident import Page, Resident
from walker import answer_page, service_ids, walk

from runtime.web.context import language_switch

HOSTILE = '<script>alert("x")</script> & \'quotes\' {{ 7*7 }} {% if %} ŵŷâ 🗑️'


def full_render(app: Any, page: Page, payload: dict[str, Any], template: str = "pages/question.html") -> str:
    csrf = page.soup.find("input", attrs={"name": "csrf_token"})["value"]
    context = {**payload, "csrf_token": csrf, "ui_language": payload["language"],
               "switch_language": language_switch(payload["language"], payload["languages"]),
               "request_path": urlsplit(page.url).path}
    return app.state.renderer.render(template, context)


@pytest.mark.parametrize("service_id", service_ids())
async def test_projected_question_pages_equal_the_full_render(app: Any, client: Any, resident: Resident, service_id: str) -> None:
    compared: list[str] = []

    async def compare(page: Page, definition_page: Any) -> Page:
        if any(f.widget == "file" for f in definition_page.fields):
            return page  # pages with files always take the full render path
        url = urlsplit(page.url).path
        first = (await client.get(f"{url}.json")).json()
        assert page.response.text == full_render(app, page, first)
        answer_page(page, definition_page)
        texts = [f for f in definition_page.fields if f.widget in ("text", "textarea") and "pattern" not in f.schema
                 and f.schema.get("maxLength", 1000) >= len(HOSTILE) and f.revealed_by is None]
        for fld in texts:
            page.fill(fld.label, HOSTILE)
        saved = await resident.submit(page)
        assert saved.status == 200, saved.error_summary()
        again = await resident.open(url)
        payload = (await client.get(f"{url}.json")).json()
        assert again.response.text == full_render(app, again, payload)
        if texts:
            assert HOSTILE not in again.response.text  # escaped, never raw
            control = again.soup.find(id=texts[0].html_id)
            assert control.get("value", control.get_text()) == HOSTILE
        compared.append(definition_page.id)
        return again

    async def compare_check_answers(page: Page) -> None:
        payload = (await client.get(f"{urlsplit(page.url).path}.json")).json()
        assert page.response.text == full_render(app, page, payload, "pages/check_answers.html")
        compared.append("check-answers")

    await walk(resident, service_id, at_question=compare, at_check=compare_check_answers)
    assert "check-answers" in compared and len(compared) > 1


def _refused(page: Page, definition_page: Any) -> dict[str, list[str]]:
    """The page as a browser would send it with every question left blank, or (where a question
    takes typed words) given text it cannot take or must escape: a page with errors to show."""
    data = page.form_data()
    for fld in definition_page.fields:
        if fld.revealed_by is not None or fld.widget == "file":
            continue
        if fld.widget == "date":
            for part, value in zip(("day", "month", "year"), ("31", HOSTILE, "2"), strict=True):
                data[f"{fld.name}-{part}"] = [value]
        elif fld.widget in ("text", "textarea", "email", "tel", "postcode", "number", "money"):
            data[fld.name] = [HOSTILE if fld.widget != "text" or "pattern" in fld.schema else ""]
        else:
            data.pop(fld.name, None)
    return data


@pytest.mark.parametrize("service_id", service_ids())
async def test_projected_pages_with_errors_equal_the_full_render(app: Any, client: Any, resident: Resident, service_id: str) -> None:
    """A page sent back with errors (422) is served from its projection too: the same markup as
    the full render of its JSON twin (the same answers sent asking for JSON), errors and all."""
    compared: list[str] = []

    async def compare(page: Page, definition_page: Any) -> Page:
        if any(f.widget == "file" for f in definition_page.fields):
            return page  # pages with files always take the full render path
        url = urlsplit(page.url).path
        for data in (_refused(page, definition_page), {**page.form_data(), **_answered_but_one(page, definition_page)}):
            refused = await client.post(url, data=data, follow_redirects=False)
            if refused.status_code == 303:
                continue  # nothing on this page was wrong after all (every question optional)
            assert refused.status_code == 422, (url, refused.status_code)
            shown = Page(refused, BeautifulSoup(refused.text, "html.parser"))
            assert shown.error_summary(), url
            twin = await client.post(url, data=data, headers={"Accept": "application/json"}, follow_redirects=False)
            assert twin.status_code == 422
            payload = twin.json()
            assert payload["errors"] and refused.text == full_render(app, shown, payload)
            assert HOSTILE not in refused.text  # escaped, never raw
            compared.append(definition_page.id)
        return page

    await walk(resident, service_id, at_question=compare)
    assert compared


def _answered_but_one(page: Page, definition_page: Any) -> dict[str, list[str]]:
    """Every question answered (the first choices, and what they reveal), then the first
    question that takes typed words left blank: choices ticked beside an error."""
    answer_page(page, definition_page)
    answered = dict(page.values)
    page.values.clear()
    for fld in definition_page.fields:
        if fld.widget in ("text", "textarea", "email", "tel", "postcode", "number", "money"):
            answered[fld.name] = [""]
            break
    return answered
