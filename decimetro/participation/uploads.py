"""Checks on uploaded files: extension AND content (magic bytes), and size (participation services).

A file is accepted only if its extension is allowed and its first bytes are those of that type (a ".exe"
renamed ".pdf" is refused). OpenDocument and Office Open XML files are ZIP archives: we look inside for the
entries that make them what they claim to be, reading only the zip directory and a few bytes (a zip bomb is
refused on its declared sizes, never expanded). Photos are decoded and written again by Pillow
(`reencode_photo`): orientation applied, every metadata block (EXIF, GPS, comments, ICC, XMP) dropped,
anything hidden beside the pixels (an HTML page in a JPEG comment) gone, and a pixel limit checked on the
header before anything is decoded."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import PurePath
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024
MAX_PHOTO_BYTES = 5 * 1024 * 1024
MAX_PHOTOS = 5
# OpenDocument / Office Open XML archives: what the zip directory may declare. A 5 MB document of text expands
# to a few tens of MB at most; a zip bomb declares gigabytes, or a ratio only runs of zeros reach.
MAX_ZIP_ENTRIES = 2000
MAX_ZIP_EXPANDED_BYTES = 100 * 1024 * 1024
MAX_ZIP_RATIO = 100
_RATIO_FLOOR_BYTES = 1024 * 1024  # entries below 1 MB expanded are never refused for their ratio
_MIMETYPE_READ = 200
_EOCD_SEARCH = 22 + 65535  # the end record and the longest archive comment
# Photos: refused above this many pixels (read from the header, before decoding: 40 Mpx decode to ~120 MB),
# stored at most this wide or high (a phone's 12-50 Mpx photo shrinks; JPEG is decoded at a reduced scale).
MAX_PHOTO_PIXELS = 40_000_000
PHOTO_MAX_SIDE = 2560

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


class _ZipTooLarge(Exception):
    """The archive would expand beyond what an office document needs (a zip bomb, or not a document)."""


def _zip_entry_count(file: IO[bytes]) -> int | None:
    """The number of entries the end-of-central-directory record declares (read from the file's last
    ~64 KB, before zipfile builds an object per entry), or None if there is no such record."""
    file.seek(0, 2)
    size = file.tell()
    tail_size = min(size, _EOCD_SEARCH)
    file.seek(size - tail_size)
    tail = file.read(tail_size)
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or at + 22 > len(tail):
        return None
    return int.from_bytes(tail[at + 10 : at + 12], "little")


def _check_zip_sizes(archive: zipfile.ZipFile) -> None:
    """Refuse on the sizes the zip directory declares: total, per entry ratio. zipfile never returns more
    bytes than an entry declares (it stops at file_size and checks the CRC), so declared sizes bound reads."""
    total = 0
    for info in archive.infolist():
        total += info.file_size
        if total > MAX_ZIP_EXPANDED_BYTES:
            raise _ZipTooLarge
        ratio_limit = MAX_ZIP_RATIO * max(info.compress_size, 1)
        if info.file_size > _RATIO_FLOOR_BYTES and info.file_size > ratio_limit:
            raise _ZipTooLarge


def _zip_is(kind: str, file: IO[bytes]) -> bool:
    """True if the archive holds the entries of a `kind` document. Reads the zip directory and, for an
    OpenDocument, at most _MIMETYPE_READ bytes of its `mimetype` entry; raises _ZipTooLarge on a bomb."""
    count = _zip_entry_count(file)
    if count is None:
        return False
    if count > MAX_ZIP_ENTRIES:  # 0xFFFF too: a ZIP64 directory, never an office document of ours
        raise _ZipTooLarge
    file.seek(0)
    try:
        with zipfile.ZipFile(file) as archive:
            _check_zip_sizes(archive)
            names = set(archive.namelist())
            if kind == "docx":
                return "[Content_Types].xml" in names and "word/document.xml" in names
            if "mimetype" not in names:
                return False
            with archive.open("mimetype") as entry:
                mimetype = entry.read(_MIMETYPE_READ)
            return mimetype.strip() == b"application/vnd.oasis.opendocument.text"
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, KeyError, EOFError, NotImplementedError):
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
        try:
            ok = _zip_is(ext, file)
        except _ZipTooLarge:
            raise ValidationError(
                _(
                    "Il file «%(name)s» non è accettato: una volta decompresso supererebbe %(max)d MB o è "
                    "compresso in modo anomalo. Salvalo di nuovo dal programma di videoscrittura e riprova."
                )
                % {"name": name, "max": MAX_ZIP_EXPANDED_BYTES // 1024 // 1024}
            ) from None
        finally:
            file.seek(0)
    if not ok:
        raise ValidationError(
            _("Il contenuto del file «%(name)s» non corrisponde all'estensione .%(ext)s.")
            % {"name": name, "ext": ext}
        )
    return ext


@dataclass(frozen=True)
class CleanPhoto:
    """A photo as stored: the pixels only, written again; `ext` is the format actually written."""

    name: str
    content: bytes
    ext: str


def _photo_refused(name: str) -> ValidationError:
    return ValidationError(_("Il file «%(name)s» non è un'immagine PNG o JPEG leggibile.") % {"name": name})


def reencode_photo(file: Any) -> CleanPhoto:
    """Decode an uploaded photo (already through check_upload) and write it again without any metadata.
    Raise ValidationError (Italian, naming the file) if it is not a readable PNG/JPEG or has too many
    pixels."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    name = str(getattr(file, "name", "") or "")
    file.seek(0)
    try:
        with Image.open(file, formats=("JPEG", "PNG")) as img:
            width, height = img.size
            if width * height > MAX_PHOTO_PIXELS:
                raise _TooManyPixels(width, height)
            fmt = img.format
            if fmt == "JPEG":
                img.draft("RGB", (PHOTO_MAX_SIDE, PHOTO_MAX_SIDE))  # decode at 1/2, 1/4, 1/8 when large
            img.load()
            upright = ImageOps.exif_transpose(img)
            upright.thumbnail((PHOTO_MAX_SIDE, PHOTO_MAX_SIDE))
            out = io.BytesIO()
            if fmt == "JPEG":
                if upright.mode not in ("RGB", "L"):
                    upright = upright.convert("RGB")
                upright.info = {}
                upright.save(out, format="JPEG", quality=85, optimize=True)
                ext = "jpg"
            else:
                if upright.mode not in ("1", "L", "LA", "P", "RGB", "RGBA", "I", "I;16"):
                    upright = upright.convert("RGBA")
                keep: dict[str | tuple[int, int], Any] = {
                    k: upright.info[k] for k in ("transparency",) if k in upright.info
                }
                upright.info = keep
                upright.save(out, format="PNG", optimize=True)
                ext = "png"
    except _TooManyPixels as exc:
        raise ValidationError(
            _(
                "La foto «%(name)s» è troppo grande: %(w)d x %(h)d pixel, al massimo %(max)d milioni "
                "di pixel. Riducila e riprova."
            )
            % {"name": name, "w": exc.width, "h": exc.height, "max": MAX_PHOTO_PIXELS // 1_000_000}
        ) from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationError(
            _("La foto «%(name)s» è troppo grande: al massimo %(max)d milioni di pixel. Riducila e riprova.")
            % {"name": name, "max": MAX_PHOTO_PIXELS // 1_000_000}
        ) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        raise _photo_refused(name) from None
    finally:
        file.seek(0)
    stem = PurePath(name).stem[:190] or "foto"
    return CleanPhoto(name=f"{stem}.{ext}", content=out.getvalue(), ext=ext)


# What Pillow itself writes in a clean file (JFIF header, density, PNG transparency): not metadata.
_CLEAN_INFO = {"jfif", "jfif_version", "jfif_unit", "jfif_density", "dpi", "transparency", "progressive"}


def photo_has_metadata(file: Any) -> bool:
    """True if a stored photo carries anything beside its pixels (EXIF, GPS, comments, ICC, XMP, text)."""
    from PIL import Image

    file.seek(0)
    try:
        with Image.open(file) as img:
            return bool(set(img.info) - _CLEAN_INFO) or bool(img.getexif())
    finally:
        file.seek(0)


class _TooManyPixels(Exception):
    def __init__(self, width: int, height: int) -> None:
        super().__init__(width, height)
        self.width, self.height = width, height
