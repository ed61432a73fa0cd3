#!/usr/bin/env python3
"""Benchmark: recall@1 and recall@3 of the objective suggestions on the hand-labelled set
(tests/linking/data/gold_objectives.csv, rules in tests/linking/data/README.md). Goal: recall@3 >= 0.9.

Prints three variants: the full ranking (text + declared component + crosswalk), without the crosswalk, and
text similarity alone. Needs a database with the plan, the bundled PNRR extract and the crosswalk:

    DATABASE_URL=sqlite:////tmp/bench.sqlite3 .venv/bin/python manage.py migrate
    DATABASE_URL=sqlite:////tmp/bench.sqlite3 .venv/bin/python manage.py setup_data
    DATABASE_URL=sqlite:////tmp/bench.sqlite3 .venv/bin/python bench/linking_recall.py [--misses]

Never run by the test suite.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "decimetro.settings")

if __name__ == "__main__":
    import django
    from django.core.management import call_command

    django.setup()
    call_command("linking_evaluate_objectives", *sys.argv[1:])
