"""A resident in a test: reads each page's HTML, fills fields found by their label, chooses
options by their text, and submits forms as a browser would (no JavaScript)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import httpx2 as httpx
from bs4 import BeautifulSoup, Tag


def text_of(tag: Tag) -> str:
    return " ".join(tag.get_text(" ").split())


@dataclass
class Page:
    response: httpx.Response
    soup: BeautifulSoup
    values: dict[str, list[str]] = field(default_factory=dict)
    files: dict[str, tuple[str, bytes, str]] = field(default_factory=dict)

    @property
    def status(self) -> int:
        return self.response.status_code

    @property
    def url(self) -> str:
        return str(self.response.url)

    @property
    def title(self) -> str:
        return text_of(self.soup.title) if self.soup.title else ""

    @property
    def heading(self) -> str:
        h1 = self.soup.find("h1")
        return text_of(h1) if h1 else ""

    def form(self) -> Tag:
        """The form the resident is filling in: the one holding a field they filled, else the last."""
        forms = [f for f in self.soup.find_all("form") if f.get("method", "").lower() == "post"]
        assert forms, f"no form on {self.url}"
        for form in forms:
            names = {control.get("name") for control in form.find_all(["input", "textarea", "select"])}
            if names & (set(self.values) | set(self.files)):
                return form
        return forms[-1]

    def error_summary(self) -> list[tuple[str, str]]:
        summary = self.soup.select_one(".govuk-error-summary")
        if summary is None:
            return []
        return [(text_of(a), a["href"]) for a in summary.select("a")]

    def label_for(self, text: str) -> Tag:
        """The control labelled `text`: a <label>, or the <legend> of a fieldset."""
        wanted = text.strip()
        for label in self.soup.find_all("label"):
            shown = text_of(label).removesuffix("(optional)").strip()
            if shown == wanted:
                return label
        for legend in self.soup.find_all("legend"):
            shown = text_of(legend).removesuffix("(optional)").strip()
            if shown == wanted:
                return legend
        raise AssertionError(f"no field labelled {text!r} on {self.url}: {[text_of(x) for x in self.soup.find_all(['label', 'legend'])]}")

    def fill(self, label: str, value: str) -> None:
        tag = self.label_for(label)
        assert tag.name == "label", f"{label!r} labels a group, not one input"
        control = self.soup.find(id=tag["for"])
        assert control is not None and control.get("name"), f"{label!r} labels nothing"
        self.values[control["name"]] = [value]

    def fill_date(self, legend: str, day: str, month: str, year: str) -> None:
        fieldset = self.label_for(legend).find_parent("fieldset")
        inputs = fieldset.find_all("input")
        for control, value in zip(inputs, (day, month, year), strict=True):
            self.values[control["name"]] = [value]

    def choose(self, legend: str, *options: str) -> None:
        """Tick the radios or checkboxes whose labels read `options`, in the group `legend`."""
        fieldset = self.label_for(legend).find_parent("fieldset")
        chosen: dict[str, list[str]] = {}
        for option in options:
            for label in fieldset.find_all("label"):
                if text_of(label) == option:
                    control = self.soup.find(id=label["for"])
                    chosen.setdefault(control["name"], []).append(control["value"])
                    break
            else:
                raise AssertionError(f"no option {option!r} in {legend!r}")
        self.values.update(chosen)

    def attach(self, label: str, name: str, data: bytes, content_type: str) -> None:
        tag = self.label_for(label)
        control = self.soup.find(id=tag["for"])
        self.files[control["name"]] = (name, data, content_type)

    def form_data(self) -> dict[str, list[str]]:
        """What the browser would send: hidden inputs, the page's current values, then ours."""
        data: dict[str, list[str]] = {}
        form = self.form()
        for control in form.find_all(["input", "textarea", "select"]):
            name = control.get("name")
            if not name:
                continue
            kind = control.get("type", "text")
            if kind in ("radio", "checkbox"):
                if control.has_attr("checked"):
                    data.setdefault(name, []).append(control.get("value", "on"))
            elif kind == "file":
                continue
            elif control.name == "textarea":
                data.setdefault(name, []).append(control.get_text())
            elif control.name == "select":
                selected = control.find("option", selected=True)
                data.setdefault(name, []).append(selected.get("value", "") if selected else "")
            else:
                data.setdefault(name, []).append(control.get("value", ""))
        data.update(self.values)
        return data


class Resident:
    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client
        self.page: Page | None = None

    async def open(self, url: str) -> Page:
        response = await self.client.get(url, follow_redirects=True)
        self.page = Page(response, BeautifulSoup(response.text, "html.parser"))
        return self.page

    async def submit(self, page: Page | None = None, *, extra: dict[str, list[str]] | None = None) -> Page:
        page = page or self.page
        assert page is not None
        form = page.form()
        action = form.get("action") or page.url
        data = page.form_data()
        if extra:
            data.update(extra)
        pairs = [(name, value) for name, values in data.items() for value in values]
        if form.get("enctype") == "multipart/form-data":
            files = [(name, spec) for name, spec in page.files.items()] or [("__none__", ("", b"", "application/octet-stream"))]
            response = await self.client.post(action, data=_multi(pairs), files=files)
        else:
            response = await self.client.post(action, data=_multi(pairs))
        if response.is_redirect:
            response = await self.client.get(response.headers["location"], follow_redirects=True)
        self.page = Page(response, BeautifulSoup(response.text, "html.parser"))
        return self.page

    async def start(self, council: str, service: str) -> Page:
        start = await self.open(f"/{council}/{service}")
        assert start.status == 200
        return await self.submit(start)


def _multi(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    data: dict[str, list[str]] = {}
    for name, value in pairs:
        data.setdefault(name, []).append(value)
    return data


REFERENCE = re.compile(r"\b[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}\b")
