"""The real training data: valid for Rasa, true to the contract, written like citizens write, never the test set."""

from __future__ import annotations

import os
import subprocess
import sys
import unicodedata
from collections import Counter
from pathlib import Path

import pytest
import yaml
from rasa.shared.nlu.training_data.loading import load_data
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.components.text import has_diacritics, key

ROOT = Path(__file__).resolve().parents[2]
TRAIN_DIR = ROOT / "nlu_data" / "nlu"
TEST_DIR = ROOT / "nlu_data" / "test" / "nlu"
LONG_DIR = ROOT / "nlu_data" / "test" / "long"  # issue 12: long real-style messages, held out too
INTENTS = {
    "greet", "goodbye", "thank", "affirm", "deny", "ask_procedure", "report_issue", "health_question",
    "health_emergency", "book_consultation", "check_status", "office_info", "request_human", "out_of_scope",
    "ask_dossier_status", "watch_dossier",
    "subscribe_news",
}  # fmt: skip
CANONICAL: dict[str, set] = {
    "procedure": {"khai_sinh", "khai_tu", "ket_hon", "xac_nhan_hon_nhan", "chung_thuc_ban_sao", "chung_thuc_chu_ky",
                  "trich_luc_ho_tich", "cai_chinh_ho_tich", "nhan_cha_me_con", "giam_ho", "cu_tru", "tro_cap_xa_hoi"},
    "category": {"giao_thong", "chieu_sang", "moi_truong", "thoat_nuoc", "an_ninh_trat_tu", "xay_dung_dat_dai",
                 "dien_nuoc", "khac"},
    "aspect": {"documents", "fee", "time", "deadline", "where", "online", "who", "legal"},
}  # fmt: skip
ENTITIES = {"procedure", "category", "case_code", "phone", "hamlet", "aspect"}


@pytest.fixture(scope="module")
def train() -> TrainingData:
    return load_data(str(TRAIN_DIR))


@pytest.fixture(scope="module")
def test() -> TrainingData:
    return load_data(str(TEST_DIR))


@pytest.fixture(scope="module")
def long_set() -> TrainingData:
    return load_data(str(LONG_DIR))


def test_domain_declares_exactly_the_contract() -> None:
    domain = yaml.safe_load((ROOT / "bot" / "domain" / "nlu.yml").read_text(encoding="utf-8"))
    assert set(domain["intents"]) == INTENTS and len(domain["intents"]) == len(INTENTS)
    assert set(domain["entities"]) == ENTITIES
    assert set(domain) == {"version", "intents", "entities"}


def test_every_intent_has_enough_varied_examples(train: TrainingData) -> None:
    counts = Counter(m.get("intent") for m in train.intent_examples)
    assert set(counts) == INTENTS
    assert min(counts.values()) >= 40, counts


def test_at_least_30_percent_of_each_intent_is_written_without_diacritics(train: TrainingData) -> None:
    for intent in INTENTS:
        texts = [m.get("text") for m in train.intent_examples if m.get("intent") == intent]
        share = sum(not has_diacritics(t) for t in texts) / len(texts)
        assert share >= 0.3, (intent, share)


def test_entity_values_are_canonical(train: TrainingData, test: TrainingData, long_set: TrainingData) -> None:
    for data in (train, test, long_set):
        for message in data.entity_examples:
            for entity in message.get("entities"):
                assert entity["entity"] in ENTITIES
                if entity["entity"] in CANONICAL:
                    assert entity["value"] in CANONICAL[entity["entity"]], (message.get("text"), entity)
    for value in train.entity_synonyms.values():
        assert any(value in values for values in CANONICAL.values()), value


def test_texts_are_nfc_so_entity_offsets_survive_normalisation() -> None:
    for path in [*TRAIN_DIR.rglob("*.yml"), *TEST_DIR.rglob("*.yml"), *LONG_DIR.rglob("*.yml")]:
        text = path.read_text(encoding="utf-8")
        assert unicodedata.normalize("NFC", text) == text, path


def test_held_out_set_is_never_trained_on(train: TrainingData, test: TrainingData) -> None:
    trained = {key(m.get("text")) for m in train.intent_examples}
    leaked: list[str] = [m.get("text") for m in test.intent_examples if key(m.get("text")) in trained]
    assert not leaked
    assert {m.get("intent") for m in test.intent_examples} == INTENTS


def test_long_held_out_set_is_never_trained_on_and_is_a_quarter_without_diacritics(
    train: TrainingData, long_set: TrainingData
) -> None:
    trained = {key(m.get("text")) for m in train.intent_examples}
    texts = [m.get("text") for m in long_set.intent_examples]
    assert len(texts) >= 150 and not [t for t in texts if key(t) in trained]
    assert sum(not has_diacritics(t) for t in texts) >= len(texts) / 4
    assert {m.get("intent") for m in long_set.intent_examples} == INTENTS


def test_rasa_data_validate_passes_on_the_real_data() -> None:
    data_dirs = sorted(str(p) for p in (ROOT / "nlu_data").iterdir() if p.is_dir() and p.name != "test")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "3"}
    result = subprocess.run(
        [str(Path(sys.executable).parent / "rasa"), "data", "validate", "--domain", "bot/domain",
         "--config", "bot/config.yml", "--data", *data_dirs],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
