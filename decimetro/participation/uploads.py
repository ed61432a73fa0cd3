"""Checks on uploaded files: extension AND content (magic bytes), and size (participation services).

A file is accepted only if its extension is allowed and its first bytes are those of that type (a ".exe"
renamed ".pdf" is refused). OpenDocument and Office Open XML files are ZIP archives: we look inside for the
entries that make them what they claim to be."""

from __future__ import annotations

import zipfile
from collections.abc import Iterable
from pathlib import PurePath
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024
MAX_PHOTO_BYTES = 5 * 1024 * 1024
MAX_PHOTOS = 5

DOCUMENT_TYPES = ("pdf", "png", "jpg", "jpeg", "odt", "docx")
IMAGE_TYPES = ("png", "jpg", "jpeg")

_MAGIC = {
    "pdf": (b"%PDF-",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
    "odt": (b"PK\x03\x04",),
    "docx": (b"PK\x03\x04",),
}


def _zip_is(kind: str, file: IO[bytes]) -> bool:
    try:
        with zipfile.ZipFile(file) as archive:
            names = set(archive.namelist())
            if kind == "docx":
                return "[Content_Types].xml" in names and "word/document.xml" in names
            if "mimetype" not in names:
                return False
            return archive.read("mimetype").strip() == b"application/vnd.oasis.opendocument.text"
    except (zipfile.BadZipFile, OSError, KeyError):
        return False


def check_upload(file: Any, *, allowed: Iterable[str], max_bytes: int) -> str:
    """Validate an uploaded file; return its extension (lower case), or raise ValidationError naming it."""
    allowed = tuple(allowed)
    name = str(getattr(file, "name", "") or "")
    ext = PurePath(name).suffix.lower().lstrip(".")
    if ext not in allowed:
        raise ValidationError(
            _("Il file «%(name)s» non è di un tipo ammesso (ammessi: %(types)s).")
            % {"name": name, "types": ", ".join(allowed)}
        )
    size = int(getattr(file, "size", 0) or 0)
    if size > max_bytes:
        raise ValidationError(
            _("Il file «%(name)s» pesa %(size).1f MB: il massimo è %(max)d MB.")
            % {"name": name, "size": size / 1024 / 1024, "max": max_bytes // 1024 // 1024}
        )
    if size == 0:
        raise ValidationError(_("Il file «%(name)s» è vuoto.") % {"name": name})
    file.seek(0)
    head = file.read(16)
    file.seek(0)
    ok = any(head.startswith(magic) for magic in _MAGIC[ext])
    if ok and ext in ("odt", "docx"):
        ok = _zip_is(ext, file)
        file.seek(0)
    if not ok:
        raise ValidationError(
            _("Il contenuto del file «%(name)s» non corrisponde all'estensione .%(ext)s.")
            % {"name": name, "ext": ext}
        )
    return ext
