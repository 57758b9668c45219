"""What we read from SICANTIK, entity by entity, and how each row is checked.

Every entity has one read query following the vendor join path
(``docs/reference/sicantik.md#join-paths``).  SICANTIK stores even has-one
relations in join tables and real offices contain duplicate join rows; the
vendor code reads them with ``MAX(id)``, so we collapse duplicates the same
way: *the newest join row wins*.  The join tables carry no index on their
foreign-key columns, so the newest rows are picked in a derived table
restricted to the batch's ids (one scan per join table and batch, never one per
row).

Reads come in two steps: :meth:`Entity.next_range` pages through the primary
key (keyset pagination: the ``n`` ids after the watermark, answered as their
range ``(after, upper]`` and count, one row), then :meth:`Entity.fetch_range`
reads the full rows of that range, every join restricted to it.  Incremental
steps use :meth:`Entity.fetch` with ids found by other means (tracking rows,
new SKs).

:meth:`Entity.convert` turns a raw row into the values written to Odoo, or a
quarantine reason.  Reasons are plain, readable sentences; the Odoo side
translates them for display.
"""

from . import normalize as nz
from . import pgcopy

TZ_DEFAULT = "Asia/Jakarta"


def id_list(ids):
    """Inline a list of integer ids (ints only: no injection possible)."""
    return ",".join(str(int(i)) for i in ids) or "NULL"


def max_ids(src, entities):
    """``{entity name: MAX(id) of its table}`` in one round trip.

    Why: an idle cycle asks every stream whether it has new rows; one
    statement of primary-key maxima answers all of them at once instead of
    one query per stream.
    """
    if not entities:
        return {}
    row = src.all(
        "SELECT "
        + ", ".join(
            f"(SELECT MAX(id) FROM {e.table}) AS m{i}" for i, e in enumerate(entities)
        )
    )[0]
    return {e.name: row[f"m{i}"] or 0 for i, e in enumerate(entities)}


#: MariaDB turns an IN list longer than ``in_predicate_conversion_threshold``
#: (1,000) into a derived table, which every join of a fetch then re-reads:
#: 1,043 permits took 0.34 s in one list, 0.11 s in two.
IN_LIST_MAX = 1000


def match_ids(ids):
    """Row filter of a batch given by its ids: ``match(column)`` → SQL."""
    inlined = id_list(ids)
    return lambda column: f"{column} IN ({inlined})"


def match_range(after, upper):
    """Row filter of a batch given by its id range ``(after, upper]``.

    Why: a stream batch is "the next n ids", i.e. a contiguous id range;
    sending the range instead of the ids saves transferring and parsing the
    id list twice (once read, once inlined into every join of the fetch).
    """
    low, high = int(after or 0), int(upper)
    return lambda column: f"{column} > {low} AND {column} <= {high}"


def newest(join_table, key, match, alias):
    """Derived table picking the newest join row per ``key`` among the batch."""
    return (
        f"LEFT JOIN (SELECT {key} AS k, MAX(id) AS jid FROM {join_table} "
        f"WHERE {match(key)} GROUP BY {key}) {alias}x ON {alias}x.k = "
    )


class Entity:
    """Base of one mirrored SICANTIK entity (override ``_sql`` / ``convert``)."""

    name = None
    table = None
    #: Odoo model and its table
    model = None
    #: normalised values written to Odoo, in hash order
    keys = ()
    #: many2one column → (target entity name, key holding the SICANTIK id)
    rels = {}
    #: raw columns masked in the quarantine
    masked = ()
    #: batch size multiplier: narrow rows whose joins cost one scan per batch
    batch_factor = 1

    def next_ids(self, src, after, limit):
        rows = src.all(
            f"SELECT id FROM {self.table} WHERE id > %s ORDER BY id LIMIT %s",
            (int(after or 0), int(limit)),
        )
        return [r["id"] for r in rows]

    def max_id(self, src):
        return src.scalar(f"SELECT MAX(id) AS m FROM {self.table}") or 0

    def count(self, src):
        return src.scalar(f"SELECT COUNT(*) AS c FROM {self.table}") or 0

    def next_range(self, src, after, limit):
        """``(upper, count)`` of the next batch: the ``limit`` ids after
        ``after`` are exactly the range ``(after, upper]``."""
        row = src.all(
            f"SELECT MAX(id) AS upper, COUNT(*) AS n FROM (SELECT id FROM "
            f"{self.table} WHERE id > %s ORDER BY id LIMIT %s) batch",
            (int(after or 0), int(limit)),
        )[0]
        return row["upper"] or 0, row["n"] or 0

    def fetch(self, src, ids):
        """The full rows of ``ids``, in chunks of at most :data:`IN_LIST_MAX`."""
        ids = list(ids)
        rows = []
        for start in range(0, len(ids), IN_LIST_MAX):
            rows += self._fetch(src, match_ids(ids[start : start + IN_LIST_MAX]))
        return rows

    def fetch_range(self, src, after, upper):
        """The full rows with ids in ``(after, upper]`` (see :meth:`next_range`)."""
        return self._fetch(src, match_range(after, upper))

    def _fetch(self, src, match):
        return src.all(self._sql(match))

    def _sql(self, match):
        """The read query of the rows ``match(column)`` selects."""
        raise NotImplementedError

    def hash_keys(self):
        return tuple(self.keys) + tuple(sid for _t, sid in self.rels.values())

    def convert(self, raw, tz=TZ_DEFAULT):
        """Return ``(values, None)`` for a clean row or ``(None, reason)``."""
        try:
            values = self._convert(raw, tz)
        except nz.InvalidValue as exc:
            return None, f"{exc.reason} ({exc.field}: {exc.value})"
        problem = self._problem(values, raw)
        if problem:
            return None, problem
        values["sicantik_id"] = raw["id"]
        values["row_hash"] = nz.row_hash(values, self.hash_keys())
        return values, None

    def prepare(self, raw_rows, tz, columns):
        """Check ``raw_rows`` and serialise the clean ones for the write.

        Plain data in, plain data out (no Odoo, no connection): the sync runs
        it for the next batch in its read-ahead thread while PostgreSQL writes
        the current one.  ``columns`` are the staging columns, in order.
        """
        clean, rejected = [], []
        for raw in raw_rows:
            values, reason = self.convert(raw, tz)
            if values is None:
                rejected.append((raw, reason))
            else:
                clean.append(values)
        return Prepared(
            source_rows=len(raw_rows),
            clean_ids=[v["sicantik_id"] for v in clean],
            rejected=rejected,
            copy_text=pgcopy.csv_text(clean, columns) if clean else "",
        )

    def _convert(self, raw, tz):
        raise NotImplementedError

    def _problem(self, values, raw):
        """Why a converted row must be quarantined ('' when it is clean)."""
        return ""


class Prepared:
    """One batch, checked and serialised: what the write needs, nothing more.

    ``rejected`` holds ``(raw row, reason)`` pairs for the quarantine;
    ``copy_text`` the clean rows as COPY CSV (:mod:`.pgcopy`).
    """

    __slots__ = ("source_rows", "clean_ids", "rejected", "copy_text")

    def __init__(self, source_rows, clean_ids, rejected, copy_text):
        self.source_rows = source_rows
        self.clean_ids = clean_ids
        self.rejected = rejected
        self.copy_text = copy_text

    @property
    def source_ids(self):
        """Every id read, clean or rejected (what SICANTIK still has)."""
        return self.clean_ids + [raw["id"] for raw, _reason in self.rejected]


class Status(Entity):
    name = "status"
    table = "trstspermohonan"
    model = "sicantik.status"
    keys = ("name",)

    def _sql(self, match):
        return (
            f"SELECT id, n_sts_permohonan FROM trstspermohonan WHERE {match('id')} "
            "ORDER BY id"
        )

    def _convert(self, raw, tz):
        return {"name": nz.clean_text(raw["n_sts_permohonan"])}

    def _problem(self, values, raw):
        if not values["name"]:
            return "Nama status kosong"
        return None


class PermitType(Entity):
    name = "permit_type"
    table = "trperizinan"
    model = "sicantik.permit.type"
    keys = ("name", "code", "sla_days", "validity_amount", "validity_unit")

    def _sql(self, match):
        return (
            "SELECT id, n_perizinan, c_perizinan, v_hari, v_berlaku_tahun, "
            f"v_berlaku_satuan FROM trperizinan WHERE {match('id')} ORDER BY id"
        )

    def _convert(self, raw, tz):
        unit = (nz.clean_text(raw["v_berlaku_satuan"]) or "").lower() or None
        return {
            "name": nz.clean_text(raw["n_perizinan"]),
            "code": nz.clean_text(raw["c_perizinan"]),
            "sla_days": nz.to_int("v_hari", raw["v_hari"]),
            "validity_amount": nz.to_int("v_berlaku_tahun", raw["v_berlaku_tahun"]),
            "validity_unit": unit,
        }

    def _problem(self, values, raw):
        if not values["name"]:
            return "Nama jenis izin kosong"
        if values["validity_unit"] not in (None, "hari", "minggu", "bulan", "tahun"):
            return f"Satuan masa berlaku tidak dikenal: {values['validity_unit']}"
        return None


class Unit(Entity):
    """A work unit of the office (``trunitkerja``).

    Permits point at it with the plain column ``tmpermohonan.trunitkerja_id``;
    Odoo uses it to show an officer the permits of their unit.
    """

    name = "unit"
    table = "trunitkerja"
    model = "sicantik.unit"
    keys = ("name",)

    def _sql(self, match):
        return (
            f"SELECT id, n_unitkerja FROM trunitkerja WHERE {match('id')} ORDER BY id"
        )

    def _convert(self, raw, tz):
        return {"name": nz.clean_text(raw["n_unitkerja"])}

    def _problem(self, values, raw):
        if not values["name"]:
            return "Nama unit kerja kosong"
        return None


def has_column(src, table, column):
    """Whether SICANTIK's ``table`` has ``column`` (asked once per batch).

    Why: some columns exist only in regional variants
    (``docs/reference/sicantik.md#regional-variants``); an office without them
    must still sync, with the value read as NULL.  The answer is kept on the
    source object, i.e. for one batch's read transaction.
    """
    cache = src.__dict__.setdefault("_sicantik_columns", {})
    key = (table, column)
    if key not in cache:
        cache[key] = bool(
            src.scalar(
                "SELECT COUNT(*) AS c FROM information_schema.COLUMNS "
                "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = %s "
                "AND COLUMN_NAME = %s",
                (table, column),
            )
        )
    return cache[key]


class Official(Entity):
    name = "official"
    table = "tmpegawai"
    model = "sicantik.official"
    keys = ("name", "nip", "position", "is_signatory")

    def _sql(self, match):
        return (
            "SELECT id, n_pegawai, nip, n_jabatan, status FROM tmpegawai "
            f"WHERE {match('id')} ORDER BY id"
        )

    def _convert(self, raw, tz):
        return {
            "name": nz.clean_text(raw["n_pegawai"]),
            "nip": nz.clean_text(raw["nip"]),
            "position": nz.clean_text(raw["n_jabatan"]),
            "is_signatory": raw["status"] == 1,
        }

    def _problem(self, values, raw):
        if not values["name"]:
            return "Nama pegawai kosong"
        return None


def _region_sql(join_table, key, match, alias):
    """Columns + joins giving kelurahan and kecamatan names of a person/company."""
    return (
        newest(join_table, key, match, alias)
        + f"t.id LEFT JOIN {join_table} {alias} ON {alias}.id = {alias}x.jid "
        f"LEFT JOIN trkelurahan kel ON kel.id = {alias}.trkelurahan_id "
        "LEFT JOIN (SELECT trkelurahan_id AS k, MAX(id) AS jid "
        "FROM trkecamatan_trkelurahan GROUP BY trkelurahan_id) kkx "
        "ON kkx.k = kel.id "
        "LEFT JOIN trkecamatan_trkelurahan kk ON kk.id = kkx.jid "
        "LEFT JOIN trkecamatan kec ON kec.id = kk.trkecamatan_id "
    )


class Applicant(Entity):
    name = "applicant"
    table = "tmpemohon"
    model = "sicantik.applicant"
    keys = (
        "name",
        "id_type",
        "id_number",
        "phone",
        "email",
        "address",
        "address_outside",
        "kelurahan",
        "kecamatan",
        "entry_date",
    )
    masked = ("no_referensi",)

    def _sql(self, match):
        return (
            "SELECT t.id, t.no_referensi, t.source, t.n_pemohon, t.telp_pemohon, "
            "t.email_pemohon, t.a_pemohon, t.a_pemohon_luar, t.d_entry, "
            "kel.n_kelurahan, kec.n_kecamatan FROM tmpemohon t "
            + _region_sql("tmpemohon_trkelurahan", "tmpemohon_id", match, "r")
            + f"WHERE {match('t.id')} ORDER BY t.id"
        )

    def _convert(self, raw, tz):
        id_type = (nz.clean_text(raw["source"]) or "").upper() or None
        number = nz.clean_text(raw["no_referensi"])
        return {
            "name": nz.clean_text(raw["n_pemohon"]),
            "id_type": id_type,
            "id_number": number,
            "phone": nz.clean_text(raw["telp_pemohon"]),
            "email": nz.clean_text(raw["email_pemohon"]),
            "address": nz.clean_text(raw["a_pemohon"]),
            "address_outside": nz.clean_text(raw["a_pemohon_luar"]),
            "kelurahan": nz.clean_text(raw["n_kelurahan"]),
            "kecamatan": nz.clean_text(raw["n_kecamatan"]),
            "entry_date": nz.to_utc("d_entry", raw["d_entry"], tz),
        }

    def _problem(self, values, raw):
        if not values["name"]:
            return "Nama pemohon kosong"
        if not values["id_number"]:
            return "Nomor identitas (no_referensi) kosong"
        if values["id_type"] == "KTP":
            problem = nz.nik_problem(values["id_number"])
            if problem:
                return f"{problem} ({nz.mask_identity(values['id_number'])})"
        if not nz.email_ok(values["email"]):
            return f"Alamat email tidak valid ({values['email']})"
        return None


class Company(Entity):
    name = "company"
    table = "tmperusahaan"
    model = "sicantik.company"
    keys = (
        "name",
        "npwp",
        "address",
        "founded_date",
        "phone",
        "registration_no",
        "email",
        "kelurahan",
        "kecamatan",
        "entry_date",
    )
    masked = ("npwp",)

    def _sql(self, match):
        return (
            "SELECT t.id, t.n_perusahaan, t.npwp, t.a_perusahaan, t.d_tgl_berdiri, "
            "t.i_telp_perusahaan, t.no_reg_perusahaan, t.email, t.d_entry, "
            "kel.n_kelurahan, kec.n_kecamatan FROM tmperusahaan t "
            + _region_sql("tmperusahaan_trkelurahan", "tmperusahaan_id", match, "r")
            + f"WHERE {match('t.id')} ORDER BY t.id"
        )

    def _convert(self, raw, tz):
        return {
            "name": nz.clean_text(raw["n_perusahaan"]),
            "npwp": nz.clean_text(raw["npwp"]),
            "address": nz.clean_text(raw["a_perusahaan"]),
            "founded_date": nz.to_date("d_tgl_berdiri", raw["d_tgl_berdiri"]),
            "phone": nz.clean_text(raw["i_telp_perusahaan"]),
            "registration_no": nz.clean_text(raw["no_reg_perusahaan"]),
            "email": nz.clean_text(raw["email"]),
            "kelurahan": nz.clean_text(raw["n_kelurahan"]),
            "kecamatan": nz.clean_text(raw["n_kecamatan"]),
            "entry_date": nz.to_utc("d_entry", raw["d_entry"], tz),
        }

    def _problem(self, values, raw):
        if not values["name"]:
            return "Nama perusahaan kosong"
        problem = nz.npwp_problem(values["npwp"])
        if problem:
            return f"{problem} ({nz.mask_identity(values['npwp'])})"
        if not nz.email_ok(values["email"]):
            return f"Alamat email tidak valid ({values['email']})"
        return None


class Permit(Entity):
    """One application (``tmpermohonan``) with its has-one links resolved.

    ``is_issued`` follows ``docs/reference/sicantik.md#issued-permits``: an SK
    exists whose number is not 'Ditolak', the decision is not a rejection and
    the permit is not revoked.

    The unit is the plain column ``trunitkerja_id`` (no join table).  It is
    a regional variant column: where SICANTIK lacks it, it reads as NULL and
    permits have no unit.  A unit id that names no ``trunitkerja`` row is
    tolerated like other orphan links: ``unit_sid`` keeps the id and
    ``unit_id`` stays empty.
    """

    name = "permit"
    table = "tmpermohonan"
    model = "sicantik.permit"
    keys = (
        "name",
        "year",
        "request_kind",
        "location",
        "date_received",
        "date_survey",
        "date_due",
        "date_handed_over",
        "valid_until",
        "sk_number",
        "sk_date",
        "decision",
        "registration_state",
        "is_handed_over",
        "is_revoked",
        "revoked_date",
        "revoke_note",
        "is_paid",
        "is_issued",
        "previous_sicantik_id",
        "signer_nip",
        "signer_name",
        "note",
        "entry_user",
        "entry_date",
    )
    rels = {
        "applicant_id": ("applicant", "applicant_sid"),
        "company_id": ("company", "company_sid"),
        "permit_type_id": ("permit_type", "permit_type_sid"),
        "status_id": ("status", "status_sid"),
        "official_id": ("official", "official_sid"),
        "unit_id": ("unit", "unit_sid"),
    }

    def _fetch(self, src, match):
        unit = "NULL"
        if has_column(src, self.table, "trunitkerja_id"):
            unit = "p.trunitkerja_id"
        return src.all(self._sql(match, unit))

    def _sql(self, match, unit="p.trunitkerja_id"):
        def link(table, alias):
            return (
                newest(table, "tmpermohonan_id", match, alias)
                + f"p.id LEFT JOIN {table} {alias} ON {alias}.id = {alias}x.jid "
            )

        return (
            "SELECT p.id, p.pendaftaran_id, p.d_tahun, p.d_terima_berkas, "
            "p.d_survey, p.d_selesai_proses, p.d_berlaku_izin, p.d_ambil_izin, "
            "p.d_izin_dicabut, p.a_izin, p.c_pendaftaran, p.c_penetapan, "
            "p.c_izin_selesai, p.c_izin_dicabut, p.c_status_bayar, p.id_lama, "
            "p.i_entry, p.d_entry, p.nip_ttd, p.nama_ttd, p.keterangan, "
            f"p.ket_cabut, {unit} AS unit_sid, ep.tmpemohon_id AS applicant_sid, "
            "e.id AS applicant_found, pc.tmperusahaan_id AS company_sid, "
            "pz.trperizinan_id AS permit_type_sid, "
            "pst.trstspermohonan_id AS status_sid, j.n_permohonan, "
            "s.id AS sk_id, s.no_surat, s.tgl_surat, pg.tmpegawai_id AS official_sid "
            "FROM tmpermohonan p "
            + link("tmpemohon_tmpermohonan", "ep")
            + "LEFT JOIN tmpemohon e ON e.id = ep.tmpemohon_id "
            + link("tmpermohonan_tmperusahaan", "pc")
            + link("tmpermohonan_trperizinan", "pz")
            + link("tmpermohonan_trstspermohonan", "pst")
            + link("tmpermohonan_trjenis_permohonan", "pj")
            + "LEFT JOIN trjenis_permohonan j ON j.id = pj.trjenis_permohonan_id "
            + link("tmpermohonan_tmsk", "ps")
            + "LEFT JOIN tmsk s ON s.id = ps.tmsk_id "
            "LEFT JOIN (SELECT tmsk_id AS k, MAX(id) AS jid FROM tmpegawai_tmsk "
            "WHERE tmsk_id IN (SELECT tmsk_id FROM tmpermohonan_tmsk "
            f"WHERE {match('tmpermohonan_id')}) "
            "GROUP BY tmsk_id) pgx ON pgx.k = s.id "
            "LEFT JOIN tmpegawai_tmsk pg ON pg.id = pgx.jid "
            f"WHERE {match('p.id')} ORDER BY p.id"
        )

    def _convert(self, raw, tz):
        sk_number = nz.clean_text(raw["no_surat"])
        rejected_sk = (sk_number or "").lower() == "ditolak"
        decision = raw["c_penetapan"]
        revoked = bool(raw["c_izin_dicabut"])
        values = {
            "name": nz.clean_text(raw["pendaftaran_id"]),
            "year": nz.clean_text(raw["d_tahun"]),
            "request_kind": nz.clean_text(raw["n_permohonan"]),
            "location": nz.clean_text(raw["a_izin"]),
            "date_received": nz.to_date("d_terima_berkas", raw["d_terima_berkas"]),
            "date_survey": nz.to_date("d_survey", raw["d_survey"]),
            "date_due": nz.to_date("d_selesai_proses", raw["d_selesai_proses"]),
            "date_handed_over": nz.to_utc("d_ambil_izin", raw["d_ambil_izin"], tz),
            "valid_until": nz.to_date("d_berlaku_izin", raw["d_berlaku_izin"]),
            "sk_number": None if rejected_sk else sk_number,
            "sk_date": nz.to_date("tgl_surat", raw["tgl_surat"]),
            "decision": {0: "pending", 1: "approved", 2: "rejected"}.get(
                decision, "pending"
            ),
            "registration_state": str(raw["c_pendaftaran"] or 0),
            "is_handed_over": bool(raw["c_izin_selesai"]),
            "is_revoked": revoked,
            "revoked_date": nz.to_date("d_izin_dicabut", raw["d_izin_dicabut"]),
            "revoke_note": nz.clean_text(raw["ket_cabut"]),
            "is_paid": bool(raw["c_status_bayar"]),
            "is_issued": bool(
                sk_number and not rejected_sk and decision != 2 and not revoked
            ),
            "previous_sicantik_id": raw["id_lama"] or None,
            "signer_nip": nz.clean_text(raw["nip_ttd"]),
            "signer_name": nz.clean_text(raw["nama_ttd"]),
            "note": nz.clean_text(raw["keterangan"]),
            "entry_user": nz.clean_text(raw["i_entry"]),
            "entry_date": nz.to_utc("d_entry", raw["d_entry"], tz),
        }
        if not values["year"] and values["date_received"]:
            values["year"] = str(values["date_received"].year)
        for _col, (_target, sid) in self.rels.items():
            values[sid] = raw[sid]
        return values

    def _problem(self, values, raw):
        if not values["name"]:
            return "Nomor pendaftaran kosong"
        if raw["applicant_sid"] is None:
            return "Permohonan tanpa pemohon (baris tmpemohon_tmpermohonan hilang)"
        if raw["applicant_found"] is None:
            return (
                "Pemohon tidak ditemukan: tmpemohon.id "
                f"{raw['applicant_sid']} tidak ada (orphan)"
            )
        if raw["permit_type_sid"] is None:
            return "Permohonan tanpa jenis izin (tmpermohonan_trperizinan hilang)"
        return None


class History(Entity):
    """One step of a permit's workflow (``tmtrackingperizinan``).

    ``source_stamp`` is what changes when SICANTIK closes a step; the
    incremental sync compares it to skip rows it already holds.
    """

    name = "history"
    table = "tmtrackingperizinan"
    batch_factor = 4
    model = "sicantik.permit.history"
    keys = ("date_start", "date_end", "is_open", "duration_hours", "source_stamp")
    rels = {
        "permit_id": ("permit", "permit_sid"),
        "status_id": ("status", "status_sid"),
    }

    def _sql(self, match):
        return (
            "SELECT t.id, t.pendaftaran_id, t.status, t.d_entry_awal, t.d_entry, "
            "pt.tmpermohonan_id AS permit_sid, ts.trstspermohonan_id AS status_sid "
            "FROM tmtrackingperizinan t "
            + newest(
                "tmpermohonan_tmtrackingperizinan",
                "tmtrackingperizinan_id",
                match,
                "pt",
            )
            + "t.id LEFT JOIN tmpermohonan_tmtrackingperizinan pt "
            "ON pt.id = ptx.jid "
            + newest(
                "tmtrackingperizinan_trstspermohonan",
                "tmtrackingperizinan_id",
                match,
                "ts",
            )
            + "t.id LEFT JOIN tmtrackingperizinan_trstspermohonan ts "
            "ON ts.id = tsx.jid "
            f"WHERE {match('t.id')} ORDER BY t.id"
        )

    @staticmethod
    def stamp(raw):
        return f"{raw['status']}|{raw['d_entry_awal']}|{raw['d_entry']}"

    def _convert(self, raw, tz):
        start = nz.to_utc("d_entry_awal", raw["d_entry_awal"], tz)
        end = nz.to_utc("d_entry", raw["d_entry"], tz)
        is_open = (raw["status"] or "").strip().lower() == "insert"
        duration = None
        if start and end and not is_open:
            duration = round((end - start).total_seconds() / 3600.0, 4)
        return {
            "date_start": start,
            "date_end": None if is_open else end,
            "is_open": is_open,
            "duration_hours": duration,
            "source_stamp": self.stamp(raw),
            "permit_sid": raw["permit_sid"],
            "status_sid": raw["status_sid"],
        }

    def _problem(self, values, raw):
        if raw["permit_sid"] is None:
            return "Riwayat tanpa permohonan (tmpermohonan_tmtrackingperizinan hilang)"
        if values["date_start"] and values["date_end"]:
            if values["date_end"] < values["date_start"]:
                return "Tanggal selesai langkah sebelum tanggal mulai"
        return None


#: Sync order: every entity after the ones it links to.
ENTITIES = [
    Status(),
    PermitType(),
    Unit(),
    Official(),
    Applicant(),
    Company(),
    Permit(),
]
HISTORY = History()
ALL = ENTITIES + [HISTORY]
BY_NAME = {e.name: e for e in ALL}
