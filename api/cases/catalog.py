"""The fixed vocabularies of a case: kinds, categories (the NLU's), statuses, priorities and their labels."""

from __future__ import annotations

from enum import StrEnum


class Kind(StrEnum):
    report = "report"
    consultation = "consultation"
    question = "question"
    handoff = "handoff"


class Status(StrEnum):
    new = "new"
    assigned = "assigned"
    in_progress = "in_progress"
    resolved = "resolved"
    closed = "closed"
    rejected = "rejected"
    duplicate = "duplicate"


class Priority(StrEnum):
    normal = "normal"
    high = "high"
    urgent = "urgent"


class Channel(StrEnum):
    zalo = "zalo"
    telegram = "telegram"
    web = "web"


CATEGORIES: dict[str, str] = {
    "giao_thong": "Giao thông, đường sá",
    "chieu_sang": "Chiếu sáng công cộng",
    "moi_truong": "Môi trường, rác thải",
    "thoat_nuoc": "Thoát nước, ngập úng",
    "an_ninh_trat_tu": "An ninh, trật tự",
    "xay_dung_dat_dai": "Xây dựng, đất đai",
    "dien_nuoc": "Điện, nước sinh hoạt",
    # not an NLU category: a complaint about another agency or an employer (unpaid maternity pay, a social-insurance
    # book kept) filed from the directory's answer (knowledge/directory/, issue 22)
    "lao_dong_bhxh": "Lao động, bảo hiểm xã hội",
    "khac": "Vấn đề khác",
}

KIND_LABELS = {
    Kind.report: "Phản ánh, kiến nghị",
    Kind.consultation: "Tư vấn y tế",
    Kind.question: "Hỏi đáp",
    Kind.handoff: "Chuyển cán bộ",
}

STATUS_LABELS = {
    Status.new: "Mới tiếp nhận",
    Status.assigned: "Đã phân công",
    Status.in_progress: "Đang xử lý",
    Status.resolved: "Đã giải quyết",
    Status.closed: "Đã đóng",
    Status.rejected: "Từ chối",
    Status.duplicate: "Trùng lặp",
}

PRIORITY_LABELS = {Priority.normal: "Bình thường", Priority.high: "Cao", Priority.urgent: "Khẩn cấp"}

OPEN_STATUSES = frozenset({Status.new, Status.assigned, Status.in_progress})
DONE_STATUSES = frozenset({Status.resolved, Status.closed, Status.rejected, Status.duplicate})

# Allowed moves; anything else is a 409 naming the status. Resolved cases may be reopened.
TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.new: frozenset({Status.assigned, Status.in_progress, Status.resolved, Status.rejected, Status.duplicate}),
    Status.assigned: frozenset({Status.in_progress, Status.resolved, Status.rejected, Status.duplicate}),
    Status.in_progress: frozenset({Status.assigned, Status.resolved, Status.rejected, Status.duplicate}),
    Status.resolved: frozenset({Status.closed, Status.in_progress}),
    Status.rejected: frozenset({Status.in_progress}),
    Status.closed: frozenset(),
    Status.duplicate: frozenset(),
}
NOTE_REQUIRED = frozenset({Status.resolved, Status.rejected})

DEFAULT_SLA_HOURS = 40  # working hours, used when a rule sets no working days
DEFAULT_SLA_DAYS = 5  # working days for a case no rule matches
MAX_TITLE = 200
MAX_DESCRIPTION = 4000
MAX_MESSAGE = 4000
MAX_ATTACHMENTS = 10


def status_label(status: str) -> str:
    return STATUS_LABELS.get(Status(status), status) if status in Status.__members__ else status


def category_label(category: str | None) -> str | None:
    return CATEGORIES.get(category, category) if category else None


def kind_label(kind: str) -> str:
    return KIND_LABELS.get(Kind(kind), kind) if kind in Kind.__members__ else kind
