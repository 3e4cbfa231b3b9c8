"""Table-driven tests of the Vietnamese speech normaliser (the table lives in normalize_cases.py)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from broadcast.normalize import normalize_text
from broadcast.normalize.abbreviations import load_abbreviations
from broadcast.normalize.numbers import int_words
from tests.broadcast.normalize_cases import ALL_CASES


def test_the_table_is_large_enough() -> None:
    assert len(ALL_CASES) >= 150
    assert len({written for written, _ in ALL_CASES}) >= 150


@pytest.mark.parametrize(("written", "spoken"), ALL_CASES, ids=[w[:40] for w, _ in ALL_CASES])
def test_normalise(written: str, spoken: str) -> None:
    assert normalize_text(written) == spoken


def test_the_maintained_list_has_the_required_entries() -> None:
    table = load_abbreviations()
    for key in ("UBND", "HĐND", "MTTQ", "BHYT", "CCCD", "THCS", "TP.HCM"):
        assert key in table
        assert table[key].split()[0].islower()


def test_no_digits_survive_in_a_realistic_bulletin() -> None:
    text = (
        "Thông báo số 45/TB-UBND: UBND xã tổ chức tiêm vắc xin đợt II từ 7h30 đến 11h00 ngày 25/11/2026 "
        "tại TYT xã. Lệ phí 0 đồng; mang theo CCCD, thẻ BHYT. Liên hệ 0912 345 678 hoặc gọi 115."
    )
    spoken = normalize_text(text)
    assert not any(ch.isdigit() for ch in spoken), spoken


@pytest.mark.parametrize("n", [0, 7, 19, 101, 1001, 10_010, 123_456_789, 10**12])
def test_every_integer_reads_as_words(n: int) -> None:
    words = int_words(n)
    assert words and not any(ch.isdigit() for ch in words)


_PIECES = [*"0123456789 .,/:-–%hkmgđĐaAbBxXIVLCtT&()+\n'\"", "UBND", "TP", "TT", "ngày ", "thứ ", "lúc ", "tháng "]
_PIECES += ["km", "m2", "đồng", "VNĐ", "$", "QL", "ĐT", "CN", "XIII", "quý "]


@settings(max_examples=400, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.sampled_from(_PIECES), max_size=25).map("".join))
def test_any_mix_of_tokens_reads_without_digits(text: str) -> None:
    """Whatever staff or a feed write, the engine is never handed a digit to guess at."""
    spoken = normalize_text(text)
    assert not any(ch.isdigit() for ch in spoken), (text, spoken)
