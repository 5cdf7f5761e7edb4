"""Payment providers by id: one table. The sandbox is refused in production."""

from __future__ import annotations

from runtime.payments.base import Provider
from runtime.payments.govuk_pay import GovukPay
from runtime.payments.sandbox import Sandbox
from runtime.payments.stripe import StripeCheckout


class ProviderUnavailable(Exception):
    pass


def providers() -> dict[str, Provider]:
    return {"sandbox": Sandbox(), "govuk_pay": GovukPay(), "stripe": StripeCheckout()}


def provider(provider_id: str, *, production: bool) -> Provider:
    if provider_id == "sandbox" and production:
        raise ProviderUnavailable("the sandbox provider takes no real money and is refused in production")
    found = providers().get(provider_id)
    if found is None:
        raise ProviderUnavailable(f"no payment provider called {provider_id!r}")
    return found
