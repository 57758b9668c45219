"""A batch of checked rows as the text of ``COPY … FROM STDIN (FORMAT csv)``.

Why COPY: a batch of thousands of rows written as one ``INSERT … VALUES``
costs twice — in Python, where the driver adapts and escapes every value,
and in PostgreSQL, which parses one typed expression per value.  COPY hands
PostgreSQL the same rows as text it parses in C, and the csv module writes
that text in C as well; the set-based merge then reads a staging table.

NULL and the empty string must stay apart.  PostgreSQL reads an unquoted
empty CSV field as NULL and a quoted one (``""``) as ``''``.  With
``QUOTE_NONNUMERIC`` the csv module quotes every string and leaves numbers
bare, so :data:`NULL` — a "number" that prints as nothing — becomes a bare
empty field.  Booleans print as ``True``/``False``, which PostgreSQL reads;
dates and datetimes print in ISO form (the sync writes naive UTC).

This module imports no Odoo code.
"""

import csv
import io


class _Null:
    """What a ``None`` is written as: a bare, empty CSV field."""

    __slots__ = ()

    def __float__(self):  # makes the csv module treat it as a number (unquoted)
        return 0.0

    def __str__(self):
        return ""

    def __repr__(self):
        return "NULL"


NULL = _Null()


def csv_text(rows, columns):
    """The CSV text of ``rows`` (dicts), one line per row, fields in ``columns``.

    Raises ``ValueError`` for a text holding a NUL character, which
    PostgreSQL cannot store (the batch fails and is retried, like any
    write error; ``normalize.clean_text`` removes NULs from SICANTIK text).
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\n")
    writer.writerows(
        [[NULL if (v := row.get(c)) is None else v for c in columns] for row in rows]
    )
    text = buffer.getvalue()
    if "\x00" in text:
        raise ValueError("A SICANTIK value holds a NUL character")
    return text
