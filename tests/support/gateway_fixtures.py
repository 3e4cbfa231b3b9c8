"""Fixtures for the gateway side (``.venv``): databases, the app, a client, and real Rasa/action servers."""

from __future__ import annotations

import os
import re
import zlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from api.config import Settings
from api.db import transaction
from api.main import create_app
from api.seed import seed_all
from tests.support import database
from tests.support.asgi_thread import serve
from tests.support.paths import MODEL_PATH, RASA_BIN, ROOT
from tests.support.processes import WEB_BUDGETS_OFF, ServerProcess, free_port, start_server
from tests.support.stack import Stack, running_stack

# The first-contact privacy notice (api/privacy/chat.py) is on in production; the suite's exact reply sequences predate
# it, so it is off for every gateway the tests start (in-process and subprocesses inherit this) except where a test
# turns it on: tests/api/privacy, tests/channels/test_privacy_chat.py.
os.environ.setdefault("XASO_PRIVACY_NOTICE", "false")
TEST_RASA_TOKEN = "test-rasa-token"
TEST_SERVICE_TOKEN = "test-service-token"
END_TO_END = ("slow", "rasa", "browser")  # markers of tests whose time goes to processes, models and browsers
NEEDS_RASA = frozenset({"bot_stack", "rasa_server", "stack"})  # fixtures that start Rasa with the trained model


# Modules that use fixed shared places on the test servers (Redis database 12, flushed; the login and web budgets'
# keys): under xdist they run on one worker, one after another. The mutation tests are among them: they run some of
# those modules' tests (Redis wake-ups, replica leases, login limits) from a copy of the tree, and a flush from there
# once broke a Redis test running on the other worker. The cluster kill test has places of its own (Redis 13 and 14,
# its named PostgreSQL databases) and is a group of its own. So is the review-loop test: it trains a model for
# minutes; it is handed out first beside the shared servers' group (minutes of processes, no browser), so while
# the model trains the other worker is mostly not in a browser test (a click starved by a training once timed out). The
# modules that take the ``stack`` fixture (the system as `make run` starts it: a gateway, actions and a
# Rasa that loads the model, about 45 s of two cores) are one group, so one worker starts it once. Every other module
# is one group, so a worker keeps a module's fixtures (a module-scoped world, a bot stack).
SHARED_SERVERS = frozenset(
    {
        "tests/api/test_replicas.py",
        "tests/api/test_signals.py",
        "tests/api/test_rasa_client.py",
        "tests/mutants/test_mutants.py",
        "tests/security/test_login_throttle.py",
        "tests/security/test_web_budgets.py",
    }
)
OWN_GROUP = {
    "tests/cli/test_cluster.py": "cluster",
    "tests/console/test_nlu_loop_browser.py": "review-loop",
    "tests/conversations/test_conversations.py": "stack",
    "tests/stack/test_stack.py": "stack",
}
# Groups that hold tests of minutes (the review loop trains a model, the mutants run pytest in copies of the tree, the
# cluster test kills and restarts processes): handed to the workers first (``--no-loadscope-reorder`` keeps this
# order), so no worker starts one of them while the other has nothing left to do.
LONGEST_FIRST = ("review-loop", "shared-servers", "cluster", "stack")


@pytest.hookimpl(tryfirst=True)  # before xdist's own hook reads the groups
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Fast tests run on every backend. An end-to-end test (Rasa, browser, several processes) spends its time outside
    the database, so each of its variants runs on one backend, chosen by a stable hash of the variant: both backends
    still carry end-to-end traffic, and the suite fits CI's time. ``XASO_TEST_EVERY_BACKEND=1`` runs the whole
    matrix. Each test is put in its xdist group (``make test-gateway`` runs ``--dist loadgroup``)."""
    for item in items:
        if NEEDS_RASA.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.rasa)  # so `-m "not rasa"` (make test-fast) leaves it out
        module = item.nodeid.split("::")[0]
        group = "shared-servers" if module in SHARED_SERVERS else OWN_GROUP.get(module, module)
        item.add_marker(pytest.mark.xdist_group(group))
    _one_backend_each(config, items)
    end_to_end = Counter(_group(item) for item in items if _is_end_to_end(item))
    items.sort(key=lambda item: _schedule_rank(_group(item), end_to_end))  # stable: a group keeps its order


@pytest.hookimpl(optionalhook=True)  # a pytest-xdist hook, in the controller: the ids one worker collected
def pytest_xdist_node_collection_finished(node: object, ids: list[str]) -> None:
    """Refuse a run whose groups would be ignored. pytest-xdist hands tests out by the ``@group`` its worker appends
    to each node id; with pytest 9.2 the suffix no longer lands (pytest-xdist#1386), and nothing said so: every test
    went to either worker, the Redis-flushing modules ran beside the tests whose databases they flush, and each
    worker started its own stacks. (requirements/dev.in keeps pytest below 9.2.)"""
    config = getattr(node, "config", None)
    if config is None or config.getvalue("dist") != "loadgroup" or not ids:
        return
    if not any("@" in nodeid.rsplit("]", 1)[-1] for nodeid in ids):
        raise pytest.UsageError(
            "--dist loadgroup would ignore every test group: this pytest and pytest-xdist do not work together "
            "(pytest-xdist#1386); install the versions requirements/app.lock.txt pins (make venvs)."
        )


def _is_end_to_end(item: pytest.Item) -> bool:
    return any(item.get_closest_marker(name) for name in END_TO_END)


def _group(item: pytest.Item) -> str:
    marker = item.get_closest_marker("xdist_group")
    return str(marker.args[0]) if marker else ""


def _schedule_rank(group: str, end_to_end: Counter[str]) -> tuple[int, int]:
    """Longest groups first (xdist hands groups out in collection order), then the other groups with end-to-end
    tests, most first, then the rest in their usual order."""
    if group in LONGEST_FIRST:
        return (0, LONGEST_FIRST.index(group))
    return (1, -end_to_end[group]) if end_to_end[group] else (2, 0)


def _one_backend_each(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Each variant of an end-to-end test on one backend (see ``pytest_collection_modifyitems``)."""
    backends = database.backends()
    if len(backends) < 2 or os.environ.get("XASO_TEST_EVERY_BACKEND") == "1":
        return
    kept: list[pytest.Item] = []
    dropped: list[pytest.Item] = []
    for item in items:
        callspec = getattr(item, "callspec", None)
        backend = callspec.params.get("db_backend") if callspec is not None else None
        if backend is None or not _is_end_to_end(item):
            kept.append(item)
            continue
        others = sorted((name, _stable(value)) for name, value in callspec.params.items() if name != "db_backend")
        variant = f"{item.nodeid.split('[')[0]}{others}"
        chosen = backends[zlib.crc32(variant.encode()) % len(backends)]
        (kept if backend == chosen else dropped).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


def _stable(value: object) -> str:
    """A parameter's text, the same in every process: a set's order follows string hashes, which differ per process
    (each xdist worker would choose another backend for the variant, and xdist refuses differing collections)."""
    if isinstance(value, (set, frozenset)):
        return "{" + ", ".join(sorted(_stable(member) for member in value)) + "}"
    if isinstance(value, dict):
        return "{" + ", ".join(sorted(f"{_stable(k)}: {_stable(v)}" for k, v in value.items())) + "}"
    if isinstance(value, (list, tuple)):
        return "(" + ", ".join(_stable(member) for member in value) + ")"
    return re.sub(r" at 0x[0-9a-fA-F]+", "", repr(value))  # an object's address differs per process too


@dataclass(frozen=True)
class Templates:
    """One backend's two templates (migrated; migrated and seeded), and how a test gets a copy of one."""

    backend: str
    plain: str
    seeded: str
    copies: dict[str, database.PostgresCopies]


@pytest.fixture(scope="session", params=database.backends())
def db_backend(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Templates]:
    """The schema is migrated once per backend (and seeded once, for tests that take the ``app``), copied per test."""
    if request.param == "sqlite":
        plain = database.sqlite_template(tmp_path_factory.mktemp("db-template"))
        yield Templates("sqlite", str(plain), str(database.sqlite_seeded_template(plain)), {})
        return
    plain_pg = database.postgres_template()
    seeded_pg = database.postgres_seeded_template(plain_pg)
    copies = {name: database.PostgresCopies(name) for name in (plain_pg, seeded_pg)}
    try:
        yield Templates("postgresql", plain_pg, seeded_pg, copies)
    finally:
        for pool in copies.values():
            pool.close()
        database.postgres_drop(seeded_pg)
        database.postgres_drop(plain_pg)


_SEEDED_FOR_DEMO: set[str] = set()  # URLs of the live copies of a seeded template


@pytest.fixture
def database_url(db_backend: Templates, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """A copy of the seeded template when the test takes the ``app`` (which would seed it), else of the migrated one."""
    template = db_backend.seeded if "app" in request.fixturenames else db_backend.plain
    if db_backend.backend == "sqlite":
        url = database.sqlite_copy(Path(template), tmp_path)
        name = ""
    else:
        pool = db_backend.copies[template]
        name, url = pool.take()
    if template == db_backend.seeded:
        _SEEDED_FOR_DEMO.add(url)
    try:
        yield url
    finally:
        _SEEDED_FOR_DEMO.discard(url)
        if name:
            pool.give_back(name)


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=database_url,
        data_dir=tmp_path / "data",
        rasa_url="http://127.0.0.1:9",  # nothing listens there: tests that need Rasa use the rasa_server fixture
        rasa_token=TEST_RASA_TOKEN,
        actions_url="http://127.0.0.1:9",
        service_token=TEST_SERVICE_TOKEN,
        default_commune="xa-demo",
        run_background_jobs=False,
        # One test client speaks for many citizens from one address: the web budgets (api/infra/budgets.py) are off
        # here, as in the shared stacks (WEB_BUDGETS_OFF); tests/security/test_web_budgets.py sets its own.
        **{name.removeprefix("XASO_").lower(): 0 for name in WEB_BUDGETS_OFF},
    )


@pytest.fixture
def app(settings: Settings) -> FastAPI:
    """The gateway on a database seeded for ``settings.default_commune`` (the template is seeded for xa-demo)."""
    application = create_app(settings)
    if settings.default_commune != "xa-demo" or settings.database_url not in _SEEDED_FOR_DEMO:
        with transaction(application.state.sessionmaker) as session:
            seed_all(session, slug=settings.default_commune)
    return application


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def db_session(app: FastAPI) -> Iterator[Session]:
    with transaction(app.state.sessionmaker) as session:
        yield session


def model_path() -> Path:
    """The trained model under test; XASO_TEST_MODEL points at another one during development."""
    return Path(os.environ.get("XASO_TEST_MODEL", str(MODEL_PATH)))


def _require_model() -> None:
    if not model_path().exists() or not RASA_BIN.exists():
        pytest.fail(f"No trained model at {model_path()}: run `make train` (make test does it first).")


@dataclass(frozen=True)
class BotStack:
    """A real Rasa with the trained model and the real action server, shared by the session. The action server calls
    back into the gateway, so the gateway's port is fixed; each test serves its own gateway (its own database, its
    fake platforms) on that port, one test at a time."""

    rasa: ServerProcess
    actions: ServerProcess
    gateway_port: int

    @property
    def gateway_url(self) -> str:
        return f"http://127.0.0.1:{self.gateway_port}"


@pytest.fixture(scope="session")
def bot_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BotStack]:
    """Defined once for the whole tree (a model load costs half a minute): channel, web and API tests share it."""
    _require_model()
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
                 "XASO_ACTIONS_PORT": str(actions_port), "XASO_SERVICE_TOKEN": TEST_SERVICE_TOKEN,
                 "XASO_RASA_ENDPOINTS": os.environ.get("XASO_TEST_RASA_ENDPOINTS", "bot/endpoints.yml")},
        )  # fmt: skip
    except BaseException:
        actions.stop()
        raise
    yield BotStack(rasa, actions, gateway_port)
    rasa.stop()
    actions.stop()


@pytest.fixture
def live(app: FastAPI, request: pytest.FixtureRequest) -> Iterator[str]:
    """The gateway over real HTTP with its lifespan (workers run if the settings say so); on the bot's port when
    the test uses the bot, so the action server reaches it."""
    port = request.getfixturevalue("bot_stack").gateway_port if "bot_stack" in request.fixturenames else None
    with serve(app, lifespan="on", port=port) as url:
        yield url


@pytest.fixture(scope="session")
def rasa_server(bot_stack: BotStack) -> ServerProcess:
    """A real Rasa server with the trained model, on a free port, protected by a token (the bot stack's)."""
    return bot_stack.rasa


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The whole system as `make run` starts it (gateway, actions, Rasa), shared by the end-to-end tests."""
    _require_model()
    with running_stack(tmp_path_factory.mktemp("stack"), model_path()) as running:
        yield running
