"""The payment service: start or resume a payment for a pending submission, and the one
idempotent `sync` that the return URL, webhooks and the reconciler all call."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from runtime import store
from runtime.core.fees import Quote, format_pence
from runtime.core.links import Links
from runtime.core.payments import PaymentState
from runtime.core.ui_text import ui
from runtime.payments import registry
from runtime.payments.base import Account, PaymentRequest, ProviderError, WebhookRefused
from runtime.payments.sandbox import Sandbox, webhook_secret_for
from runtime.store import payments as records

log = logging.getLogger("borough.payments")

ATTEMPT_LIFETIME = timedelta(minutes=95)  # a little past GOV.UK Pay's 90 minutes
# Where the real providers' APIs are; tests point these at local servers speaking them.
API_URLS = {"govuk_pay": "BOROUGH_GOVUK_PAY_URL", "stripe": "BOROUGH_STRIPE_URL"}


class PaymentsUnavailable(Exception):
    """The council has no payment account, or its provider cannot be used here."""


class AlreadyPaid(Exception):
    """The application turned out to be paid already: nothing more must be charged."""


@dataclass(frozen=True)
class Started:
    attempt: store.models.PaymentAttempt
    next_url: str


class Payments:
    def __init__(self, *, base_url: str, secret_key: str, production: bool, box: store.SecretBox) -> None:
        self.base_url = base_url
        self.secret_key = secret_key
        self.production = production
        self.box = box
        self.links = Links(base_url, secret_key)

    def configured(self, council: store.Council) -> bool:
        return bool(council.payment_provider)

    def account(self, council: store.Council, provider_id: str | None = None) -> Account:
        """The council's account with `provider_id` (by default its current provider). An
        attempt made with a provider the council has since left can still be checked on the
        sandbox, not on a real provider whose key is gone."""
        provider_id = provider_id or council.payment_provider
        if not provider_id:
            raise PaymentsUnavailable("this council has no payment account")
        if provider_id not in ("sandbox", council.payment_provider):
            raise PaymentsUnavailable(f"the council no longer has an account with {provider_id}")
        if provider_id == "sandbox":
            return Account(provider="sandbox", account_id=str(council.id), base_url=self.base_url,
                           webhook_secret=webhook_secret_for(self.secret_key, council.id))
        return Account(
            provider=provider_id,
            api_key=store.payment_secret(council, self.box) or "",
            account_id=council.payment_account or "",
            webhook_secret=store.payment_webhook_secret(council, self.box) or "",
            base_url=os.environ.get(API_URLS.get(provider_id, ""), ""),
        )

    def provider(self, provider_id: str) -> Any:
        try:
            return registry.provider(provider_id, production=self.production)
        except registry.ProviderUnavailable as error:
            raise PaymentsUnavailable(str(error)) from None

    async def start(self, council: store.Council, submission: store.Submission, quote: Quote, *,
                    description: str, return_url: Any, cancel_url: str, language: str,
                    email: str | None = None) -> Started:
        """Resume the submission's unfinished payment, or begin a new attempt: stored first,
        then the provider is asked. `return_url(token)` builds the secret return address."""
        account = self.account(council)
        provider = self.provider(account.provider)
        current = await records.open_attempt(submission)
        if current is not None and current.provider_payment_id and current.provider == account.provider:
            resumed = await provider.resume(account, current.provider_payment_id)
            if resumed:
                return Started(current, resumed)
        # Before asking for money again, hear from every unfinished attempt: one may have been
        # paid already (the payer's browser closed before it came back, its webhook is late).
        for earlier in await records.attempts_for(submission):
            if earlier.state not in ("succeeded", "failed", "cancelled", "error"):
                try:
                    await self.sync(earlier, "service")
                except (ProviderError, PaymentsUnavailable):
                    log.warning("could not check earlier payment %s before a new one", earlier.reference)
        if not (await store.models.Submission.get(id=submission.id)).awaiting_payment:
            raise AlreadyPaid(submission.reference)
        fees = {"currency": "GBP", "total": quote.total, "lines": [c.as_json() for c in quote.charges]}
        attempt, token = await records.begin_attempt(council, submission, account.provider, quote.total, fees,
                                                     ATTEMPT_LIFETIME)
        request = PaymentRequest(amount=quote.total, reference=attempt.reference, description=description[:255],
                                 return_url=return_url(token), cancel_url=cancel_url,
                                 idempotency_key=attempt.idempotency_key, language=language, email=email,
                                 metadata={"submission": submission.reference})
        try:
            snapshot = await provider.create(account, request)
        except ProviderError:
            # Nothing was shown to the payer, so nothing can have been paid on this attempt.
            await records.apply(attempt.id, PaymentState.ERROR, source="service", links=self.links, reason="provider_error")
            raise
        await records.started(attempt, snapshot.provider_payment_id, snapshot.next_url)
        if not snapshot.next_url:
            raise ProviderError("the provider gave no page to pay on")
        return Started(attempt, snapshot.next_url)

    async def sync(self, attempt: store.models.PaymentAttempt, source: str) -> records.Applied:
        """Ask the provider where the attempt is and move it there (one way, idempotent)."""
        council = await attempt.council if not isinstance(attempt.council, store.Council) else attempt.council
        if not attempt.provider_payment_id:
            if records.now() >= attempt.expires_at:
                return await records.apply(attempt.id, PaymentState.FAILED, source=source, links=self.links,
                                           reason="expired")
            return records.Applied(attempt, False, False)
        account = self.account(council, attempt.provider)
        snapshot = await self.provider(attempt.provider).get(account, attempt.provider_payment_id)
        submission = await attempt.submission if not isinstance(attempt.submission, store.Submission) else attempt.submission
        applied = await records.apply(
            attempt.id, snapshot.state, source=source, links=self.links,
            reason=snapshot.reason.value if snapshot.reason else None, amount=snapshot.amount,
            details={"card_brand": snapshot.card_brand, "last_four": snapshot.last_four},
        )
        if applied.moved:
            log.info("payment %s: %s via %s", attempt.reference, applied.attempt.state, source)
        if applied.promoted:
            await self._tell_the_payer(council, submission, applied.attempt.amount)
        return applied

    async def _tell_the_payer(self, council: store.Council, submission: store.Submission, amount: int) -> None:
        """Once a payment settles, the payer hears so by email (once: keyed by the submission)."""
        email = submission.answers.get("email")
        if not isinstance(email, str) or "@" not in email:
            return
        version = await submission.service_version
        language = submission.language if submission.language in ("en", "cy") else "en"
        definition: dict[str, Any] = version.definition
        title = definition.get("translations", {}).get(language, {}).get("title") if language != "en" else None
        words = {"reference": submission.reference, "amount": format_pence(amount), "council": council.name,
                 "service": title or version.title, "link": self.links.status_url(council.slug, submission.reference)}
        await store.enqueue_email(council, email, subject=ui(language, "paid_email_subject", **words),
                                  body_text=ui(language, "paid_email_body", **words),
                                  idempotency_key=f"paid:{submission.id}", language=language)

    async def receive_webhook(self, provider_id: str, council: store.Council, headers: dict[str, str],
                              body: bytes) -> tuple[int, str]:
        """Verify and act on a provider webhook: (HTTP status, what happened)."""
        if council.payment_provider != provider_id:
            return 404, "this council does not use that provider"
        account = self.account(council)
        try:
            events = self.provider(provider_id).verify_webhook(account, {k.lower(): v for k, v in headers.items()}, body)
        except WebhookRefused as refused:
            log.warning("refused a %s webhook for %s: %s", provider_id, council.slug, refused)
            return 401, str(refused)
        unknown = 0
        for event in events:
            if await records.webhook_seen(provider_id, event.event_id):
                continue
            attempt = await records.by_provider_id(council, provider_id, event.provider_payment_id)
            if attempt is None:
                unknown += 1  # early (our row is not updated yet) or not ours: the provider retries
                continue
            await self.sync(attempt, "webhook")
            await records.webhook_done(provider_id, event.event_id, event.provider_payment_id)
        if unknown:
            return 409, "unknown payment: try again later"
        return 200, "ok"

    async def reconcile(self, limit: int = 100) -> dict[str, int]:
        """Sync every unfinished attempt: completes payments whose payer never came back."""
        counts = {"checked": 0, "moved": 0, "promoted": 0, "failed": 0}
        for attempt in await records.unfinished(limit):
            counts["checked"] += 1
            try:
                applied = await self.sync(attempt, "reconciler")
            except Exception as error:  # one attempt that cannot be checked must not stop the round
                counts["failed"] += 1
                log.warning("could not reconcile %s: %s", attempt.reference, error)
                continue
            counts["moved"] += applied.moved
            counts["promoted"] += applied.promoted
        return counts

    async def provider_record(self, council: store.Council, since: datetime, until: datetime) -> list[Any]:
        account = self.account(council)
        result: list[Any] = await self.provider(account.provider).list_payments(account, since, until)
        return result

    def sandbox(self) -> Sandbox:
        sandbox = self.provider("sandbox")
        assert isinstance(sandbox, Sandbox)
        return sandbox
