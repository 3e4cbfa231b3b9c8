"""Every held-out message through the real dialogue: the first reply is the one its labels call for (its intent's
family; for a procedure question naming no procedure or a status question with no code, the action's own question;
for a yes / no / thanks in a new conversation, the open prompt), or else a clarification, referral or "cannot advise"
— never an unrelated canned answer (issue 12). Clarifications are not counted as right (issue 30): the share of
right first replies and the NLU's held-out intent accuracy are held to floors.

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

from actions.clarify import CLARIFY_MARK, OPEN_PROMPT, SHORT_WORDS
from actions.referrals import CANNOT_ADVISE
from bot.components.text import has_diacritics
from tests.actions.conftest import SERVICE_TOKEN, free_port, new_sender

ROOT = Path(__file__).resolve().parents[2]
MODEL = Path(os.environ.get("XASO_TEST_MODEL") or ROOT / "models" / "xaso.tar.gz")  # a candidate can be checked too
SETS = {"short": ROOT / "nlu_data" / "test" / "nlu", "long": ROOT / "nlu_data" / "test" / "long"}
# Floors (issue 30): what the model trained on the current data measured here on the cleaned held-out sets, minus 2
# points (3 on the smaller without-diacritics subsets) for DIET's run-to-run spread. This test is what holds
# `make test` to them (`make model-for-tests` trains ungated). Re-measured 7 Dec 2026 after issues 22, 24 and 29 added
# three intents and their held-out examples (subscribe_news, ask_dossier_status, watch_dossier) and moved the
# health-insurance card questions out of health: short 92.9% right / intent 92.9% / without diacritics 94.2% (was
# 95.8 / 95.8 / 97.8), long 90.4 / 90.4 / 90.4% (was 94.2 / 94.2 / 93.9) — a drop docs/nlu.md reports, to win back.
# 8 Dec 2026: the seed alone moves the short set's intent accuracy over 89.4–92.3% on unchanged data (four seeds,
# docs/nlu.md "Third round"), so its floor is the lowest seed's figure minus 1.5 points: a floor inside the seed's
# spread fails `make test` on the luck of a training, not on the data.
RIGHT = {"short": 0.90, "long": 0.88}  # share of first replies the labels call for
RIGHT_OR_SAFE = {"short": 0.95, "long": 0.92}  # ... or a clarification / referral (measured 97.7% / 95.9%)
INTENT_ACCURACY = {  # the NLU's top intent (nlu_fallback counts as wrong)
    "short": {"all": 0.88, "without diacritics": 0.91},
    "long": {"all": 0.88, "without diacritics": 0.87},
}
UNSURE = 0.6  # a top confidence below this is "the NLU is unsure"

FAMILY_OF_ACTION = {
    "action_greet": "greet", "utter_goodbye": "goodbye", "action_context_reply": "ack", "action_refer": "refer",
    "action_health_answer": "health", "action_emergency_advice": "emergency", "action_answer_procedure": "procedure",
    "report_form": "report", "consultation_form": "booking", "action_check_status": "status",
    "action_office_info": "office", "action_handoff": "handoff", "action_fallback": "clarify",
    "action_clarify": "clarify", "utter_subscribe_offer": "subscribe", "action_dossier_status": "dossier",
    "action_watch_dossier": "dossier",
}  # fmt: skip
SAFE = {"clarify", "refer", "cannot_advise"}
CONTEXT_ONLY = {"thank", "affirm", "deny"}
FALLBACK_ACTIONS = {"action_fallback", "action_clarify"}
ALLOWED = {
    "greet": {"greet"}, "goodbye": {"goodbye"}, "thank": {"ack"}, "affirm": {"ack"}, "deny": {"ack"},
    "ask_procedure": {"procedure"}, "report_issue": {"report"}, "health_question": {"health", "emergency"},
    "health_emergency": {"emergency"}, "book_consultation": {"booking"}, "check_status": {"status"},
    "office_info": {"office"}, "request_human": {"handoff"}, "out_of_scope": {"refer"},
    "subscribe_news": {"subscribe"}, "ask_dossier_status": {"dossier"}, "watch_dossier": {"dossier"},
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


def expected(example: Any) -> set[str]:
    """The families the first reply to this held-out message may be in, from its labels alone (never the model)."""
    intent, text = example.get("intent"), example.get("text")
    entities = {e["entity"] for e in example.get("entities") or []}
    if intent in CONTEXT_ONLY:  # a new conversation has no context: the open prompt (short) or a clarification (long)
        return {"open_prompt"} if len(text.split()) <= SHORT_WORDS else {"clarify"}
    if intent == "ask_procedure" and "procedure" not in entities:
        return {"procedure", "clarify"}  # "which procedure?" is the answer to a question that names none
    if intent == "check_status" and "case_code" not in entities:
        return {"status", "clarify"}  # no code and no case from this conversation: it asks
    if intent == "health_question":
        return {"health", "emergency", "cannot_advise"}  # the vetted guidance decides, from the text
    return ALLOWED[intent]


def outcome(example: Any, action: str, first: dict[str, Any]) -> str:
    """ "right" (the behaviour the labels call for), "safe" (a clarification or referral the labels did not call for),
    or the family it wrongly got."""
    got = family(action, first)
    if got == "clarify" and action in FALLBACK_ACTIONS:
        return "safe"  # the NLU was unsure: a safe answer, never the right one
    if got == "clarify" and action == "action_context_reply" and CLARIFY_MARK not in (first.get("text") or ""):
        got = "open_prompt"  # "Anh/chị cần em hỗ trợ việc gì ạ?" for a short yes / no / thanks with no context
    if got in expected(example):
        return "right"
    return "safe" if got in SAFE | {"open_prompt"} else got


def judge(name: str, examples: list[Any], results: list[tuple[str, dict[str, Any], dict[str, Any]]]) -> list[str]:
    """Every way these first replies fall short of the floors (empty when they meet them), with a summary first."""
    wrong, canned_when_unsure, acked_out_of_context = [], [], []
    outcomes: Counter[str] = Counter()
    intents: dict[str, list[int]] = {"all": [0, 0], "without diacritics": [0, 0]}
    for example, (action, first, parse) in zip(examples, results, strict=True):
        intent, got = example.get("intent"), outcome(example, action, first)
        outcomes[got if got in {"right", "safe"} else "wrong"] += 1
        top = parse.get("intent") or {}
        unsure = top.get("name") == "nlu_fallback" or float(top.get("confidence") or 0) < UNSURE
        for subset in ("all",) if has_diacritics(example.get("text")) else ("all", "without diacritics"):
            intents[subset][0] += top.get("name") == intent
            intents[subset][1] += 1
        if family(action, first) == "ack":  # a new conversation has no context: never just acknowledged
            acked_out_of_context.append(example.get("text"))
        if got not in {"right", "safe"}:
            wrong.append(f"{intent} → {got} ({action}): {example.get('text')[:90]}")
            if unsure:
                canned_when_unsure.append(wrong[-1])
    accuracy = {subset: right / max(total, 1) for subset, (right, total) in intents.items()}
    right, safe = outcomes["right"] / len(examples), outcomes["safe"] / len(examples)
    failures = [f"{name}: {dict(outcomes)} of {len(examples)}, intent accuracy {accuracy}, {intents}"]
    failures += [f"canned answer although the NLU was unsure: {w}" for w in canned_when_unsure]
    failures += [f"acknowledged with no context: {t}" for t in acked_out_of_context]
    if right < RIGHT[name]:
        failures.append(f"right first replies {right:.3f} < {RIGHT[name]}")
    if right + safe < RIGHT_OR_SAFE[name]:
        failures.append(f"right or safe first replies {right + safe:.3f} < {RIGHT_OR_SAFE[name]}")
    for subset, floor in INTENT_ACCURACY[name].items():
        if accuracy[subset] < floor:
            failures.append(f"intent accuracy ({subset}) {accuracy[subset]:.3f} < {floor}")
    return failures if len(failures) > 1 else []


def summary(name: str, examples: list[Any], results: list[tuple[str, dict[str, Any], dict[str, Any]]]) -> str:
    with pytest.MonkeyPatch.context() as floors:  # the judge with every floor at 1.0 reports every figure
        floors.setitem(RIGHT, name, 1.01)
        return "\n".join(judge(name, examples, results)[:1] + [w for w in judge(name, examples, results) if "→" in w])


@pytest.mark.parametrize("name", sorted(SETS))
def test_first_reply_is_the_one_its_labels_call_for(action_server: str, name: str) -> None:
    if not MODEL.exists():
        pytest.fail(f"No trained model at {MODEL}: run `xaso train` first.")
    examples = load_data(str(SETS[name])).intent_examples
    results = asyncio.run(first_replies(action_server, [m.get("text") for m in examples]))
    failures = judge(name, examples, results)
    print(summary(name, examples, results))  # the measured figures (docs/nlu.md, "Held-out floors in make test")
    assert not failures, "\n".join(failures)


def _bot(examples: list[Any], reply: Any) -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    return [reply(m) for m in examples]


@pytest.mark.parametrize("name", sorted(SETS))
def test_the_judge_fails_a_bot_that_only_clarifies_or_only_refers(name: str) -> None:
    """Mutants of the dialogue (issue 30): each passed an earlier version of the test above, which counted a
    clarification, referral or "cannot advise" as right for every intent. Their replies are the real ones' text."""
    examples = load_data(str(SETS[name])).intent_examples
    unsure = {"intent": {"name": "nlu_fallback", "confidence": 0.59}}
    clarify = {"text": f"Dạ, em chưa hiểu rõ ý anh/chị. {OPEN_PROMPT} {CLARIFY_MARK}"}
    refer = {"text": "Dạ, việc này thuộc Chi cục Thuế, anh/chị liên hệ ..."}
    sure = lambda m: {"intent": {"name": m.get("intent"), "confidence": 0.99}}  # noqa: E731 - the NLU itself right
    mutants = {
        "the model answers clarify to everything": lambda m: ("action_fallback", clarify, unsure),
        "the dialogue clarifies every message it read right": lambda m: ("action_fallback", clarify, sure(m)),
        "every message referred elsewhere": lambda m: ("action_refer", refer, sure(m)),
        "every message told 'cannot advise'": lambda m: ("action_health_answer", {"text": CANNOT_ADVISE}, sure(m)),
    }
    for what, reply in mutants.items():
        assert judge(name, examples, _bot(examples, reply)), what
    honest = lambda m: (ACTION_OF_INTENT[m.get("intent")], honest_reply(m), sure(m))  # noqa: E731
    assert judge(name, examples, _bot(examples, honest)) == []  # the judge passes a bot that does what it should


ACTION_OF_INTENT = {
    "greet": "action_greet", "goodbye": "utter_goodbye", "thank": "action_context_reply",
    "affirm": "action_context_reply", "deny": "action_context_reply", "ask_procedure": "action_answer_procedure",
    "report_issue": "report_form", "health_question": "action_health_answer",
    "health_emergency": "action_emergency_advice", "book_consultation": "consultation_form",
    "check_status": "action_check_status", "office_info": "action_office_info", "request_human": "action_handoff",
    "out_of_scope": "action_refer", "subscribe_news": "utter_subscribe_offer",
    "ask_dossier_status": "action_dossier_status", "watch_dossier": "action_watch_dossier",
}  # fmt: skip


def honest_reply(example: Any) -> dict[str, Any]:
    if example.get("intent") in CONTEXT_ONLY:
        short = len(example.get("text").split()) <= SHORT_WORDS
        return {"text": f"Dạ. {OPEN_PROMPT}" if short else f"Dạ, em chưa hiểu rõ ý anh/chị. {CLARIFY_MARK}"}
    if example.get("intent") == "health_emergency":
        return {"text": "Gọi ngay 115. ..."}
    return {"text": "..."}
