"""Dossier stages in plain Vietnamese, and the OpenCPS status codes mapped onto them.

OpenCPS codes are those of ``DossierStatusConstants`` (VietOpenCPS/opencps-v2, backend-dossiermgt-api): new,
collecting, receiving, processing, waiting, paying, handover, releasing, posting, done, cancelled, denied, correcting.
"""

from __future__ import annotations

from enum import StrEnum


class Stage(StrEnum):
    draft = "draft"  # filed online, not yet received by the office
    received = "received"
    processing = "processing"
    missing = "missing"  # papers missing / to be corrected: the citizen has to act
    payment = "payment"  # fees to pay before the result
    ready = "ready"  # result ready to collect
    done = "done"
    stopped = "stopped"  # cancelled or refused


STAGE_LABELS = {
    Stage.draft: "Hồ sơ nộp trực tuyến, đang chờ cán bộ một cửa tiếp nhận",
    Stage.received: "Đã tiếp nhận, đang chờ chuyển xử lý",
    Stage.processing: "Đang được giải quyết",
    Stage.missing: "Cần bổ sung giấy tờ",
    Stage.payment: "Chờ nộp phí, lệ phí",
    Stage.ready: "Đã có kết quả, mời anh/chị đến nhận",
    Stage.done: "Đã trả kết quả",
    Stage.stopped: "Đã dừng xử lý",
}

OPENCPS_STATUSES: dict[str, tuple[Stage, str]] = {
    "new": (Stage.draft, "Hồ sơ mới tạo, chưa nộp"),
    "collecting": (Stage.draft, "Đang chờ người nộp hoàn thiện hồ sơ"),
    "receiving": (Stage.draft, "Đã nộp, đang chờ bộ phận một cửa tiếp nhận"),
    "processing": (Stage.processing, "Đang được giải quyết"),
    "waiting": (Stage.missing, "Cần bổ sung giấy tờ, đang chờ người nộp"),
    "correcting": (Stage.missing, "Đang chờ người nộp sửa đổi, bổ sung"),
    "paying": (Stage.payment, "Chờ nộp phí, lệ phí"),
    "handover": (Stage.processing, "Đang chuyển giữa các cơ quan giải quyết"),
    "releasing": (Stage.ready, "Đã có kết quả, chờ trả cho người nộp"),
    "posting": (Stage.ready, "Đã có kết quả, đang gửi qua bưu chính"),
    "done": (Stage.done, "Đã trả kết quả"),
    "cancelled": (Stage.stopped, "Đã rút, hủy hồ sơ"),
    "denied": (Stage.stopped, "Bị từ chối giải quyết"),
}

# What to bring when the result is ready (Quyết định 468/QĐ-TTg rules on returning results at the one-stop desk).
BRING = (
    "Khi đến nhận, anh/chị mang theo giấy biên nhận (phiếu hẹn trả kết quả) và CCCD của người nộp; nếu nhờ người "
    "khác nhận thay thì người đó mang CCCD của mình và giấy ủy quyền."
)


def opencps_stage(code: str) -> tuple[Stage, str]:
    """The stage and plain label of an OpenCPS ``dossierStatus``; an unknown code reads as being processed."""
    return OPENCPS_STATUSES.get((code or "").strip().lower(), (Stage.processing, "Đang được giải quyết"))
