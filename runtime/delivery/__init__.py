"""Delivery of what the store queued: emails from the outbox, back-office webhooks, and the
workflow's timers. Run by the background worker (embedded, or ``borough worker``)."""
