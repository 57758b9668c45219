"""The one place that turns the ``sicantik_s3_*`` settings into an S3 client.

Why one factory: the documents store, the audit anchors, the health probe, the
backup tool and the development stack all talk to the same bucket with the same
keys.  Five hand-built ``Minio(...)`` calls had drifted apart (which words mean
``secure``, which timeouts and retries apply); transport security — TLS,
certificate checks, a private CA for a remote endpoint — belongs here so that
changing it once changes it for every caller.

Callers choose only the transport policy that differs by use (a health probe
must fail fast and never retry; an upload retries a 5xx once; a long download
reads for a minute).  Nothing here imports Odoo.
"""

from dataclasses import dataclass

from . import settings as _settings

#: The settings an S3 client needs; all required.
REQUIRED = ("s3_endpoint", "s3_access_key", "s3_secret_key", "s3_bucket")

#: Answers that mean "the server is overloaded or failing": worth one retry.
RETRY_STATUSES = (500, 502, 503, 504)


class S3NotConfigured(ValueError):
    """A required ``sicantik_s3_*`` setting is missing."""


@dataclass(frozen=True)
class S3Config:
    """Where the bucket is and how to reach it; secrets come from the deployment."""

    endpoint: str
    access_key: str
    secret_key: str
    bucket: str
    secure: bool = False
    region: str | None = None
    #: Create missing buckets with S3 Object Lock (it can only be enabled at
    #: creation, and the audit anchors need it).
    object_lock: bool = False

    @classmethod
    def from_settings(cls, source):
        """Build from a :class:`~.settings.Settings`."""
        missing = [name for name in REQUIRED if not source.get(name)]
        if missing:
            raise S3NotConfigured(
                "S3 is not configured: missing "
                + ", ".join(_settings.PREFIX + name for name in missing)
            )
        return cls(
            endpoint=source.get("s3_endpoint"),
            access_key=source.get("s3_access_key"),
            secret_key=source.get("s3_secret_key"),
            bucket=source.get("s3_bucket"),
            secure=source.bool("s3_secure", False),
            region=source.get("s3_region") or None,
            object_lock=source.bool("s3_object_lock", False),
        )


def make_client(
    config,
    connect_timeout=5.0,
    read_timeout=60.0,
    retries=1,
    backoff=0.2,
    maxsize=10,
):
    """A ``minio.Minio`` client for ``config``.

    ``retries`` counts retries of refused connections and 5xx answers (0 for
    probes, which must report a failure at once).
    """
    from minio import Minio
    from urllib3 import PoolManager, Retry, Timeout

    http = PoolManager(
        timeout=Timeout(connect=connect_timeout, read=read_timeout),
        maxsize=maxsize,
        retries=Retry(
            total=retries, backoff_factor=backoff, status_forcelist=RETRY_STATUSES
        ),
    )
    return Minio(
        config.endpoint,
        access_key=config.access_key,
        secret_key=config.secret_key,
        secure=config.secure,
        region=config.region,
        http_client=http,
    )


def client_from_settings(source, **transport):
    """Shortcut: :func:`make_client` of :meth:`S3Config.from_settings`."""
    return make_client(S3Config.from_settings(source), **transport)


def bucket_ready(config, timeout=3):
    """Health check ``(ok, detail)``: the bucket answers and exists (fails
    fast: no retry, short timeouts)."""
    client = make_client(
        config, connect_timeout=timeout, read_timeout=timeout, retries=0
    )
    exists = client.bucket_exists(config.bucket)
    return exists, "bucket ready" if exists else "bucket missing"
