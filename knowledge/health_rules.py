"""What a health topic says first for what the citizen said, shared by the bot's health answer (actions/health.py)
and the gateway's own guidance (api/safety/guidance.py), so both put the instruction that applies before the general
guidance and ask a child's age the same way (issue 29). Pure Python 3.10+, no dependencies beyond xaso_text."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from xaso_text import fold

AGE_GIVEN = re.compile(r"\d+\s*(thang|tuoi|ngay tuoi)|(mot|hai|ba|bon|nam|sau|bay|tam|chin|muoi) (thang|tuoi)")


def says_any(folded_text: str, phrases: Iterable[str]) -> bool:
    """True when one of ``phrases`` (folded here) occurs in ``folded_text`` as whole words."""
    for phrase in phrases:
        key = fold(phrase)
        if key and re.search(rf"(?<![a-z0-9]){re.escape(key)}(?![a-z0-9])", folded_text):
            return True
    return False


def first_instruction(rules: Sequence[tuple[Sequence[str], str]], text: str) -> str | None:
    """The topic's instruction that applies to what the citizen said ("2 ngày rồi" → go to a clinic today)."""
    folded = fold(text)
    for cues, say in rules:
        if says_any(folded, cues):
            return say
    return None


def age_question(ask_age: str, child_words: Sequence[str], text: str) -> str | None:
    """The child's age, asked when the message is about a child and does not say it (the advice depends on it)."""
    folded = fold(text)
    if not ask_age or not says_any(folded, child_words) or AGE_GIVEN.search(folded):
        return None
    return ask_age
