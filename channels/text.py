"""Splitting long replies for platforms with a per-message limit, on sentence boundaries where possible."""

from __future__ import annotations

import re

# A sentence ends with . ! ? … followed by whitespace, or at a line break; the separator is kept.
_SEPARATOR = re.compile(r"((?<=[.!?…])\s+|\s*\n\s*)")


def split_text(text: str, limit: int) -> list[str]:
    """Pieces of at most ``limit`` characters, cut after a sentence (or line), else at a space, else hard."""
    text = text.strip()
    if len(text) <= limit:
        return [text] if text else []
    tokens = _SEPARATOR.split(text)
    parts: list[str] = []
    current, separator = "", ""
    for index, token in enumerate(tokens):
        if index % 2:  # a separator between two sentences
            separator = token
            continue
        for sentence in _cut(token, limit):
            if current and len(current) + len(separator) + len(sentence) <= limit:
                current += separator + sentence
            else:
                if current:
                    parts.append(current)
                current = sentence
            separator = " "
    if current:
        parts.append(current)
    return parts


def _cut(sentence: str, limit: int) -> list[str]:
    """A sentence longer than ``limit`` is cut at the last space before it (or hard, for one enormous word)."""
    out: list[str] = []
    while len(sentence) > limit:
        cut = sentence.rfind(" ", 0, limit + 1)
        cut = cut if cut > limit // 2 else limit
        out.append(sentence[:cut].rstrip())
        sentence = sentence[cut:].lstrip()
    if sentence:
        out.append(sentence)
    return out
