"""Response bodies of the verify and certificate endpoints.

Kept apart from the routing code because these shapes are the contract our
client parses: field names (vendor typos ``timestampInfomation`` and
``signatureAlgoritm`` included), date formats (v1 ``YYYY-MM-DD hh:mm:ss.SS``,
v2 ISO-8601 with offset) and the summary/conclusion wording all follow the
contract in ``docs/reference/bsre.md#verify``, so a client written against the
sandbox reads the live service unchanged.
"""

from __future__ import annotations

import base64
import datetime as dt

from asn1crypto import x509 as asn1_x509

from . import signing

WIB = dt.timezone(dt.timedelta(hours=7), "WIB")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def iso_ms(when: dt.datetime) -> str:
    """``2023-07-11T02:41:23.000+00:00``: the shape Spring and the v2 API use."""
    return when.astimezone(dt.timezone.utc).isoformat(timespec="milliseconds")


def v1_time(when: dt.datetime | None) -> str | None:
    """``YYYY-MM-DD hh:mm:ss.SS`` in WIB, the v1 verify date format."""
    if when is None:
        return None
    local = when.astimezone(WIB)
    return local.strftime("%Y-%m-%d %H:%M:%S.") + f"{local.microsecond // 10000:02d}"


def _dn(name: asn1_x509.Name) -> str:
    """RFC 4514-ish, most specific first: ``CN=…,O=…,C=ID`` like the samples."""
    return ",".join(_dn_part(rdn) for rdn in reversed(name.chosen))


def _dn_part(rdn) -> str:
    short = {
        "common_name": "CN",
        "organization_name": "O",
        "organizational_unit_name": "OU",
        "country_name": "C",
        "email_address": "E",
        "locality_name": "L",
        "state_or_province_name": "ST",
    }
    return "+".join(
        f"{short.get(atv['type'].native, atv['type'].dotted)}={atv['value'].native}"
        for atv in rdn
    )


def _cn(cert: asn1_x509.Certificate | None) -> str | None:
    if cert is None:
        return None
    return cert.subject.native.get("common_name")


def _validity(cert: asn1_x509.Certificate | None) -> str | None:
    if cert is None:
        return None
    validity = cert["tbs_certificate"]["validity"]
    return (
        f"{v1_time(validity['not_before'].native)} to "
        f"{v1_time(validity['not_after'].native)}"
    )


_NOTES_VALID = (
    "Tanda tangan elektronik valid dan dokumen merupakan dokumen asli sejak "
    "ditandatangani"
)
_NOTES_TAMPERED = "Konten Dokumen mengalami perubahan oleh pihak yang tidak berhak"
_NOTES_UNTRUSTED = "Sertifikat yang digunakan tidak terpercaya"


def v1_verify_body(name: str, reports: list[signing.SignatureReport]) -> dict:
    """The v1 ``/api/sign/verify`` shape (docs/reference/bsre.md#verify)."""
    if not reports:
        return {
            "nama_dokumen": name,
            "jumlah_signature": 0,
            "notes": None,
            "details": [],
            "summary": None,
        }
    details = []
    for r in reports:
        details.append(
            {
                "info_tsa": {
                    "name": _cn(r.tsa_cert),
                    "tsa_cert_validity": _validity(r.tsa_cert),
                },
                "signature_field": r.field_name,
                "info_signer": {
                    "issuer_dn": _dn(r.signer_cert.issuer) if r.signer_cert else None,
                    "signer_name": _cn(r.signer_cert),
                    "signer_cert_validity": _validity(r.signer_cert),
                    "signer_dn": _dn(r.signer_cert.subject) if r.signer_cert else None,
                    "cert_user_certified": r.trusted,
                },
                "signature_document": {
                    "signed_using_tsa": r.timestamp_time is not None,
                    "reason": r.reason,
                    "document_integrity": r.integrity_ok,
                    "signature_value": r.signature_value.hex() or None,
                    "signed_in": v1_time(r.signing_time),
                    "location": r.location,
                    "hash_value": r.document_digest.hex() or None,
                },
            }
        )
    if not all(r.integrity_ok for r in reports):
        notes, summary = _NOTES_TAMPERED, "DOCUMENT NOT VALID !!!"
    elif not all(r.trusted for r in reports):
        notes, summary = _NOTES_UNTRUSTED, "DOCUMENT NOT VALID !!!"
    else:
        notes, summary = _NOTES_VALID, "DOCUMENT VALID !!!"
    return {
        "nama_dokumen": name,
        "jumlah_signature": len(reports),
        "notes": notes,
        "details": details,
        "summary": summary,
    }


_KEY_USAGE_NAMES = {
    "digital_signature": "digitalSignature",
    "non_repudiation": "nonRepudiation",
    "key_encipherment": "keyEncipherment",
    "data_encipherment": "dataEncipherment",
    "key_agreement": "keyAgreement",
    "key_cert_sign": "keyCertSign",
    "crl_sign": "crlSign",
}


def _java_algo(name: str) -> str:
    """``sha256_rsa`` -> ``SHA256withRSA``: the JCA names a Java server prints."""
    digest, _, key = name.partition("_")
    return f"{digest.upper()}with{key.upper()}" if key else name.upper()


def _short_id(prefix: str, data: bytes) -> str:
    return prefix + "-" + signing.sha256_hex(data).upper()


def cert_json(cert: asn1_x509.Certificate) -> dict:
    """One ``certificateDetails`` element (vendor typo ``signatureAlgoritm`` kept)."""
    usage = cert.key_usage_value
    validity = cert["tbs_certificate"]["validity"]
    return {
        "id": _short_id("C", cert.dump()),
        "commonName": _cn(cert),
        "issuerName": _dn(cert.issuer),
        "subjectName": _dn(cert.subject),
        "serialNumber": format(cert.serial_number, "X"),
        "notAfterDate": iso_ms(validity["not_after"].native),
        "notBeforeDate": iso_ms(validity["not_before"].native),
        "signatureAlgoritm": _java_algo(
            cert["signature_algorithm"]["algorithm"].native
        ),
        "keyUsages": sorted(
            _KEY_USAGE_NAMES.get(u, u) for u in (usage.native if usage else [])
        ),
        "certificate": base64.b64encode(cert.dump()).decode("ascii"),
    }


def v2_verify_body(reports: list[signing.SignatureReport]) -> dict:
    """The v2 ``/api/v2/verify/pdf`` shape, typos included.

    ``conclusion``: VALID, NO_SIGNATURE (both observed live), INVALID (some
    signature not intact: the content changed after signing) or INDETERMINATE
    (intact but not chained to a trusted root). The last two are sandbox
    choices; the live values are unknown (docs/reference/bsre.md#verify).
    """
    if not reports:
        return {
            "conclusion": "NO_SIGNATURE",
            "description": "Dokumen tidak memiliki tandatangan elektronik",
            "signatureCount": 0,
            "signatureInformations": [],
        }
    infos = []
    for r in reports:
        ts = None
        if r.timestamp_time is not None:
            ts = {
                "id": _short_id("T", r.signature_value + b"ts"),
                "signerName": _cn(r.tsa_cert),
                "timestampDate": iso_ms(r.timestamp_time),
            }
        infos.append(
            {
                "id": _short_id("S", r.signature_value),
                "signatureFormat": (
                    "PAdES-BASELINE-T" if ts is not None else "PAdES-BASELINE-B"
                ),
                "signerName": _cn(r.signer_cert),
                "signatureDate": iso_ms(r.signing_time) if r.signing_time else None,
                "fieldName": r.field_name,
                "reason": r.reason,
                "location": r.location,
                "certLevelCode": r.docmdp_level,
                # Live servers leave these two empty; so do we.
                "signatureAlgorithm": None,
                "digestAlgorithm": None,
                "timestampInfomation": ts,
                "certificateDetails": [cert_json(c) for c in r.chain],
                "integrityValid": r.integrity_ok,
                "certificateTrusted": r.trusted,
                "lastSignature": False,
                "ltv": False,
            }
        )
    if not all(r.integrity_ok for r in reports):
        conclusion, description = "INVALID", _NOTES_TAMPERED
    elif not all(r.trusted for r in reports):
        conclusion, description = "INDETERMINATE", _NOTES_UNTRUSTED
    else:
        conclusion = "VALID"
        description = "Dokumen valid, Sertifikat yang digunakan terpercaya"
    return {
        "conclusion": conclusion,
        "description": description,
        "signatureCount": len(reports),
        "signatureInformations": infos,
    }
