from tests.search.fixtures import indexed  # noqa: F401 - fixture
