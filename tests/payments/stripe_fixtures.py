"""Fixtures for the Stripe provider's tests: the local Stripe, an account bound to it, the
provider, and a webhook endpoint that checks deliveries with the provider.

A test module takes them with `pytest_plugins = ["stripe_fixtures"]` (they are not in a
conftest, so other payment tests do not get them).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from stripe_server import WEBHOOK_SECRET, FakeStripe, serve

from runtime.payments.base import Account, WebhookRefused
from runtime.payments.stripe import StripeCheckout


@dataclass
class WebhookEndpoint:
    """Borough's side of a webhook: verifies each delivery and remembers the outcome."""

    provider: StripeCheckout
    account: Account
    url: str = ""
    outcomes: list[dict[str, Any]] = field(default_factory=list)

    async def receive(self, request: Request) -> JSONResponse:
        body = await request.body()  # the raw bytes, before any parsing
        try:
            events = self.provider.verify_webhook(self.account, dict(request.headers), body)
        except WebhookRefused as refused:
            self.outcomes.append({"refused": str(refused)})
            return JSONResponse({"refused": str(refused)}, 400)
        outcome = {"events": [asdict(event) for event in events]}
        self.outcomes.append(outcome)
        return JSONResponse(outcome)


class Swappable:
    """An ASGI app that passes every request to whichever app it holds now, so one running
    server can serve a fresh app in each test."""

    def __init__(self) -> None:
        self.app: Any = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await self.app(scope, receive, send)


@pytest.fixture(scope="module")
def _stripe_listener() -> Iterator[tuple[Swappable, str]]:
    holder = Swappable()
    with serve(holder) as url:
        yield holder, url


@pytest.fixture(scope="module")
def _webhook_listener() -> Iterator[tuple[Swappable, str]]:
    holder = Swappable()
    with serve(holder) as url:
        yield holder, url


@pytest.fixture
def stripe_server(_stripe_listener: tuple[Swappable, str]) -> FakeStripe:
    """A local Stripe with nothing in it, served over real HTTP (the listener lives for the
    module; the state is new for each test)."""
    holder, url = _stripe_listener
    fake = FakeStripe(url=url)
    holder.app = fake.app
    return fake


@pytest.fixture
def stripe_account(stripe_server: FakeStripe) -> Account:
    return Account(provider="stripe", api_key=stripe_server.api_key, account_id="acct_borough",
                   webhook_secret=WEBHOOK_SECRET, base_url=stripe_server.url)


@pytest.fixture
def stripe_provider() -> StripeCheckout:
    return StripeCheckout()


@pytest.fixture
def stripe_webhook(stripe_provider: StripeCheckout, stripe_account: Account,
                   _webhook_listener: tuple[Swappable, str]) -> WebhookEndpoint:
    """A webhook endpoint for the account, served over real HTTP: `.url` to deliver to."""
    holder, url = _webhook_listener
    endpoint = WebhookEndpoint(stripe_provider, stripe_account, url=f"{url}/webhooks/stripe")
    holder.app = Starlette(routes=[Route("/webhooks/stripe", endpoint.receive, methods=["POST"])])
    return endpoint
