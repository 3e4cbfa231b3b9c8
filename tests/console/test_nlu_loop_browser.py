"""Issue 12's review loop end to end, on the system as `make run` starts it (gateway, actions, Rasa) and headless
Chromium: a citizen's message the bot was unsure of is kept; an officer flags it from the transcript and corrects
its intent in one submit; ``xaso nlu export`` writes it (phone replaced); ``xaso train --finetune`` trains once, the
gate passes and the running Rasa loads the new model with no failed request; the message is now understood. Gating
the old model back in is refused, and the gate says which set regressed.

Fine-tunes one model (about a minute on a quiet machine; the whole test 2 min 40 s) in a temporary models directory:
the shared models/xaso.tar.gz is only read. A test that fails or times out stops every process it started (whole
process groups).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from api.db import make_engine, make_sessionmaker, transaction
from api.nlu.models import NluReview
from api.staff.models import Role
from api.staff.service import create_staff
from tests.support.browser import launched_chromium
from tests.support.gateway_fixtures import model_path
from tests.support.paths import ROOT
from tests.support.stack import STACK_RASA_TOKEN, STACK_SERVICE_TOKEN, Stack, running_stack

pytestmark = [pytest.mark.browser, pytest.mark.rasa, pytest.mark.slow, pytest.mark.timeout(3600)]

# Real-style messages the issue saw misread, with their right intent; the test corrects the first one the model in
# use still gets wrong (a phone number is added: it must not reach the training data).
HARD = (
    ("Bong võng mạc có chữa được không ạ", "health_question"),
    ("Ong đốt gần mắt bị sưng to cần xử lý thế nào", "health_question"),
    ("be nha em bi tieu chay 3 lan tu sang roi", "health_question"),
    ("Chỉ số đường huyết 108 có đáng lo không", "health_question"),
    ("Tôi sinh sống tại nước Lào, về quê có được hỗ trợ chi phí cách ly không", "out_of_scope"),
    ("xã mình có hỗ trợ người nghèo không", "ask_procedure"),
    ("xe tải chở đất làm nát hết đường bê tông xóm em", "report_issue"),
    ("trại heo xả thải ra suối hôi không chịu nổi", "report_issue"),
    ("nhà bên cạnh xây lấn sang đất nhà tôi", "report_issue"),
    ("Khu phố 2 mất nước sinh hoạt 3 ngày nay", "report_issue"),
    ("cho hỏi xã có lớp dạy bơi cho trẻ hè này không", "out_of_scope"),  # read as health after issue 22's round
)
PHONE = ", số em 0912345678"
PASSWORD = "mat-khau-duyet-nlu-9"


@pytest.fixture(scope="module")
def loop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Stack, Path]]:
    work = tmp_path_factory.mktemp("nlu-loop")
    models = work / "models"
    models.mkdir()
    shutil.copy2(model_path(), models / "xaso.tar.gz")  # never write the shared model
    shutil.copytree(ROOT / "nlu_data", work / "data" / "nlu_data")
    extra = {"XASO_NLU_REVIEW_THRESHOLD": "1.01"}  # keep every typed message: the capture path runs for real
    # a loaded machine (other suites, trainings) can take minutes to load a model: wait for it
    with running_stack(work / "stack", models / "xaso.tar.gz", gateway_extra=extra, rasa_timeout=900) as stack:
        yield stack, work


def _env(work: Path) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "XASO_DATABASE_URL": f"sqlite:///{work / 'stack' / 'xaso.db'}",
        "XASO_RASA_TOKEN": STACK_RASA_TOKEN,
        "COLUMNS": "200",
    }


def _xaso(work: Path, *args: str, timeout: float = 2400) -> subprocess.CompletedProcess[str]:
    """Run the CLI in a process group of its own: if the test fails or times out meanwhile, the training Rasa it
    started goes down with it instead of outliving the test."""
    process = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "xaso"), *args], cwd=ROOT, env=_env(work), text=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
    )  # fmt: skip
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


def _officer(work: Path) -> None:
    factory = make_sessionmaker(make_engine(f"sqlite:///{work / 'stack' / 'xaso.db'}"))
    with transaction(factory) as session:
        create_staff(session, commune_id=1, login="duyet.nlu", full_name="Cán bộ Duyệt", password=PASSWORD,
                     role=Role.officer)  # fmt: skip


def _model_id(stack: Stack) -> str:
    return str(httpx.get(f"{stack.rasa}/status", params={"token": STACK_RASA_TOKEN}, timeout=60).json()["model_id"])


def _intent(stack: Stack, text: str) -> str:
    headers = {"Authorization": f"Bearer {STACK_SERVICE_TOKEN}"}  # not public (issue 26): the service token
    response = httpx.post(f"{stack.gateway}/api/v1/nlu/parse", json={"text": text}, headers=headers, timeout=60)
    assert response.status_code == 200, response.text
    return str(response.json()["intent"]["name"])


def _kept(work: Path, text: str) -> NluReview:
    factory = make_sessionmaker(make_engine(f"sqlite:///{work / 'stack' / 'xaso.db'}"))
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with factory() as session:
            row = session.scalar(select(NluReview).where(NluReview.text == text))
            if row is not None:
                return row
        time.sleep(0.5)
    raise AssertionError(f"not kept for review: {text}")


def _misread(stack: Stack) -> tuple[str, str]:
    for text, intent in HARD:
        if _intent(stack, text + PHONE) != intent:
            return text + PHONE, intent
    raise AssertionError("the model in use reads every hard message right: add a harder one to HARD")


def _review_in_browser(page: Page, gateway: str, text: str, target: str) -> None:
    page.goto(f"{gateway}/staff/nlu")
    page.get_by_label("Tên đăng nhập").fill("duyet.nlu")
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    row = page.locator("tr[data-review-id]", has_text=text)
    expect(row).to_contain_text("Độ tin cậy thấp")
    row.get_by_role("link", name="xem hội thoại").click()
    turn = page.locator("li.msg", has_text=text)
    expect(turn).to_contain_text("Trợ lý")  # the bot's reply is in the transcript
    turn.get_by_role("button", name="Gắn cờ: trợ lý hiểu sai").click()
    expect(page.get_by_role("status")).to_have_text("Đã gắn cờ: câu này có trong hộp thư duyệt.")
    row = page.locator("tr[data-review-id]", has_text=text)
    expect(row).to_contain_text("Cán bộ gắn cờ")
    row.get_by_label("Ý định đúng").select_option(target)
    row.get_by_role("button", name="Lưu sửa").click()
    expect(page.get_by_role("status")).to_have_text("Đã lưu ý định và thực thể đúng.")
    page.goto(f"{gateway}/staff/nlu?status=corrected")
    expect(page.locator("tr[data-review-id]", has_text=text)).to_contain_text(f"→ {target}")


def test_flag_correct_export_train_gate_swap(loop: tuple[Stack, Path]) -> None:
    stack, work = loop
    _officer(work)
    text, target = _misread(stack)
    reply = httpx.post(
        f"{stack.gateway}/webhooks/web",
        json={"sender": "nlu-loop-e2e", "message": text, "metadata": {"commune": "xa-demo", "message_id": "m1"}},
        timeout=60,
    )
    assert reply.status_code == 200 and reply.json(), reply.text
    assert _kept(work, text).reason == "low_confidence"

    with launched_chromium() as browser:
        _review_in_browser(browser.new_page(), stack.gateway, text, target)
    row = _kept(work, text)
    assert (row.status, row.reviewed_intent) == ("corrected", target)

    data_dir = work / "data" / "nlu_data"
    exported = _xaso(work, "nlu", "export", "--data-dir", str(data_dir), timeout=120)
    assert exported.returncode == 0, exported.stdout + exported.stderr
    reviewed = (data_dir / "nlu" / "reviewed.yml").read_text(encoding="utf-8")
    assert f"- intent: {target}" in reviewed and "số em <SĐT>" in reviewed and "0912345678" not in reviewed

    before = _model_id(stack)
    statuses: list[int] = []
    stop = threading.Event()

    def keep_asking() -> None:  # the bot keeps answering while the model is swapped
        while not stop.is_set():
            response = httpx.post(f"{stack.rasa}/model/parse", params={"token": STACK_RASA_TOKEN},
                                  json={"text": "xin chào"}, timeout=600)  # fmt: skip
            statuses.append(response.status_code)
            time.sleep(0.3)

    asking = threading.Thread(target=keep_asking, daemon=True)
    asking.start()
    try:
        # The quick retrain a review round uses: the model in use fine-tuned on the exported data (the full
        # `xaso train` is what `make model-for-tests` runs). Training is repeatable, but one added example moves the
        # held-out figures: up to 1.1 points fine-tuned, up to 3.6 with a full training (docs/nlu.md). The promotion
        # step allows 15 points so the test checks the loop, not that churn; the refusal below keeps the default.
        trained = _xaso(work, "train", "--data-root", str(work / "data"), "--models-dir", str(work / "models"),
                        "--rasa-url", stack.rasa, "--tolerance", "15", "--finetune")  # fmt: skip
    finally:
        stop.set()
        asking.join(timeout=610)
    output = trained.stdout + trained.stderr
    print(output)  # the gate table, kept in the test log
    assert trained.returncode == 0, output
    assert "Cổng kiểm tra" in output and "Cổng đạt" in output and "đã nạp mô hình mới" in output
    assert statuses and set(statuses) == {200}, statuses
    assert _model_id(stack) != before
    assert _intent(stack, text) == target  # the corrected message is now understood

    # Gating the previous model back in is refused: it no longer understands what staff corrected.
    swapped = _model_id(stack)
    previous = str(work / "models" / "xaso.previous.tar.gz")
    refused = _xaso(work, "train", "--candidate", previous, "--data-root", str(work / "data"),
                    "--models-dir", str(work / "models"), "--rasa-url", stack.rasa)  # fmt: skip
    output = refused.stdout + refused.stderr
    print(output)
    assert refused.returncode == 1, output
    assert "Không dùng mô hình mới" in output and "tập reviewed: ý định" in output
    assert _model_id(stack) == swapped
