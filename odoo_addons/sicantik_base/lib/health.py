"""Reachability probes for the services SICANTIK Companion depends on.

Each probe answers within a few seconds even when the service hangs (health
checks are polled by Docker, nginx and monitoring; a probe that blocks would take
the health endpoint down with it) and returns a small dict that is safe to show
publicly: no URL with credentials, no exception traceback.
"""

import time
from urllib.parse import unquote, urlsplit

TIMEOUT = 3


def _result(ok, detail, started):
    return {
        "ok": bool(ok),
        "detail": detail,
        "latency_ms": round((time.monotonic() - started) * 1000, 1),
    }


def _error(exc):
    return f"{type(exc).__name__}: {str(exc).splitlines()[0][:200] if str(exc) else ''}"


def check_mysql(url, timeout=TIMEOUT):
    """Connect with the sync's credentials; report whether they can write.

    The companion must only ever read SICANTIK: a user with write privileges is
    reported as a failure even though the database answers.
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
        )
    except Exception as exc:
        return _result(False, _error(exc), started)
    try:
        with conn.cursor() as cur:
            cur.execute("SHOW GRANTS FOR CURRENT_USER()")
            grants = " ".join(row[0].upper() for row in cur.fetchall())
    finally:
        conn.close()
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
