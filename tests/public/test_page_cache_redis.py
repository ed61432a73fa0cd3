"""The page cache on a real Redis (`CACHE_URL=redis://…`: the cache app servers share), started by the test on
a free port. Skipped only when the `redis-server` binary is absent (Debian package `redis-server`, installed
by CI's .ci/run)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator

import pytest
import redis
from django.core.cache import cache
from django.test import Client

from decimetro.plan.models import Objective
from decimetro.plan.services import objective_update
from decimetro.public.pagecache import HEADER

REDIS_SERVER = shutil.which("redis-server")
URL = "/piano/obiettivi/M1.1/"

pytestmark = pytest.mark.skipif(
    REDIS_SERVER is None, reason="redis-server non installato (pacchetto Debian redis-server)"
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def redis_url(tmp_path) -> Iterator[str]:
    port = _free_port()
    assert REDIS_SERVER is not None
    server = subprocess.Popen(  # noqa: S603 - our own binary, fixed arguments
        [REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        client = redis.Redis(host="127.0.0.1", port=port)
        for _ in range(100):
            try:
                if client.ping():
                    break
            except redis.ConnectionError:
                time.sleep(0.05)
        else:
            pytest.fail("redis-server did not answer")
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture
def redis_page_cache(settings, redis_url):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_url}
    }
    settings.DECIMETRO_PAGE_CACHE_SECONDS = 60
    settings.DECIMETRO_MAP_CACHE_SECONDS = 60
    yield redis.Redis.from_url(redis_url)
    cache.clear()


def test_pages_are_shared_through_redis_and_fresh_after_a_change(plan, staff_user, redis_page_cache):
    first = Client().get(URL)
    assert first.status_code == 200 and first[HEADER] == "miss"
    assert redis_page_cache.keys("*decimetro:page:*")  # stored in Redis, not in this process
    second = Client().get(URL)  # another visitor (another app server would do the same)
    assert second[HEADER] == "hit" and second.content == first.content
    assert Client().get(URL, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304

    objective = Objective.objects.get(code="M1.1")
    objective_update(objective=objective, by=staff_user, title="Titolo da Redis", actors=objective.actors)
    after = Client().get(URL)
    assert after[HEADER] == "miss" and "Titolo da Redis" in after.content.decode()
