"""Walks a shipped service as a resident: on every page, answers each question found by its
label with a sensible value for that question, until the confirmation page."""

from __future__ import annotations

import datetime
import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from hypothesis import find
from hypothesis import strategies as st

from runtime.core.service import Field, Service, compile_service

SERVICES = Path(__file__).resolve().parents[2] / "schemas" / "services"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def service_ids() -> list[str]:
    return sorted(path.stem for path in SERVICES.glob("*.json"))


def service(service_id: str) -> Service:
    return compile_service(json.loads((SERVICES / f"{service_id}.json").read_text()))


def text_value(fld: Field) -> str:
    schema = fld.schema
    low = max(int(schema.get("minLength", 1)), 1)
    high = int(schema.get("maxLength", 60))
    if "pattern" in schema:
        pattern = schema["pattern"]
        return find(
            st.from_regex(pattern, fullmatch=True).filter(lambda s: s.strip() == s),
            lambda s: low <= len(s) <= high and s.isascii() and s.isprintable(),
        )
    base = "Example answer for the council"
    return (base * (1 + low // len(base)))[: max(low, min(high, len(base)))]


def date_value(fld: Field) -> datetime.date:
    today = datetime.date.today()
    if fld.schema.get("formatMinimum") == "today":
        return today + datetime.timedelta(days=14)
    return today - datetime.timedelta(days=1)


def number_value(fld: Field) -> int:
    low = fld.schema.get("minimum", fld.schema.get("exclusiveMinimum", 0) + 1)
    high = fld.schema.get("maximum", low + 10)
    return int(min(max(low, 2), high))


def card_expiry() -> str:
    """A card expiry date (MM/YY) that is always in the future."""
    return f"12/{(datetime.date.today().year + 3) % 100:02d}"


def fill_card(page: Any, card: str) -> None:
    """Fill in the sandbox's card page: `card`, an expiry date to come and a security code."""
    page.fill("Card number", card)
    page.fill("Expiry date", card_expiry())
    page.fill("Card security code", "123")


def answer(page: Any, fld: Field) -> None:
    """Answer one question on `page` (a tests.web.conftest.Page) through its label."""
    label = fld.label
    widget = fld.widget
    if widget in ("text", "textarea"):
        page.fill(label, text_value(fld))
    elif widget == "email":
        page.fill(label, "resident@example.com")
    elif widget == "tel":
        page.fill(label, "01632 960 001")
    elif widget == "postcode":
        page.fill(label, "sw1a 1aa")
    elif widget == "number":
        page.fill(label, str(number_value(fld)))
    elif widget == "money":
        pence = max(int(fld.schema.get("minimum", 100)), 2550)
        pence = min(pence, int(fld.schema.get("maximum", pence)))
        page.fill(label, f"{pence // 100}.{pence % 100:02d}")
    elif widget == "date":
        date = date_value(fld)
        page.fill_date(label, str(date.day), str(date.month), str(date.year))
    elif widget in ("radios", "yes-no", "checkboxes"):
        first_value, first_title = fld.options[0]
        shown = ("Yes" if first_value else "No") if isinstance(first_value, bool) else first_title
        page.choose(label, shown)
    elif widget == "select":
        tag = page.label_for(label)
        control = page.soup.find(id=tag["for"])
        page.values[control["name"]] = [str(fld.options[0][0])]
    elif widget == "declaration":
        page.choose(label, label)
    elif widget == "file":
        page.attach(label, "photo.png", PNG, "image/png")
    else:  # pragma: no cover - a new widget must teach this walker
        raise AssertionError(f"the walker cannot answer a {widget} question")


def answer_page(page: Any, definition_page: Any) -> None:
    """Answer every question on the page, and the questions its first options reveal."""
    chosen: set[str] = set()
    for fld in definition_page.fields:
        if fld.revealed_by is None:
            answer(page, fld)
            if fld.options:
                chosen.add(f"{fld.name}={_code(fld.options[0][0])}")
    for fld in definition_page.fields:
        if fld.revealed_by is not None and f"{fld.revealed_by[0]}={fld.revealed_by[1]}" in chosen:
            answer(page, fld)


def page_id(url: str, service_id: str) -> tuple[str, str | None]:
    parts = urlsplit(url).path.strip("/").split("/")
    assert parts[1] == service_id, url
    return parts[2], parts[3] if len(parts) > 3 else None


async def walk(resident: Any, service_id: str, council: str = "demo", limit: int = 60, at_question: Any = None,
               at_check: Any = None, card: str = "4444333322221111") -> Any:
    """Complete `service_id` from its start page; returns the confirmation page.

    `at_question(page, definition_page)`, if given, is awaited on each question page before
    the walker answers it, and returns the page to carry on from."""
    compiled = service(service_id)
    page = await resident.start(council, service_id)
    for _ in range(limit):
        assert page.status == 200, (page.url, page.status, page.error_summary())
        if "/_sandbox/pay/" in page.url:  # the sandbox's card page: pay with GOV.UK Pay's success card
            fill_card(page, card)
            page = await resident.submit(page)
            continue
        step, item = page_id(page.url, service_id)
        if step == "confirmation":
            return page
        if step == "check-answers":
            if at_check is not None:
                await at_check(page)
            page = await resident.submit(page)
            continue
        definition_page = compiled.page(step)
        assert definition_page is not None, (page.url, page.heading, page.response.text[-3000:])
        if definition_page.kind == "add-another" and item is None:
            page.choose(page.soup.select_one("fieldset legend").get_text(strip=True), "No")
        elif definition_page.kind != "content":
            assert not page.error_summary(), page.error_summary()
            if at_question is not None and item is None:
                page = await at_question(page, definition_page)
            answer_page(page, definition_page)
        else:
            assert not definition_page.stop, f"the walker reached the exit page {step}"
        page = await resident.submit(page)
    raise AssertionError(f"{service_id} did not reach its confirmation in {limit} pages")


def _code(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)
