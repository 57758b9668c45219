"""Factories for applicants (tmpemohon) and companies (tmperusahaan).

Shared by the generator and the mutator so that a new applicant registered by
``mutate`` looks exactly like one created by ``generate``.  Every value comes from
the ``random.Random`` passed in: no global state, no wall clock.
"""

from __future__ import annotations

from datetime import date, timedelta

from . import refdata, words


class Regions:
    """Kelurahan ids with the codes the NIK and addresses need."""

    def __init__(self) -> None:
        # (kelurahan id, kecamatan id, kecamatan name, kelurahan name, regency id,
        #  NIK prefix "PPKKCC")
        self.kelurahan: list[tuple[int, int, str, str, int, str]] = []
        regency_code = {r[0]: r[4] for r in refdata.REGENCIES}
        prov_code = refdata.PROVINCES[0][2]
        kel_id = 0
        per_regency: dict[int, int] = {}
        for kec_id, (kec_name, regency, kels) in enumerate(refdata.DISTRICTS, 1):
            per_regency[regency] = per_regency.get(regency, 0) + 1
            nik_prefix = f"{prov_code}{regency_code[regency]}{per_regency[regency]:02d}"
            for kel_name in kels:
                kel_id += 1
                self.kelurahan.append(
                    (kel_id, kec_id, kec_name, kel_name, regency, nik_prefix)
                )
        self.karo = [k for k in self.kelurahan if k[4] == 1]
        self.medan = [k for k in self.kelurahan if k[4] == 2]
        # Town kecamatan (Kabanjahe, Berastagi) get three times the weight.
        self.karo_weighted = [
            k
            for k in self.karo
            for _ in range(3 if k[2] in ("KABANJAHE", "BERASTAGI") else 1)
        ]

    def pick(self, rng, outside_share: float = 0.08):
        if rng.random() < outside_share:
            return rng.choice(self.medan)
        return rng.choice(self.karo_weighted)


def _digits(rng, n: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(n))


def phone(rng) -> str:
    """Indonesian mobile number, 11-13 digits starting 08xx."""
    return rng.choice(words.MOBILE_PREFIXES) + _digits(rng, rng.choice((7, 8, 8, 9)))


def office_phone(rng) -> str:
    return f"0628-{rng.choice('29')}{_digits(rng, 4)}"


def street_address(rng, kel, town_only: bool = False) -> str:
    """A plausible street address inside the given kelurahan."""
    if kel[4] == 2:
        return f"{rng.choice(words.STREETS_MEDAN)} NO. {rng.randint(1, 250)}, MEDAN"
    if (
        not town_only
        and kel[2] not in ("KABANJAHE", "BERASTAGI")
        and rng.random() < 0.6
    ):
        return f"DUSUN {rng.choice(('I', 'II', 'III', 'IV'))} DESA {kel[3]}"
    addr = f"{rng.choice(words.STREETS_KARO)} NO. {rng.randint(1, 180)}"
    if rng.random() < 0.15:
        addr += f" GG. {rng.choice(('MAWAR', 'MELATI', 'DAMAI', 'SEPAKAT', 'ARIH'))}"
    return addr


def person_name(rng, female: bool, profession: str | None = None) -> str:
    """Name in the style of the Karo front office (upper case, titles)."""
    r = rng.random()
    if r < 0.62:
        given = rng.choice(words.FEMALE_GIVEN if female else words.MALE_GIVEN)
        merga = rng.choice(words.KARO_MERGA)
        name = f"{given} BR {merga}" if female else f"{given} {merga}"
    elif r < 0.85:
        given = rng.choice(words.FEMALE_GIVEN if female else words.MALE_GIVEN)
        fam = rng.choice(words.OTHER_SURNAMES)
        name = f"{given} BR {fam}" if female else f"{given} {fam}"
    elif r < 0.93:
        name = rng.choice(words.JAVANESE)
    else:
        ascii_name = rng.choice(words.MOJIBAKE_NAMES)[0]
        name = f"{ascii_name} {rng.choice(words.OTHER_SURNAMES + words.KARO_MERGA)}"
    if profession == "dokter":
        return "dr. " + name
    if profession == "bidan":
        return name + rng.choice((", Amd.Keb", ", S.Tr.Keb"))
    if profession == "perawat":
        return name + rng.choice((", Amd.Kep", ", S.Kep., Ns."))
    if profession == "apoteker":
        return name + ", S.Farm., Apt."
    t = rng.random()
    if t < 0.07:
        name += rng.choice(words.SUFFIX_TITLES)
    elif t < 0.10:
        name = rng.choice(words.PREFIX_TITLES) + name
    return name


def nik(rng, kel, birth: date, female: bool, used: set[str]) -> str:
    """16-digit NIK: PPKKCC + DDMMYY (day + 40 for women) + 4-digit serial."""
    day = birth.day + (40 if female else 0)
    base = f"{kel[5]}{day:02d}{birth.month:02d}{birth.year % 100:02d}"
    serial = rng.randint(1, 9999)
    value = f"{base}{serial:04d}"
    while value in used:
        serial = serial % 9999 + 1
        value = f"{base}{serial:04d}"
    used.add(value)
    return value


def email_for(rng, name: str) -> str:
    parts = [
        p
        for p in name.replace(",", " ").replace(".", " ").split()
        if p.isalpha() and p not in ("BR", "DR")
    ]
    local = ".".join(p.lower() for p in parts[:2]) or "pemohon"
    return f"{local}{rng.randint(1, 99)}@{rng.choice(words.EMAIL_DOMAINS)}"


PROFESSION_BY_TYPE = {5: "dokter", 7: "bidan", 11: "perawat", 17: "apoteker"}


def make_person(
    rng,
    regions: Regions,
    registered: date,
    used_nik: set[str],
    profession: str | None = None,
):
    """Return (tmpemohon values without id/i_user/d_entry, kelurahan row).

    Values: no_referensi, source, n_pemohon, telp_pemohon, email_pemohon,
    a_pemohon, a_pemohon_luar, cek_prop.
    """
    female = rng.random() < (0.9 if profession == "bidan" else 0.42)
    kel = regions.pick(rng)
    age = rng.randint(21, 66)
    birth = date(registered.year - age, rng.randint(1, 12), rng.randint(1, 28))
    r = rng.random()
    if r < 0.92:
        source, ref = "KTP", nik(rng, kel, birth, female, used_nik)
    elif r < 0.97:
        source, ref = "SIM", _digits(rng, 12)
    else:
        source, ref = "PASSPORT", rng.choice("ABC") + _digits(rng, 7)
    name = person_name(rng, female, profession)
    addr = street_address(rng, kel)
    outside = kel[4] != 1
    return (
        ref,
        source,
        name,
        phone(rng),
        email_for(rng, name) if rng.random() < 0.4 else None,
        addr,
        addr if outside else None,
        1 if outside else 0,
    ), kel


def npwp(rng, registered: date) -> str:
    """NPWP in the forms offices hold: 15-digit formatted, 16-digit, bare 15."""
    head = rng.choice((1, 1, 2, 3, 31, 66, 71))
    serial = f"{head:02d}{_digits(rng, 6)}{rng.randint(0, 9)}"
    body = f"{serial}{rng.choice((121, 123, 125))}000"  # + tax office, branch
    r = rng.random()
    modern = registered >= date(2024, 7, 1)
    if (modern and r < 0.8) or (not modern and r < 0.1):
        return "0" + body
    if r > 0.95:
        return body
    return f"{body[:2]}.{body[2:5]}.{body[5:8]}.{body[8]}-{body[9:12]}.{body[12:]}"


def company_name(rng, used: set[str]) -> str:
    for _ in range(20):
        form = rng.choice(words.COMPANY_FORMS)
        tail = rng.choice(words.COMPANY_WORDS_C)
        first = rng.choice(words.COMPANY_WORDS_A)
        name = f"{form} {first} {rng.choice(words.COMPANY_WORDS_B)}"
        if tail:
            name += f" {tail}"
        if name not in used:
            used.add(name)
            return name
    n = 2
    while f"{name} {n}" in used:
        n += 1
    used.add(f"{name} {n}")
    return f"{name} {n}"


def make_company(rng, regions: Regions, registered: date, used_names: set[str]):
    """Return (tmperusahaan values without id/i_user/d_entry, kelurahan row).

    Values: n_perusahaan, npwp, a_perusahaan, d_tgl_berdiri, i_telp_perusahaan,
    no_reg_perusahaan, rt, rw, fax, email.
    """
    kel = regions.pick(rng, outside_share=0.03)
    name = company_name(rng, used_names)
    founded = registered - timedelta(days=rng.randint(60, 25 * 365))
    if registered.year >= 2019 and rng.random() < 0.6:
        reg_no = _digits(rng, 13)
    elif rng.random() < 0.7:
        reg_no = "0212" + _digits(rng, 9)
    else:
        reg_no = None
    slug = "".join(ch for ch in name.split(" ", 1)[-1].lower() if ch.isalnum())[:20]
    return (
        name,
        npwp(rng, registered),
        street_address(rng, kel, town_only=True),
        founded.isoformat(),
        office_phone(rng) if rng.random() < 0.6 else phone(rng),
        reg_no,
        f"{rng.randint(1, 12):03d}",
        f"{rng.randint(1, 8):03d}",
        office_phone(rng) if rng.random() < 0.1 else None,
        f"{slug or 'usaha'}@{rng.choice(words.EMAIL_DOMAINS)}"
        if rng.random() < 0.3
        else None,
    ), kel
