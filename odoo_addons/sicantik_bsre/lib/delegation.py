"""How a delegated signature is worded (tata naskah dinas), without Odoo.

Indonesian official correspondence distinguishes who signs from the office the
signature binds:

* ``an`` — *atas nama*: the head is in office and lets a subordinate sign for
  them; the block reads ``a.n. <head's position>`` above the signer's own
  position and name.
* ``plt`` — *Pelaksana Tugas*: the head's office is vacant or the head is away
  for long; the deputy signs *as* the office: ``Plt. <head's position>``.
* ``plh`` — *Pelaksana Harian*: the same for a short absence (days):
  ``Plh. <head's position>``.

The same words go to BSrE as the signature's reason (what the stamp and a PDF
reader show) and to the public verification page, so both say who signed and
for which office.
"""

KINDS = ("an", "plt", "plh")
PREFIX = {"an": "a.n.", "plt": "Plt.", "plh": "Plh."}


def office_line(kind, principal_position, principal_name=None):
    """``a.n. Kepala Dinas …`` / ``Plt. Kepala Dinas …``.

    The principal's position names the office; when SICANTIK knows none, their
    name stands in (a signature must still say for whom it was made).
    """
    if kind not in PREFIX:
        raise ValueError(f"unknown delegation kind {kind!r}")
    office = (principal_position or principal_name or "").strip()
    if not office:
        raise ValueError("a delegated signature needs the principal's position or name")
    return f"{PREFIX[kind]} {office}"


def signer_line(kind, principal_position, principal_name, signer_name, signer_position):
    """One line naming the signer and the office: the signature's reason text.

    ``Ahmad Fauzi, Plt. Kepala Dinas …`` or, for *atas nama*, the signer's own
    position after the office: ``Ahmad Fauzi, Sekretaris Dinas, a.n. Kepala
    Dinas …``.
    """
    office = office_line(kind, principal_position, principal_name)
    parts = [(signer_name or "").strip()]
    if kind == "an" and (signer_position or "").strip():
        parts.append(signer_position.strip())
    parts.append(office)
    return ", ".join(p for p in parts if p)


def reason_text(base_reason, line):
    """The configured reason followed by the delegation line, when any."""
    base = (base_reason or "").strip()
    if not line:
        return base or None
    return f"{base} ({line})" if base else line
