"""Every held-out message through the real dialogue: the first reply belongs to its intent's family, or is a
clarification (buttons with the likely readings), a referral or an honest "cannot advise" — never an unrelated canned
answer (issue 12).

The trained model (models/xaso.tar.gz) runs in a Rasa Agent, the real action server runs as its own process and calls
the real gateway (conftest). Each message opens a new conversation, as a new citizen would. Model-dependent rates are
held to the NLU targets; the rules that do not depend on the model are absolute: a message the NLU was unsure of never
gets a canned answer, and a context-only intent outside its context is never acknowledged as if it had one.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from rasa.shared.nlu.training_data.loading import load_data

from actions.clarify import CLARIFY_MARK, OPEN_PROMPT
from actions.referrals import CANNOT_ADVISE
from tests.actions.conftest import SERVICE_TOKEN, free_port, new_sender

ROOT = Path(__file__).resolve().parents[2]
MODEL = Path(os.environ.get("XASO_TEST_MODEL") or ROOT / "models" / "xaso.tar.gz")  # a candidate can be checked too
SETS = {"short": ROOT / "nlu_data" / "test" / "nlu", "long": ROOT / "nlu_data" / "test" / "long"}
TARGET = {"short": 0.96, "long": 0.92}  # share of first replies in the right family (or a safe clarification)
UNSURE = 0.6  # a top confidence below this is "the NLU is unsure"

FAMILY_OF_ACTION = {
    "action_greet": "greet", "utter_goodbye": "goodbye", "action_context_reply": "ack", "action_refer": "refer",
    "action_health_answer": "health", "action_emergency_advice": "emergency", "action_answer_procedure": "procedure",
    "report_form": "report", "consultation_form": "booking", "action_check_status": "status",
    "action_office_info": "office", "action_handoff": "handoff", "action_fallback": "clarify",
    "action_clarify": "clarify",
}  # fmt: skip
SAFE = {"clarify", "refer", "cannot_advise"}
ALLOWED = {
    "greet": {"greet"}, "goodbye": {"goodbye"}, "thank": {"ack"}, "affirm": {"ack"}, "deny": {"ack"},
    "ask_procedure": {"procedure"}, "report_issue": {"report"}, "health_question": {"health", "emergency"},
    "health_emergency": {"emergency"}, "book_consultation": {"booking"}, "check_status": {"status"},
    "office_info": {"office"}, "request_human": {"handoff"}, "out_of_scope": {"refer"},
}  # fmt: skip


def family(action: str, first: dict[str, Any]) -> str:
    text = first.get("text") or ""
    if CANNOT_ADVISE in text:  # (it names 115 for danger signs too)
        return "cannot_advise"
    if "115" in text and action in {"action_emergency_advice", "action_health_answer", "action_fallback"}:
        return "emergency"
    if CLARIFY_MARK in text or OPEN_PROMPT in text:
        return "clarify"
    return FAMILY_OF_ACTION.get(action, action)


@pytest.fixture(scope="module")
def action_server(gateway_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    log = tmp_path_factory.mktemp("actions") / "actions.log"
    env = {
        **os.environ, "PYTHONPATH": str(ROOT), "XASO_ACTIONS_HOST": "127.0.0.1", "XASO_ACTIONS_PORT": str(port),
        "XASO_GATEWAY_URL": gateway_url, "XASO_SERVICE_TOKEN": SERVICE_TOKEN,
    }  # fmt: skip
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(ROOT / ".venv-rasa/bin/python"), "-m", "actions.server"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            assert process.poll() is None, log.read_text()[-3000:]
            try:
                with urllib.request.urlopen(f"{url}/health", timeout=2):
                    break
            except OSError:
                assert time.monotonic() < deadline, log.read_text()[-3000:]
                time.sleep(0.3)
        yield url
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


async def first_replies(action_url: str, texts: list[str]) -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    """(first action, first bot message, parse) for each text, each in a new conversation."""
    from rasa.core.agent import Agent
    from rasa.core.channels.channel import UserMessage
    from rasa.utils.endpoints import EndpointConfig

    agent = Agent.load(str(MODEL), action_endpoint=EndpointConfig(url=f"{action_url}/webhook", token=SERVICE_TOKEN))
    results = []
    for text in texts:
        sender = new_sender()
        message = UserMessage(text, sender_id=sender, metadata={"commune": "xa-demo", "channel": "web"})
        replies = await agent.handle_message(message) or []
        tracker = await agent.tracker_store.retrieve(sender)
        assert tracker is not None
        events = tracker.events_after_latest_restart()
        user_at = max(i for i, e in enumerate(events) if e.type_name == "user")
        actions = [e.action_name for e in events[user_at:] if e.type_name == "action"]
        first_action = next((a for a in actions if a not in {"action_listen", "action_session_start"}), "")
        results.append((first_action, replies[0] if replies else {}, tracker.latest_message.parse_data))
    return results


@pytest.mark.parametrize("name", sorted(SETS))
def test_first_reply_is_in_the_intents_family_or_a_safe_clarification(action_server: str, name: str) -> None:
    if not MODEL.exists():
        pytest.fail(f"No trained model at {MODEL}: run `xaso train` first.")
    examples = load_data(str(SETS[name])).intent_examples
    texts = [m.get("text") for m in examples]
    results = asyncio.run(first_replies(action_server, texts))
    wrong, canned_when_unsure, acked_out_of_context = [], [], []
    families: Counter[str] = Counter()
    for example, (action, first, parse) in zip(examples, results, strict=True):
        intent, got = example.get("intent"), family(action, first)
        families[got] += 1
        top = parse.get("intent") or {}
        unsure = top.get("name") == "nlu_fallback" or float(top.get("confidence") or 0) < UNSURE
        if got == "ack":  # a new conversation has no context: a yes, a no or a thanks is never just acknowledged
            acked_out_of_context.append(example.get("text"))
        if got not in ALLOWED[intent] and got not in SAFE:
            wrong.append(f"{intent} → {got} ({action}): {example.get('text')[:90]}")
            if unsure:
                canned_when_unsure.append(wrong[-1])
    report = f"{name}: {dict(families)}\n" + "\n".join(wrong)
    assert not canned_when_unsure, report
    assert not acked_out_of_context, acked_out_of_context
    assert 1 - len(wrong) / len(examples) >= TARGET[name], report
