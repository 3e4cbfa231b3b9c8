"""The bot for channel tests: a real Rasa with the trained model and the real action server, sharing the session.

The action server calls back into the gateway, so the gateway's port is fixed for the session; each test serves its
own gateway (its own database, its fake platforms) on that port, one test at a time.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from tests.support.gateway_fixtures import TEST_RASA_TOKEN, TEST_SERVICE_TOKEN, model_path
from tests.support.paths import RASA_BIN, ROOT
from tests.support.processes import ServerProcess, free_port, start_server


@dataclass(frozen=True)
class BotStack:
    rasa: ServerProcess
    actions: ServerProcess
    gateway_port: int

    @property
    def gateway_url(self) -> str:
        return f"http://127.0.0.1:{self.gateway_port}"


@pytest.fixture(scope="session")
def bot_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BotStack]:
    if not model_path().exists() or not RASA_BIN.exists():
        pytest.fail(f"No trained model at {model_path()}: run `make train` (make test does it first).")
    work = tmp_path_factory.mktemp("bot")
    gateway_port, actions_port, rasa_port = free_port(), free_port(), free_port()
    scripts = ROOT / "scripts"
    actions = start_server(
        "actions", [str(scripts / "start-actions.sh")], url=f"http://127.0.0.1:{actions_port}", ready_path="/health",
        log_dir=work, env={"XASO_ACTIONS_PORT": str(actions_port), "XASO_SERVICE_TOKEN": TEST_SERVICE_TOKEN,
                           "XASO_GATEWAY_URL": f"http://127.0.0.1:{gateway_port}"},
    )  # fmt: skip
    try:
        rasa = start_server(
            "rasa", [str(scripts / "start-rasa.sh")], url=f"http://127.0.0.1:{rasa_port}",
            ready_path=f"/status?token={TEST_RASA_TOKEN}", log_dir=work,
            env={"XASO_RASA_MODEL": str(model_path()), "XASO_TRACKER_DB": str(work / "tracker.db"),
                 "XASO_RASA_TOKEN": TEST_RASA_TOKEN, "XASO_RASA_PORT": str(rasa_port),
                 "XASO_ACTIONS_PORT": str(actions_port), "XASO_SERVICE_TOKEN": TEST_SERVICE_TOKEN},
        )  # fmt: skip
    except BaseException:
        actions.stop()
        raise
    yield BotStack(rasa, actions, gateway_port)
    rasa.stop()
    actions.stop()
