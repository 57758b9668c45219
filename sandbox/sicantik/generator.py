"""Deterministic generator of a legacy SICANTIK office database.

Why it is built this way
------------------------
* **Deterministic.**  Every value derives from ``random.Random`` streams seeded
  from ``seed`` and from a fixed reference day (``today``, default
  ``DEFAULT_TODAY``), never from the wall clock, so the same seed and size give
  byte-identical tables; tests compare ``CHECKSUM TABLE`` across two databases.
  The clean data and the ``--dirty`` defects use separate streams: a dirty
  database is the clean one plus recorded defects.
* **Simulated, not sampled.**  Each application walks its permit group's workflow
  (``trlangkah_perizinan``) through office hours on working days (weekends and
  ``tmholiday`` closed).  Whatever step is open at the snapshot moment ("today"
  15:00) is the current status, so statuses, tracking rows, SKs, payments and
  hand-over dates are consistent with each other the way the vendor's code would
  have left them.
* **Vendor id order.**  Rows get ids in the order the vendor would have inserted
  them (tracking rows, SKs, BAPs and ``rat`` entries by event time across all
  applications), because incremental sync relies on id watermarks.
* **Fast.**  All rows are built in memory as tuples and streamed per table with
  ``LOAD DATA LOCAL INFILE`` (see ``db.BulkLoader``); PDF writing is separate and
  capped by ``pdf_limit``.

The public entry point is :func:`generate`.
"""

from __future__ import annotations

import base64
import gc
import os
import shutil
import time
from bisect import bisect_left
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from random import Random

from . import db, pdfs, refdata, words
from .columns import COLUMNS, TABLE_ORDER, TP
from .people import PROFESSION_BY_TYPE, Regions, make_company, make_person

VERSION = "1"
DEFAULT_TODAY = date(2026, 11, 27)
"""Reference "today" when none is given: a fixed Friday, so output never depends
on the wall clock.  Pass ``today=date.today()`` (CLI ``--today``) to get expiry
buckets relative to the real date."""
HISTORY_START = date(2019, 1, 2)
DAY = 8 * 3600  # one office day, 08:00-16:00, in working seconds
SNAPSHOT_OFFSET = 7 * 3600  # the database is "dumped" at 15:00 on today
HMS = [f" {8 + s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}" for s in range(DAY)]

# Outcome labels stored in zz_sim_permit.outcome.
IN_PROCESS, STALLED, READY, ARCHIVED, REJECTED, REVOKED = (
    "in_process",
    "stalled",
    "ready",
    "archived",
    "rejected",
    "revoked",
)

# Shares of special fates.
P_REJECT = 0.04
P_STALL = 0.02
P_NEVER_COLLECT = 0.04
P_REVOKE = 0.012
P_NEW_APPLICANT = 0.72
P_NEW_COMPANY = 0.6
P_ONLINE = 0.03
P_RECENT = 0.06
P_TARGET_EXPIRY = 0.02
P_NO_PDF = 0.15
P_FLAT_FOR_COMPANY = 0.3
DEFER_KEYS_FROM = 20_000  # permits


@dataclass
class Table:
    """Rows of one table; ``auto_id`` rows omit the leading id (assigned 1..n)."""

    name: str
    rows: list = field(default_factory=list)
    auto_id: bool = False

    def full_rows(self) -> list:
        if not self.auto_id:
            return self.rows
        return [(i, *r) for i, r in enumerate(self.rows, 1)]


@dataclass
class PlannedFile:
    tmpermohonan_id: int
    relative_path: str
    layout: str
    kind: str  # pdf, missing, zero, notpdf
    info: dict


@dataclass
class Dataset:
    tables: dict[str, Table]
    files: list[PlannedFile]
    today: date
    permits: int
    seed: int
    dirty: bool
    permit_info: dict = field(default_factory=dict)


class Clock:
    """Office-time arithmetic: working seconds since HISTORY_START 08:00.

    A timestamp ``w`` is day ``w // DAY`` of the working-day calendar, second
    ``w % DAY`` after 08:00.  Adding durations in working seconds therefore skips
    nights, weekends and holidays for free.
    """

    def __init__(self, today: date):
        hol = refdata.holidays(HISTORY_START.year, today.year + 1)
        self.holiday_rows = hol
        self.holiday_ordinals = [d.toordinal() for d, _ in hol]
        self.days = refdata.working_days(HISTORY_START, today, {d for d, _ in hol})
        self.day_str = [d.isoformat() for d in self.days]
        self.day_ord = [d.toordinal() for d in self.days]
        if self.days and self.days[-1] == today:
            self.now = (len(self.days) - 1) * DAY + SNAPSHOT_OFFSET
        else:
            self.now = len(self.days) * DAY - 1
        self._sla_cache: dict[tuple[int, int], str] = {}

    def ts(self, w: int) -> str:
        return self.day_str[w // DAY] + HMS[w % DAY]

    def date_str(self, w: int) -> str:
        return self.day_str[w // DAY]

    def date(self, w: int) -> date:
        return self.days[w // DAY]

    def w_of_date(self, d: date) -> int:
        """First working second on or after ``d`` (clamped to the calendar)."""
        i = bisect_left(self.day_ord, d.toordinal())
        return min(i, len(self.days) - 1) * DAY

    def sla(self, w: int, v_hari: int) -> str:
        key = (w // DAY, v_hari)
        hit = self._sla_cache.get(key)
        if hit is None:
            hit = refdata.sla_due_date(
                self.date(w), v_hari, self.holiday_ordinals
            ).isoformat()
            self._sla_cache[key] = hit
        return hit


def _b64(text: str) -> str:
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


# ----------------------------------------------------------------- reference
def _reference_tables(clock: Clock, regions: Regions) -> dict[str, Table]:
    t: dict[str, Table] = {}
    t["settings"] = Table(
        "settings", [(i, n, v, s) for i, (n, v, s) in enumerate(refdata.SETTINGS, 1)]
    )
    t["tmholiday"] = Table(
        "tmholiday",
        [(i, d.isoformat(), desc) for i, (d, desc) in enumerate(clock.holiday_rows, 1)],
    )
    t["trpropinsi"] = Table("trpropinsi", [(p[0], p[1]) for p in refdata.PROVINCES])
    t["trkabupaten"] = Table(
        "trkabupaten", [(r[0], r[1], r[2]) for r in refdata.REGENCIES]
    )
    t["trkabupaten_trpropinsi"] = Table(
        "trkabupaten_trpropinsi", [(r[0], r[3]) for r in refdata.REGENCIES], True
    )
    t["trkecamatan"] = Table(
        "trkecamatan", [(i, d[0]) for i, d in enumerate(refdata.DISTRICTS, 1)]
    )
    t["trkabupaten_trkecamatan"] = Table(
        "trkabupaten_trkecamatan",
        [(d[1], i) for i, d in enumerate(refdata.DISTRICTS, 1)],
        True,
    )
    t["trkelurahan"] = Table("trkelurahan", [(k[0], k[3]) for k in regions.kelurahan])
    t["trkecamatan_trkelurahan"] = Table(
        "trkecamatan_trkelurahan", [(k[1], k[0]) for k in regions.kelurahan], True
    )
    t["trunitkerja"] = Table("trunitkerja", list(refdata.UNITS))
    t["tmpegawai"] = Table("tmpegawai", [o[:5] for o in refdata.OFFICIALS])
    t["tmpegawai_trunitkerja"] = Table(
        "tmpegawai_trunitkerja", [(o[0], o[5]) for o in refdata.OFFICIALS], True
    )
    staff_user = {
        "RUTH BR SEMBIRING": 1,
        "BENNY TARIGAN": 2,
        "DEWI BR KABAN": 3,
        "RIKSON SITEPU": 4,
        "MAGDALENA BR GINTING": 5,
    }
    t["tmpegawai_user"] = Table(
        "tmpegawai_user",
        [
            (o[0], staff_user[key])
            for o in refdata.OFFICIALS
            for key in staff_user
            if key in o[1].upper()
        ],
        True,
    )
    t["user"] = Table("user", [(u[0], u[1], u[2]) for u in refdata.USERS])
    t["trunitkerja_user"] = Table(
        "trunitkerja_user", [(u[3], u[0]) for u in refdata.USERS], True
    )
    t["trkelompok_perizinan"] = Table(
        "trkelompok_perizinan", list(refdata.GROUPS.items())
    )
    t["trperizinan"] = Table(
        "trperizinan",
        [
            (
                p[0],
                p[1],
                p[2],
                p[3],
                p[4],
                p[5],
                "0.00",
                p[10],
                1 if p[4] else 0,
                1,
                1 if p[6] in (1, 5) else 0,
                f"{2015 + p[0] // 6}-0{1 + p[0] % 6}-05 08:00:00",
            )
            for p in refdata.PERMIT_TYPES
        ],
    )
    t["trkelompok_perizinan_trperizinan"] = Table(
        "trkelompok_perizinan_trperizinan",
        [(p[6], p[0]) for p in refdata.PERMIT_TYPES],
        True,
    )
    tpu = []
    for p in refdata.PERMIT_TYPES:
        for u in refdata.USERS:
            if u[4] == "admin" or (
                u[4] in ("fo", "bo", "kasir") and (u[3] == p[9] or u[3] in (1, 3))
            ):
                tpu.append((p[0], u[0]))
    t["trperizinan_user"] = Table("trperizinan_user", tpu, True)
    t["trjenis_permohonan"] = Table(
        "trjenis_permohonan", list(refdata.JENIS_PERMOHONAN.items())
    )
    t["trstspermohonan"] = Table("trstspermohonan", list(refdata.STATUSES.items()))
    t["trlangkah_perizinan"] = Table(
        "trlangkah_perizinan",
        [
            (g, st, i)
            for g, steps in refdata.WORKFLOWS.items()
            for i, st in enumerate(steps, 1)
        ],
        True,
    )
    t["trsyarat_perizinan"] = Table(
        "trsyarat_perizinan",
        [(sid, text, 1 if sid != 9 else 0, sid) for sid, text in refdata.SYARAT],
    )
    t["trperizinan_trsyarat_perizinan"] = Table(
        "trperizinan_trsyarat_perizinan",
        [
            (p[0], sid, refdata.SYARAT_SHOW_TYPE.get(sid, refdata.SYARAT_DEFAULT_SHOW))
            for p in refdata.PERMIT_TYPES
            for sid in p[12]
        ],
        True,
    )
    return t


# ------------------------------------------------------------------ plan
def _plan_starts(rng: Random, n: int, clock: Clock, today: date) -> list[tuple]:
    """(registration w, permit type row, tie-breaker) per application, sorted."""
    types = refdata.PERMIT_TYPES
    cum = []
    acc = 0
    for p in types:
        acc += p[7]
        cum.append(acc)
    total = acc
    yearly = [p for p in types if p[5] == "tahun"]
    now = clock.now
    recent_span = min(now, 20 * DAY)
    plans = []
    for i in range(n):
        ptype = types[bisect_left(cum, rng.random() * total + 1e-9)]
        r = rng.random()
        w = None
        if r < P_TARGET_EXPIRY:
            # Aim the expiry at today-30..today+90 so every size has permits in the
            # expired / 30 / 60 / 90-day reminder buckets.
            ptype = rng.choice(yearly)
            target = today + timedelta(days=rng.randint(-30, 90))
            reg = refdata.php_mod_date(target, -ptype[4], ptype[5]) - timedelta(
                days=ptype[3] + 2
            )
            if HISTORY_START <= reg < today:
                w = clock.w_of_date(reg) + rng.randrange(DAY // 2)
        elif r < P_TARGET_EXPIRY + P_RECENT:
            w = now - rng.randrange(recent_span)
        if w is None:
            w = int(now * rng.random() ** 0.85)
        plans.append((min(w, now - 1), i, ptype))
    plans.sort(key=lambda x: (x[0], x[1]))
    return plans


class _Permit:
    """Working state of one application while it is being simulated."""

    __slots__ = (
        "closed",
        "company_id",
        "current",
        "d_berlaku",
        "fo",
        "jenis",
        "never_collect",
        "old",
        "online",
        "outcome",
        "pemohon_id",
        "pid",
        "ptype",
        "reg_date",
        "reg_day",
        "reg_ts",
        "reject",
        "revoked",
        "signer",
        "stall_at",
        "w0",
        "w_sk",
    )

    def __init__(self, pid: int, w0: int, ptype: tuple, clock: Clock):
        self.pid, self.w0, self.ptype = pid, w0, ptype
        self.reg_day = clock.date(w0)
        self.reg_ts = clock.ts(w0)
        self.reg_date = clock.date_str(w0)
        self.jenis, self.old = 1, None
        self.closed: dict[int, int] = {}
        self.w_sk = self.d_berlaku = self.signer = self.revoked = None


class _Builder:
    """Simulates the applications in registration order and collects the rows.

    Applications are processed in the order their ids are assigned (registration
    time), so pools such as "earlier issued permits of this type" or "known
    applicants" only ever contain what existed at that moment.  Events whose ids
    the vendor assigns by time (tracking, SK, BAP, rat) are collected and
    numbered after the loop.
    """

    def __init__(self, permits: int, seed: int, today: date):
        self.seed, self.today, self.permits = seed, today, permits
        self.rng = Random(f"sicantik:{seed}:base")
        self.rnd = self.rng.random
        self.clock = Clock(today)
        self.regions = Regions()
        self.tables = _reference_tables(self.clock, self.regions)
        self.rows: dict[str, list] = {
            name: []
            for name in (
                "tmpemohon",
                "tmpemohon_trkelurahan",
                "tmpemohon_sementara",
                "tmpemohon_sementara_trkelurahan",
                "tmpemohon_sementara_tmpermohonan",
                "tmperusahaan",
                "tmperusahaan_trkelurahan",
                "tmpermohonan",
                "tmpermohonan_trperizinan",
                "tmpermohonan_trjenis_permohonan",
                "tmpemohon_tmpermohonan",
                "tmpermohonan_tmperusahaan",
                "tmpermohonan_trstspermohonan",
                "tmpermohonan_trsyarat_perizinan",
                "zz_sim_permit",
            )
        }
        self.track_events: list[tuple] = []
        self.sk_events: list[tuple] = []
        self.bap_events: list[tuple] = []
        self.rat_events: list[tuple] = []
        self.used_nik: set[str] = set()
        self.used_company: set[str] = set()
        self.company_owner: list[int] = [0]  # index = company id
        self.company_info: list[tuple] = [()]  # (name, address, npwp, kecamatan)
        self.pemohon_info: list[tuple] = [()]  # (name, no_referensi, address)
        self.issued_by_type: dict[int, list[tuple]] = {}
        self.permit_info: dict[int, dict] = {}
        self.urut_by_year: dict[int, int] = {}
        self.fo_users = [u for u in refdata.USERS if u[0] in refdata.FRONT_OFFICE_USERS]
        self.syarat_by_type = {
            p[0]: [
                (sid, refdata.SYARAT_SHOW_TYPE.get(sid, refdata.SYARAT_DEFAULT_SHOW))
                for sid in p[12]
            ]
            for p in refdata.PERMIT_TYPES
        }

    # -------------------------------------------------------------- per permit
    def run(self) -> Dataset:
        plans = _plan_starts(
            Random(f"sicantik:{self.seed}:plan"), self.permits, self.clock, self.today
        )
        for pid, (w0, _, ptype) in enumerate(plans, 1):
            self.permit(_Permit(pid, w0, ptype, self.clock))
        self.number_events()
        for name, rows in self.rows.items():
            self.tables[name] = Table(name, rows, name in _AUTO_ID)
        for name in ("zz_sim_defect", "zz_sim_expected_file"):
            self.tables[name] = Table(name, [], True)
        self.tables["zz_sim_meta"] = Table("zz_sim_meta", [])
        return Dataset(
            tables=self.tables,
            files=[],
            today=self.today,
            permits=self.permits,
            seed=self.seed,
            dirty=False,
            permit_info=self.permit_info,
        )

    def permit(self, p: _Permit) -> None:
        rnd = self.rnd
        p.fo = (
            self.fo_users[0]
            if p.reg_day.year < 2022 or rnd() < 0.4
            else self.fo_users[1]
        )
        self.choose_kind(p)
        self.choose_parties(p)
        self.walk(p)
        self.side_effects(p)
        self.emit(p)

    def choose_kind(self, p: _Permit) -> None:
        """Request kind; a renewal/change points at an earlier issued permit."""
        rnd = self.rnd
        type_id, jenis_allowed = p.ptype[0], p.ptype[11]
        if rnd() >= 0.75 and len(jenis_allowed) > 1:
            r = rnd()
            want = 3 if r < 0.56 else 2 if r < 0.88 else 4
            pool = self.issued_by_type.get(type_id) if want in jenis_allowed else None
            for _ in range(4 if pool else 0):
                cand = pool[int(rnd() * len(pool))]
                if cand[0] < p.w0:
                    p.old, p.jenis = cand, want
                    break

    def choose_parties(self, p: _Permit) -> None:
        """Applicant and company: reuse earlier ones or register new ones."""
        if p.old is not None:
            p.pemohon_id, p.company_id = p.old[2], p.old[3]
            return
        rnd = self.rnd
        company_share = p.ptype[8]
        profession = PROFESSION_BY_TYPE.get(p.ptype[0])
        company_id = 0
        owners = self.company_owner
        if (
            company_share
            and rnd() < company_share
            and len(owners) > 1
            and rnd() >= P_NEW_COMPANY
        ):
            company_id = 1 + int(rnd() * (len(owners) - 1))
        pemohon = self.rows["tmpemohon"]
        if company_id and rnd() < 0.85:
            pemohon_id = owners[company_id]
        elif profession is None and pemohon and rnd() >= P_NEW_APPLICANT:
            pemohon_id = 1 + int(rnd() * len(pemohon))
        else:
            pemohon_id = self.new_person(p, profession)
        if company_share and not company_id and rnd() < company_share:
            company_id = self.new_company(p, pemohon_id)
        p.pemohon_id, p.company_id = pemohon_id, company_id

    def new_person(self, p: _Permit, profession: str | None) -> int:
        vals, kel = make_person(
            self.rng, self.regions, p.reg_day, self.used_nik, profession
        )
        rows = self.rows["tmpemohon"]
        pemohon_id = len(rows) + 1
        rows.append((pemohon_id, *vals[:7], p.fo[2], p.reg_ts, vals[7]))
        self.rows["tmpemohon_trkelurahan"].append((pemohon_id, kel[0]))
        self.pemohon_info.append((vals[2], vals[0], vals[5]))
        return pemohon_id

    def new_company(self, p: _Permit, owner: int) -> int:
        vals, kel = make_company(self.rng, self.regions, p.reg_day, self.used_company)
        rows = self.rows["tmperusahaan"]
        company_id = len(rows) + 1
        rows.append((company_id, *vals, p.fo[2], p.reg_ts))
        self.rows["tmperusahaan_trkelurahan"].append((company_id, kel[0]))
        self.company_owner.append(owner)
        self.company_info.append((vals[0], vals[2], vals[1], kel[2]))
        return company_id

    def walk(self, p: _Permit) -> None:
        """Walk the group's workflow until it passes the snapshot moment.

        Each closed step is a tracking row from open to close time; whatever step
        is open at "now" (or where the application stalls for good) stays
        ``'Insert'``, as do the terminal Arsip and Ditolak rows.
        """
        rnd = self.rnd
        now = self.clock.now
        durations = refdata.STEP_DURATION
        steps = refdata.WORKFLOWS[p.ptype[6]]
        p.reject = rnd() < P_REJECT
        p.stall_at = (
            int(rnd() * steps.index(refdata.ST_PEMBUATAN_IZIN))
            if rnd() < P_STALL
            else -1
        )
        p.never_collect = rnd() < P_NEVER_COLLECT
        p.online = rnd() < P_ONLINE
        events = self.track_events
        pid, t, k = p.pid, p.w0, 0
        while True:
            st = steps[k]
            p.current = st
            if (
                st == refdata.ST_ARSIP
                or k == p.stall_at
                or (st == refdata.ST_PENYERAHAN and p.never_collect)
            ):
                events.append((t, pid, st, -1))
                return
            lo, hi = durations[st]
            end = t + lo + int(rnd() * (hi - lo))
            if end > now:
                events.append((t, pid, st, -1))
                return
            events.append((t, pid, st, end))
            p.closed[st] = end
            t = end
            if st == refdata.ST_PENETAPAN and p.reject:
                p.current = refdata.ST_DITOLAK
                events.append((t, pid, p.current, -1))
                return
            k += 1

    def side_effects(self, p: _Permit) -> None:
        """BAP, SK, payment, revocation: what the closed steps left behind."""
        rng, closed = self.rng, p.closed
        type_id, c_izin, v_berlaku, satuan, group = (
            p.ptype[0],
            p.ptype[2],
            p.ptype[4],
            p.ptype[5],
            p.ptype[6],
        )
        if refdata.ST_BAP in closed:
            if group == 4:
                nilai = (
                    rng.randint(25, 2500) * 10000
                    if type_id == 2
                    else rng.randint(15, 500) * 10000
                )
            else:
                nilai = 0
            if p.current == refdata.ST_DITOLAK:
                bap = (2, f"{nilai}.00", 2, 0, rng.choice(words.REJECTION_REASONS))
            else:
                bap = (1, f"{nilai}.00", 1, 1 if group == 4 else 0, "Work Flow")
            self.bap_events.append((closed[refdata.ST_BAP], p.pid, *bap))
        if p.current == refdata.ST_DITOLAK:
            self.sk_events.append(
                (closed[refdata.ST_PENETAPAN], p.pid, 1, type_id, c_izin)
            )
        p.w_sk = closed.get(refdata.ST_PEMBUATAN_IZIN)
        if p.w_sk is not None:
            sk_day = self.clock.date(p.w_sk)
            self.sk_events.append((p.w_sk, p.pid, 0, type_id, c_izin))
            self.rat_events.append(
                (
                    p.w_sk,
                    refdata.BACK_OFFICE_USERS[0 if group != 5 else 1],
                    9,
                    "Cetak",
                    p.pid,
                )
            )
            p.signer = refdata.signer_for(sk_day)
            if v_berlaku:
                p.d_berlaku = refdata.php_mod_date(sk_day, v_berlaku, satuan)
            self.issued_by_type.setdefault(type_id, []).append(
                (p.w_sk, p.pid, p.pemohon_id, p.company_id)
            )
        if p.current == refdata.ST_ARSIP:
            p.outcome = ARCHIVED
        elif p.current == refdata.ST_DITOLAK:
            p.outcome = REJECTED
        elif p.current == refdata.ST_PENYERAHAN:
            p.outcome = READY
        else:
            p.outcome = STALLED if p.stall_at >= 0 else IN_PROCESS
        if p.outcome == ARCHIVED and self.rnd() < P_REVOKE:
            self.revoke(p)

    def revoke(self, p: _Permit) -> None:
        today = self.today
        first = self.clock.date(p.closed[refdata.ST_PENYERAHAN]) + timedelta(days=30)
        if first < today - timedelta(days=10):
            span = (today - timedelta(days=1) - first).days
            cabut = first + timedelta(days=int(self.rnd() * span))
            ajuan = cabut - timedelta(days=self.rng.randint(3, 20))
            p.revoked = (
                cabut.isoformat(),
                ajuan.isoformat(),
                self.rng.choice(words.REVOCATION_REASONS),
            )
            p.outcome = REVOKED

    def flags(self, p: _Permit) -> tuple:
        """c_pendaftaran, c_penetapan, c_status_bayar, d_survey, due_notif."""
        closed, group = p.closed, p.ptype[6]
        if p.current in (refdata.ST_PENDAFTARAN, refdata.ST_BERKAS):
            c_pendaftaran = 2 if p.online else 0
        else:
            c_pendaftaran = 1
        if refdata.ST_PENETAPAN in closed:
            c_penetapan = 2 if p.current == refdata.ST_DITOLAK else 1
        else:
            c_penetapan = 0
        if group == 4:
            c_bayar = 1 if refdata.ST_KASIR in closed else 0
        else:
            c_bayar = 1 if p.w_sk is not None else 0
        if group in (2, 3, 4):
            d_survey = (
                self.clock.date_str(closed[refdata.ST_TINJAUAN])
                if refdata.ST_TINJAUAN in closed
                else None
            )
        else:
            d_survey = p.reg_date
        due_notif = 0
        today = self.today
        if (
            p.d_berlaku
            and (today - timedelta(days=60))
            <= p.d_berlaku
            <= (today + timedelta(days=30))
            and self.rnd() < 0.7
        ):
            due_notif = 1
        return c_pendaftaran, c_penetapan, c_bayar, d_survey, due_notif

    def location(self, p: _Permit, company: tuple | None, person: tuple) -> str:
        rng, type_id = self.rng, p.ptype[0]
        if company:
            return f"{company[1]}, {company[3]}"
        if type_id == 2:
            return f"PERSIL NO. {rng.randint(1, 400)}, {person[2]}"
        if type_id in (6, 13):
            return (
                f"SIMPANG {rng.choice(words.STREETS_KARO)} - "
                f"{rng.choice(words.STREETS_KARO)}"
            )
        return person[2]

    def emit(self, p: _Permit) -> None:
        """Append the application's rows to every table it touches."""
        rng, rows, pid = self.rng, self.rows, p.pid
        type_id, jenis, year = p.ptype[0], p.jenis, p.reg_day.year
        urut = self.urut_by_year[year] = self.urut_by_year.get(year, 0) + 1
        pend = refdata.pendaftaran_number(urut, type_id, jenis, p.reg_day.month, year)
        c_pendaftaran, c_penetapan, c_bayar, d_survey, due_notif = self.flags(p)
        company = self.company_info[p.company_id] if p.company_id else None
        person = self.pemohon_info[p.pemohon_id]
        a_izin = self.location(p, company, person)
        akta = None
        if company and company[0].startswith("PT.") and self.rnd() < 0.5:
            d_akta = p.reg_day - timedelta(days=rng.randint(30, 3000))
            akta = (
                str(rng.randint(1, 120)),
                d_akta.isoformat(),
                rng.choice(words.NOTARIES),
            )
        w_handover = p.closed.get(refdata.ST_PENYERAHAN)
        exp = p.d_berlaku.isoformat() if p.d_berlaku else None
        rev = p.revoked or (None, None, None)
        reg_date = p.reg_date
        rows["tmpermohonan"].append(
            (
                pid,
                pend,
                f"{urut:05d}",
                str(year),
                reg_date,
                d_survey,
                self.clock.sla(p.w0, p.ptype[3]),
                None,
                exp,
                None,
                self.clock.ts(w_handover) if w_handover is not None else None,
                rev[0],
                a_izin,
                0,
                c_pendaftaran,
                1 if p.ptype[6] in (2, 3, 4) else 0,
                c_penetapan,
                1 if w_handover is not None else 0,
                1 if p.revoked else 0,
                c_bayar,
                p.old[1] if p.old else None,
                reg_date if jenis == 2 else None,
                reg_date if jenis == 3 else None,
                reg_date if jenis == 4 else None,
                p.fo[2],
                p.reg_ts,
                *(akta or (None, None, None)),
                rev[1],
                rev[2],
                p.signer[2] if p.signer else None,
                p.signer[1] if p.signer else None,
                None,
                rng.choice(words.KETERANGAN),
                p.ptype[9],
                due_notif,
            )
        )
        rows["tmpermohonan_trperizinan"].append((pid, type_id))
        rows["tmpermohonan_trjenis_permohonan"].append((pid, jenis))
        rows["tmpemohon_tmpermohonan"].append((p.pemohon_id, pid))
        if p.company_id:
            rows["tmpermohonan_tmperusahaan"].append((pid, p.company_id))
        rows["tmpermohonan_trstspermohonan"].append((pid, p.current))
        self.syarat(p, company, person)
        self.rat_events.append((p.w0, p.fo[0], 1, "Insert Pendaftaran", pid))
        if p.online:
            self.temporary_registration(p)
        rows["zz_sim_permit"].append(
            (pid, p.outcome, p.current, 1 if p.outcome in (READY, ARCHIVED) else 0)
        )
        self.permit_info[pid] = {
            "type": p.ptype,
            "pend": pend,
            "company": p.company_id,
            "company_name": company[0] if company else None,
            "pemohon": p.pemohon_id,
            "outcome": p.outcome,
            "w_sk": p.w_sk,
            "d_berlaku": exp,
            "nama_ttd": p.signer[1] if p.signer else None,
            "nip_ttd": p.signer[2] if p.signer else None,
            "a_izin": a_izin,
        }

    def syarat(self, p: _Permit, company: tuple | None, person: tuple) -> None:
        """Submitted requirement documents (numbers only where one exists)."""
        rng, out = self.rng, self.rows["tmpermohonan_trsyarat_perizinan"]
        bit = refdata.JENIS_BIT[p.jenis]
        for sid, show in self.syarat_by_type[p.ptype[0]]:
            if not show & bit:
                continue
            no_dok = awal = akhir = None
            if sid == 1:
                no_dok = person[1]
            elif sid == 2 and company:
                no_dok = company[2]
            elif sid == 3 and company:
                no_dok = f"AHU-{rng.randint(1, 999999):07d}.AH.01.01"
            elif sid == 7:
                no_dok = f"STR-{rng.randint(10**15, 10**16 - 1)}"
                start = p.reg_day - timedelta(days=rng.randint(30, 900))
                awal = start.isoformat()
                akhir = refdata.php_mod_date(start, 5, "tahun").isoformat()
            out.append((p.pid, sid, no_dok, awal, akhir))

    def temporary_registration(self, p: _Permit) -> None:
        """Online (API) registrations also leave a tmpemohon_sementara copy."""
        rows = self.rows
        sid = len(rows["tmpemohon_sementara"]) + 1
        src = rows["tmpemohon"][p.pemohon_id - 1]
        rows["tmpemohon_sementara"].append((sid, *src[1:8], "API", p.reg_ts, src[10]))
        rows["tmpemohon_sementara_trkelurahan"].append(
            (sid, rows["tmpemohon_trkelurahan"][p.pemohon_id - 1][1])
        )
        rows["tmpemohon_sementara_tmpermohonan"].append((sid, p.pid))

    # ---------------------------------------------------------- event tables
    def number_events(self) -> None:
        """Give time-ordered ids to tracking rows, SKs, BAPs and rat entries."""
        ts = self.clock.ts
        tables = self.tables
        self.track_events.sort()
        pend_of = [None] + [row[1] for row in self.rows["tmpermohonan"]]
        tracking, j_track, j_status = [], [], []
        for tid, (wo, pid, st, wc) in enumerate(self.track_events, 1):
            if wc < 0:
                tracking.append((tid, pend_of[pid], "Insert", ts(wo), ts(wo)))
            else:
                tracking.append((tid, pend_of[pid], "Update", ts(wo), ts(wc)))
            j_track.append((pid, tid))
            j_status.append((tid, st))
        self.track_events = []
        tables["tmtrackingperizinan"] = Table("tmtrackingperizinan", tracking)
        tables["tmpermohonan_tmtrackingperizinan"] = Table(
            "tmpermohonan_tmtrackingperizinan", j_track, True
        )
        tables["tmtrackingperizinan_trstspermohonan"] = Table(
            "tmtrackingperizinan_trstspermohonan", j_status, True
        )
        self.number_sks()
        self.bap_events.sort()
        tmbap, j_bap = [], []
        seq: dict[int, int] = {}
        for bap_id, (w, pid, status, nilai, pen, skrd, pesan) in enumerate(
            self.bap_events, 1
        ):
            year = self.clock.date(w).year
            n = seq[year] = seq.get(year, 0) + 1
            tmbap.append(
                (bap_id, f"BAP/{n:04d}/{year}", status, nilai, pen, skrd, pesan)
            )
            j_bap.append((bap_id, pid))
        tables["tmbap"] = Table("tmbap", tmbap)
        tables["tmbap_tmpermohonan"] = Table("tmbap_tmpermohonan", j_bap, True)
        self.rat_events.sort()
        tables["rat"] = Table(
            "rat",
            [
                (i, user, ts(w), code, msg, pid)
                for i, (w, user, code, msg, pid) in enumerate(self.rat_events, 1)
            ],
        )

    def number_sks(self) -> None:
        """SK numbers run per year in issue order, rejections on their own."""
        self.sk_events.sort()
        tmsk, j_sk, j_pegawai = [], [], []
        seq_sk: dict[int, int] = {}
        seq_tolak: dict[int, int] = {}
        for sk_id, (w, pid, rejected, type_id, code) in enumerate(self.sk_events, 1):
            day = self.clock.date(w)
            if rejected:
                n = seq_tolak[day.year] = seq_tolak.get(day.year, 0) + 1
                tmsk.append(
                    (sk_id, "Ditolak", day.isoformat(), 1, 0, f"{n:04d}", None, 0, 0)
                )
            else:
                n = seq_sk[day.year] = seq_sk.get(day.year, 0) + 1
                no = refdata.sk_number(n, day.year, day.month, type_id, code)
                req = 1 if self.rnd() < 0.03 else 0
                tmsk.append(
                    (sk_id, no, day.isoformat(), 1, 1, f"{n:04d}", _b64(no), req, req)
                )
                j_pegawai.append((refdata.signer_for(day)[0], sk_id))
                self.permit_info[pid]["no_surat"] = no
                self.permit_info[pid]["tgl_surat"] = day.isoformat()
            j_sk.append((pid, sk_id))
        self.tables["tmsk"] = Table("tmsk", tmsk)
        self.tables["tmpermohonan_tmsk"] = Table("tmpermohonan_tmsk", j_sk, True)
        self.tables["tmpegawai_tmsk"] = Table("tmpegawai_tmsk", j_pegawai, True)


_AUTO_ID = frozenset(
    {
        "tmpemohon_trkelurahan",
        "tmpemohon_sementara_trkelurahan",
        "tmpemohon_sementara_tmpermohonan",
        "tmperusahaan_trkelurahan",
        "tmpermohonan_trperizinan",
        "tmpermohonan_trjenis_permohonan",
        "tmpemohon_tmpermohonan",
        "tmpermohonan_tmperusahaan",
        "tmpermohonan_trstspermohonan",
        "tmpermohonan_trsyarat_perizinan",
    }
)


def build_dataset(permits: int, seed: int, today: date | None = None) -> Dataset:
    """Build every table in memory (no database needed); see module docstring."""
    today = today or DEFAULT_TODAY
    if today <= HISTORY_START + timedelta(days=60):
        raise ValueError(f"today must be after {HISTORY_START + timedelta(days=60)}")
    return _Builder(permits, seed, today).run()


# ------------------------------------------------------------------- files
def plan_files(ds: Dataset, pdf_limit: int | None) -> None:
    """Decide which issued permits get a PDF on disk, and where (both layouts).

    Paths are built from the database values *after* dirty injection, the way the
    vendor variant derives them from ids and names, so a mojibake or padded
    company name shows up in the folder name exactly as an office would have it.
    """
    rng = Random(f"sicantik:{ds.seed}:files")
    tp = TP["tmpermohonan"]
    permits = ds.tables["tmpermohonan"].rows
    companies = {r[0]: r[1] for r in ds.tables["tmperusahaan"].rows}
    types = {r[0]: r[1] for r in ds.tables["trperizinan"].rows}
    info = ds.permit_info
    planned = []
    for row in permits:
        pid = row[0]
        pi = info[pid]
        if pi.get("no_surat") is None or pi["outcome"] not in (
            READY,
            ARCHIVED,
            REVOKED,
        ):
            continue
        if rng.random() < P_NO_PDF:
            continue
        pend = row[tp["pendaftaran_id"]]
        if not pend:
            continue
        n_izin = types[pi["type"][0]]
        cid = pi["company"]
        if cid and rng.random() >= P_FLAT_FOR_COMPANY:
            layout = pdfs.LAYOUT_SYARAT
        else:
            layout = pdfs.LAYOUT_FLAT
        rel = pdfs.relative_path(layout, pend, n_izin, cid, companies.get(cid))
        person = ds.tables["tmpemohon"].rows[pi["pemohon"] - 1]
        planned.append(
            PlannedFile(
                pid,
                rel,
                layout,
                "pdf",
                {
                    "pendaftaran_id": pend,
                    "n_perizinan": n_izin,
                    "no_surat": pi["no_surat"],
                    "tgl_surat": pi["tgl_surat"],
                    "n_pemohon": person[3],
                    "no_referensi": person[1],
                    "n_perusahaan": companies.get(cid) if cid else None,
                    "a_izin": pi["a_izin"],
                    "d_berlaku_izin": pi["d_berlaku"],
                    "nama_ttd": pi["nama_ttd"],
                    "nip_ttd": pi["nip_ttd"],
                    "company_id": cid,
                },
            )
        )
    if pdf_limit is not None and len(planned) > pdf_limit:
        step = len(planned) / max(pdf_limit, 1)
        planned = [planned[int(i * step)] for i in range(pdf_limit)]
    ds.files = planned


UPLOAD_MARKER = ".sicantik-sandbox"
LAYOUT_DIRS = ("assets/upload/izin", "assets/upload/syarat")


def _only_sandbox_layout(root: Path) -> bool:
    """True when ``root`` holds nothing but the two sandbox layout folders."""
    allowed = {
        root: {"assets", UPLOAD_MARKER},
        root / "assets": {"upload"},
        root / "assets/upload": {"izin", "syarat"},
    }
    return all(
        not folder.exists() or {p.name for p in folder.iterdir()} <= names
        for folder, names in allowed.items()
    )


def prepare_upload_root(upload_root: str, reset: bool) -> None:
    """Make ``upload_root`` hold only this generation's files.

    Stale PDFs of an earlier seed would contradict ``zz_sim_expected_file``, so a
    reset empties the two layout folders - but only in a folder the sandbox made
    (marker file, or nothing but the sandbox layout in it), never in something
    that looks like a real office's upload mount (``ttd/``, ``logo/``...).
    """
    root = Path(upload_root)
    existing = [root / d for d in LAYOUT_DIRS if (root / d).exists()]
    if (
        existing
        and not (root / UPLOAD_MARKER).exists()
        and not (_only_sandbox_layout(root))
    ):
        raise RuntimeError(
            f"{upload_root} holds more than the sandbox's {LAYOUT_DIRS}: it was "
            "not made by the sandbox; use an empty folder"
        )
    if existing and not reset and any(any(d.iterdir()) for d in existing):
        raise RuntimeError(f"{upload_root} has files; pass --reset to replace them")
    for folder in existing:
        shutil.rmtree(folder)
    root.mkdir(parents=True, exist_ok=True)
    (root / UPLOAD_MARKER).write_text(
        "Created by python -m sandbox.sicantik; safe to delete.\n"
    )


def write_files(ds: Dataset, upload_root: str, pad_kb: int) -> dict[str, int]:
    """Write the planned files; returns counts per kind."""
    counts = {"pdf": 0, "zero": 0, "notpdf": 0, "missing": 0}
    made_dirs: set[str] = set()
    for f in ds.files:
        counts[f.kind] += 1
        if f.kind == "missing":
            continue
        path = os.path.join(upload_root, *f.relative_path.split("/"))
        folder = os.path.dirname(path)
        if folder not in made_dirs:
            os.makedirs(folder, exist_ok=True)
            made_dirs.add(folder)
        if f.kind == "zero":
            data = b""
        elif f.kind == "notpdf":
            data = pdfs.not_a_pdf(f"{ds.seed}:{f.tmpermohonan_id}")
        else:
            data = pdfs.render_permit(f.info, pad_kb, f"{ds.seed}:{f.tmpermohonan_id}")
        with open(path, "wb") as fh:
            fh.write(data)
    return counts


# ---------------------------------------------------------------- public API
def generate(
    url: str,
    permits: int,
    seed: int,
    dirty: bool = False,
    reset: bool = False,
    upload_root: str | None = None,
    pdf_limit: int | None = None,
    pdf_pad_kb: int = 0,
    today: date | None = None,
    use_local_infile: bool = True,
) -> dict:
    """Create (or with ``reset`` recreate) the database in ``url`` and fill it.

    ``url`` is an SQLAlchemy-style ``mysql+pymysql://user:pw@host:port/DBNAME``;
    the database is created when missing.  ``upload_root`` enables PDFs in both
    layouts of docs/reference/sicantik.md#files-on-disk (none are written
    without it); ``pdf_limit`` caps how many, ``pdf_pad_kb`` pads each with
    incompressible bytes.  ``dirty`` injects
    the defects listed in :mod:`sandbox.sicantik.dirty` and records each one in
    ``zz_sim_defect``.  Returns the summary dict the CLI prints as JSON.
    """
    from . import dirty as dirty_mod

    t0 = time.perf_counter()
    params = db.parse_url(url)
    if not params.database:
        raise ValueError("the URL must name a database, e.g. .../sicantik_dev")
    gc_was = gc.isenabled()
    gc.disable()  # millions of small tuples, no cycles: the collector only costs
    try:
        ds = build_dataset(permits, seed, today)
        t_build = time.perf_counter() - t0
        if dirty:
            dirty_mod.inject(ds)
        if upload_root:
            plan_files(ds, pdf_limit)
            if dirty:
                dirty_mod.inject_file_defects(ds)
            _record_files(ds)
        meta = [
            ("seed", str(seed)),
            ("permits", str(permits)),
            ("today", ds.today.isoformat()),
            ("dirty", "1" if dirty else "0"),
            ("generator_version", VERSION),
            ("pdf_limit", "" if pdf_limit is None else str(pdf_limit)),
            ("pdf_pad_kb", str(pdf_pad_kb)),
        ]
        ds.tables["zz_sim_meta"].rows = meta

        db.create_database(params, reset=reset)
        if upload_root:
            prepare_upload_root(upload_root, reset)
        conn = db.connect(params, params.database)
        try:
            # Big loads build secondary keys afterwards (sorted build); for small
            # ones the extra ALTER TABLE statements cost more than they save.
            deferred_keys = db.load_schema(conn, defer_keys=permits >= DEFER_KEYS_FROM)
        finally:
            conn.close()
        loader = db.BulkLoader(params, use_local_infile=use_local_infile)
        counts = {}
        try:
            for name in TABLE_ORDER:
                table = ds.tables[name]
                counts[name] = len(table.rows)
                loader.submit(
                    name,
                    COLUMNS[name],
                    table.full_rows(),
                    deferred_keys.pop(name, None),
                )
            for name, keys in deferred_keys.items():  # tables we never fill
                loader.submit(name, (), [], keys)
            t_files = time.perf_counter()
            file_counts = (
                write_files(ds, upload_root, pdf_pad_kb) if upload_root else {}
            )
            t_files = time.perf_counter() - t_files
            t_wait = time.perf_counter()
        finally:
            loader.close()
        t_wait = time.perf_counter() - t_wait
    finally:
        if gc_was:
            gc.enable()
    total_rows = sum(counts.values())
    seconds = time.perf_counter() - t0
    return {
        "database": params.database,
        "permits": permits,
        "seed": seed,
        "today": ds.today.isoformat(),
        "dirty": dirty,
        "counts": counts,
        "rows": total_rows,
        "defects": counts.get("zz_sim_defect", 0),
        "files": file_counts,
        "build_seconds": round(t_build, 3),
        "phases": {
            "build": round(t_build, 3),
            "serialise": round(loader.serialise_seconds, 3),
            "files": round(t_files, 3),
            "wait_for_loader": round(t_wait, 3),
            "load": round(sum(v[0] for v in loader.timings.values()), 3),
            "index": round(sum(v[1] for v in loader.timings.values()), 3),
            "slowest": sorted(
                ((k, v[0] + v[1]) for k, v in loader.timings.items()),
                key=lambda kv: -kv[1],
            )[:3],
        },
        "seconds": round(seconds, 3),
        "rows_per_second": int(total_rows / seconds) if seconds else None,
    }


def _record_files(ds: Dataset) -> None:
    """Fill zz_sim_expected_file: every file that exists on disk (incl. broken)."""
    ds.tables["zz_sim_expected_file"].rows = [
        (f.tmpermohonan_id, f.relative_path, f.layout)
        for f in ds.files
        if f.kind != "missing"
    ]


def parse_day(text: str) -> date:
    return datetime.strptime(text, "%Y-%m-%d").date()
