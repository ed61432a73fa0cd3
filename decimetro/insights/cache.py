"""The data version (what changes when any data behind a figure changes) and the cache keyed on it."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils import translation

from decimetro.core.models import AuditEntry
from decimetro.linking.models import LinkStatus, ProjectObjectiveLink
from decimetro.pnrr.models import ImportRun, PaymentSnapshot, Place, Project
from decimetro.territory.models import Comune


def data_version() -> tuple[Any, ...]:
    """What changes when the map's (or a dashboard's) values may change: the last import, audit row (every
    write of the services leaves one), project, place, payment snapshot, link and comune, and the number of
    confirmed links. One query of index lookups."""
    tables = [m._meta.db_table for m in (ImportRun, AuditEntry, Project, Place, PaymentSnapshot)]
    tables += [ProjectObjectiveLink._meta.db_table, Comune._meta.db_table]
    link = ProjectObjectiveLink._meta.db_table
    parts = ", ".join(f"(SELECT MAX(id) FROM {t})" for t in tables)  # noqa: S608 (table names)
    sql = f"SELECT {parts}, (SELECT COUNT(*) FROM {link} WHERE status = %s)"  # noqa: S608 (table names)
    with connection.cursor() as cursor:
        cursor.execute(sql, [LinkStatus.CONFIRMED.value])
        return tuple(cursor.fetchone())


T = TypeVar("T")

# The data version of the computation under way, so that a cached figure computed inside another (the
# "data as of" date inside a dashboard) does not ask for the version again.
_current_version: ContextVar[tuple[Any, ...] | None] = ContextVar("decimetro_data_version", default=None)


def cached_for_data_version(name: str, parts: tuple[Any, ...], compute: Callable[[], T]) -> T:
    """`compute()`, remembered by this process for `DECIMETRO_MAP_CACHE_SECONDS` (production; 0 = no cache)
    under `name`, `parts`, the active language and the data version (`data_version`: one query, none when
    called inside another cached computation, which already has it), so that a change of the data is seen at
    once. Used by the map, the area figures, the dashboards and the "data as of" date."""
    seconds = getattr(settings, "DECIMETRO_MAP_CACHE_SECONDS", 0)
    if not seconds:
        return compute()
    version = _current_version.get()
    if version is None:
        version = data_version()
    raw = repr((version, parts, translation.get_language()))
    key = f"decimetro:{name}:" + hashlib.sha256(raw.encode()).hexdigest()
    value = cache.get(key)
    if value is None:
        token = _current_version.set(version)
        try:
            value = compute()
        finally:
            _current_version.reset(token)
        cache.set(key, value, seconds)
    return value  # type: ignore[no-any-return]
