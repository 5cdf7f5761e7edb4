"""What the browser tests check on every page: axe finds no WCAG 2.2 A or AA violation and,
with JavaScript, GOV.UK Frontend has started and nothing broke the Content-Security-Policy."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from axe_playwright_python.async_playwright import Axe
from playwright.async_api import ConsoleMessage, Page, Request, Response

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}

# Added to every page with JavaScript before its own scripts run (an init script is not
# subject to the page's Content-Security-Policy), so a violation is caught even when the
# browser would only log it.
CSP_RECORDER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  const element = event.target instanceof Element ? event.target.outerHTML.slice(0, 160) : "";
  window.__cspViolations.push(`${event.violatedDirective} refused ${event.blockedURI || "inline"}`
    + (event.sourceFile ? ` (${event.sourceFile}:${event.lineNumber}:${event.columnNumber})` : "")
    + (element ? ` on ${element}` : ""));
}, true);
"""

SCRIPT = re.compile(r"<script\b[^>]*>.*?</script>", re.IGNORECASE | re.DOTALL)

_axe = Axe()


@dataclass
class Auditor:
    """Checks a page as the resident sees it.

    axe is JavaScript, and in a page with JavaScript off it never finishes (its timers never
    fire). So a page seen without JavaScript is audited as a copy: its HTML as the browser
    parsed it, less its (never run) scripts, written into `inspector`, a tab on the same
    origin with JavaScript on. It shows what the resident without JavaScript sees, with the
    same stylesheets.

    With `served` as well, one walk with JavaScript is audited both ways: each page as shown,
    and a copy of the HTML the server sent for it, as a resident without JavaScript gets it.
    """

    inspector: Page | None = None
    served: Served | None = None

    @property
    def javascript(self) -> bool:
        return self.inspector is None or self.served is not None

    async def check(self, page: Page, state: str) -> None:
        if self.inspector is None or self.served is not None:
            where = f"{page.url} ({state}, JavaScript on)"
            await assert_enhanced(page, where)
            await _assert_no_violations(page, where)
        if self.inspector is not None:
            html = await page.content() if self.served is None else await self.served.html(page)
            await self.inspector.set_content(SCRIPT.sub("", html))
            await _assert_no_violations(self.inspector, f"{page.url} ({state}, JavaScript off)")


@dataclass
class Served:
    """What the server sent for the page a tab with JavaScript shows: the HTML a resident without
    JavaScript would get for the same request. It is the last document the tab navigated to or,
    in an add-another loop, the last page htmx fetched into it (the server sends whole pages to
    htmx too, which takes their content). Redirects are followed to what they lead to."""

    last: Response | None = None

    def watch(self, page: Page) -> Served:
        def seen(response: Response) -> None:
            request = response.request
            document = request.is_navigation_request() and request.frame == page.main_frame
            if (document or _boosted(request)) and not 300 <= response.status < 400:
                self.last = response

        page.on("response", seen)
        return self

    async def html(self, page: Page) -> str:
        assert self.last is not None, f"nothing was served to {page.url} yet"
        assert self.last.url == page.url, f"{page.url} shows what {self.last.url} sent"
        return await self.last.text()


def _boosted(request: Request) -> bool:
    """Whether htmx asked for it (a redirect it was sent carries no header of its own)."""
    asked: Request | None = request
    while asked is not None:
        if asked.headers.get("hx-boosted") == "true":
            return True
        asked = asked.redirected_from
    return False


async def _assert_no_violations(page: Page, where: str) -> None:
    found = await axe_violations(page)
    violations = [v for v in map(excused, found) if v["nodes"]]
    assert not violations, f"{where}:\n{report(violations)}"


async def axe_violations(page: Page) -> list[dict[str, Any]]:
    """axe's WCAG violations on `page`. axe (570 KB of JavaScript) is put into a document
    only when it is not there yet: an inspector's copies are written into one document,
    which keeps it, so it is compiled once an inspector rather than once a check."""
    if not await page.evaluate("typeof window.axe === 'object' && typeof window.axe.run === 'function'"):
        await page.evaluate(_axe.axe_script)
    results: dict[str, Any] = await page.evaluate("options => window.axe.run(options)", AXE_OPTIONS)
    return list(results["violations"])


async def assert_enhanced(page: Page, where: str) -> None:
    """GOV.UK Frontend started (its script sets the class), and the page broke no CSP rule."""
    classes, refused = await page.evaluate("[document.body.className, window.__cspViolations]")
    assert "govuk-frontend-supported" in classes.split(), f"GOV.UK Frontend did not start on {where}"
    assert refused == [], f"Content-Security-Policy violations on {where}: {refused}"


async def inspector_for(page: Page) -> Page:
    """`page`, made an inspector: a blank document on the app's origin, so the copies' links
    to stylesheets resolve (and come from the browser's cache)."""
    await page.goto("/assets/council.css")
    return page


def report(violations: list[dict[str, Any]]) -> str:
    """Each violation: its rule, impact and summary, then each element by its target."""
    lines = [f"{len(violations)} axe violation(s):"]
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']} <{violation['helpUrl']}>")
        for node in violation["nodes"]:
            lines.append(f"    target {', '.join(map(str, node['target']))}: {node['html'][:200]}")
            if node.get("failureSummary"):
                lines.append("      " + node["failureSummary"].replace("\n", "\n      "))
    return "\n".join(lines)


def excused(violation: dict[str, Any]) -> dict[str, Any]:
    """The violation without the elements GOV.UK Frontend fails on purpose.

    Its script sets `aria-expanded` on a radio that reveals a conditional question. ARIA does
    not allow the attribute on radios, but screen readers announce it, so GOV.UK Frontend
    keeps it: https://github.com/alphagov/govuk-frontend/issues/979 (and pull request #2823).
    Only that attribute on those radios is excused; any other failure of the rule still fails.
    """
    if violation["id"] != "aria-allowed-attr":
        return violation
    nodes = [node for node in violation["nodes"] if not _conditional_radio_expanded(node)]
    return {**violation, "nodes": nodes}


def _conditional_radio_expanded(node: dict[str, Any]) -> bool:
    html = node["html"]
    checks = node.get("all", []) + node.get("any", []) + node.get("none", [])
    messages = [check["message"] for check in checks]
    return (
        html.startswith("<input") and 'class="govuk-radios__input"' in html and "aria-controls=" in html
        and bool(messages)
        and all(re.fullmatch(r'ARIA attribute is not allowed: aria-expanded="(true|false)"', m) for m in messages)
    )


@dataclass
class Console:
    """Everything the browser complained about: console errors and warnings (a
    Content-Security-Policy violation is one) and uncaught exceptions.

    Not complaints: the status of a page itself (422 is how an error page answers), whether
    loaded by the browser or fetched by htmx to be swapped in (a boosted request: an
    add-another loop's pages), a form refused in place (an inline edit of the builder, sent by
    htmx, answers 422, or 409 when the draft changed meanwhile), and the favicon Chromium asks
    for on its own.
    """

    errors: list[str] = field(default_factory=list)
    documents: set[str] = field(default_factory=set)
    fragments: set[str] = field(default_factory=set)
    current: str = "?"

    def watch(self, page: Page) -> Console:
        page.on("request", self._request)
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.errors.append(f"uncaught: {error}"))
        return self

    def _request(self, request: Request) -> None:
        if request.is_navigation_request() or request.headers.get("hx-boosted") == "true":
            self.documents.add(request.url)
            self.current = request.url
        elif request.headers.get("hx-request") == "true":
            self.fragments.add(request.url)

    def _console(self, message: ConsoleMessage) -> None:
        url = str((message.location or {}).get("url", ""))
        if message.text.startswith("Failed to load resource") and (
            url in self.documents or urlsplit(url).path == "/favicon.ico"
        ):
            return
        if url in self.fragments and re.fullmatch(r"Failed to load resource: .* status of (422|409) .*", message.text):
            return
        if message.type in ("error", "warning") or "Content Security Policy" in message.text:
            where = f"{url}:{(message.location or {}).get('lineNumber', 0)}:{(message.location or {}).get('columnNumber', 0)}"
            self.errors.append(f"{message.type} at {where} (on {self.current}): {message.text}")
