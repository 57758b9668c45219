"""Build event rows the way the addon does, without Odoo."""

from datetime import datetime, timedelta

from sicantik_audit_lib import chain


def make_chain(count, start_sequence=0, start_hash=chain.GENESIS):
    """``count`` valid rows (``chain.ROW_FIELDS`` tuples) after ``start_*``."""
    rows = []
    prev = start_hash
    base = datetime(2026, 1, 1, 8, 0, 0, 123456)
    for i in range(count):
        seq = start_sequence + i + 1
        values = (
            seq,
            base + timedelta(seconds=i, microseconds=i),
            "user",
            2,
            "admin",
            "Administrator",
            None,
            "document.download",
            "sicantik.document",
            1000 + i,
            f"Downloaded document {i}",
            chain.details_json({"size": i, "name": "izin.pdf", "ratio": 0.5}),
            "10.0.0.7",
            "Mozilla/5.0",
        )
        digest = chain.event_hash(prev, chain.canonical(values))
        rows.append((*values, prev, digest))
        prev = digest
    return rows
