"""Text at the channel boundary: what citizens send is normalised once; long replies are split per platform."""

from __future__ import annotations

import re
import unicodedata

# C0 and C1 control characters (NUL included) and DEL, except tab and line feed; lone surrogates (from a JSON "\ud800")
# cannot be encoded in UTF-8 and would fail later in the database or an HTTP body.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_UNCLEAN = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")  # either of the above (CR included)


def clean_text(text: str | None) -> str:
    """What every inbound text becomes before anything else sees it: NFC (Vietnamese typed with combining accents
    equals the precomposed form), CR LF as LF, control characters dropped, lone surrogates replaced; trimmed."""
    if not text:
        return ""
    if _UNCLEAN.search(text) is not None:  # the rare case; clean text only pays for one scan
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        text = _SURROGATE.sub("\ufffd", _CONTROL.sub("", text))
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    return text.strip()


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
