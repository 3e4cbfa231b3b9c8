"""Gateway settings: one class, read from the environment (prefix ``XASO_``) and ``.env``, built on first use.

Every field says what it does in its ``description``: docs/settings.md is generated from them (``xaso settings
table``; tests/cli/test_settings_cli.py fails when the committed table differs).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="XASO_", env_file=PROJECT_ROOT / ".env", extra="ignore")

    database_url: str = Field(
        default=f"sqlite:///{PROJECT_ROOT / 'var' / 'xaso.db'}",
        validation_alias=AliasChoices("XASO_DATABASE_URL", "DATABASE_URL"),
        description="The gateway's database: SQLite is the embedded default, PostgreSQL in production.",
    )
    redis_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("XASO_REDIS_URL", "REDIS_URL"),
        description="Redis for scale-out: login throttle, web budgets, Rasa admission, wake-ups and job locks shared "
        "by several gateway processes (unset: each process keeps its own, in memory).",
    )
    data_dir: Path = Field(
        default=PROJECT_ROOT / "var",
        description="Where uploaded photos, bulletin audio and the safety lexicon's state are kept.",
    )

    rasa_url: str = Field(
        default="http://127.0.0.1:5005",
        description="The Rasa server, or several replicas separated by commas (turns go to the least busy healthy "
        "one).",
    )
    rasa_token: SecretStr = Field(default=SecretStr("dev-rasa-token"), description="Rasa's REST API token.")
    rasa_timeout_seconds: float = Field(default=10.0, description="How long one turn may wait for and run in Rasa.")
    rasa_max_concurrency: int = Field(
        default=6,
        ge=1,
        le=64,
        description="Turns inside Rasa at once; the rest wait in the gateway, in arrival order (api/nlu/client.py).",
    )
    nlu_review_capture: bool = Field(
        default=True,
        description="Keep low-scoring turns in the review inbox /staff/nlu (api/nlu/capture.py, docs/nlu.md).",
    )
    nlu_review_threshold: float = Field(
        default=0.6,
        ge=0.0,
        le=1.01,
        description="Turns whose top intent scores below this are kept for an officer to review.",
    )
    actions_url: str = Field(
        default="http://127.0.0.1:5055", description="The action server (checked by /api/v1/health)."
    )
    service_token: SecretStr = Field(
        default=SecretStr("dev-service-token"),
        description="Shared secret the action server presents to the gateway's internal API.",
    )
    secret_key: SecretStr = Field(
        default=SecretStr("dev-secret-key-change-me"),
        description="Signs console sessions and CSRF tokens, seals the conversation references staff screens show; "
        "refused in production while it is the built-in one.",
    )
    secrets_key: SecretStr = Field(
        default=SecretStr(""),
        description="Fernet key(s) for channel secrets at rest (api/channel_accounts/crypto.py), several "
        "comma-separated to rotate; required in production.",
    )

    default_commune: str = Field(default="xa-demo", description="The commune used when a channel names none.")
    public_base_url: str = Field(
        default="http://127.0.0.1:8000",
        description="The gateway's public address: webhooks, podcast enclosures, links in messages, secure cookies "
        "when https.",
    )
    run_background_jobs: bool = Field(
        default=True,
        description="Run the workers and periodic jobs (inbox, outbox, announcements, retention…) in this process.",
    )
    inbox_max_failures: int = Field(
        default=4,
        ge=1,
        le=100,
        description="A message whose handling raises this many times becomes a dead letter: the citizen is told "
        "once, staff see it at /staff/dead-letters, the conversation moves on (api/inbox/failures.py).",
    )
    outbox_poll_seconds: float = Field(
        default=0.5,
        gt=0,
        le=60,
        description="The outbox sender's fallback poll. A committed outbox row wakes the sender at once (in every "
        "process through Redis when set); the poll only finds rows no wake-up announced.",
    )

    env: str = Field(
        default="development",
        pattern=r"^(development|test|production)$",
        description="``production`` refuses to start with a built-in secret (api/infra/perimeter.py, "
        "docs/security.md).",
    )
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024, description="Cap on every request body.")
    max_upload_body_bytes: int = Field(
        default=12 * 1024 * 1024, ge=1024, description="Cap on a multipart upload's body (photos)."
    )
    zalo_event_max_age_seconds: int = Field(
        default=900, ge=30, description="Signed Zalo events older than this are refused (replayed deliveries)."
    )
    login_free_failures: int = Field(
        default=3,
        ge=1,
        description="Login throttle (api/auth/ratelimit.py): failures per (login, address) before delays start.",
    )
    login_backoff_base_seconds: float = Field(
        default=2.0, gt=0, description="The first delay; it doubles with each further failure."
    )
    login_backoff_max_seconds: float = Field(default=900.0, gt=0, description="The longest delay for one address.")
    login_window_seconds: float = Field(default=3600.0, gt=0, description="How long a failure counts.")
    login_address_free_failures: int = Field(
        default=30, ge=1, description="Failures from one address (any login) before its delays start."
    )
    login_account_free_failures: int = Field(
        default=10,
        ge=1,
        description="Failures on one account (any address) before its delays start; never for addresses the account "
        "signed in from, and no hard lock.",
    )
    login_account_max_seconds: float = Field(
        default=300.0, gt=0, description="The longest delay on one account (any address)."
    )
    outbound_allow_private: bool = Field(
        default=False,
        description="Let outbound fetches (news feeds, media) reach private, loopback and link-local addresses: local "
        "test servers only, never in production.",
    )
    outbound_max_bytes: int = Field(
        default=5 * 1024 * 1024, ge=1024, description="The largest body an outbound fetch reads."
    )
    outbound_timeout_seconds: float = Field(default=20.0, gt=0, description="One outbound fetch's timeout.")

    privacy_notice: bool = Field(
        default=True,
        description="The personal-data notice at each conversation's first contact (docs/privacy.md; off only in "
        "tests about other things).",
    )
    privacy_controller: str = Field(
        default="Ủy ban nhân dân xã", description="Who processes personal data, as the notice names them."
    )
    privacy_contact: str = Field(
        default="bộ phận Một cửa của xã", description="Whom citizens ask about their data, as the notice says."
    )
    retention_message_days: int = Field(
        default=365,
        ge=0,
        description="Days raw inbound events, outbound texts and review-inbox rows are kept (api/privacy/retention.py;"
        " 0 keeps forever).",
    )
    retention_media_days: int = Field(
        default=180, ge=0, description="Days citizens' photos and audio are kept (0 keeps forever)."
    )
    retention_closed_case_days: int = Field(
        default=1825, ge=0, description="Days before a closed case becomes an anonymous record (0 keeps forever)."
    )
    retention_access_log_days: int = Field(
        default=1825, ge=0, description="Days the staff access trail is kept (0 keeps forever)."
    )

    backup_dir: Path = Field(
        default=PROJECT_ROOT / "var" / "backups",
        description="Where backups are written (api/infra/backup.py, `xaso backup`).",
    )
    backup_keep: int = Field(default=14, ge=1, description="How many backups are kept, newest first.")
    backup_interval_hours: float = Field(
        default=0.0,
        ge=0.0,
        description="How often the gateway's own job makes a backup (0: only `xaso backup` or the systemd timer "
        "deploy/systemd/xaso-backup.timer).",
    )
    api_docs: str = Field(
        default="auto",
        pattern=r"^(auto|public|off)$",
        description="/docs, /redoc and /openapi.json (they list the internal routes): ``auto`` serves them except in "
        "production, ``public`` always, ``off`` never.",
    )
    log_format: str = Field(
        default="auto",
        pattern=r"^(auto|json|text)$",
        description="Log lines: ``json`` (one object per line with the request id, api/infra/logs.py), ``text``; "
        "``auto`` is json in production.",
    )
    metrics_token: SecretStr = Field(
        default=SecretStr(""),
        description="The bearer token /metrics answers (unset: 404); Prometheus's scrape config sends it.",
    )

    def api_docs_served(self) -> bool:
        return self.api_docs == "public" or (self.api_docs == "auto" and self.env != "production")

    dossier_demo: bool = Field(
        default=True,
        description="A commune without a configured one-stop source uses the demo source (sample dossiers, labelled "
        "as such; api/dossiers/).",
    )
    dossier_timeout_seconds: float = Field(
        default=5.0, gt=0, le=60, description="One dossier lookup attempt's timeout."
    )
    dossier_retries: int = Field(default=2, ge=0, le=5, description="Retries after a failed dossier lookup.")
    dossier_poll_seconds: float = Field(
        default=300.0, ge=1, description="How often watched dossiers are checked for a status change."
    )
    # Remote consultations (api/appointments/, docs/appointments.md).
    video_base_url: str = Field(
        default="https://meet.jit.si",
        pattern=r"^https?://[^\s/?#]+(/[^\s?#]*)?$",
        description="The Jitsi Meet server whose rooms the consultation bookings get (self-hosted in production: the "
        "public meet.jit.si is for trying it).",
    )
    appointment_reminder_seconds: float = Field(
        default=60.0, ge=1, description="How often the appointment reminder job runs."
    )
    # Budgets of anonymous web traffic (api/infra/budgets.py; shared through Redis when set). Over budget: a polite
    # reply or a 429 in Vietnamese; an emergency message always goes through.
    web_messages_per_sender_per_minute: int = Field(
        default=20, ge=0, description="Web chat messages per sender per minute (0: no budget)."
    )
    web_sessions_per_address_per_hour: int = Field(
        default=30, ge=0, description="New web chat sessions per address per hour (0: no budget)."
    )
    web_cases_per_session_per_hour: int = Field(
        default=3, ge=0, description="Cases filed from one web session per hour (0: no budget)."
    )
    web_cases_per_address_per_hour: int = Field(
        default=10, ge=0, description="Cases filed from one address per hour (0: no budget)."
    )
    web_uploads_per_session_per_hour: int = Field(
        default=20, ge=0, description="Photo uploads per web session per hour (0: no budget)."
    )
    web_uploads_per_address_per_hour: int = Field(
        default=40, ge=0, description="Photo uploads per address per hour (0: no budget)."
    )
    web_streams_per_session: int = Field(
        default=3, ge=0, description="Open reply streams per web session (0: no budget)."
    )
    web_streams_per_address: int = Field(default=10, ge=0, description="Open reply streams per address (0: no budget).")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
