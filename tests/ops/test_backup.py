"""`manage.py backup` and `manage.py restore`: one archive round-trips the database, the uploads and the
models; a corrupted archive, an archive of the other vendor and a database that is not empty are refused."""

from __future__ import annotations

import hashlib
import io
import json
import os
import sqlite3
import tarfile
from contextlib import closing
from pathlib import Path

import django
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from decimetro.core.backup import MANIFEST, archive_verify, tables_with_rows
from decimetro.core.models import AuditEntry, User
from decimetro.plan.models import Objective
from decimetro.territory.models import Comune
from tests import processes
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

PHOTO = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40
MODEL = b"NPZ" + os.urandom(2048)


@pytest.fixture
def instance(settings, tmp_path):
    """MEDIA_ROOT and DECIMETRO_MODEL_DIR of a small instance, with a photo, an attachment and a model."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.DECIMETRO_MODEL_DIR = tmp_path / "models"
    (settings.MEDIA_ROOT / "verifiche" / "2026").mkdir(parents=True)
    (settings.MEDIA_ROOT / "verifiche" / "2026" / "foto.png").write_bytes(PHOTO)
    (settings.MEDIA_ROOT / "osservazioni").mkdir()
    (settings.MEDIA_ROOT / "osservazioni" / "nota è.pdf").write_bytes(b"%PDF-1.4 osservazione")
    settings.DECIMETRO_MODEL_DIR.mkdir()
    (settings.DECIMETRO_MODEL_DIR / "manifest.json").write_text('{"classes": 16}')
    (settings.DECIMETRO_MODEL_DIR / "model.npz").write_bytes(MODEL)
    return tmp_path


def _state() -> dict[str, object]:
    """What a restore must bring back: row counts and a few values, a password hash among them."""
    return {
        "objectives": sorted(Objective.objects.values_list("code", "title")),
        "comuni": Comune.objects.count(),
        "users": sorted(User.objects.values_list("username", "password", "is_active")),
        "audit": AuditEntry.objects.count(),
    }


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _round_trip(instance: Path, archive: Path) -> None:
    UserFactory(username="redattrice.vera", password="una-password-lunga-123")
    before = _state()
    media, models = _files(instance / "media"), _files(instance / "models")
    assert before["comuni"] == 133 and before["objectives"]

    call_command("backup", str(archive))
    assert archive.stat().st_mode & 0o777 == 0o600  # password hashes and personal data
    check = archive_verify(archive)
    assert check.vendor == connection.vendor
    assert check.manifest["versions"]["django"] == django.get_version()
    assert "0001_initial" in check.manifest["migrations"]["core"]
    assert set(check.manifest["files"]) >= {"media/verifiche/2026/foto.png", "models/model.npz"}
    photo = check.manifest["files"]["media/verifiche/2026/foto.png"]
    assert photo == {"size": len(PHOTO), "sha256": hashlib.sha256(PHOTO).hexdigest()}

    # The instance is lost: empty database (as after `migrate` on a new server), no uploads, no models.
    call_command("flush", "--noinput")
    for folder in ("media", "models"):
        for path in sorted((instance / folder).rglob("*"), reverse=True):
            path.rmdir() if path.is_dir() else path.unlink()
    assert tables_with_rows() == []

    call_command("restore", str(archive), "--noinput")
    assert _state() == before
    assert User.objects.get(username="redattrice.vera").check_password("una-password-lunga-123")
    assert _files(instance / "media") == media
    assert _files(instance / "models") == models
    # The restored database accepts writes: sequences follow the restored ids.
    UserFactory(username="dopo.il.ripristino")


@pytest.mark.skipif("os.environ.get('DATABASE_URL', '').startswith('postgres')")
def test_round_trip_on_sqlite(plan, territory, instance, tmp_path):
    assert connection.vendor == "sqlite"
    _round_trip(instance, tmp_path / "backup.tar.gz")


@pytest.mark.skipif("not os.environ.get('DATABASE_URL', '').startswith('postgres')")
def test_round_trip_on_postgresql(plan, territory, instance, tmp_path):
    """pg_dump --format=custom and pg_restore of the client matching the server (/usr/lib/postgresql/*)."""
    assert connection.vendor == "postgresql"
    _round_trip(instance, tmp_path / "backup.tar")
    with tarfile.open(tmp_path / "backup.tar") as archive:
        dump = archive.extractfile("database/decimetro.pgdump")
        assert dump is not None and dump.read(5) == b"PGDMP"  # the custom format


def test_a_database_with_rows_is_refused_without_force(territory, instance, tmp_path):
    archive = tmp_path / "backup.tar"
    call_command("backup", str(archive))
    UserFactory(username="nuovo.dopo.il.backup")

    with pytest.raises(CommandError, match="Il database non è vuoto"):
        call_command("restore", str(archive), "--noinput")
    assert User.objects.filter(username="nuovo.dopo.il.backup").exists()

    call_command("restore", str(archive), "--noinput", "--force")
    assert not User.objects.filter(username="nuovo.dopo.il.backup").exists()
    assert Comune.objects.count() == 133


def _rewrite(archive: Path, target: Path, change) -> None:
    """Copy the archive member by member, letting `change(name, data)` alter or drop (None) each one."""
    with tarfile.open(archive) as source, tarfile.open(target, "w") as out:
        for member in source:
            stream = source.extractfile(member)
            assert stream is not None
            data = change(member.name, stream.read())
            if data is None:
                continue
            member.size = len(data)
            out.addfile(member, io.BytesIO(data))


def test_a_corrupted_archive_is_refused_before_anything_changes(territory, instance, tmp_path):
    archive = tmp_path / "backup.tar"
    call_command("backup", str(archive))
    call_command("flush", "--noinput")
    (instance / "media" / "verifiche" / "2026" / "foto.png").unlink()

    def flip_a_byte(name: str, data: bytes) -> bytes:
        if name != "media/verifiche/2026/foto.png":
            return data
        return data[:100] + bytes([data[100] ^ 1]) + data[101:]

    corrupted = tmp_path / "corrupted.tar"
    _rewrite(archive, corrupted, flip_a_byte)
    with pytest.raises(CommandError, match=r"Archivio danneggiato.*foto\.png: checksum non corrispondente"):
        call_command("restore", str(corrupted), "--noinput")
    # Nothing restored: neither the database nor the other files.
    assert Comune.objects.count() == 0
    assert not (instance / "media" / "verifiche" / "2026" / "foto.png").exists()

    missing = tmp_path / "missing.tar"
    _rewrite(archive, missing, lambda name, data: None if name == "models/model.npz" else data)
    with pytest.raises(CommandError, match=r"models/model\.npz: mancante"):
        call_command("restore", str(missing), "--noinput")

    truncated = tmp_path / "truncated.tar"
    truncated.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    with pytest.raises(CommandError, match="Archivio danneggiato"):
        call_command("restore", str(truncated), "--noinput")

    call_command("restore", str(archive), "--noinput")  # the intact archive still restores
    assert Comune.objects.count() == 133


def test_an_archive_of_the_other_vendor_or_with_a_foreign_path_is_refused(db, instance, tmp_path):
    archive = tmp_path / "backup.tar"
    call_command("backup", str(archive))
    other = "postgresql" if connection.vendor == "sqlite" else "sqlite"

    def other_vendor(name: str, data: bytes) -> bytes:
        if name != MANIFEST:
            return data
        manifest = json.loads(data)
        manifest["database"]["vendor"] = other
        mine = next(n for n in manifest["files"] if n.startswith("database/"))
        manifest["files"][f"database/decimetro.{'pgdump' if other == 'postgresql' else 'sqlite3'}"] = (
            manifest["files"].pop(mine)
        )
        return json.dumps(manifest).encode()

    foreign = tmp_path / "other.tar"
    with tarfile.open(archive) as source, tarfile.open(foreign, "w") as out:
        for member in source:
            stream = source.extractfile(member)
            assert stream is not None
            data = other_vendor(member.name, stream.read())
            if member.name.startswith("database/"):
                member.name = f"database/decimetro.{'pgdump' if other == 'postgresql' else 'sqlite3'}"
            member.size = len(data)
            out.addfile(member, io.BytesIO(data))
    with pytest.raises(CommandError, match=f"database {other}, questa installazione usa {connection.vendor}"):
        call_command("restore", str(foreign), "--noinput")

    escaping = tmp_path / "escaping.tar"
    with tarfile.open(archive) as source, tarfile.open(escaping, "w") as out:
        for member in source:
            stream = source.extractfile(member)
            assert stream is not None
            out.addfile(member, stream)
        evil = tarfile.TarInfo("media/../../fuori.txt")
        evil.size = 2
        out.addfile(evil, io.BytesIO(b"no"))
    with pytest.raises(CommandError, match="elemento non ammesso"):
        call_command("restore", str(escaping), "--noinput")
    assert not (instance / "fuori.txt").exists()


def test_backup_refuses_an_existing_file_and_names_one_in_a_folder(db, instance, tmp_path):
    (tmp_path / "esiste.tar").write_bytes(b"")
    with pytest.raises(CommandError, match="esiste già"):
        call_command("backup", str(tmp_path / "esiste.tar"))
    with pytest.raises(CommandError, match=r"usare \.tar, \.tar\.gz o \.tgz"):
        call_command("backup", str(tmp_path / "backup.zip"))
    folder = tmp_path / "backups"
    folder.mkdir()
    call_command("backup", str(folder))
    (written,) = folder.iterdir()
    assert written.name.startswith("decimetro-") and written.suffix == ".tar"
    assert not list(folder.glob("*.partial"))


def _migrated_sqlite_file(target: Path, manage) -> None:
    """A migrated, empty SQLite file: a copy of the suite's own test database when it is SQLite (online backup
    API: no migrations to run again), else `migrate` in a subprocess."""
    if connection.vendor != "sqlite":
        manage(target.name, "migrate", "--noinput", "--verbosity", "0")
        return
    connection.ensure_connection()
    copy = sqlite3.connect(target)
    try:
        connection.connection.backup(copy)
    finally:
        copy.close()


def test_commands_on_a_sqlite_file_database_in_subprocesses(tmp_path):
    """The commands as an operator runs them, on file databases (whatever the suite's backend): an instance
    with an account and an upload is backed up, and restored into a second, freshly migrated database."""

    def manage(db: str, *args: str) -> str:
        env = processes.process_env(
            DATABASE_URL=f"sqlite:///{tmp_path / db}",
            MEDIA_ROOT=str(tmp_path / f"media-{db}"),
            DECIMETRO_MODEL_DIR=str(tmp_path / f"models-{db}"),
        )
        result = processes.manage(*args, env=env)
        assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
        return result.stdout

    _migrated_sqlite_file(tmp_path / "b.sqlite3", manage)
    _migrated_sqlite_file(tmp_path / "a.sqlite3", manage)
    with closing(sqlite3.connect(tmp_path / "a.sqlite3")) as db, db:
        db.execute(
            "INSERT INTO core_user (username, password, is_superuser, is_staff, is_active, first_name, "
            "last_name, email, date_joined) VALUES ('operatore', '!', 0, 0, 1, '', '', '', '2026-01-01')"
        )
    (tmp_path / "media-a.sqlite3").mkdir()
    (tmp_path / "media-a.sqlite3" / "allegato.pdf").write_bytes(b"%PDF allegato")

    out = manage("a.sqlite3", "backup", str(tmp_path / "a.tar"))
    assert "Backup scritto" in out and "database sqlite" in out
    out = manage("b.sqlite3", "restore", str(tmp_path / "a.tar"), "--noinput")
    assert "Ripristino completato" in out and "1 file caricati" in out

    with closing(sqlite3.connect(tmp_path / "b.sqlite3")) as db:
        assert db.execute("SELECT username FROM core_user").fetchall() == [("operatore",)]
    assert (tmp_path / "media-b.sqlite3" / "allegato.pdf").read_bytes() == b"%PDF allegato"
