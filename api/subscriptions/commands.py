"""What a citizen's message asks of their subscription, read from the text alone (no database, no Rasa).

Accent-insensitive: "hủy nhận tin", "huy nhan tin", "HỦY NHẬN TIN!" are the same command. The unsubscribe phrases
are matched anywhere in a short message so that one message always stops the announcements.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from api.cases.search import fold
from api.subscriptions.topics import find_topic

MAX_COMMAND_WORDS = 12
_PUNCT = re.compile(r"[^\w\s/]+")

UNSUBSCRIBE_ANYWHERE = (
    "huy nhan tin", "huy nhan thong bao", "huy dang ky nhan", "ngung nhan tin", "ngung nhan thong bao",
    "dung nhan tin", "dung gui tin", "dung gui thong bao", "tat thong bao", "huy theo doi", "khong nhan thong bao",
    "khong muon nhan tin", "khong muon nhan thong bao",
)  # fmt: skip
UNSUBSCRIBE_EXACT = ("stop", "/stop", "unsubscribe", "/unsubscribe", "huy dang ky", "khong nhan tin", "huy")
SUBSCRIBE = (
    "dang ky nhan tin", "dang ky nhan thong bao", "nhan thong bao", "bat thong bao", "nhan tin lai",
    "/subscribe", "/dangky", "dang ky nhan ban tin",
)  # fmt: skip
# A request in the citizen's own words ("cho tôi đăng ký nhận thông báo của ấp với"): the phrase anywhere in a short
# message that is not a question about it ("đăng ký nhận tin có mất phí không" goes to the bot, which asks).
SUBSCRIBE_ANYWHERE = (
    "dang ky nhan tin", "dang ky nhan thong bao", "dang ky nhan ban tin", "dang ki nhan tin", "dang ki nhan thong bao",
    "dk nhan tin", "dk nhan thong bao", "muon nhan thong bao", "muon nhan tin cua xa", "muon nhan tin cua ap",
)  # fmt: skip
QUESTION_WORDS = (
    "lam sao", "lam the nao", "the nao", "nhu nao", "bao nhieu", "mat phi", "co phi", "la gi", "o dau", "tai sao",
    "vi sao", "chua", "ai", "gi",
)  # fmt: skip
CHANGE_HAMLET = ("doi ap", "doi thon", "doi xom", "doi khom", "doi khu pho", "doi to", "chuyen ap", "/doiap", "/hamlet")
TOPICS_LIST = ("chu de", "/chude", "/topics", "xem chu de")
TOPIC_ADD = ("them chu de", "nhan chu de", "them tin")
TOPIC_REMOVE = ("bo chu de", "bot chu de", "bo tin")
STATUS = ("tinh trang nhan tin", "xem dang ky", "/status", "dang ky cua toi")


@dataclass(frozen=True)
class Command:
    action: str  # unsubscribe | subscribe | change_hamlet | topics | topic_add | topic_remove | status
    argument: str = ""  # what follows the command words, as typed (a hamlet name, a topic)
    topic: str | None = None


def normalise(text: str) -> str:
    """Folded, without punctuation, single-spaced: 'Hủy nhận tin!!' → 'huy nhan tin'."""
    return " ".join(_PUNCT.sub(" ", fold(text or "")).split())


def _rest(original: str, words: int) -> str:
    """The original text after its first ``words`` words (keeps the diacritics the citizen typed)."""
    parts = _PUNCT.sub(" ", original or "").split()
    return " ".join(parts[words:])


def parse_command(text: str) -> Command | None:
    folded = normalise(text)
    if not folded or len(folded.split()) > MAX_COMMAND_WORDS:
        return None
    if folded in UNSUBSCRIBE_EXACT or any(f" {p} " in f" {folded} " for p in UNSUBSCRIBE_ANYWHERE):
        return Command("unsubscribe")
    for action, phrases in (
        ("change_hamlet", CHANGE_HAMLET),
        ("topic_add", TOPIC_ADD),
        ("topic_remove", TOPIC_REMOVE),
        ("topics", TOPICS_LIST),
        ("subscribe", SUBSCRIBE),
        ("status", STATUS),
    ):
        for phrase in phrases:
            if folded == phrase or folded.startswith(phrase + " "):
                # "đổi ấp 4" keeps the hamlet keyword with the name: the argument is "ấp 4".
                skip = (
                    1 if action == "change_hamlet" and phrase.startswith(("doi ", "chuyen ")) else len(phrase.split())
                )
                argument = _rest(text, skip)
                topic = find_topic(normalise(argument)) if action.startswith("topic_") else None
                if action.startswith("topic_") and topic is None:
                    return Command("topics")
                if action in ("topics", "subscribe", "status") and argument:
                    break  # "chủ đề hôm nay là gì" is a question, not a command
                return Command(action, argument, topic)
    if any(f" {p} " in f" {folded} " for p in SUBSCRIBE_ANYWHERE) and not any(
        f" {q} " in f" {folded} " for q in QUESTION_WORDS
    ):
        return Command("subscribe")
    return None
