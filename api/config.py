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

    # One Rasa server, or several replicas separated by commas (turns go to the least busy healthy one).
    rasa_url: str = "http://127.0.0.1:5005"
    rasa_token: SecretStr = SecretStr("dev-rasa-token")
    rasa_timeout_seconds: float = 10.0
    # Turns inside Rasa at once; the rest wait in the gateway, in arrival order (api/nlu/client.py says why).
    rasa_max_concurrency: int = Field(default=6, ge=1, le=64)
    # Review inbox (api/nlu/capture.py): turns whose top intent scores below this are kept for an officer to review.
    nlu_review_capture: bool = True
    nlu_review_threshold: float = Field(default=0.6, ge=0.0, le=1.01)
    actions_url: str = "http://127.0.0.1:5055"
    # Shared secret the action server presents to the gateway's internal API.
    service_token: SecretStr = SecretStr("dev-service-token")
    secret_key: SecretStr = SecretStr("dev-secret-key-change-me")
    # Fernet key(s) for channel secrets at rest (api/channel_accounts/crypto.py); required in production mode.
    secrets_key: SecretStr = SecretStr("")

    default_commune: str = "xa-demo"
    public_base_url: str = "http://127.0.0.1:8000"
    run_background_jobs: bool = True
    # A message whose handling raises this many times becomes a dead letter: the citizen is told once, staff see it
    # at /staff/dead-letters, and the conversation moves on (api/inbox/failures.py).
    inbox_max_failures: int = Field(default=4, ge=1, le=100)

    # Security perimeter (docs/security.md). ``production`` refuses a built-in secret (api/infra/perimeter.py).
    env: str = Field(default="development", pattern=r"^(development|test|production)$")
    # Every request body is capped (multipart uploads get their own, larger cap).
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    max_upload_body_bytes: int = Field(default=12 * 1024 * 1024, ge=1024)
    # Signed Zalo events older than this are refused (replays of captured deliveries).
    zalo_event_max_age_seconds: int = Field(default=900, ge=30)
    # Login throttling (api/auth/ratelimit.py): delays that grow per (login, address) from the 3rd failure, per
    # address from the 30th (any login), per account from the 10th (any address; capped at minutes, and not for
    # addresses the account signed in from): no hard lock anyone could trigger.
    login_free_failures: int = Field(default=3, ge=1)
    login_backoff_base_seconds: float = Field(default=2.0, gt=0)
    login_backoff_max_seconds: float = Field(default=900.0, gt=0)
    login_window_seconds: float = Field(default=3600.0, gt=0)
    login_address_free_failures: int = Field(default=30, ge=1)
    login_account_free_failures: int = Field(default=10, ge=1)
    login_account_max_seconds: float = Field(default=300.0, gt=0)
    # Outbound fetches (news feeds, media): private, loopback and link-local targets are refused unless this is set
    # (local test servers only; never in production).
    outbound_allow_private: bool = False
    outbound_max_bytes: int = Field(default=5 * 1024 * 1024, ge=1024)
    outbound_timeout_seconds: float = Field(default=20.0, gt=0)

    # Personal data (docs/privacy.md): who processes it, as the first-contact notice names them, and how long each
    # kind is kept before the retention job (api/privacy/retention.py) deletes or anonymises it. 0 keeps forever.
    privacy_notice: bool = (
        True  # the notice at each conversation's first contact (off only in tests about other things)
    )
    privacy_controller: str = "Ủy ban nhân dân xã"
    privacy_contact: str = "bộ phận Một cửa của xã"
    retention_message_days: int = Field(default=365, ge=0)  # raw inbound events, outbound texts, review-inbox rows
    retention_media_days: int = Field(default=180, ge=0)  # citizens' photos and audio in the upload folder
    retention_closed_case_days: int = Field(default=1825, ge=0)  # closed cases become anonymous records
    retention_access_log_days: int = Field(default=1825, ge=0)  # the staff access trail

    # Backups (api/infra/backup.py, `xaso backup`, README "Sao lưu"): where, how many kept, and how often the
    # gateway's own job makes one (hours; 0: only the command or the systemd timer deploy/systemd/xaso-backup.timer).
    backup_dir: Path = PROJECT_ROOT / "var" / "backups"
    backup_keep: int = Field(default=14, ge=1)
    backup_interval_hours: float = Field(default=0.0, ge=0.0)
    # /docs, /redoc and /openapi.json (they list the internal service routes): ``auto`` serves them except in
    # production, ``public`` always, ``off`` never (docs/deploy.md).
    api_docs: str = Field(default="auto", pattern=r"^(auto|public|off)$")

    # Log lines: ``json`` (one object per line, with the request id: api/infra/logs.py), ``text``; ``auto`` is json
    # in production.
    log_format: str = Field(default="auto", pattern=r"^(auto|json|text)$")
    # /metrics answers only this bearer token (unset: 404); Prometheus's scrape config sends it (docs/deploy.md).
    metrics_token: SecretStr = SecretStr("")

    def api_docs_served(self) -> bool:
        return self.api_docs == "public" or (self.api_docs == "auto" and self.env != "production")

    # Dossier lookups in the one-stop system (api/dossiers/): a commune without a configured source uses the demo
    # source (sample dossiers, labelled as such) while this is on; one attempt's timeout, retries after a failure;
    # how often watched dossiers are checked for a status change.
    dossier_demo: bool = True
    dossier_timeout_seconds: float = Field(default=5.0, gt=0, le=60)
    dossier_retries: int = Field(default=2, ge=0, le=5)
    dossier_poll_seconds: float = Field(default=300.0, ge=1)
    # Remote consultations (api/appointments/, docs/appointments.md): the Jitsi Meet server whose rooms the bookings
    # get (self-hosted in production: the public meet.jit.si is for trying it), and how often the reminder job runs.
    video_base_url: str = Field(default="https://meet.jit.si", pattern=r"^https?://[^\s/?#]+(/[^\s?#]*)?$")
    appointment_reminder_seconds: float = Field(default=60.0, ge=1)
    # Budgets of anonymous web traffic (api/infra/budgets.py; shared through Redis when set). 0 turns one off. Over
    # budget: a polite reply or a 429 in Vietnamese; an emergency message always goes through.
    web_messages_per_sender_per_minute: int = Field(default=20, ge=0)
    web_sessions_per_address_per_hour: int = Field(default=30, ge=0)
    web_cases_per_session_per_hour: int = Field(default=3, ge=0)
    web_cases_per_address_per_hour: int = Field(default=10, ge=0)
    web_uploads_per_session_per_hour: int = Field(default=20, ge=0)
    web_uploads_per_address_per_hour: int = Field(default=40, ge=0)
    web_streams_per_session: int = Field(default=3, ge=0)
    web_streams_per_address: int = Field(default=10, ge=0)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
