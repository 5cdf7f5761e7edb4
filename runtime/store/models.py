"""The tables Borough keeps, as Tortoise models.

Changing a model means writing a migration (see ``runtime/store/migrations/__init__.py``).
Every row a council owns points at its council, and the store's queries filter by it.
"""

from __future__ import annotations

from uuid import UUID

from tortoise import fields
from tortoise.models import Model

DEFAULT_BRAND_COLOUR = "#1d70b8"


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

    council_id: int

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

    council_id: int
    service_version_id: int
    journey_id: UUID

    class Meta:
        table = "submission"
        table_description = "Submitted applications, one per journey"
        indexes = (("council_id", "submitted_at"),)


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

    council_id: int | None

    class Meta:
        table = "outbox_message"
        table_description = "Emails to send, at most once per idempotency key"
