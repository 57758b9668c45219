"""One immutable version of one permit document, stored in S3.

Design notes (the "why"):

* **A record per version, never an edit.**  A permit PDF is evidence: once
  stored, the content fields of a version (:data:`CONTENT_FIELDS`) cannot be
  written through the ORM and the record cannot be deleted; a corrected or
  re-signed PDF is a new version with the next number.  The S3 key names the
  SICANTIK permit id, this record's id, the version and the SHA-256, and the
  store refuses to overwrite a key.
* **Bytes never in PostgreSQL.**  A record is created first (state
  ``pending_upload``, hash and source path only) so that its id can go into the
  key, then the file is streamed to S3.  When S3 is down the record simply
  stays ``pending_upload``: files of the upload folder are re-read from the
  read-only folder by the retry cron, wizard uploads wait in a temporary
  attachment (the filestore, not the database) that is removed once stored.
  The Odoo transaction never depends on S3 answering, and nothing is lost.
* **Encryption of every new version.**  Originals carry the holder's NIK and
  address just like signed versions, so every new version is encrypted
  (``lib/crypto.py``) before upload; the key id is kept on the record (and in
  the object header) so keys can rotate.  Objects stored in plaintext before
  this rule (``encrypted`` false) are still read, checked and served as such.
* **No field of a version is writable from outside.**  ``call_kw`` lets any
  user who can read the model call ``create``/``write`` with any values and
  any context, so ``state``, the hashes, the key, the kind... could be
  forged.  :data:`PROTECTED_FIELDS` are only written inside
  :meth:`_write_internal`/:meth:`_create_internal`, which set a Python-level
  switch (a :class:`contextvars.ContextVar`) that no RPC argument or context
  key can reach; everything else, ``sudo()`` included, is refused.
* **Signed versions only from the signing service.**  ``signed``/``resigned``
  versions are created by the signing code path (``origin="signing"``), never
  by an upload.
* **Integrity.**  ``object_sha256``/``object_size`` describe the bytes *at rest*
  (the ciphertext for encrypted versions), so the integrity cron can re-hash
  objects without any key; ``sha256`` is the hash of the document itself.
"""

import contextlib
import contextvars
import io
import logging
import os
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError

from odoo.addons.sicantik_base.guards import guard

from ..lib import crypto, store, upload
from . import services

_logger = logging.getLogger(__name__)

#: Fields that define a stored version; frozen once the state leaves
#: ``pending_upload``.
CONTENT_FIELDS = frozenset(
    {
        "permit_id",
        "kind",
        "version",
        "object_key",
        "size",
        "sha256",
        "mimetype",
        "filename",
        "source_path",
        "encrypted",
        "key_id",
        "object_size",
        "object_sha256",
    }
)
#: Every field this module defines: written by our own code paths only.
PROTECTED_FIELDS = CONTENT_FIELDS | frozenset(
    {
        "name",
        "state",
        "origin",
        "source_mtime",
        "uploaded_by_id",
        "uploaded_at",
        "upload_attempts",
        "next_retry_at",
        "last_error",
        "temp_attachment_id",
        "checked_at",
    }
)
#: Kinds only the signing service may create.
SIGNED_KINDS = ("signed", "resigned")
#: Longest wait between two upload attempts of one document.
MAX_BACKOFF = timedelta(hours=6)
#: Officers and officials work in Bahasa Indonesia: stored names use it.
OFFICE_LANG = "id_ID"


#: True only inside :func:`_internal_writes`; a ContextVar, not a context
#: key, because RPC callers choose the context but cannot touch this.
_INTERNAL = contextvars.ContextVar("sicantik_documents_internal", default=False)


class FolderUnavailable(Exception):
    """SICANTIK's upload folder is not mounted right now (retry later)."""


@contextlib.contextmanager
def _internal_writes():
    token = _INTERNAL.set(True)
    try:
        yield
    finally:
        _INTERNAL.reset(token)


class SicantikDocument(models.Model):
    _name = "sicantik.document"
    _description = "SICANTIK Permit Document Version"
    _order = "permit_id, kind, version desc"
    _rec_names_search = ["name", "filename", "sha256"]

    name = fields.Char(compute="_compute_name", store=True, index="trigram")
    permit_id = fields.Many2one(
        "sicantik.permit",
        string="Permit",
        required=True,
        readonly=True,
        ondelete="restrict",
        index=True,
    )
    kind = fields.Selection(
        [
            ("original", "Original"),
            ("signed", "Signed"),
            ("resigned", "Re-signed"),
            ("attachment", "Attachment"),
        ],
        required=True,
        readonly=True,
        default="original",
    )
    version = fields.Integer(required=True, readonly=True, default=1)
    state = fields.Selection(
        [
            ("pending_upload", "Pending Upload"),
            ("stored", "Stored"),
            ("missing", "Missing"),
            ("altered", "Altered"),
            ("quarantined", "Quarantined"),
        ],
        required=True,
        readonly=True,
        default="pending_upload",
        index=True,
    )
    filename = fields.Char(readonly=True)
    mimetype = fields.Char(string="MIME Type", readonly=True, default="application/pdf")
    size = fields.Integer(string="Size (bytes)", readonly=True)
    sha256 = fields.Char(string="SHA-256", readonly=True, index=True, size=64)
    # indexed for the orphan collector, which looks keys up by the thousand
    object_key = fields.Char(string="Object Key", readonly=True, copy=False, index=True)
    object_size = fields.Integer(string="Stored Size (bytes)", readonly=True)
    object_sha256 = fields.Char(string="Stored SHA-256", readonly=True, size=64)
    encrypted = fields.Boolean(readonly=True)
    key_id = fields.Char(string="Key ID", readonly=True)
    origin = fields.Selection(
        [
            ("folder", "Upload Folder"),
            ("upload", "Manual Upload"),
            ("signing", "Signing Service"),
        ],
        required=True,
        readonly=True,
        default="folder",
    )
    source_path = fields.Char(string="Source Path", readonly=True, index=True)
    source_mtime = fields.Float(string="Source Modified (epoch)", readonly=True)
    uploaded_by_id = fields.Many2one(
        "res.users", string="Uploaded By", readonly=True, default=lambda s: s.env.user
    )
    uploaded_at = fields.Datetime(string="Uploaded On", readonly=True)
    upload_attempts = fields.Integer(readonly=True)
    next_retry_at = fields.Datetime(string="Next Upload Attempt", readonly=True)
    last_error = fields.Char(readonly=True)
    temp_attachment_id = fields.Many2one(
        "ir.attachment", string="Waiting Upload", readonly=True, ondelete="set null"
    )
    checked_at = fields.Datetime(string="Last Integrity Check", readonly=True)
    size_human = fields.Char(string="Size", compute="_compute_size_human")

    _sql_constraints = [
        (
            "permit_kind_version_uniq",
            "unique(permit_id, kind, version)",
            "A permit has one document per kind and version number.",
        )
    ]

    @api.depends("permit_id.name", "kind", "version")
    def _compute_name(self):
        # Stored, so computed once for every reader: in the office's language
        # (Bahasa Indonesia when installed), not in that of whoever - often a
        # cron running in English - happened to create the version.
        lang = self.env["res.lang"]._get_code(OFFICE_LANG) or self.env.lang
        labels = dict(
            self._fields["kind"]._description_selection(
                self.with_context(lang=lang).env
            )
        )
        for doc in self:
            doc.name = f"{doc.permit_id.name or ''} {labels.get(doc.kind, '')} " + (
                f"v{doc.version}"
            )

    @api.depends("size")
    def _compute_size_human(self):
        for doc in self:
            size = float(doc.size or 0)
            for unit in ("B", "KB", "MB", "GB"):
                if size < 1024 or unit == "GB":
                    doc.size_human = (
                        f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
                    )
                    break
                size /= 1024

    # ------------------------------------------------------------ immutability
    @api.model_create_multi
    def create(self, vals_list):
        """Refused from outside: a version is made by our own code paths.

        An empty batch creates nothing and is answered as Odoo answers it
        (generic code, imports and uninstall rely on that), after the usual
        access check.
        """
        if not vals_list:
            self.check_access("create")
            return self.browse()
        if not _INTERNAL.get():
            raise AccessError(
                _(
                    "Document versions are only created by the folder import, "
                    "the upload wizard and the signing service."
                )
            )
        return super().create(vals_list)

    def write(self, vals):
        protected = PROTECTED_FIELDS.intersection(vals)
        if protected and not _INTERNAL.get():
            raise AccessError(
                _(
                    "These fields of a document version are managed by the "
                    "system and cannot be written: %(fields)s",
                    fields=", ".join(sorted(protected)),
                )
            )
        frozen = CONTENT_FIELDS.intersection(vals)
        if frozen:
            locked = self.filtered(lambda d: d.state != "pending_upload")
            if locked:
                raise UserError(
                    _(
                        "Document %(name)s is stored and cannot be changed "
                        "(%(fields)s). Upload a new version instead.",
                        name=locked[0].display_name,
                        fields=", ".join(sorted(frozen)),
                    )
                )
        return super().write(vals)

    def _write_internal(self, vals):
        """The one way our code writes :data:`PROTECTED_FIELDS`."""
        with _internal_writes():
            return self.sudo().write(vals)

    @api.model
    def _create_internal(self, vals_list):
        """The one way our code creates versions (still ``pending_upload``)."""
        with _internal_writes():
            return self.sudo().create(vals_list)

    @api.ondelete(at_uninstall=False)
    def _unlink_only_pending(self):
        if self.filtered(lambda d: d.state != "pending_upload"):
            raise UserError(
                _("Stored document versions are evidence and cannot be deleted.")
            )

    # ---------------------------------------------------------- new versions
    @api.model
    def _next_versions(self, permit_ids, kind):
        """Next version number of ``kind`` per permit id, in one query."""
        permit_ids = set(permit_ids)
        self.flush_model(["permit_id", "kind", "version"])
        self.env.cr.execute(
            "SELECT permit_id, MAX(version) FROM sicantik_document"
            " WHERE permit_id = ANY(%s) AND kind = %s GROUP BY permit_id",
            [list(permit_ids), kind],
        )
        current = dict(self.env.cr.fetchall())
        return {pid: current.get(pid, 0) + 1 for pid in permit_ids}

    @api.model
    def _create_version(
        self,
        permit,
        kind,
        opener,
        sha256,
        size,
        filename,
        origin,
        source_path=False,
        source_mtime=0.0,
        fallback_bytes=None,
        s3_state=None,
    ):
        """Create the next version of ``kind`` for ``permit`` and store it.

        ``opener()`` returns a new readable file object on the content (called
        again by the retry cron for folder files).  ``fallback_bytes`` is kept
        in a temporary attachment when S3 cannot take the file now (wizard
        uploads, whose source is gone after the request).  ``s3_state`` is a
        dict shared across one batch: once S3 is known to be down, later
        files go straight to ``pending_upload`` instead of each waiting for a
        timeout.  Returns the new record; raises
        :class:`~..lib.store.IntegrityError`/:class:`~..lib.store.SourceError`
        when the source changed or vanished while it was read (the caller rolls
        the record back).  ``signed``/``resigned`` versions need
        ``origin="signing"``: the signing service (sicantik_bsre's
        ``_store_signed``) is their only source.
        """
        if kind in SIGNED_KINDS and origin != "signing":
            raise AccessError(
                _("Signed versions are stored by the signing service only.")
            )
        doc = self._create_internal(
            {
                "permit_id": permit.id,
                "kind": kind,
                "version": self._next_versions([permit.id], kind)[permit.id],
                "sha256": sha256,
                "size": size,
                "filename": filename,
                "origin": origin,
                "source_path": source_path,
                "source_mtime": source_mtime,
                "uploaded_by_id": self.env.uid,
            }
        )
        stored = doc._upload(opener, s3_state=s3_state)
        if not stored and fallback_bytes is not None:
            attachment = (
                self.env["ir.attachment"]
                .sudo()
                .create(
                    {
                        "name": f"pending-upload-{doc.id}.pdf",
                        "raw": fallback_bytes,
                        "res_model": self._name,
                        "res_id": doc.id,
                        "mimetype": "application/pdf",
                    }
                )
            )
            doc._write_internal({"temp_attachment_id": attachment.id})
        return doc

    def _backoff(self):
        """Exponential: 1, 2, 4 … minutes after each failure, at most 6 hours."""
        self.ensure_one()
        delay = timedelta(minutes=2 ** min(self.upload_attempts, 12))
        return fields.Datetime.now() + min(delay, MAX_BACKOFF)

    def _object_target(self):
        """The object key and S3 metadata of this version."""
        self.ensure_one()
        key = store.object_key(
            self.permit_id.sicantik_id, self.id, self.version, self.sha256
        )
        metadata = {
            "sicantik-permit": str(self.permit_id.sicantik_id),
            "sicantik-document": str(self.id),
            "sicantik-version": str(self.version),
            "sicantik-kind": self.kind,
            "sicantik-sha256": self.sha256,
        }
        return key, metadata

    def _mark_stored(self, res, key_id=False):
        """Record a finished upload (content fields and state in one write)."""
        self.ensure_one()
        now = fields.Datetime.now()
        # allowed because the record is still pending at this point
        self._write_internal(
            {
                "state": "stored",
                "object_key": res.key,
                "object_size": res.size,
                "object_sha256": res.sha256,
                "encrypted": bool(key_id),
                "key_id": key_id,
                "uploaded_at": now,
                "checked_at": now,
                "last_error": False,
                "next_retry_at": False,
            }
        )
        self._sicantik_after_version_stored(self)

    @api.model
    def _sicantik_after_version_stored(self, version):
        """Extension point: ``version`` (one ``sicantik.document``) is now in S3.

        Called for every kind (original, signed, resigned) and every path
        (direct upload, parallel import, retry cron, adoption of an object a
        crashed attempt left), right after the record became ``stored``, in
        the transaction that records it: a follower's work commits with the
        version or not at all.  Followers override it, call ``super()`` and
        only *trigger* their cron (``cron._trigger()``): an import stores
        hundreds of versions per batch.  Used by sicantik_bsre (automatic
        signature requests).
        """
        return None

    def _upload_item(self, opener):
        """This pending version as an upload for :mod:`..lib.upload`."""
        self.ensure_one()
        key, metadata = self._object_target()
        return upload.Upload(key, metadata, self.sha256, opener)

    @api.model
    def _upload_run(self, down=None):
        """A run of uploads on the configured S3 and keyring."""
        return upload.Run(services.get_store, services.get_keyring, down=down)

    def _apply_outcome(self, outcome):
        """Turn an upload outcome into this record's state; True when stored."""
        self.ensure_one()
        if outcome.status == upload.STORED:
            self._mark_stored(outcome.result, outcome.key_id)
            return True
        if outcome.status == upload.PENDING:
            self._postpone(outcome.error)
        return False

    def _upload(self, opener, s3_state=None):
        """Stream the content to S3; return True when stored.

        Keeps the record ``pending_upload`` (with the error and the next
        attempt) when S3 is unavailable or refuses the write; raises source
        errors (file changed, vanished, unreadable) for the caller (see
        :meth:`_create_version`).  ``s3_state["down"]`` carries an outage
        across the records of one batch.
        """
        self.ensure_one()
        s3_state = {} if s3_state is None else s3_state
        run = self._upload_run(down=s3_state.get("down"))
        outcome = upload.upload(run, self._upload_item(opener))
        if run.down:
            s3_state["down"] = run.down
        if outcome.status == upload.SOURCE:
            raise outcome.error
        return self._apply_outcome(outcome)

    def _upload_parallel(self, openers, workers=4):
        """Encrypt and upload many pending versions at once.

        Threads (in :func:`..lib.upload.upload_many`) do S3 and file I/O
        only; every ORM write happens here, in the calling thread, after they
        finished.  Returns ``{doc: "stored" | "pending" | exception}`` where
        the exception is a source problem (file changed or vanished) that the
        caller turns into a quarantine entry.
        """
        docs = list(openers)
        items = [doc._upload_item(openers[doc]) for doc in docs]
        outcomes = upload.upload_many(self._upload_run(), items, workers=workers)
        result = {}
        for doc, outcome in zip(docs, outcomes, strict=True):
            if outcome.status == upload.SOURCE:
                result[doc] = outcome.error
            else:
                result[doc] = "stored" if doc._apply_outcome(outcome) else "pending"
        return result

    def _postpone(self, error):
        self.ensure_one()
        self._write_internal(
            {
                "upload_attempts": self.upload_attempts + 1,
                "next_retry_at": self._backoff(),
                "last_error": (error or "")[:500],
            }
        )

    # ------------------------------------------------------------- retrying
    def _opener(self):
        """A callable opening this pending document's content again."""
        self.ensure_one()
        if self.temp_attachment_id:
            att = self.temp_attachment_id.sudo()
            if att.store_fname:
                path = att._full_path(att.store_fname)
                return lambda: open(path, "rb")  # noqa: SIM115
            data = att.raw or b""
            return lambda: io.BytesIO(data)
        root = services.upload_root()
        if not self.source_path:
            raise store.SourceError(_("The source of this document is not available."))
        if not root:
            # an unmounted folder is an outage, not a lost file: retry later
            raise FolderUnavailable(_("The upload folder is not mounted."))
        real = services.get_scanner(root).resolve(self.source_path)
        return lambda: open(real, "rb")  # noqa: SIM115

    def _retry_upload(self, s3_state):
        """One more attempt; a vanished or changed source marks it missing."""
        self.ensure_one()
        try:
            with self.env.cr.savepoint():
                stored = self._upload(self._opener(), s3_state=s3_state)
        except FolderUnavailable as exc:
            self._postpone(str(exc))
            return False
        except (store.IntegrityError, store.SourceError, OSError, ValueError) as exc:
            self._write_internal(
                {
                    "state": "missing",
                    "last_error": _(
                        "The source changed or disappeared before it could be "
                        "stored (%(error)s); a changed folder file is imported "
                        "again as a new version.",
                        error=str(exc)[:300],
                    ),
                    "next_retry_at": False,
                }
            )
            return False
        if stored and self.temp_attachment_id:
            attachment = self.temp_attachment_id
            self._write_internal({"temp_attachment_id": False})
            attachment.sudo().unlink()
        return stored

    @api.model
    def _cron_retry_uploads(self):
        """Retry due ``pending_upload`` documents, one bounded batch per call."""
        limit = services.batch_size("doc_retry_batch", 50)
        now = fields.Datetime.now()
        domain = [("state", "=", "pending_upload"), ("next_retry_at", "<=", now)]
        docs = self.sudo().search(domain, order="next_retry_at, id", limit=limit)
        s3_state = {}
        done = stored = 0
        for doc in docs:
            done += 1
            stored += bool(doc._retry_upload(s3_state))
            if s3_state.get("down"):
                # S3 is down: postpone every other due document at once
                # rather than letting the scheduler loop through them now
                rest = self.sudo().search(domain + [("id", "not in", docs[:done].ids)])
                for other in rest:
                    other._postpone(s3_state["down"])
                break
        remaining = 0 if s3_state.get("down") else self.sudo().search_count(domain)
        if stored:
            self.env["sicantik.audit.event"].log(
                "document.import",
                summary=f"{stored} pending document(s) stored after retry",
                record=docs.filtered(lambda d: d.state == "stored"),
            )
        self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)
        return {"done": done, "stored": stored, "remaining": remaining}

    # ------------------------------------------------------------ integrity
    def _check_integrity(self):
        """Re-hash the stored objects of ``self``; flag missing/altered ones.

        Returns the records whose state changed.  Raises
        :class:`~..lib.store.StoreUnavailable` untouched: an unreachable S3 says
        nothing about the objects.
        """
        doc_store = services.get_store()
        changed = self.browse()
        for doc in self:
            if not doc.object_key:
                continue
            info = doc_store.stat(doc.object_key)
            if info is None:
                new_state = "missing"
            else:
                try:
                    sha, size = doc_store.hash_object(doc.object_key)
                except store.ObjectMissing:
                    sha, size = None, None
                new_state = (
                    "missing"
                    if sha is None
                    else (
                        "stored"
                        if (sha, size) == (doc.object_sha256, doc.object_size)
                        else "altered"
                    )
                )
            values = {"checked_at": fields.Datetime.now()}
            if new_state != doc.state and doc.state != "quarantined":
                values["state"] = new_state
                changed |= doc
            doc._write_internal(values)
        for doc in changed:
            self.env["sicantik.audit.event"].log(
                "document.integrity",
                summary=f"{doc.display_name}: {doc.state}",
                record=doc,
                details={"object_key": doc.object_key, "state": doc.state},
            )
        return changed

    @api.model
    def _integrity_domain(self):
        days = services.batch_size("doc_integrity_days", 7)
        cutoff = fields.Datetime.now() - timedelta(days=days)
        return [
            ("state", "in", ("stored", "missing", "altered")),
            "|",
            ("checked_at", "=", False),
            ("checked_at", "<", cutoff),
        ]

    @api.model
    def _cron_check_integrity(self):
        """Re-hash objects not checked for ``doc_integrity_days`` days."""
        limit = services.batch_size("doc_integrity_batch", 100)
        docs = self.sudo().search(
            self._integrity_domain(),
            order="checked_at asc nulls first, id",
            limit=limit,
        )
        try:
            changed = docs._check_integrity()
        except store.StoreUnavailable as exc:
            _logger.warning("integrity check postponed: %s", exc)
            self.env["ir.cron"]._notify_progress(done=0, remaining=0)
            return {"done": 0, "changed": 0, "remaining": 0}
        remaining = self.sudo().search_count(self._integrity_domain())
        self.env["ir.cron"]._notify_progress(done=len(docs), remaining=remaining)
        return {"done": len(docs), "changed": len(changed), "remaining": remaining}

    # ------------------------------------------------------------- reading
    def _check_downloadable(self):
        self.ensure_one()
        if self.state != "stored" or not self.object_key:
            raise UserError(
                _(
                    "Document %(name)s cannot be downloaded: it is %(state)s.",
                    name=self.display_name,
                    state=dict(
                        self._fields["state"]._description_selection(self.env)
                    ).get(self.state),
                )
            )

    def _stream(self):
        """Generator of the document's plaintext bytes, verified on the way.

        Uses no cursor, so an HTTP response can consume it after the request's
        transaction is closed.
        """
        self.ensure_one()
        self._check_downloadable()
        doc_store = services.get_store()
        chunks = doc_store.iter_chunks(
            self.object_key, expected_sha256=self.object_sha256
        )
        if self.encrypted:
            return crypto.decrypt_chunks(chunks, services.get_keyring())
        return chunks

    def _download_filename(self):
        self.ensure_one()
        base = os.path.splitext(self.filename or "")[0] or (self.permit_id.name or "")
        return f"{base} v{self.version}.pdf"

    @guard("petugas", "auditor")
    def action_download(self):
        """A link to the controller, which checks access and audits."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_url",
            "url": f"/sicantik/document/{self.id}/download",
            "target": "self",
        }

    @guard("petugas", "auditor")
    def action_preview(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_url",
            "url": f"/sicantik/document/{self.id}/download?inline=1",
            "target": "new",
        }

    def _check_readable(self):
        """Buttons write in superuser mode: only on versions the caller sees."""
        self.check_access("read")

    @guard("admin")
    def action_check_integrity(self):
        self._check_readable()
        changed = self._check_integrity()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": _("Integrity check"),
                "message": _(
                    "%(count)s document(s) checked, %(changed)s changed state.",
                    count=len(self),
                    changed=len(changed),
                ),
                "type": "warning" if changed else "success",
            },
        }

    @guard("admin")
    def action_quarantine(self):
        """Take versions out of circulation (suspected forgery, wrong file)."""
        self._check_readable()
        for doc in self:
            doc._write_internal({"state": "quarantined"})
            self.env["sicantik.audit.event"].log(
                "document.quarantine",
                summary=f"{doc.display_name} quarantined by an administrator",
                record=doc,
            )
        return True

    @guard("admin")
    def action_retry_upload(self):
        self._check_readable()
        s3_state = {}
        for doc in self.filtered(lambda d: d.state == "pending_upload"):
            doc._retry_upload(s3_state)
        return True
