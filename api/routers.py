"""Every router and background job of the gateway, registered explicitly in one place."""

from __future__ import annotations

from fastapi import FastAPI

from api.auth.routes import router as auth_router
from api.background import PeriodicJob
from api.bulletins.console import router as bulletins_console_router
from api.bulletins.jobs import broadcast_jobs
from api.bulletins.public import router as broadcast_public_router
from api.bulletins.routes import router as bulletins_router
from api.cases.internal_routes import router as internal_cases_router
from api.cases.jobs import overdue_job
from api.cases.routes import router as cases_router
from api.cases.rules_routes import router as routing_rules_router
from api.citizens.routes import router as citizens_router
from api.communes.routes import router as communes_router
from api.config import Settings
from api.console.case_routes import router as console_cases_router
from api.console.routes import router as console_router
from api.health.routes import router as health_router
from api.inbox.jobs import channel_jobs
from api.nlu.routes import router as nlu_router
from api.open311.routes import router as open311_router
from api.staff.routes import router as staff_router
from api.web.routes import mount_static as mount_web_static
from api.web.routes import router as web_router
from api.webhooks.routes import router as webhooks_router
from channels import registry as channel_registry


def include_all(app: FastAPI) -> None:
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
    app.include_router(internal_cases_router)
    app.include_router(console_router)
    app.include_router(console_cases_router)
    app.include_router(bulletins_console_router)
    app.include_router(open311_router)
    channel_registry.register_defaults()
    app.include_router(webhooks_router)
    app.include_router(web_router)
    mount_web_static(app)


def background_jobs(settings: Settings) -> list[PeriodicJob]:
    return [overdue_job(), *channel_jobs(), *broadcast_jobs()]
