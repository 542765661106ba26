"""Settings: the only reader of the environment (variables prefixed `REFERRAL_ENGINE_`)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import psycopg
from psycopg.conninfo import conninfo_to_dict
from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def _shipped(folder: str) -> Path:
    shipped = PROJECT_ROOT / folder
    return shipped if shipped.is_dir() else Path(folder)


def _default_workflows() -> Path:
    return _shipped("workflows")


def _default_projections() -> Path:
    return _shipped("projections")


class Settings(BaseSettings):
    """Where the database is and how to talk to it; where the workflow files are."""

    model_config = SettingsConfigDict(env_prefix="REFERRAL_ENGINE_", extra="ignore")

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
    lock_timeout_seconds: int = Field(default=5, ge=1, le=600)
    connect_timeout_seconds: int = Field(default=5, ge=1, le=120)
    pool_size: int = Field(default=10, ge=1, le=200)
    suppression_k: int = Field(
        default=5, ge=2, le=1000, description="Counts below k are suppressed on dashboards."
    )
    case_cache_size: int = Field(default=1000, ge=0, le=1_000_000)
    max_body_bytes: int = Field(default=64 * 1024, ge=1024, le=10 * 1024 * 1024)
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

    @field_validator("master_key", mode="before")
    @classmethod
    def _unset_when_empty(cls, value: object) -> object:
        return None if value == "" else value

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
