"""``mutate``: one office day of SICANTIK activity on an existing sandbox DB.

Incremental sync needs a source that changes the way the vendor's code changes
it, including the awkward parts:

* new applications get the next ids and one open ``'Insert'`` tracking row;
* a workflow step closes by turning the open row into ``'Update'`` with
  ``d_entry = now`` and inserting the next ``'Insert'`` row, while the has_one
  current-status join row is updated in place (its id does not move);
* issuing an SK adds ``tmsk`` + joins (+ the PDF when an upload root is given);
* applicant and company edits overwrite columns in place and leave **no
  timestamp** anywhere (``d_entry`` is creation time only) - the sync can only
  find them by re-reading.

The summary lists every touched ``tmpermohonan`` id: the ground truth an
incremental-sync test compares with what its run picked up.  Determinism: the
random stream is seeded from ``seed``, the database's high-water marks and
``now``, so the same call on the same database state does the same thing.
"""

from __future__ import annotations

import base64
import os
import time
from datetime import date, datetime, timedelta
from random import Random

from . import db, pdfs, refdata, words
from .people import PROFESSION_BY_TYPE, Regions, make_company, make_person, phone

FMT = "%Y-%m-%d %H:%M:%S"
P_REJECT = 0.05
P_RENEWAL = 0.15


def _fmt(t: datetime) -> str:
    return t.strftime(FMT)


class _State:
    """What mutate needs to know about the database before it changes it."""

    def __init__(self, cur):
        self.cur = cur
        self.max_id: dict[str, int] = {}
        cur.execute("SELECT CAST(date AS CHAR) FROM tmholiday")
        self.holidays = sorted(
            date.fromisoformat(r[0]).toordinal()
            for r in cur.fetchall()
            if r[0] and not r[0].startswith("0000")
        )
        self.holiday_set = set(self.holidays)
        cur.execute(
            "SELECT trkelompok_perizinan_id, trstspermohonan_id FROM "
            "trlangkah_perizinan ORDER BY trkelompok_perizinan_id, urut"
        )
        self.workflows: dict[int, list[int]] = {}
        for g, st in cur.fetchall():
            self.workflows.setdefault(g, []).append(st)
        cur.execute(
            "SELECT trperizinan_id, trkelompok_perizinan_id FROM "
            "trkelompok_perizinan_trperizinan ORDER BY id"
        )
        self.group_of = dict(cur.fetchall())
        cur.execute(
            "SELECT id, n_perizinan, c_perizinan, v_hari, v_berlaku_tahun, "
            "v_berlaku_satuan FROM trperizinan"
        )
        self.types = {r[0]: r for r in cur.fetchall()}
        cur.execute("SELECT id FROM tmpermohonan")
        self.permits = {r[0] for r in cur.fetchall()}
        # permit -> type, newest join row winning as in the vendor code
        cur.execute(
            "SELECT tmpermohonan_id, trperizinan_id FROM "
            "tmpermohonan_trperizinan ORDER BY id"
        )
        self.type_of = dict(cur.fetchall())

    def next_id(self, table: str) -> int:
        if table not in self.max_id:
            self.cur.execute(f"SELECT COALESCE(MAX(id), 0) FROM `{table}`")
            self.max_id[table] = self.cur.fetchone()[0]
        self.max_id[table] += 1
        return self.max_id[table]

    def high_water(self) -> tuple[int, int]:
        self.cur.execute("SELECT COALESCE(MAX(id), 0) FROM tmtrackingperizinan")
        return max(self.permits, default=0), self.cur.fetchone()[0]

    def is_working_day(self, d: date) -> bool:
        return d.weekday() < 5 and d.toordinal() not in self.holiday_set


def default_now(cur, state: _State) -> datetime:
    """16:00 on the first working day after the newest activity in the DB."""
    latest = "2019-01-01 00:00:00"
    for table in ("tmtrackingperizinan", "tmpermohonan"):
        cur.execute(
            f"SELECT CAST(MAX(d_entry) AS CHAR) FROM {table} "
            "WHERE d_entry > '1000-01-01'"
        )
        value = cur.fetchone()[0]
        if value and value > latest:
            latest = value
    day = datetime.strptime(latest[:10], "%Y-%m-%d").date() + timedelta(days=1)
    while not state.is_working_day(day):
        day += timedelta(days=1)
    return datetime(day.year, day.month, day.day, 16, 0, 0)


class _Day:
    """Hands out increasing timestamps across the simulated office day."""

    def __init__(self, now: datetime, rng: Random):
        self.now = now
        self.t = now - timedelta(hours=8)
        self.rng = rng

    def next(self, not_before: str | None = None) -> datetime:
        self.t = min(self.now, self.t + timedelta(seconds=self.rng.randint(60, 600)))
        t = self.t
        if not_before and not not_before.startswith("0000"):
            t = max(t, datetime.strptime(not_before[:19], FMT))
        return t


class _Mutation:
    def __init__(
        self, cur, state: _State, rng: Random, day: _Day, upload_root: str | None
    ):
        self.cur = cur
        self.s = state
        self.rng = rng
        self.day = day
        self.upload_root = upload_root
        self.regions = Regions()
        self.out = {
            k: []
            for k in (
                "new_ids",
                "stepped_ids",
                "issued_ids",
                "rejected_ids",
                "handed_over_ids",
                "edited_tmpemohon_ids",
                "edited_tmperusahaan_ids",
                "edit_linked_ids",
            )
        }
        self.closed = 0
        self.opened = 0
        self.files = 0
        self._seq: dict[tuple[str, int], int] = {}

    # ------------------------------------------------------------ helpers
    def q1(self, sql: str, args=()):
        self.cur.execute(sql, args)
        row = self.cur.fetchone()
        return row[0] if row else None

    def ex(self, sql: str, args=()) -> None:
        self.cur.execute(sql, args)

    def newest(self, table: str, col: str, pid: int):
        """Target of the newest join row (vendor semantics: MAX(id) wins)."""
        return self.q1(
            f"SELECT `{col}` FROM `{table}` WHERE tmpermohonan_id = %s "
            "ORDER BY id DESC LIMIT 1",
            (pid,),
        )

    def seq(self, kind: str, year: int) -> int:
        key = (kind, year)
        if key not in self._seq:
            if kind == "urut":
                cur = self.q1(
                    "SELECT MAX(CAST(i_urut AS UNSIGNED)) FROM tmpermohonan "
                    "WHERE d_tahun = %s",
                    (str(year),),
                )
            elif kind == "bap":
                cur = self.q1(
                    "SELECT MAX(CAST(SUBSTRING(bap_id, 5, 4) AS UNSIGNED)) "
                    "FROM tmbap WHERE bap_id LIKE %s",
                    (f"BAP/%/{year}",),
                )
            else:
                op = "=" if kind == "tolak" else "<>"
                cur = self.q1(
                    "SELECT MAX(CAST(i_urut AS UNSIGNED)) FROM tmsk WHERE "
                    f"no_surat {op} 'Ditolak' AND tgl_surat BETWEEN %s AND %s",
                    (f"{year}-01-01", f"{year}-12-31"),
                )
            self._seq[key] = int(cur or 0)
        self._seq[key] += 1
        return self._seq[key]

    def open_tracking(self, pid: int, pend: str, status: int, t: datetime) -> None:
        tid = self.s.next_id("tmtrackingperizinan")
        self.ex(
            "INSERT INTO tmtrackingperizinan (id, pendaftaran_id, status, "
            "d_entry_awal, d_entry) VALUES (%s, %s, 'Insert', %s, %s)",
            (tid, pend, _fmt(t), _fmt(t)),
        )
        self.ex(
            "INSERT INTO tmpermohonan_tmtrackingperizinan (id, tmpermohonan_id, "
            "tmtrackingperizinan_id) VALUES (%s, %s, %s)",
            (self.s.next_id("tmpermohonan_tmtrackingperizinan"), pid, tid),
        )
        self.ex(
            "INSERT INTO tmtrackingperizinan_trstspermohonan (id, "
            "tmtrackingperizinan_id, trstspermohonan_id) VALUES (%s, %s, %s)",
            (self.s.next_id("tmtrackingperizinan_trstspermohonan"), tid, status),
        )
        self.opened += 1

    def set_current_status(self, pid: int, status: int) -> None:
        jid = self.q1(
            "SELECT MAX(id) FROM tmpermohonan_trstspermohonan "
            "WHERE tmpermohonan_id = %s",
            (pid,),
        )
        if jid is None:
            self.ex(
                "INSERT INTO tmpermohonan_trstspermohonan (id, tmpermohonan_id, "
                "trstspermohonan_id) VALUES (%s, %s, %s)",
                (self.s.next_id("tmpermohonan_trstspermohonan"), pid, status),
            )
        else:
            self.ex(
                "UPDATE tmpermohonan_trstspermohonan SET trstspermohonan_id = %s "
                "WHERE id = %s",
                (status, jid),
            )

    def sim_permit(
        self, pid: int, outcome: str | None, status: int, in_ref: int | None = None
    ) -> None:
        self.ex(
            "INSERT INTO zz_sim_permit (tmpermohonan_id, outcome, "
            "trstspermohonan_id, in_reference_query) VALUES (%s, %s, %s, %s) "
            "ON DUPLICATE KEY UPDATE outcome = COALESCE(%s, outcome), "
            "trstspermohonan_id = VALUES(trstspermohonan_id), "
            "in_reference_query = COALESCE(%s, in_reference_query)",
            (pid, outcome or "in_process", status, in_ref or 0, outcome, in_ref),
        )

    # ---------------------------------------------------------- open permits
    def open_permits(self) -> dict[int, tuple[int, int, str]]:
        """permit id -> (open tracking id, status, d_entry_awal) for live permits."""
        self.cur.execute(
            "SELECT pt.tmpermohonan_id, t.id, ts.trstspermohonan_id, "
            "CAST(t.d_entry_awal AS CHAR) FROM tmtrackingperizinan t "
            "JOIN tmpermohonan_tmtrackingperizinan pt "
            "  ON pt.tmtrackingperizinan_id = t.id "
            "JOIN tmtrackingperizinan_trstspermohonan ts "
            "  ON ts.tmtrackingperizinan_id = t.id "
            "WHERE t.status = 'Insert' ORDER BY pt.tmpermohonan_id, t.id"
        )
        out = {}
        for pid, tid, st, start in self.cur.fetchall():
            if pid in self.s.permits:
                out[pid] = (tid, st, start)
        return {p: v for p, v in out.items() if v[1] not in refdata.TERMINAL_STATUSES}

    # ------------------------------------------------------------ actions
    def close_step(
        self, pid: int, open_row: tuple[int, int, str], allow_reject: bool = True
    ) -> tuple[int, int, str] | None:
        """Close the open step of ``pid``; returns the new open row (or None)."""
        tid, status, start = open_row
        type_id = self.s.type_of.get(pid)
        group = self.s.group_of.get(type_id)
        flow = self.s.workflows.get(group, [])
        if type_id not in self.s.types or status not in flow or status == flow[-1]:
            return None
        t = self.day.next(start)
        pend = self.q1("SELECT pendaftaran_id FROM tmpermohonan WHERE id = %s", (pid,))
        self.ex(
            "UPDATE tmtrackingperizinan SET status = 'Update', d_entry = %s "
            "WHERE id = %s",
            (_fmt(t), tid),
        )
        self.closed += 1
        ttype = self.s.types[type_id]
        nxt = flow[flow.index(status) + 1]
        outcome, in_ref = None, None
        if status == refdata.ST_BERKAS:
            self.ex("UPDATE tmpermohonan SET c_pendaftaran = 1 WHERE id = %s", (pid,))
        elif status == refdata.ST_TINJAUAN:
            self.ex(
                "UPDATE tmpermohonan SET d_survey = %s WHERE id = %s",
                (t.date().isoformat(), pid),
            )
        elif status == refdata.ST_BAP:
            self.add_bap(pid, t, group)
        elif status == refdata.ST_PENETAPAN:
            if allow_reject and self.rng.random() < P_REJECT:
                nxt, outcome, in_ref = refdata.ST_DITOLAK, "rejected", 0
                self.ex("UPDATE tmpermohonan SET c_penetapan = 2 WHERE id = %s", (pid,))
                self.add_sk(pid, t, ttype, rejected=True)
                self.out["rejected_ids"].append(pid)
            else:
                self.ex("UPDATE tmpermohonan SET c_penetapan = 1 WHERE id = %s", (pid,))
        elif status == refdata.ST_KASIR:
            self.ex("UPDATE tmpermohonan SET c_status_bayar = 1 WHERE id = %s", (pid,))
        elif status == refdata.ST_PEMBUATAN_IZIN:
            self.add_sk(pid, t, ttype, rejected=False)
            outcome, in_ref = "ready", 1
            self.out["issued_ids"].append(pid)
        elif status == refdata.ST_PENYERAHAN:
            self.ex(
                "UPDATE tmpermohonan SET d_ambil_izin = %s, c_izin_selesai = 1 "
                "WHERE id = %s",
                (_fmt(t), pid),
            )
            outcome, in_ref = "archived", 1
            self.out["handed_over_ids"].append(pid)
        self.open_tracking(pid, pend, nxt, t)
        self.set_current_status(pid, nxt)
        self.sim_permit(pid, outcome or "in_process", nxt, in_ref)
        if pid not in self.out["stepped_ids"]:
            self.out["stepped_ids"].append(pid)
        if nxt in refdata.TERMINAL_STATUSES:
            return None
        return (self.s.max_id["tmtrackingperizinan"], nxt, _fmt(t))

    def add_bap(self, pid: int, t: datetime, group: int) -> None:
        n = self.seq("bap", t.year)
        nilai = self.rng.randint(15, 500) * 10000 if group == 4 else 0
        bap_id = self.s.next_id("tmbap")
        self.ex(
            "INSERT INTO tmbap (id, bap_id, status_bap, nilai_bap_awal, "
            "c_penetapan, c_skrd, c_pesan) VALUES (%s, %s, 1, %s, 1, %s, "
            "'Work Flow')",
            (bap_id, f"BAP/{n:04d}/{t.year}", nilai, 1 if group == 4 else 0),
        )
        self.ex(
            "INSERT INTO tmbap_tmpermohonan (id, tmbap_id, tmpermohonan_id) "
            "VALUES (%s, %s, %s)",
            (self.s.next_id("tmbap_tmpermohonan"), bap_id, pid),
        )

    def add_sk(self, pid: int, t: datetime, ttype: tuple, rejected: bool) -> None:
        day = t.date()
        sk_id = self.s.next_id("tmsk")
        if rejected:
            n = self.seq("tolak", day.year)
            self.ex(
                "INSERT INTO tmsk (id, no_surat, tgl_surat, c_status, c_cetak, "
                "i_urut, base64, c_is_requested, c_status_salinan) VALUES "
                "(%s, 'Ditolak', %s, 1, 0, %s, NULL, 0, 0)",
                (sk_id, day.isoformat(), f"{n:04d}"),
            )
        else:
            n = self.seq("sk", day.year)
            no = refdata.sk_number(n, day.year, day.month, ttype[0], ttype[2])
            b64 = base64.b64encode(no.encode()).decode()
            self.ex(
                "INSERT INTO tmsk (id, no_surat, tgl_surat, c_status, c_cetak, "
                "i_urut, base64, c_is_requested, c_status_salinan) VALUES "
                "(%s, %s, %s, 1, 1, %s, %s, 0, 0)",
                (sk_id, no, day.isoformat(), f"{n:04d}", b64),
            )
            signer = refdata.signer_for(day)
            self.ex(
                "INSERT INTO tmpegawai_tmsk (id, tmpegawai_id, tmsk_id) VALUES "
                "(%s, %s, %s)",
                (self.s.next_id("tmpegawai_tmsk"), signer[0], sk_id),
            )
            expiry = (
                refdata.php_mod_date(day, ttype[4], ttype[5]).isoformat()
                if ttype[4]
                else None
            )
            self.ex(
                "UPDATE tmpermohonan SET nip_ttd = %s, nama_ttd = %s, "
                "d_berlaku_izin = %s, c_status_bayar = 1 WHERE id = %s",
                (signer[2], signer[1], expiry, pid),
            )
            self.ex(
                "INSERT INTO rat (id, user_id, date_time, code, message, "
                "tmpermohonan) VALUES (%s, %s, %s, 9, 'Cetak', %s)",
                (self.s.next_id("rat"), refdata.BACK_OFFICE_USERS[0], _fmt(t), pid),
            )
            if self.upload_root and self.rng.random() >= 0.15:
                self.write_pdf(pid, ttype, no, day, expiry, signer)
        self.ex(
            "INSERT INTO tmpermohonan_tmsk (id, tmpermohonan_id, tmsk_id) VALUES "
            "(%s, %s, %s)",
            (self.s.next_id("tmpermohonan_tmsk"), pid, sk_id),
        )

    def write_pdf(self, pid, ttype, no, day, expiry, signer) -> None:
        self.cur.execute(
            "SELECT pendaftaran_id, a_izin FROM tmpermohonan WHERE id = %s", (pid,)
        )
        pend, a_izin = self.cur.fetchone()
        if not pend:
            return
        cid = self.newest("tmpermohonan_tmperusahaan", "tmperusahaan_id", pid)
        cname = None
        if cid:
            cname = self.q1(
                "SELECT n_perusahaan FROM tmperusahaan WHERE id = %s", (cid,)
            )
        pem = self.newest("tmpemohon_tmpermohonan", "tmpemohon_id", pid)
        self.cur.execute(
            "SELECT n_pemohon, no_referensi FROM tmpemohon WHERE id = %s", (pem,)
        )
        person = self.cur.fetchone() or ("", "")
        layout = (
            pdfs.LAYOUT_SYARAT
            if cname and self.rng.random() < 0.7
            else pdfs.LAYOUT_FLAT
        )
        rel = pdfs.relative_path(layout, pend, ttype[1], cid, cname)
        data = pdfs.render_permit(
            {
                "pendaftaran_id": pend,
                "n_perizinan": ttype[1],
                "no_surat": no,
                "tgl_surat": day.isoformat(),
                "n_pemohon": person[0],
                "no_referensi": person[1],
                "n_perusahaan": cname,
                "a_izin": a_izin,
                "d_berlaku_izin": expiry,
                "nama_ttd": signer[1],
                "nip_ttd": signer[2],
            },
            0,
            f"mutate:{pid}",
        )
        path = os.path.join(self.upload_root, *rel.split("/"))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as fh:
            fh.write(data)
        self.ex(
            "INSERT INTO zz_sim_expected_file (id, tmpermohonan_id, relative_path, "
            "layout) VALUES (%s, %s, %s, %s)",
            (self.s.next_id("zz_sim_expected_file"), pid, rel, layout),
        )
        self.files += 1

    def new_application(self) -> None:
        rng = self.rng
        t = self.day.next()
        types = refdata.PERMIT_TYPES
        ptype = rng.choices(types, weights=[p[7] for p in types])[0]
        type_id, v_hari, company_share = ptype[0], ptype[3], ptype[8]
        pid = self.s.next_id("tmpermohonan")
        self.s.permits.add(pid)
        self.s.type_of[pid] = type_id
        operator = refdata.USERS[rng.choice(refdata.FRONT_OFFICE_USERS) - 1]
        jenis, old, pemohon_id, company_id = 1, None, None, None
        if 3 in ptype[11] and rng.random() < P_RENEWAL:
            self.cur.execute(
                "SELECT p.id FROM tmpermohonan p JOIN tmpermohonan_trperizinan z "
                "ON z.tmpermohonan_id = p.id WHERE z.trperizinan_id = %s AND "
                "p.c_izin_selesai = 1 AND p.c_izin_dicabut = 0 ORDER BY p.id",
                (type_id,),
            )
            olds = [r[0] for r in self.cur.fetchall()]
            if olds:
                old = rng.choice(olds)
                jenis = 3
                pemohon_id = self.newest("tmpemohon_tmpermohonan", "tmpemohon_id", old)
                company_id = self.newest(
                    "tmpermohonan_tmperusahaan", "tmperusahaan_id", old
                )
        if pemohon_id is None:
            max_pem = self.q1("SELECT COALESCE(MAX(id), 0) FROM tmpemohon")
            if max_pem and rng.random() < 0.3 and type_id not in PROFESSION_BY_TYPE:
                pemohon_id = rng.randint(1, max_pem)
            else:
                vals, kel = make_person(
                    rng, self.regions, t.date(), set(), PROFESSION_BY_TYPE.get(type_id)
                )
                pemohon_id = self.s.next_id("tmpemohon")
                self.ex(
                    "INSERT INTO tmpemohon (id, no_referensi, source, n_pemohon, "
                    "telp_pemohon, email_pemohon, a_pemohon, a_pemohon_luar, "
                    "i_user, d_entry, cek_prop) VALUES (%s, %s, %s, %s, %s, %s, "
                    "%s, %s, %s, %s, %s)",
                    (pemohon_id, *vals[:7], operator[2], _fmt(t), vals[7]),
                )
                self.ex(
                    "INSERT INTO tmpemohon_trkelurahan (id, tmpemohon_id, "
                    "trkelurahan_id) VALUES (%s, %s, %s)",
                    (self.s.next_id("tmpemohon_trkelurahan"), pemohon_id, kel[0]),
                )
            if company_share and rng.random() < company_share:
                vals, kel = make_company(rng, self.regions, t.date(), set())
                company_id = self.s.next_id("tmperusahaan")
                self.ex(
                    "INSERT INTO tmperusahaan (id, n_perusahaan, npwp, "
                    "a_perusahaan, d_tgl_berdiri, i_telp_perusahaan, "
                    "no_reg_perusahaan, rt, rw, fax, email, i_user, d_entry) "
                    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                    (company_id, *vals, operator[2], _fmt(t)),
                )
                self.ex(
                    "INSERT INTO tmperusahaan_trkelurahan (id, tmperusahaan_id, "
                    "trkelurahan_id) VALUES (%s, %s, %s)",
                    (self.s.next_id("tmperusahaan_trkelurahan"), company_id, kel[0]),
                )
        urut = self.seq("urut", t.year)
        pend = refdata.pendaftaran_number(urut, type_id, jenis, t.month, t.year)
        received = t.date()
        due = refdata.sla_due_date(received, v_hari, self.s.holidays)
        group = self.s.group_of.get(type_id, ptype[6])
        a_izin = self.q1("SELECT a_pemohon FROM tmpemohon WHERE id = %s", (pemohon_id,))
        self.ex(
            "INSERT INTO tmpermohonan (id, pendaftaran_id, i_urut, d_tahun, "
            "d_terima_berkas, d_selesai_proses, a_izin, c_paralel, c_pendaftaran, "
            "c_tinjauan, c_penetapan, c_izin_selesai, c_izin_dicabut, c_status_bayar, "
            "id_lama, d_perpanjangan, i_entry, d_entry, trunitkerja_id, due_notif) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, 0, 0, %s, 0, 0, 0, 0, %s, %s, %s, "
            "%s, %s, 0)",
            (
                pid,
                pend,
                f"{urut:05d}",
                str(t.year),
                received.isoformat(),
                due.isoformat(),
                a_izin,
                1 if group in (2, 3, 4) else 0,
                old,
                received.isoformat() if jenis == 3 else None,
                operator[2],
                _fmt(t),
                ptype[9],
            ),
        )
        for table, cols, vals in (
            (
                "tmpermohonan_trperizinan",
                ("tmpermohonan_id", "trperizinan_id"),
                (pid, type_id),
            ),
            (
                "tmpermohonan_trjenis_permohonan",
                ("tmpermohonan_id", "trjenis_permohonan_id"),
                (pid, jenis),
            ),
            (
                "tmpemohon_tmpermohonan",
                ("tmpemohon_id", "tmpermohonan_id"),
                (pemohon_id, pid),
            ),
            (
                "tmpermohonan_trstspermohonan",
                ("tmpermohonan_id", "trstspermohonan_id"),
                (pid, refdata.ST_PENDAFTARAN),
            ),
        ):
            self.ex(
                f"INSERT INTO `{table}` (id, {cols[0]}, {cols[1]}) VALUES (%s, %s, %s)",
                (self.s.next_id(table), *vals),
            )
        if company_id:
            self.ex(
                "INSERT INTO tmpermohonan_tmperusahaan (id, tmpermohonan_id, "
                "tmperusahaan_id) VALUES (%s, %s, %s)",
                (self.s.next_id("tmpermohonan_tmperusahaan"), pid, company_id),
            )
        bit = refdata.JENIS_BIT[jenis]
        for sid in ptype[12]:
            if refdata.SYARAT_SHOW_TYPE.get(sid, refdata.SYARAT_DEFAULT_SHOW) & bit:
                self.ex(
                    "INSERT INTO tmpermohonan_trsyarat_perizinan (id, "
                    "tmpermohonan_id, trsyarat_perizinan_id) VALUES (%s, %s, %s)",
                    (self.s.next_id("tmpermohonan_trsyarat_perizinan"), pid, sid),
                )
        self.open_tracking(pid, pend, refdata.ST_PENDAFTARAN, t)
        self.ex(
            "INSERT INTO rat (id, user_id, date_time, code, message, tmpermohonan) "
            "VALUES (%s, %s, %s, 1, 'Insert Pendaftaran', %s)",
            (self.s.next_id("rat"), operator[0], _fmt(t), pid),
        )
        self.sim_permit(pid, "in_process", refdata.ST_PENDAFTARAN, 0)
        self.out["new_ids"].append(pid)

    def update_changed(self, table: str, column: str, value: str, row_id: int) -> None:
        """Overwrite one column in place, making sure the value really changes.

        Like the vendor's edit forms: no timestamp column is touched.
        """
        old = self.q1(f"SELECT `{column}` FROM `{table}` WHERE id = %s", (row_id,))
        if old == value:
            value += " (UBAH)"
        self.ex(f"UPDATE `{table}` SET `{column}` = %s WHERE id = %s", (value, row_id))

    def edit_applicant(self) -> None:
        rng = self.rng
        max_pem = self.q1("SELECT COALESCE(MAX(id), 0) FROM tmpemohon")
        if not max_pem:
            return
        pem = rng.randint(1, max_pem)
        column, value = (
            ("telp_pemohon", phone(rng)),
            (
                "a_pemohon",
                f"{rng.choice(words.STREETS_KARO)} NO. {rng.randint(1, 180)}",
            ),
            ("email_pemohon", f"pemohon{pem}@{rng.choice(words.EMAIL_DOMAINS)}"),
        )[rng.randrange(3)]
        self.update_changed("tmpemohon", column, value, pem)
        self.out["edited_tmpemohon_ids"].append(pem)
        self.cur.execute(
            "SELECT tmpermohonan_id FROM tmpemohon_tmpermohonan "
            "WHERE tmpemohon_id = %s",
            (pem,),
        )
        self.out["edit_linked_ids"].extend(
            r[0] for r in self.cur.fetchall() if r[0] in self.s.permits
        )

    def edit_company(self) -> None:
        rng = self.rng
        max_co = self.q1("SELECT COALESCE(MAX(id), 0) FROM tmperusahaan")
        if not max_co:
            self.edit_applicant()
            return
        co = rng.randint(1, max_co)
        if rng.random() < 0.5:
            self.update_changed("tmperusahaan", "i_telp_perusahaan", phone(rng), co)
        else:
            self.update_changed(
                "tmperusahaan",
                "a_perusahaan",
                f"{rng.choice(words.STREETS_KARO)} NO. {rng.randint(1, 180)}",
                co,
            )
        self.out["edited_tmperusahaan_ids"].append(co)
        self.cur.execute(
            "SELECT tmpermohonan_id FROM tmpermohonan_tmperusahaan "
            "WHERE tmperusahaan_id = %s",
            (co,),
        )
        self.out["edit_linked_ids"].extend(
            r[0] for r in self.cur.fetchall() if r[0] in self.s.permits
        )


def mutate(
    url: str,
    seed: int,
    new: int = 5,
    steps: int = 20,
    issue: int = 3,
    edits: int = 5,
    upload_root: str | None = None,
    now: datetime | None = None,
) -> dict:
    """Apply one simulated office day to the sandbox database in ``url``.

    ``new`` applications are registered; ``issue`` live applications are pushed
    through their workflow until the SK is made (status 17 closed); ``steps``
    other live applications advance one step (a penetapan may reject); ``edits``
    applicants/companies are edited in place.  ``now`` (default: 16:00 on the next
    working day after the newest activity) ends the day.  All in one transaction.
    Returns a summary with the touched ``tmpermohonan`` ids.
    """
    t0 = time.perf_counter()
    params = db.parse_url(url)
    conn = db.connect(params, params.database)
    try:
        with conn.cursor() as cur:
            state = _State(cur)
            if now is None:
                now = default_now(cur, state)
            max_pid, max_tid = state.high_water()
            rng = Random(f"sicantik:{seed}:mutate:{max_pid}:{max_tid}:{_fmt(now)}")
            m = _Mutation(cur, state, rng, _Day(now, rng), upload_root)
            live = m.open_permits()
            for _ in range(new):
                m.new_application()
            candidates = sorted(live)
            issuable = [p for p in candidates if _can_issue(state, p, live[p])]
            chosen = rng.sample(issuable, min(issue, len(issuable)))
            for pid in chosen:
                row = live.pop(pid)
                while row is not None and row[1] != refdata.ST_PENYERAHAN:
                    row = m.close_step(pid, row, allow_reject=False)
            rest = sorted(live)
            for pid in rng.sample(rest, min(steps, len(rest))):
                m.close_step(pid, live[pid])
            for i in range(edits):
                if i % 2 == 0:
                    m.edit_applicant()
                else:
                    m.edit_company()
        conn.commit()
    finally:
        conn.close()
    out = m.out
    touched = (
        set(out["new_ids"]) | set(out["stepped_ids"]) | set(out["edit_linked_ids"])
    )
    return {
        "database": params.database,
        "now": _fmt(now),
        **{k: sorted(set(v)) for k, v in out.items()},
        "touched_ids": sorted(touched),
        "tracking_closed": m.closed,
        "tracking_opened": m.opened,
        "files_written": m.files,
        "seconds": round(time.perf_counter() - t0, 3),
    }


def _can_issue(state: _State, pid: int, row) -> bool:
    """True when the SK step (17) still lies ahead on the permit's workflow."""
    flow = state.workflows.get(state.group_of.get(state.type_of.get(pid)), [])
    return (
        row[1] in flow
        and refdata.ST_PEMBUATAN_IZIN in flow
        and flow.index(row[1]) <= flow.index(refdata.ST_PEMBUATAN_IZIN)
    )


def parse_now(text: str) -> datetime:
    return datetime.strptime(text, FMT)
