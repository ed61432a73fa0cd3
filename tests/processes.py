"""`manage.py` in a subprocess, as an operator runs it: the one place that says which variables of the test
process must not leak into it (pytest's own, the settings module, and the settings the tests choose)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Settings a subprocess test sets itself when it needs them: the suite's (e.g. CI's DATABASE_URL) stay out.
CHOSEN_BY_THE_TEST = {
    "SECRET_KEY",
    "DEBUG",
    "ALLOWED_HOSTS",
    "DATABASE_URL",
    "CACHE_URL",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
}


def process_env(**values: str) -> dict[str, str]:
    """This process's environment without pytest's variables, the settings module and the chosen settings,
    plus `values`."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in CHOSEN_BY_THE_TEST and not k.startswith(("PYTEST_", "DJANGO_SETTINGS"))
    }
    env.update(values)
    return env


def manage(*args: str, env: dict[str, str], timeout: float | None = None) -> subprocess.CompletedProcess[str]:
    """`manage.py ARGS` from the project's root with exactly `env` (build it with `process_env`)."""
    return subprocess.run(  # noqa: S603 - fixed arguments
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=timeout,
    )
