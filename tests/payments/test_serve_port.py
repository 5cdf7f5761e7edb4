"""Issue 10: `PORT=8911 make run` without BOROUGH_BASE_URL. The links Borough makes (the card
page, the payment's return, the status links in emails) must name the port the server listens
on, not the default 8000: a redirect to another origin is refused by the CSP's form-action and
the resident's "Continue to payment" silently does nothing.

The real command, `borough serve --demo`, runs in a subprocess on a free port given only by
``PORT``; a resident pays for a shipped service with a fee on the sandbox's card page."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import httpx2 as httpx
import pytest
from bs4 import BeautifulSoup
from live_borough import borough_serve
from sandbox_fixtures import COUNCIL_TAX, Resident, path_of, pay, reference_on, to_card_page

from runtime.core.fees import format_pence

COUNCIL_TAX_PENCE = 2550  # what the walker answers to "How much do you want to pay?"
THIS_MACHINE = {"127.0.0.1", "localhost", "::1"}
URL = re.compile(r"https?://[^\s<>\"')]+")


@pytest.fixture
def live(tmp_path: Path, database_url: str) -> Iterator[str]:
    with borough_serve(tmp_path, database_url, secret_key="serve-port-test-secret-" + "x" * 32,
                       ready_path="/demo", arguments=["--demo"]) as base_url:
        yield base_url


def off_origin(url: str, base_url: str) -> bool:
    """Whether `url` names this machine but not the server under test."""
    parts = urlsplit(url)
    return parts.hostname in THIS_MACHINE and f"{parts.scheme}://{parts.netloc}" != base_url


class Origins:
    """Every URL the resident's browser was sent to or shown, checked as it arrives."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.seen: list[str] = []

    async def response(self, response: httpx.Response) -> None:
        here = str(response.url)
        assert not off_origin(here, self.base_url), here
        self.seen.append(here)
        if "location" in response.headers:
            target = urljoin(here, response.headers["location"])
            assert not off_origin(target, self.base_url), f"{here} redirects to {target}"
            self.seen.append(target)
        if response.headers.get("content-type", "").startswith("text/html"):
            await response.aread()
            html = BeautifulSoup(response.text, "html.parser")
            for tag, attribute in (("a", "href"), ("form", "action"), ("link", "href"), ("script", "src")):
                for element in html.find_all(tag):
                    link = urljoin(here, str(element.get(attribute) or ""))
                    assert not off_origin(link, self.base_url), f"{here} links to {link}"


async def test_paying_stays_on_the_port_the_server_listens_on(live: str) -> None:
    port = urlsplit(live).port
    assert port is not None and port != 8000
    origins = Origins(live)
    async with httpx.AsyncClient(base_url=live, event_hooks={"response": [origins.response]}, timeout=30) as http:
        resident = Resident(http)
        card = await to_card_page(resident, COUNCIL_TAX)
        assert urlsplit(card.url).port == port, card.url
        assert card.heading == "Enter card details"
        action = urljoin(card.url, str(card.form().get("action") or card.url))
        assert action.startswith(f"{live}/_sandbox/pay/"), action  # the CSP allows form-action 'self' only

        confirmation = await pay(resident, card)

        assert confirmation.status == 200 and path_of(confirmation.url).endswith("/confirmation"), confirmation.url
        assert confirmation.url.startswith(f"{live}/demo/{COUNCIL_TAX}/"), confirmation.url
        assert f"You paid {format_pence(COUNCIL_TAX_PENCE)}" in confirmation.response.text
        reference = reference_on(confirmation)
        assert any("/payment/" in url for url in origins.seen), origins.seen  # came back through the return URL

        outbox = (await http.get("/outbox.json")).json()
    emails = [m for m in outbox["messages"] if reference in m["subject"] + m["body"]]
    assert emails, [m["subject"] for m in outbox["messages"]]
    links = [url for m in emails for url in URL.findall(m["body"])]
    assert any(url.startswith(f"{live}/demo/status/") for url in links), links
    assert not [url for url in links if off_origin(url, live)], links
