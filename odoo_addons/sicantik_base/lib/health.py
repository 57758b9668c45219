"""Reachability probes for the services SICANTIK Companion depends on.

Each probe answers within a few seconds even when the service hangs (health
checks are polled by Docker, nginx and monitoring; a probe that blocks would take
the health endpoint down with it) and returns a small dict that is safe to show
publicly: no URL with credentials, no exception traceback.
"""

import hashlib
import ipaddress
import json
import threading
import time
from urllib.parse import unquote, urlsplit

TIMEOUT = 3

#: Seconds a probe round is reused; anonymous requests never probe more often.
DEFAULT_CACHE_SECONDS = 30

#: Redis key prefix of the shared report and of the "one worker probes" lock.
CACHE_PREFIX = "sicantik:health:"


def _result(ok, detail, started):
    return {
        "ok": bool(ok),
        "detail": detail,
        "latency_ms": round((time.monotonic() - started) * 1000, 1),
    }


def _error(exc):
    return f"{type(exc).__name__}: {str(exc).splitlines()[0][:200] if str(exc) else ''}"


def check_mysql(url, timeout=TIMEOUT, tls_ca=None):
    """Connect with the sync's credentials; report whether they can write.

    The companion must only ever read SICANTIK: a user with write privileges is
    reported as a failure even though the database answers.  With ``tls_ca``
    the probe connects as the sync does (CA and host name verified) and a
    session without a cipher fails.
    """
    import pymysql

    started = time.monotonic()
    parts = urlsplit(url)
    try:
        conn = pymysql.connect(
            host=parts.hostname or "127.0.0.1",
            port=parts.port or 3306,
            user=unquote(parts.username or ""),
            password=unquote(parts.password or ""),
            database=parts.path.lstrip("/") or None,
            connect_timeout=timeout,
            read_timeout=timeout,
            ssl={"ca": tls_ca, "check_hostname": True} if tls_ca else None,
        )
    except Exception as exc:
        return _result(False, _error(exc), started)
    try:
        with conn.cursor() as cur:
            cur.execute("SHOW GRANTS FOR CURRENT_USER()")
            grants = " ".join(row[0].upper() for row in cur.fetchall())
            cur.execute("SHOW SESSION STATUS LIKE 'Ssl_cipher'")
            cipher = (cur.fetchone() or ("", ""))[1]
    finally:
        conn.close()
    if tls_ca and not cipher:
        return _result(False, "connected without TLS although TLS is required", started)
    writable = any(
        word in grants
        for word in ("ALL PRIVILEGES", "INSERT", "UPDATE", "DELETE", "DROP", "ALTER")
    )
    if writable:
        return _result(False, "connected, but the user can write", started)
    return _result(True, "connected, read-only user", started)


def check_s3(endpoint, access_key, secret_key, bucket, secure=False, timeout=TIMEOUT):
    from minio import Minio
    from urllib3 import PoolManager, Retry, Timeout

    started = time.monotonic()
    http = PoolManager(
        retries=Retry(total=0), timeout=Timeout(connect=timeout, read=timeout)
    )
    try:
        client = Minio(
            endpoint,
            access_key=access_key,
            secret_key=secret_key,
            secure=secure,
            http_client=http,
        )
        exists = client.bucket_exists(bucket)
    except Exception as exc:
        return _result(False, _error(exc), started)
    return _result(exists, "bucket ready" if exists else "bucket missing", started)


def check_redis(url, timeout=TIMEOUT):
    import redis

    started = time.monotonic()
    try:
        client = redis.Redis.from_url(
            url, socket_timeout=timeout, socket_connect_timeout=timeout
        )
        client.ping()
    except Exception as exc:
        return _result(False, _error(exc), started)
    return _result(True, "pong", started)


def check_http(url, timeout=TIMEOUT, verify=True):
    """Any HTTP answer below 500 means the server is there (auth is not checked)."""
    import requests

    started = time.monotonic()
    try:
        response = requests.get(url, timeout=timeout, verify=verify)
    except Exception as exc:
        return _result(False, _error(exc), started)
    return _result(response.status_code < 500, f"HTTP {response.status_code}", started)


def prometheus_text(metrics):
    """Render ``(name, kind, help, value, labels)`` tuples in Prometheus format."""
    lines = []
    seen = set()
    for name, kind, help_text, value, labels in metrics:
        if name not in seen:
            lines.append(f"# HELP {name} {help_text}")
            lines.append(f"# TYPE {name} {kind}")
            seen.add(name)
        label_text = ""
        if labels:
            inner = ",".join(
                '{}="{}"'.format(k, str(v).replace("\\", "\\\\").replace('"', '\\"'))
                for k, v in sorted(labels.items())
            )
            label_text = "{" + inner + "}"
        # repr() keeps every digit (":g" would print a lag of 1234567 s as
        # 1.23457e+06); integers stay integers.
        number = value if isinstance(value, int) else float(value)
        lines.append(f"{name}{label_text} {number!r}")
    return "\n".join(lines) + "\n"


def config_fingerprint(values):
    """Short digest of the service configuration a report was probed with.

    Part of the cache key, so that a changed endpoint is probed at once instead
    of reusing a report about the old one; the digest reveals no secret.
    """
    text = json.dumps(values, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def is_internal(addr, networks=None):
    """Whether ``addr`` may see the detailed report and the metrics.

    ``networks`` (CIDR strings separated by spaces or commas) narrows the
    default, which is every private, loopback or link-local address.
    """
    try:
        ip = ipaddress.ip_address(addr or "")
    except ValueError:
        return False
    if not networks:
        return ip.is_private
    for net in networks.replace(",", " ").split():
        try:
            if ip in ipaddress.ip_network(net.strip(), strict=False):
                return True
        except ValueError:
            continue
    return False


def _call(func, *args, **kwargs):
    """``(True, result)``, or ``(False, None)`` when Redis does not answer."""
    try:
        return True, func(*args, **kwargs)
    except Exception:
        return False, None


class ReportCache:
    """At most one probe round per ``ttl`` seconds, whatever the request rate.

    Why two tiers: ``/sicantik/health`` is anonymous, so each hit must not open
    a MySQL, S3, Redis and BSrE connection (a few requests per second would
    exhaust SICANTIK's connection limit).  Inside a process a lock makes
    concurrent requests wait for the one round in progress and then reuse it.
    Across the workers of a deployment Redis holds the last report and a
    ``SET NX`` lock, so only one worker probes per period and the others read
    its result.  Redis is itself one of the probed services: when it does not
    answer, each process falls back to its own cache, which still bounds the
    probes to one round per process and period.
    """

    def __init__(self, prefix=CACHE_PREFIX):
        self.prefix = prefix
        self._lock = threading.Lock()
        self._local = {}

    def _fresh(self, key, ttl):
        entry = self._local.get(key)
        if entry is not None and time.monotonic() - entry[0] < ttl:
            return entry[1]
        return None

    def get(self, key, compute, ttl, redis=None, wait=None):
        """The cached value of ``key``, computing it with ``compute()`` if stale.

        ``wait``: how long a worker waits for another worker's round before
        probing itself (default ``ttl``); ``compute``'s exceptions propagate.
        """
        value = self._fresh(key, ttl)
        if value is not None:
            return value
        with self._lock:
            value = self._fresh(key, ttl)
            if value is not None:
                return value
            if redis is not None:
                value = self._shared(key, compute, ttl, redis, wait or ttl)
            if value is None:
                value = compute()
            self._local[key] = (time.monotonic(), value)
            return value

    def _shared(self, key, compute, ttl, redis, wait):
        """The report from Redis, or computed by this worker under the Redis
        lock; ``None`` when Redis fails or another worker's round takes longer
        than ``wait`` (the caller then probes itself)."""
        data_key = self.prefix + key
        lock_key = data_key + ":probe"
        deadline = time.monotonic() + wait
        while True:
            ok, cached = _call(redis.get, data_key)
            if not ok:
                return None
            if cached is not None:
                return json.loads(cached)
            ok, locked = _call(redis.set, lock_key, "1", nx=True, ex=max(1, int(wait)))
            if not ok:
                return None
            if locked:
                try:
                    value = compute()
                finally:
                    _call(redis.delete, lock_key)
                text = json.dumps(value, default=str)
                _call(redis.set, data_key, text, ex=max(1, int(ttl)))
                return value
            if time.monotonic() >= deadline:
                return None
            time.sleep(0.05)

    def clear(self, redis=None, key_prefix=""):
        """Forget the reports whose key starts with ``key_prefix`` (here and,
        given ``redis``, for every worker): the next request probes."""
        with self._lock:
            for key in [k for k in self._local if k.startswith(key_prefix)]:
                del self._local[key]
            if redis is not None:
                for key in redis.scan_iter(self.prefix + key_prefix + "*"):
                    redis.delete(key)
