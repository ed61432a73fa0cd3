"""Uploaded files that attack the server or the readers: zip bombs in office documents, photos with GPS
metadata, decompression bombs and JPEG/HTML polyglots (issue 14, "Hardening")."""

from __future__ import annotations

import datetime
import io
import struct
import time
import tracemalloc
import zipfile
import zlib
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from PIL import Image

from decimetro.participation.services_consultations import observation_submit
from decimetro.participation.services_verification import report_create
from decimetro.participation.uploads import (
    MAX_PHOTO_PIXELS,
    MAX_ZIP_EXPANDED_BYTES,
    check_upload,
    reencode_photo,
)
from tests.participation.fixtures import *  # noqa: F403
from tests.participation.fixtures import db_state, upload

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 1, 10)
ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"
GIB = 1024**3
MEMORY_BOUND = 50 * 1024 * 1024


def _odt_bomb(bomb_entry: str) -> bytes:
    """A ~1 MB .odt whose `bomb_entry` expands to 1.1 GB of zeros (written in 1 MB chunks, never held whole).
    The `mimetype` entry, when it is the bomb, starts with the right type (as the old check read it)."""
    out = io.BytesIO()
    chunk = bytes(1024 * 1024)
    with zipfile.ZipFile(out, "w") as zf:
        if bomb_entry != "mimetype":
            zf.writestr(zipfile.ZipInfo("mimetype"), ODT_MIMETYPE)
        info = zipfile.ZipInfo(bomb_entry)
        info.compress_type = zipfile.ZIP_DEFLATED
        with zf.open(info, "w", force_zip64=True) as fh:
            if bomb_entry == "mimetype":
                fh.write(ODT_MIMETYPE)
            for _ in range(1100):
                fh.write(chunk)
        if bomb_entry != "content.xml":
            zf.writestr("content.xml", "<office:document-content/>")
    return out.getvalue()


@pytest.fixture(scope="module")
def bombs() -> dict[str, bytes]:
    return {entry: _odt_bomb(entry) for entry in ("content.xml", "mimetype")}


def _odt(content: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(zipfile.ZipInfo("mimetype"), ODT_MIMETYPE)
        zf.writestr("content.xml", content)
    return out.getvalue()


@pytest.mark.parametrize("bomb_entry", ["content.xml", "mimetype"])
def test_an_odt_zip_bomb_is_refused_quickly_with_bounded_memory(participation_site, bombs, bomb_entry):
    data = bombs[bomb_entry]
    assert len(data) < 5 * 1024 * 1024  # under the upload limit: only the archive's content gives it away
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert sum(i.file_size for i in zf.infolist()) > GIB
    file = upload("relazione.odt", data)
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(ValidationError) as err:
            check_upload(file, allowed=("odt",), max_bytes=5 * 1024 * 1024)
        elapsed = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    message = " ".join(err.value.messages)
    assert "relazione.odt" in message and "decompresso" in message
    assert f"{MAX_ZIP_EXPANDED_BYTES // 1024 // 1024} MB" in message
    assert peak < MEMORY_BOUND, f"{peak / 1024 / 1024:.1f} MB traced"
    assert elapsed < 2, f"{elapsed:.2f} s"
    # Through the service and the page: refused with the same message, nothing written.
    before = db_state()
    with pytest.raises(ValidationError):
        observation_submit(
            by=participation_site["users"]["comune_a_editor"],
            consultation=participation_site["consultation"],
            text="x",
            attachment=upload("relazione.odt", data),
        )
    assert db_state() == before


def test_the_bomb_page_post_answers_400_in_italian(participation_site, persona_client, bombs, media_root):
    response = persona_client("comune_a_editor").post(
        reverse("public:observation_create", args=[participation_site["consultation"].pk]),
        {"text": "x", "attachment": upload("relazione.odt", bombs["content.xml"])},
    )
    assert response.status_code == 400
    assert "una volta decompresso supererebbe" in response.content.decode()
    assert not (Path(media_root).exists() and any(p.is_file() for p in Path(media_root).rglob("*")))


def test_a_real_document_of_a_few_megabytes_is_accepted():
    words = [f"parola{n:05d}" for n in range(20000)]
    text = " ".join(words[(n * 7919) % len(words)] for n in range(250_000)).encode()  # ~3 MB, varied
    data = _odt(b"<office:document-content>" + text + b"</office:document-content>")
    assert check_upload(upload("lungo.odt", data), allowed=("odt",), max_bytes=5 * 1024 * 1024) == "odt"


def test_a_highly_compressed_entry_is_refused_even_under_the_total_limit():
    data = _odt(bytes(20 * 1024 * 1024))  # 20 MB of zeros: a ratio of ~1000
    with pytest.raises(ValidationError, match="compresso in modo anomalo"):
        check_upload(upload("zeri.odt", data), allowed=("odt",), max_bytes=5 * 1024 * 1024)


def test_an_archive_declaring_too_many_entries_is_refused():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr(zipfile.ZipInfo("mimetype"), ODT_MIMETYPE)
        for n in range(2500):
            zf.writestr(f"e/{n}", b"")
    with pytest.raises(ValidationError, match="decompresso"):
        check_upload(upload("molti.odt", out.getvalue()), allowed=("odt",), max_bytes=5 * 1024 * 1024)


# Photos ----------------------------------------------------------------------------------------------------

GPS_IFD = 0x8825
ORIENTATION = 0x0112
MAKE = 0x010F


def _jpeg_with_gps() -> bytes:
    img = Image.new("RGB", (80, 60), (10, 200, 30))
    exif = Image.Exif()
    exif[MAKE] = "FotocameraSegreta"
    exif[ORIENTATION] = 6  # the camera was turned: shown rotated 90° clockwise
    gps = exif.get_ifd(GPS_IFD)
    gps[1] = "N"
    gps[2] = (45.0, 27.0, 51.5)
    gps[3] = "E"
    gps[4] = (9.0, 11.0, 23.2)
    out = io.BytesIO()
    img.save(out, format="JPEG", exif=exif.tobytes(), comment=b"scattata in via Segreta 1")
    return out.getvalue()


def _png_header(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims width x height (1-bit grey): a decompression bomb for naive decoders."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 1024))
        + chunk(b"IEND", b"")
    )


def test_a_photo_with_gps_is_stored_without_any_metadata_and_upright(participation_site, media_root):
    source = _jpeg_with_gps()
    with Image.open(io.BytesIO(source)) as original:  # the test's own premise
        assert original.getexif().get_ifd(GPS_IFD)[2] == (45.0, 27.0, 51.5)
    assert b"FotocameraSegreta" in source and b"via Segreta" in source
    report = report_create(
        by=participation_site["users"]["comune_b_editor"],
        project=participation_site["project"],
        status="in_progress",
        seen_on=DAY,
        photos=[upload("cantiere.jpg", source)],
    )
    photo = report.photos.get()
    stored = (Path(media_root) / photo.image.name).read_bytes()
    assert b"Exif" not in stored and b"FotocameraSegreta" not in stored and b"via Segreta" not in stored
    with Image.open(io.BytesIO(stored)) as clean:
        assert clean.format == "JPEG"
        assert dict(clean.getexif()) == {} and "exif" not in clean.info and "comment" not in clean.info
        assert clean.size == (60, 80)  # orientation applied to the pixels, not left to a tag
    assert photo.image.name.endswith(".jpg") and photo.original_name == "cantiere.jpg"


def test_a_png_claiming_30000_by_30000_pixels_is_refused_without_decoding(participation_site):
    data = _png_header(30000, 30000)
    assert len(data) < 200
    tracemalloc.start()
    try:
        with pytest.raises(ValidationError) as err:
            report_create(
                by=participation_site["users"]["comune_b_editor"],
                project=participation_site["project"],
                status="completed",
                seen_on=DAY,
                photos=[upload("enorme.png", data)],
            )
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert "«enorme.png» è troppo grande" in " ".join(err.value.messages)
    assert peak < MEMORY_BOUND, f"{peak / 1024 / 1024:.1f} MB traced"


def test_the_pixel_limit_is_ours_and_names_the_size():
    width, height = 8000, 6000  # 48 Mpx: above our 40 Mpx, below Pillow's own bomb limit
    assert width * height > MAX_PHOTO_PIXELS
    with pytest.raises(ValidationError) as err:
        reencode_photo(upload("grande.png", _png_header(width, height)))
    assert "8000 x 6000 pixel" in err.value.messages[0] and "40 milioni" in err.value.messages[0]


def test_a_jpeg_html_polyglot_is_neutralised_and_served_as_an_image(participation_site, client, media_root):
    html = b"<html><body><script>alert(document.cookie)</script></body></html>"
    out = io.BytesIO()
    Image.new("RGB", (16, 16), (255, 0, 0)).save(out, format="JPEG", comment=html)
    polyglot = out.getvalue() + html  # in a comment segment and after the end of the image
    assert polyglot.count(b"<script") == 2
    report = report_create(
        by=participation_site["users"]["comune_b_editor"],
        project=participation_site["project"],
        status="completed",
        seen_on=DAY,
        photos=[upload("innocua.jpg", polyglot)],
    )
    photo = report.photos.get()
    stored = (Path(media_root) / photo.image.name).read_bytes()
    assert b"<html" not in stored.lower() and b"<script" not in stored.lower()
    response = client.get(reverse("public:verification_photo", args=[photo.pk]))
    body = b"".join(response.streaming_content)
    assert response.status_code == 200 and body == stored
    assert response["Content-Type"] == "image/jpeg" and response["X-Content-Type-Options"] == "nosniff"


def test_bytes_that_only_start_like_an_image_are_refused(participation_site):
    with pytest.raises(ValidationError) as err:
        report_create(
            by=participation_site["users"]["comune_b_editor"],
            project=participation_site["project"],
            status="completed",
            seen_on=DAY,
            photos=[upload("finta.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 64)],
        )
    assert "«finta.jpg» non è un'immagine PNG o JPEG leggibile" in " ".join(err.value.messages)


def test_a_png_keeps_its_format_and_transparency_but_not_its_text_chunks(participation_site, media_root):
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "Indirizzo privato")
    out = io.BytesIO()
    Image.new("RGBA", (10, 10), (0, 0, 255, 128)).save(out, format="PNG", pnginfo=info)
    report = report_create(
        by=participation_site["users"]["comune_b_editor"],
        project=participation_site["project"],
        status="completed",
        seen_on=DAY,
        photos=[upload("trasparente.png", out.getvalue())],
    )
    stored = (Path(media_root) / report.photos.get().image.name).read_bytes()
    assert b"Indirizzo privato" not in stored
    with Image.open(io.BytesIO(stored)) as clean:
        assert clean.format == "PNG" and clean.mode == "RGBA" and clean.getpixel((0, 0)) == (0, 0, 255, 128)


def test_photos_stored_before_the_cleaning_are_cleaned_once_by_the_command(participation_site, media_root):
    from django.core.management import call_command

    from decimetro.core.models import AuditEntry
    from decimetro.participation.models import VerificationPhoto

    report = participation_site["report"]
    old = VerificationPhoto(report=report, original_name="vecchia.jpg")
    old.image.save("vecchia.jpg", upload("vecchia.jpg", _jpeg_with_gps()))  # stored as it came, GPS included
    clean = VerificationPhoto(report=report, original_name="pulita.png")
    clean.image.save(
        "pulita.png", upload("pulita.png", reencode_photo(upload("p.png", _png_header(4, 4))).content)
    )
    old_path = Path(media_root) / old.image.name
    assert b"Exif" in old_path.read_bytes()
    out = io.StringIO()
    call_command("participation_clean_photos", stdout=out)
    assert "Foto ripulite: 1; già pulite: 1; non leggibili: 0." in out.getvalue()
    old.refresh_from_db()
    stored = (Path(media_root) / old.image.name).read_bytes()
    assert not old_path.exists() and b"Exif" not in stored and b"FotocameraSegreta" not in stored
    assert AuditEntry.objects.filter(action="verification.photo_clean").count() == 1
    out = io.StringIO()
    call_command("participation_clean_photos", stdout=out)
    assert "Foto ripulite: 0; già pulite: 2" in out.getvalue()
