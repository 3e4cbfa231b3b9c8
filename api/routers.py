"""Every router and background job of the gateway, registered explicitly in one place."""

from __future__ import annotations

import asyncio
from pathlib import Path

from fastapi import FastAPI

from api.appointments.console import router as appointments_console_router
from api.appointments.flows import CaseBooking
from api.appointments.jobs import reminder_job
from api.auth.routes import router as auth_router
from api.auth.staff_routes import router as staff_router
from api.background import PeriodicJob
from api.bulletins.console import router as bulletins_console_router
from api.bulletins.jobs import broadcast_jobs
from api.bulletins.public import router as broadcast_public_router
from api.bulletins.routes import router as bulletins_router
from api.cases.booking import ConsultationBooking
from api.cases.internal_routes import router as internal_cases_router
from api.cases.jobs import overdue_job
from api.cases.routes import router as cases_router
from api.cases.rules_routes import router as routing_rules_router
from api.citizens.routes import router as citizens_router
from api.communes.routes import router as communes_router
from api.config import Settings
from api.console.admin import router as console_admin_router
from api.console.admin_channels import router as console_admin_channels_router
from api.console.admin_config import router as console_admin_config_router
from api.console.admin_dossiers import router as console_admin_dossiers_router
from api.console.admin_health import router as console_admin_health_router
from api.console.attachments import router as console_attachments_router
from api.console.case_routes import router as console_cases_router
from api.console.dead_letters import router as console_dead_letters_router
from api.console.desk_routes import router as console_desk_router
from api.console.errors import error_page as console_error_page
from api.console.live import router as console_live_router
from api.console.mentions import router as console_mentions_router
from api.console.routes import router as console_router
from api.conversations.service import ensure, last_inbound_at
from api.dossiers.flows import RegisterConversation
from api.dossiers.jobs import dossier_watch_job
from api.dossiers.routes import admin as dossiers_admin_router
from api.dossiers.routes import internal as internal_dossiers_router
from api.errors import register_html_errors
from api.health.metrics import router as metrics_router
from api.health.routes import router as health_router
from api.inbox.jobs import channel_jobs
from api.inbox.routes import router as dead_letters_router
from api.infra.backup import create_backup
from api.nlu.console import router as nlu_console_router
from api.nlu.routes import router as nlu_router
from api.open311.routes import router as open311_router
from api.outbox.dispatch import Departure
from api.outbox.zalo_reach import RecordedInbound
from api.privacy.export import router as citizen_export_router
from api.privacy.retention import retention_job
from api.privacy.routes import router as privacy_router
from api.privacy.service import health_consent_given, review_allowed
from api.province.console import router as province_console_router
from api.province.routes import router as province_router
from api.safety.routes import router as safety_router
from api.subscriptions.console import router as subscribers_console_router
from api.subscriptions.service import unsubscribe
from api.web.routes import mount_static as mount_web_static
from api.web.routes import router as web_router
from api.web.uploads import router as web_uploads_router
from api.webhooks.routes import router as webhooks_router
from channels import registry as channel_registry


def include_all(app: FastAPI) -> None:
    # Citizens' messages first: a request is matched against the routes in this order, one by one, and the webhooks
    # carry almost every request a commune's gateway gets (their paths, /webhooks/..., overlap no other route).
    app.include_router(webhooks_router)
    app.include_router(health_router)
    app.include_router(nlu_router)
    app.include_router(communes_router)
    app.include_router(bulletins_router)
    app.include_router(broadcast_public_router)
    app.include_router(auth_router)
    app.include_router(staff_router)
    app.include_router(cases_router)
    app.include_router(routing_rules_router)
    app.include_router(citizens_router)
    app.include_router(citizen_export_router)  # /api/v1/citizens/{id}/export: it reads their cases
    app.include_router(internal_cases_router)
    app.include_router(safety_router)
    app.include_router(console_router)
    app.include_router(console_live_router)
    app.include_router(console_desk_router)
    register_html_errors("/staff", console_error_page)
    app.include_router(console_cases_router)
    app.include_router(nlu_console_router)
    app.include_router(console_dead_letters_router)
    app.include_router(console_admin_router)
    app.include_router(console_attachments_router)
    app.include_router(console_mentions_router)
    app.include_router(console_admin_config_router)
    app.include_router(console_admin_channels_router)
    app.include_router(console_admin_dossiers_router)
    app.include_router(dead_letters_router)
    app.include_router(bulletins_console_router)
    app.include_router(subscribers_console_router)
    app.include_router(appointments_console_router)
    app.include_router(open311_router)
    app.include_router(privacy_router)
    app.include_router(internal_dossiers_router)
    app.include_router(dossiers_admin_router)
    booking: ConsultationBooking = CaseBooking()  # api/cases/booking.py asks it; cases never import appointments
    app.state.consultation_booking = booking
    app.state.health_consent = health_consent_given  # api/cases/consent.py asks it; cases never import privacy
    app.state.review_consent = review_allowed  # api/nlu/capture.py asks it; nlu never imports privacy
    # The outbox sits below the conversations and the subscriptions (api/outbox/dispatch.py asks these).
    recorded_inbound: RecordedInbound = last_inbound_at
    recipient_gone: Departure = unsubscribe
    app.state.recorded_inbound, app.state.recipient_gone = recorded_inbound, recipient_gone
    register_conversation: RegisterConversation = ensure  # api/dossiers/flows.py asks it: dossiers sit below
    app.state.register_conversation = register_conversation
    channel_registry.register_defaults()
    app.include_router(web_router)
    app.include_router(web_uploads_router)
    mount_web_static(app)
    app.include_router(metrics_router)  # issue 26: /metrics (api/health/metrics.py)
    app.include_router(console_admin_health_router)
    app.include_router(province_router)
    app.include_router(province_console_router)


def backup_job(*, interval_hours: float) -> PeriodicJob:
    """The gateway's own backups (XASO_BACKUP_INTERVAL_HOURS, api/infra/backup.py): once per interval across all its
    processes."""

    async def run(app: FastAPI) -> None:
        settings = app.state.settings
        await asyncio.to_thread(
            create_backup,
            database_url=settings.database_url,
            data_dir=Path(settings.data_dir),
            directory=Path(settings.backup_dir),
            keep=settings.backup_keep,
        )

    return PeriodicJob(name="backup", interval=interval_hours * 3600, run=run, lease=6 * 3600)


def background_jobs(settings: Settings) -> list[PeriodicJob]:
    jobs = [overdue_job(), *channel_jobs(), *broadcast_jobs(), retention_job(), dossier_watch_job(settings)]
    jobs.append(reminder_job(settings))  # issue 24: consultation reminders (api/appointments/jobs.py)
    if settings.backup_interval_hours > 0:  # issue 26: scheduled backups
        jobs.append(backup_job(interval_hours=settings.backup_interval_hours))
    return jobs
