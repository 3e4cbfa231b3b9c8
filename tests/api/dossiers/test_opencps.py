"""The OpenCPS adapter against a fake portal speaking OpenCPS v2's wire format over real HTTP."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import datetime

import pytest

from api.dossiers.http import HttpPolicy
from api.dossiers.opencps import VN, OpenCpsSource
from api.dossiers.source import LookupNotSupported, SourceUnavailable
from api.dossiers.statuses import OPENCPS_STATUSES, Stage
from tests.api.dossiers.fake_opencps import GROUP_ID, PASSWORD, USER, FakeOpenCps, dossier
from tests.support.asgi_thread import serve

CODE = "000.00.07.H12-261130-0012"
FAST = HttpPolicy(timeout=0.5, retries=2, backoff=0.01)


@pytest.fixture(scope="module")
def portal() -> Iterator[tuple[FakeOpenCps, str]]:
    fake = FakeOpenCps()
    with serve(fake.app()) as url:
        yield fake, url


@pytest.fixture
def fake(portal: tuple[FakeOpenCps, str]) -> FakeOpenCps:
    state = portal[0]
    state.dossiers.clear()
    state.requests.clear()
    state.fail_next, state.delay = 0, 0.0
    return state


def source(portal: tuple[FakeOpenCps, str], *, password: str = PASSWORD, policy: HttpPolicy = FAST) -> OpenCpsSource:
    return OpenCpsSource(base_url=portal[1], group_id=GROUP_ID, username=USER, password=password, policy=policy)


def test_a_processing_dossier_reads_in_plain_vietnamese_without_personal_fields(fake, portal) -> None:
    fake.dossiers[CODE] = dossier(CODE, "processing")
    status = asyncio.run(source(portal).lookup(CODE))
    assert status is not None
    assert (status.code, status.stage, status.status_label) == (CODE, Stage.processing, "Đang được giải quyết")
    assert status.received_at == datetime(2026, 11, 30, 9, 1, 5, tzinfo=VN)
    assert status.due_at == datetime(2026, 12, 4, 17, 0, tzinfo=VN)
    assert (status.procedure, status.department, status.result_ready) == (
        "Đăng ký khai sinh",
        "UBND xã Hòa Bình",
        False,
    )
    shown = repr(status.as_dict())
    for personal in ("Nguyễn Thị Lan", "082190001234", "0909123456", "lan@example.vn", "ấp 3"):
        assert personal not in shown
    assert fake.requests[-1] == {"params": {"dossierNo": CODE, "start": "0", "end": "2"}, "groupId": GROUP_ID}


def test_waiting_means_papers_missing_and_releasing_means_result_ready(fake, portal) -> None:
    fake.dossiers[CODE] = dossier(CODE, "waiting", stepInstruction="Bổ sung giấy chứng sinh bản chính")
    missing = asyncio.run(source(portal).lookup(CODE))
    assert missing is not None and missing.stage == Stage.missing
    assert missing.missing == "Bổ sung giấy chứng sinh bản chính"
    fake.dossiers[CODE] = dossier(CODE, "releasing")
    ready = asyncio.run(source(portal).lookup(CODE))
    assert ready is not None and ready.result_ready and ready.stage == Stage.ready


def test_every_opencps_status_code_has_a_plain_label() -> None:
    assert set(OPENCPS_STATUSES) == {
        "new", "collecting", "receiving", "processing", "waiting", "correcting", "paying", "handover", "releasing",
        "posting", "done", "cancelled", "denied",
    }  # fmt: skip
    assert all(label and not label.isascii() for _stage, label in OPENCPS_STATUSES.values())


def test_only_an_exact_code_matches_a_keyword_search(fake, portal) -> None:
    fake.dossiers[CODE + "5"] = dossier(CODE + "5", "processing")  # the portal's prefix match is not this dossier
    assert asyncio.run(source(portal).lookup(CODE)) is None


def test_a_failing_portal_is_retried_then_reported_unavailable(fake, portal) -> None:
    fake.dossiers[CODE] = dossier(CODE, "processing")
    fake.fail_next = 2
    assert asyncio.run(source(portal).lookup(CODE)) is not None  # third attempt succeeds
    assert len(fake.requests) == 3
    fake.fail_next = 5
    with pytest.raises(SourceUnavailable):
        asyncio.run(source(portal).lookup(CODE))


def test_a_slow_portal_times_out(fake, portal) -> None:
    fake.dossiers[CODE] = dossier(CODE, "processing")
    fake.delay = 0.6
    with pytest.raises(SourceUnavailable):
        asyncio.run(source(portal, policy=HttpPolicy(timeout=0.2, retries=1, backoff=0.01)).lookup(CODE))


def test_wrong_credentials_are_not_retried(fake, portal) -> None:
    with pytest.raises(SourceUnavailable, match="401"):
        asyncio.run(source(portal, password="sai").lookup(CODE))
    assert len(fake.requests) == 1


def test_opencps_has_no_lookup_by_phone(portal) -> None:
    with pytest.raises(LookupNotSupported):
        asyncio.run(source(portal).by_phone("0909123456"))
