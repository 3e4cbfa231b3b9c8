"""The whole system as `make run` starts it — gateway, action server, Rasa — each a real process on a free port,
started by the same scripts the Procfile runs, with a temporary SQLite database seeded by `xaso db seed`."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.support.paths import ROOT
from tests.support.processes import WEB_BUDGETS_OFF, ServerProcess, free_port, start_server

STACK_SERVICE_TOKEN = "stack-service-token"
STACK_RASA_TOKEN = "stack-rasa-token"


@dataclass
class Stack:
    gateway: str
    rasa: str
    actions: str
    processes: list[ServerProcess] = field(default_factory=list)

    def internal(self, path: str) -> httpx.Response:
        headers = {"Authorization": f"Bearer {STACK_SERVICE_TOKEN}"}
        return httpx.get(self.gateway + path, headers=headers, timeout=10)


@contextmanager
def running_stack(
    work: Path, model: Path, gateway_extra: Mapping[str, str] | None = None, rasa_timeout: float = 180.0
) -> Iterator[Stack]:
    gateway_port, actions_port, rasa_port = free_port(), free_port(), free_port()
    gateway_url, actions_url = f"http://127.0.0.1:{gateway_port}", f"http://127.0.0.1:{actions_port}"
    rasa_url = f"http://127.0.0.1:{rasa_port}"
    gateway_env = {
        "XASO_DATABASE_URL": f"sqlite:///{work / 'xaso.db'}",
        "XASO_DATA_DIR": str(work / "data"),
        "XASO_SERVICE_TOKEN": STACK_SERVICE_TOKEN,
        "XASO_RASA_URL": rasa_url,
        "XASO_RASA_TOKEN": STACK_RASA_TOKEN,
        "XASO_ACTIONS_URL": actions_url,
        "XASO_RUN_BACKGROUND_JOBS": "false",
        "XASO_GATEWAY_PORT": str(gateway_port),
        **WEB_BUDGETS_OFF,
        **(gateway_extra or {}),
    }
    seed_env = {**os.environ, "PYTHONPATH": str(ROOT), **gateway_env}
    subprocess.run([str(ROOT / ".venv" / "bin" / "xaso"), "db", "seed"], cwd=ROOT, env=seed_env, check=True)
    actions_env = {
        "XASO_ACTIONS_PORT": str(actions_port),
        "XASO_GATEWAY_URL": gateway_url,
        "XASO_SERVICE_TOKEN": STACK_SERVICE_TOKEN,
    }
    rasa_env = {
        "XASO_RASA_MODEL": str(model),
        "XASO_TRACKER_DB": str(work / "tracker.db"),
        "XASO_RASA_TOKEN": STACK_RASA_TOKEN,
        "XASO_RASA_PORT": str(rasa_port),
        "XASO_ACTIONS_PORT": str(actions_port),
        "XASO_SERVICE_TOKEN": STACK_SERVICE_TOKEN,  # Rasa presents it to the action server (bot/endpoints.yml)
    }
    scripts = ROOT / "scripts"
    processes: list[ServerProcess] = []
    try:
        processes.append(
            start_server(
                "gateway", [str(scripts / "start-gateway.sh")], url=gateway_url,
                ready_path="/api/v1/communes/xa-demo", log_dir=work, env=gateway_env,
            )
        )  # fmt: skip
        processes.append(
            start_server(
                "actions", [str(scripts / "start-actions.sh")], url=actions_url, ready_path="/health",
                log_dir=work, env=actions_env,
            )
        )  # fmt: skip
        processes.append(
            start_server(
                "rasa", [str(scripts / "start-rasa.sh")], url=rasa_url,
                ready_path=f"/status?token={STACK_RASA_TOKEN}", log_dir=work, env=rasa_env, timeout=rasa_timeout,
            )
        )  # fmt: skip
        yield Stack(gateway_url, rasa_url, actions_url, processes)
    finally:
        for process in reversed(processes):
            process.stop()
