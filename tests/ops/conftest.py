"""Operations tests: the production stack, backups, the production guards."""

from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "production_stack: starts gunicorn with the production settings on the test database (a few seconds; "
        'deselect with -m "not production_stack")',
    )
