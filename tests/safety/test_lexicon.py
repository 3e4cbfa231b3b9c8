"""The emergency lexicon (the floor inside the triage, api/safety/triage.py): its figures on the frozen evaluation
set, no regression on the sentences it was written against, one cited text for every situation it can name, and the
spellings people use (no diacritics, teencode, stretched letters)."""

from __future__ import annotations

import pytest
import yaml

from api.config import PROJECT_ROOT
from api.safety import lexicon
from api.safety.evaluation import contrast, emergency_sentences, frozen, held_out, score
from api.safety.guidance import call_buttons, guide
from api.safety.lexicon import SITUATIONS, classify, fold


def alarms(text: str) -> bool:
    return classify(text).emergency


# The lexicon alone (the floor inside the triage) on the FROZEN evaluation set, measured before any tuning on it
# (docs/safety.md). These are its honest figures; the held-out and contrast sets below were in view while its patterns
# were written, so they only guard against regressions and say nothing about recall on new messages.
LEXICON_FLOOR = {"recall": 90 / 177, "false_alarms": 37 / 230}


def lexicon_shortfalls(situations: object = None) -> list[str]:
    items = frozen()
    caught = sum(1 for i in items if i.emergency and alarms(i.text))
    false = sum(1 for i in items if not i.emergency and alarms(i.text))
    emergencies = sum(i.emergency for i in items)
    found = []
    if caught / emergencies < LEXICON_FLOOR["recall"]:
        found.append(f"recall {caught}/{emergencies}")
    if false / (len(items) - emergencies) > LEXICON_FLOOR["false_alarms"]:
        found.append(f"false alarms {false}/{len(items) - emergencies}")
    return found


def test_the_lexicon_alone_on_the_frozen_set() -> None:
    assert lexicon_shortfalls() == []


def test_a_lexicon_without_its_choking_and_breathing_signs_fails_the_check(monkeypatch: pytest.MonkeyPatch) -> None:
    """Mutant (#30.3): two situations dropped; the frozen-set check must notice."""
    kept = tuple((name, p) for name, p in lexicon.SITUATIONS if name not in ("hoc_di_vat", "kho_tho", "bat_tinh"))
    monkeypatch.setattr(lexicon, "SITUATIONS", kept)
    assert lexicon_shortfalls()


@pytest.mark.parametrize("name", ["held_out", "contrast"])
def test_no_regression_on_the_sentences_the_lexicon_was_written_against(name: str) -> None:
    examples = held_out() if name == "held_out" else contrast()
    result = score(examples, alarms)
    assert result.true_positive >= 20
    assert result.recall == 1.0, result.missed
    assert result.precision >= 0.95, result.false_alarms


def test_the_issue_cases() -> None:
    assert classify("hong nha, đang bận ăn mì gói").reason == "none"
    assert classify("bệnh tay chân miệng lây thế nào").reason == "none"
    assert classify("năm ngoái bố tôi bị đột quỵ, giờ đã khỏe").reason == "past"
    assert classify("con em sốt 39 độ từ hôm qua").situation is None  # fever guidance, not an alarm
    assert classify("1 người bị tai nạn bất tỉnh ở ấp 3, làm sao bây giờ").situation == "bat_tinh"
    assert classify("bố tôi đau ngực dữ dội khó thở vã mồ hôi").situation == "dau_nguc"  # one situation, not three


@pytest.mark.parametrize(
    ("text", "situation"),
    [
        ("CỨUUUU VỚIIII", "chung"),
        ("cuu vs ad oi ba e bi ngat", "bat_tinh"),
        ("me e dau nguc ko tho dc", "dau_nguc"),
        ("bé sốt, li bì, bỏ bú", "sot_nguy_hiem"),
        ("be 2 thang bi sot", "sot_nguy_hiem"),
        ("bé sốt nhưng không co giật, vẫn bú tốt", None),
        ("ko kho tho, chi ho nhe", None),
        ("con bi ong vo ve dot vao mat", "soc_phan_ve"),
        ("ba bi ran can", "ran_can"),
        ("em ko muon song nua", "tu_tu"),
        ("từ từ rồi tính", None),
    ],
)
def test_spellings(text: str, situation: str | None) -> None:
    assert classify(text).situation == situation


def test_fold_spells_out_teencode_and_drops_marks() -> None:
    assert fold("Cứu vs, ĐAU NGỰC ko thở đc!!!") == "cuu voi dau nguc khong tho duoc"


def test_every_situation_has_one_cited_text_with_115() -> None:
    texts = guide()
    for name, _pattern in SITUATIONS:
        situation = texts.situations[name]
        assert "115" in situation.text and situation.source and situation.message().startswith("🚨")
    assert call_buttons("web") == call_buttons("zalo") == [{"title": "📞 Gọi 115", "payload": "tel:115"}]
    assert call_buttons("telegram") == []  # the number is in the text: Telegram bots cannot open the dialler


def test_the_held_out_emergencies_are_all_there() -> None:
    sentences = emergency_sentences()
    assert "ông em ngưng thở rồi" in sentences and len(sentences) == len(set(sentences))


def test_every_health_text_cites_its_source() -> None:
    for path in sorted((PROJECT_ROOT / "knowledge" / "health").glob("*.yml")):
        if path.name.startswith("_"):
            continue
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        if data.get("kind") == "emergency":
            assert all(s.get("source") for s in data["situations"].values()), path
        else:
            assert data.get("source"), path
            assert "không cho ăn" not in str(data) and "không cho uống" not in str(data), path
