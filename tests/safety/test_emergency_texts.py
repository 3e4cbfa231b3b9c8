"""The emergency-text loader (knowledge/emergency.py) refuses a bad file (#30: documented, untested until now): a
text without the number, without a source, too long for one message, no generic situation, a missing notice, not a
mapping. The shipped file loads, and every situation the triage can name has a text."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from api.safety.triage import _INJURY_SITUATIONS, _MEDICAL_SITUATIONS
from knowledge.emergency import KNOWLEDGE_DIR, MAX_TEXT, EmergencyKnowledgeError, load_emergency

SHIPPED: dict[str, Any] = yaml.safe_load((KNOWLEDGE_DIR / "health" / "cap_cuu.yml").read_text(encoding="utf-8"))


def write(tmp_path: Path, data: Any) -> Path:
    (tmp_path / "health").mkdir()
    (tmp_path / "health" / "cap_cuu.yml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return tmp_path


def broken(change: str) -> Any:
    data = yaml.safe_load(yaml.safe_dump(SHIPPED))
    chung = data["situations"]["chung"]
    if change == "no number":
        chung["text"] = chung["text"].replace("115", "một số nào đó")
    elif change == "no source":
        del data["situations"]["bong"]["source"]
    elif change == "too long":
        data["situations"]["bong"]["text"] = "GỌI NGAY 115. " + "x" * MAX_TEXT
    elif change == "no generic":
        del data["situations"]["chung"]
    elif change == "no check notice":
        del data["check"]
    elif change == "not a mapping":
        data["situations"]["bong"] = "GỌI NGAY 115"
    elif change == "a list":
        return ["GỌI NGAY 115"]
    return data


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("no number", "chung.text must tell the citizen to call 115"),
        ("no source", "bong.source is missing"),
        ("too long", "bong.text is longer"),
        ("no generic", "'chung' is missing"),
        ("no check notice", "check missing"),
        ("not a mapping", "situations.bong must be a mapping"),
        ("a list", "expected a mapping"),
    ],
)
def test_a_bad_file_is_refused_with_a_clear_reason(tmp_path: Path, change: str, message: str) -> None:
    with pytest.raises(EmergencyKnowledgeError, match=message):
        load_emergency(write(tmp_path, broken(change)))


def test_the_shipped_file_loads_and_covers_every_situation_the_triage_names() -> None:
    guide = load_emergency()
    named = _INJURY_SITUATIONS | _MEDICAL_SITUATIONS | {"tu_tu", "bao_luc", "chay_nha", "hoc_di_vat", "duoi_nuoc"}
    named |= {"mac_ket", "ngo_doc", "mat_nuoc", "chung", "chan_thuong"}
    assert named <= set(guide.situations)
    assert guide.notice("if_happening", phone="113") == "Nếu việc này đang xảy ra, gọi ngay 113."
