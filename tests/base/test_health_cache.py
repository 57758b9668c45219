"""The health report cache against a real Redis: probes stay bounded.

Each ``ReportCache`` instance stands for one Odoo worker process; they share
the Redis of the test harness (``SICANTIK_REDIS_URL``, default local Redis).
"""

import os
import socket
import threading
import time
import uuid

import pytest
import redis as redis_lib
from sicantik_base_lib.health import ReportCache, config_fingerprint, is_internal

REDIS_URL = os.environ.get("SICANTIK_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture()
def redis():
    client = redis_lib.Redis.from_url(REDIS_URL, socket_timeout=2)
    try:
        client.ping()
    except redis_lib.RedisError:
        pytest.skip("no Redis")
    prefix = f"sicantik:test-health:{uuid.uuid4().hex}:"
    yield client, prefix
    for key in client.scan_iter(prefix + "*"):
        client.delete(key)


def closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Probe:
    """Counts probe rounds; each takes a little time, like a real one."""

    def __init__(self, seconds=0.2):
        self.calls = 0
        self.seconds = seconds
        self._lock = threading.Lock()

    def __call__(self):
        with self._lock:
            self.calls += 1
        time.sleep(self.seconds)
        return {"status": "ok", "checks": {"redis": {"ok": True}}}


def flood(workers, probe, redis=None, threads=10, ttl=60):
    """``threads`` concurrent requests on each worker; every answer kept."""
    answers = []

    def hit(cache):
        answers.append(cache.get("db:abc", probe, ttl, redis=redis))

    pool = [
        threading.Thread(target=hit, args=(cache,))
        for cache in workers
        for _ in range(threads)
    ]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join(30)
    return answers


def test_one_worker_many_threads_one_probe():
    probe = Probe()
    answers = flood([ReportCache()], probe, threads=25)
    assert probe.calls == 1
    assert len(answers) == 25 and all(a["status"] == "ok" for a in answers)


def test_workers_share_one_probe_through_redis(redis):
    client, prefix = redis
    probe = Probe()
    workers = [ReportCache(prefix=prefix) for _ in range(4)]
    answers = flood(workers, probe, redis=client, threads=5)
    assert probe.calls == 1
    assert len(answers) == 20
    assert client.ttl(prefix + "db:abc") > 0  # expires: the next period probes again
    assert not client.exists(prefix + "db:abc:probe")  # lock released


def test_period_over_probes_again(redis):
    client, prefix = redis
    probe = Probe(seconds=0)
    cache = ReportCache(prefix=prefix)
    cache.get("db:abc", probe, 1, redis=client)
    cache.get("db:abc", probe, 1, redis=client)
    assert probe.calls == 1
    time.sleep(1.2)
    cache.get("db:abc", probe, 1, redis=client)
    assert probe.calls == 2


def test_redis_down_each_worker_still_bounded():
    """Redis is one of the probed services: when it is down the cache still
    holds, per process."""
    dead = redis_lib.Redis(port=closed_port(), socket_connect_timeout=0.5)
    probe = Probe(seconds=0)
    workers = [ReportCache(), ReportCache()]
    flood(workers, probe, redis=dead, threads=5)
    assert probe.calls == 2


def test_probe_failure_is_not_cached_and_releases_the_lock(redis):
    client, prefix = redis
    cache = ReportCache(prefix=prefix)

    def broken():
        raise RuntimeError("probe crashed")

    with pytest.raises(RuntimeError):
        cache.get("db:abc", broken, 60, redis=client)
    assert not client.exists(prefix + "db:abc:probe")
    probe = Probe(seconds=0)
    assert cache.get("db:abc", probe, 60, redis=client)["status"] == "ok"
    assert probe.calls == 1


def test_fingerprint_changes_with_configuration_and_hides_it():
    one = config_fingerprint({"mysql_url": "mysql://ro:s3cret@db/x"})
    two = config_fingerprint({"mysql_url": "mysql://ro:s3cret@db2/x"})
    assert one != two and "s3cret" not in one


@pytest.mark.parametrize(
    ("addr", "networks", "expected"),
    [
        ("10.1.2.3", None, True),
        ("127.0.0.1", None, True),
        ("8.8.8.8", None, False),
        ("not an address", None, False),
        ("127.0.0.1", "192.0.2.0/24", False),
        ("192.0.2.7", "192.0.2.0/24, 10.0.0.0/8", True),
        ("10.0.0.1", "bogus 10.0.0.0/8", True),
    ],
)
def test_is_internal(addr, networks, expected):
    assert is_internal(addr, networks) is expected


def test_clear_forgets_here_and_in_redis(redis):
    client, prefix = redis
    probe = Probe(seconds=0)
    cache = ReportCache(prefix=prefix)
    cache.get("db1:abc", probe, 60, redis=client)
    cache.get("db2:abc", probe, 60, redis=client)
    cache.clear(client, "db1:")
    assert not client.exists(prefix + "db1:abc")
    assert client.exists(prefix + "db2:abc")
    cache.get("db1:abc", probe, 60, redis=client)
    cache.get("db2:abc", probe, 60, redis=client)
    assert probe.calls == 3
