"""Real PAdES signing and validation with pyHanko, for the BSrE sandbox.

Why real signatures: the point of the sandbox is to let our client code meet
the same bytes it will meet in production. A fake "signed" PDF would let bugs
through in exactly the places that matter (incremental-update handling, hash
checks, offline validation, the QR stamp position). So every successful sign
call returns a PAdES-BASELINE-T signature (CMS over the byte range, signer
certificate chained to the sandbox root, RFC 3161 signature timestamp from
the sandbox TSA), and the verify endpoints run pyHanko's validator on what
they receive instead of looking the file up in a table.

Errors that the Esign Client reports as iText parser failures are raised as
:class:`SigningInputError` with the same wording (``com.itextpdf...``)
because integrators match on it (docs/reference/bsre.md#error-bodies).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import itertools
import logging
import multiprocessing
import os
import sys
import threading
import time
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import qrcode
from asn1crypto import algos, cms, core, tsp
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from PIL import Image
from pyhanko import stamp
from pyhanko.pdf_utils import images, layout
from pyhanko.pdf_utils.crypt import AuthStatus
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.attributes import CMSAttributeProvider, SigningCertificateV2Provider
from pyhanko.sign.general import (
    as_signing_certificate,
    as_signing_certificate_v2,
    get_pyca_cryptography_hash,
    simple_cms_attribute,
)
from pyhanko.sign.timestamps.api import TimeStamper
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

from .pki import Identity, SandboxPKI

# Pillow registers its image plugins lazily, on the first Image.open(), and
# that registration is not thread-safe: two signing requests with a visible
# image arriving together on a fresh process could see a half-filled registry
# and fail with "cannot identify image file" (a 400 to the client). Register
# them once, at import, before the server starts its threads.
Image.init()

# pyHanko imports its XMP module (optional: it needs ``defusedxml``, which is
# not installed here) inside the PDF writer, on every document written; a
# failed import is not cached by Python, so each signature paid for two
# searches of sys.path (~1-2 ms). Without the module pyHanko writes only the
# Info dictionary either way; recording the miss keeps that behaviour, cheap.
try:
    import pyhanko.pdf_utils.metadata.xmp_xml  # noqa: F401
except ImportError:
    sys.modules.setdefault("pyhanko.pdf_utils.metadata.xmp_xml", None)

_log = logging.getLogger(__name__)

ITEXT_INVALID = "com.itextpdf.text.exceptions.InvalidPdfException"
SIGNATURE_RESERVED_BYTES = 16384


class SigningInputError(ValueError):
    """The request is well formed but the document/appearance can't be used.

    ``str(exc)`` is the text that goes after ``Proses signing gagal : ``.
    """


@dataclass
class Appearance:
    """Where and what to draw for a visible signature.

    ``page`` is 1-based, or ``"first"``/``"last"`` (v1 ``halaman``). With
    ``origin="bottom-left"`` (v1) ``x, y`` is the box's lower-left corner; with
    ``"top-left"`` (v2 ``originX/originY``) it is the box's upper-left corner
    measured from the page's top edge. ``tag`` replaces page/x/y: the box is
    centred on the first occurrence of that character in the page text.
    """

    image: Image.Image
    width: float
    height: float
    page: int | str | None = None
    x: float = 0.0
    y: float = 0.0
    origin: str = "bottom-left"
    tag: str | None = None


@dataclass
class SignatureReport:
    """Everything both verify shapes need about one embedded signature."""

    field_name: str
    intact: bool
    valid: bool
    trusted: bool
    integrity_ok: bool
    signer_cert: asn1_x509.Certificate | None
    chain: list[asn1_x509.Certificate] = field(default_factory=list)
    reason: str | None = None
    location: str | None = None
    signing_time: dt.datetime | None = None
    timestamp_time: dt.datetime | None = None
    tsa_cert: asn1_x509.Certificate | None = None
    signature_value: bytes = b""
    document_digest: bytes = b""
    md_algorithm: str | None = None
    signature_algorithm: str | None = None
    docmdp_level: int = 0
    error: str | None = None


# ---------------------------------------------------------------------------
# images


def render_qr(link: str) -> Image.Image:
    """The QR image the sandbox stamps for v1 ``linkQR``.

    Medium error correction, a 2-module quiet zone and 8 pixels per module:
    big enough that a viewer which smooths upscaled images still renders crisp
    modules, small enough to keep the signed file light. Tests call this to
    compare the stamped pixels with the expected code.
    """
    qr = qrcode.QRCode(
        error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=8, border=2
    )
    qr.add_data(link)
    qr.make(fit=True)
    return (
        qr.make_image(fill_color="black", back_color="white").get_image().convert("L")
    )


def load_specimen(data: bytes) -> Image.Image:
    """Open a JPG/PNG specimen image (docs/reference/bsre.md#sign-v1)."""
    try:
        img = Image.open(io.BytesIO(data))
        img.load()
    except Exception as exc:  # Pillow raises several unrelated types
        raise SigningInputError("imageTTD bukan gambar JPG/PNG yang valid") from exc
    if img.format not in ("JPEG", "PNG"):
        raise SigningInputError(
            f"format gambar {img.format} tidak didukung (gunakan JPG/PNG)"
        )
    if img.mode not in ("RGB", "RGBA", "L", "LA"):
        img = img.convert("RGBA" if "transparency" in img.info else "RGB")
    return img


# ---------------------------------------------------------------------------
# PDF helpers


def _check_magic(data: bytes) -> None:
    if not data or b"%PDF-" not in data[:1024]:
        raise SigningInputError(f"{ITEXT_INVALID}: PDF header signature not found.")


def _open_writer(data: bytes, pdf_password: str | None) -> IncrementalPdfFileWriter:
    _check_magic(data)
    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
        if writer.prev.encrypted:
            if not pdf_password:
                raise SigningInputError(
                    "Dokumen PDF terproteksi password (isi pdfPassword)"
                )
            auth = writer.encrypt(pdf_password)
            if auth.status == AuthStatus.FAILED:
                raise SigningInputError("pdfPassword salah, dokumen tidak dapat dibuka")
        int(writer.root["/Pages"]["/Count"])
    except SigningInputError:
        raise
    except Exception as exc:
        raise SigningInputError(f"{ITEXT_INVALID}: Rebuild failed: {exc}") from exc
    return writer


def _page_box(writer: IncrementalPdfFileWriter, page_ix: int) -> tuple[float, ...]:
    """MediaBox of a page, following inheritance up the page tree."""
    node = writer.prev.find_page_for_modification(page_ix)[0].get_object()
    while node is not None:
        if "/MediaBox" in node:
            return tuple(float(v) for v in node["/MediaBox"])
        parent = node.get("/Parent")
        node = parent.get_object() if parent is not None else None
    return (0.0, 0.0, 595.0, 842.0)


Matrix = tuple[float, float, float, float, float, float]
_IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)


def _mul(m1: Matrix, m2: Matrix) -> Matrix:
    """PDF matrix product: apply ``m1`` first, then ``m2``."""
    a1, b1, c1, d1, e1, f1 = m1
    a2, b2, c2, d2, e2, f2 = m2
    return (
        a1 * a2 + b1 * c2,
        a1 * b2 + b1 * d2,
        c1 * a2 + d1 * c2,
        c1 * b2 + d1 * d2,
        e1 * a2 + f1 * c2 + e2,
        e1 * b2 + f1 * d2 + f2,
    )


def _text_of(operand) -> str:
    if isinstance(operand, bytes):
        return operand.decode("latin-1")
    return str(operand)


def _numbers(args: list) -> list[float]:
    """Numeric operands (PyPDF2 gives ints, or Decimals for reals)."""
    out = []
    for arg in args:
        if isinstance(arg, (str, bytes, list, dict)):
            continue
        try:
            out.append(float(arg))
        except (TypeError, ValueError):
            continue
    return out


class _TextWalker:
    """Minimal interpreter of a page's text positioning operators.

    Handles BT, Tf, TL, Td, TD, Tm, T*, Tj, TJ, ' and " plus the graphics
    matrix (q, Q, cm): enough to know where each string is drawn. Why not
    PyPDF2's ``extract_text`` visitor: in the installed 2.12 it reports each
    run with the *next* run's text matrix, which puts the stamp a line off.
    Glyph advances use an average width of half the font size (no font
    metrics), precise enough to land a stamp on a placeholder.
    """

    def __init__(self, tag: str):
        self.tag = tag
        self.ctm: Matrix = _IDENTITY
        self.stack: list[Matrix] = []
        self.tm: Matrix = _IDENTITY
        self.tlm: Matrix = _IDENTITY
        self.font_size = 12.0
        self.leading = 0.0

    def newline(self, tx: float, ty: float) -> None:
        self.tlm = _mul((1.0, 0.0, 0.0, 1.0, tx, ty), self.tlm)
        self.tm = self.tlm

    def advance(self, dx: float) -> None:
        self.tm = _mul((1.0, 0.0, 0.0, 1.0, dx, 0.0), self.tm)

    def show(self, operand) -> tuple[float, float, float] | None:
        text = _text_of(operand)
        pos = text.find(self.tag)
        if pos < 0:
            self.advance(len(text) * self.font_size * 0.5)
            return None
        m = _mul(self.tm, self.ctm)
        dx = pos * self.font_size * 0.5
        scale = (m[1] ** 2 + m[3] ** 2) ** 0.5 or 1.0
        return m[0] * dx + m[4], m[1] * dx + m[5], self.font_size * scale

    def show_array(self, items) -> tuple[float, float, float] | None:
        for item in items:
            if isinstance(item, (str, bytes)):
                hit = self.show(item)
                if hit:
                    return hit
            else:
                self.advance(-float(item) / 1000.0 * self.font_size)
        return None

    def step(self, op: bytes, args: list) -> tuple[float, float, float] | None:
        """Apply one operator; return the tag position if it was just shown."""
        nums = _numbers(args)
        if op == b"q":
            self.stack.append(self.ctm)
        elif op == b"Q":
            self.ctm = self.stack.pop() if self.stack else _IDENTITY
        elif op == b"cm" and len(nums) == 6:
            self.ctm = _mul(tuple(nums), self.ctm)
        elif op == b"BT":
            self.tm = self.tlm = _IDENTITY
        elif op == b"Tf" and len(nums) == 1:
            self.font_size = nums[0]
        elif op == b"TL" and nums:
            self.leading = nums[0]
        elif op in (b"Td", b"TD") and len(nums) == 2:
            if op == b"TD":
                self.leading = -nums[1]
            self.newline(*nums)
        elif op == b"Tm" and len(nums) == 6:
            self.tm = self.tlm = tuple(nums)
        elif op == b"T*":
            self.newline(0.0, -self.leading)
        elif op == b"Tj" and args:
            return self.show(args[0])
        elif op in (b"'", b'"') and args:
            self.newline(0.0, -self.leading)
            return self.show(args[-1])
        elif op == b"TJ" and args:
            return self.show_array(args[0])
        return None


def _find_on_page(operations, tag: str) -> tuple[float, float, float] | None:
    """Where ``tag`` is first shown in one content stream: ``(x, y, size)``."""
    walker = _TextWalker(tag)
    for operands, op in operations:
        hit = walker.step(op, operands)
        if hit:
            return hit
    return None


def find_tag(
    data: bytes, tag: str, page_ix: int | None = None, password: str | None = None
) -> tuple[int, float, float, float] | None:
    """Locate ``tag`` in the page text: ``(page_ix, x, y, font_size)`` or None.

    Pages are searched in order (or only ``page_ix``); the first occurrence
    wins. Content streams are tokenised with PyPDF2 (an Odoo dependency,
    already installed) because pyHanko has no content-stream parser.
    """
    try:
        from PyPDF2 import PdfReader  # noqa: PLC0415  (optional dependency)
        from PyPDF2.generic import ContentStream  # noqa: PLC0415
    except ImportError:  # pragma: no cover - PyPDF2 ships with Odoo
        return None
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            reader.decrypt(password or "")
        pages = range(len(reader.pages)) if page_ix is None else [page_ix]
        for ix in pages:
            page = reader.pages[ix]
            contents = page.get_contents()
            if contents is None:
                continue
            hit = _find_on_page(ContentStream(contents, reader).operations, tag)
            if hit:
                return (ix, *hit)
    except Exception:  # a parsing failure just means "not found"
        _log.debug("tag search failed", exc_info=True)
    return None


def _resolve_box(
    data: bytes,
    writer: IncrementalPdfFileWriter,
    app: Appearance,
    pdf_password: str | None,
) -> tuple[int, tuple[float, float, float, float]]:
    n_pages = int(writer.root["/Pages"]["/Count"])
    if app.width <= 0 or app.height <= 0:
        raise SigningInputError("width dan height harus lebih dari 0")
    if app.tag is not None:
        hint = None
        if isinstance(app.page, int):
            hint = app.page - 1
        elif app.page in ("first", "last"):
            hint = 0 if app.page == "first" else n_pages - 1
        if hint is not None and not 0 <= hint < n_pages:
            raise SigningInputError(f"halaman {app.page} tidak ada di dokumen")
        found = find_tag(data, app.tag, hint, pdf_password)
        if found is None:
            raise SigningInputError(
                f"tag_koordinat '{app.tag}' tidak ditemukan di dalam dokumen"
            )
        page_ix, tx, ty, fs = found
        cx, cy = tx + fs * 0.25, ty + fs * 0.35
        return page_ix, (
            cx - app.width / 2,
            cy - app.height / 2,
            cx + app.width / 2,
            cy + app.height / 2,
        )
    if app.page == "first":
        page_ix = 0
    elif app.page == "last":
        page_ix = n_pages - 1
    elif isinstance(app.page, int):
        page_ix = app.page - 1
    else:
        raise SigningInputError("halaman/page wajib diisi untuk tampilan visible")
    if not 0 <= page_ix < n_pages:
        raise SigningInputError(
            f"halaman {app.page} tidak ada (dokumen {n_pages} halaman)"
        )
    if app.origin == "top-left":
        llx, lly, _urx, ury = _page_box(writer, page_ix)
        x1 = llx + app.x
        y2 = ury - app.y
        return page_ix, (x1, y2 - app.height, x1 + app.width, y2)
    return page_ix, (app.x, app.y, app.x + app.width, app.y + app.height)


_field_counter = itertools.count()
_field_lock = threading.Lock()


def _field_name(writer: IncrementalPdfFileWriter) -> str:
    """``sig_<millis>`` like BSrE, unique within the document and the process."""
    existing = {name for name, _, _ in fields.enumerate_sig_fields(writer.prev)}
    with _field_lock:
        while True:
            name = f"sig_{int(time.time() * 1000) + next(_field_counter) % 1000}"
            if name not in existing:
                return name


# ---------------------------------------------------------------------------
# signing

# Why these classes: pyHanko's SimpleSigner and DummyTimeStamper re-parse the
# private key from DER on every signature, and cryptography 42 validates an
# RSA key on load (~40 ms). Four loads per document made a 100-document batch
# take 20 s; reusing the already-loaded key makes it CPU-cheap.
#
# Why the DER templates (``_CmsParts``): what remained was asn1crypto, not
# cryptography. Putting an already *parsed* certificate (or a freshly built,
# "mutated" structure) into a new CMS value makes asn1crypto deep-copy it on
# every implicit/explicit retag and re-serialise it on every ``dump()``: the
# three certificates of the signature, the two of the timestamp token and the
# token itself were rebuilt many times per document (~2/3 of the CPU). Every
# part that is the same for all signatures of one certificate is therefore
# encoded once and re-used as *unparsed* DER (``X.load(der)``: copying or
# dumping it is a byte copy), and the finished token and CMS are re-loaded
# from their DER before pyHanko handles them further. The bytes produced are
# the same structures as before (same attributes, same certificates).


class _CmsParts:
    """DER of the per-certificate parts of a CMS SignedData, built once.

    ``cert`` signs; ``extra_certs`` are embedded next to it in
    ``certificates`` (a SET: DER sorts it, so the order given does not matter).
    """

    def __init__(self, cert: asn1_x509.Certificate, extra_certs):
        self.sid = cms.SignerIdentifier(
            {
                "issuer_and_serial_number": cms.IssuerAndSerialNumber(
                    {"issuer": cert.issuer, "serial_number": cert.serial_number}
                )
            }
        ).dump()
        self.certificates = cms.CertificateSet(
            [
                cms.CertificateChoices(name="certificate", value=c)
                for c in (cert, *extra_certs)
            ]
        ).dump()
        self.signing_certificate = simple_cms_attribute(
            "signing_certificate", as_signing_certificate(cert)
        ).dump()
        self.signing_certificate_v2 = simple_cms_attribute(
            "signing_certificate_v2", as_signing_certificate_v2(cert)
        ).dump()
        self.directory_name = asn1_x509.GeneralName(
            name="directory_name", value=cert.subject
        ).dump()


_parts_cache: dict[tuple[bytes, ...], _CmsParts] = {}
_parts_lock = threading.Lock()


def _cms_parts(cert: asn1_x509.Certificate, extra_certs) -> _CmsParts:
    """The cached :class:`_CmsParts` of ``cert`` with these extra certificates."""
    key = (cert.dump(), *(c.dump() for c in extra_certs))
    with _parts_lock:
        parts = _parts_cache.get(key)
        if parts is None:
            parts = _parts_cache[key] = _CmsParts(cert, extra_certs)
        return parts


class _FixedAttribute(CMSAttributeProvider):
    """A signed attribute whose encoding never changes (signing-certificate)."""

    def __init__(self, attribute_type: str, der: bytes):
        self.attribute_type = attribute_type
        self._der = der

    async def build_attr_value(self, dry_run=False):  # pragma: no cover - unused
        return cms.CMSAttribute.load(self._der)["values"][0]

    async def get_attribute(self, dry_run=False) -> cms.CMSAttribute:
        return cms.CMSAttribute.load(self._der)


class _LoadedKeySigner(signers.SimpleSigner):
    """SimpleSigner that signs with an already-loaded RSA key.

    It also assembles the CMS from the cached DER parts of its certificate
    (see ``_CmsParts``) instead of pyHanko's generic, re-serialising path.
    """

    def __init__(self, private_key: RSAPrivateKey, parts: _CmsParts, **kwargs):
        super().__init__(**kwargs)
        self._private_key = private_key
        self._parts = parts

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        return self._private_key.sign(
            data, PKCS1v15(), get_pyca_cryptography_hash(digest_algorithm)
        )

    def _signed_attr_providers(self, *args, **kwargs):
        for prov in super()._signed_attr_providers(*args, **kwargs):
            if isinstance(prov, SigningCertificateV2Provider):
                prov = _FixedAttribute(
                    "signing_certificate_v2", self._parts.signing_certificate_v2
                )
            yield prov

    def _package_signature(
        self,
        *,
        digest_algorithm: str,
        cms_version,
        signed_attrs: cms.CMSAttributes,
        signature: bytes,
        unsigned_attrs: cms.CMSAttributes | None,
        encap_content_info,
    ) -> cms.ContentInfo:
        """pyHanko's SignedData layout, from pre-encoded parts.

        Same fields as ``Signer._package_signature`` (sid by issuer and
        serial, the signer's certificate plus the registry's intermediate and
        root, the given attributes), but nothing large is re-encoded.
        """
        digest_algorithm_obj = algos.DigestAlgorithm({"algorithm": digest_algorithm})
        sig_info = cms.SignerInfo(
            {
                "version": "v1",
                "sid": cms.SignerIdentifier.load(self._parts.sid),
                "digest_algorithm": digest_algorithm_obj,
                "signature_algorithm": self.get_signature_mechanism_for_digest(
                    digest_algorithm
                ),
                "signed_attrs": cms.CMSAttributes.load(signed_attrs.dump()),
                "signature": signature,
            }
        )
        if unsigned_attrs is not None:
            sig_info["unsigned_attrs"] = cms.CMSAttributes.load(unsigned_attrs.dump())
        signed_data = cms.SignedData(
            {
                "version": cms_version,
                "digest_algorithms": cms.DigestAlgorithms((digest_algorithm_obj,)),
                "encap_content_info": encap_content_info or {"content_type": "data"},
                "certificates": cms.CertificateSet.load(self._parts.certificates),
                "signer_infos": [sig_info],
            }
        )
        info = cms.ContentInfo(
            {"content_type": cms.ContentType("signed_data"), "content": signed_data}
        )
        return cms.ContentInfo.load(info.dump())


# A UUID-derived OID (arc 2.25, ITU-T X.667): ours, and obviously not BSrE's.
TSA_POLICY_OID = "2.25.190544326208338302787473932880455370921"


class SandboxTimeStamper(TimeStamper):
    """In-process RFC 3161 TSA signing with the sandbox TSA certificate.

    Same token layout as pyHanko's DummyTimeStamper (content-type, signing
    time, signing-certificate and message-digest signed attributes), but with
    a cached key, a UTC ``genTime`` and the certificate parts pre-encoded
    (``_CmsParts``); the token is returned parsed from its DER, so embedding
    it in the document signature copies bytes instead of a structure tree.
    """

    def __init__(self, tsa: Identity, tsa_cert, extra_certs):
        super().__init__(include_nonce=True)
        self._sbx_key = tsa.key
        self._sbx_parts = _cms_parts(tsa_cert, extra_certs)

    async def async_request_tsa_response(
        self, req: tsp.TimeStampReq
    ) -> tsp.TimeStampResp:
        parts = self._sbx_parts
        imprint: tsp.MessageImprint = req["message_imprint"]
        md_name = imprint["hash_algorithm"]["algorithm"].native
        digest_algo = algos.DigestAlgorithm({"algorithm": md_name})
        now = dt.datetime.now(dt.timezone.utc)
        tst_args = {
            "version": "v1",
            "policy": tsp.ObjectIdentifier(TSA_POLICY_OID),
            "message_imprint": imprint,
            "serial_number": int.from_bytes(os.urandom(16), "big"),
            "gen_time": now,
            "tsa": asn1_x509.GeneralName.load(parts.directory_name),
        }
        if req["nonce"].native is not None:
            tst_args["nonce"] = req["nonce"]
        tst_data = tsp.TSTInfo(tst_args).dump()
        hash_algo = get_pyca_cryptography_hash(md_name)
        md = hashlib.new(hash_algo.name, tst_data).digest()
        signed_attrs = cms.CMSAttributes(
            [
                simple_cms_attribute("content_type", "tst_info"),
                simple_cms_attribute(
                    "signing_time", cms.Time({"utc_time": core.UTCTime(now)})
                ),
                cms.CMSAttribute.load(parts.signing_certificate),
                simple_cms_attribute("message_digest", md),
            ]
        ).dump()
        signature = self._sbx_key.sign(signed_attrs, PKCS1v15(), hash_algo)
        signer_info = cms.SignerInfo(
            {
                "version": "v1",
                "sid": cms.SignerIdentifier.load(parts.sid),
                "digest_algorithm": digest_algo,
                "signature_algorithm": algos.SignedDigestAlgorithm(
                    {"algorithm": "rsassa_pkcs1v15"}
                ),
                "signed_attrs": cms.CMSAttributes.load(signed_attrs),
                "signature": signature,
            }
        )
        signed_data = cms.SignedData(
            {
                "version": "v3",
                "digest_algorithms": cms.DigestAlgorithms((digest_algo,)),
                "encap_content_info": cms.EncapsulatedContentInfo(
                    {
                        "content_type": cms.ContentType("tst_info"),
                        "content": cms.ParsableOctetString(tst_data),
                    }
                ),
                "certificates": cms.CertificateSet.load(parts.certificates),
                "signer_infos": [signer_info],
            }
        )
        token = cms.ContentInfo(
            {"content_type": cms.ContentType("signed_data"), "content": signed_data}
        )
        response = tsp.TimeStampResp(
            {
                "status": tsp.PKIStatusInfo({"status": tsp.PKIStatus("granted")}),
                "time_stamp_token": token,
            }
        )
        return tsp.TimeStampResp.load(response.dump())


def _sign_pdf(
    data: bytes,
    identity: Identity,
    pki: SandboxPKI,
    *,
    reason: str | None = None,
    location: str | None = None,
    contact_info: str | None = None,
    appearance: Appearance | None = None,
    pdf_password: str | None = None,
) -> bytes:
    """Add one PAdES-BASELINE-T signature as an incremental update.

    Raises :class:`SigningInputError` for anything the caller sent wrong.
    """
    writer = _open_writer(data, pdf_password)
    field_name = _field_name(writer)
    style: stamp.BaseStampStyle | None = None
    if appearance is not None:
        page_ix, box = _resolve_box(data, writer, appearance, pdf_password)
        spec = fields.SigFieldSpec(field_name, on_page=page_ix, box=box)
        style = stamp.StaticStampStyle(
            background=images.PdfImage(appearance.image),
            border_width=0,
            background_opacity=1.0,
            background_layout=layout.SimpleBoxLayoutRule(
                x_align=layout.AxisAlignment.ALIGN_MID,
                y_align=layout.AxisAlignment.ALIGN_MID,
                margins=layout.Margins.uniform(0),
                inner_content_scaling=layout.InnerScaling.STRETCH_TO_FIT,
            ),
        )
    else:
        spec = fields.SigFieldSpec(field_name, on_page=0)

    inter_cert, _ = pki.asn1("intermediate")
    root_cert, _ = pki.asn1("root")
    tsa_cert, _ = pki.asn1("tsa")
    signer = _LoadedKeySigner(
        identity.key,
        _cms_parts(identity.asn1_cert, [inter_cert, root_cert]),
        signing_cert=identity.asn1_cert,
        signing_key=identity.asn1_key,
        cert_registry=SimpleCertificateStore.from_certs([inter_cert, root_cert]),
    )
    timestamper = SandboxTimeStamper(pki.tsa, tsa_cert, [inter_cert])
    meta = signers.PdfSignatureMetadata(
        field_name=field_name,
        md_algorithm="sha256",
        reason=reason or None,
        location=location or None,
        contact_info=contact_info or None,
        subfilter=fields.SigSeedSubFilter.PADES,
    )
    pdf_signer = signers.PdfSigner(
        meta, signer, timestamper=timestamper, stamp_style=style, new_field_spec=spec
    )
    try:
        # A fixed reservation skips pyHanko's dry-run signature used to size
        # /Contents, halving the CPU per document (our CMS is ~10 KB).
        out = pdf_signer.sign_pdf(writer, bytes_reserved=SIGNATURE_RESERVED_BYTES)
    except SigningInputError:
        raise
    except Exception as exc:
        raise SigningInputError(f"{ITEXT_INVALID}: {exc}") from exc
    return out.getvalue()


# ---------------------------------------------------------------------------
# validation


def _validation_context(pki: SandboxPKI) -> ValidationContext:
    # A fresh context per call: ValidationContext caches paths and is not
    # documented as thread-safe. No fetching: the sandbox runs offline.
    return ValidationContext(
        trust_roots=[pki.asn1("root")[0]],
        other_certs=[pki.asn1("intermediate")[0]],
        allow_fetching=False,
        revocation_mode="soft-fail",
    )


def _chain_for(
    signer: asn1_x509.Certificate | None,
    pool: list[asn1_x509.Certificate],
    status,
) -> list[asn1_x509.Certificate]:
    """Leaf-first chain: from the validator's path when trusted, else by names."""
    path = getattr(status, "validation_path", None) if status is not None else None
    if path is not None:
        try:
            return list(reversed(list(path.iter_certs(include_root=True))))
        except Exception:  # fall back to name matching below
            _log.debug("validation path unusable", exc_info=True)
    chain = [signer] if signer is not None else []
    while chain and len(chain) < 5:
        cur = chain[-1]
        if cur.self_signed != "no":
            break
        nxt = next((c for c in pool if c.subject == cur.issuer), None)
        if nxt is None or nxt in chain:
            break
        chain.append(nxt)
    return chain


def is_pdf(data: bytes) -> bool:
    return bool(data) and b"%PDF-" in data[:1024]


def _verify_pdf(
    data: bytes, pki: SandboxPKI, password: str | None = None
) -> list[SignatureReport]:
    """Validate every embedded signature against the sandbox root.

    Raises :class:`SigningInputError` when ``data`` is not a readable PDF;
    returns an empty list for an unsigned one.
    """
    _check_magic(data)
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        if reader.encrypted:
            auth = reader.decrypt(password or "")
            if auth.status == AuthStatus.FAILED:
                raise SigningInputError("password dokumen salah atau tidak diisi")
        embedded = list(reader.embedded_signatures)
    except SigningInputError:
        raise
    except Exception as exc:
        raise SigningInputError(f"{ITEXT_INVALID}: Rebuild failed: {exc}") from exc

    pki_pool = [pki.asn1("intermediate")[0], pki.asn1("root")[0]]
    reports: list[SignatureReport] = []
    for emb in embedded:
        reports.append(_report_one(emb, pki, pki_pool))
    return reports


def _report_one(emb, pki: SandboxPKI, pki_pool) -> SignatureReport:
    sig_obj = emb.sig_object
    signer_cert = None
    try:
        signer_cert = emb.signer_cert
    except Exception:
        _log.debug("no signer certificate", exc_info=True)
    signer_info = emb.signer_info
    report = SignatureReport(
        field_name=str(emb.field_name),
        intact=False,
        valid=False,
        trusted=False,
        integrity_ok=False,
        signer_cert=signer_cert,
        reason=_pdf_str(sig_obj.get("/Reason")),
        location=_pdf_str(sig_obj.get("/Location")),
        signature_value=bytes(signer_info["signature"].native or b""),
        md_algorithm=emb.md_algorithm,
        signature_algorithm=signer_info["signature_algorithm"].signature_algo,
    )
    try:
        report.docmdp_level = int(emb.docmdp_level.value) if emb.docmdp_level else 0
    except Exception:
        report.docmdp_level = 0
    status = None
    try:
        status = validate_pdf_signature(
            emb,
            signer_validation_context=_validation_context(pki),
            ts_validation_context=_validation_context(pki),
        )
    except Exception as exc:
        report.error = f"{type(exc).__name__}: {exc}"
    try:
        report.document_digest = bytes(emb.external_digest or b"")
    except Exception:
        report.document_digest = b""
    if status is not None:
        report.intact = bool(status.intact)
        report.valid = bool(status.valid)
        report.trusted = bool(status.trusted)
        level = status.modification_level
        report.integrity_ok = (
            report.intact and report.valid and (level is None or level.name != "OTHER")
        )
        report.signing_time = status.signer_reported_dt
        ts = status.timestamp_validity
        if ts is not None:
            report.timestamp_time = ts.timestamp
            report.tsa_cert = ts.signing_cert
    if report.signing_time is None:
        report.signing_time = report.timestamp_time or _pdf_date(sig_obj.get("/M"))
    pool = list(emb.other_embedded_certs) + pki_pool
    report.chain = _chain_for(signer_cert, pool, status)
    return report


def _pdf_str(value) -> str | None:
    if value is None:
        return None
    return str(value)


def _pdf_date(value) -> dt.datetime | None:
    if value is None:
        return None
    try:
        from pyhanko.pdf_utils.misc import parse_pdf_date  # noqa: PLC0415

        return parse_pdf_date(str(value))
    except Exception:
        return None


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# asn1crypto parses certificate fields lazily and caches them on the shared
# certificate objects; two threads signing or verifying with the same signer
# at once could see a half-built cache (``KeyError: 'organization_name'`` in a
# batch of parallel sign calls). In one process the sandbox therefore
# serialises the cryptographic part: injected latency and HTTP handling still
# overlap. To use more than one core, :class:`SigningPool` signs in worker
# processes instead, each with its own pyHanko/asn1crypto state and no lock.
_crypto_lock = threading.RLock()


def sign_pdf(*args, **kwargs) -> bytes:
    """Thread-safe :func:`_sign_pdf` (see ``_crypto_lock``)."""
    with _crypto_lock:
        return _sign_pdf(*args, **kwargs)


def sign_pdf_timed(*args, **kwargs) -> tuple[bytes, float]:
    """:func:`sign_pdf` plus the CPU seconds the signature cost this thread."""
    with _crypto_lock:
        started = time.thread_time()
        signed = _sign_pdf(*args, **kwargs)
        return signed, time.thread_time() - started


def verify_pdf(*args, **kwargs):
    """Thread-safe :func:`_verify_pdf` (see ``_crypto_lock``)."""
    with _crypto_lock:
        return _verify_pdf(*args, **kwargs)


# ---------------------------------------------------------------------------
# signing in worker processes
#
# Why processes: one signature is pure-Python CPU work (asn1crypto, pyHanko's
# PDF writer) under the GIL and the lock above, so a threaded server signs on
# one core whatever the number of concurrent calls. Each worker process loads
# the PKI from the state directory once and keeps its own caches; the server
# process keeps the HTTP handling, the call log and every other state, so what
# the log says about a call (and the exactly-once checks built on it) does not
# depend on where the signature was computed.

_worker_pki: SandboxPKI | None = None
_worker_identities: dict[tuple[bytes, bytes], Identity] = {}


def _worker_init(state_dir: str) -> None:
    global _worker_pki
    _worker_pki = SandboxPKI(state_dir)
    # Build the TSA's DER parts now, not in the first request.
    _cms_parts(_worker_pki.asn1("tsa")[0], [_worker_pki.asn1("intermediate")[0]])
    # A sandbox killed with SIGKILL cannot stop its workers: they leave on
    # their own when their parent is gone.
    parent = os.getppid()

    def watch_parent() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(0)

    threading.Thread(target=watch_parent, name="parent-watch", daemon=True).start()


def _worker_ready() -> int:
    return os.getpid()


def _worker_sign(
    data: bytes, portable: tuple[bytes, bytes], kwargs: dict
) -> tuple[bytes, float]:
    identity = _worker_identities.get(portable)
    if identity is None:
        identity = _worker_identities[portable] = Identity.from_portable(portable)
    started = time.process_time()
    signed = _sign_pdf(data, identity, _worker_pki, **kwargs)
    return signed, time.process_time() - started


class SigningPool:
    """``processes`` worker processes that run :func:`_sign_pdf`.

    The workers are started (and their PKI loaded) in the constructor, so the
    first batch does not pay for it and, with the ``fork`` start method, they
    are forked before the server starts any thread. ``submit`` returns a
    future of ``(signed bytes, CPU seconds)``; a :class:`SigningInputError`
    raised in a worker is re-raised by ``future.result()``.
    """

    def __init__(self, state_dir: Path | str, processes: int):
        methods = multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context("fork" if "fork" in methods else None)
        self.processes = max(1, int(processes))
        self._executor = ProcessPoolExecutor(
            self.processes,
            mp_context=context,
            initializer=_worker_init,
            initargs=(str(state_dir),),
        )
        for future in [
            self._executor.submit(_worker_ready) for _ in range(self.processes)
        ]:
            future.result()

    def submit(
        self, data: bytes, identity: Identity, **kwargs
    ) -> Future[tuple[bytes, float]]:
        return self._executor.submit(_worker_sign, data, identity.portable, kwargs)

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
