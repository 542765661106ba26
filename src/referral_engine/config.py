"""Settings: the only reader of the environment (variables prefixed `REFERRAL_ENGINE_`)."""

from __future__ import annotations

from dataclasses import dataclass
from ipaddress import IPv4Network, IPv6Network, ip_address, ip_network
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import parse_qs, unquote, urlsplit

import psycopg
from psycopg.conninfo import conninfo_to_dict
from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from referral_engine.domain.addresses import ADDRESS

PROJECT_ROOT = Path(__file__).resolve().parents[2]
TOKEN_DAYS_MAX = 5 * 366
"""The longest a bearer token may live: a token is a password that never changes by itself."""


def _shipped(folder: str) -> Path:
    shipped = PROJECT_ROOT / folder
    return shipped if shipped.is_dir() else Path(folder)


def _default_workflows() -> Path:
    return _shipped("workflows")


def _default_projections() -> Path:
    return _shipped("projections")


@dataclass(frozen=True)
class SmtpTarget:
    """Where e-mail goes: `REFERRAL_ENGINE_SMTP_URL` read into its parts."""

    host: str
    port: int
    user: str | None
    password: str | None
    security: Literal["plain", "starttls", "tls"]


def smtp_target(url: str) -> SmtpTarget:
    """`smtp://[user:password@]host[:port][?starttls=true]` (port 25) or `smtps://...` (TLS from
    the first byte, port 465); ValueError saying what is wrong."""
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps"):
        raise ValueError("must start with smtp:// or smtps://")
    try:
        port = parts.port
    except ValueError:
        port = 0
    if port == 0:
        raise ValueError("the port must be a number from 1 to 65535")
    if not parts.hostname:
        raise ValueError("must name a host (smtp://host:port)")
    if parts.path not in ("", "/") or parts.fragment:
        raise ValueError("must be smtp://[user:password@]host[:port][?starttls=true]")
    query = parse_qs(parts.query, keep_blank_values=True)
    if set(query) - {"starttls"} or query.get("starttls", ["false"]) not in (["true"], ["false"]):
        raise ValueError("the only option is ?starttls=true (or false)")
    tls = parts.scheme == "smtps"
    if tls and query.get("starttls") == ["true"]:
        raise ValueError("smtps:// is TLS from the start: starttls does not apply")
    starttls = query.get("starttls") == ["true"]
    if parts.username and not (tls or starttls) and not _loopback(parts.hostname):
        raise ValueError(
            "a user and password are sent only over TLS: use smtps:// or ?starttls=true "
            "(or a server on this machine)"
        )
    return SmtpTarget(
        host=parts.hostname,
        port=port or (465 if tls else 25),
        user=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password is not None else None,
        security="tls" if tls else "starttls" if starttls else "plain",
    )


def _loopback(host: str) -> bool:
    try:
        return host == "localhost" or ip_address(host).is_loopback
    except ValueError:
        return False


class Settings(BaseSettings):
    """Where the database is and how to talk to it; where the workflow files are."""

    # errors never echo a value: some are secrets (the master key, a password in the SMTP URL)
    model_config = SettingsConfigDict(
        env_prefix="REFERRAL_ENGINE_", extra="ignore", hide_input_in_errors=True
    )

    database_url: str | None = Field(
        default=None, description="PostgreSQL URL; unset means an embedded server under `home`."
    )
    database_schema: str = Field(default="public", pattern=r"^[a-z_][a-z0-9_]{0,62}$")
    home: Path = Field(default=Path(".referral-engine"), description="Data directory.")
    workflows_dir: Path = Field(default_factory=_default_workflows)
    projections_dir: Path = Field(default_factory=_default_projections)
    run_projections: bool = Field(
        default=True, description="Run the live projection workers inside `serve`."
    )
    run_notifications: bool = Field(
        default=True, description="Run the notification worker (and its e-mail) inside `serve`."
    )
    smtp_url: SecretStr | None = Field(
        default=None,
        description="Where e-mail notifications go: smtp://[user:password@]host[:port]"
        "[?starttls=true] or smtps://...; unset: no e-mail (in-app notifications only).",
    )
    mail_from: str = Field(
        default="referral-engine@localhost",
        pattern=ADDRESS,
        description="The From address of e-mail notifications.",
    )
    base_url: str = Field(
        default="http://127.0.0.1:8000",
        pattern=r"^https?://[^\s/?#]+(/[^\s?#]*)?$",
        description="The pages' address as users reach it: e-mails link to cases under it.",
    )
    notification_scan_seconds: int = Field(
        default=60, ge=1, le=3600, description="How often due and passed deadlines are looked for."
    )
    mail_retry_seconds: int = Field(
        default=30, ge=1, le=3600, description="The wait after a failed send; doubled each time."
    )
    mail_max_attempts: int = Field(
        default=10, ge=1, le=100, description="Attempts before an e-mail is set aside as failed."
    )
    run_webhooks: bool = Field(
        default=True, description="Run the webhook delivery worker inside `serve`."
    )
    webhook_attempts: int = Field(
        default=10, ge=1, le=100, description="Attempts before a webhook delivery is parked."
    )
    webhook_retry_seconds: float = Field(
        default=5.0,
        ge=0.001,
        le=3600,
        description="The wait after a delivery's first failed attempt; doubled after each "
        "further failure (times a random factor between 0.5 and 1).",
    )
    webhook_retry_max_seconds: float = Field(
        default=3600.0, ge=0.001, le=7 * 86400, description="The longest wait between attempts."
    )
    webhook_timeout_seconds: float = Field(
        default=10.0, ge=0.1, le=300, description="Each delivery request's timeout."
    )
    webhook_concurrency: int = Field(
        default=16, ge=1, le=256, description="Deliveries sent at once by each worker."
    )
    webhook_secret_overlap_hours: float = Field(
        default=24.0,
        ge=0,
        le=30 * 24,
        description="After a subscription's secret is rotated, how long the one before it also "
        "signs each request (its receiver changes over meanwhile).",
    )
    webhook_allowed_networks: Annotated[list[IPv4Network | IPv6Network], NoDecode] = Field(
        default_factory=list,
        description="Networks (comma-separated, such as 10.20.0.0/16,127.0.0.0/8) whose "
        "loopback, private or reserved addresses may receive webhooks; none by default. "
        "Link-local (the cloud metadata service), multicast and unspecified addresses never may.",
    )
    lock_timeout_seconds: int = Field(default=5, ge=1, le=600)
    connect_timeout_seconds: int = Field(default=5, ge=1, le=120)
    pool_size: int = Field(default=10, ge=1, le=200)
    suppression_k: int = Field(
        default=5, ge=2, le=1000, description="Counts below k are suppressed on dashboards."
    )
    official_reports: list[str] = Field(
        default=["status", "identification", "assistance"],
        description="Reports whose exact figures statisticians read (audited) and publish.",
    )
    case_cache_size: int = Field(default=1000, ge=0, le=1_000_000)
    max_body_bytes: int = Field(default=64 * 1024, ge=1024, le=10 * 1024 * 1024)
    max_import_bytes: int = Field(
        default=50 * 1024 * 1024,
        ge=1024,
        le=500 * 1024 * 1024,
        description="The body limit of a register upload (POST /api/imports, the import page) "
        "only; every other request keeps `max_body_bytes`.",
    )
    max_document_bytes: int = Field(
        default=10 * 1024 * 1024,
        ge=1024,
        le=100 * 1024 * 1024,
        description="The largest document uploaded to a case (PDF, JPEG or PNG); its upload's "
        "body may be this much and 64 KiB more.",
    )
    erasure_approval: Literal["one-person", "two-person"] = Field(
        default="one-person",
        description="two-person: erasing a case's personal data is a request that another "
        "admin or supervisor approves (or refuses); one-person: an admin erases at once.",
    )
    master_key: SecretStr | None = Field(
        default=None,
        description="Base64 key (32 bytes) wrapping every case key; required with an external "
        "database (`referral-engine keys generate`); the embedded one keeps its own under `home`.",
    )

    metrics_token: SecretStr | None = Field(
        default=None,
        min_length=24,
        description="Bearer token of the Prometheus scraper; /metrics is off unless this or "
        "`metrics_allow` is set (both set: both are needed).",
    )
    metrics_allow: Annotated[list[IPv4Network | IPv6Network], NoDecode] = Field(
        default_factory=list,
        description="Addresses or networks (comma-separated) that may read /metrics, matched "
        "against the connecting address (forwarded headers are not used).",
    )

    session_idle_minutes: int = Field(
        default=30, ge=1, le=24 * 60, description="A page session ends after this long unused."
    )
    session_hours: int = Field(
        default=8, ge=1, le=7 * 24, description="A page session ends this long after sign-in."
    )
    token_days: int = Field(
        default=90, ge=1, le=TOKEN_DAYS_MAX, description="Lifetime of a new bearer token."
    )
    lockout_failures: int = Field(
        default=5, ge=1, le=1000, description="Failed passwords before an account is locked."
    )
    lockout_seconds: int = Field(
        default=60, ge=1, le=86400, description="The first lock; each further failure doubles it."
    )
    lockout_max_seconds: int = Field(default=3600, ge=1, le=7 * 86400)
    lockout_forget_hours: int = Field(
        default=24,
        ge=1,
        le=24 * 90,
        description="An account's failures are forgotten after this long without one.",
    )
    address_failures: int = Field(
        default=20,
        ge=1,
        le=100_000,
        description="Failed sign-ins from one address in the "
        "window before its further failures are answered 429.",
    )
    address_window_seconds: int = Field(default=600, ge=1, le=86400)
    trusted_proxies: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Addresses or networks of reverse proxies whose forwarded header names the "
        "client (comma-separated); none by default: the peer is the client.",
    )
    proxy_header: Literal["x-forwarded-for", "forwarded"] = Field(
        default="x-forwarded-for", description="The header the trusted proxies set."
    )

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _proxies(cls, value: object) -> object:
        return (
            [str(n) for n, _ in networks] if (networks := _networks(value)) is not None else value
        )

    @field_validator("master_key", "metrics_token", "smtp_url", mode="before")
    @classmethod
    def _unset_when_empty(cls, value: object) -> object:
        return None if value == "" else value

    @field_validator("smtp_url")
    @classmethod
    def _smtp(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            smtp_target(value.get_secret_value())  # refused at start, not at the first e-mail
        return value

    @field_validator("mail_from")
    @classmethod
    def _plain_sender(cls, value: str) -> str:
        if "=?" in value:  # an encoded word: decoded in the From header (domain/addresses.py)
            raise ValueError("must be a plain address such as name@example.org")
        return value

    @property
    def smtp(self) -> SmtpTarget | None:
        """The SMTP server e-mail goes to, or None: no e-mail."""
        return None if self.smtp_url is None else smtp_target(self.smtp_url.get_secret_value())

    @field_validator("metrics_allow", "webhook_allowed_networks", mode="before")
    @classmethod
    def _allowed(cls, value: object) -> object:
        return [n for _, n in networks] if (networks := _networks(value)) is not None else value

    @field_validator("database_url")
    @classmethod
    def _postgres_only(cls, value: str | None) -> str | None:
        if not value:
            return None
        try:
            conninfo_to_dict(value)
        except psycopg.ProgrammingError:
            raise ValueError("must be a PostgreSQL URL (postgresql://user@host:port/db)") from None
        return value


def _networks(value: object) -> list[tuple[object, IPv4Network | IPv6Network]] | None:
    """A setting's addresses or networks, comma-separated (or a list): each as given and as a
    network, a bad one refused by name; None for a value of another kind (pydantic says why)."""
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list):
        return None
    found = []
    for item in items:
        given = item.strip() if isinstance(item, str) else item
        if given == "":
            continue
        try:
            found.append((given, ip_network(given, strict=False)))
        except (TypeError, ValueError):
            raise ValueError(f"'{given}' is not an IP address or network") from None
    return found
