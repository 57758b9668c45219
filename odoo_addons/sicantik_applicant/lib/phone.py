"""Indonesian phone numbers to E.164 (``+62…``) for WhatsApp.

Why strict: SICANTIK's ``telp_pemohon`` is free text typed at the counter
(``0813-7777 0001``, ``62813…``, ``+62 813…``, sometimes two numbers or a
landline).  A message to a wrong number reaches a stranger, so only numbers
that are unambiguously an Indonesian mobile number (``+62 8…``, 9 to 12
digits after the country code) are accepted; anything else is refused with
a reason the message log shows, never guessed.
"""

import re

#: Separators officers type between digit groups.
_SEPARATORS = re.compile(r"[\s\-.()]")
_DIGITS = re.compile(r"^\+?\d+$")


class InvalidPhone(ValueError):
    """The text is not an Indonesian mobile number; ``str()`` says why."""


def normalize(raw):
    """``raw`` as ``+628…``; raises :class:`InvalidPhone` with a reason."""
    text = _SEPARATORS.sub("", str(raw or ""))
    if not text:
        raise InvalidPhone("nomor telepon kosong")
    if not _DIGITS.match(text):
        raise InvalidPhone("nomor telepon mengandung karakter selain angka")
    if text.startswith("+62"):
        national = text[3:]
    elif text.startswith("+"):
        raise InvalidPhone("bukan nomor Indonesia (+62)")
    elif text.startswith("62"):
        national = text[2:]
    elif text.startswith("0"):
        national = text[1:]
    else:
        raise InvalidPhone("awalan nomor tidak dikenal (harus 08…, 62… atau +62…)")
    national = national.lstrip("0") if national.startswith("08") else national
    if not national.startswith("8"):
        raise InvalidPhone("bukan nomor seluler (harus diawali 08)")
    if not 9 <= len(national) <= 12:
        raise InvalidPhone("panjang nomor seluler tidak wajar")
    return "+62" + national


def mask(e164):
    """``+62813****0001``: enough for an officer to recognise, no more."""
    text = str(e164 or "")
    if len(text) < 9:
        return "*" * len(text)
    return text[:6] + "*" * (len(text) - 10) + text[-4:]
