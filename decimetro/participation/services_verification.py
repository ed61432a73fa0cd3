"""Writes of the project verification reports: an organisation's editor/admin files, edits and deletes its
organisation's reports; Ente staff hide (or show again) any report."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from decimetro.core.audit import audit_record
from decimetro.core.permissions import ensure, organisation_of
from decimetro.participation.models import GroundStatus, VerificationPhoto, VerificationReport
from decimetro.participation.uploads import (
    IMAGE_TYPES,
    MAX_PHOTO_BYTES,
    MAX_PHOTOS,
    CleanPhoto,
    check_upload,
    photo_has_metadata,
    reencode_photo,
)
from decimetro.pnrr.models import Project


def _snapshot(r: VerificationReport) -> dict[str, Any]:
    return {
        "project": r.project_id,
        "organisation": r.organisation.name,
        "status": r.status,
        "seen_on": r.seen_on,
        "note": r.note,
        "hidden": r.hidden,
        "hidden_reason": r.hidden_reason,
        "photos": [p.original_name for p in r.photos.all()] if r.pk else [],
    }


def _validate(
    *, status: str, seen_on: date, note: str, photos: Sequence[Any], existing_photos: int = 0
) -> list[CleanPhoto]:
    """Check the fields; return the photos decoded and written again without metadata (what is stored)."""
    errors: dict[str, list[str]] = {}
    clean: list[CleanPhoto] = []
    if status not in GroundStatus.values:
        errors["status"] = [_("Scelta non valida.")]
    if seen_on > timezone.localdate():
        errors["seen_on"] = [_("La data del sopralluogo non può essere futura.")]
    if len(photos) + existing_photos > MAX_PHOTOS:
        errors["photos"] = [_("Al massimo %(n)d foto per verifica.") % {"n": MAX_PHOTOS}]
    else:
        for photo in photos:
            try:
                check_upload(photo, allowed=IMAGE_TYPES, max_bytes=MAX_PHOTO_BYTES)
                clean.append(reencode_photo(photo))
            except ValidationError as exc:
                errors.setdefault("photos", []).extend(exc.messages)
    if not note.strip() and not photos and not existing_photos:
        errors["note"] = [_("Scrivi una nota o allega almeno una foto di ciò che hai visto.")]
    if errors:
        raise ValidationError(errors)
    return clean


def _store_photos(report: VerificationReport, photos: Sequence[CleanPhoto], stored: list[str]) -> None:
    for photo in photos:
        p = VerificationPhoto(report=report, original_name=photo.name[-200:])
        p.image.save(photo.name, ContentFile(photo.content), save=False)
        stored.append(p.image.name)
        p.save()


def _cleanup(stored: list[str]) -> None:
    storage = VerificationPhoto._meta.get_field("image").storage
    for name in stored:
        storage.delete(name)


@contextmanager
def _photos_removed_on_error() -> Iterator[list[str]]:
    """Yield the list into which _store_photos records the files it stores; if anything fails (the transaction
    included), delete those files again so that nothing is half-written."""
    stored: list[str] = []
    try:
        yield stored
    except BaseException:
        _cleanup(stored)
        raise


def report_create(
    *, by: Any, project: Project, status: str, seen_on: date, note: str = "", photos: Sequence[Any] = ()
) -> VerificationReport:
    ensure(by, "verification.file")
    clean = _validate(status=status, seen_on=seen_on, note=note, photos=photos)
    organisation = organisation_of(by)
    assert organisation is not None  # verification.file holds
    with _photos_removed_on_error() as stored, transaction.atomic():
        report = VerificationReport.objects.create(
            project=project,
            organisation=organisation,
            author=by,
            status=status,
            seen_on=seen_on,
            note=note.strip(),
        )
        _store_photos(report, clean, stored)
        audit_record(by=by, action="verification.create", target=report, before=None, after=_snapshot(report))
    return report


def report_update(
    *,
    by: Any,
    report: VerificationReport,
    status: str,
    seen_on: date,
    note: str = "",
    photos: Sequence[Any] = (),
    remove_photo_ids: Sequence[int] = (),
) -> VerificationReport:
    ensure(by, "verification.change", report)
    keep = report.photos.exclude(pk__in=list(remove_photo_ids)).count()
    clean = _validate(status=status, seen_on=seen_on, note=note, photos=photos, existing_photos=keep)
    removed: list[str] = []
    with _photos_removed_on_error() as stored, transaction.atomic():
        locked = (
            VerificationReport.objects.select_for_update().select_related("organisation").get(pk=report.pk)
        )
        before = _snapshot(locked)
        locked.status, locked.seen_on, locked.note = status, seen_on, note.strip()
        locked.save()
        for photo in locked.photos.filter(pk__in=list(remove_photo_ids)):
            removed.append(photo.image.name)
            photo.delete()
        _store_photos(locked, clean, stored)
        audit_record(
            by=by, action="verification.update", target=locked, before=before, after=_snapshot(locked)
        )
    _cleanup(removed)
    return locked


def report_delete(*, by: Any, report: VerificationReport) -> None:
    ensure(by, "verification.delete", report)
    with transaction.atomic():
        locked = VerificationReport.objects.select_related("organisation").get(pk=report.pk)
        files = [p.image.name for p in locked.photos.all()]
        audit_record(by=by, action="verification.delete", target=locked, before=_snapshot(locked), after=None)
        locked.delete()
    _cleanup(files)


def report_set_hidden(
    *, by: Any, report: VerificationReport, hidden: bool, reason: str = ""
) -> VerificationReport:
    """Ente staff hide a report from the public page (a reason is required), or show it again."""
    ensure(by, "verification.hide")
    if hidden and not reason.strip():
        raise ValidationError({"reason": [_("Indica il motivo per cui la verifica viene nascosta.")]})
    with transaction.atomic():
        locked = (
            VerificationReport.objects.select_for_update().select_related("organisation").get(pk=report.pk)
        )
        before = {"hidden": locked.hidden, "hidden_reason": locked.hidden_reason}
        locked.hidden = hidden
        locked.hidden_reason = reason.strip() if hidden else ""
        locked.save(update_fields=["hidden", "hidden_reason", "updated_at"])
        audit_record(
            by=by,
            action="verification.hide" if hidden else "verification.show",
            target=locked,
            before=before,
            after={"hidden": locked.hidden, "hidden_reason": locked.hidden_reason},
        )
    return locked


@dataclass
class PhotoCleanSummary:
    cleaned: int = 0
    already_clean: int = 0
    unreadable: list[str] = field(default_factory=list)


def photos_clean_stored(*, by_label: str = "participation_clean_photos") -> PhotoCleanSummary:
    """Photos stored before they were re-encoded on upload: write each one carrying metadata (EXIF, GPS…)
    again through `reencode_photo`, under a new name, and delete the old file (one audit row per photo).
    Photos already clean are left alone, so a second run changes nothing. A file missing or no longer
    readable as an image is only listed (staff hide the report or remove the photo)."""
    summary = PhotoCleanSummary()
    storage = VerificationPhoto._meta.get_field("image").storage
    for photo in VerificationPhoto.objects.select_related("report__organisation").order_by("pk").iterator():
        old = photo.image.name
        try:
            with photo.image.open("rb") as handle:
                if not photo_has_metadata(handle):
                    summary.already_clean += 1
                    continue
                handle.name = photo.original_name or old
                clean = reencode_photo(handle)
        except (OSError, ValidationError, SyntaxError, ValueError):
            summary.unreadable.append(old)
            continue
        with _photos_removed_on_error() as stored, transaction.atomic():
            _store_photo_file(photo, clean, stored)
            audit_record(
                by=None,
                by_label=by_label,
                action="verification.photo_clean",
                target=photo.report,
                before={"photo": old},
                after={"photo": photo.image.name},
            )
        storage.delete(old)
        summary.cleaned += 1
    return summary


def _store_photo_file(photo: VerificationPhoto, clean: CleanPhoto, stored: list[str]) -> None:
    photo.image.save(clean.name, ContentFile(clean.content), save=False)
    stored.append(photo.image.name)
    photo.save(update_fields=["image"])
