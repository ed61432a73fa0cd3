from __future__ import annotations

import pytest

from tests.factories import IndicatorFactory


@pytest.fixture
def indicator_a(comune_a, plain_user):
    """An indicator of Comune A (Milano), owned by `plain_user`."""
    return IndicatorFactory(code="MI-1", comune=comune_a, owner=plain_user)


@pytest.fixture
def indicator_b(comune_b):
    """An indicator of Comune B (Rho)."""
    return IndicatorFactory(code="RHO-1", comune=comune_b)


@pytest.fixture
def indicator_all():
    """An indicator of the whole territory."""
    return IndicatorFactory(code="CMM-1")
