"""Persistence for Borough: the only package that imports Tortoise.

Councils, published service versions, journeys in progress, submissions, uploaded files and
the email outbox, on SQLite or PostgreSQL. Every function that reads a council's rows takes
the council and filters by it. Nothing is kept in process memory, so any number of workers
can share one database.
"""

from runtime.store import audit, drafts, payments, staff, webhooks
from runtime.store.councils import (
    CouncilError,
    create_council,
    get_council,
    get_council_by_id,
    list_councils,
    payment_secret,
    payment_webhook_secret,
    set_payment_account,
    set_payment_webhook_secret,
    settings_of,
    update_council,
)
from runtime.store.database import (
    connect,
    disconnect,
    migrate,
    pending_migrations,
    tortoise_config,
)
from runtime.store.errors import (
    AnswersNotSaved,
    ConcurrentUpdate,
    DatabaseNotMigrated,
    JourneyExpired,
    JourneySubmitted,
    StoreError,
    VersionConflict,
)
from runtime.store.files import FileStore
from runtime.store.journeys import (
    Change,
    Progress,
    get_journey,
    get_journey_by_id,
    page_answered,
    page_visited,
    save_answers,
    set_resume_email,
    start_journey,
)
from runtime.store.models import (
    AuditEntry,
    Council,
    DraftChange,
    Journey,
    Membership,
    OneTimeToken,
    OutboxMessage,
    ServiceDraft,
    ServiceVersion,
    StaffUser,
    Submission,
    UploadedFile,
    WebhookEndpoint,
)
from runtime.store.outbox import enqueue_email, list_for_recipient, list_messages
from runtime.store.references import new_reference, normalise_reference
from runtime.store.secrets import SecretBox, masked
from runtime.store.services import get_latest, get_version, latest_versions, publish_version
from runtime.store.submissions import get_by_reference, get_for_journey, recent, submit

__all__ = [
    "AnswersNotSaved",
    "AuditEntry",
    "Change",
    "ConcurrentUpdate",
    "Council",
    "CouncilError",
    "DatabaseNotMigrated",
    "DraftChange",
    "FileStore",
    "Journey",
    "JourneyExpired",
    "JourneySubmitted",
    "Membership",
    "OneTimeToken",
    "OutboxMessage",
    "Progress",
    "SecretBox",
    "ServiceDraft",
    "ServiceVersion",
    "StaffUser",
    "StoreError",
    "Submission",
    "UploadedFile",
    "VersionConflict",
    "WebhookEndpoint",
    "audit",
    "connect",
    "create_council",
    "disconnect",
    "drafts",
    "enqueue_email",
    "get_by_reference",
    "get_council",
    "get_council_by_id",
    "get_for_journey",
    "get_journey",
    "get_journey_by_id",
    "get_latest",
    "get_version",
    "latest_versions",
    "list_councils",
    "list_for_recipient",
    "list_messages",
    "masked",
    "migrate",
    "new_reference",
    "normalise_reference",
    "page_answered",
    "page_visited",
    "payment_secret",
    "payment_webhook_secret",
    "payments",
    "pending_migrations",
    "publish_version",
    "recent",
    "save_answers",
    "set_payment_account",
    "set_payment_webhook_secret",
    "set_resume_email",
    "settings_of",
    "staff",
    "start_journey",
    "submit",
    "tortoise_config",
    "update_council",
    "webhooks",
]
