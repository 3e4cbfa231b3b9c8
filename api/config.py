"""Gateway settings: one class, read from the environment (prefix ``XASO_``) and ``.env``, built on first use."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="XASO_", env_file=PROJECT_ROOT / ".env", extra="ignore")

    # SQLite is the embedded default; DATABASE_URL (or XASO_DATABASE_URL) points at PostgreSQL in production.
    database_url: str = Field(
        default=f"sqlite:///{PROJECT_ROOT / 'var' / 'xaso.db'}",
        validation_alias=AliasChoices("XASO_DATABASE_URL", "DATABASE_URL"),
    )
    redis_url: str | None = Field(default=None, validation_alias=AliasChoices("XASO_REDIS_URL", "REDIS_URL"))
    data_dir: Path = PROJECT_ROOT / "var"

    rasa_url: str = "http://127.0.0.1:5005"
    rasa_token: SecretStr = SecretStr("dev-rasa-token")
    rasa_timeout_seconds: float = 10.0
    # Turns inside Rasa at once; the rest wait in the gateway, in arrival order (api/nlu/client.py says why).
    rasa_max_concurrency: int = Field(default=6, ge=1, le=64)
    actions_url: str = "http://127.0.0.1:5055"
    # Shared secret the action server presents to the gateway's internal API.
    service_token: SecretStr = SecretStr("dev-service-token")
    secret_key: SecretStr = SecretStr("dev-secret-key-change-me")

    default_commune: str = "xa-demo"
    public_base_url: str = "http://127.0.0.1:8000"
    run_background_jobs: bool = True


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
