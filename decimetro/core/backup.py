"""One archive holds a whole instance: the database, the uploaded files, the trained models and a manifest.

`backup_write` and `backup_restore` are the logic behind `manage.py backup` and `manage.py restore`.

The archive is a tar file (gzip when its name ends in `.tar.gz` or `.tgz`; a PostgreSQL dump is already
compressed, so plain `.tar` is the default of the timers) with these members:

    database/decimetro.sqlite3   SQLite: a consistent copy made with the online backup API
    database/decimetro.pgdump    PostgreSQL: `pg_dump --format=custom`
    media/…                      MEDIA_ROOT (observation attachments, verification photos)
    models/…                     DECIMETRO_MODEL_DIR (the linking classifier)
    manifest.json                last: versions (app, Django, Python, database), the applied migrations, and
                                 the size and sha256 of every other member

A restore reads the whole archive and checks every checksum before it touches anything, refuses an archive of
the other database vendor, and refuses a database that holds rows unless `force` is given. The messages are
Italian: they are read by the operator at the console.
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import io
import json
import os
import platform
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import time
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path, PurePosixPath
from typing import IO, Any, Literal

import django
from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder

FORMAT = "decimetro-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DB_MEMBER = {"sqlite": "database/decimetro.sqlite3", "postgresql": "database/decimetro.pgdump"}
MEDIA = "media"
MODELS = "models"
_SUFFIXES = {".tar": "", ".tar.gz": "gz", ".tgz": "gz"}
_CHUNK = 1024 * 1024
# Rows every migrated database has, written by `migrate` itself: they do not make a database "not empty".
_MIGRATE_ROWS = (ContentType, Permission)


class BackupError(Exception):
    """A backup or a restore that cannot go on; the message (Italian) says why and what to do."""


@dataclasses.dataclass(frozen=True)
class BackupSummary:
    path: Path
    vendor: str
    files: int
    size: int
    seconds: float


@dataclasses.dataclass(frozen=True)
class RestoreSummary:
    vendor: str
    media_files: int
    model_files: int
    seconds: float
    # Migrations of this code the restored database has not applied yet (`manage.py migrate` applies them).
    pending_migrations: int


@dataclasses.dataclass(frozen=True)
class ArchiveCheck:
    """A verified archive: its manifest, read back after every member matched its checksum."""

    manifest: dict[str, Any]

    @property
    def vendor(self) -> str:
        return str(self.manifest["database"]["vendor"])

    @property
    def migrations(self) -> dict[str, list[str]]:
        return dict(self.manifest["migrations"])


# Writing ---------------------------------------------------------------------------------------------------


def backup_write(path: Path, *, using: str = "default") -> BackupSummary:
    """Write the archive at `path` (or, when `path` is a folder, `decimetro-YYYYMMDD-HHMMSS.tar` inside it).

    The archive is written beside its final name and renamed when complete, so a crash never leaves a
    truncated archive under the final name; it is readable by its owner only (it holds password hashes and
    personal data)."""
    started = time.monotonic()
    path = Path(path)
    if path.is_dir():
        path = path / f"decimetro-{datetime.datetime.now():%Y%m%d-%H%M%S}.tar"
    compression = _compression(path)
    if path.exists():
        raise BackupError(f"Il file {path} esiste già: scegliere un altro nome.")
    if not path.parent.is_dir():
        raise BackupError(f"La cartella {path.parent} non esiste.")
    connection = connections[using]
    vendor = _vendor(connection)
    files: dict[str, dict[str, Any]] = {}
    partial = path.with_name(path.name + ".partial")
    with tempfile.TemporaryDirectory(dir=path.parent, prefix=".decimetro-backup-") as staging:
        dump = Path(staging) / "database"
        _dump_database(connection, vendor, dump)
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode=_write_mode(compression)) as tar:
                _add_file(tar, files, DB_MEMBER[vendor], dump)
                for prefix, root in ((MEDIA, Path(settings.MEDIA_ROOT)), (MODELS, _model_dir())):
                    for source, relative in _walk(root):
                        _add_file(tar, files, f"{prefix}/{relative}", source)
                manifest = _manifest(connection, vendor, files)
                data = json.dumps(manifest, indent=2, ensure_ascii=False, sort_keys=True).encode()
                info = tarfile.TarInfo(MANIFEST)
                info.size, info.mtime, info.mode = len(data), int(time.time()), 0o600
                tar.addfile(info, io.BytesIO(data))
            os.replace(partial, path)
        finally:
            partial.unlink(missing_ok=True)
    return BackupSummary(
        path=path,
        vendor=vendor,
        files=len(files),
        size=path.stat().st_size,
        seconds=time.monotonic() - started,
    )


def _compression(path: Path) -> str:
    for suffix, compression in _SUFFIXES.items():
        if path.name.endswith(suffix):
            return compression
    raise BackupError(f"Nome dell'archivio non valido ({path.name}): usare .tar, .tar.gz o .tgz.")


def _write_mode(compression: str) -> Literal["w:gz", "w"]:
    return "w:gz" if compression == "gz" else "w"


def _vendor(connection: BaseDatabaseWrapper) -> str:
    if connection.vendor not in DB_MEMBER:
        raise BackupError(f"Database {connection.vendor} non supportato: solo SQLite e PostgreSQL.")
    return str(connection.vendor)


def _model_dir() -> Path:
    return Path(getattr(settings, "DECIMETRO_MODEL_DIR", Path(settings.BASE_DIR) / "var" / "models"))


def _walk(root: Path) -> Iterator[tuple[Path, str]]:
    """Regular files under `root` in a fixed order, with their path relative to it (symbolic links are not
    followed: the archive holds the instance's own files)."""
    if not root.is_dir():
        return
    for folder, dirs, names in os.walk(root):
        dirs.sort()
        for name in sorted(names):
            source = Path(folder) / name
            if source.is_file() and not source.is_symlink():
                yield source, source.relative_to(root).as_posix()


class _Hashing(io.RawIOBase):
    """A reader that hashes what tarfile copies into the archive: one pass over each file."""

    def __init__(self, stream: IO[bytes]) -> None:
        self.stream = stream
        self.sha256 = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        chunk = self.stream.read(size)
        self.sha256.update(chunk)
        return chunk


def _add_file(tar: tarfile.TarFile, files: dict[str, dict[str, Any]], name: str, source: Path) -> None:
    info = tar.gettarinfo(str(source), arcname=name)
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    with source.open("rb") as stream:
        hashing = _Hashing(stream)
        tar.addfile(info, hashing)
    files[name] = {"size": info.size, "sha256": hashing.sha256.hexdigest()}


def _dump_database(connection: BaseDatabaseWrapper, vendor: str, target: Path) -> None:
    if vendor == "sqlite":
        # The online backup API copies a consistent snapshot while the site keeps running; through Django's
        # own connection it also works for an in-memory database.
        connection.ensure_connection()
        destination = sqlite3.connect(target)
        try:
            connection.connection.backup(destination)
        finally:
            destination.close()
        return
    _run_pg(connection, "pg_dump", ["--format=custom", f"--file={target}"])


def _manifest(connection: BaseDatabaseWrapper, vendor: str, files: dict[str, Any]) -> dict[str, Any]:
    applied: dict[str, list[str]] = {}
    for app_label, name in sorted(MigrationRecorder(connection).applied_migrations()):
        applied.setdefault(app_label, []).append(name)
    try:
        app_version = metadata.version("decimetro")
    except metadata.PackageNotFoundError:
        app_version = "sconosciuta"
    database: dict[str, Any] = {"vendor": vendor}
    if vendor == "postgresql":
        database["server_version"] = getattr(connection, "pg_version", None)
    else:
        database["sqlite_version"] = sqlite3.sqlite_version
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "created_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "versions": {
            "decimetro": app_version,
            "django": django.get_version(),
            "python": platform.python_version(),
        },
        "database": database,
        "migrations": applied,
        "files": files,
    }


# PostgreSQL client tools ------------------------------------------------------------------------------------


def pg_tool(name: str, server_version: int | None) -> str:
    """The client tool for this server: DECIMETRO_PG_BIN when set; else the Debian installation of the
    server's major version or the nearest newer one (`pg_dump` refuses a newer server, reads older ones);
    else the one on PATH."""
    override = os.environ.get("DECIMETRO_PG_BIN")
    if override:
        return str(Path(override) / name)
    major = (server_version or 0) // 10000
    installed = sorted(
        int(folder.name)
        for folder in Path("/usr/lib/postgresql").glob("*")
        if folder.name.isdigit() and (folder / "bin" / name).is_file()
    )
    for version in installed:
        if version >= major:
            return f"/usr/lib/postgresql/{version}/bin/{name}"
    found = shutil.which(name)
    if found:
        return found
    raise BackupError(
        f"{name} non trovato: installare il client PostgreSQL {major or ''} (pacchetto Debian "
        f"postgresql-client) o indicarne la cartella in DECIMETRO_PG_BIN."
    )


def _run_pg(connection: BaseDatabaseWrapper, tool: str, args: list[str]) -> None:
    connection.ensure_connection()
    params = connection.settings_dict
    env = dict(os.environ)
    command = [pg_tool(tool, getattr(connection, "pg_version", None)), *args]
    if params.get("HOST"):
        command.append(f"--host={params['HOST']}")
    if params.get("PORT"):
        command.append(f"--port={params['PORT']}")
    if params.get("USER"):
        command.append(f"--username={params['USER']}")
    if params.get("PASSWORD"):
        env["PGPASSWORD"] = str(params["PASSWORD"])
    options = params.get("OPTIONS") or {}
    for option, variable in (("sslmode", "PGSSLMODE"), ("sslrootcert", "PGSSLROOTCERT")):
        if options.get(option):
            env[variable] = str(options[option])
    command.append(f"--dbname={params['NAME']}")
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise BackupError(
            f"{tool} non è riuscito (codice {result.returncode}): {result.stderr.strip()[-2000:]}"
        )


# Verifying and restoring ------------------------------------------------------------------------------------


def archive_verify(path: Path) -> ArchiveCheck:
    """Read the whole archive and compare every member with the manifest (sha256 and size; none missing, none
    added). Raises BackupError, touching nothing, when anything differs."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"Archivio {path} non trovato.")
    digests: dict[str, tuple[int, str]] = {}
    raw_manifest: bytes | None = None
    try:
        with tarfile.open(path, mode="r:*") as tar:
            for member in tar:
                name = _safe_name(member)
                stream = tar.extractfile(member)
                if stream is None:  # pragma: no cover - _safe_name admits regular files only
                    continue
                if name == MANIFEST:
                    raw_manifest = stream.read()
                    continue
                sha256, size = hashlib.sha256(), 0
                while chunk := stream.read(_CHUNK):
                    sha256.update(chunk)
                    size += len(chunk)
                digests[name] = (size, sha256.hexdigest())
    except (tarfile.TarError, EOFError, OSError) as error:
        raise BackupError(f"Archivio danneggiato o troncato, ripristino rifiutato: {error}.") from error
    if raw_manifest is None:
        raise BackupError("Archivio non valido: manca manifest.json, ripristino rifiutato.")
    try:
        manifest = json.loads(raw_manifest)
        listed = {str(name): (int(v["size"]), str(v["sha256"])) for name, v in manifest["files"].items()}
        vendor = manifest["database"]["vendor"]
        if not all(isinstance(names, list) for names in manifest["migrations"].values()):
            raise TypeError("migrations")
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise BackupError("Archivio non valido: manifest.json illeggibile, ripristino rifiutato.") from error
    if manifest.get("format") != FORMAT or manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError("Archivio non valido: non è un backup di Decimetro in un formato noto.")
    if vendor not in DB_MEMBER or DB_MEMBER[vendor] not in listed:
        raise BackupError("Archivio non valido: manca il database, ripristino rifiutato.")
    problems = sorted(
        [
            f"{name}: checksum non corrispondente" if name in listed else f"{name}: non elencato nel manifest"
            for name, found in digests.items()
            if found != listed.get(name)
        ]
        + [f"{name}: mancante" for name in listed if name not in digests]
    )
    if problems:
        shown = "; ".join(problems[:5]) + (f" e altri {len(problems) - 5}" if len(problems) > 5 else "")
        raise BackupError(f"Archivio danneggiato, ripristino rifiutato ({shown}).")
    return ArchiveCheck(manifest=manifest)


def _safe_name(member: tarfile.TarInfo) -> str:
    """Only regular files at relative paths inside the archive's three areas (never `..`, links, devices)."""
    name = PurePosixPath(member.name)
    inside = not name.is_absolute() and ".." not in name.parts and name.parts
    area_ok = str(name) == MANIFEST or (inside and name.parts[0] in {"database", MEDIA, MODELS})
    if not member.isfile() or not inside or not area_ok:
        raise BackupError(f"Archivio non valido: elemento non ammesso ({member.name}), ripristino rifiutato.")
    return str(name)


def tables_with_rows(using: str = "default") -> list[str]:
    """The tables of this project's models holding at least one row (the content types and permissions that
    `migrate` writes do not count): a database is empty when this is empty."""
    connection = connections[using]
    existing = set(connection.introspection.table_names())
    found = []
    for model in apps.get_models(include_auto_created=True):
        table = model._meta.db_table
        if model in _MIGRATE_ROWS or table not in existing or table in found:
            continue
        if model._base_manager.using(using).exists():
            found.append(table)
    return sorted(found)


def unknown_migrations(check: ArchiveCheck, using: str = "default") -> list[str]:
    """Migrations applied in the archive that this code does not have (a backup of a newer version)."""
    loader = MigrationLoader(connections[using], ignore_no_migrations=True, load=True)
    known = set(loader.disk_migrations)
    return sorted(
        f"{app}.{name}"
        for app, names in check.migrations.items()
        for name in names
        if (app, name) not in known
    )


def backup_restore(path: Path, *, force: bool = False, using: str = "default") -> RestoreSummary:
    """Restore the archive into the database `using`, MEDIA_ROOT and DECIMETRO_MODEL_DIR.

    Refused, with nothing touched: a corrupted archive, an archive of the other database vendor, an archive
    from a newer version of the code, a database holding rows (unless `force`). With `force` the database's
    tables are replaced; files of MEDIA_ROOT and the model folder with the same name are overwritten, others
    are left in place. The web and worker processes should be stopped meanwhile."""
    started = time.monotonic()
    path = Path(path)
    check = archive_verify(path)
    connection = connections[using]
    vendor = _vendor(connection)
    if check.vendor != vendor:
        raise BackupError(
            f"L'archivio contiene un database {check.vendor}, questa installazione usa {vendor}: "
            "ripristinare su un database dello stesso tipo."
        )
    newer = unknown_migrations(check, using)
    if newer and not force:
        raise BackupError(
            "L'archivio viene da una versione più recente di Decimetro (migrazioni sconosciute: "
            f"{', '.join(newer[:5])}): aggiornare il codice prima del ripristino, o usare --force."
        )
    full = tables_with_rows(using)
    if full and not force:
        raise BackupError(
            f"Il database non è vuoto ({len(full)} tabelle con dati, tra cui {', '.join(full[:3])}): "
            "ripristino rifiutato. Usare --force per sostituirne il contenuto."
        )
    counts = {MEDIA: 0, MODELS: 0}
    with (
        tarfile.open(path, mode="r:*") as tar,
        tempfile.TemporaryDirectory(prefix="decimetro-restore-") as staging,
    ):
        for member in tar:
            name = _safe_name(member)
            if name == MANIFEST:
                continue
            stream = tar.extractfile(member)
            assert stream is not None
            area, _, relative = name.partition("/")
            if area == "database":
                dump = Path(staging) / "database"
                with dump.open("wb") as out:
                    shutil.copyfileobj(stream, out, _CHUNK)
                _load_database(connection, vendor, dump)
                continue
            root = Path(settings.MEDIA_ROOT) if area == MEDIA else _model_dir()
            _write_file(root, relative, stream)
            counts[area] += 1
    executor = MigrationExecutor(connection)
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return RestoreSummary(
        vendor=vendor,
        media_files=counts[MEDIA],
        model_files=counts[MODELS],
        seconds=time.monotonic() - started,
        pending_migrations=len(pending),
    )


def _write_file(root: Path, relative: str, stream: IO[bytes]) -> None:
    target = root / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".restoring")
    with partial.open("wb") as out:
        shutil.copyfileobj(stream, out, _CHUNK)
    os.replace(partial, target)


def _load_database(connection: BaseDatabaseWrapper, vendor: str, dump: Path) -> None:
    if vendor == "sqlite":
        source = sqlite3.connect(dump)
        try:
            if source.execute("PRAGMA integrity_check").fetchone() != ("ok",):
                raise BackupError("Il database SQLite dell'archivio non è integro, ripristino rifiutato.")
            connection.ensure_connection()
            if connection.in_atomic_block:
                raise BackupError("Ripristino impossibile dentro una transazione.")
            # The backup API replaces every page of the target: schema and rows become the archive's.
            source.backup(connection.connection)
        finally:
            source.close()
        return
    # PostgreSQL: the tables there are dropped, then the dump is restored in one transaction (a failure of
    # pg_restore leaves the database empty, never half restored).
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
        if tables:
            quoted = ", ".join(connection.ops.quote_name(table) for table in tables)
            cursor.execute(f"DROP TABLE IF EXISTS {quoted} CASCADE")
    connection.close()
    _run_pg(
        connection,
        "pg_restore",
        ["--no-owner", "--no-privileges", "--single-transaction", "--exit-on-error", str(dump)],
    )
    connection.close()
