"""Files sent with a form: `read` for any of them (with a size limit), and the photos residents
and grid workers attach to an appeal: checked by their bytes, stored under settings.upload_dir
with a random name, recorded in the appeal's `extra["attachments"]`, shown to staff only."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from starlette.datastructures import UploadFile

from jiesu.config import Settings
from jiesu.domain.errors import InvalidArguments, NotFound

MAX_BYTES = 5 * 1024 * 1024
_MAGIC = {b"\xff\xd8\xff": ("jpg", "image/jpeg"), b"\x89PNG\r\n\x1a\n": ("png", "image/png")}


def read(upload: Any, limit: int, too_big: str) -> bytes | None:
    """The bytes of the file chosen in a form field, None when none was chosen (or it is
    empty); `too_big` (a message for the person) when it is over `limit` bytes."""
    if not isinstance(upload, UploadFile) or not upload.filename:
        return None
    data = upload.file.read(limit + 1)
    if len(data) > limit:
        raise InvalidArguments(too_big)
    return data or None


def _sniff(head: bytes) -> tuple[str, str] | None:
    for magic, kind in _MAGIC.items():
        if head.startswith(magic):
            return kind
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp", "image/webp"
    return None


def save_photo(settings: Settings, upload: Any) -> dict[str, Any] | None:
    """Store an uploaded photo; None when no file was chosen."""
    try:
        data = read(upload, MAX_BYTES, "照片不能超过 5MB")
    except InvalidArguments as exc:
        raise InvalidArguments(exc.message, field="photo") from None
    if data is None:
        return None
    kind = _sniff(data[:16])
    if kind is None:
        raise InvalidArguments("照片须为 JPG、PNG 或 WEBP 格式", field="photo")
    ext, content_type = kind
    name = f"{secrets.token_hex(16)}.{ext}"
    folder = Path(settings.upload_dir)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(data)
    return {"name": name, "content_type": content_type, "size": len(data),
            "original": (upload.filename or "")[:100]}


def discard(settings: Settings, photo: dict[str, Any] | None) -> None:
    """Remove a photo stored for an action that was then refused (nothing lists it)."""
    if photo is not None:
        (Path(settings.upload_dir) / str(photo["name"])).unlink(missing_ok=True)


def held_photo(settings: Settings, session: dict[str, Any], form: str,
               wanted: bool) -> dict[str, Any] | None:
    """The photo held from the form's last try, when the form still wants it (its box
    keep_photo is ticked) and its file is still there. A browser cannot fill a file field
    again, so a photo stored before the form came back with an error is held in the session."""
    photo = session.get(f"held_photo:{form}")
    if not wanted or not isinstance(photo, dict):
        return None
    return photo if (Path(settings.upload_dir) / str(photo.get("name"))).is_file() else None


def hold(session: dict[str, Any], form: str, photo: dict[str, Any] | None) -> None:
    """Hold `photo` for the next try of `form` (None lets go of any)."""
    if photo is None:
        session.pop(f"held_photo:{form}", None)
    else:
        session[f"held_photo:{form}"] = photo


def refused(session: dict[str, Any], form: str, upload: Any, photo: dict[str, Any] | None,
            held: dict[str, Any] | None, field: object) -> str | None:
    """When `form` came back with an error: hold the photo it carried for the next try, and
    return the name of a photo chosen in `upload` that was not stored (the error came first),
    to be chosen again."""
    hold(session, form, photo)
    chosen = upload.filename if isinstance(upload, UploadFile) else None
    return chosen if chosen and photo is held and field != "photo" else None


def photo_path(settings: Settings, extra: dict[str, Any] | None, name: str) -> tuple[Path, str]:
    """The stored file of an attachment the appeal lists (never an arbitrary path)."""
    for item in (extra or {}).get("attachments", []):
        if isinstance(item, dict) and item.get("name") == name:
            path = Path(settings.upload_dir) / name
            if path.is_file():
                return path, str(item.get("content_type") or "application/octet-stream")
    raise NotFound("附件不存在")
