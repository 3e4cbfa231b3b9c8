"""Image attachments: type checked by content (not by name), size-limited, stored under the data directory."""

from __future__ import annotations

import uuid
from pathlib import Path

from api.errors import PayloadTooLarge, ValidationFailed

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
_SIGNATURES: tuple[tuple[bytes, int, str], ...] = (
    (b"\xff\xd8\xff", 0, "jpg"),
    (b"\x89PNG\r\n\x1a\n", 0, "png"),
    (b"GIF87a", 0, "gif"),
    (b"GIF89a", 0, "gif"),
    (b"WEBP", 8, "webp"),
)
MEDIA_TYPES = {"jpg": "image/jpeg", "png": "image/png", "gif": "image/gif", "webp": "image/webp"}


def image_extension(head: bytes) -> str | None:
    for signature, offset, ext in _SIGNATURES:
        if head[offset : offset + len(signature)] == signature and (ext != "webp" or head[:4] == b"RIFF"):
            return ext
    return None


def check_image(data: bytes, *, field: str = "file") -> str:
    if len(data) > MAX_UPLOAD_BYTES:
        raise PayloadTooLarge(
            f"Ảnh quá lớn (tối đa {MAX_UPLOAD_BYTES // (1024 * 1024)} MB).", code="upload_too_large", field=field
        )
    if not data:
        raise ValidationFailed("Tệp rỗng.", code="upload_empty", field=field)
    ext = image_extension(data[:16])
    if ext is None:
        raise ValidationFailed("Chỉ nhận ảnh JPEG, PNG, GIF hoặc WebP.", code="upload_type_not_allowed", field=field)
    return ext


def store_image(data_dir: Path, *, commune_id: int, data: bytes) -> str:
    """Save a checked image; returns the console URL that serves it to the commune's staff."""
    ext = check_image(data)
    name = f"{uuid.uuid4().hex}.{ext}"
    folder = data_dir / "uploads" / str(commune_id)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(data)
    return f"/staff/media/{commune_id}/{name}"


def media_path(data_dir: Path, *, commune_id: int, name: str) -> Path | None:
    stem, _, ext = name.partition(".")
    if ext not in MEDIA_TYPES or len(stem) != 32 or not all(c in "0123456789abcdef" for c in stem):
        return None  # only names we generated: no path tricks
    path = data_dir / "uploads" / str(commune_id) / name
    return path if path.is_file() else None
