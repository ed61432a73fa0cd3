"""Production guards: no demo account on a production instance (refused at set-up, an error of `check
--deploy`), no DEBUG in production, the shared cache from CACHE_URL."""

from __future__ import annotations

import io
import sqlite3
import subprocess
from contextlib import closing

import pytest
from django.core import checks
from django.core.management import call_command
from django.core.management.base import CommandError, SystemCheckError
from django.db import connection

from decimetro.backoffice.management.commands.setup_data import Command as SetupData
from decimetro.core.demo import DEMO_USERNAMES
from decimetro.core.models import User
from tests.factories import UserFactory
from tests.processes import manage, process_env

PRODUCTION = {
    "DECIMETRO_ENV": "production",
    "SECRET_KEY": "x" * 20 + "a-long-random-production-secret-value-123",
    "ALLOWED_HOSTS": "decimetro.example.org",
}


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return manage(*args, env=process_env(**env))


def _demo_errors() -> list[checks.CheckMessage]:
    return [m for m in checks.run_checks(include_deployment_checks=True) if m.id == "decimetro.E001"]


# Demo accounts ---------------------------------------------------------------------------------------------


def test_check_deploy_reports_demo_accounts_in_production(settings, db):
    settings.PRODUCTION = True
    UserFactory(username="utente.vero")
    assert _demo_errors() == []

    UserFactory(username="redattore.milano")
    UserFactory(username="admin.ente", is_active=False)  # disabled, still there: still reported
    (error,) = _demo_errors()
    assert error.level == checks.ERROR
    assert "admin.ente, redattore.milano" in error.msg
    with pytest.raises(SystemCheckError, match=r"decimetro\.E001"):
        call_command("check", "--deploy", "--fail-level", "ERROR")

    settings.PRODUCTION = False  # development: the demo accounts are what `make run` is for
    assert _demo_errors() == []


def test_check_deploy_fails_on_a_production_database_with_a_demo_account(tmp_path, transactional_db):
    """The real command, as `make serve` and the web unit run it before starting: exit status 1."""
    database = tmp_path / "production.sqlite3"
    if connection.vendor == "sqlite":  # a migrated copy of the test database, without migrating again
        connection.ensure_connection()
        with closing(sqlite3.connect(database)) as copy:
            connection.connection.backup(copy)
    else:
        migrated = _manage("migrate", "--verbosity", "0", env={"DATABASE_URL": f"sqlite:///{database}"})
        assert migrated.returncode == 0, migrated.stderr[-2000:]
    env = {**PRODUCTION, "DATABASE_URL": f"sqlite:///{database}"}

    clean = _manage("check", "--deploy", "--fail-level", "ERROR", env=env)
    assert clean.returncode == 0, clean.stderr[-2000:]

    with closing(sqlite3.connect(database)) as db, db:
        db.execute(
            "INSERT INTO core_user (username, password, is_superuser, is_staff, is_active, first_name, "
            "last_name, email, date_joined) VALUES ('associazione', '!', 0, 0, 1, '', '', '', '2026-01-01')"
        )
    refused = _manage("check", "--deploy", "--fail-level", "ERROR", env=env)
    assert refused.returncode == 1
    assert "decimetro.E001" in refused.stderr
    assert "Account dimostrativi presenti in produzione: associazione." in refused.stderr


def test_demo_users_refuses_in_production(settings, territory):
    settings.PRODUCTION = True
    settings.DEBUG = True  # even so (settings refuse this pair at start; the command does not rely on it)
    with pytest.raises(CommandError, match="demo_users non gira in produzione"):
        call_command("demo_users")
    assert not User.objects.filter(username__in=DEMO_USERNAMES).exists()


def test_setup_data_creates_no_demo_account_in_production(settings, territory):
    """The step of `setup_data` after the data: demo accounts in development, a refusal in production."""
    call_command("organisations_setup", stdout=io.StringIO())
    settings.PRODUCTION = True
    settings.DEBUG = True
    out = io.StringIO()
    SetupData(stdout=out).demo_data()
    assert "Produzione: nessun account dimostrativo creato" in out.getvalue()
    assert not User.objects.exists()

    settings.PRODUCTION = False  # the same step in development creates them
    SetupData(stdout=out).demo_data()
    assert set(User.objects.values_list("username", flat=True)) >= {"admin.ente", "redattore.milano"}


# Settings --------------------------------------------------------------------------------------------------


def test_production_refuses_to_start_with_debug():
    for value in ("true", "1", "on"):
        result = _manage("check", env={**PRODUCTION, "DEBUG": value})
        assert result.returncode != 0
        assert "DEBUG must be off when DECIMETRO_ENV=production" in result.stderr
    assert _manage("check", env={**PRODUCTION, "DEBUG": "false"}).returncode == 0


def test_cache_url_selects_a_shared_redis_cache():
    show = (
        "from django.conf import settings as s; "
        "c = s.CACHES['default']; print(c['BACKEND'], c.get('LOCATION'))"
    )
    redis = _manage("shell", "-c", show, env={"CACHE_URL": "redis://cache.internal:6379/1"})
    assert redis.returncode == 0, redis.stderr[-2000:]
    assert redis.stdout.splitlines()[-1] == (
        "django.core.cache.backends.redis.RedisCache redis://cache.internal:6379/1"
    )
    default = _manage("shell", "-c", show, env={})
    assert default.stdout.splitlines()[-1].startswith("django.core.cache.backends.locmem.LocMemCache")
    wrong = _manage("check", env={"CACHE_URL": "memcached://cache.internal"})
    assert wrong.returncode != 0 and "CACHE_URL must start with redis://" in wrong.stderr
