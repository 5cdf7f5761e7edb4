"""The errors the store raises at its boundary, each with a stable ``code``."""

from __future__ import annotations


class StoreError(Exception):
    """Base class of every error raised by ``runtime.store``."""

    code = "store-error"


class DatabaseNotMigrated(StoreError):
    """The database schema is behind the code: migrations are pending."""

    code = "database-not-migrated"

    def __init__(self, pending: list[str]) -> None:
        self.pending = list(pending)
        names = ", ".join(self.pending)
        super().__init__(
            f"The database is not up to date: {len(self.pending)} migration(s) pending "
            f"({names}). Run `borough migrate` to apply them."
        )


class VersionConflict(StoreError):
    """A service version was published before with different content."""

    code = "version-conflict"

    def __init__(self, service_id: str, version: str) -> None:
        self.service_id = service_id
        self.version = version
        super().__init__(
            f"Version {version} of service {service_id!r} is already published with different "
            "content; published versions are immutable, so publish a new version number."
        )


class ConcurrentUpdate(StoreError):
    """A row changed (or was closed) since it was read; reload it and try again."""

    code = "concurrent-update"


class JourneySubmitted(ConcurrentUpdate):
    """The journey has been submitted, so its answers can no longer change."""

    code = "journey-submitted"


class JourneyExpired(ConcurrentUpdate):
    """The journey expired (or is gone) since it was read: its answers can no longer be saved."""

    code = "journey-expired"


class AnswersNotSaved(ConcurrentUpdate):
    """A page's answers could not be applied: the journey kept changing elsewhere through every
    try. Nothing of the change was saved; the resident can send the page again."""

    code = "answers-not-saved"
