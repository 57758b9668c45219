"""Plain-Python core of sicantik_bsre: nothing here imports Odoo.

The BSrE client, the QR/specimen stamp and the offline PDF validator talk to
the outside world (an HTTP API, image and PDF libraries); keeping them free of
the ORM lets them be tested against the real BSrE sandbox with plain pytest and
reused by the benchmark and command-line tools.
"""
