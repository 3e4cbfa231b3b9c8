"""Fixtures for the broadcast tests: the fake edge-tts service and broadcast settings in a temporary place."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from broadcast.settings import BroadcastSettings
from tests.broadcast.fake_edge import FakeEdgeService, RunningFake


@pytest.fixture(scope="session")
def _running_fake() -> Iterator[FakeEdgeService]:
    fake = RunningFake()
    service = fake.start()
    yield service
    fake.stop()


@pytest.fixture
def fake_edge(_running_fake: FakeEdgeService) -> FakeEdgeService:
    _running_fake.handshake_failures.clear()
    _running_fake.requests.clear()
    _running_fake.drop_streams = 0
    _running_fake.connections = 0
    return _running_fake


@pytest.fixture
def broadcast_settings(fake_edge: FakeEdgeService, tmp_path: Path) -> BroadcastSettings:
    return BroadcastSettings(
        edge_endpoint=fake_edge.endpoint,
        edge_attempts=3,
        edge_backoff_seconds=0.01,
        piper_model=None,
    )
