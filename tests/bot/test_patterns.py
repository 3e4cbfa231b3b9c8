from __future__ import annotations

import pytest

from bot.components.patterns import find_all, find_case_codes, find_hamlets, find_phones


@pytest.mark.parametrize(
    ("text", "value"),
    [("hồ sơ PA-2026-000123 tới đâu rồi", "PA-2026-000123"), ("ma pa 2026 000045 sao roi", "PA-2026-000045"),
     ("PA2026000777 xong chưa", "PA-2026-000777"), ("hs-2026-123", "HS-2026-000123")],
)  # fmt: skip
def test_case_codes_are_canonical(text: str, value: str) -> None:
    assert [e["value"] for e in find_case_codes(text)] == [value]


def test_case_code_offsets_point_at_the_code() -> None:
    text = "mã PA-2026-000123 nhé"
    (entity,) = find_case_codes(text)
    assert text[entity["start"] : entity["end"]] == "PA-2026-000123"


@pytest.mark.parametrize(
    ("text", "value"),
    [("sdt em 0912345678", "0912345678"), ("gọi 0912.345.678 nhé", "0912345678"), ("0987 654 321", "0987654321"),
     ("+84 912 345 678", "0912345678"), ("84912345678", "0912345678")],
)  # fmt: skip
def test_phones_are_digits(text: str, value: str) -> None:
    assert [e["value"] for e in find_phones(text)] == [value]


@pytest.mark.parametrize("text", ["năm 2026 có 12345 người", "0212345678", "số 091234567", "mã 1234567890123"])
def test_not_phones(text: str) -> None:
    assert find_phones(text) == []


@pytest.mark.parametrize(
    ("text", "value"),
    [("đèn đường ấp Bình Hoà bị hư", "ấp Bình Hoà"), ("ap tan lap bi ngap", "ap tan lap"), ("thôn 3 có rác", "thôn 3"),
     ("ở khu phố Tân Hòa A", "khu phố Tân Hòa A"), ("tổ 12 mất điện", "tổ 12"), ("xom Dong ngap", "xom Dong"),
     ("to dan pho so 7", "to dan pho so 7")],
)  # fmt: skip
def test_hamlets(text: str, value: str) -> None:
    assert [e["value"] for e in find_hamlets(text)] == [value]


@pytest.mark.parametrize(
    "text",
    ["cái bàn to quá", "bạn ơi", "khu vui chơi", "đèn to lắm", "đo huyết áp miễn phí",
     "nguoi gia bi cao huyet ap kieng gi", "nhà hàng xóm hát karaoke", "văn phòng xã ở ấp nào",
     "áp lực nước yếu", "điện áp yếu quá"],
)  # fmt: skip
def test_ordinary_words_are_not_hamlets(text: str) -> None:
    assert find_hamlets(text) == []


def test_find_all_combines_everything() -> None:
    found = find_all("ổ gà ở tổ 12, sdt 0987 654 321, mã PA-2026-000001")
    assert {(e["entity"], e["value"]) for e in found} == {
        ("hamlet", "tổ 12"), ("phone", "0987654321"), ("case_code", "PA-2026-000001"),
    }  # fmt: skip
