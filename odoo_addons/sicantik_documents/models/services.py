"""Build the plain-Python services (store, keyring, scanner) from the settings.

Why a module and not model methods: the objects are configuration-driven and
ORM-free; building them in one place keeps the setting names (documented in
readme/CONFIGURE.md) next to their defaults.  The store is cached per
configuration so that its connection pool is reused across cron batches and
downloads, and rebuilt when a test or an operator changes ``SICANTIK_S3_*``.
"""

import os
import threading
from datetime import timedelta

from odoo.addons.sicantik_base.lib import settings

from ..lib import crypto, scanner, store

_lock = threading.Lock()
_stores = {}


def get_store():
    """The :class:`~..lib.store.DocumentStore` for the current settings."""
    config = store.StoreConfig.from_settings(settings.SETTINGS)
    with _lock:
        cached = _stores.get(config)
        if cached is None:
            cached = _stores[config] = store.DocumentStore.from_settings(
                settings.SETTINGS, config
            )
        return cached


def get_keyring():
    return crypto.Keyring.from_settings(settings.SETTINGS)


def upload_root():
    """SICANTIK's upload folder, or ``None`` when unset or not mounted."""
    root = settings.get_path("upload_root")
    if not root:
        return None
    root = os.path.abspath(root)
    return root if os.path.isdir(root) else None


def max_size():
    return settings.get_int("doc_max_size_mb", 50) * 1024 * 1024


def batch_size(name, default):
    return max(1, settings.get_int(name, default))


def get_scanner(root, match=None):
    return scanner.Scanner(
        root,
        templates=scanner.parse_templates(settings.get("doc_path_templates")),
        max_size=max_size(),
        match=match,
    )


def orphan_grace():
    """Age below which an unreferenced object is left alone by the collector.

    An upload is in S3 before its transaction commits; the grace must exceed
    the longest transaction (an import batch, a slow wizard) by far, or the
    collector removes the object of a version that is about to be committed.
    """
    hours = max(0, settings.get_int("doc_orphan_grace_hours", 24))
    return timedelta(hours=hours)
