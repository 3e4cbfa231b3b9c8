"""Texts to compare the folds on: every line of the training data and knowledge, and every Vietnamese letter."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LETTERS = "àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ"
EXTRA = [
    LETTERS,
    LETTERS.upper(),
    "Ổ gà ĐƯỜNG Lê Lợi, cứuuuu!! ko đc 115 😭👍",
    "Ngu\u031bo\u031b\u0300i",  # decomposed marks, as some keyboards send them
    "zero\u200bwidth\ufeff soft\u00adhyphen\u00a0nbsp\tTab\r\nCRLF\x00\x07\x1b",
    "İstanbul ǅ ß ﬁ Ω Å",  # letters whose case mapping or decomposition is unusual
    "",
    "   ",
]


def texts() -> list[str]:
    lines: list[str] = []
    for folder in ("nlu_data", "knowledge"):
        for path in sorted((ROOT / folder).rglob("*")):
            if path.suffix in {".yml", ".yaml", ".md", ".txt", ".json"} and path.is_file():
                lines += path.read_text(encoding="utf-8").splitlines()
    return lines + EXTRA
