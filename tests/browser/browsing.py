"""A resident in a real browser: answers each question found by its label, with the values
tests/web/walker.py gives (loaded from its file: test folders are not packages), and checks
every page it passes with an Auditor, as shown and with its errors."""

from __future__ import annotations

import importlib.util
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from accessibility import Auditor
from playwright.async_api import Locator, Page, expect

from runtime.core.service import Field
from runtime.core.service import Page as Step

WALKER_PATH = Path(__file__).resolve().parents[1] / "web" / "walker.py"
_spec = importlib.util.spec_from_file_location("borough_browser_walker", WALKER_PATH)
assert _spec is not None and _spec.loader is not None
walker: Any = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(walker)

REFERENCE = re.compile(r"\b[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}\b")
CHOICES = ("radios", "yes-no", "checkboxes")
NOT_A_PHOTO = b"This is not a photo.\n"
SUCCESS_CARD = "4444333322221111"  # GOV.UK Pay's test card for a successful payment


def labelled(text: str) -> re.Pattern[str]:
    """A label's text as shown: the question, with "(optional)" after it when not required."""
    return re.compile(rf"^\s*{re.escape(text.strip())}(\s*\(optional\))?\s*$")


def group(page: Page, legend: str) -> Locator:
    """The fieldset whose legend reads `legend` (radios, checkboxes, a date)."""
    return page.get_by_role("group", name=labelled(legend))


def code(value: Any) -> str:
    """An option's value as the form sends it (and as `revealed_by` names it)."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def shown(value: Any, title: str) -> str:
    """An option's label: yes-no questions show their booleans as Yes and No."""
    return ("Yes" if value else "No") if isinstance(value, bool) else title


TYPED = ("text", "textarea", "email", "tel", "postcode", "number", "money")


def typed_value(fld: Field) -> str:
    """What the walker types for a question answered by typing."""
    widget = fld.widget
    if widget in ("text", "textarea"):
        return str(walker.text_value(fld))
    if widget == "email":
        return "resident@example.com"
    if widget == "tel":
        return "01632 960 001"
    if widget == "postcode":
        return "sw1a 1aa"
    if widget == "number":
        return str(walker.number_value(fld))
    if widget == "money":
        pence = max(int(fld.schema.get("minimum", 100)), 2550)
        pence = min(pence, int(fld.schema.get("maximum", pence)))
        return f"{pence // 100}.{pence % 100:02d}"
    raise AssertionError(f"a {widget} question is not answered by typing")


async def answer(page: Page, fld: Field, option: tuple[Any, str] | None = None) -> None:
    """Answer one question through its label: the walker's value, or `option` for a choice."""
    label, widget = fld.label, fld.widget
    control = page.get_by_label(labelled(label))
    if widget in TYPED:
        await control.fill(typed_value(fld))
    elif widget == "date":
        date = walker.date_value(fld)
        await fill_date(page, label, str(date.day), str(date.month), str(date.year))
    elif widget in CHOICES:
        value, title = option or fld.options[0]
        await group(page, label).get_by_label(shown(value, title), exact=True).check()
    elif widget == "select":
        await control.select_option(str((option or fld.options[0])[0]))
    elif widget == "declaration":
        await control.check()
    elif widget == "file":
        await control.set_input_files(files=[{"name": "photo.png", "mimeType": "image/png", "buffer": walker.PNG}])
    else:  # pragma: no cover - a new widget must teach this walker
        raise AssertionError(f"the browser walker cannot answer a {widget} question")


async def fill_date(page: Page, legend: str, day: str, month: str, year: str) -> None:
    dates = group(page, legend)
    for part, value in (("Day", day), ("Month", month), ("Year", year)):
        await dates.get_by_label(part, exact=True).fill(value)


async def answer_wrongly(page: Page, fields: tuple[Field, ...]) -> bool:
    """Give one question a value it refuses; False when no question on the page has one."""
    for fld in fields:
        if fld.revealed_by is not None:
            continue
        control = page.get_by_label(labelled(fld.label))
        schema, widget = fld.schema, fld.widget
        if widget == "email":
            await control.fill("not an email address")
        elif widget == "postcode":
            await control.fill("not a postcode")
        elif widget == "tel":
            await control.fill("call me")
        elif widget in ("number", "money"):
            await control.fill(str(int(schema.get("maximum", 10**6)) * 1000))
        elif widget == "date":
            await fill_date(page, fld.label, "31", "2", "2020")
        elif widget == "file":
            await control.set_input_files(files=[{"name": "notes.txt", "mimeType": "text/plain", "buffer": NOT_A_PHOTO}])
        elif widget in ("text", "textarea") and "pattern" in schema:
            await control.fill("!?")
        elif widget in ("text", "textarea") and "maxLength" in schema:
            await control.fill("x" * (int(schema["maxLength"]) + 1))
        else:
            continue
        return True
    return False


def main_button(page: Page, name: str) -> Locator:
    """A button in the page's main content, by its exact name (not the header's Sign out)."""
    return page.locator("main").get_by_role("button", name=name, exact=True)


async def press(page: Page, target: Locator) -> None:
    """Click a button or link and wait for the page it leads to."""
    async with page.expect_navigation():
        await target.click()


def continue_button(page: Page) -> Locator:
    return page.locator("main").get_by_role("button", name="Continue", exact=True)


def error_summary(page: Page) -> Locator:
    return page.locator(".govuk-error-summary")


async def fill_card(page: Page, card: str) -> None:
    """Fill in the sandbox's card page: `card`, an expiry date to come and a security code."""
    await page.get_by_label("Card number").fill(card)
    await page.get_by_label("Expiry date").fill(walker.card_expiry())
    await page.get_by_label("Card security code").fill("123")


async def submit(page: Page, button: Locator | None = None) -> None:
    """Press the form's button and wait for the page it leads to."""
    button = button or continue_button(page)
    await settle(page, button)
    async with page.expect_navigation():
        await button.click()


async def settle(page: Page, button: Locator) -> None:
    """Leave the last field answered, and wait for its inline validation to finish.

    With JavaScript, leaving a text field asks the server to check it (htmx, on `change`) and
    swaps its form group, which changes the page's height. A click that starts before the
    swap can end on whatever moved under the pointer, so the button is focused, and the swap
    awaited, first.
    """
    if not await page.evaluate("document.body.classList.contains('js-enabled')"):
        return
    await button.focus()
    await expect(page.locator(".htmx-request, .htmx-swapping, .htmx-settling")).to_have_count(0)


async def assert_error_state(page: Page, where: str) -> None:
    assert await error_summary(page).count() == 1, f"no error summary on {where} ({page.url})"
    title = await page.title()
    assert title.startswith("Error: "), f"{where}: {title!r} does not start with 'Error: '"


async def reference_on(page: Page) -> str:
    text = await page.locator(".govuk-panel").inner_text()
    found = REFERENCE.search(text)
    assert found, f"no reference in the confirmation panel: {text!r}"
    return found.group(0)


@dataclass
class Walk:
    """Applies for a service again and again from its start page, choosing the options that
    lead to pages not seen yet, until every page has been seen and the service completed.
    The first time a page is seen it is audited as shown and then with its errors: submitted
    empty or, when nothing on it is required, with a value it refuses (when it has one)."""

    page: Page
    service_id: str
    auditor: Auditor
    seen: set[str] = field(default_factory=set)
    references: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.service = walker.service(self.service_id)

    async def everything(self, limit: int = 8) -> None:
        for _ in range(limit):
            before = set(self.seen)
            reference = await self.once()
            if reference is not None:
                self.references.append(reference)
            if self.references and not self.unseen():
                return
            assert self.seen != before, f"{self.service_id}: a new application saw nothing new; never reached {self.unseen()}"
        raise AssertionError(f"{self.service_id}: {limit} applications never reached {self.unseen()}")

    def unseen(self) -> list[str]:
        return [step.id for step in self.service.pages if step.id not in self.seen]

    async def audit(self, key: str) -> bool:
        """Audit the page the first time `key` is seen; True when it was new."""
        if key in self.seen:
            return False
        self.seen.add(key)
        await self.auditor.check(self.page, key)
        return True

    async def audit_errors(self, key: str) -> None:
        await assert_error_state(self.page, key)
        await self.auditor.check(self.page, f"{key}, with errors")

    async def once(self) -> str | None:
        """One application, to its confirmation (returns its reference) or to a stop page."""
        page = self.page
        await page.context.clear_cookies()
        await page.goto(f"/demo/{self.service_id}")
        await self.audit("start")
        await submit(page, page.get_by_role("button", name="Start now"))
        for _ in range(60):
            if "/_sandbox/pay/" in page.url:
                await self.pay()
                continue
            key, item = walker.page_id(page.url, self.service_id)
            if key == "confirmation":
                await self.audit(key)
                return await reference_on(page)
            if key == "check-answers":
                await self.audit(key)
                await submit(page, page.locator("main form").get_by_role("button"))
                continue
            step = self.service.page(key)
            assert step is not None, page.url
            if item is not None:
                key = f"{key}/item"
            new = await self.audit(key)
            if step.kind == "content":
                if step.stop:
                    return None
            elif step.kind == "add-another" and item is None:
                await self.summary(key, new)
            else:
                if new:
                    await self.errors(key, step)
                await self.answer(step.fields)
            await submit(page)
            if await error_summary(page).count():
                raise AssertionError(f"{key} refused the answers: {await error_summary(page).inner_text()}")
        raise AssertionError(f"{self.service_id} did not reach its confirmation in 60 pages")

    async def pay(self) -> None:
        """The sandbox's card page (the payment provider's, in production): its errors, then
        GOV.UK Pay's test card that succeeds."""
        page = self.page
        if await self.audit("payment"):
            await submit(page)
            await self.audit_errors("payment")
        await fill_card(page, SUCCESS_CARD)
        await submit(page)

    async def errors(self, key: str, step: Step) -> None:
        fields = step.fields
        if any(f.required and f.revealed_by is None for f in fields) or await answer_wrongly(self.page, fields):
            await submit(self.page)
            await self.audit_errors(key)

    async def summary(self, key: str, new: bool) -> None:
        """An add-another summary: its errors, and its remove page (keeping the item), then "No"."""
        page = self.page
        if new:
            await submit(page)
            await self.audit_errors(key)
            async with page.expect_navigation():
                await page.locator("main").get_by_role("link", name=re.compile(r"^Remove")).first.click()
            await self.audit(f"{key}/remove")
            await submit(page)
            await self.audit_errors(f"{key}/remove")
            await page.get_by_label("No", exact=True).check()
            await submit(page)
        question = (await page.locator("main form fieldset legend").inner_text()).strip()
        await page.get_by_role("group", name=question).get_by_label("No", exact=True).check()

    async def answer(self, fields: tuple[Field, ...]) -> None:
        """Answer every question shown, then those the chosen options reveal."""
        chosen: set[str] = set()
        for fld in fields:
            if fld.revealed_by is None:
                option = self.option(fld) if fld.widget in CHOICES else None
                await answer(self.page, fld, option)
                if option is not None:
                    chosen.add(f"{fld.name}={code(option[0])}")
        for fld in fields:
            if fld.revealed_by is not None and f"{fld.revealed_by[0]}={fld.revealed_by[1]}" in chosen:
                await answer(self.page, fld)

    def option(self, fld: Field) -> tuple[Any, str]:
        """The option leading to a page not seen yet; else one leading to no stop page."""
        for value, title in fld.options:
            if any(step.id not in self.seen for step in self.leads_to(fld, value)):
                return value, title
        for value, title in fld.options:
            if not any(step.stop for step in self.leads_to(fld, value)):
                return value, title
        return fld.options[0]

    def leads_to(self, fld: Field, value: Any) -> list[Step]:
        """The conditional pages this one answer switches on by itself."""
        answers: Any = [value] if fld.widget == "checkboxes" else value
        for part in reversed(fld.pointer.strip("/").split("/")):
            answers = {part: answers}
        return [step for step in self.service.pages if step.when is not None and step.when.is_valid(answers)]


def path_of(url: str) -> str:
    return urlsplit(url).path
