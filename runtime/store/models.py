"""The tables Borough keeps, as Tortoise models.

Changing a model means writing a migration (see ``runtime/store/migrations/__init__.py``).
Every row a council owns points at its council, and the store's queries filter by it.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from tortoise import fields
from tortoise import models as tortoise_models

DEFAULT_BRAND_COLOUR = "#1d70b8"


class _Uncommented(tortoise_models.ModelMeta):
    """Tortoise's model class, less its search for `#:` field comments: it reads and parses
    this whole file once for every model (26 times), about a second at the start of every
    process. Borough's fields are described by their model's docstring instead."""

    def __new__(mcs, name: str, bases: tuple[type, ...], attrs: dict[str, Any]) -> Any:
        attrs.setdefault("_no_comments", True)
        return super().__new__(mcs, name, bases, attrs)


class Model(tortoise_models.Model, metaclass=_Uncommented):
    """Every Borough table's base: a Tortoise model with no table of its own."""

    class Meta:
        abstract = True


def default_languages() -> list[str]:
    return ["en"]


def empty_answers() -> dict[str, object]:
    return {}


def empty_visited() -> list[str]:
    return []


class Council(Model):
    """A council: one tenancy of the installation, with its brand."""

    id = fields.IntField(primary_key=True)
    slug = fields.CharField(max_length=64, unique=True)
    name = fields.CharField(max_length=200)
    brand_colour = fields.CharField(max_length=7, default=DEFAULT_BRAND_COLOUR)
    logo_url = fields.CharField(max_length=500, null=True)
    contact_email = fields.CharField(max_length=254, null=True)
    languages: fields.Field[list[str]] = fields.JSONField(default=default_languages)
    created_at = fields.DatetimeField(auto_now_add=True)
    contact_phone = fields.CharField(max_length=40, null=True)
    website_url = fields.CharField(max_length=500, null=True)
    accessibility_url = fields.CharField(max_length=500, null=True)
    privacy_url = fields.CharField(max_length=500, null=True)
    email_sender_name = fields.CharField(max_length=200, null=True)
    email_sender_address = fields.CharField(max_length=254, null=True)
    email_reply_to = fields.CharField(max_length=254, null=True)
    payment_provider = fields.CharField(max_length=32, null=True)
    payment_account = fields.CharField(max_length=200, null=True)
    payment_secret = fields.TextField(null=True)  # encrypted with the installation's key
    payment_webhook_secret = fields.TextField(null=True)  # encrypted too; several, comma-separated
    updated_at = fields.DatetimeField(auto_now=True, null=True)

    class Meta:
        table = "council"
        table_description = "Councils: the tenancies of this installation"

    def __str__(self) -> str:
        return self.slug


class ServiceVersion(Model):
    """One published, immutable version of a council's service definition."""

    id = fields.IntField(primary_key=True)
    council: fields.ForeignKeyRelation[Council] = fields.ForeignKeyField(
        "borough.Council", related_name="service_versions", on_delete=fields.RESTRICT
    )
    service_id = fields.CharField(max_length=64)
    version = fields.CharField(max_length=32)
    content_hash = fields.CharField(max_length=64, db_index=True)
    definition: fields.Field[dict[str, object]] = fields.JSONField()
    title = fields.CharField(max_length=500)
    published_at = fields.DatetimeField(auto_now_add=True)
    published_by: fields.ForeignKeyNullableRelation[StaffUser] = fields.ForeignKeyField(
        "borough.StaffUser", related_name="published_versions", on_delete=fields.RESTRICT, null=True
    )
    published_by_label = fields.CharField(max_length=300, null=True)  # none: published before the builder
    change_note = fields.TextField(null=True)

    council_id: int
    published_by_id: int | None

    class Meta:
        table = "service_version"
        table_description = "Published, immutable service definition versions"
        unique_together = (("council", "service_id", "version"),)

    def __str__(self) -> str:
        return f"{self.service_id}@{self.version}"


class Journey(Model):
    """A resident's application in progress: the answers saved after every page."""

    id = fields.UUIDField(primary_key=True)
    council: fields.ForeignKeyRelation[Council] = fields.ForeignKeyField(
        "borough.Council", related_name="journeys", on_delete=fields.RESTRICT
    )
    service_version: fields.ForeignKeyRelation[ServiceVersion] = fields.ForeignKeyField(
        "borough.ServiceVersion", related_name="journeys", on_delete=fields.RESTRICT
    )
    answers: fields.Field[dict[str, object]] = fields.JSONField(default=empty_answers)
    visited: fields.Field[list[str]] = fields.JSONField(default=empty_visited)
    language = fields.CharField(max_length=2, default="en")
    resume_email = fields.CharField(max_length=254, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)
    expires_at = fields.DatetimeField(db_index=True)
    submitted = fields.BooleanField(default=False)
    lock_version = fields.IntField(default=0)

    council_id: int
    service_version_id: int

    class Meta:
        table = "journey"
        table_description = "Residents' applications in progress"


class Submission(Model):
    """A submitted application; at most one per journey, with its reference."""

    id = fields.IntField(primary_key=True)
    council: fields.ForeignKeyRelation[Council] = fields.ForeignKeyField(
        "borough.Council", related_name="submissions", on_delete=fields.RESTRICT
    )
    service_version: fields.ForeignKeyRelation[ServiceVersion] = fields.ForeignKeyField(
        "borough.ServiceVersion", related_name="submissions", on_delete=fields.RESTRICT
    )
    journey: fields.OneToOneRelation[Journey] = fields.OneToOneField(
        "borough.Journey", related_name="submission", on_delete=fields.RESTRICT
    )
    reference = fields.CharField(max_length=16, unique=True)
    answers: fields.Field[dict[str, object]] = fields.JSONField()
    language = fields.CharField(max_length=2, default="en")
    state = fields.CharField(max_length=64)
    submitted_at = fields.DatetimeField(auto_now_add=True)
    # Stored before the resident leaves to pay; promoted exactly once when a payment succeeds.
    awaiting_payment = fields.BooleanField(default=False, db_default=False)
    # The service's id, copied from its version so the inbox filters without a join.
    service_id = fields.CharField(max_length=64, default="", db_default="")
    # When the current state was entered, and when the council aims to have left it.
    state_entered_at = fields.DatetimeField(null=True)
    due_at = fields.DatetimeField(null=True)
    # Bumped by every transition: two staff acting at once cannot both move the application.
    version = fields.IntField(default=0, db_default=0)
    assigned_to: fields.ForeignKeyNullableRelation[StaffUser] = fields.ForeignKeyField(
        "borough.StaffUser", related_name="assigned_submissions", on_delete=fields.SET_NULL, null=True
    )
    # What the council asked the resident for, while it is outstanding:
    # {"pages": [page ids], "note": str, "event": history id}.
    request: fields.Field[dict[str, object] | None] = fields.JSONField(null=True)

    council_id: int
    service_version_id: int
    journey_id: UUID
    assigned_to_id: int | None

    class Meta:
        table = "submission"
        table_description = "Submitted applications, one per journey"
        indexes = (
            ("council_id", "submitted_at", "id"),
            ("council_id", "state", "submitted_at", "id"),
            ("council_id", "service_id", "submitted_at", "id"),
            ("council_id", "service_id", "state", "submitted_at", "id"),
            ("council_id", "due_at"),
        )


class SubmissionEvent(Model):
    """One step in an application's history. Append-only: the database refuses edits."""

    id = fields.IntField(primary_key=True)
    council: fields.ForeignKeyRelation[Council] = fields.ForeignKeyField(
        "borough.Council", related_name="submission_events", on_delete=fields.RESTRICT
    )
    submission: fields.ForeignKeyRelation[Submission] = fields.ForeignKeyField(
        "borough.Submission", related_name="events", on_delete=fields.RESTRICT
    )
    from_state = fields.CharField(max_length=64)
    to_state = fields.CharField(max_length=64)
    event = fields.CharField(max_length=64)
    actor: fields.ForeignKeyNullableRelation[StaffUser] = fields.ForeignKeyField(
        "borough.StaffUser", related_name="submission_events", on_delete=fields.RESTRICT, null=True
    )
    actor_label = fields.CharField(max_length=300)  # "system", "resident", or the staff member
    note = fields.TextField(default="")
    visible_to_resident = fields.BooleanField(default=True)
    data: fields.Field[dict[str, object]] = fields.JSONField(default=dict)
    at = fields.DatetimeField(auto_now_add=True)

    council_id: int
    submission_id: int
    actor_id: int | None

    class Meta:
        table = "submission_event"
        table_description = "Append-only history of each application's workflow"
        indexes = (("submission_id", "id"),)


class WorkflowTimer(Model):
    """A statechart ``after`` timer: fires once, if the application is still where it was."""

    id = fields.IntField(primary_key=True)
    council: fields.ForeignKeyRelation[Council] = fields.ForeignKeyField(
        "borough.Council", related_name="workflow_timers", on_delete=fields.RESTRICT
    )
    submission: fields.ForeignKeyRelation[Submission] = fields.ForeignKeyField(
        "borough.Submission", related_name="timers", on_delete=fields.RESTRICT
    )
    state = fields.CharField(max_length=64)
    # The submission's version when the state was entered (leaving the state disarms the
    # timer, so one from an earlier visit never fires).
    entered_version = fields.IntField()
    delay_ms = fields.BigIntField()
    due_at = fields.DatetimeField(db_index=True)
    fired_at = fields.DatetimeField(null=True)
    outcome = fields.CharField(max_length=32, default="")  # fired | stale

    council_id: int
    submission_id: int

    class Meta:
        table = "workflow_timer"
        table_description = "Statechart timers waiting to fire"
        unique_together = (("submission_id", "entered_version", "delay_ms"),)


class UploadedFile(Model):
    """A file a resident uploaded; the bytes live in the file store, outside any web root."""

    id = fields.UUIDField(primary_key=True)
    council: fields.ForeignKeyRelation[Council] = fields.ForeignKeyField(
        "borough.Council", related_name="uploaded_files", on_delete=fields.RESTRICT
    )
    journey: fields.ForeignKeyRelation[Journey] = fields.ForeignKeyField(
        "borough.Journey", related_name="uploaded_files", on_delete=fields.CASCADE
    )
    field = fields.CharField(max_length=500)
    filename = fields.CharField(max_length=255)
    content_type = fields.CharField(max_length=255)
    size = fields.IntField()
    sha256 = fields.CharField(max_length=64)
    storage_key = fields.CharField(max_length=255)
    created_at = fields.DatetimeField(auto_now_add=True)

    council_id: int
    journey_id: UUID

    class Meta:
        table = "uploaded_file"
        table_description = "Files residents uploaded (the bytes are in the file store)"


class OutboxMessage(Model):
    """An email waiting to be (or already) sent; enqueued at most once per idempotency key."""

    id = fields.IntField(primary_key=True)
    council: fields.ForeignKeyNullableRelation[Council] = fields.ForeignKeyField(
        "borough.Council", related_name="outbox_messages", on_delete=fields.RESTRICT, null=True
    )
    kind = fields.CharField(max_length=16, default="email")
    recipient = fields.CharField(max_length=254, db_index=True)
    subject = fields.CharField(max_length=500)
    body_text = fields.TextField()
    idempotency_key = fields.CharField(max_length=128, unique=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    sent_at = fields.DatetimeField(null=True)
    attempts = fields.IntField(default=0)
    last_error = fields.TextField(null=True)
    language = fields.CharField(max_length=2, default="en", db_default="en")
    # Delivery: the next try, a lease held by the worker sending it, and the transport's
    # own id for the message once accepted (Notify's notification id, an SMTP Message-ID).
    next_attempt_at = fields.DatetimeField(null=True)
    claimed_until = fields.DatetimeField(null=True)
    transport = fields.CharField(max_length=16, default="", db_default="")
    transport_id = fields.CharField(max_length=200, null=True)
    dead_at = fields.DatetimeField(null=True)

    council_id: int | None

    class Meta:
        table = "outbox_message"
        table_description = "Emails to send, at most once per idempotency key"
        indexes = (("sent_at", "dead_at", "next_attempt_at"),)


class StaffUser(Model):
    """A member of staff (or an installation operator) who signs in to the staff app."""

    id = fields.IntField(primary_key=True)
    email = fields.CharField(max_length=254, unique=True)  # always lower case
    name = fields.CharField(max_length=200)
    password_hash = fields.CharField(max_length=200, null=True)  # none until an invitation is accepted
    is_operator = fields.BooleanField(default=False)
    active = fields.BooleanField(default=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    last_sign_in_at = fields.DatetimeField(null=True)

    class Meta:
        table = "staff_user"
        table_description = "Staff and operators who sign in"


class Membership(Model):
    """A person's roles in one council: admin, designer, publisher, caseworker."""

    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation[StaffUser] = fields.ForeignKeyField(
        "borough.StaffUser", related_name="memberships", on_delete=fields.CASCADE
    )
    council: fields.ForeignKeyRelation[Council] = fields.ForeignKeyField(
        "borough.Council", related_name="memberships", on_delete=fields.RESTRICT
    )
    roles: fields.Field[list[str]] = fields.JSONField(default=list)
    created_at = fields.DatetimeField(auto_now_add=True)

    user_id: int
    council_id: int

    class Meta:
        table = "membership"
        table_description = "Staff roles per council"
        unique_together = (("user", "council"),)


class StaffSession(Model):
    """A signed-in browser. The cookie holds a random token; only its hash is stored."""

    id = fields.CharField(max_length=64, primary_key=True)  # sha256 hex of the token
    user: fields.ForeignKeyRelation[StaffUser] = fields.ForeignKeyField(
        "borough.StaffUser", related_name="sessions", on_delete=fields.CASCADE
    )
    created_at = fields.DatetimeField(auto_now_add=True)
    last_seen_at = fields.DatetimeField()
    expires_at = fields.DatetimeField(db_index=True)
    address = fields.CharField(max_length=64, null=True)

    user_id: int

    class Meta:
        table = "staff_session"
        table_description = "Signed-in staff browsers"


class SignInAttempt(Model):
    """A failed sign-in, counted per email address and per network address to slow guessing."""

    id = fields.IntField(primary_key=True)
    key = fields.CharField(max_length=300)  # "email:<address>" or "address:<ip>"
    at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "sign_in_attempt"
        table_description = "Failed sign-ins, for rate limiting"
        indexes = (("key", "at"),)


class OneTimeToken(Model):
    """A password reset or an invitation: single use, time limited, stored as a hash."""

    id = fields.CharField(max_length=64, primary_key=True)  # sha256 hex of the token
    kind = fields.CharField(max_length=16)  # reset | invitation
    email = fields.CharField(max_length=254)
    council: fields.ForeignKeyNullableRelation[Council] = fields.ForeignKeyField(
        "borough.Council", related_name="tokens", on_delete=fields.RESTRICT, null=True
    )
    roles: fields.Field[list[str]] = fields.JSONField(default=list)
    created_by: fields.ForeignKeyNullableRelation[StaffUser] = fields.ForeignKeyField(
        "borough.StaffUser", related_name="tokens_created", on_delete=fields.SET_NULL, null=True
    )
    created_at = fields.DatetimeField(auto_now_add=True)
    expires_at = fields.DatetimeField()
    used_at = fields.DatetimeField(null=True)

    council_id: int | None

    class Meta:
        table = "one_time_token"
        table_description = "Password resets and invitations"


class WebhookEndpoint(Model):
    """Where a council's back-office systems receive submissions and status changes."""

    id = fields.IntField(primary_key=True)
    council: fields.ForeignKeyRelation[Council] = fields.ForeignKeyField(
        "borough.Council", related_name="webhook_endpoints", on_delete=fields.RESTRICT
    )
    url = fields.CharField(max_length=500)
    secret = fields.TextField()  # encrypted with the installation's key
    events: fields.Field[list[str]] = fields.JSONField(default=list)
    active = fields.BooleanField(default=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    council_id: int

    class Meta:
        table = "webhook_endpoint"
        table_description = "Back-office webhook endpoints per council"


class WebhookDelivery(Model):
    """One event for one endpoint: retried with backoff until delivered or dead-lettered."""

    id = fields.IntField(primary_key=True)
    council: fields.ForeignKeyRelation[Council] = fields.ForeignKeyField(
        "borough.Council", related_name="webhook_deliveries", on_delete=fields.RESTRICT
    )
    endpoint: fields.ForeignKeyRelation[WebhookEndpoint] = fields.ForeignKeyField(
        "borough.WebhookEndpoint", related_name="deliveries", on_delete=fields.RESTRICT
    )
    event_id = fields.CharField(max_length=64)  # stable: the receiver dedupes on it
    event_type = fields.CharField(max_length=64)  # submission.created | submission.status_changed
    payload: fields.Field[dict[str, object]] = fields.JSONField()
    created_at = fields.DatetimeField(auto_now_add=True)
    attempts = fields.IntField(default=0)
    next_attempt_at = fields.DatetimeField(null=True)
    claimed_until = fields.DatetimeField(null=True)
    delivered_at = fields.DatetimeField(null=True)
    dead_at = fields.DatetimeField(null=True)
    last_status = fields.IntField(null=True)
    last_error = fields.TextField(null=True)

    council_id: int
    endpoint_id: int

    class Meta:
        table = "webhook_delivery"
        table_description = "Signed back-office webhook deliveries, with retries and dead letters"
        unique_together = (("endpoint_id", "event_id"),)
        indexes = (("delivered_at", "dead_at", "next_attempt_at"), ("council_id", "dead_at"))


class ApiKey(Model):
    """A council system's key to the read-only JSON API. Only a hash of the secret is kept."""

    id = fields.IntField(primary_key=True)
    council: fields.ForeignKeyRelation[Council] = fields.ForeignKeyField(
        "borough.Council", related_name="api_keys", on_delete=fields.RESTRICT
    )
    name = fields.CharField(max_length=200)
    prefix = fields.CharField(max_length=16, unique=True)  # shown to staff to tell keys apart
    key_hash = fields.CharField(max_length=64, unique=True)  # sha256 hex of the whole key
    scopes: fields.Field[list[str]] = fields.JSONField(default=list)
    created_by: fields.ForeignKeyNullableRelation[StaffUser] = fields.ForeignKeyField(
        "borough.StaffUser", related_name="api_keys", on_delete=fields.RESTRICT, null=True
    )
    created_at = fields.DatetimeField(auto_now_add=True)
    last_used_at = fields.DatetimeField(null=True)
    revoked_at = fields.DatetimeField(null=True)

    council_id: int
    created_by_id: int | None

    class Meta:
        table = "api_key"
        table_description = "Per-council API keys for the JSON API"


class AuditEntry(Model):
    """One staff action that changed something. Append-only: the database refuses edits."""

    id = fields.IntField(primary_key=True)
    council: fields.ForeignKeyNullableRelation[Council] = fields.ForeignKeyField(
        "borough.Council", related_name="audit_entries", on_delete=fields.RESTRICT, null=True
    )
    actor: fields.ForeignKeyNullableRelation[StaffUser] = fields.ForeignKeyField(
        "borough.StaffUser", related_name="audit_entries", on_delete=fields.RESTRICT, null=True
    )
    actor_label = fields.CharField(max_length=300)
    action = fields.CharField(max_length=100)
    target = fields.CharField(max_length=300, default="")
    before: fields.Field[dict[str, object] | None] = fields.JSONField(null=True)
    after: fields.Field[dict[str, object] | None] = fields.JSONField(null=True)
    address = fields.CharField(max_length=64, null=True)
    at = fields.DatetimeField(auto_now_add=True)

    council_id: int | None
    actor_id: int | None

    class Meta:
        table = "audit_entry"
        table_description = "Append-only log of staff actions"
        indexes = (("council_id", "at"),)


class PaymentAttempt(Model):
    """One try at paying for a submission. Stored before the provider is called; moved one
    way through its states only by the payment service's sync."""

    id = fields.IntField(primary_key=True)
    council: fields.ForeignKeyRelation[Council] = fields.ForeignKeyField(
        "borough.Council", related_name="payment_attempts", on_delete=fields.RESTRICT
    )
    submission: fields.ForeignKeyRelation[Submission] = fields.ForeignKeyField(
        "borough.Submission", related_name="payment_attempts", on_delete=fields.RESTRICT
    )
    reference = fields.CharField(max_length=32, unique=True)
    return_token = fields.CharField(max_length=64, unique=True)  # sha256 hex of the secret in the return URL
    idempotency_key = fields.CharField(max_length=64, unique=True)
    provider = fields.CharField(max_length=32)
    provider_payment_id = fields.CharField(max_length=200, null=True)
    amount = fields.IntField()
    fees: fields.Field[dict[str, object]] = fields.JSONField()  # the fee lines priced when the attempt began
    state = fields.CharField(max_length=16, default="created")
    failure_reason = fields.CharField(max_length=32, null=True)
    next_url = fields.TextField(null=True)
    card_brand = fields.CharField(max_length=40, null=True)
    last_four = fields.CharField(max_length=4, null=True)
    flagged_for_refund = fields.BooleanField(default=False)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)
    expires_at = fields.DatetimeField(db_index=True)

    council_id: int
    submission_id: int

    class Meta:
        table = "payment_attempt"
        table_description = "Payment attempts, one way through their states"
        unique_together = (("provider", "provider_payment_id"),)
        indexes = (("state", "expires_at"), ("council_id", "created_at"))


class PaymentEvent(Model):
    """An attempt's state history: from, to, what saw it (return, webhook, reconciler, staff)."""

    id = fields.IntField(primary_key=True)
    attempt: fields.ForeignKeyRelation[PaymentAttempt] = fields.ForeignKeyField(
        "borough.PaymentAttempt", related_name="events", on_delete=fields.RESTRICT
    )
    from_state = fields.CharField(max_length=16)
    to_state = fields.CharField(max_length=16)
    source = fields.CharField(max_length=16)
    detail: fields.Field[dict[str, object] | None] = fields.JSONField(null=True)
    at = fields.DatetimeField(auto_now_add=True)

    attempt_id: int

    class Meta:
        table = "payment_event"
        table_description = "Payment attempts' state history"


class WebhookMessage(Model):
    """A provider webhook processed once: its id is recorded after it was acted on."""

    id = fields.IntField(primary_key=True)
    provider = fields.CharField(max_length=32)
    message_id = fields.CharField(max_length=200)
    provider_payment_id = fields.CharField(max_length=200, null=True)
    received_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "webhook_message"
        table_description = "Provider webhooks already processed"
        unique_together = (("provider", "message_id"),)


class Refund(Model):
    """Money given back on a payment, in full or in part, by a member of staff."""

    id = fields.IntField(primary_key=True)
    council: fields.ForeignKeyRelation[Council] = fields.ForeignKeyField(
        "borough.Council", related_name="refunds", on_delete=fields.RESTRICT
    )
    attempt: fields.ForeignKeyRelation[PaymentAttempt] = fields.ForeignKeyField(
        "borough.PaymentAttempt", related_name="refunds", on_delete=fields.RESTRICT
    )
    amount = fields.IntField()
    state = fields.CharField(max_length=16, default="pending")
    provider_refund_id = fields.CharField(max_length=200, null=True)
    idempotency_key = fields.CharField(max_length=64, unique=True)
    reason = fields.CharField(max_length=500, default="")
    created_by: fields.ForeignKeyNullableRelation[StaffUser] = fields.ForeignKeyField(
        "borough.StaffUser", related_name="refunds", on_delete=fields.RESTRICT, null=True
    )
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    council_id: int
    attempt_id: int

    class Meta:
        table = "refund"
        table_description = "Refunds of payments"


class SandboxPayment(Model):
    """The built-in sandbox provider's own record of a payment, as GOV.UK Pay would keep it."""

    id = fields.CharField(max_length=40, primary_key=True)
    council: fields.ForeignKeyRelation[Council] = fields.ForeignKeyField(
        "borough.Council", related_name="sandbox_payments", on_delete=fields.RESTRICT
    )
    amount = fields.IntField()
    reference = fields.CharField(max_length=255)
    description = fields.CharField(max_length=255)
    return_url = fields.TextField()
    status = fields.CharField(max_length=16, default="created")  # GOV.UK Pay's statuses
    code = fields.CharField(max_length=8, null=True)  # P0010 declined, P0020 expired, ...
    last_four = fields.CharField(max_length=4, null=True)
    refunded = fields.IntField(default=0)
    created_at = fields.DatetimeField(auto_now_add=True)
    expires_at = fields.DatetimeField()

    council_id: int

    class Meta:
        table = "sandbox_payment"
        table_description = "The sandbox payment provider's payments"


class ServiceDraft(Model):
    """A service's one working draft in a council: the definition its designers are changing.
    `version` goes up with every change, undo and redo (the optimistic check); `head_change_id`
    is the change the draft now ends with (undo steps back from it, redo forward)."""

    id = fields.IntField(primary_key=True)
    council: fields.ForeignKeyRelation[Council] = fields.ForeignKeyField(
        "borough.Council", related_name="service_drafts", on_delete=fields.RESTRICT
    )
    service_id = fields.CharField(max_length=64)
    definition: fields.Field[dict[str, object]] = fields.JSONField()
    version = fields.IntField(default=1)
    head_change_id = fields.IntField(null=True)
    source = fields.CharField(max_length=200, default="blank")
    published_draft_version = fields.IntField(null=True)  # the draft's version when it was last published
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField()
    updated_by: fields.ForeignKeyNullableRelation[StaffUser] = fields.ForeignKeyField(
        "borough.StaffUser", related_name="updated_drafts", on_delete=fields.RESTRICT, null=True
    )
    updated_by_label = fields.CharField(max_length=300, default="")

    council_id: int
    updated_by_id: int | None

    class Meta:
        table = "service_draft"
        table_description = "Each service's one working draft per council"
        unique_together = (("council", "service_id"),)


class DraftChange(Model):
    """One step of a draft's history: a change, or an undo or redo of one. Append-only: the
    database refuses edits. `patch` turns the draft at `version - 1` into `version`."""

    id = fields.IntField(primary_key=True)
    council: fields.ForeignKeyRelation[Council] = fields.ForeignKeyField(
        "borough.Council", related_name="draft_changes", on_delete=fields.RESTRICT
    )
    draft: fields.ForeignKeyRelation[ServiceDraft] = fields.ForeignKeyField(
        "borough.ServiceDraft", related_name="changes", on_delete=fields.RESTRICT
    )
    version = fields.IntField()
    kind = fields.CharField(max_length=8)  # change | undo | redo
    operation = fields.CharField(max_length=64)
    description = fields.TextField()
    params: fields.Field[dict[str, object]] = fields.JSONField(default=empty_answers)
    patch: fields.Field[list[object]] = fields.JSONField()
    inverse: fields.Field[list[object]] = fields.JSONField()
    parent_id = fields.IntField(null=True)  # a change: the change the draft ended with before it
    target_id = fields.IntField(null=True)  # an undo or redo: the change it undid or redid
    actor: fields.ForeignKeyNullableRelation[StaffUser] = fields.ForeignKeyField(
        "borough.StaffUser", related_name="draft_changes", on_delete=fields.RESTRICT, null=True
    )
    actor_label = fields.CharField(max_length=300)
    at = fields.DatetimeField(auto_now_add=True)

    council_id: int
    draft_id: int
    actor_id: int | None

    class Meta:
        table = "draft_change"
        table_description = "Append-only history of every draft: changes, undos and redos"
        unique_together = (("draft", "version"),)


class CatalogueKey(Model):
    """A council's Ed25519 key for signing what it publishes to a catalogue: the private key
    sealed with the installation's key, never shown; one current key, earlier ones retired."""

    id = fields.IntField(primary_key=True)
    council: fields.ForeignKeyRelation[Council] = fields.ForeignKeyField(
        "borough.Council", related_name="catalogue_keys", on_delete=fields.RESTRICT
    )
    keyid = fields.CharField(max_length=64, unique=True)
    public_key = fields.TextField()  # the key as TUF writes it, one line of JSON
    sealed_private_key = fields.TextField()  # PEM, sealed by the SecretBox
    created_at = fields.DatetimeField(auto_now_add=True)
    retired_at = fields.DatetimeField(null=True)

    council_id: int

    class Meta:
        table = "catalogue_key"
        table_description = "Councils' catalogue signing keys, sealed at rest"


class CatalogueFork(Model):
    """A council's service imported from a catalogue: the upstream it was forked from."""

    id = fields.IntField(primary_key=True)
    council: fields.ForeignKeyRelation[Council] = fields.ForeignKeyField(
        "borough.Council", related_name="catalogue_forks", on_delete=fields.RESTRICT
    )
    service_id = fields.CharField(max_length=64)  # the council's own service
    catalogue = fields.CharField(max_length=500)  # the catalogue's URL
    publisher = fields.CharField(max_length=64)
    # the publisher's name as its signed index gave it on import (refreshed on upgrade), for
    # when the cache no longer has it; None for a fork imported before it was kept
    publisher_name = fields.CharField(max_length=200, null=True)
    upstream_service = fields.CharField(max_length=64)
    upstream_version = fields.CharField(max_length=32)
    address = fields.CharField(max_length=64)  # the upstream definition's content address
    created_at = fields.DatetimeField(auto_now_add=True)

    council_id: int

    class Meta:
        table = "catalogue_fork"
        table_description = "Services imported from a catalogue, with their upstream"
        unique_together = (("council", "service_id"),)


class CatalogueSuggestion(Model):
    """A change another council suggests to one of this council's published catalogue
    services: the JSON Patch from the version it suggests against, its message, and what the
    publisher's staff decided. The suggesting council is named, not linked: it may be on
    another installation (builder/catalogue/suggestions.py)."""

    id = fields.IntField(primary_key=True)
    council: fields.ForeignKeyRelation[Council] = fields.ForeignKeyField(
        "borough.Council", related_name="catalogue_suggestions", on_delete=fields.RESTRICT
    )  # the publisher, who reads it
    service = fields.CharField(max_length=64)  # the publisher's service id
    version = fields.CharField(max_length=32)  # the published version it suggests against
    address = fields.CharField(max_length=64)  # that version's content address in the catalogue
    from_council = fields.CharField(max_length=64)  # the suggesting council's slug
    from_name = fields.CharField(max_length=200)  # and its name
    via = fields.CharField(max_length=16)  # "installation" (sent here) or "upload" (a file)
    message = fields.TextField()
    patch: fields.Field[list[object]] = fields.JSONField()
    state = fields.CharField(max_length=16, default="open")  # open, applied or dismissed
    decided_by_label = fields.CharField(max_length=300, default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    decided_at = fields.DatetimeField(null=True)

    council_id: int

    class Meta:
        table = "catalogue_suggestion"
        table_description = "Changes other councils suggest to a council's published catalogue services"
