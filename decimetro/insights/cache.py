"""The data version (what changes when any data behind a figure changes) and the cache keyed on it."""

from __future__ import annotations

import hashlib
import pickle
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils import timezone, translation

from decimetro.core.models import AuditEntry
from decimetro.insights.models import PrecomputedFigure
from decimetro.linking.models import ProjectObjectiveLink
from decimetro.pnrr.models import ImportRun, PaymentSnapshot, Place, Project
from decimetro.territory.models import Comune

# Audit rows of writes that change nothing a page, an export or the API shows: following by email (its
# requests, confirmations, digests), API tokens, accounts. They must not change the data version: otherwise
# an anonymous visitor subscribing to a digest would empty every cached page and start a refresh of the
# precomputed figures. Prefixes end with "."; the account actions are exact names.
NEUTRAL_ACTION_PREFIXES = ("follow.", "apitoken.")
NEUTRAL_ACTIONS = (
    "invitation_create",
    "invitation_accept",
    "invitation_revoke",
    "membership_set_role",
    "password_change",
    "password_reset",
    "user_disable",
    "user_enable",
    "demo_user",
)


def is_neutral_action(action: str) -> bool:
    """Whether an audit row of `action` leaves every figure and public page as it was."""
    return action.startswith(NEUTRAL_ACTION_PREFIXES) or action in NEUTRAL_ACTIONS


# Audit rows of writes that touch no PNRR or territory table (projects, places, payments, structure, comuni,
# zones): link decisions and rules, the plan's editions and objectives, monitoring, participation (not the
# edits of missions and components: the PNRR figures show their titles). They change the data version (a
# page may show them) but not the PNRR data version (`pnrr_version`), so that the
# figures computed from the PNRR data alone (the map's values, the areas' totals, every located project's
# share) stay valid across them. An allowlist: an action not named here (a new service, a territory edit)
# changes both.
PNRR_NEUTRAL_ACTION_PREFIXES = (
    "linking.",
    "edition.",
    "objective.",
    "keyword.",
    "direction.",
    "monitoring.",
    "consultation.",
    "observation.",
    "verification.",
    "dup.",
)

# The two scopes of a cached figure: every data behind any page, or only the PNRR and territory data.
SCOPE_ALL = "all"
SCOPE_PNRR = "pnrr"


def is_pnrr_neutral_action(action: str) -> bool:
    """Whether an audit row of `action` leaves the PNRR and territory data as they were."""
    return is_neutral_action(action) or action.startswith(PNRR_NEUTRAL_ACTION_PREFIXES)


def _audit_max_sql(prefixes: tuple[str, ...] = NEUTRAL_ACTION_PREFIXES) -> tuple[str, list[str]]:
    """The last audit row whose action starts with none of `prefixes` and is none of `NEUTRAL_ACTIONS`: by
    default the last that may have changed any figure; with the PNRR-neutral prefixes added, the last that
    may have changed PNRR or territory data (`is_pnrr_neutral_action`)."""
    table = AuditEntry._meta.db_table
    likes = " AND ".join("action NOT LIKE %s" for _ in prefixes)
    names = ", ".join("%s" for _ in NEUTRAL_ACTIONS)
    sql = f"(SELECT MAX(id) FROM {table} WHERE {likes} AND action NOT IN ({names}))"  # noqa: S608 (names)
    return sql, [f"{p}%" for p in prefixes] + list(NEUTRAL_ACTIONS)


def data_version() -> tuple[Any, ...]:
    """What changes when the map's (or a dashboard's) values may change: the last audit row (every write of
    the services leaves one; not those of `is_neutral_action`: the backward scan of the primary key stops at
    the first other row), the last import, project, place, payment snapshot, link and comune. One query of
    primary-key index lookups (O(1) whatever the size of the tables: it runs on every cached page).

    A link confirmed, rejected or withdrawn changes no largest id, but every path that does it leaves an
    audit row: `link_confirm`/`link_reject`/`link_choose_other` and the bulk and queue decisions through them,
    rules (`crosswalk_approve`, `_revoke`, `_remove`, `_load`, `links_apply_rules`), the suggestions'
    refresh, the edition's remap (inside `edition_publish`). A count of confirmed links, kept here before,
    cost a scan of the links table (milliseconds on national data) for nothing more.

    Its last element is the last audit row that may have changed PNRR or territory data: with the ids of the
    import, project, place, payment and comune tables it makes the PNRR data version (`pnrr_version`),
    read in the same query."""
    tables = [m._meta.db_table for m in (ImportRun, Project, Place, PaymentSnapshot)]
    tables += [ProjectObjectiveLink._meta.db_table, Comune._meta.db_table]
    parts = ", ".join(f"(SELECT MAX(id) FROM {t})" for t in tables)  # noqa: S608 (table names)
    audit_sql, params = _audit_max_sql()
    pnrr_sql, pnrr_params = _audit_max_sql(NEUTRAL_ACTION_PREFIXES + PNRR_NEUTRAL_ACTION_PREFIXES)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {audit_sql}, {parts}, {pnrr_sql}", params + pnrr_params)
        return tuple(cursor.fetchone())


def pnrr_version(version: tuple[Any, ...]) -> tuple[Any, ...]:
    """The PNRR data version within the data version `version`: what changes when the PNRR or territory data
    may change (an import, a new project, place, payment or comune, an audited write that is not
    `is_pnrr_neutral_action`), but not with a link decision, a plan edit or an observation."""
    audit_pnrr = version[-1]
    imports, projects, places, payments, _links, comuni = version[1:7]
    return (SCOPE_PNRR, audit_pnrr, imports, projects, places, payments, comuni)


T = TypeVar("T")

# The data version of the computation under way, so that a cached figure computed inside another (the
# "data as of" date inside a dashboard) does not ask for the version again.
_current_version: ContextVar[tuple[Any, ...] | None] = ContextVar("decimetro_data_version", default=None)


@contextmanager
def known_data_version(version: tuple[Any, ...]) -> Iterator[None]:
    """Inside this block the cached figures use `version` (read once by the caller: the page cache, which
    keyed the page on it) instead of asking for it again."""
    token = _current_version.set(version)
    try:
        yield
    finally:
        _current_version.reset(token)


@contextmanager
def one_data_version() -> Iterator[None]:
    """Several cached figures of one request (a list page's count and its filters' choices) on one read of
    the data version: read here once when a figure would read it (`cached_for_data_version` with the cache
    or the precomputed figures on) and none is known yet (the page cache's miss already knows it); nothing
    read when nothing is cached (development, tests: no query added)."""
    seconds = getattr(settings, "DECIMETRO_MAP_CACHE_SECONDS", 0)
    if _current_version.get() is not None or not (seconds or precomputed_enabled()):
        yield
        return
    with known_data_version(data_version()):
        yield


def precomputed_enabled() -> bool:
    """Whether the figures are precomputed per data version (`DECIMETRO_PRECOMPUTED_FIGURES`, production by
    default): the pages then read `PrecomputedFigure` rows before computing, and every change of the data
    enqueues their refresh (`insights.tasks`)."""
    return bool(getattr(settings, "DECIMETRO_PRECOMPUTED_FIGURES", False))


# Set by the refresh task (`insights.precomputed.precompute_figures`): every computation is stored.
_building: ContextVar[bool] = ContextVar("decimetro_building_figures", default=False)


def stored_key(name: str, parts: tuple[Any, ...]) -> str:
    """The key of a computation in `PrecomputedFigure`: its name, parts and language (not the version, which
    the row holds: a stale row is replaced, not added)."""
    raw = repr((name, parts, translation.get_language()))
    return hashlib.sha256(raw.encode()).hexdigest()


def _read_stored(key: str, version: tuple[Any, ...], *, touch: bool = False) -> Any:
    """The stored value of `key` if it was computed for `version`, else None (a stale row is never read).
    One query (two with `touch`: the refresh task keeps the row, still valid, as written by this run)."""
    rows = PrecomputedFigure.objects.filter(key=key, version=repr(version))
    payload = rows.values_list("payload", flat=True).first()
    if payload is not None and touch:
        rows.update(built_at=timezone.now())
    # Our own rows, written by the refresh task from our own computation (as the cache backend's pickles).
    return None if payload is None else pickle.loads(bytes(payload))  # noqa: S301


def _write_stored(key: str, name: str, version: tuple[Any, ...], value: Any) -> None:
    payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    PrecomputedFigure.objects.update_or_create(
        key=key, defaults={"name": name, "version": repr(version), "payload": payload}
    )


# name → (key, token, value) of the computations kept as objects by this process (`memo=True`), the last of
# each; valid while the cache holds `token` under `key` (so its timeout and clearing apply to it too).
_memo: dict[str, tuple[str, str, Any]] = {}


def cached_for_data_version(
    name: str, parts: tuple[Any, ...], compute: Callable[[], T], *, scope: str = SCOPE_ALL, memo: bool = False
) -> T:
    """`compute()`, remembered by this process for `DECIMETRO_MAP_CACHE_SECONDS` (production; 0 = no cache)
    under `name`, `parts`, the active language and the data version (`data_version`: one query, none when
    called inside another cached computation, which already has it), so that a change of the data is seen at
    once. Used by the map, the area figures, the dashboards and the "data as of" date.

    `scope=SCOPE_PNRR`: `compute` reads only PNRR and territory data (projects, places, payments, the PNRR
    structure, comuni, zones, imports), never links, the plan or participation: it is keyed on the PNRR data
    version (`pnrr_version`) instead, so a link decision or a plan edit leaves it valid.

    With precomputed figures (`precomputed_enabled`), a miss of the process cache reads the row the refresh
    task stored for the same computation (one query) and uses it only when it was computed for the current
    data version; otherwise it computes live (correct, slower) — the task enqueued by the change will store
    it. Inside the refresh task every computation is stored (a PNRR-scope row still valid is kept as is).

    `memo`: the last value of `name` is also kept by the process as it is (a large value read-only by its
    callers, which the cache backend would unpickle on every read)."""
    seconds = getattr(settings, "DECIMETRO_MAP_CACHE_SECONDS", 0)
    building = _building.get()
    if not seconds and not building and not precomputed_enabled():
        return compute()
    version = _current_version.get()
    if version is None:
        version = data_version()
    keyed = pnrr_version(version) if scope == SCOPE_PNRR else version
    raw = repr((keyed, parts, translation.get_language()))
    key = f"decimetro:{name}:" + hashlib.sha256(raw.encode()).hexdigest()
    # The refresh task computes and stores every figure (none read: it rewrites each row it needs), but a
    # PNRR-scope row of the current PNRR version is still right: it keeps it.
    value = cache.get(key) if seconds and not building else None
    if memo and value is not None:
        kept = _memo.get(name)
        value = kept[2] if kept is not None and (kept[0], kept[1]) == (key, value) else None
    if value is None:
        token = _current_version.set(version)
        try:
            stored = stored_key(name, parts) if building or precomputed_enabled() else ""
            reuse = stored and (not building or scope == SCOPE_PNRR)
            value = _read_stored(stored, keyed, touch=building) if reuse else None
            if value is None:
                value = compute()
                if building:
                    _write_stored(stored, name, keyed, value)
        finally:
            _current_version.reset(token)
        if seconds and memo:
            mark = f"memo:{uuid.uuid4().hex}"
            _memo[name] = (key, mark, value)
            cache.set(key, mark, seconds)
        elif seconds:
            cache.set(key, value, seconds)
    return value  # type: ignore[no-any-return]
