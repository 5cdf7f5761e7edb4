"""The staff back office: casework, people, council settings, outbox, webhooks, API keys, audit."""
