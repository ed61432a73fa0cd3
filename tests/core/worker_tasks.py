"""A task for the real-worker test (test_worker.py): it takes a while, and says when it starts and ends in a
file, so the test can kill its worker in the middle. Idempotent: a second run appends the same lines."""

from __future__ import annotations

import os
import time
from pathlib import Path

from django_tasks import task


@task()
def slow(marker: str, seconds: float) -> str:
    path = Path(marker)
    with open(path, "a", encoding="utf-8") as f:
        f.write(f"start {os.getpid()}\n")
    time.sleep(seconds)
    with open(path, "a", encoding="utf-8") as f:
        f.write(f"end {os.getpid()}\n")
    return "fatto"
