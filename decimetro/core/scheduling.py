"""Scheduled jobs, run by one entry point: `manage.py run_scheduled daily` (from cron or a systemd timer).

An app marks a task of its `tasks.py` with `@scheduled("daily")` (above `@task()`); `run_scheduled` imports
every app's `tasks` module and enqueues the tasks of the schedule (or runs them here with `--now`). Scheduled
tasks are idempotent, so running a schedule twice in a day is harmless (the reminders are sent once per due
date; the freshness check only reports).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.module_loading import autodiscover_modules

SCHEDULES = ("daily",)
_registry: dict[str, dict[str, Any]] = {name: {} for name in SCHEDULES}


def scheduled(schedule: str) -> Callable[[Any], Any]:
    if schedule not in _registry:
        raise ValueError(f"unknown schedule {schedule!r} (known: {', '.join(SCHEDULES)})")

    def register(task: Any) -> Any:
        _registry[schedule][task.module_path] = task
        return task

    return register


def scheduled_tasks(schedule: str) -> list[Any]:
    """The tasks of `schedule`, in the order of their module paths."""
    autodiscover_modules("tasks")
    return [task for _path, task in sorted(_registry[schedule].items())]
