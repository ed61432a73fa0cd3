"""The bulk download: one zip per data version (`insights.cache.data_version`), holding a standard CSV per
resource (RFC 4180: UTF-8 without BOM, `,`, `.` decimals, CRLF; written by `reports.writers`, so text cells
that start like a formula carry a leading `'`) and the Frictionless `datapackage.json` that describes them.

Kept under MEDIA_ROOT/dati-aperti/<key>/ (the zip, the descriptor, a manifest with row counts and dates); a
build is written in a temporary folder and renamed into place, so a half-built version is never served;
only the latest `KEEP` versions stay. Building writes files only, never the database: no audit row (an audit
row would change the data version it was built for)."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import tempfile
import time
import zipfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.utils import timezone

from decimetro.core.credits import Credit
from decimetro.insights.cache import data_version
from decimetro.insights.definitions import DATASET_LABELS, Dataset
from decimetro.insights.freshness import dataset_dates
from decimetro.reports.opendata.resources import RESOURCES, Field, Resource, current_edition, resource_rows
from decimetro.reports.writers import CREDIT_COLUMN, CSV_STANDARD, About, csv_lines

FOLDER = "dati-aperti"
ZIP_NAME = "decimetro-dati-aperti.zip"
DESCRIPTOR = "datapackage.json"
MANIFEST = "manifest.json"
KEEP = 3
PACKAGE_NAME = "decimetro-dati-aperti"
TITLE = "Decimetro: piano strategico metropolitano e progetti PNRR, dati aperti"
DESCRIPTION = (
    "Il piano strategico della Città metropolitana di Milano, i comuni e le zone omogenee, i progetti PNRR "
    "con luoghi e pagamenti, i collegamenti fra progetti e obiettivi del piano, la corrispondenza fra misure "
    "e obiettivi, l'allineamento dei DUP, gli indicatori con i loro valori, le consultazioni e le "
    "osservazioni pubblicate. File CSV standard (RFC 4180): UTF-8, virgola come separatore, punto per i "
    "decimali, date AAAA-MM-GG, sì/no per i valori logici; un testo che inizia come una formula (=, +, -, "
    "@) è preceduto da un apostrofo."
)
LICENCE = {
    "name": "CC-BY-4.0",
    "path": "https://creativecommons.org/licenses/by/4.0/",
    "title": "Creative Commons Attribuzione 4.0 Internazionale",
}
DIALECT = {
    "delimiter": ",",
    "lineTerminator": "\r\n",
    "quoteChar": '"',
    "doubleQuote": True,
    "header": True,
}
_CREDIT_FIELD = Field(CREDIT_COLUMN, "string", "Fonte dei dati (la stessa per ogni riga)")
PACKAGE_DATASETS = (
    Dataset.PROJECTS,
    Dataset.PLACES,
    Dataset.PAYMENTS,
    Dataset.FINANCIAL_FRAME,
    Dataset.MILESTONES,
)


def root() -> Path:
    return Path(settings.MEDIA_ROOT) / FOLDER


def version_key(version: tuple[Any, ...] | None = None) -> str:
    """A short name for a data version (the folder of its bundle)."""
    raw = repr(version if version is not None else data_version())
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class BuiltResource:
    name: str
    title: str
    description: str
    rows: int
    credits: list[str]

    @property
    def filename(self) -> str:
        return f"{self.name}.csv"


@dataclass(frozen=True)
class Bundle:
    """A built version, as its manifest says."""

    key: str
    folder: Path
    built_at: str
    size: int
    resources: list[BuiltResource]
    dates: list[tuple[str, date | None]]
    built_ns: int = 0  # the build's end in nanoseconds: orders builds of the same second

    @property
    def zip_path(self) -> Path:
        return self.folder / ZIP_NAME

    @property
    def descriptor_path(self) -> Path:
        return self.folder / DESCRIPTOR

    def resource(self, name: str) -> BuiltResource | None:
        return next((r for r in self.resources if r.name == name), None)

    def open_csv(self, name: str) -> io.RawIOBase:
        """One CSV of the zip, read as it is stored (the caller closes it)."""
        archive = zipfile.ZipFile(self.zip_path)
        return _ClosingMember(archive, archive.open(f"{name}.csv"))


class _ClosingMember(io.RawIOBase):
    """A zip member that closes its archive with itself (a FileResponse closes what it streams)."""

    def __init__(self, archive: zipfile.ZipFile, member: IO[bytes]) -> None:
        self._archive, self._member = archive, member

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        return self._member.read(size)

    def readinto(self, buffer: Any) -> int:
        data = self._member.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self._member.close()
        self._archive.close()
        super().close()


def _load(folder: Path) -> Bundle | None:
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return Bundle(
        key=manifest["key"],
        folder=folder,
        built_at=manifest["built_at"],
        size=manifest["size"],
        resources=[BuiltResource(**r) for r in manifest["resources"]],
        dates=[(label, date.fromisoformat(d) if d else None) for label, d in manifest["dates"]],
        built_ns=int(manifest.get("built_ns", 0)),
    )


def bundle_for(key: str) -> Bundle | None:
    return _load(root() / key)


def bundles() -> list[Bundle]:
    """The built versions, newest first."""
    if not root().is_dir():
        return []
    found = [
        b for b in (_load(p) for p in root().iterdir() if p.is_dir() and not p.name.startswith(".")) if b
    ]
    return sorted(found, key=lambda b: (b.built_at, b.built_ns), reverse=True)


def latest_bundle() -> Bundle | None:
    found = bundles()
    return found[0] if found else None


def _credit_sources(credits: tuple[Credit, ...]) -> list[dict[str, str]]:
    return [{"title": str(c)} for c in credits]


def _credit_text(credits: tuple[Credit, ...]) -> str:
    return "; ".join(str(c) for c in credits)


def resource_descriptor(resource: Resource, *, path: str) -> dict[str, Any]:
    schema = resource.schema()
    schema["fields"].append(
        {"name": _CREDIT_FIELD.name, "type": _CREDIT_FIELD.type, "description": _CREDIT_FIELD.description}
    )
    return {
        "name": resource.name,
        "path": path,
        "profile": "tabular-data-resource",
        "title": resource.title,
        "description": resource.description,
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "dialect": DIALECT,
        "schema": schema,
        "licenses": [LICENCE],
        "sources": _credit_sources(resource.credits),
    }


def write_csv(resource: Resource, out: IO[bytes]) -> int:
    """The resource as standard CSV through the shared writers (credit in the `fonte` column). Returns the
    number of data rows."""
    about = About(title=resource.title, credit=_credit_text(resource.credits))
    count = -1
    for line in csv_lines(
        resource_rows(resource, current_edition()), fmt=CSV_STANDARD, constants=about.constants()
    ):
        out.write(line.encode("utf-8"))
        count += 1
    return count


def _all_sources() -> list[dict[str, str]]:
    seen: dict[str, dict[str, str]] = {}
    for r in RESOURCES:
        for s in _credit_sources(r.credits):
            seen.setdefault(s["title"], s)
    return list(seen.values())


def _dates() -> list[tuple[str, date | None]]:
    return [(str(DATASET_LABELS[d.dataset]), d.release_date) for d in dataset_dates().of(PACKAGE_DATASETS)]


def build_bundle(*, progress: Any = None) -> tuple[Bundle, bool]:
    """The bundle of the current data version: (bundle, True) when built now, (bundle, False) when it was
    there already. Older versions beyond `KEEP` are removed."""
    key = version_key()
    existing = bundle_for(key)
    if existing is not None:
        return existing, False
    root().mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".build-", dir=root()))
    try:
        descriptors, built = [], []
        with zipfile.ZipFile(work / ZIP_NAME, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for i, resource in enumerate(RESOURCES):
                with archive.open(resource.filename, "w", force_zip64=True) as member:
                    rows = write_csv(resource, member)
                descriptors.append(resource_descriptor(resource, path=resource.filename))
                built.append(
                    BuiltResource(
                        resource.name,
                        resource.title,
                        resource.description,
                        rows,
                        [str(c) for c in resource.credits],
                    )
                )
                if progress is not None:
                    progress("risorse", (i + 1) / len(RESOURCES))
            built_at = timezone.now().isoformat(timespec="seconds")
            dates = _dates()
            descriptor = package_descriptor(descriptors, key=key, created=built_at, dates=dates)
            archive.writestr(DESCRIPTOR, json.dumps(descriptor, ensure_ascii=False, indent=2))
        (work / DESCRIPTOR).write_text(json.dumps(descriptor, ensure_ascii=False, indent=2), encoding="utf-8")
        manifest = {
            "key": key,
            "built_at": built_at,
            "built_ns": time.time_ns(),
            "size": (work / ZIP_NAME).stat().st_size,
            "resources": [r.__dict__ for r in built],
            "dates": [(label, d.isoformat() if d else None) for label, d in dates],
        }
        (work / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
        target = root() / key
        try:
            work.rename(target)
        except OSError:  # built meanwhile by another worker: theirs is the same
            shutil.rmtree(work, ignore_errors=True)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    _prune()
    bundle = bundle_for(key)
    assert bundle is not None
    return bundle, True


def _prune() -> None:
    for old in bundles()[KEEP:]:
        shutil.rmtree(old.folder, ignore_errors=True)


def package_descriptor(
    resources: list[dict[str, Any]], *, key: str, created: str, dates: list[tuple[str, date | None]]
) -> dict[str, Any]:
    when = "; ".join(f"{label}: {d.isoformat() if d else 'non indicata'}" for label, d in dates)
    return {
        "profile": "tabular-data-package",
        "name": PACKAGE_NAME,
        "title": TITLE,
        "description": f"{DESCRIPTION} Date di rilascio dei dati PNRR: {when}.",
        "version": key,
        "created": created,
        "licenses": [LICENCE],
        "sources": _all_sources(),
        "contributors": [{"title": "Città metropolitana di Milano", "role": "publisher"}],
        "keywords": ["PNRR", "piano strategico", "Città metropolitana di Milano", "comuni", "dati aperti"],
        "resources": resources,
    }


def served_descriptor(bundle: Bundle, *, base_url: str, home: str) -> dict[str, Any]:
    """The descriptor as served at /dati-aperti/datapackage.json: each resource's path is the absolute URL of
    its CSV download, so that the descriptor alone validates and loads."""
    descriptor = json.loads(bundle.descriptor_path.read_text(encoding="utf-8"))
    descriptor["homepage"] = home
    for r in descriptor["resources"]:
        r["path"] = f"{base_url}{r['name']}.csv"
    return descriptor
