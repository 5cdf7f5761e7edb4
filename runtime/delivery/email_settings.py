"""How this installation sends email: which transport, and its connection settings.

Read from the environment by ``runtime/web/settings.py`` (variables ``BOROUGH_EMAIL_*``,
``BOROUGH_SMTP_*``, ``BOROUGH_NOTIFY_*``, documented in docs/running.md); turned into a
transport by ``runtime.delivery.email.transport_from_settings``.
"""

from __future__ import annotations

from dataclasses import dataclass

TRANSPORTS = ("dev", "smtp", "notify")
SMTP_TLS = ("none", "starttls", "ssl")
NOTIFY_BASE_URL = "https://api.notifications.service.gov.uk"
DEFAULT_FROM = "Borough <noreply@borough.invalid>"


@dataclass(frozen=True)
class EmailSettings:
    transport: str = "dev"  # dev | smtp | notify
    email_from: str = DEFAULT_FROM  # the installation's sender, when a council has none
    smtp_host: str = ""
    smtp_port: int = 0  # 0: the usual port for smtp_tls (25, 587 or 465)
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_tls: str = "starttls"  # none | starttls | ssl
    notify_api_key: str = ""
    notify_template_id: str = ""
    notify_base_url: str = NOTIFY_BASE_URL

    def __repr__(self) -> str:  # never print the password or the API key into a log
        return (f"EmailSettings(transport={self.transport!r}, email_from={self.email_from!r}, "
                f"smtp_host={self.smtp_host!r}, smtp_port={self.smtp_port!r}, smtp_tls={self.smtp_tls!r}, "
                f"notify_base_url={self.notify_base_url!r})")
