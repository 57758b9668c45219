"""Plain-Python core of sicantik_documents: S3 store, streaming encryption, the
upload engine and the upload-folder scanner.

Nothing here imports Odoo: these modules talk to the outside world (an S3
server, the SICANTIK upload folder) and are tested against the real thing with
pytest, while the models only orchestrate them.  Configuration is passed in as a
``get(name, default)`` callable (``sicantik_base.lib.settings.get`` inside Odoo,
the environment in tests and benchmarks).
"""
