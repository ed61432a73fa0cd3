"""Production settings: `check --deploy` is clean, secrets come from the environment."""

from __future__ import annotations

import subprocess

from tests.processes import manage, process_env


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return manage(*args, env=process_env(**env))


def test_check_deploy_is_clean_in_production_settings(tmp_path):
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env={
            "DECIMETRO_ENV": "production",
            "SECRET_KEY": "x" * 20 + "a-long-random-production-secret-value-123",
            "ALLOWED_HOSTS": "decimetro.example.org",
            # A database of its own: the developer's var/ database has the demo accounts of `make run`, which
            # check --deploy reports as an error in production (tests/ops/test_production_guards.py).
            "DATABASE_URL": f"sqlite:///{tmp_path / 'production.sqlite3'}",
        },
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_secret_key():
    result = _manage("check", env={"DECIMETRO_ENV": "production", "ALLOWED_HOSTS": "decimetro.example.org"})
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_development_default_is_not_deploy_clean():
    """Guard against the production checks passing by accident: the dev defaults must be flagged."""
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env={"DECIMETRO_ENV": "development"})
    assert result.returncode != 0


def test_collectstatic_works_with_the_production_storage(tmp_path):
    """The manifest storage fails on a missing referenced file (e.g. a source map the vendor step dropped),
    and, when a page is rendered, on a `{% static %}` path that is not a collected file (e.g. a folder)."""
    env = {
        "DECIMETRO_ENV": "production",
        "SECRET_KEY": "x" * 20 + "a-long-random-production-secret-value-123",
        "ALLOWED_HOSTS": "decimetro.example.org",
        "STATIC_ROOT": str(tmp_path),
    }
    result = _manage("collectstatic", "--noinput", env=env)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    manifest = (tmp_path / "staticfiles.json").read_text()
    assert "vendor/bootstrap-italia/css/bootstrap-italia.min.css" in manifest
    assert "vendor/chartjs/chart.umd.min.js" in manifest
    # The base template of every page, rendered with the manifest: hashed names, no missing entry.
    render = "from django.template.loader import render_to_string; print(render_to_string('base.html'))"
    page = _manage("shell", "-c", render, env=env)
    assert page.returncode == 0, page.stderr[-2000:]
    assert "bootstrap-italia.min.css" not in page.stdout  # the hashed name is used
    # The fonts come from a collected stylesheet (no inline loader under the CSP), its font files hashed too.
    assert "/static/css/fonts." in page.stdout and "/static/css/fonts.css" not in page.stdout
    assert "vendor/bootstrap-italia/fonts/" in manifest
