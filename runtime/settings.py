"""Settings come from the environment, once, at start. Nothing reads the Host header."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from runtime.delivery.email_settings import EmailSettings

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_HOST, DEFAULT_PORT = "127.0.0.1", 8000
# Listening on every address: no URL can name that, so links use the loopback address.
LOOPBACK_OF = {"0.0.0.0": "127.0.0.1", "::": "::1"}


@dataclass(frozen=True)
class Settings:
    database_url: str = f"sqlite:///{ROOT / 'var' / 'borough.db'}"
    base_url: str = f"http://{DEFAULT_HOST}:{DEFAULT_PORT}"
    secret_key: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    environment: str = "development"  # development | test | production
    files_dir: Path = ROOT / "var" / "files"
    themes_dir: Path = ROOT / "themes"
    max_body_bytes: int = 12 * 1024 * 1024
    max_upload_bytes: int = 10 * 1024 * 1024
    embedded_worker: bool = False  # run background work (timers, emails, webhooks, payments) in this process
    reconcile_every: float = 60.0
    deliver_every: float = 5.0  # how often the worker looks for due timers, emails and webhooks
    email: EmailSettings = field(default_factory=EmailSettings)  # how the outbox is delivered

    @property
    def production(self) -> bool:
        return self.environment == "production"

    @property
    def secure_cookies(self) -> bool:
        return self.base_url.startswith("https://")

    @classmethod
    def from_environment(cls, env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)
        defaults = cls()
        environment = env.get("BOROUGH_ENV", "development")
        secret = env.get("BOROUGH_SECRET_KEY", "")
        if not secret:
            if environment == "production":
                raise RuntimeError("BOROUGH_SECRET_KEY must be set in production")
            secret = _development_secret(Path(env.get("BOROUGH_VAR_DIR", ROOT / "var")))
        if environment == "production" and not env.get("BOROUGH_BASE_URL"):
            # Residents' emails, payment returns and status links are absolute: in production
            # they must name the address residents use, never the one a worker listens on.
            raise RuntimeError("BOROUGH_BASE_URL must be set in production (the public address, e.g. "
                               "https://services.example.gov.uk)")
        return cls(
            database_url=env.get("BOROUGH_DATABASE_URL", defaults.database_url),
            base_url=(env.get("BOROUGH_BASE_URL") or listening_url(env)).rstrip("/"),
            secret_key=secret,
            environment=environment,
            files_dir=Path(env.get("BOROUGH_FILES_DIR", defaults.files_dir)),
            embedded_worker=env.get("BOROUGH_EMBEDDED_WORKER", "0") == "1",
            reconcile_every=float(env.get("BOROUGH_RECONCILE_SECONDS", "60")),
            deliver_every=float(env.get("BOROUGH_DELIVER_SECONDS", "5")),
            email=_email_settings(env),
        )


def listening_url(env: dict[str, str]) -> str:
    """The address `borough serve` listens on (``HOST`` and ``PORT``, which it sets for its
    workers), as a URL: the base URL when ``BOROUGH_BASE_URL`` is not set. A server listening
    on every address (0.0.0.0 or ::) is reached on this machine at the loopback address."""
    host = env.get("HOST", "") or DEFAULT_HOST
    port = env.get("PORT", "") or str(DEFAULT_PORT)
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise RuntimeError(f"PORT must be a port number, not {port!r}")
    host = LOOPBACK_OF.get(host, host)
    if ":" in host and not host.startswith("["):  # an IPv6 address: in brackets in a URL
        host = f"[{host}]"
    return f"http://{host}:{int(port)}"


def _email_settings(env: dict[str, str]) -> EmailSettings:
    defaults = EmailSettings()
    port = env.get("BOROUGH_SMTP_PORT", "")
    if port and not port.isdigit():
        raise RuntimeError(f"BOROUGH_SMTP_PORT must be a number, not {port!r}")
    return EmailSettings(
        transport=env.get("BOROUGH_EMAIL_TRANSPORT", defaults.transport).strip().lower(),
        email_from=env.get("BOROUGH_EMAIL_FROM", defaults.email_from),
        smtp_host=env.get("BOROUGH_SMTP_HOST", ""),
        smtp_port=int(port or 0),
        smtp_username=env.get("BOROUGH_SMTP_USERNAME", ""),
        smtp_password=env.get("BOROUGH_SMTP_PASSWORD", ""),
        smtp_tls=env.get("BOROUGH_SMTP_TLS", defaults.smtp_tls).strip().lower(),
        notify_api_key=env.get("BOROUGH_NOTIFY_API_KEY", ""),
        notify_template_id=env.get("BOROUGH_NOTIFY_TEMPLATE_ID", ""),
        notify_base_url=env.get("BOROUGH_NOTIFY_BASE_URL", defaults.notify_base_url),
    )


def _development_secret(var_dir: Path) -> str:
    """A secret kept in var/ so every worker of a development server signs alike."""
    path = var_dir / "secret-key"
    var_dir.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        path.write_text(secrets.token_urlsafe(32))
        path.chmod(0o600)
    return path.read_text().strip()
